#!/bin/sh
# t113-live-tls-asyncmeta: the end-to-end proof of t110 with a
# back-asyncmeta database (target TLS settings) instead of back-ldap.
#
# A "back end" slapd serves ldaps with a self-signed certificate the store
# does not hold.  A trust-store node has a back-meta database whose target
# is the back end over TLS with tls_cacertdir = the export directory.
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate into the store, with no
#      restart, a search through the proxy succeeds within seconds;
#   3. after deleting it, a new connection through the proxy fails again.
#      The store does not cut back-asyncmeta's target connections (see
#      docs/export-and-live-tls.md); the database has the idle-timeout an
#      administrator is advised to set, so none outlives the wait.
. "$(dirname "$0")/lib.sh"
ts_init
BE_SUFFIX="dc=backend"

# the back end: its own certificate for 127.0.0.1, one entry to find
mkcert backend -addext "subjectAltName=IP:127.0.0.1"
be_start() {
	d="$T/n2"
	mkdir -p "$d/db"
	cat > "$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $d/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCertificateFile $T/certs/backend.pem
TLSCertificateKeyFile $T/certs/backend.key
database mdb
suffix "$BE_SUFFIX"
rootdn "cn=admin,$BE_SUFFIX"
directory $d/db
EOF
	slapadd -f "$d/slapd.conf" -l /dev/stdin >/dev/null 2>&1 <<EOF || die "back end slapadd"
dn: $BE_SUFFIX
objectClass: dcObject
objectClass: organization
dc: backend
o: backend

dn: cn=hello,$BE_SUFFIX
objectClass: organizationalRole
cn: hello
description: reached through the proxy
EOF
	$SLAPD -d "$TS_DEBUG" -f "$d/slapd.conf" -h "ldaps://127.0.0.1:$(port 2)/" \
	    >>"$T/n2.log" 2>&1 &
	echo $! > "$d/pid"
	_ts_pids="$_ts_pids $!"
	i=0
	while ! LDAPTLS_REQCERT=never ldapsearch -x -H "ldaps://127.0.0.1:$(port 2)/" \
	    -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 200 ] || die "back end not answering"
		sleep 0.1
	done
}
be_start
check "back end answers over ldaps (certificate not checked)" true

# through N: search the back end's entry through node N's back-ldap
through() {
	ldapsearch -x -H "$(uri "$1")" -b "$BE_SUFFIX" -LLL "(cn=hello)" description \
	    > "$T/through.out" 2>&1 && grep -q "reached through the proxy" "$T/through.out"
}
# until_ok SECONDS CMD...: poll CMD until it succeeds
until_ok() {
	end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.2
	done
}
not() { ! "$@"; }

proof() {
	style=$1 n=$2
	check "$style: 1. proxy refuses the untrusted back end" not through "$n"
	check "$style: 1. refused by the proxy's TLS, not by the network" \
	    grep -q "TLS: can't connect" "$T/n$n.log"
	cert_ldif backend "$T/certs/backend.der" | ladd "$n" >/dev/null ||
	    fail "$style: ldapadd of the back end's certificate"
	pid=$(cat "$T/n$n/pid")
	check "$style: 2. proxy trusts the back end within 10 s, no restart" \
	    until_ok 10 through "$n"
	check "$style: 2. same slapd process" test "$pid" = "$(cat "$T/n$n/pid")"
	check "$style: 2. the target's TLS context was rebuilt (log)" \
	    grep -q "back-asyncmeta target tls: TLS context rebuilt" "$T/n$n.log"
	ldelete "$n" "cn=backend,$BASE" || fail "$style: delete"
	check "$style: 3. a new connection through the proxy fails again" \
	    until_ok 10 not through "$n"
	check "$style: 3. and keeps failing" not through "$n"
	check "$style: node still running" node_alive "$n"
}

D1="$T/export1"
cat > "$T/global.conf" <<EOF
moduleload back_ldap
moduleload back_asyncmeta
EOF
cat > "$T/extra1.conf" <<EOF
truststore-export-dir $D1
database asyncmeta
suffix "$BE_SUFFIX"
max-timeout-ops 10
uri "ldaps://127.0.0.1:$(port 2)/$BE_SUFFIX"
tls ldaps tls_cacertdir=$D1 tls_reqcert=demand
idle-timeout 2
EOF
node_conf 1 "$T/extra1.conf" "$T/global.conf"
node_start 1
add_base 1
proof back-asyncmeta 1
