#!/bin/sh
# t540-repl-partition.sh - node 3 is cut off from nodes 1 and 2 by a
# network partition (two network namespaces, one veth link, taken down);
# both sides keep writing; after the link comes back all three nodes
# converge, entries and export files alike.  Every acknowledged write must
# be visible afterwards unless the conflict rule replaced it, and the test
# lists the ones it replaced.  In one partition, both sides write:
#   - the same alias imported on both sides (the later wins);
#   - one certificate replaced differently on both sides (the later wins);
#   - one attribute modified on both sides (the later wins);
#   - a modify on one side, a delete on the other, both ways round (the
#     delete wins; slapd 2.5 alone diverges here, its fallback refresh
#     racing the other replays: the overlay's rules avoid the refresh).
# And writes without conflict on both sides.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_netns "1 2" "3"
repl_cluster 3

for c in m k c c1 c3 b1 b3 p1 p2 q1 q2 n; do mkcert r1$c; done

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
val() { lsearch 1 -b "cn=$1,$BASE" -s base "$2" 2>/dev/null | sed -n "s/^$2:: *//p;s/^$2: *//p"; }
is_cert() { [ "$(val "$1" 'userCertificate;binary')" = "$(base64 -w0 < "$T/certs/$2.der")" ]; }
gone() { ! has_entry 1 "cn=$1,$BASE"; }

# outcome R: after healing round R, every acknowledged write is either
# kept (SURVIVED, a shell test per write) or replaced by the conflict rule
# (REPLACED); prints the list; returns 1 when something was lost
outcome() {
	echo "# round $1, outcome of every acknowledged write:"
	_lost=0 _save=$IFS
	IFS='|'
	for _w in $ACKED; do
		[ -n "$_w" ] || continue
		IFS=$_save
		if survived "$_w"; then
			echo "#   kept:     $_w"
		elif replaced_ok "$_w"; then
			echo "#   replaced: $_w (conflict rule)"
		else
			echo "#   LOST:     $_w"
			_lost=1
		fi
		IFS='|'
	done
	IFS=$_save
	ACKED=""
	return $_lost
}
# converged DESC: entries and export files identical on all nodes
converged() {
	wait_sync 90 1 2 3 || return 1
	wait_for 10 eval "entries 1 > '$T/c.1'; entries 3 > '$T/c.3'; cmp -s '$T/c.1' '$T/c.3'"
	entries 2 > "$T/c.2"
	cmp -s "$T/c.1" "$T/c.3" && cmp -s "$T/c.1" "$T/c.2" || return 1
	repl_overlay || return 0
	# the files follow the entries a round of exports later (paced)
	wait_for 20 exports_agree 1 2 3
}
# partition_check R: the partition is real (node 2 saw node 1's write of
# round R, node 3 did not; node 1 did not see node 3's)
partition_check() {
	check "round $1: node 2 has node 1's import during the partition" \
	    wait_for 10 has_entry 2 "cn=r${1}p1,$BASE"
	check "round $1: node 3 lacks node 1's import during the partition" \
	    eval "! has_entry 3 'cn=r${1}p1,$BASE'"
	check "round $1: node 1 lacks node 3's import during the partition" \
	    eval "! has_entry 1 'cn=r${1}q1,$BASE'"
}
# no_conflict_writes R SIDE: writes that conflict with nothing
no_conflict_writes() {
	case $2 in
	a) ack "node 1 imports r${1}p1" import 1 r${1}p1 "$T/certs/r${1}p1.der"
	   ack "node 2 imports r${1}p2" import 2 r${1}p2 "$T/certs/r${1}p2.der" ;;
	b) ack "node 3 imports r${1}q1" import 3 r${1}q1 "$T/certs/r${1}q1.der"
	   ack "node 3 imports r${1}q2" import 3 r${1}q2 "$T/certs/r${1}q2.der" ;;
	esac
}
survived() {
	case $1 in
	"node "?" imports r"??[12]) has_entry 1 "cn=${1##* },$BASE" ;;
	*"alias "*"b (cert "*)
		_r=${1#*alias r}; _r=${_r%%b *}; _c=${1##*cert }; _c=${_c%)}
		is_cert r${_r}b "$_c" ;;
	*"sets r"*"k's description")
		_r=${1#*sets r}; _r=${_r%%k*}
		[ "$(val r${_r}k description)" = "${1%% sets*}" ] ;;
	*"replaces r"*"c's certificate with "*)
		_r=${1#*replaces r}; _r=${_r%%c*}
		is_cert r${_r}c "${1##* }" ;;
	*" modifies r"*) ! gone "${1##* }" ;;
	*" deletes r"*) gone "${1##* }" ;;
	*) return 1 ;;
	esac
}
# the writes the conflict rule replaces: the earlier side of each conflict
replaced_ok() {
	case $1 in
	"node 1 imports alias r"?"b (cert r"?"b1)"|"node 2 sets r"?"k's description"|\
	"node 1 replaces r"?"c's certificate with r"?"c1"|*" modifies r"*) return 0 ;;
	esac
	return 1
}

