#!/bin/sh
# t072-acl-computed.sh - what is computed on read tells no more than its
# source: an ACL that hides userCertificate hides the facts parsed from it
# (key, algorithms, names, SHA-1, version) from reads, filters and
# compares; one that hides tsNotAfter hides tsStatus.  Found by an audit:
# the reader got tsKeyBits, (tsStatus=expired) and compare TRUE on facts
# of a certificate the ACL denied him.  Extensible filters that name no
# attribute test the computed values too.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
mkcert big -newkey rsa:3072 -addext "subjectAltName=DNS:big.example.net,DNS:www.example.net"
mkcert_dates exp 20200101000000Z 20210101000000Z
NC="cn=nocert,$SUFFIX"	# may not read certificates
NT="cn=notime,$SUFFIX"	# may not read tsNotAfter
cat > "$T/acl.conf" <<EOF
truststore-refuse-expired off
access to attrs=userPassword by anonymous auth by * none
access to attrs=userCertificate by dn.exact="$NC" none by * read
access to attrs=tsNotAfter by dn.exact="$NT" none by * read
access to * by * read
EOF
node_conf 1 "$T/acl.conf"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF || die "users"
dn: $NC
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: nocert
userPassword: pw

dn: $NT
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: notime
userPassword: pw
EOF
for c in big exp; do
	cert_ldif $c "$C/$c.der" | ladd 1 >/dev/null || die "add $c"
done

# as WHO (root, nocert, notime): the attributes of cn=ALIAS, or the aliases
# a filter finds
as() {
	case $1 in
	root) set -- -D "$ROOTDN" -w "$ROOTPW" ;;
	nocert) set -- -D "$NC" -w pw ;;
	notime) set -- -D "$NT" -w pw ;;
	esac
	printf '%s\n' "$@"
}
attrs_of() {
	_w=$1 _c=$2; shift 2
	# shellcheck disable=SC2046
	ldapsearch -x -H "$(uri 1)" $(as "$_w") -LLL -o ldif-wrap=no \
	    -b "cn=$_c,$BASE" -s base '*' '+' 2>/dev/null | cut -d: -f1 | sort -u
}
found() {
	# shellcheck disable=SC2046
	ldapsearch -x -H "$(uri 1)" $(as "$1") -LLL -b "$SUFFIX" "$2" 1.1 2>/dev/null |
	    sed -n 's/^dn: cn=\([^,]*\),.*/\1/p' | sort | tr '\n' ' ' | sed 's/ $//'
}
compare() {
	# shellcheck disable=SC2046
	ldapcompare -x -H "$(uri 1)" $(as "$1") "cn=$2,$BASE" "$3" >/dev/null 2>&1
	echo $?
}
has() { printf '%s\n' "$2" | grep -qx "$1"; }

# the control: root sees everything
r=$(attrs_of root exp)
for a in tsKeyBits tsKeyAlgorithm tsSignatureAlgorithm tsFingerprintSHA1 tsSelfSigned tsVersion tsStatus tsSubject; do
	check "root reads $a" has $a "$r"
done
check "root: (tsKeyBits>=3072)" test "$(found root '(tsKeyBits>=3072)')" = big
check "root: (tsStatus=expired)" test "$(found root '(tsStatus=expired)')" = exp
check "root: compare tsKeyBits TRUE" test "$(compare root big tsKeyBits:3072)" = 6

# no read on the certificate: none of its parsed facts, by any way
r=$(attrs_of nocert exp)
for a in tsKeyBits tsKeyAlgorithm tsSignatureAlgorithm tsFingerprintSHA1 tsSelfSigned tsVersion; do
	check "nocert does not read $a" not has $a "$r"
done
r=$(attrs_of nocert big)
check "nocert does not read tsDNSName" not has tsDNSName "$r"
check "nocert reads the stored tsSubject (its own ACL)" has tsSubject "$r"
check "nocert reads tsStatus (the times are readable)" has tsStatus "$(attrs_of nocert exp)"
check "nocert: (tsKeyBits>=1) finds nothing" test -z "$(found nocert '(tsKeyBits>=1)')"
check "nocert: (tsDNSName=www.example.net) finds nothing" test -z "$(found nocert '(tsDNSName=www.example.net)')"
check "nocert: (tsStatus=expired) finds exp" test "$(found nocert '(tsStatus=expired)')" = exp
check "nocert: compare tsKeyBits is refused (50)" test "$(compare nocert big tsKeyBits:3072)" = 50
check "nocert: compare tsStatus TRUE" test "$(compare nocert exp tsStatus:expired)" = 6

# no read on tsNotAfter: no tsStatus
r=$(attrs_of notime exp)
check "notime does not read tsStatus" not has tsStatus "$r"
check "notime reads tsKeyBits (the certificate is readable)" has tsKeyBits "$r"
check "notime: (tsStatus=expired) finds nothing" test -z "$(found notime '(tsStatus=expired)')"
check "notime: compare tsStatus is refused (50)" test "$(compare notime exp tsStatus:expired)" = 50

# extensible match naming no attribute tests the computed values too
check "(:caseIgnoreMatch:=www.example.net) finds big" test "$(found root '(:caseIgnoreMatch:=www.example.net)')" = big
check "(:integerMatch:=3072) finds big" test "$(found root '(:integerMatch:=3072)')" = big
check "nocert: (:integerMatch:=3072) finds nothing" test -z "$(found nocert '(:integerMatch:=3072)')"

# the assertion control (RFC 4528) on computed attributes: tested on what
# is computed, for compares answered by the overlay and everything else
acmp() {
	_w=$1 _c=$2 _a=$3 _x=$4
	# shellcheck disable=SC2046
	ldapcompare -x -H "$(uri 1)" $(as "$_w") -e "assert=$_x" "cn=$_c,$BASE" "$_a" >/dev/null 2>&1
	echo $?
}
asearch() {
	ldapsearch -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -LLL -e "assert=$2" \
	    -b "cn=$1,$BASE" -s base 1.1 >/dev/null 2>&1
	echo $?
}
check "compare, assertion false: 122" test "$(acmp root big tsKeyBits:3072 '(cn=nope)')" = 122
check "compare, computed assertion true: TRUE" test "$(acmp root big tsKeyBits:3072 '(tsKeyBits=3072)')" = 6
check "compare, computed assertion false: 122" test "$(acmp root big cn:big '(tsKeyBits=2048)')" = 122
check "compare of a stored value, computed assertion true" test "$(acmp root big cn:big '(&(tsStatus=valid)(tsKeyBits>=3072))')" = 6
check "nocert: an assertion on hidden facts is false" test "$(acmp nocert big cn:big '(tsKeyBits=3072)')" = 122
check "search, computed assertion true" test "$(asearch big '(tsStatus=valid)')" = 0
check "search, computed assertion false: 122" test "$(asearch big '(tsStatus=expired)')" = 122
check "search, under NOT" test "$(asearch exp '(!(tsStatus=valid))')" = 0
mod() {
	printf 'dn: cn=big,%s\nchangetype: modify\nreplace: description\ndescription: %s\n-\n' "$BASE" "$2" |
	    ldapmodify -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -e "assert=$1" >/dev/null 2>&1
	echo $?
}
desc() { lsearch 1 -b "cn=big,$BASE" -s base description | sed -n 's/^description: //p'; }
check "modify, computed assertion true" test "$(mod '(tsKeyBits=3072)' first)" = 0
check "modify done" test "$(desc)" = first
check "modify, computed assertion false: 122" test "$(mod '(tsKeyBits=2048)' second)" = 122
check "modify not done" test "$(desc)" = first
check "node still running" node_alive 1
