#!/bin/sh
# t130-monitor.sh - the overlay's state under cn=Monitor
#
# A node with a monitor database, a back-ldap proxy to a TLS back end whose
# CA directory is the export directory, and the export on: the overlay's
# monitor entry counts the certificates, says whether the files are in
# line (failing, with the reason and since when, while the directory is
# in the way), counts the TLS contexts rebuilt, and what the last read of
# the store left out or found undecorated.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend
D="$T/export"
C="$T/certs"

printf 'moduleload back_ldap\n' > "$T/global.conf"
{
	echo "truststore-export-dir $D"
	echo "truststore-export-bundle $T/bundle.pem"
	echo "database ldap"
	echo "suffix \"$BE_SUFFIX\""
	echo "uri \"ldaps://127.0.0.1:$(port 2)/\""
	echo "tls ldaps tls_cacertdir=$D tls_reqcert=demand"
	echo "database monitor"
} > "$T/extra.conf"
node_conf 1 "$T/extra.conf" "$T/global.conf"
node_start 1
add_base 1

# monsearch [FILTER] ATTR...: the overlay's monitor entry
monsearch() {
	_f=$1; shift
	ldapsearch -x -H "$(uri 1)" -LLL -o ldif-wrap=no -b "cn=Monitor" \
	    "(&(objectClass=tsMonitor)$_f)" "$@" 2>/dev/null
}
# monval ATTR: its value
monval() { monsearch "" "$1" | sed -n "s/^$1: //p"; }
is() { [ "$(monval "$1")" = "$2" ]; }
at_least() { [ "$(monval "$1")" -ge "$2" ] 2>/dev/null; }
not_contains() { ! printf '%s' "$2" | grep -qF -- "$1"; }
# ldaptrust status N [--json]: exit status, then the output
st() {
	_n=$1; shift
	_o=$("$LDAPTRUST" -x -H "$(uri "$_n")" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" status "$@" 2>&1)
	echo $?
	printf '%s\n' "$_o"
}
st_is() { _o=$(st "$@"); [ "$(printf '%s\n' "$_o" | head -n 1)" = "$EXPECT" ] && printf '%s\n' "$_o" | sed -n 2p | grep -qF -- "$LINE"; }
through() {
	ldapsearch -x -H "$(uri 1)" -b "$BE_SUFFIX" -LLL "(cn=hello)" description \
	    2>/dev/null | grep -q "reached through the proxy"
}

check "one monitor entry, the store's database's" test "$(monsearch "" 1.1 | grep -c '^dn:')" = 1
check "it is the store's database" is namingContexts "$SUFFIX"
check "no certificates yet" is tsMonitorCertificates 0
check "nothing exported" is tsMonitorExported 0
check "the files in line" until_ok 10 is tsMonitorExportState inLine
check "and since when" test -n "$(monval tsMonitorExportInLineTime)"
check "no export error" test -z "$(monval tsMonitorExportError)"
check "no TLS context rebuilt" is tsMonitorTLSRebuilds 0
check "the start-up read left nothing out" is tsMonitorReadNotExported 0
EXPECT=0 LINE="OK: 0 certificates, the export in line"
check "ldaptrust status: OK" st_is 1
expect_ldap 3 "unexpected argument 'extra'" "$LDAPTRUST" -x -H "$(uri 1)" -b "$BASE" status extra

# the proxy builds its TLS context, then the store trusts the back end
check "the proxy refuses the untrusted back end" not through
mkcert one
cert_ldif backend "$C/backend.der" | ladd 1 >/dev/null || fail "add backend"
check "one certificate" until_ok 10 is tsMonitorExportState inLine
EXPECT=0 LINE="OK: 1 certificate, the export in line"
check "ldaptrust status: one certificate, singular" st_is 1
cert_ldif one "$C/one.der" | ladd 1 >/dev/null || fail "add one"
check "the proxy trusts the back end" until_ok 10 through
check "two certificates" is tsMonitorCertificates 2
check "two exported" until_ok 10 is tsMonitorExported 2
check "a TLS context rebuilt" until_ok 10 at_least tsMonitorTLSRebuilds 1
check "and when" test -n "$(monval tsMonitorTLSRebuildTime)"
check "the files in line again" until_ok 10 is tsMonitorExportState inLine

# the export directory in the way: failing, with the reason
mv "$D" "$D.away"
echo "in the way" > "$D"
mkcert two
cert_ldif two "$C/two.der" | ladd 1 >/dev/null || fail "add two"
check "the export is failing" until_ok 10 is tsMonitorExportState failing
check "the reason names the path" sh -c "ldapsearch -x -H '$(uri 1)' -LLL -o ldif-wrap=no -b cn=Monitor '(objectClass=tsMonitor)' tsMonitorExportError | grep -q '$D.*Not a directory'"
check "since when" test -n "$(monval tsMonitorExportFailingSince)"
EXPECT=2 LINE="CRITICAL: the export is failing: $D"
check "ldaptrust status: CRITICAL, with the reason" st_is 1
check "three certificates stored all the same" is tsMonitorCertificates 3
rm "$D"
mv "$D.away" "$D"
check "recovered: in line" until_ok 10 is tsMonitorExportState inLine
check "recovered: no error" test -z "$(monval tsMonitorExportError)"
check "recovered: no failing since" test -z "$(monval tsMonitorExportFailingSince)"
check "three exported" is tsMonitorExported 3
EXPECT=0 LINE="OK: 3 certificates, the export in line"
check "ldaptrust status: OK again" st_is 1
check "a filter on the monitor attributes" test "$(monsearch '(tsMonitorCertificates>=3)' 1.1 | grep -c '^dn:')" = 1

# past the overlay: one undecorated, one this version refuses
node_stop 1
mkcert plain
X400="$TOP/tests/unit/fixtures/gnutls-san-x400.der"
{ cert_ldif plain "$C/plain.der"; cert_ldif x400 "$X400"; } > "$T/past.ldif"
slapadd -q -f "$T/n1/slapd.conf" -b "$SUFFIX" -l "$T/past.ldif" > "$T/slapadd.log" 2>&1 ||
	{ cat "$T/slapadd.log"; die "slapadd"; }
node_start 1
check "the last read: one not exported" until_ok 10 is tsMonitorReadNotExported 1
check "the last read: one undecorated" is tsMonitorReadUndecorated 1
check "five certificates indexed (the refused one is stored too)" is tsMonitorCertificates 5
check "none refused from replication" is tsMonitorReplicatedNotExported 0
EXPECT=1 LINE="WARNING: 1 entries not exported and 1 undecorated at the last read"
check "ldaptrust status: WARNING" st_is 1
if command -v jq >/dev/null; then
	st 1 --json | sed 1d > "$T/status.json"
	check "ldaptrust status --json" jq -e '.status == "warning" and .tsMonitorReadNotExported == 1 and .tsMonitorCertificates == 5 and .database == "o=ts"' "$T/status.json"
fi
check "node still running" node_alive 1

# olcMonitoring FALSE on the database (cn=config, where the overlay's
# entry is read after the database's): the overlay shows nothing either
node_conf_cn 3
node_start 3
ldapmodify -Q -Y EXTERNAL -H "$(ldapi 3)" > "$T/cn3.log" 2>&1 <<EOF || { cat "$T/cn3.log"; die "cn=config of node 3"; }
dn: olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcMonitoring
olcMonitoring: FALSE

dn: olcDatabase=monitor,cn=config
changetype: add
objectClass: olcDatabaseConfig
olcDatabase: monitor
EOF
node_stop 3
node_start 3
mon3() { ldapsearch -x -H "$(uri 3)" -LLL -b cn=Monitor "$1" 1.1 2>/dev/null | grep -c '^dn:'; }
check "monitoring off: the monitor database answers" test "$(mon3 '(objectClass=*)')" -gt 0
check "monitoring off: no tsMonitor" test "$(mon3 '(objectClass=tsMonitor)')" = 0
EXPECT=3 LINE="UNKNOWN: the monitor entry of the store's database ($SUFFIX) shows no truststore state"
check "ldaptrust status: UNKNOWN, naming the database" st_is 3
check "ldaptrust status: olcMonitoring among the reasons" contains "olcMonitoring: FALSE" "$(st 3)"
check "monitoring off: node running" node_alive 3
# the overlay disabled live: status says so, where it said "no cn=Monitor
# entry ... (no monitor database, monitoring off ..., or no read access)"
ldapmodify -Q -Y EXTERNAL -H "$(ldapi 3)" > "$T/cn3.log" 2>&1 <<EOF || { cat "$T/cn3.log"; die "olcMonitoring on node 3"; }
dn: olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcMonitoring
olcMonitoring: TRUE
EOF
node_stop 3
node_start 3
# (the overlay finds the monitor database, configured after its own,
# within 3 s)
EXPECT=0 LINE="OK: "
i=0
while ! st_is 3 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "monitoring on again: ldaptrust status OK" st_is 3
# disabled3 TRUE|FALSE: the overlay of node 3 disabled, or enabled again
disabled3() {
	printf 'dn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config\nchangetype: modify\nreplace: olcDisabled\nolcDisabled: %s\n' "$1" |
	    ldapmodify -Q -Y EXTERNAL -H "$(ldapi 3)" > "$T/cn3.log" 2>&1 ||
		{ cat "$T/cn3.log"; die "olcDisabled $1 on node 3"; }
}
disabled3 TRUE
EXPECT=3 LINE="UNKNOWN: the monitor entry of the store's database ($SUFFIX) shows no truststore state: the overlay is disabled there (olcDisabled: TRUE)"
check "overlay disabled: ldaptrust status names olcDisabled" st_is 3
# a base whose database runs no overlay: said, and -b named
out=$("$LDAPTRUST" -x -H "$(uri 3)" -D "$ROOTDN" -w "$ROOTPW" -b cn=config status 2>&1)
check "a database without the overlay: said" contains \
    "UNKNOWN: the store's database (cn=config) runs no truststore overlay (check -b" "$out"
# enabled again before node 3 stops: slapd 2.5 never calls a disabled
# overlay's db_destroy (over_db_destroy skips it), so its state would be
# left unfreed at exit, a leak LeakSanitizer puts on the overlay
disabled3 FALSE

# no monitor database at all (a node without ldif/45-monitor.ldif): the
# same UNKNOWN, not a search error that blames -b; --json stays JSON
node_conf 4
node_start 4
EXPECT=3 LINE="UNKNOWN: no cn=Monitor entry for $BASE"
check "no monitor database: ldaptrust status UNKNOWN" st_is 4
out=$(st 4)
check "no monitor database: -b is not blamed" not_contains "check -b" "$out"
out=$(st 4 --json)
check "no monitor database: status --json exits 3" \
    test "$(printf '%s\n' "$out" | head -n 1)" = 3
printf '%s\n' "$out" | sed 1d | grep -v '^ldaptrust: ' > "$T/unknown.json"
command -v jq >/dev/null && check "no monitor database: status --json is JSON" \
    jq -e '.status == "unknown"' "$T/unknown.json"
