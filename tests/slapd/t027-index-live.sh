#!/bin/sh
# t027-index-live: the lookup index follows olcTrustStoreBase changed on a
# running server (cn=config), as the exported files do: entries that
# enter the bases become duplicates and are found through the index,
# entries that leave them are no longer its business.  Look-ups run as
# anonymous under `size.unchecked=5`, so a search the index does not
# narrow is refused with adminLimitExceeded (11) instead of scanning.
. "$(dirname "$0")/lib.sh"
ts_init
OVL="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
DB="olcDatabase={1}mdb,cn=config"
OTHER="ou=other,$SUFFIX"

node_conf_cn 1
node_start 1
lconfig 1 >/dev/null <<EOF || die "limits"
dn: $DB
changetype: modify
add: olcLimits
olcLimits: anonymous size.unchecked=5
-
add: olcAccess
olcAccess: to * by * read
EOF
add_base 1
ladd 1 >/dev/null <<EOF || die "add ou=other"
dn: $OTHER
objectClass: organizationalUnit
ou: other
EOF

# ten certificates in the store base, one outside it
i=0
while [ $i -lt 10 ]; do
	mkcert "c$i" -newkey ec -pkeyopt ec_paramgen_curve:P-256
	cert_ldif "c$i" "$T/certs/c$i.der"
	i=$((i + 1))
done | ladd 1 >/dev/null || die "adds"
mkcert out -newkey ec -pkeyopt ec_paramgen_curve:P-256
ladd 1 >/dev/null <<EOF || die "add outside"
dn: cn=out,$OTHER
objectClass: tsCertificate
cn: out
userCertificate;binary:< file://$T/certs/out.der
EOF
fp() {
	openssl x509 -in "$T/certs/$1.pem" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
# anon BASE FILTER: DNs found, or "rc=N" when the search fails
anon() {
	out=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$(uri 1)" -b "$1" "$2" 1.1 2>&1) ||
		{ echo "rc=$?"; return; }
	echo "$out" | sed -n 's/^dn: //p'
}
setbase() {
	lconfig 1 >/dev/null <<EOF
dn: $OVL
changetype: modify
$1: olcTrustStoreBase
${2:+olcTrustStoreBase: $2}
EOF
}

# the default base is the suffix: both are known
check "suffix base: c3 by fingerprint" \
	test "$(anon "$SUFFIX" "(tsFingerprintSHA256=$(fp c3))")" = "cn=c3,$BASE"
check "suffix base: out by fingerprint" \
	test "$(anon "$SUFFIX" "(tsFingerprintSHA256=$(fp out))")" = "cn=out,$OTHER"
check "the limit is in force: an unindexed search gets 11" \
	test "$(anon "$SUFFIX" "(tsSerialNumber=00)")" = "rc=11"
expect_ldap 19 'already stored under alias "out"' \
	ladd 1 -f /dev/stdin <<EOF
$(cert_ldif out2 "$T/certs/out.der")
EOF

# the store narrowed to ou=certs on the running server
setbase add "$BASE" || fail "set olcTrustStoreBase"
check "narrowed base: c3 still found through the index" \
	test "$(anon "$BASE" "(tsFingerprintSHA256=$(fp c3))")" = "cn=c3,$BASE"
check "narrowed base: c7 still found through the index" \
	test "$(anon "$BASE" "(tsFingerprintSHA256=$(fp c7))")" = "cn=c7,$BASE"
# ou=other left the store: its certificate may now be stored in it
expect_ldap 0 "" ladd 1 -f /dev/stdin <<EOF
$(cert_ldif out2 "$T/certs/out.der")
EOF
check "the new entry is found through the index" \
	test "$(anon "$BASE" "(tsFingerprintSHA256=$(fp out))")" = "cn=out2,$BASE"
# a search from above the base is not narrowed (entries outside the
# bases are not in the index): the limit refuses it
check "a search above the base is left to the backend" \
	test "$(anon "$SUFFIX" "(tsFingerprintSHA256=$(fp out))")" = "rc=11"
expect_ldap 19 'already stored under alias "c5"' \
	ladd 1 -f /dev/stdin <<EOF
$(cert_ldif c5b "$T/certs/c5.der")
EOF

# back to the whole suffix: ou=other is in the store again, and the
# index knows both entries holding that certificate
setbase delete || fail "delete olcTrustStoreBase"
check "whole suffix again: both holders found" \
	test "$(anon "$SUFFIX" "(tsFingerprintSHA256=$(fp out))" | sort | tr '\n' ' ')" = \
	    "cn=out,$OTHER cn=out2,$BASE "
expect_ldap 19 'already stored under alias' \
	ladd 1 -f /dev/stdin <<EOF
$(cert_ldif out3 "$T/certs/out.der")
EOF
# paged results and the size limit on a narrowed search: three
# certificates of one subject name, found by their subject hash
for t in s1 s2 s3; do
	mkcert "$t" -newkey ec -pkeyopt ec_paramgen_curve:P-256 -subj /CN=shared
	cert_ldif "$t" "$T/certs/$t.der"
done | ladd 1 >/dev/null || fail "add s1-s3"
h=$(openssl x509 -in "$T/certs/s1.pem" -noout -subject_hash)
ldapsearch -x -LLL -o ldif-wrap=no -H "$(uri 1)" -b "$SUFFIX" -E pr=1/noprompt \
	"(tsSubjectHash=$h)" 1.1 > "$T/paged.out" 2>&1
check "paged, one a page: all three, each once" \
	test "$(sed -n 's/^dn: //p' "$T/paged.out" | sort -u | wc -l)" = 3 -a \
	    "$(grep -c '^dn: ' "$T/paged.out")" = 3
ldapsearch -x -LLL -H "$(uri 1)" -b "$SUFFIX" -z 2 "(tsSubjectHash=$h)" 1.1 \
	> "$T/sizelimit.out" 2>&1
rc=$?
check "size limit 2 of 3: two entries and sizeLimitExceeded (4)" \
	test "$rc" = 4 -a "$(grep -c '^dn: ' "$T/sizelimit.out")" = 2
# a rename that only changes the alias's case keeps the normalized DN
lmodrdn 1 "cn=s1,$BASE" "cn=S1" || fail "modrdn s1 -> S1"
check "case-only rename: found under the new spelling" \
	test "$(anon "$SUFFIX" "(tsFingerprintSHA256=$(fp s1))")" = "cn=S1,$BASE"
expect_ldap 19 'already stored under alias "S1"' \
	ladd 1 -f /dev/stdin <<EOF
$(cert_ldif s1b "$T/certs/s1.der")
EOF
node_alive 1 && pass "slapd still running" || fail "slapd died"
exit 0
