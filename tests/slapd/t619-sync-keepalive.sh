#!/bin/sh
# t619-sync-keepalive.sh - `ldaptrust sync --watch` leaves a server that
# keeps its connection but no longer answers, for the next URI of -H
#
# A stopped (SIGSTOP) or hung slapd looks like a quiet one: the kernel
# still answers TCP keepalives and completes new connects.  The follower
# asks the server after --keepalive seconds of silence; without an answer
# it reconnects, starting with the next URI, and follows that provider:
# a certificate imported there reaches the files while node 1 is stopped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 2
mkcert a; mkcert b
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
wait_sync 60 1 2 || die "nodes not in sync"
S="$T/s"
mkdir -p "$S"
synced() { holds_cert "$S/certs" "$1"; }
"$LDAPTRUST" -H "$(uri 1) $(uri 2)" -x -D "$SVC_DN" -w "$SVC_PW" -b "$BASE" \
    sync --dir "$S/certs" --watch --keepalive 1 -v > "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
check "the follower syncs a from node 1" wait_for 15 synced "$T/certs/a.der"

P1=$(cat "$T/n1/slapd.pid")
kill -STOP "$P1" || die "stop node 1"
import 2 b "$T/certs/b.der" >/dev/null || fail "import b on node 2"
check "with node 1 stopped, b imported on node 2 reaches the files" \
    wait_for 30 synced "$T/certs/b.der"
check "the follower said why it left node 1" \
    grep -q "sync: the server has not answered for [0-9]* seconds: reconnecting" "$T/follower.log"
kill -CONT "$P1"
check "the follower still runs" kill -0 "$FOLLOWER"
check "node 1 alive again" node_alive 1
kill "$FOLLOWER"
wait "$FOLLOWER"
check "SIGTERM: exit 0" test $? = 0
for v in x -1 86401; do
	expect_ldap 1 "--keepalive $v: a number of seconds" "$LDAPTRUST" \
	    -H "$(uri 2)" -x sync --dir "$S/certs" --watch --keepalive "$v"
done
exit 0
