#!/bin/sh
# t070-acl: a user allowed to write certificates (not decorations) can add
# and replace certificates: the overlay's decorations are internal changes
# that need no write access; a user without access changes nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/facts.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert a $ec
mkcert b $ec -addext "subjectAltName=DNS:b.example"
openssl_facts "$C/b.pem" > "$C/b.want"
cat > "$T/acl.conf" <<EOF2
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="$BASE" by dn.exact="cn=blind,$SUFFIX" none by * break
access to dn.exact="cn=locked,$BASE" by * read
access to dn.exact="cn=hidden,$BASE" by dn.exact="cn=writer,$SUFFIX" none by * break
access to dn.subtree="$BASE" attrs=entry,children,objectClass,cn,description,userCertificate,tsCertificatePEM
	by dn.exact="cn=writer,$SUFFIX" write by * read
access to * by * read
EOF2
node_conf 1 "$T/acl.conf"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF2 || die "users"
dn: cn=writer,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: writer
userPassword: w

dn: cn=reader,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: r

dn: cn=blind,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: blind
userPassword: b
EOF2
not_contains() { ! printf '%s' "$2" | grep -qF -- "$1"; }
as() { who=$1 pw=$2; shift 2; "$@" -x -H "$(uri 1)" -D "cn=$who,$SUFFIX" -w "$pw"; }

cert_ldif a "$C/a.der" > "$T/a.ldif"
as writer w ldapadd -f "$T/a.ldif" >/dev/null && pass "writer adds a certificate" || fail "writer add"
lsearch 1 -b "cn=a,$BASE" -s base tsFingerprintSHA256 | grep -q '^tsFingerprintSHA256: ' &&
	pass "the writer's entry is decorated" || fail "not decorated"
printf 'dn: cn=a,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/b.der" > "$T/mod.ldif"
as writer w ldapmodify -f "$T/mod.ldif" >/dev/null && pass "writer replaces the certificate" ||
	fail "writer modify"
ldap_facts 1 "cn=a,$BASE" > "$T/got"
cmp -s "$C/b.want" "$T/got" && pass "re-decorated without write access to the decorations" ||
	{ fail "decorations after the writer's modify"; diff "$C/b.want" "$T/got" >&2; }
snapshot 1 > "$T/before"
expect_ldap 50 "" as reader r ldapmodify -f "$T/mod.ldif"
printf 'dn: cn=a,%s\nchangetype: modify\nreplace: tsSubject\ntsSubject: CN=forged\n' "$BASE" > "$T/forge.ldif"
expect_ldap 19 "tsSubject: no user modification allowed" as writer w ldapmodify -f "$T/forge.ldif"
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "refused writes changed nothing" || fail "store changed"
as reader r ldapsearch -LLL -b "cn=a,$BASE" -s base tsStatus | grep -q '^tsStatus: valid' &&
	pass "a reader sees tsStatus" || fail "reader tsStatus"

# ldaptrust delete -c: a deletion the server refuses is reported and the
# others still go ahead, as ldapdelete -c; the exit status is the
# refusal's code (without -c the first refusal stops: t335)
for n in k1 locked k2; do
	mkcert $n $ec
	"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
	    import $n "$C/$n.pem" >/dev/null || die "import $n"
done
expect_ldap 50 'delete "locked": Insufficient access (50)' "$LDAPTRUST" -x \
    -H "$(uri 1)" -D "cn=writer,$SUFFIX" -w w -b "$BASE" -c delete --yes k1 locked k2
check "the others were deleted, the refused one stays" test \
    "$(lsearch 1 -b "$BASE" -s one "(|(cn=k1)(cn=k2)(cn=locked))" cn | sed -n 's/^cn: //p')" = locked


# a duplicate's refusal names the entry holding the certificate only to a
# client that may read it: one that may not learns no alias and no DN;
# and one that may not write there gets insufficientAccess, as the backend
# would answer, and learns nothing of the store (whether it holds the
# certificate)
cert_ldif a2 "$C/b.der" > "$T/a2.ldif"	# cn=a holds b since the writer's modify
mkcert Upper $ec
"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
    import "Web CA" "$C/Upper.pem" >/dev/null || die "import Web CA"
cert_ldif u2 "$C/Upper.der" > "$T/u2.ldif"
mkcert hidden $ec
"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
    import hidden "$C/hidden.pem" >/dev/null || die "import hidden"
cert_ldif h2 "$C/hidden.der" > "$T/h2.ldif"
snapshot 1 > "$T/before"
expect_ldap 19 "truststore: certificate already stored under alias \"a\" (cn=a,$BASE)" \
    as writer w ldapadd -f "$T/a2.ldif"
expect_ldap 19 "truststore: certificate already stored under alias \"Web CA\" (cn=Web CA,$BASE)" \
    as writer w ldapadd -f "$T/u2.ldif"
expect_ldap 19 "truststore: certificate already stored under another alias" \
    as writer w ldapadd -f "$T/h2.ldif"
out=$(as writer w ldapadd -f "$T/h2.ldif" 2>&1)
check "a writer that cannot read the holder is not told its DN" \
    not_contains "cn=hidden,$BASE" "$out"
printf 'dn: cn=Web CA,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
    "$BASE" "$C/b.der" > "$T/dupmod.ldif"
expect_ldap 19 "truststore: certificate already stored under alias \"a\" (cn=a,$BASE)" \
    as writer w ldapmodify -f "$T/dupmod.ldif"
for who in "reader r" "blind b"; do
	# shellcheck disable=SC2086
	expect_ldap 50 "" as $who ldapadd -f "$T/a2.ldif"
	# shellcheck disable=SC2086
	out=$(as $who ldapadd -f "$T/a2.ldif" 2>&1)
	check "${who% *}, who may not add, is not told the certificate is stored" \
	    not_contains "already stored" "$out"
	# shellcheck disable=SC2086
	expect_ldap 50 "" as $who ldapmodify -f "$T/dupmod.ldif"
done
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "refused duplicates changed nothing" ||
	fail "store changed"
