#!/bin/sh
# t560-repl-add-node.sh - docs/replication.md "Adding a node", followed
# step by step: a fourth provider joins a running three-node cluster that
# already holds certificates; it receives the whole store, exports it, and
# its own writes reach the others.  Then a read-only replica
# (ldif/41-replica.ldif) follows the cluster and refers writes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
repl_cluster 3
for c in a b c d; do mkcert $c; done
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
import 2 b "$T/certs/b.der" >/dev/null || die "import b"
wait_sync 60 1 2 3

# step 1-2: the new node gets modules, schema, database, indexes, access
repl_boot 4
repl_store 4
# step 3: the cluster learns the new node's server ID and replicates from
# it; the new node gets the same, with every peer (ldif/42-add-node.ldif
# shows the change for node 4)
for k in 1 2 3; do
	repl_apply $k "$LDIF/42-add-node.ldif"
done
repl_apply 4 "$LDIF/42-add-node.ldif" "$LDIF/40-multiprovider.ldif"
# step 4: the overlay last, then one restart: the overlay brings the
# export files in line with what replication has brought so far when
# slapd starts
repl_apply 4 "$LDIF/50-overlay.ldif"
REPL_NODES="$REPL_NODES 4"
wait_sync 60 1 2 3 4
wait_for 30 has_entry 4 "cn=b,$BASE"
node_stop 4
node_start 4

wait_sync 60 1 2 3 4
check "node 4 received the store" wait_for 30 has_entry 4 "cn=b,$BASE"
same_entries "node 4 holds what the others hold" 1 2 3 4
check "node 4 exports what it received" wait_for 20 in_export 4 "$T/certs/a.der"
same_exports "node 4's export files equal node 1's" 1 2 3 4

import 4 c "$T/certs/c.der" >/dev/null || die "import on node 4"
wait_sync 60 1 2 3 4
for k in 1 2 3; do
	check "node 4's import reached node $k" has_entry $k "cn=c,$BASE"
done
aldelete 1 "cn=a,$BASE" || die "delete on node 1"
wait_sync 60 1 2 3 4
check "node 1's delete reached node 4" eval "! has_entry 4 'cn=a,$BASE'"
check "node 4 removed the file" wait_for 20 eval "! in_export 4 '$T/certs/a.der'"
same_entries "all four nodes agree" 1 2 3 4

# a read-only replica (node 5): consumer of node 1, refers writes to it
repl_boot 5
repl_store 5
repl_apply 5 "$LDIF/41-replica.ldif" "$LDIF/50-overlay.ldif"
check "the replica received the store" wait_for 30 has_entry 5 "cn=c,$BASE"
node_stop 5
node_start 5
same_entries "the replica holds what the providers hold" 1 5
check "the replica exports the store" wait_for 20 in_export 5 "$T/certs/c.der"
expect_ldap 10 "Referral" import 5 d "$T/certs/d.der"
check "the refused write changed nothing on the replica" \
    eval "! has_entry 5 'cn=d,$BASE'"
import 2 d "$T/certs/d.der" >/dev/null || die "import on node 2"
check "a write on node 2 reaches the replica through node 1" \
    wait_for 30 has_entry 5 "cn=d,$BASE"
check "and its file" wait_for 20 in_export 5 "$T/certs/d.der"
# changes reach the replica as whole entries (plain syncrepl): t568
printf 'dn: cn=c,%s\nchangetype: modify\nreplace: description\ndescription: seen on the replica\n' \
    "$BASE" | almodify 1 >/dev/null || die "modify on node 1"
desc_on_5() {
	lsearch 5 -b "cn=c,$BASE" -s base description 2>/dev/null |
		grep -qx "description: seen on the replica"
}
check "a modify on node 1 reaches the replica" wait_for 30 desc_on_5
aldelete 2 "cn=d,$BASE" || die "delete on node 2"
check "a delete on node 2 reaches the replica" \
    wait_for 30 eval "! has_entry 5 'cn=d,$BASE'"
check "and its file goes" wait_for 20 eval "! in_export 5 '$T/certs/d.der'"
exit 0
