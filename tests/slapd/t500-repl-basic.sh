#!/bin/sh
# t500-repl-basic.sh - three providers: an import on node 1, a delete on
# node 3 and a rename on node 2 reach every node with identical entries
# (decorations included) and identical export files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_cluster 3

mkcert one; mkcert two; mkcert three

# import on node 1
import 1 one "$T/certs/one.der" >/dev/null || die "import on node 1"
import 1 two "$T/certs/two.der" >/dev/null || die "import on node 1"
wait_sync 30 1 2 3
for i in 2 3; do
	check "node $i has cn=one" has_entry $i "cn=one,$BASE"
done
same_entries "import on node 1: entries identical on nodes 1 2 3" 1 2 3
if repl_overlay; then
	lsearch 1 -b "cn=one,$BASE" -s base '+' > "$T/one.op"
	check "node 1 decorated the import (tsFingerprintSHA256)" \
	    grep -q '^tsFingerprintSHA256:' "$T/one.op"
	for i in 1 2 3; do
		check "node $i exports cn=one" wait_for 10 in_export $i "$T/certs/one.der"
	done
	same_exports "import: export files identical on nodes 1 2 3" 1 2 3
fi

# delete on node 3
aldelete 3 "cn=two,$BASE" || die "delete on node 3"
wait_sync 30 1 2 3
for i in 1 2; do
	check "delete on node 3 reached node $i" eval "! has_entry $i cn=two,$BASE"
done
same_entries "delete on node 3: entries identical" 1 2 3
if repl_overlay; then
	for i in 1 2 3; do
		check "node $i no longer exports cn=two" \
		    wait_for 10 eval "! in_export $i $T/certs/two.der"
	done
	same_exports "delete: export files identical" 1 2 3
fi

# rename on node 2
almodrdn 2 -r "cn=one,$BASE" "cn=uno" || die "rename on node 2"
wait_sync 30 1 2 3
for i in 1 3; do
	check "rename on node 2 reached node $i" has_entry $i "cn=uno,$BASE"
	check "old name gone on node $i" eval "! has_entry $i cn=one,$BASE"
done
same_entries "rename on node 2: entries identical" 1 2 3
if repl_overlay; then
	for i in 1 2 3; do
		check "node $i still exports the renamed certificate" \
		    wait_for 10 in_export $i "$T/certs/one.der"
	done
	for i in 1 2 3; do
		check "node $i's bundle names the new alias" \
		    wait_for 10 grep -q '^# *uno' "$T/n$i/bundle.pem"
	done
	same_exports "rename: export files identical" 1 2 3
fi

# a replicated write is not validated again: node 3's policy is stricter
# (RSA keys of 4096 bits at least), yet it takes node 1's RSA-2048 import
# as it comes, stores the provider's decorations and exports it, while a
# client's import of the same kind on node 3 itself is refused
OV3="olcOverlay={2}truststore,olcDatabase={1}mdb,cn=config"
printf 'dn: %s\nchangetype: modify\nadd: olcTrustStoreMinRSABits\nolcTrustStoreMinRSABits: 4096\n' \
    "$OV3" | lconfig 3 >/dev/null || die "stricter policy on node 3"
mkcert strict; mkcert local
import 1 strict "$T/certs/strict.der" >/dev/null || die "import on node 1"
wait_sync 30 1 2 3
check "node 3 took the replicated RSA-2048 certificate" has_entry 3 "cn=strict,$BASE"
same_entries "replicated past a stricter policy: entries identical" 1 2 3
check "node 3 exports it" wait_for 10 in_export 3 "$T/certs/strict.der"
expect_ldap 19 "below the minimum of 4096" import 3 local "$T/certs/local.der"
printf 'dn: %s\nchangetype: modify\ndelete: olcTrustStoreMinRSABits\n' \
    "$OV3" | lconfig 3 >/dev/null || die "node 3 back to the default policy"

# a third import, on node 3 this time, to show writes flow from every node
import 3 three "$T/certs/three.der" >/dev/null || die "import on node 3"
wait_sync 30 1 2 3
same_entries "import on node 3: entries identical" 1 2 3
repl_overlay && same_exports "import on node 3: export files identical" 1 2 3
exit 0
