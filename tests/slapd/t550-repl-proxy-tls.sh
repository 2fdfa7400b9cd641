#!/bin/sh
# t550-repl-proxy-tls.sh - the end-to-end proof across nodes: a back end
# serves ldaps with a certificate no node trusts; node 3 proxies to it with
# back-ldap (ldif/60-proxy.ldif: tls_cacertdir = node 3's export
# directory).  Importing the back end's certificate on node 1 makes node
# 3's proxy trust the back end, deleting it on node 2 makes it refuse
# again; no slapd restarts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
PARTNER="dc=partner,dc=example,dc=org"
REPL_PARTNER_URI="ldaps://127.0.0.1:$(port 9)/"

# the back end (node 9 in the port range): its own certificate for
# 127.0.0.1, one entry to find
mkcert partner -addext "subjectAltName=IP:127.0.0.1"
be="$T/n9"
mkdir -p "$be/db"
cat > "$be/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $be/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $T/certs/partner.pem
TLSCertificateKeyFile $T/certs/partner.key
database mdb
suffix "$PARTNER"
directory $be/db
EOF
slapadd -f "$be/slapd.conf" >/dev/null 2>&1 <<EOF || die "back end slapadd"
dn: $PARTNER
objectClass: dcObject
objectClass: organization
dc: partner
o: partner

dn: cn=hello,$PARTNER
objectClass: organizationalRole
cn: hello
description: reached through node 3
EOF
slapd_spawn "$T/n9.log" $SLAPD -d "$TS_DEBUG" -f "$be/slapd.conf" -h "$REPL_PARTNER_URI"
echo "$SPID" > "$be/pid"
wait_for 20 eval "LDAPTLS_REQCERT=never ldapsearch -x -H '$REPL_PARTNER_URI' -b '' -s base 1.1 >/dev/null 2>&1" ||
	die "back end not answering"

repl_cluster 3
repl_apply 3 "$LDIF/60-proxy.ldif"
pids_before="$(cat "$T/n1/pid") $(cat "$T/n2/pid") $(cat "$T/n3/pid")"

# through: search the back end's entry through node 3's back-ldap
through() {
	ldapsearch -x -H "$(curi 3)" -b "$PARTNER" -LLL "(cn=hello)" description \
	    > "$T/through.out" 2>&1 && grep -q "reached through node 3" "$T/through.out"
}

check "1. node 3's proxy refuses the untrusted back end" not through
check "1. refused by TLS verification" grep -q "TLS: can't connect" "$T/n3.log"

import 1 partner "$T/certs/partner.der" >/dev/null || die "import on node 1"
check "2. node 3 exports the certificate imported on node 1" \
    wait_for 20 in_export 3 "$T/certs/partner.der"
check "2. node 3's proxy trusts the back end, no restart" wait_for 20 through
check "2. node 3 rebuilt the proxy's TLS context after a replicated write" \
    grep -q "TLS context rebuilt" "$T/n3.log"

aldelete 2 "cn=partner,$BASE" || die "delete on node 2"
check "3. node 3 dropped the certificate deleted on node 2" \
    wait_for 20 eval "! in_export 3 '$T/certs/partner.der'"
check "3. a new connection through node 3's proxy fails again" \
    wait_for 20 not through
check "3. and keeps failing" not through

pids_after="$(cat "$T/n1/pid") $(cat "$T/n2/pid") $(cat "$T/n3/pid")"
check "no node restarted" test "$pids_before" = "$pids_after"
for k in 1 2 3; do
	check "node $k still running" node_alive $k
done
exit 0
