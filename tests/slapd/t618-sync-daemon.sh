#!/bin/sh
# t618-sync-daemon.sh - `ldaptrust sync --watch` as a service: one per
# state, signals, and files mended behind its back
#
#   - a second sync on the same directory (--watch or one-shot, with its
#     own --state too) refuses, exit 1, and changes nothing: two would
#     undo each other's files;
#   - SIGHUP does not end it (systemd does not restart a service that
#     SIGHUP ended): it reads the files again, mends them, and reconnects;
#   - the directory removed while it runs is made again, with its
#     state (which was never saved again, said every few seconds);
#   - SIGTERM ends it cleanly, exit 0, the files whole and the state saved;
#   - a file removed while it was stopped is back after its next start,
#     although nothing changed on the server.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 1
mkcert a; mkcert b
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
S="$T/s"
mkdir -p "$S"
# synced DERFILE: the synced directory holds that certificate
synced() { holds_cert "$S/certs" "$1"; }
follower_start() {
	$LT sync --dir "$S/certs" --bundle "$S/bundle.pem" --watch -v \
	    >> "$T/follower.log" 2>&1 &
	FOLLOWER=$!
	_ts_pids="$_ts_pids $FOLLOWER"
}
# stop_follower SIG: send SIG, wait (10 s at most) and set rc to its status
stop_follower() {
	kill -"$1" "$FOLLOWER"
	( sleep 10; kill -9 "$FOLLOWER" 2>/dev/null ) &
	_wd=$!
	wait "$FOLLOWER"; rc=$?
	kill "$_wd" 2>/dev/null
}
follower_start
check "the follower syncs a" wait_for 15 synced "$T/certs/a.der"
ha=$(openssl x509 -in "$T/certs/a.pem" -noout -subject_hash)

# a second one on the same directory
ls -l --time-style=+%s.%N "$S/certs" > "$T/ls1"
expect_ldap 1 "another ldaptrust sync holds this state" \
    timeout 10 $LT sync --dir "$S/certs" --bundle "$T/other.pem" --watch
expect_ldap 1 "another ldaptrust sync holds this state" \
    $LT sync --dir "$S/certs"
expect_ldap 1 "another ldaptrust sync writes this directory" \
    $LT sync --dir "$S/certs" --state "$T/other.state"
check "it changed nothing" eval 'ls -l --time-style=+%s.%N "$S/certs" | cmp -s - "$T/ls1"'
check "nor wrote its bundle" test ! -e "$T/other.pem"

# SIGHUP: still there, the files read again and mended
rm -f "$S/certs/$ha.0"
kill -HUP "$FOLLOWER"
sleep 0.5
check "SIGHUP: the follower is still running" kill -0 "$FOLLOWER"
check "SIGHUP: the removed file is back" wait_for 10 test -f "$S/certs/$ha.0"
import 1 b "$T/certs/b.der" >/dev/null || die "import b"
check "SIGHUP: changes still flow" wait_for 15 synced "$T/certs/b.der"

# the directory removed while it runs: made again, its state too
rm -rf "$S/certs"
mkcert c
import 1 c "$T/certs/c.der" >/dev/null || die "import c"
check "directory removed: c synced into a new one" wait_for 15 synced "$T/certs/c.der"
check "directory removed: the state is saved again" \
    wait_for 10 test -s "$S/certs/.ldaptrust-sync/state"
check "directory removed: no failure to save the state" \
    not grep -q "cannot save" "$T/follower.log"

# SIGTERM: a clean stop
stop_follower TERM
check "SIGTERM: exit 0 (got $rc)" test "$rc" = 0
# the writers' temporaries: .tsexport-* (files), state.tmp (the state);
# names only (a listing's headers hold the path, which may hold "tmp")
check "SIGTERM: no temporary file left" test -z "$(find "$S" -mindepth 1 \
    \( -name '.tsexport-*' -o -name '*.tmp' \) -printf '%f\n')"
check "SIGTERM: the state holds the cookie" grep -q '^cookie ' "$S/certs/.ldaptrust-sync/state"

# removed while stopped, nothing new on the server: back at the start
rm -f "$S/certs/$ha.0"
follower_start
check "restarted: the removed file is back" wait_for 10 test -f "$S/certs/$ha.0"
check "restarted: the follower is running" kill -0 "$FOLLOWER"
# (a background job of sh starts with SIGINT ignored: set anyway)
stop_follower INT
check "SIGINT: exit 0 (got $rc)" test "$rc" = 0
expect_ldap 0 "" $LT sync --dir "$S/certs" --bundle "$S/bundle.pem"
exit 0
