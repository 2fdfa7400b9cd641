#!/bin/sh
# t111-live-tls-syncrepl: syncrepl to an ldaps provider follows the store,
# here through the exported bundle (tls_cacert) rather than the directory.
#   1. the consumer cannot connect: the provider's certificate is unknown;
#   2. ldapadd of the provider's certificate into the store: without a
#      restart, the consumer connects on its next retry and replicates;
#   3. after deleting it, the running session goes on (syncrepl sessions
#      are not cut), but once the provider restarts, the consumer's new
#      connection is refused: changes stop arriving.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
PS="dc=provider"
B="$T/bundle.pem"
PURI="ldaps://127.0.0.1:$(port 2)/"

prov_conf() {
	tls_server_conf provider provider "$PS" "moduleload syncprov" "rootpw $ROOTPW
index entryCSN,entryUUID eq
overlay syncprov"
}
prov_start() {
	slapd_spawn "$T/n2.log" $SLAPD -d "$TS_DEBUG" -f "$T/n2/slapd.conf" \
	    -h "$PURI ldap://127.0.0.1:$(port 3)/"
	echo "$SPID" > "$T/n2/pid"
	i=0
	while ! ldapsearch -x -H "ldap://127.0.0.1:$(port 3)/" -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 200 ] || die "provider not answering"
		sleep 0.1
	done
}
padd() {
	printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\ncn: %s\n' "$1" "$PS" "$1" |
	    ldapadd -x -H "ldap://127.0.0.1:$(port 3)/" -D "cn=admin,$PS" -w "$ROOTPW" >/dev/null
}
prov_conf
prov_start

# the trust-store node also holds a consumer of the provider
cat > "$T/global.conf" <<EOF
moduleload syncprov
EOF
cat > "$T/extra.conf" <<EOF
truststore-export-bundle $B
database mdb
suffix "$PS"
rootdn "cn=admin,$PS"
directory $T/n1/consumer
index entryCSN,entryUUID eq
syncrepl rid=001 provider=$PURI type=refreshAndPersist retry="1 +"
  searchbase="$PS" bindmethod=simple binddn="cn=admin,$PS" credentials=$ROOTPW
  tls_cacert=$B tls_reqcert=demand
EOF
mkdir -p "$T/n1/consumer"
node_conf 1 "$T/extra.conf" "$T/global.conf"
node_start 1
add_base 1

# on_consumer CN: the consumer holds cn=CN
on_consumer() { lsearch 1 -b "cn=$1,$PS" -s base dn 2>/dev/null | grep -q "cn=$1"; }

sleep 2
check "1. consumer has nothing: the provider is not trusted" not on_consumer hello
check "1. its connections failed in TLS" grep -q "TLS: can't connect" "$T/n1.log"
cert_ldif provider "$T/certs/provider.der" | ladd 1 >/dev/null || fail "add provider's certificate"
check "2. the bundle names it" until_ok 10 grep -q "^# provider\$" "$B"
check "2. consumer replicates within 15 s, no restart" until_ok 15 on_consumer hello
check "2. the syncrepl TLS context was rebuilt" grep -q "rid=001: TLS context rebuilt" "$T/n1.log"
padd live1
check "2. the live session carries changes" until_ok 10 on_consumer live1

ldelete 1 "cn=provider,$BASE" || fail "delete provider's certificate"
check "3. the bundle forgot it" until_ok 10 not grep -q "^# provider\$" "$B"
sleep 2
# the provider goes away and comes back: the consumer must reconnect
fails=$(grep -c "TLS: can't connect" "$T/n1.log")
kill "$(cat "$T/n2/pid")"
i=0; while kill -0 "$(cat "$T/n2/pid")" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
slapd_reap "$(cat "$T/n2/pid")"
prov_start
padd after
sleep 5
check "3. a new connection is refused: the change does not arrive" not on_consumer after
check "3. the consumer tried again and failed in TLS" \
    test "$(grep -c "TLS: can't connect" "$T/n1.log")" -gt "$fails"
check "node still running" node_alive 1
