#!/bin/sh
# t082-acl-write-oracle: a client the ACLs refuse a write gets the answer
# plain slapd gives it, whatever the store holds.  The overlay's checks
# run before the backend's access control; a refusal of its own (a
# certificate the policy refuses, one that does not parse, a class
# change, a rename with certificates below, a bad alias) told a client
# with no write right, anonymous included, what it may not read: whether
# an entry it cannot see is a certificate, whether a hidden container
# holds certificates; and made slapd parse what it sent.  t070 covered
# the duplicate only.  Each refused write is sent as anonymous, as a
# reader and as a user who may write another subtree, to the overlay's
# node and to a plain slapd holding the same entries under the same ACLs,
# and must get the same result code; writers still get the overlay's
# precise refusals.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert hid $ec
mkcert fresh $ec
mkcert weak -newkey rsa:1024
mkcert_dates old 20200101000000Z 20210101000000Z
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$C/key.pem" 2>/dev/null ||
	die "key"
cat > "$T/acl.conf" <<EOF2
truststore-base "$BASE"
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="ou=hidden,$BASE" by dn.exact="cn=writer,$SUFFIX" write by * none
access to dn.subtree="ou=team,$BASE" by dn.exact="cn=team,$SUFFIX" write by * read
access to dn.subtree="$BASE" by dn.exact="cn=writer,$SUFFIX" write by * read
access to dn.base="$SUFFIX" attrs=children by dn.exact="cn=writer,$SUFFIX" write by * read
access to dn.base="ou=other,$SUFFIX" by dn.exact="cn=writer,$SUFFIX" write by * read
access to * by * read
EOF2
# anonymous writes reach the backend (and the overlay) only when allowed
echo "allow update_anon" > "$T/global.conf"
node_conf 1 "$T/acl.conf" "$T/global.conf"
# node 2: plain slapd, the same schema, database and ACLs, no overlay
node_conf 2 "$T/acl.conf" "$T/global.conf"
sed -i '/^overlay truststore$/d; /^truststore-/d' "$T/n2/slapd.conf"
node_start 1
node_start 2
for n in 1 2; do
	add_base $n
	ladd $n >/dev/null <<EOF2 || die "entries on node $n"
dn: cn=writer,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: writer
userPassword: writer

dn: cn=reader,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: reader

dn: cn=team,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: team
userPassword: team

dn: ou=team,$BASE
objectClass: organizationalUnit
ou: team

dn: ou=hidden,$BASE
objectClass: organizationalUnit
ou: hidden

dn: ou=empty,ou=hidden,$BASE
objectClass: organizationalUnit
ou: empty

dn: cn=hid,ou=hidden,$BASE
objectClass: tsCertificate
cn: hid
userCertificate;binary:< file://$C/hid.der
EOF2
done

# as N WHO CMD...: CMD against node N as WHO (anon: no bind)
as() {
	_n=$1 _who=$2; shift 2
	if [ "$_who" = anon ]; then
		"$@" -x -H "$(uri "$_n")"
	else
		"$@" -x -H "$(uri "$_n")" -D "cn=$_who,$SUFFIX" -w "$_who"
	fi
}
# same WHAT CMD...: every refused client gets from the overlay's node what
# plain slapd answers: the code, the message and the matched DN
same() {
	_what=$1; shift
	for _who in anon reader team; do
		as 1 "$_who" "$@" >"$T/o1" 2>&1; _r1=$?
		as 2 "$_who" "$@" >"$T/o2" 2>&1; _r2=$?
		if [ $_r1 = $_r2 ] && cmp -s "$T/o1" "$T/o2"; then
			pass "$_who: $_what: $_r1, as plain slapd"
		else
			fail "$_who: $_what: $_r1 ($(tr '\n' ' ' <"$T/o1")), plain slapd $_r2 ($(tr '\n' ' ' <"$T/o2"))"
		fi
	done
}
# refused CODE WHAT CMD...: every refused client gets CODE (where plain
# slapd cannot take the same request: PEM input), no word of the overlay's
refused() {
	_want=$1 _what=$2; shift 2
	for _who in anon reader team; do
		as 1 "$_who" "$@" >"$T/o1" 2>&1; _r1=$?
		if [ $_r1 = "$_want" ] && ! grep -q truststore "$T/o1"; then
			pass "$_who: $_what: $_r1"
		else
			fail "$_who: $_what: $_r1 ($(tr '\n' ' ' <"$T/o1")), want $_want"
		fi
	done
}
add_ldif() {	# DN FILE [FILE2]: an add of a certificate entry (DER values)
	printf 'dn: %s\nobjectClass: tsCertificate\ncn: %s\n' "$1" \
	    "$(echo "$1" | sed 's/^cn=\([^,]*\),.*/\1/')"
	printf 'userCertificate;binary:< file://%s\n' "$2"
	[ -n "${3:-}" ] && printf 'userCertificate;binary:< file://%s\n' "$3"
	echo
}
mod_ldif() {	# DN then the change lines
	_dn=$1; shift
	printf 'dn: %s\nchangetype: modify\n' "$_dn"
	printf '%s\n' "$@"
	echo
}
H="ou=hidden,$BASE"

