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
mkcert r -newkey ec -pkeyopt ec_paramgen_curve:P-256
cert_ldif r1 "$T/certs/r.der" | ladd 1 >/dev/null || die "add r1"
wait_sync 30 1 2 || die "r1 did not replicate"
fp=$(openssl x509 -in "$T/certs/r.pem" -noout -fingerprint -sha256 |
	cut -d= -f2 | tr -d : | tr A-F a-f)
# csn N: the certificate's entryCSN on node N
csn() { lsearch "$1" -b "$BASE" "(|(cn=r1)(cn=r2))" entryCSN | sed -n 's/^entryCSN: //p'; }

rename_race_start 1
# the renames reach node 2 before the searches start
csn0=$(csn 2)
i=0
while [ "$(csn 2)" = "$csn0" ] && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
csn1=$(csn 2)
rename_race_search 2 "$fp"
csn2=$(csn 2)
rename_race_stop
[ "$csn1" != "$csn0" ] && [ "$csn2" != "$csn1" ] &&
	pass "node 2 applied renames before and during the searches" ||
	fail "node 2's entryCSN: $csn0, $csn1, $csn2"
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
