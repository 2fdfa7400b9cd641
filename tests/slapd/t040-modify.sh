#!/bin/sh
# t040-modify: modify re-validates and re-decorates in the same operation,
# renames stay inside the base, entries outside the base pass untouched.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/facts.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert a $ec -addext "subjectAltName=DNS:a.example"
mkcert b $ec -addext "extendedKeyUsage=serverAuth" -addext "keyUsage=digitalSignature"
mkcert c $ec -addext "subjectAltName=DNS:c.example,IP:198.51.100.1"
mkcert other $ec
mkcert_dates expired 20200101000000Z 20210101000000Z
for x in a b c; do openssl_facts "$C/$x.pem" > "$C/$x.want"; done

printf 'truststore-base "%s"\n' "$BASE" > "$T/ov.conf"
node_conf 1 "$T/ov.conf"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF2 || die "setup"
dn: ou=other,$SUFFIX
objectClass: organizationalUnit
ou: other

dn: ou=sub,$BASE
objectClass: organizationalUnit
ou: sub
EOF2
cert_ldif a "$C/a.der" | ladd 1 >/dev/null || die "add a"
cert_ldif other "$C/other.der" | ladd 1 >/dev/null || die "add other"
A="cn=a,$BASE"

# mod DN LINES: an LDIF modify of DN on stdout
mod() { printf 'dn: %s\nchangetype: modify\n%s\n' "$1" "$2"; }
# refused CODE TEXT DN LINES: the modify fails and nothing changes
refused() {
	snapshot 1 > "$T/before"
	mod "$3" "$4" > "$T/req.ldif"
	expect_ldap "$1" "$2" lmodify 1 -f "$T/req.ldif"
	snapshot 1 > "$T/after"
	cmp -s "$T/before" "$T/after" || fail "the store changed after a refusal ($2)"
	node_alive 1 || die "slapd died"
}
facts_are() {	# facts_are DN WANTFILE WHAT
	ldap_facts 1 "$1" > "$T/got"
	if cmp -s "$2" "$T/got"; then pass "$3"; else fail "$3"; diff "$2" "$T/got" >&2; fi
}

# replacing the certificate re-decorates in the same operation
mod "$A" "replace: userCertificate;binary
userCertificate;binary:< file://$C/b.der" | lmodify 1 >/dev/null || fail "replace a's certificate by b"
facts_are "$A" "$C/b.want" "replace: decorations are the new certificate's (old SAN gone, EKU/KU new)"
mod "$A" "delete: userCertificate;binary
userCertificate;binary:< file://$C/b.der
-
add: userCertificate;binary
userCertificate;binary:< file://$C/a.der" | lmodify 1 >/dev/null || fail "delete b, add a"
facts_are "$A" "$C/a.want" "delete+add in one modify: decorations follow"
mod "$A" "replace: tsCertificatePEM
tsCertificatePEM:< file://$C/c.pem" | lmodify 1 >/dev/null || fail "replace by PEM"
facts_are "$A" "$C/c.want" "replace with tsCertificatePEM: decorated as the PEM's certificate"
lsearch 1 -b "$A" -s base 'userCertificate;binary' tsCertificatePEM > "$T/e"
! grep -q tsCertificatePEM "$T/e" &&
	sed -n 's/^userCertificate;binary:: //p' "$T/e" | base64 -d | cmp -s - "$C/c.der" &&
	pass "the PEM became the DER value and was not stored" || fail "PEM modify stored wrongly"
mod "$A" "replace: userCertificate;binary
userCertificate;binary:< file://$C/c.der" | lmodify 1 >/dev/null &&
	pass "replacing with the same certificate is no duplicate of itself" || fail "self-duplicate"
mod "$A" "replace: description
description: just a note" | lmodify 1 >/dev/null || fail "description"
facts_are "$A" "$C/c.want" "a modify not touching the certificate keeps the decorations"

# refusals
refused 65 "truststore: a tsCertificate entry holds exactly one userCertificate;binary value (the change leaves 2)" \
	"$A" "add: userCertificate;binary
userCertificate;binary:< file://$C/b.der"
refused 65 "truststore: a tsCertificate entry holds exactly one userCertificate;binary value (the change leaves 0)" \
	"$A" "delete: userCertificate;binary"
refused 19 "truststore: certificate expired on 2021-01-01 00:00:00 UTC" \
	"$A" "replace: userCertificate;binary
