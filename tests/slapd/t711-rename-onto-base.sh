#!/bin/sh
# t711-rename-onto-base: a store's base is its edge, never part of it.
# A container from outside renamed or moved to a base's name, or to a name
# above a base, would carry its certificates into the store unchecked
# (delete an emptied base, rename a staging container in its place); it
# is refused like any other move of certificates into a base.  A
# certificate entry at a base's own name is not in the store: writes to
# it are not checked, so it is never exported either (a restart used to
# export it, and its delete then left it exported and trusted).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert good $ec
mkcert good2 $ec
mkcert weak -newkey rsa:1024
mkcert_dates expired 20200101000000Z 20210101000000Z
PKI="ou=ca,ou=pki,$SUFFIX"
mkdir -p "$T/export"
{
	printf 'truststore-base "%s"\n' "$BASE" "$PKI"
	printf 'truststore-export-dir %s\n' "$T/export"
	printf 'truststore-export-bundle %s\n' "$T/bundle.pem"
} > "$T/overlay.conf"
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
# staging WHERE: a container outside the store holding a 1024-bit and an
# expired certificate, which no add under a base would take
staging() {
	ladd 1 >/dev/null <<EOF || die "staging $1"
dn: $1
objectClass: organizationalUnit

dn: cn=weak,$1
objectClass: tsCertificate
cn: weak
userCertificate;binary:< file://$C/weak.der

dn: cn=expired,$1
objectClass: tsCertificate
cn: expired
userCertificate;binary:< file://$C/expired.der
EOF
}
ladd 1 >/dev/null <<EOF || die "setup"
dn: ou=staging,$SUFFIX
objectClass: organizationalUnit
ou: staging

dn: ou=deep,$SUFFIX
objectClass: organizationalUnit
ou: deep

dn: ou=pki,ou=deep,$SUFFIX
objectClass: organizationalUnit
ou: pki

dn: ou=empty,$SUFFIX
objectClass: organizationalUnit
ou: empty
EOF
staging "ou=certs,ou=staging,$SUFFIX"
staging "ou=ca,ou=pki,ou=deep,$SUFFIX"
cert_ldif a "$C/good.der" | ladd 1 >/dev/null || die "add a"
ldelete 1 "cn=a,$BASE" "$BASE" || die "emptying and deleting the base"

# no certificate, no file: the store is empty
empty_export() {
	[ -z "$(our_names "$T/export")" ] && ! grep -q BEGIN "$T/bundle.pem"
}
i=0
until empty_export; do
	i=$((i + 1)); [ $i -lt 150 ] || break; sleep 0.1
done
check "the export is empty once the base is gone" empty_export

snapshot 1 > "$T/before"
unchanged() {
	snapshot 1 > "$T/after"
	cmp -s "$T/before" "$T/after" && pass "$1: the entries did not change" ||
		{ fail "$1: the entries changed"; diff "$T/before" "$T/after" >&2; }
	sleep 0.3
	check "$1: nothing exported" empty_export
}
NOCERTS="truststore: cannot rename or move an entry with certificate entries below it"
# moved to the base's name
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r -s "$SUFFIX" "ou=certs,ou=staging,$SUFFIX" ou=certs
unchanged "a container moved to the base's name"
# moved above a base (ou=pki,o=ts holds the base ou=ca,ou=pki,o=ts)
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r -s "$SUFFIX" "ou=pki,ou=deep,$SUFFIX" ou=pki
unchanged "a container moved to a base's parent's name"
# renamed in place to the base's name
lmodrdn 1 -r -s "$SUFFIX" "ou=staging,$SUFFIX" ou=x >/dev/null ||
	fail "moving a container outside the store"
snapshot 1 > "$T/before"
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r "ou=x,$SUFFIX" ou=certs
unchanged "a container renamed in place to the base's name"
lsearch 1 -b "$SUFFIX" '(&(objectClass=tsCertificate)(|(cn=weak)(cn=expired)))' 1.1 |
	grep '^dn:' | grep -v 'ou=deep\|ou=x' && fail "a staged certificate reached a base" ||
	pass "the staged certificates stayed outside the bases"

# a container without certificates may become the base, and is one
lmodrdn 1 -r "ou=empty,$SUFFIX" ou=certs >/dev/null &&
	pass "an empty container is renamed to the base's name" ||
	fail "an empty container could not take the base's name"
cert_ldif b "$C/good2.der" | ladd 1 >/dev/null || fail "add below the renamed base"
lsearch 1 -b "cn=b,$BASE" -s base tsFingerprintSHA256 | grep -q '^tsFingerprintSHA256:' &&
	pass "a certificate added below it is decorated" || fail "cn=b not decorated"
wait_export 1 "$T/export" "$T/bundle.pem" && pass "the export follows the new base" ||
	fail "export after the base was renamed in"
ldelete 1 "cn=b,$BASE" "$BASE" || fail "deleting b and the base"

# a certificate entry at the base's own name: outside the store, never exported
printf 'dn: %s\nobjectClass: tsCertificate\nobjectClass: extensibleObject\ncn: base\nou: certs\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/good.der" | ladd 1 >/dev/null || fail "add a certificate entry as the base"
node_stop 1
node_start 1
sleep 0.5
check "a certificate entry at the base's name is not exported at start-up" empty_export
grep 'truststore: lookup index:' "$T/n1.log" | tail -n 1 | grep -q ': 0 certificates' &&
	pass "nor indexed" || fail "the base's certificate was indexed"
ldelete 1 "$BASE" || fail "delete the base entry"
sleep 0.5
check "nor after its delete" empty_export
node_alive 1 && pass "slapd still running"
