#!/bin/sh
# t547-repl-rename-lookup.sh - a certificate renamed back and forth on one
# node is found by every search for its fingerprint on the other node,
# while the replicated renames arrive.
#
# A search by a key that one entry holds runs as a base search of that
# entry (t029); the lookup index follows a rename only after its commit,
# so replicated renames must hold such searches off as local ones do, or
# a search in between finds the certificate under neither name.
TS_DEBUG=0	# 100,000 searches: no log of each
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_cluster 2
cc -O2 -o "$T/loadgen" "$TOP/bench/loadgen.c" -lldap -llber -lpthread ||
	die "cannot build bench/loadgen.c"
mkcert r -newkey ec -pkeyopt ec_paramgen_curve:P-256
cert_ldif r1 "$T/certs/r.der" | ladd 1 >/dev/null || die "add r1"
wait_sync 30 1 2 || die "r1 did not replicate"
fp=$(openssl x509 -in "$T/certs/r.pem" -noout -fingerprint -sha256 |
	cut -d= -f2 | tr -d : | tr A-F a-f)
printf 'sub\t%s\t(tsFingerprintSHA256=%s)\n' "$BASE" "$fp" > "$T/q"

i=0
: > "$T/mv"
while [ $i -lt 10000 ]; do
	printf 'cn=r1,%s\ncn=r2\ncn=r2,%s\ncn=r1\n' "$BASE" "$BASE" >> "$T/mv"
	i=$((i + 1))
done
# ldapmodrdn itself, not the lmodrdn function: $! must be its PID
ldapmodrdn -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" -r -c -f "$T/mv" > "$T/mv.out" 2>&1 &
mv=$!
# the renames reach node 2 before the searches start
before=$(lsearch 2 -b "$BASE" "(|(cn=r1)(cn=r2))" modifyTimestamp entryCSN)
i=0
while [ "$(lsearch 2 -b "$BASE" "(|(cn=r1)(cn=r2))" entryCSN)" = \
	"$(printf '%s\n' "$before" | grep -v '^modifyTimestamp')" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
out=$("$T/loadgen" -H "$(uri 2)" -D "$ROOTDN" -w "$ROOTPW" -m search \
    -f "$T/q" -c 2 -a 4 -l 100000 2>&1)
csn1=$(lsearch 2 -b "$BASE" "(|(cn=r1)(cn=r2))" entryCSN | sed -n 's/^entryCSN: //p')
kill $mv 2>/dev/null && still=1 || still=0
wait $mv
case $out in
*" empty=0 "*) pass "100,000 searches on node 2 during replicated renames all found it";;
*) fail "searches on node 2 during replicated renames: $out";;
esac
[ $still = 1 ] && pass "the renames were still running at the end" ||
	fail "the renames ended before the searches (add more)"
[ -n "$csn1" ] && [ "$csn1" != "$(printf '%s\n' "$before" | sed -n 's/^entryCSN: //p')" ] &&
	pass "node 2 applied renames meanwhile" || fail "node 2 applied no rename during the searches"
[ ! -s "$T/mv.out" ] && pass "no rename failed" || fail "renames: $(head -3 "$T/mv.out")"
wait_sync 60 1 2 || fail "the nodes did not converge"
same_entries "the nodes hold the same entries" 1 2
# and each node's index names the entry where it is now
want=$(lsearch 1 -b "$BASE" "(|(tsFingerprintSHA256=$fp))" 1.1)
for n in 1 2; do
	got=$(lsearch $n -b "$BASE" "(tsFingerprintSHA256=$fp)" 1.1)
	[ -n "$want" ] && [ "$got" = "$want" ] &&
		pass "node $n finds it by fingerprint where it is" ||
		fail "node $n: by fingerprint [$got], where it is [$want]"
done
exit 0
