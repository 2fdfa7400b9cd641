#!/bin/sh
# t351-client-lookup-errors.sh - what ldaptrust says when the look-up of
# a certificate entry does not simply find it.  import ran into an alias
# (entryAlreadyExists) and then read the entry holding it: an entry the
# access rules hide from the importer, or whose certificate they hide,
# was called "not a certificate of the store", and a look-up the server
# refused (a limit) was followed by that same claim and exit 68.  Now
# each says what it is, and a refused look-up exits with the server's
# code after its text, as ldapsearch does; show, export, rename and
# delete by alias report such a refusal as the server worded it, not as
# an alias not found.  export names an unreadable certificate plainly.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
C=$T/certs
W="cn=writer,$SUFFIX"
L="cn=limited,$SUFFIX"
# writer may write below the base, but not see cn=hidden, nor the
# certificate and fingerprints of cn=nocert; limited may not page, so
# each of its searches is refused (adminLimitExceeded, 11)
cat > "$T/extra" <<EOF
limits dn.exact="$L" size.prtotal=disabled
access to attrs=userPassword by anonymous auth by * none
access to dn.exact="cn=hidden,$BASE" by dn.exact="$W" none by * break
access to dn.exact="cn=nocert,$BASE" attrs=userCertificate,tsFingerprintSHA256,tsFingerprintSHA1,tsCertificatePEM by dn.exact="$W" none by * break
access to dn.subtree="$BASE" by dn.exact="$W" write by dn.exact="$L" write by * break
access to * by * read
EOF
node_conf 1 "$T/extra"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF || die "the users"
dn: $W
objectClass: person
cn: writer
sn: writer
userPassword: wpw

dn: $L
objectClass: person
cn: limited
sn: limited
userPassword: lpw
EOF
for n in hidden nocert held fresh; do
	mkcert $n
	[ $n = fresh ] || lt import $n "$C/$n.pem" >/dev/null || die "import $n"
done
lw() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$W" -w wpw -b "$BASE" "$@" </dev/null; }
ll() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$L" -w lpw -b "$BASE" "$@" </dev/null; }
unchanged() { snapshot 1 > "$T/after"; check "store unchanged ($1)" cmp -s "$T/before" "$T/after"; }

# preconditions: what the server itself answers these identities
ldapsearch -x -H "$(uri 1)" -D "$W" -w wpw -b "cn=hidden,$BASE" -s base 1.1 >/dev/null 2>&1
[ $? = 32 ] || die "precondition: cn=hidden is noSuchObject to the writer"
ldapsearch -LLL -x -H "$(uri 1)" -D "$W" -w wpw -b "cn=nocert,$BASE" -s base \
    userCertificate tsFingerprintSHA256 objectClass > "$T/nocert" 2>&1
grep -q '^objectClass: tsCertificate' "$T/nocert" && ! grep -qi '^userCertificate\|^tsFingerprint' "$T/nocert" ||
	die "precondition: the writer reads cn=nocert but not its certificate"
ldapsearch -x -H "$(uri 1)" -D "$L" -w lpw -b "$BASE" -E pr=10/noprompt 1.1 >/dev/null 2>&1
[ $? = 11 ] || die "precondition: a paged search by limited is adminLimitExceeded (11)"

# --- import into an alias held by an entry the importer cannot read ------------
out=$(lw import hidden "$C/fresh.pem" 2>&1); rc=$?
check "hidden entry: exit 68 (the add's answer)" test $rc = 68
check "hidden entry: said as such" eval 'contains "import \"hidden\": Already exists (68)" "$out" &&
    contains "additional info: an entry of that name exists, hidden from this identity by the access rules" "$out"'
check "hidden entry: not called a non-certificate" not_contains "not a certificate" "$out"
out=$(lw import nocert "$C/fresh.pem" 2>&1); rc=$?
check "unreadable certificate: exit 68, said as such" eval 'test $rc = 68 && contains "a certificate of the store holds the alias, but this identity cannot read which" "$out"'
check "unreadable certificate: not called a non-certificate" not_contains "not a certificate" "$out"
# an entry that is no certificate is still called so (a guard)
ladd 1 >/dev/null <<EOF || die "a non-certificate entry below the base"
dn: cn=plain,$BASE
objectClass: organizationalRole
cn: plain
EOF
expect_ldap 68 "an entry of that name exists and is not a certificate of the store" \
    lw import plain "$C/fresh.pem"
lsearch 1 -b "$BASE" '(cn=fresh)' 1.1 | grep -q '^dn:' && fail "fresh was added" ||
	pass "nothing was added"

# --- a look-up the server refuses: its code and text, not "not found" ----------
snapshot 1 > "$T/before"
out=$(ll import held "$C/fresh.pem" 2>&1); rc=$?
check "refused look-up after import: exit 11, the server's code" test $rc = 11
check "refused look-up after import: the server's error and text" eval \
    'contains "search cn=held,$BASE: Administrative limit exceeded (11)" "$out" &&
    contains "additional info: pagedResults control not allowed" "$out"'
check "refused look-up after import: no claim about the entry" not_contains "not a certificate" "$out"
for c in "show held" "export held -" "rename held other" "delete --yes held" "-c delete --yes held nothere"; do
	out=$(ll $c 2>&1); rc=$?
	check "$c, look-up refused: exit 11 with the server's text, not \"not found\"" \
	    eval 'test $rc = 11 && contains "Administrative limit exceeded (11)" "$out" &&
	    contains "pagedResults control not allowed" "$out" && not_contains "No such object" "$out" &&
	    not_contains "not found" "$out"'
done
unchanged "after the refusals"

# --- export of a certificate the exporter cannot read ---------------------------
out=$(lw export nocert - 2>&1); rc=$?
check "export, unreadable certificate: said plainly, exit 1" eval \
    'test $rc = 1 && contains "\"nocert\": this identity cannot read the certificate (userCertificate) of cn=nocert,$BASE: the access rules hide it" "$out"'
exit 0
