#!/bin/sh
# t546-repl-rename-relay.sh - two renames onto one alias during a
# partition (t545 round B), and later writes on the losing side that a
# peer hears through a third node first.  The third node, on the winner's
# side, turns the losing rename into a delete; when that delete was made
# below accesslog, nothing was logged, the third node relayed the later
# writes without it, the peer's cookie moved past the rename, the rename
# itself was then "CSN too old" there, and the renamed-away entry (and its
# trusted file) stayed on that node for good.  Now the delete is logged
# with the rename's CSN and relayed like any other change.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_netns "1" "2 3"
repl_cluster 3
mkcert b; mkcert c; for i in 1 2 3 4 5 6; do mkcert later$i; done
import 1 b "$T/certs/b.der" >/dev/null && import 1 c "$T/certs/c.der" >/dev/null || die imports
wait_sync 60 1 2 3
repl_cut
expect_ldap 0 "" almodrdn 1 -r "cn=b,$BASE" cn=x
sleep 0.01
expect_ldap 0 "" almodrdn 2 -r "cn=c,$BASE" cn=x
sleep 0.01
for i in 1 2 3 4 5 6; do expect_ldap 0 "" import 1 later$i "$T/certs/later$i.der"; done
# node 2 hears node 1 only through node 3 for a while (a partial
# partition; in t545 it is node 2's consumer of node 1 reconnecting last)
_net=$(echo "$TS_HOST_1" | cut -d. -f1-2)
ip -n "$NS_B" rule add from "$_net.0.2" to "$_net.0.1" blackhole || die "ip rule"
repl_heal
wait_for 60 has_entry 2 "cn=later6,$BASE" || fail "node 2 did not get node 1's later writes through node 3"
ip -n "$NS_B" rule del from "$_net.0.2" to "$_net.0.1" blackhole || die "ip rule del"
wait_sync 60 1 2 3
sleep 3
for k in 1 2 3; do
	check "node $k: cn=b gone (renamed away on node 1)" eval "! has_entry $k cn=b,$BASE"
done
same_entries "entries identical" 1 2 3
same_exports "exports identical" 1 2 3
