#!/bin/sh
# t073-assert-race.sh - an assertion on a computed attribute holds at the
# moment of the write, not before it
#
# The assertion control (RFC 4528) on a modify asks that the write happen
# only if the entry matches, tested atomically with the write.  The
# overlay tests assertions on computed attributes (tsKeyBits) itself; done
# before the write's gate, a change of the certificate that held the gate
# could come between the test and the write.  Here one client swaps the
# certificate of "x" between a 2048-bit and a 3072-bit key without pause,
# while another changes its description only if (tsKeyBits=2048), asking
# for the entry as written (post-read control, RFC 4527): every write that
# succeeded must have been made to the 2048-bit certificate.
#
# An add's assertion is tested on the entry to be added: with computed
# attributes the backend never sees, so the overlay tests it too.
. "$(dirname "$0")/lib.sh"
ts_init
node_conf 1
node_start 1
add_base 1
mkcert s
mkcert l -newkey rsa:3072
cert_ldif x "$T/certs/s.der" | ladd 1 >/dev/null || die "add x"

N=${TS_RACE_N:-1500}
i=0
: > "$T/swap.ldif"; : > "$T/desc.ldif"
while [ $i -lt "$N" ]; do
	for c in l s; do
		printf 'dn: cn=x,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n\n' \
		    "$BASE" "$T/certs/$c.der" >> "$T/swap.ldif"
	done
	printf 'dn: cn=x,%s\nchangetype: modify\nreplace: description\ndescription: %s\n\n' \
	    "$BASE" "$i" >> "$T/desc.ldif"
	i=$((i + 1))
done
lmodify 1 -f "$T/swap.ldif" > "$T/swap.out" 2>&1 &
swap=$!
lmodify 1 -c -o ldif-wrap=no -e 'assert=(tsKeyBits=2048)' \
    -e postread=userCertificate -f "$T/desc.ldif" > "$T/desc.out" 2> "$T/desc.err"
wait $swap || { tail -n 5 "$T/swap.out"; fail "the swaps failed"; }

L=$(base64 -w0 < "$T/certs/l.der")
S=$(base64 -w0 < "$T/certs/s.der")
ok=$(grep -c "^userCertificate;binary:: $S\$" "$T/desc.out")
bad=$(grep -c "^userCertificate;binary:: $L\$" "$T/desc.out")
refused=$(grep -c 'Assertion Failed' "$T/desc.err")
echo "# writes made: $ok to the 2048-bit certificate, $bad to the 3072-bit one; $refused refused"
check "writes were made (the race ran)" test "$ok" -gt 0
check "writes were refused (the race ran)" test "$refused" -gt 0
check "no write made to the certificate the assertion excludes" test "$bad" = 0
check "every write made or refused" test $((ok + bad + refused)) = "$N"

# adds: true and false assertions on computed attributes, mixed with a
# stored one (tested by the backend on the widened copy)
mkcert a
addas() {
	cert_ldif "$1" "$T/certs/$2.der" | ldapadd -x -H "$(uri 1)" -D "$ROOTDN" \
	    -w "$ROOTPW" -e "assert=$3"
}
expect_ldap 122 "Assertion Failed" addas a1 a '(tsKeyBits=3072)'
expect_ldap 122 "Assertion Failed" addas a1 a '(&(tsKeyBits=2048)(tsNotAfter<=20000101000000Z))'
check "refused adds stored nothing" test -z "$(lsearch 1 -b "$BASE" '(cn=a1)' 1.1)"
expect_ldap 0 "" addas a1 a '(&(tsKeyBits=2048)(tsStatus=valid)(tsNotAfter>=20000101000000Z))'
check "the add with a true assertion is stored, decorated" \
    test "$(lsearch 1 -b "cn=a1,$BASE" -s base tsKeyBits | grep -c '^tsKeyBits: 2048$')" = 1
check "node still running" node_alive 1
exit 0
