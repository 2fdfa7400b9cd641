#!/bin/sh
# t114-live-tls-churn.sh - a stream of changes to the store while three
# back-ldap databases with the same TLS settings trust it
#
# Each rebuilt TLS context is kept a few seconds (a thread may be about to
# take it), so rebuilding at every change of a stream pinned memory without
# bound (gigabytes in a minute), and re-read the store once per database.
# The rounds of rebuilds are paced (at most five a second) and databases
# with the same settings share one context.  Through it all the back end
# whose certificate stays in the store stays reachable, and a deletion
# still stops trust.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend
CYCLES=${TS_T114_CYCLES:-300}

D="$T/export"
printf 'moduleload back_ldap\n' > "$T/global.conf"
{
	printf 'truststore-export-dir %s\n' "$D"
	for s in "$BE_SUFFIX" "dc=two" "dc=three"; do
		printf 'database ldap\nsuffix "%s"\nuri "ldaps://127.0.0.1:%s/"\ntls ldaps tls_cacertdir=%s tls_reqcert=demand\n' \
		    "$s" "$(port 2)" "$D"
	done
} > "$T/extra1.conf"
node_conf 1 "$T/extra1.conf" "$T/global.conf"
node_start 1
add_base 1
cert_ldif backend "$T/certs/backend.der" | ladd 1 >/dev/null || die "add the back end's certificate"
check "the proxy trusts the back end" until_ok 10 _lt_through 1
# every database has made its context (a search through each)
for s in "dc=two" "dc=three"; do
	ldapsearch -x -H "$(uri 1)" -b "$s" -s base 1.1 >/dev/null 2>&1
done

mkcert other
# as ldapmodify reads it: an add and a delete per cycle
r=0
: > "$T/churn.ldif"
while [ $r -lt "$CYCLES" ]; do
	printf 'dn: cn=other,%s\nchangetype: add\nobjectClass: tsCertificate\ncn: other\nuserCertificate;binary:< file://%s\n\n' \
	    "$BASE" "$T/certs/other.der" >> "$T/churn.ldif"
	printf 'dn: cn=other,%s\nchangetype: delete\n\n' "$BASE" >> "$T/churn.ldif"
	r=$((r + 1))
done
before=$(grep -c "$LT_REBUILT_LOG" "$T/n1.log")
t0=$(date +%s.%N)
lmodify 1 -f "$T/churn.ldif" >/dev/null || fail "the churn"
# the last rebuild follows the last change within a pace or two
sleep 1
t1=$(date +%s.%N)
rebuilt=$(( $(grep -c "$LT_REBUILT_LOG" "$T/n1.log") - before ))
secs=$(echo "$t1 - $t0" | bc)
limit=$(echo "3 * ($secs * 5 + 3)" | bc | cut -d. -f1)
echo "# $((CYCLES * 2)) changes in $secs s: $rebuilt contexts rebuilt (limit $limit)"
check "rebuilds are paced: at most five rounds a second" test "$rebuilt" -le "$limit"
check "databases with the same settings share a context" \
    grep -q "TLS context(s) shared by settings alike" "$T/n1.log"
check "the back end whose certificate stayed is still trusted" _lt_through 1
ldelete 1 "cn=backend,$BASE" || fail "delete"
check "a deletion still stops trust" until_ok 10 not _lt_through 1
check "node still running" node_alive 1
