#!/bin/sh
# t131-monitor-live.sh - a monitor database added to a running server
#
# An administrator who adds olcDatabase=monitor through cn=config to a
# running store finds the overlay's state under cn=Monitor without a
# restart, as with one configured from the start (t130).
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
node_conf_cn 1
node_start 1
add_base 1
pid=$(cat "$T/n1/pid")
mkcert a
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || die "add a"

monval() {
	ldapsearch -x -H "$(uri 1)" -LLL -o ldif-wrap=no -b "cn=Monitor" \
	    "(objectClass=tsMonitor)" "$1" 2>/dev/null | sed -n "s/^$1: //p"
}
shown() { [ "$(monval tsMonitorCertificates)" = "$1" ]; }
printf 'dn: olcDatabase=monitor,cn=config\nobjectClass: olcDatabaseConfig\nolcDatabase: monitor\n' |
	lconfig 1 -a >/dev/null || die "live add of the monitor database"
check "the store's certificates shown under cn=Monitor, no restart" \
	until_ok 15 shown 1
mkcert b
cert_ldif b "$T/certs/b.der" | ladd 1 >/dev/null || fail "add b"
check "and counted as they change" until_ok 10 shown 2
[ "$pid" = "$(cat "$T/n1/pid")" ] && pass "the same slapd process" || fail "slapd restarted"
