#!/bin/sh
# t045-bypass: the ways round the checks that plain LDAP offers are closed.
# A container renamed or moved with certificates below it, the Relax
# control adding or removing the tsCertificate class, and attribute options
# (userCertificate;binary;lang-en) would each put an unchecked certificate
# in the store, or keep a removed one exported; a name other than one cn
# value would give a certificate ldaptrust cannot name.  Each is refused,
# and neither the entries nor the exported files change.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
C=$T/certs
mkcert good
mkcert good2
mkcert weak -newkey rsa:1024
export_node "$BASE"
ladd 1 >/dev/null <<EOF || die "setup"
dn: ou=sub,$BASE
objectClass: organizationalUnit
ou: sub

dn: ou=empty,$BASE
objectClass: organizationalUnit
ou: empty

dn: ou=in,$SUFFIX
objectClass: organizationalUnit
ou: in

dn: cn=smuggled,ou=in,$SUFFIX
objectClass: tsCertificate
cn: smuggled
userCertificate;binary:< file://$C/good2.der
userCertificate;binary:< file://$C/weak.der

dn: cn=person,$BASE
objectClass: inetOrgPerson
cn: person
sn: person
userCertificate;binary:< file://$C/weak.der
EOF
printf 'dn: cn=a,ou=sub,%s\nobjectClass: tsCertificate\ncn: a\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/good.der" | ladd 1 >/dev/null || die "add a"
wait_export 1 "$T/export" "$T/bundle.pem" || die "export before the refusals"
cp "$T/bundle.pem" "$T/bundle.before"
our_names "$T/export" > "$T/names.before"

snapshot 1 > "$T/before"
# unchanged WHAT: the entries and the exported files are as before
unchanged() {
	snapshot 1 > "$T/after"
	cmp -s "$T/before" "$T/after" && pass "$1: the entries did not change" ||
		{ fail "$1: the entries changed"; diff "$T/before" "$T/after" >&2; }
	our_names "$T/export" > "$T/names.after"
	cmp -s "$T/names.before" "$T/names.after" && cmp -s "$T/bundle.before" "$T/bundle.pem" &&
		pass "$1: the exported files did not change" ||
		fail "$1: the exported files changed"
}
mod() { printf 'dn: %s\nchangetype: modify\n%s\n' "$1" "$2" > "$T/req.ldif"; }

# 1. containers: not with certificates below them, in or out
NOCERTS="truststore: cannot rename or move an entry with certificate entries below it"
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r -s "$SUFFIX" "ou=sub,$BASE" ou=sub
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r "ou=sub,$BASE" ou=renamed
expect_ldap 53 "$NOCERTS" lmodrdn 1 -r -s "$BASE" "ou=in,$SUFFIX" ou=in
unchanged "container moves"
lmodrdn 1 -r "ou=empty,$BASE" ou=vacant >/dev/null &&
	lmodrdn 1 -r -s "$SUFFIX" "ou=vacant,$BASE" ou=vacant >/dev/null &&
	pass "a container without certificates is renamed and moved out" ||
	fail "a container without certificates could not be renamed or moved"
snapshot 1 > "$T/before"

# 1b. nothing moves below a certificate entry, where an add may not put
# it: a certificate there could no longer be renamed or deleted, and its
# container would be a certificate (cn=b2,cn=b,... to ldaptrust)
printf 'dn: cn=b,%s\nobjectClass: tsCertificate\ncn: b\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/good2.der" | ladd 1 >/dev/null || die "add b"
ladd 1 >/dev/null <<EOF || die "add ou=box"
dn: ou=box,$BASE
objectClass: organizationalUnit
ou: box
EOF
wait_export 1 "$T/export" "$T/bundle.pem" || die "export after b"
cp "$T/bundle.pem" "$T/bundle.before"
our_names "$T/export" > "$T/names.before"
snapshot 1 > "$T/before"
BELOW="truststore: a certificate entry holds no entries: move this one below the base or a container, not below a certificate"
expect_ldap 53 "$BELOW" lmodrdn 1 -r -s "cn=b,$BASE" "cn=a,ou=sub,$BASE" cn=b2
expect_ldap 53 "$BELOW" lmodrdn 1 -r -s "cn=b,$BASE" "ou=box,$BASE" ou=box
expect_ldap 53 "$BELOW" lmodrdn 1 -r -s "cn=b,$BASE" "ou=vacant,$SUFFIX" ou=vacant
unchanged "moves below a certificate"
lmodrdn 1 -r -s "ou=box,$BASE" "cn=b,$BASE" cn=b >/dev/null &&
	lmodrdn 1 -r -s "$BASE" "cn=b,ou=box,$BASE" cn=b >/dev/null &&
	pass "a certificate moves between containers" ||
	fail "a certificate could not be moved into ou=box and back"
ldelete 1 "ou=box,$BASE" || fail "delete ou=box"
snapshot 1 > "$T/before"

# 2. the Relax control cannot add or remove the tsCertificate class
mod "cn=person,$BASE" "replace: objectClass
objectClass: tsCertificate
-
delete: sn"
expect_ldap 53 "truststore: certificates enter the trust store by add, not by adding the tsCertificate class" \
	lmodify 1 -e relax -f "$T/req.ldif"
