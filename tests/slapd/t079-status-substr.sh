#!/bin/sh
# t079-status-substr: substring filters on tsStatus.
#
# (tsStatus=exp*) is the filter an administrator writes for "expired or
# about to": tsStatus had no SUBSTR rule, so slapd took every substring
# filter on it as Undefined and the search found nothing, silently (a
# console's "starts with" search the same).  It matches now, computed
# like the other filters on it, NOT and AND included.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
now=$(date -u +%s)
at() { date -u -d "@$(( now + $1 * 86400 ))" +%Y%m%d%H%M%SZ; }
mkcert_dates valid "$(at -1)" "$(at 365)"
mkcert_dates expiring "$(at -1)" "$(at 10)"
mkcert_dates expired "$(at -30)" "$(at -2)"
mkcert_dates notyet "$(at 5)" "$(at 365)"
echo "truststore-refuse-expired off" > "$T/extra.conf"
node_conf 1 "$T/extra.conf"
node_start 1
add_base 1
for c in valid expiring expired notyet; do
	cert_ldif "$c" "$C/$c.der" | ladd 1 >/dev/null || die "add $c"
done
# finds FILTER ALIAS...: the store's search returns exactly those entries
finds() {
	f=$1; shift
	want=$(for a in "$@"; do echo "cn=$a,$BASE"; done | sort)
	got=$(lsearch 1 -b "$BASE" "$f" 1.1 | sed -n 's/^dn: //p' | sort)
	[ "$got" = "$want" ] && pass "$f: $*" ||
		fail "$f: want '$(echo $want)', got '$(echo $got)'"
}
finds '(tsStatus=exp*)' expired expiring
finds '(tsStatus=EXP*)' expired expiring
finds '(tsStatus=*valid)' valid notyet
finds '(tsStatus=*pir*)' expired expiring
finds '(tsStatus=not*valid)' notyet
finds '(&(objectClass=tsCertificate)(!(tsStatus=exp*)))' valid notyet
finds '(|(tsStatus=expiri*)(tsStatus=not*))' expiring notyet
lsearch 1 -b cn=Subschema -s base attributeTypes |
	grep "NAME 'tsStatus'" | grep -q "SUBSTR caseIgnoreSubstringsMatch" &&
	pass "cn=Subschema shows tsStatus's SUBSTR rule" ||
	fail "tsStatus has no SUBSTR rule in cn=Subschema"
node_alive 1 && pass "slapd still running"
