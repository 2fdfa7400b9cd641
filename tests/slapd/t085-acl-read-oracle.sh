#!/bin/sh
# t085-acl-read-oracle: the assertion control (RFC 4528) on a computed
# attribute tells a client nothing of an entry it may not see.  The
# overlay tests such an assertion itself, and answered assertionFailed
# (122) for a certificate the ACLs hide, before the backend's access
# checks; plain slapd answers a search or a compare there noSuchObject
# (32) whether the entry exists or not, so anonymous users and readers
# learned which aliases a hidden store holds.  Each request goes as
# anonymous and as a reader to the overlay's node and to a plain slapd
# with the same entries and ACLs (the module loaded, no overlay), and
# must get the same answer; a service that may read still gets the
# overlay's 122 and 0.  A delete with an assertion of an entry that
# does not exist got insufficientAccess (the parent's rights, tested
# first), where back-mdb answers noSuchObject as without the assertion.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert hid $ec
mkcert vis $ec
cat > "$T/acl.conf" <<EOF2
truststore-base "$BASE"
access to attrs=userPassword by anonymous auth by * none
access to dn.base="$BASE" attrs=children by dn.exact="cn=writer,$SUFFIX" write by * break
access to dn.children="$BASE" by dn.exact="cn=writer,$SUFFIX" write by dn.exact="cn=svc,$SUFFIX" read by * none
access to * by dn.exact="cn=writer,$SUFFIX" read by dn.exact="cn=svc,$SUFFIX" read by self read by * none
EOF2
node_conf 1 "$T/acl.conf"
node_conf 2 "$T/acl.conf"
sed -i '/^overlay truststore$/d; /^truststore-/d' "$T/n2/slapd.conf"
node_start 1
node_start 2
for n in 1 2; do
	add_base $n
	users_ldif writer reader svc | ladd $n >/dev/null ||
		die "entries on node $n"
	cert_ldif hid "$C/hid.der" | ladd $n >/dev/null || die "hid on $n"
done
as() {
	_n=$1 _who=$2; shift 2
	if [ "$_who" = anon ]; then
		"$@" -x -H "$(uri "$_n")"
	else
		"$@" -x -H "$(uri "$_n")" -D "cn=$_who,$SUFFIX" -w "$_who"
	fi
}
same() {
	_what=$1; shift
	for _who in anon reader; do
		as 1 "$_who" "$@" >"$T/o1" 2>&1; _r1=$?
		as 2 "$_who" "$@" >"$T/o2" 2>&1; _r2=$?
		if [ $_r1 = $_r2 ] && cmp -s "$T/o1" "$T/o2"; then
			pass "$_who: $_what: $_r1, as plain slapd"
		else
			fail "$_who: $_what: $_r1 ($(tr '\n' ' ' <"$T/o1")), plain slapd $_r2 ($(tr '\n' ' ' <"$T/o2"))"
		fi
	done
}
for e in hid nope; do
	D="cn=$e,$BASE"
	same "search $e, assert (tsKeyBits=256)" ldapsearch -LLL -e 'assert=(tsKeyBits=256)' -b "$D" -s base 1.1
	same "search $e, assert (tsStatus=expired)" ldapsearch -LLL -e 'assert=(tsStatus=expired)' -b "$D" -s base 1.1
	same "search $e, assert (cn=x)" ldapsearch -LLL -e 'assert=(cn=x)' -b "$D" -s base 1.1
	same "compare $e tsKeyBits" ldapcompare "$D" tsKeyBits:256
	same "compare $e tsStatus" ldapcompare "$D" tsStatus:valid
	same "compare $e tsKeyBits, assert (tsKeyBits=1)" ldapcompare -e 'assert=(tsKeyBits=1)' "$D" tsKeyBits:256
	same "compare $e cn, assert (tsKeyBits=1)" ldapcompare -e 'assert=(tsKeyBits=1)' "$D" cn:x
	same "compare $e cn, assert (tsStatus=expired)" ldapcompare -e 'assert=(tsStatus=expired)' "$D" cn:x
	same "delete $e, assert (tsKeyBits=1)" ldapdelete -e 'assert=(tsKeyBits=1)' "$D"
	same "rename $e, assert (tsKeyBits=1)" ldapmodrdn -e 'assert=(tsKeyBits=1)' "$D" cn=zz
done

# who may read still gets the overlay's answers
code() { as 1 svc "$@" >/dev/null 2>&1; echo $?; }
D="cn=hid,$BASE"
check "svc: search, assert (tsKeyBits=1): 122" test "$(code ldapsearch -LLL -e 'assert=(tsKeyBits=1)' -b "$D" -s base 1.1)" = 122
check "svc: search, assert (tsKeyBits=256): 0" test "$(code ldapsearch -LLL -e 'assert=(tsKeyBits=256)' -b "$D" -s base 1.1)" = 0
check "svc: compare cn, assert (tsKeyBits=1): 122" test "$(code ldapcompare -e 'assert=(tsKeyBits=1)' "$D" cn:hid)" = 122
check "svc: compare cn, assert (tsKeyBits=256): TRUE" test "$(code ldapcompare -e 'assert=(tsKeyBits=256)' "$D" cn:hid)" = 6
check "svc: compare tsKeyBits, assert (tsStatus=expired): 122" test "$(code ldapcompare -e 'assert=(tsStatus=expired)' "$D" tsKeyBits:256)" = 122
check "svc: compare tsKeyBits: TRUE" test "$(code ldapcompare "$D" tsKeyBits:256)" = 6
node_alive 1 && pass "slapd still running" || fail "slapd died"
