#!/bin/sh
# t531-repl-delete-race.sh - a replicated modify that arrives while a local
# delete of its entry is under way is dropped (the delete wins, ts_repl.c)
# without harm to slapd.  slapd's syncrepl overlay, which runs before ours,
# finds the entry before the delete commits and swaps the modify's list
# for a copy in the operation's memory, to be swapped back by a response
# callback; the modify then waits at the entry's gate, finds the entry
# gone and is dropped.  Dropped without a result, the callback never ran
# and the consumer freed the copy with free(): slapd aborted (seen once in
# t780, "free(): invalid size").
#
# "While the delete is under way" is made certain, not left to timing:
# a bulky modify outside the store holds accesslog's lock on node 2's
# writes (its backend phase lasts ~100 ms), the delete enters its gate and
# waits for that lock, and only then is the entry modified on node 1.
# node 2's log (sync level) tells when each step got there, and whether
# the modify arrived before the delete took its CSN; a round where it did
# not is not counted.
TS_DEBUG=${TS_DEBUG:-stats,sync}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_cluster 2

# logline PATTERN: wait until node 2's log holds PATTERN; its line number
logline() {
	_end=$(( $(date +%s) + 10 * TS_SLOW ))
	while :; do
		_l=$(grep -n -m1 -F -- "$1" "$T/n2.log" | cut -d: -f1)
		[ -n "$_l" ] && { echo "$_l"; return 0; }
		[ "$(date +%s)" -lt $_end ] || return 1
		sleep 0.002
	done
}
# conn_of LINE: the connection number on node 2's log line LINE
conn_of() { sed -n "$1s/.* conn=\([0-9]*\) op=.*/\1/p" "$T/n2.log"; }

ROUNDS=${TS_T531_ROUNDS:-4}
r=0 hits=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	mkcert g$r -newkey ec -pkeyopt ec_paramgen_curve:P-256 >/dev/null
	import 1 g$r "$T/certs/g$r.der" > /dev/null || die "import g$r"
	printf 'dn: cn=bulk%s,ou=people,%s\nobjectClass: device\ncn: bulk%s\n\n' \
	    $r "$SUFFIX" $r | ladd 1 > /dev/null || die "add cn=bulk$r"
	wait_sync $((60 * TS_SLOW)) 1 2 || die "round $r: nodes not in sync"
	# 150,000 values of an indexed type: ~3.5 MB, under slapd's 4 MB limit
	seq -f "cn: bulk-value-%.0f" 1 150000 | {
		printf 'dn: cn=bulk%s,ou=people,%s\nchangetype: modify\nadd: cn\n' \
		    $r "$SUFFIX"
		cat
	} > "$T/bulk.ldif"
	printf 'dn: cn=g%s,%s\nchangetype: modify\nreplace: description\ndescription: changed on node 1\n\n' \
	    $r "$BASE" > "$T/mod.ldif"

	lmodify 2 -f "$T/bulk.ldif" > "$T/bulk.out" 2>&1 &
	bulk=$!
	l=$(logline "MOD dn=\"cn=bulk$r,") || die "round $r: no bulky modify"
	logline "slap_get_csn: conn=$(conn_of "$l") op=1 " > /dev/null ||
		die "round $r: the bulky modify never reached the backend"
	aldelete 2 "cn=g$r,$BASE" > "$T/del.out" 2>&1 &
	del=$!
	ldel=$(logline "DEL dn=\"cn=g$r,") || die "round $r: no delete"
	almodify 1 -f "$T/mod.ldif" > "$T/mod.out" 2>&1 ||
		fail "round $r: the modify on node 1 (rc $?)"
	wait $bulk || fail "round $r: the bulky modify on node 2"
	wait $del || fail "round $r: the delete on node 2"
	if ! node_alive 2; then
		fail "round $r: node 2's slapd died"
		grep -h 'free()\|malloc\|corrupted' "$T/n2.log" >&2
		exit 1
	fi
	ldcsn=$(grep -n -m1 "slap_get_csn: conn=$(conn_of "$ldel") op=1 " \
	    "$T/n2.log" | cut -d: -f1)
	lmsg=$(awk -v a="$ldel" 'NR > a && /syncrepl_message_to_op: rid=001 tid/ {
	    print NR; exit }' "$T/n2.log")
	if [ -n "$lmsg" ] && [ -n "$ldcsn" ] && [ "$lmsg" -lt "$ldcsn" ]; then
		hits=$((hits + 1))
		echo "# round $r: the modify arrived while the delete waited"
		check "round $r: the replicated modify was dropped (delete wins)" \
		    grep -q "replicated modify of cn=g$r,$BASE, deleted here meanwhile" \
		    "$T/n2.log"
	else
		echo "# round $r: the modify came too late, not counted"
	fi
done
[ $hits -gt 0 ] || { echo "skip: the modify never arrived during the delete (slow machine?)"; exit 77; }
pass "$hits of $ROUNDS replicated modifies dropped while a delete of their entry was under way, node 2 alive"

# the consumer goes on, and both nodes agree: every gN deleted (delete wins)
import 1 after "$T/certs/g1.der" > /dev/null || fail "an import after the races"
wait_sync $((60 * TS_SLOW)) 1 2 || die "the nodes did not converge"
check "node 2 replicated the import made after the races" has_entry 2 "cn=after,$BASE"
k=0
while [ $k -lt $r ]; do
	k=$((k + 1))
	check "cn=g$k deleted on node 1" eval "! has_entry 1 cn=g$k,$BASE"
	check "cn=g$k deleted on node 2" eval "! has_entry 2 cn=g$k,$BASE"
done
same_entries "both nodes hold the same store" 1 2
same_exports "both nodes export the same files" 1 2
for n in 1 2; do check "node $n alive" node_alive $n; done
exit 0
