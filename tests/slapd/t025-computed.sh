#!/bin/sh
# t025-computed: which decorations are stored and which are computed on
# read.  The database holds exactly the stored ones (slapcat), a typical
# entry fits LMDB's leaf pages (no overflow page), the computed ones are
# returned when asked for by name or by "+", and filters (also under NOT,
# AND, OR) and compares on them give the same answers as on stored values.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
mkdir -p "$C"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

STORED="tsFingerprintSHA256 tsIsCA tsIssuer tsNotAfter tsNotBefore tsSerialNumber tsSubject tsSubjectHash"
COMPUTED="tsAuthorityKeyIdentifier tsDNSName tsEmail tsExtKeyUsage tsFingerprintSHA1 tsIPAddress tsKeyAlgorithm tsKeyBits tsKeyUsage tsSelfSigned tsSignatureAlgorithm tsSubjectKeyIdentifier tsURI tsVersion"

# a CA and three leaves shaped like a hosting provider's back-end
# certificates (RSA-2048, SAN, KU, EKU, SKI, AKI): the size that matters
mkcert ca -addext "keyUsage=critical,keyCertSign,cRLSign"
cat > "$C/leaf.ext" <<EOF
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF
leaf() {
	name=$1 san=$2; shift 2
	openssl req -new -nodes "$@" -keyout "$C/$name.key" \
		-subj "/CN=$name.backend.example.net/O=Example Hosting GmbH/C=DE" \
		-out "$C/$name.csr" 2>/dev/null || die "csr $name"
	{ cat "$C/leaf.ext"; echo "subjectAltName=$san"; } > "$C/$name.ext"
	openssl x509 -req -in "$C/$name.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" \
		-set_serial "0x$(openssl rand -hex 16)" -days 365 \
		-extfile "$C/$name.ext" -out "$C/$name.pem" 2>/dev/null || die "sign $name"
	openssl x509 -in "$C/$name.pem" -outform DER -out "$C/$name.der"
}
leaf web1 "DNS:web1.backend.example.net,DNS:www.example.net" -newkey rsa:2048
leaf web2 "DNS:web2.backend.example.net,IP:192.0.2.7,email:ops@example.net" -newkey rsa:2048
leaf web3 "DNS:web3.backend.example.net,URI:https://example.net/" $ec
mkcert big -newkey rsa:3072 -addext "extendedKeyUsage=timeStamping"

# anonymous may read everything but one computed decoration
printf 'access to attrs=tsKeyBits by * none\naccess to * by * read\n' > "$T/acl.conf"
node_conf 1 "$T/acl.conf"
node_start 1
add_base 1
for c in ca web1 web2 web3 big; do
	cert_ldif "$c" "$C/$c.der" | ladd 1 >/dev/null || die "add $c"
done

# --- what is stored --------------------------------------------------------
node_stop 1
slapcat -f "$T/n1/slapd.conf" -b "$SUFFIX" -o ldif-wrap=no \
	> "$T/cat.ldif" 2>"$T/cat.err" || { cat "$T/cat.err" >&2; die "slapcat"; }
awk -v dn="cn=web2,$BASE" 'BEGIN { RS = ""; FS = "\n" }
	$1 == "dn: " dn { for (i = 2; i <= NF; i++) print $i }' "$T/cat.ldif" |
	sed -n 's/^\(ts[A-Za-z0-9]*\):.*/\1/p' | sort -u | tr '\n' ' ' | sed 's/ $//' \
	> "$T/stored"
[ "$(cat "$T/stored")" = "$STORED" ] &&
	pass "the database holds exactly the stored decorations" ||
	fail "stored decorations: '$(cat "$T/stored")', want '$STORED'"

if command -v mdb_stat >/dev/null; then
	mdb_stat -s id2e "$T/n1/db" > "$T/id2e" 2>&1 || { cat "$T/id2e" >&2; die "mdb_stat"; }
	entries=$(sed -n 's/^ *Entries: //p' "$T/id2e")
	overflow=$(sed -n 's/^ *Overflow pages: //p' "$T/id2e")
	[ "$entries" -ge 7 ] && [ "$overflow" = 0 ] &&
		pass "$entries entries, none in an overflow page" ||
		fail "id2e: $entries entries, $overflow overflow pages (an entry too large for a leaf)"
else
	fail "mdb_stat missing (lmdb-utils, scripts/deps.sh)"
fi

# copies FILE: how often FILE's SHA-256 fingerprint (lowercase hex, as
# stored) appears in the database's entries.  A value already in its
# normal form is kept once, not as value plus normalized value.
fp_of() {
	openssl x509 -inform DER -in "$1" -noout -fingerprint -sha256 |
		sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
copies() {
	mdb_dump -s id2e "$T/n1/db" | grep -o "$(printf %s "$(fp_of "$1")" |
		od -An -tx1 | tr -d ' \n')" | wc -l
}
n=$(copies "$C/web2.der")
[ "$n" = 1 ] && pass "an added entry holds its fingerprint once" ||
	fail "web2's fingerprint is in the database $n times, want 1"
