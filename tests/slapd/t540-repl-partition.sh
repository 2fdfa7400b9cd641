#!/bin/sh
# t540-repl-partition.sh - node 3 is cut off from nodes 1 and 2 by a
# network partition (two network namespaces, one veth link, taken down);
# both sides keep writing; after the link comes back all three nodes
# converge, entries and export files alike.  Every acknowledged write must
# be visible afterwards unless the conflict rule replaced it, and the test
# lists the ones it replaced:
#   - the same alias imported on both sides: the later import wins;
#   - one certificate replaced differently on both sides: the later wins;
#   - one attribute modified on both sides: the later wins;
#   - a modify on one side, a delete on the other: the delete wins.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_netns "1 2" "3"
repl_cluster 3

for c in m k c c1 c3 b1 b3 p1 p2 q1 q2; do mkcert $c; done
for a in m k c; do
	import 1 $a "$T/certs/$a.der" >/dev/null || die "import $a"
done
wait_sync 60 1 2 3

# ack WHAT CMD...: run a write; it must be acknowledged (result 0)
ACKED=""
ack() {
	_what=$1; shift
	if "$@" > "$T/ack.out" 2>&1; then
		ACKED="$ACKED|$_what"
		pass "acknowledged: $_what"
	else
		cat "$T/ack.out" >&2
		fail "not acknowledged: $_what"
	fi
}
desc_ldif() {
	printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: description\ndescription: %s\n' \
	    "$1" "$BASE" "$2"
}
cert_mod_ldif() {
	printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	    "$1" "$BASE" "$2"
}

repl_cut
# the older side of each conflict first, so that "later" is certain
ack "node 1 imports p1"                 import 1 p1 "$T/certs/p1.der"
ack "node 3 imports q1"                 import 3 q1 "$T/certs/q1.der"
ack "node 1 imports alias b (cert b1)"  import 1 b "$T/certs/b1.der"
ack "node 2 sets k's description"       eval "desc_ldif k from-node-2 | almodify 2"
ack "node 1 replaces c's certificate with c1" \
    eval "cert_mod_ldif c '$T/certs/c1.der' | almodify 1"
ack "node 2 modifies m"                 eval "desc_ldif m from-node-2 | almodify 2"
sleep 0.01
ack "node 3 imports alias b (cert b3)"  import 3 b "$T/certs/b3.der"
ack "node 3 sets k's description"       eval "desc_ldif k from-node-3 | almodify 3"
ack "node 3 replaces c's certificate with c3" \
    eval "cert_mod_ldif c '$T/certs/c3.der' | almodify 3"
ack "node 3 deletes m"                  aldelete 3 "cn=m,$BASE"
ack "node 2 imports p2"                 import 2 p2 "$T/certs/p2.der"
ack "node 3 imports q2"                 import 3 q2 "$T/certs/q2.der"

# the partition is real: node 2 saw node 1's write, node 3 did not
check "during the partition node 2 has node 1's import" \
    wait_for 10 has_entry 2 "cn=p1,$BASE"
check "during the partition node 3 lacks node 1's import" \
    eval "! has_entry 3 'cn=p1,$BASE'"
check "during the partition node 1 lacks node 3's import" \
    eval "! has_entry 1 'cn=q1,$BASE'"

repl_heal
wait_sync 90 1 2 3 || die "no convergence after healing"
same_entries "after healing: entries identical on all nodes" 1 2 3
if repl_overlay; then
	wait_for 10 eval "same_exports x 1 2 3 >/dev/null 2>&1"
	same_exports "after healing: export files identical on all nodes" 1 2 3
fi

# what survived, seen from node 1 (all nodes are identical by now)
val() { lsearch 1 -b "cn=$1,$BASE" -s base "$2" 2>/dev/null | sed -n "s/^$2:: *//p;s/^$2: *//p"; }
is_cert() { [ "$(val "$1" 'userCertificate;binary')" = "$(base64 -w0 < "$T/certs/$2.der")" ]; }
survived() {
	case $1 in
	"node 1 imports p1") has_entry 1 "cn=p1,$BASE" ;;
	"node 2 imports p2") has_entry 1 "cn=p2,$BASE" ;;
	"node 3 imports q1") has_entry 1 "cn=q1,$BASE" ;;
	"node 3 imports q2") has_entry 1 "cn=q2,$BASE" ;;
	"node 1 imports alias b (cert b1)") is_cert b b1 ;;
	"node 3 imports alias b (cert b3)") is_cert b b3 ;;
	"node 2 sets k's description") [ "$(val k description)" = from-node-2 ] ;;
	"node 3 sets k's description") [ "$(val k description)" = from-node-3 ] ;;
	"node 1 replaces c's certificate with c1") is_cert c c1 ;;
	"node 3 replaces c's certificate with c3") is_cert c c3 ;;
	"node 2 modifies m") has_entry 1 "cn=m,$BASE" ;;
	"node 3 deletes m") ! has_entry 1 "cn=m,$BASE" ;;
	*) return 1 ;;
	esac
}
# the writes the conflict rule is expected to replace
replaced_ok() {
	case $1 in
	"node 1 imports alias b (cert b1)"|"node 2 sets k's description"|\
	"node 1 replaces c's certificate with c1"|"node 2 modifies m") return 0 ;;
	esac
	return 1
}
echo "# outcome of every acknowledged write:"
lost=0
IFS_SAVE=$IFS; IFS='|'
for w in $ACKED; do
	[ -n "$w" ] || continue
	IFS=$IFS_SAVE
	if survived "$w"; then
		echo "#   kept:     $w"
	elif replaced_ok "$w"; then
		echo "#   replaced: $w (conflict rule)"
	else
		echo "#   LOST:     $w" >&2
		lost=1
	fi
	IFS='|'
done
IFS=$IFS_SAVE
check "no acknowledged write lost except those the conflict rule replaced" test $lost = 0
check "alias b holds the later import (b3)" is_cert b b3
check "c holds the later replacement (c3)" is_cert c c3
if repl_overlay; then
	check "node 3 exports c3, not c1" in_export 3 "$T/certs/c3.der"
	check "node 1 no longer exports c1" eval "! in_export 1 '$T/certs/c1.der'"
	check "node 1 exports b3, not b1" eval "in_export 1 '$T/certs/b3.der' && ! in_export 1 '$T/certs/b1.der'"
fi
exit 0