mod "cn=a,ou=sub,$BASE" "replace: objectClass
objectClass: inetOrgPerson
-
add: sn
sn: a"
expect_ldap 53 "truststore: a certificate entry keeps the tsCertificate class; delete the entry instead" \
	lmodify 1 -e relax -f "$T/req.ldif"
mod "cn=a,ou=sub,$BASE" "delete: objectClass
objectClass: tsCertificate
-
add: objectClass
objectClass: inetOrgPerson
-
add: sn
sn: a"
expect_ldap 53 "a certificate entry keeps the tsCertificate class" \
	lmodify 1 -e relax -f "$T/req.ldif"
unchanged "class changes"
# an auxiliary class leaves it a certificate entry: not refused
mod "cn=a,ou=sub,$BASE" "add: objectClass
objectClass: extensibleObject"
lmodify 1 -f "$T/req.ldif" >/dev/null && pass "adding an auxiliary class is allowed" ||
	fail "adding an auxiliary class was refused"
mod "cn=a,ou=sub,$BASE" "delete: objectClass
objectClass: extensibleObject"
lmodify 1 -f "$T/req.ldif" >/dev/null || fail "removing the auxiliary class"
snapshot 1 > "$T/before"

# 3. attribute options: no second, tagged certificate
OPTS="a tsCertificate entry holds its certificate in userCertificate;binary only, without other attribute options"
printf 'dn: cn=tag,%s\nobjectClass: tsCertificate\ncn: tag\nuserCertificate;binary:< file://%s\nuserCertificate;binary;lang-en:< file://%s\n' \
	"$BASE" "$C/good2.der" "$C/weak.der" > "$T/req.ldif"
expect_ldap 65 "truststore: userCertificate;binary;lang-en: $OPTS" ladd 1 -f "$T/req.ldif"
mod "cn=a,ou=sub,$BASE" "add: userCertificate;lang-en;binary
userCertificate;lang-en;binary:< file://$C/weak.der"
expect_ldap 65 "$OPTS" lmodify 1 -f "$T/req.ldif"
mod "cn=a,ou=sub,$BASE" "add: tsCertificatePEM;lang-en
tsCertificatePEM;lang-en:< file://$C/weak.pem"
expect_ldap 65 "holds its certificate in tsCertificatePEM only" lmodify 1 -f "$T/req.ldif"
mod "cn=a,ou=sub,$BASE" "add: tsSubject;lang-en
tsSubject;lang-en: CN=forged"
# decorations are operational: slapd itself refuses options on them
expect_ldap 17 "tsSubject;lang-en: operational attribute with options undefined" \
	lmodify 1 -f "$T/req.ldif"
unchanged "attribute options"

# 4. the name: one cn value, an alias ldaptrust can name (ldaptrust(1))
snapshot 1 > "$T/before"
# named RDN: an add of good2 under the RDN given
named() {
	printf 'dn: %s,%s\nobjectClass: tsCertificate\ncn: x\ndescription: d\nuserCertificate;binary:< file://%s\n' \
		"$1" "$BASE" "$C/good2.der" > "$T/req.ldif"
}
ONECN="truststore: a certificate entry is named by one cn value, its alias (cn=<alias>)"
named "description=d"
expect_ldap 64 "$ONECN" ladd 1 -f "$T/req.ldif"
named "cn=x+description=d"
expect_ldap 64 "$ONECN" ladd 1 -f "$T/req.ldif"
printf 'dn: cn=a/b,%s\nobjectClass: tsCertificate\ncn: a/b\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/good2.der" > "$T/req.ldif"
expect_ldap 64 "truststore: bad alias: an alias cannot hold '/'" ladd 1 -f "$T/req.ldif"
long=$(printf '%065d' 0 | tr 0 x)
printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\nuserCertificate;binary:< file://%s\n' \
	"$long" "$BASE" "$long" "$C/good2.der" > "$T/req.ldif"
expect_ldap 64 "truststore: bad alias: an alias has at most 64 characters (this one has 65)" \
	ladd 1 -f "$T/req.ldif"
expect_ldap 64 "$ONECN" lmodrdn 1 "cn=a,ou=sub,$BASE" description=zz
unchanged "names"
lmodrdn 1 -r "cn=a,ou=sub,$BASE" "cn=$(printf '%064d' 0 | tr 0 y)" >/dev/null &&
	pass "a rename to a 64-character alias is accepted" || fail "64-character alias refused"

# an entry under the base that is not a certificate entry gets no
# computed decorations, though it holds a certificate
lsearch 1 -b "cn=person,$BASE" -s base '+' > "$T/person"
lsearch 1 -b "cn=person,$BASE" -s base '(tsKeyBits=1024)' 1.1 > "$T/person.match"
grep -q '^dn:' "$T/person" &&
	! grep -q '^ts' "$T/person" && [ ! -s "$T/person.match" ] &&
	pass "a non-certificate entry under the base has no computed decorations" ||
	fail "cn=person (inetOrgPerson) shows or matches computed decorations"

node_alive 1 && pass "slapd still running"