userCertificate;binary:< file://$C/expired.der"
refused 19 "truststore: certificate already stored under alias \"other\" (cn=other,$BASE)" \
	"$A" "replace: userCertificate;binary
userCertificate;binary:< file://$C/other.der"
refused 19 "tsSubject: no user modification allowed" \
	"$A" "replace: tsSubject
tsSubject: CN=forged"
refused 19 "tsFingerprintSHA256: no user modification allowed" \
	"$A" "delete: tsFingerprintSHA256"
refused 53 "truststore: tsCertificatePEM is not stored; delete or replace userCertificate;binary" \
	"$A" "delete: tsCertificatePEM"
refused 21 "truststore: tsCertificatePEM: PEM block 1 holds a private key, not a certificate" \
	"$A" "replace: tsCertificatePEM
tsCertificatePEM:< file://$C/a.key"

# rename (the alias) inside the base; moves across its edge are refused
lmodrdn 1 -r "$A" cn=renamed >/dev/null || fail "modrdn inside the base"
facts_are "cn=renamed,$BASE" "$C/c.want" "renamed entry keeps its certificate and decorations"
lmodrdn 1 -r -s "ou=sub,$BASE" "cn=renamed,$BASE" cn=renamed >/dev/null &&
	pass "move to a container inside the base" || fail "move inside the base"
snapshot 1 > "$T/before"
expect_ldap 53 "truststore: cannot move a certificate entry out of the trust store base" \
	lmodrdn 1 -r -s "ou=other,$SUFFIX" "cn=renamed,ou=sub,$BASE" cn=renamed
expect_ldap 53 "truststore: cannot rename the trust store base or its ancestors" \
	lmodrdn 1 -r "$BASE" ou=moved
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "refused renames changed nothing" || fail "rename refusal changed the store"

# outside the base nothing is checked or decorated
printf 'dn: cn=out,ou=other,%s\nobjectClass: tsCertificate\ncn: out\nuserCertificate;binary:< file://%s\n' \
	"$SUFFIX" "$C/expired.der" | ladd 1 >/dev/null &&
	pass "outside the base: an expired certificate is stored (not ours to judge)" ||
	fail "outside the base: add refused"
lsearch 1 -b "cn=out,ou=other,$SUFFIX" -s base '*' '+' | grep -q '^ts' &&
	fail "outside the base: decorations or tsStatus added" ||
	pass "outside the base: no decorations, no tsStatus"
mod "cn=out,ou=other,$SUFFIX" "add: userCertificate;binary
userCertificate;binary:< file://$C/b.der" | lmodify 1 >/dev/null &&
	pass "outside the base: a second certificate is not our business" || fail "outside modify"
expect_ldap 53 "truststore: certificates enter the trust store by add, not by moving them in" \
	lmodrdn 1 -r -s "$BASE" "cn=out,ou=other,$SUFFIX" cn=out

# one cn value, the alias: a second would be a name clients find the
# certificate by, never checked as an alias
refused 19 "truststore: a certificate entry has one cn value, its alias" \
	"cn=renamed,ou=sub,$BASE" "add: cn
cn: bad/alias"
refused 19 "rename it to change its alias" "cn=renamed,ou=sub,$BASE" "replace: cn
cn: other-name"
mod "cn=renamed,ou=sub,$BASE" "replace: cn
cn: Renamed" | lmodify 1 >/dev/null &&
	pass "cn replaced by the value it holds (consoles save whole entries)" ||
	fail "cn replaced by its own value refused"
snapshot 1 > "$T/before"
expect_ldap 19 "rename with deleteoldrdn (ldapmodrdn -r)" \
	lmodrdn 1 "cn=renamed,ou=sub,$BASE" cn=kept
snapshot 1 > "$T/after"
check "a rename keeping the old cn changes nothing" cmp -s "$T/before" "$T/after"
printf 'dn: cn=two,%s\nobjectClass: tsCertificate\ncn: two\ncn: another\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/c.der" > "$T/two.ldif"
expect_ldap 19 "a certificate entry has one cn value" ladd 1 -f "$T/two.ldif"

# delete
ldelete 1 "cn=renamed,ou=sub,$BASE" && pass "delete a certificate entry" || fail "delete"
node_alive 1 && pass "slapd still running"