snapshot 1 > "$T/before"

# --- add -----------------------------------------------------------------
add_ldif "cn=new,$BASE" "$C/weak.der" > "$T/a-weak.ldif"
add_ldif "cn=new,$BASE" "$C/old.der" > "$T/a-old.ldif"
add_ldif "cn=new,$BASE" "$C/fresh.der" "$C/weak.der" > "$T/a-two.ldif"
add_ldif "cn=new,$BASE" "$C/hid.der" > "$T/a-dup.ldif"
add_ldif "cn=new,$H" "$C/weak.der" > "$T/a-hidden.ldif"
add_ldif "cn=hid,$H" "$C/weak.der" > "$T/a-exists.ldif"
add_ldif "cn=new,ou=nowhere,$BASE" "$C/weak.der" > "$T/a-noparent.ldif"
printf 'dn: cn=new,%s\nobjectClass: tsCertificate\ncn: new\ntsCertificatePEM:< file://%s\n' \
    "$BASE" "$C/key.pem" > "$T/a-pemkey.ldif"
printf 'dn: cn=new,%s\nobjectClass: tsCertificate\ncn: new\ntsCertificatePEM:< file://%s\n' \
    "$BASE" "$C/weak.pem" > "$T/a-pemweak.ldif"
same "add of a 1024-bit key" ldapadd -f "$T/a-weak.ldif"
same "add of an expired certificate" ldapadd -f "$T/a-old.ldif"
same "add of two certificates" ldapadd -f "$T/a-two.ldif"
same "add of a certificate a hidden entry holds" ldapadd -f "$T/a-dup.ldif"
same "add below a hidden container" ldapadd -f "$T/a-hidden.ldif"
same "add of a hidden entry's name" ldapadd -f "$T/a-exists.ldif"
same "add below no entry" ldapadd -f "$T/a-noparent.ldif"
refused 50 "add of a private key as PEM" ldapadd -f "$T/a-pemkey.ldif"
refused 50 "add of a 1024-bit key as PEM" ldapadd -f "$T/a-pemweak.ldif"

# --- modify --------------------------------------------------------------
mod_ldif "cn=hid,$H" "replace: userCertificate;binary" \
    "userCertificate;binary:< file://$C/weak.der" > "$T/m-weak.ldif"
mod_ldif "cn=hid,$H" "add: cn" "cn: second" > "$T/m-cn.ldif"
mod_ldif "ou=empty,$H" "add: cn" "cn: second" > "$T/m-cn-ou.ldif"
mod_ldif "cn=hid,$H" "delete: objectClass" "objectClass: tsCertificate" > "$T/m-class.ldif"
mod_ldif "ou=empty,$H" "add: objectClass" "objectClass: tsCertificate" > "$T/m-class-ou.ldif"
mod_ldif "cn=hid,$H" "delete: tsCertificatePEM" > "$T/m-pemdel.ldif"
mod_ldif "cn=hid,$H" "add: userCertificate;binary" \
    "userCertificate;binary:< file://$C/fresh.der" > "$T/m-second.ldif"