# conflicts_1 R / conflicts_2 R: the conflicting writes, the earlier side
# first so that "later" is certain
conflicts_1_early() {
	ack "node 1 imports alias r${1}b (cert r${1}b1)" import 1 r${1}b "$T/certs/r${1}b1.der"
	ack "node 2 sets r${1}k's description" eval "desc_ldif r${1}k 'node 2' | almodify 2"
	ack "node 1 replaces r${1}c's certificate with r${1}c1" \
	    eval "cert_mod_ldif r${1}c '$T/certs/r${1}c1.der' | almodify 1"
}
conflicts_1_late() {
	ack "node 3 imports alias r${1}b (cert r${1}b3)" import 3 r${1}b "$T/certs/r${1}b3.der"
	ack "node 3 sets r${1}k's description" eval "desc_ldif r${1}k 'node 3' | almodify 3"
	ack "node 3 replaces r${1}c's certificate with r${1}c3" \
	    eval "cert_mod_ldif r${1}c '$T/certs/r${1}c3.der' | almodify 3"
}
conflicts_2_early() {
	ack "node 2 modifies r${1}m" eval "desc_ldif r${1}m 'node 2' | almodify 2"
	ack "node 3 modifies r${1}n" eval "desc_ldif r${1}n 'node 3' | almodify 3"
}
conflicts_2_late() {
	ack "node 3 deletes r${1}m" aldelete 3 "cn=r${1}m,$BASE"
	ack "node 1 deletes r${1}n" aldelete 1 "cn=r${1}n,$BASE"
}
# round R KIND...: set up, cut, write, heal, judge
round() {
	_r=$1; shift
	for _a in m k c n; do
		import 1 r$_r$_a "$T/certs/r$_r$_a.der" >/dev/null || die "import r$_r$_a"
	done
	wait_sync 60 1 2 3 || die "round $_r: not in sync before the cut"
	repl_cut
	no_conflict_writes $_r a
	no_conflict_writes $_r b
	for _k in "$@"; do conflicts_${_k}_early $_r; done
	sleep 0.01
	for _k in "$@"; do conflicts_${_k}_late $_r; done
	partition_check $_r
	repl_heal
}

# one partition with every kind of conflict at once, plus writes without
# conflict on both sides (t530 takes the conflicts one by one)
round 1 1 2
converged && pass "nodes converged, entries and files" || {
	fail "nodes did not converge"
	for k in 1 2 3; do
		echo "# node $k: $(lsearch $k -b "$BASE" '(cn=r1*)' 1.1 | grep '^dn:' | sed 's/,ou=certs.*//' | tr '\n' ' ')"
	done
}
outcome 1 && pass "nothing acknowledged lost but what the conflict rule replaced" ||
	fail "an acknowledged write was lost"
check "alias r1b holds the later import" is_cert r1b r1b3
check "r1c holds the later replacement" is_cert r1c r1c3
check "r1k holds the later description" test "$(val r1k description)" = "node 3"
check "the deletes won over the modifies" eval "gone r1m && gone r1n"
if repl_overlay; then
	check "node 3 exports r1c3, not r1c1" \
	    eval "in_export 3 '$T/certs/r1c3.der' && ! in_export 3 '$T/certs/r1c1.der'"
	check "node 1 exports r1b3, not r1b1" \
	    eval "in_export 1 '$T/certs/r1b3.der' && ! in_export 1 '$T/certs/r1b1.der'"
	check "node 2 exports neither r1m nor r1n" \
	    eval "! in_export 2 '$T/certs/r1m.der' && ! in_export 2 '$T/certs/r1n.der'"
fi
exit 0
