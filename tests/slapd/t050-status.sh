#!/bin/sh
# t050-status: tsStatus is computed when read (valid, expiring, expired,
# notYetValid), follows truststore-expiring-days live, and is never stored.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
now=$(date -u +%s)
at() { date -u -d "@$(( now + $1 * 86400 ))" +%Y%m%d%H%M%SZ; }
mkcert_dates valid "$(at -1)" "$(at 365)"
mkcert_dates expiring "$(at -1)" "$(at 10)"
mkcert_dates expired "$(at -30)" "$(at -2)"
mkcert_dates notyet "$(at 5)" "$(at 365)"

node_conf_cn 1
node_start 1
add_base 1
lconf() {
	printf 'dn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config\nchangetype: modify\n%s\n' "$1" |
		lconfig 1 >/dev/null || fail "cn=config change: $1"
}
# expired certificates need the policy off
lconf "replace: olcTrustStoreRefuseExpired
olcTrustStoreRefuseExpired: FALSE"
for c in valid expiring expired notyet; do
	cert_ldif "$c" "$C/$c.der" | ladd 1 >/dev/null || fail "add $c"
done
status() { lsearch 1 -b "cn=$1,$BASE" -s base "$2" | sed -n 's/^tsStatus: //p'; }
st() {	# st ALIAS WANT [ATTRS]
	got=$(status "$1" "${3:-tsStatus}")
	[ "$got" = "$2" ] && pass "$1: tsStatus $2${3:+ (asked as $3)}" ||
		fail "$1: tsStatus '$got', want '$2'"
}
st valid valid
st expiring expiring
st expired expired
st notyet notYetValid
st valid valid +
st expiring "" '*'

# the window is configuration, applied live
lconf "replace: olcTrustStoreExpiringDays
olcTrustStoreExpiringDays: 5"
st expiring valid
lconf "replace: olcTrustStoreExpiringDays
olcTrustStoreExpiringDays: 400"
st valid expiring
lconf "delete: olcTrustStoreExpiringDays"
st expiring expiring

# filters see the computed value: slapd alone would match nothing, and
# everything under a NOT
match() {	# match FILTER WANT (the aliases found, sorted, space-separated)
	got=$(lsearch 1 -b "$BASE" "$1" cn | sed -n 's/^cn: //p' | sort | tr '\n' ' ')
	[ "$got" = "${2:+$2 }" ] && pass "filter $1: $2" ||
		fail "filter $1: got '$got', want '$2'"
}
match '(tsStatus=expired)' expired
match '(tsStatus=EXPIRING)' expiring
match '(tsStatus=notYetValid)' notyet
match '(!(tsStatus=valid))' 'expired expiring notyet'
match '(tsStatus=*)' 'expired expiring notyet valid'
match '(|(tsStatus=expired)(tsStatus=notyetvalid))' 'expired notyet'
match '(&(objectClass=tsCertificate)(!(tsStatus=expired))(tsKeyBits>=256))' \
	'expiring notyet valid'
match '(tsStatus=nonsense)' ''
lconf "replace: olcTrustStoreExpiringDays
olcTrustStoreExpiringDays: 400"
match '(tsStatus=expiring)' 'expiring valid'
lconf "delete: olcTrustStoreExpiringDays"
match '(tsStatus=valid)' valid
# the size limit counts what matches, not what the backend looked at
n=$(lsearch 1 -z 1 -b "$BASE" '(tsStatus=notYetValid)' cn | grep -c '^cn:')
check "size limit 1 with one match: the match is sent" [ "$n" = 1 ]

# compare too
cmp() {	# cmp ALIAS VALUE WANT-RC
	ldapcompare -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" \
		"cn=$1,$BASE" "tsStatus:$2" >/dev/null 2>&1
	rc=$?
	[ "$rc" = "$3" ] && pass "compare $1 tsStatus:$2 -> $3" ||
		fail "compare $1 tsStatus:$2 -> $rc, want $3"
}
cmp expiring expiring 6
cmp expiring Expiring 6
cmp valid expired 5
cmp notyet notYetValid 6
ldapcompare -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" "$BASE" \
	tsStatus:valid >/dev/null 2>&1
check "compare on the base entry (no certificate): noSuchAttribute" [ $? = 16 ]

# never stored: not in the database, not replicated
slapcat -F "$T/n1/slapd.d" -b "$SUFFIX" 2>/dev/null | grep -q '^tsStatus' &&
	fail "tsStatus found in the database" || pass "tsStatus is not stored"