same "modify: a 1024-bit key for a hidden certificate" ldapmodify -f "$T/m-weak.ldif"
same "modify: a second cn on a hidden certificate" ldapmodify -f "$T/m-cn.ldif"
same "modify: a second cn on a hidden container" ldapmodify -f "$T/m-cn-ou.ldif"
same "modify: a hidden certificate's class taken away" ldapmodify -f "$T/m-class.ldif"
same "modify: a hidden container made a certificate" ldapmodify -f "$T/m-class-ou.ldif"
same "modify: tsCertificatePEM deleted" ldapmodify -f "$T/m-pemdel.ldif"
same "modify: a second certificate" ldapmodify -f "$T/m-second.ldif"

# --- modrdn and delete ---------------------------------------------------
same "rename of a container with a certificate below" ldapmodrdn "$H" ou=moved
same "rename of a container without one" ldapmodrdn "ou=empty,$H" ou=moved
same "rename of a hidden certificate to a bad alias" ldapmodrdn -r "cn=hid,$H" "cn=a/b"
same "rename of a hidden certificate keeping its old cn" ldapmodrdn "cn=hid,$H" cn=other
same "move of a hidden certificate out of the store" ldapmodrdn -r -s "$SUFFIX" "cn=hid,$H" cn=out
same "rename of the store's base" ldapmodrdn -r "$BASE" ou=other
same "delete asserting a computed attribute" ldapdelete -e "assert=(tsStatus=valid)" "cn=hid,$H"
same "rename asserting a computed attribute" ldapmodrdn -e "assert=(tsKeyBits=256)" -r "cn=hid,$H" cn=other

snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "refused writes changed nothing" || fail "store changed"

# --- who may write still gets the precise refusal --------------------------
expect_ldap 19 "olcTrustStoreMinRSABits" as 1 writer ldapadd -f "$T/a-weak.ldif"
expect_ldap 21 "PEM block 1 holds a private key" as 1 writer ldapadd -f "$T/a-pemkey.ldif"
expect_ldap 19 "under alias \"hid\" (cn=hid,$H)" as 1 writer ldapadd -f "$T/a-dup.ldif"
expect_ldap 19 "olcTrustStoreMinRSABits" as 1 writer ldapmodify -f "$T/m-weak.ldif"
expect_ldap 53 "keeps the tsCertificate class" as 1 writer ldapmodify -f "$T/m-class.ldif"
expect_ldap 53 "certificate entries below it" as 1 writer ldapmodrdn "$H" ou=moved
expect_ldap 64 "bad alias" as 1 writer ldapmodrdn -r "cn=hid,$H" "cn=a/b"
expect_ldap 53 "cannot rename the trust store base" as 1 writer ldapmodrdn -r "$BASE" ou=other
# a writer of another subtree, in its own: the refusal, the holder unnamed
add_ldif "cn=new,ou=team,$BASE" "$C/weak.der" > "$T/t-weak.ldif"
add_ldif "cn=new,ou=team,$BASE" "$C/hid.der" > "$T/t-dup.ldif"
expect_ldap 19 "olcTrustStoreMinRSABits" as 1 team ldapadd -f "$T/t-weak.ldif"
expect_ldap 19 "already stored under another alias" as 1 team ldapadd -f "$T/t-dup.ldif"
as 1 team ldapadd -f "$T/t-dup.ldif" 2>&1 | grep -q "cn=hid" &&
	fail "team told the holder's name" || pass "team not told the holder's name"
add_ldif "cn=ok,ou=team,$BASE" "$C/fresh.der" > "$T/t-ok.ldif"
as 1 team ldapadd -f "$T/t-ok.ldif" >/dev/null && pass "team adds a certificate in its subtree" ||
	fail "team add"
lsearch 1 -b "cn=ok,ou=team,$BASE" -s base tsFingerprintSHA256 | grep -q '^tsFingerprintSHA256: ' &&
	pass "and it is decorated" || fail "team's entry not decorated"
node_alive 1 && pass "slapd still running" || fail "slapd died"