node_start 1

# --- reading -----------------------------------------------------------------
lsearch 1 -b "cn=web2,$BASE" -s base tsKeyBits > "$T/one"
grep -q '^tsKeyBits: 2048$' "$T/one" && [ "$(grep -c '^ts' "$T/one")" = 1 ] &&
	pass "a computed decoration asked for by name comes alone" ||
	{ fail "tsKeyBits by name"; cat "$T/one" >&2; }
lsearch 1 -b "cn=web2,$BASE" -s base '+' > "$T/plus"
missing=
for a in $STORED $COMPUTED; do
	case $a in tsURI) continue;; esac	# web2 has no URI
	grep -q "^$a: " "$T/plus" || missing="$missing $a"
done
[ -z "$missing" ] && pass "\"+\" returns stored and computed decorations" ||
	fail "\"+\" misses:$missing"
lsearch 1 -b "cn=web2,$BASE" -s base > "$T/user"
grep -q '^ts[A-Z]' "$T/user" && fail "decorations returned without being asked for" ||
	pass "no decoration among the user attributes"

# --- filters -----------------------------------------------------------------
# expect_dns FILTER "cn1 cn2 ...": the aliases a subtree search returns
expect_dns() {
	f=$1 want=$2
	got=$(lsearch 1 -b "$BASE" -s one "$f" 1.1 2>&1 | sed -n 's/^dn: cn=\([^,]*\),.*/\1/p' |
		sort | tr '\n' ' ' | sed 's/ $//')
	[ "$got" = "$want" ] && pass "filter $f: $want" ||
		fail "filter $f: got '$got', want '$want'"
}
expect_dns '(tsKeyBits=3072)' "big"
expect_dns '(tsKeyBits>=2048)' "big ca web1 web2"
expect_dns '(tsKeyAlgorithm=id-ecPublicKey)' "web3"
expect_dns '(!(tsKeyAlgorithm=rsaEncryption))' "web3"
expect_dns '(&(tsDNSName=*.backend.example.net)(!(tsIPAddress=*)))' "web1 web3"
expect_dns '(|(tsIPAddress=192.0.2.7)(cn=big))' "big web2"
expect_dns '(tsEmail=OPS@example.net)' "web2"
expect_dns '(tsExtKeyUsage=timeStamping)' "big"
expect_dns '(&(tsIsCA=FALSE)(tsExtKeyUsage=serverAuth))' "web1 web2 web3"
expect_dns '(tsSelfSigned=TRUE)' "big ca"
expect_dns '(!(|(tsURI=*)(tsSelfSigned=TRUE)))' "web1 web2"
expect_dns '(&(objectClass=tsCertificate)(tsSubjectKeyIdentifier=*))' "big ca web1 web2 web3"
expect_dns '(tsVersion=1)' ""
# entries the overlay drops do not count toward a size limit or a page:
# "big" was added last, after four candidates that fail the filter
out=$(lsearch 1 -z 1 -b "$BASE" -s one '(tsKeyBits=3072)' 1.1 2>&1); rc=$?
[ $rc = 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^dn: cn=big,')" = 1 ] &&
	pass "size limit 1: the one match, no sizeLimitExceeded" ||
	fail "size limit 1 with a computed filter: rc $rc: $out"
out=$(lsearch 1 -z 2 -b "$BASE" -s one '(tsKeyAlgorithm=rsaEncryption)' 1.1 2>&1); rc=$?
[ $rc = 4 ] && [ "$(printf '%s\n' "$out" | grep -c '^dn:')" = 2 ] &&
	pass "size limit 2 with 4 matches: 2 entries and sizeLimitExceeded" ||
	fail "size limit 2 with a computed filter: rc $rc: $out"
out=$(lsearch 1 -E pr=1/noprompt -b "$BASE" -s one '(tsKeyBits=3072)' 1.1 2>&1); rc=$?
[ $rc = 0 ] && [ "$(printf '%s\n' "$out" | grep -c '^dn:')" = 1 ] &&
	pass "paged results of 1: the one match" ||
	fail "paged results with a computed filter: rc $rc: $out"
# a filter on a computed decoration outside the store finds nothing there
got=$(lsearch 1 -b "$SUFFIX" -s base '(tsKeyBits=*)' 1.1 | grep -c '^dn:')
[ "$got" = 0 ] && pass "the suffix entry has no computed decorations" ||
	fail "the suffix entry matched (tsKeyBits=*)"

# --- compare -----------------------------------------------------------------
cmp_rc() {
	ldapcompare -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" "$1" "$2" >/dev/null 2>&1
	echo $?
}
[ "$(cmp_rc "cn=web3,$BASE" tsKeyAlgorithm:id-ecPublicKey)" = 6 ] &&
	pass "compare on a computed decoration: TRUE" || fail "compare TRUE"
[ "$(cmp_rc "cn=web3,$BASE" tsKeyAlgorithm:rsaEncryption)" = 5 ] &&
	pass "compare on a computed decoration: FALSE" || fail "compare FALSE"
[ "$(cmp_rc "cn=web1,$BASE" tsEmail:ops@example.net)" = 16 ] &&
	pass "compare on a computed decoration the certificate lacks: noSuchAttribute" ||
	fail "compare of a missing computed decoration"
[ "$(cmp_rc "cn=web1,$BASE" tsIsCA:FALSE)" = 6 ] &&
	pass "compare on a stored decoration still works" || fail "compare on tsIsCA"
[ "$(cmp_rc "cn=nosuch,$BASE" tsKeyBits:2048)" = 32 ] &&
	pass "compare on a missing entry: noSuchObject" || fail "compare on a missing entry"

# --- access control applies to computed decorations as to stored ones ---------
asearch() { ldapsearch -LLL -o ldif-wrap=no -x -H "$(uri 1)" "$@"; }
got=$(asearch -b "$BASE" -s one '(tsKeyBits=2048)' 1.1 | grep -c '^dn:')
[ "$got" = 0 ] && pass "a filter on a decoration the client may not search matches nothing" ||
	fail "anonymous (tsKeyBits=2048) matched $got entries"
got=$(asearch -b "$BASE" -s one '(tsKeyAlgorithm=rsaEncryption)' 1.1 | grep -c '^dn:')
[ "$got" = 4 ] && pass "anonymous filter on a readable computed decoration: 4 entries" ||
	fail "anonymous (tsKeyAlgorithm=rsaEncryption) matched $got entries, want 4"
asearch -b "cn=web2,$BASE" -s base '+' > "$T/anon"
! grep -q '^tsKeyBits:' "$T/anon" && grep -q '^tsKeyAlgorithm: rsaEncryption$' "$T/anon" &&
	pass "a computed decoration the client may not read is not returned" ||
	{ fail "anonymous read of computed decorations"; cat "$T/anon" >&2; }
rc=0; ldapcompare -x -H "$(uri 1)" "cn=web2,$BASE" tsKeyBits:2048 >/dev/null 2>&1 || rc=$?
[ "$rc" = 50 ] && pass "anonymous compare of tsKeyBits: insufficientAccess" ||
	fail "anonymous compare of tsKeyBits returned $rc, want 50"

# --- a modify replaces stored, computed follow the new certificate ------------
printf 'dn: cn=web1,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/web3.der" > "$T/mod.ldif"
lmodify 1 -f "$T/mod.ldif" >/dev/null 2>&1
# web3's certificate is stored already: refused as a duplicate
lmodify 1 -f "$T/mod.ldif" >/dev/null 2>&1 && fail "duplicate by modify accepted"
ldelete 1 "cn=web3,$BASE" || die "delete web3"
lmodify 1 -f "$T/mod.ldif" >/dev/null || die "modify web1 to web3's certificate"
lsearch 1 -b "cn=web1,$BASE" -s base tsKeyAlgorithm tsDNSName > "$T/mod"
grep -q '^tsKeyAlgorithm: id-ecPublicKey$' "$T/mod" &&
	grep -q '^tsDNSName: web3.backend.example.net$' "$T/mod" &&
	! grep -q 'www.example.net' "$T/mod" &&
	pass "after a modify the computed decorations follow the new certificate" ||
	{ fail "computed decorations after modify"; cat "$T/mod" >&2; }
# the modify's decorations are stored once too, and still found by index
# with an assertion in upper case (caseIgnoreIA5Match)
fpu=$(fp_of "$C/web3.der" | tr 'a-f' 'A-F')
lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$fpu)" 1.1 > "$T/byfp"
[ "$(grep -c '^dn: ' "$T/byfp")" = 1 ] && grep -q "^dn: cn=web1,$BASE" "$T/byfp" &&
	pass "the modified entry is found by its new fingerprint" ||
	{ fail "search by the new fingerprint"; cat "$T/byfp" >&2; }
node_stop 1
n=$(copies "$C/web3.der")
[ "$n" = 1 ] && pass "a modified entry holds its new fingerprint once" ||
	fail "web3's fingerprint is in the database $n times after the modify, want 1"
node_start 1
node_alive 1 && pass "slapd alive" || fail "slapd died"
