#!/bin/sh
# t621-sync-stale-tmp.sh - temporaries a crash left beside a bundle go,
# even when their PID runs again
#
# The bundle's directory may be shared, so a reading of it removes only
# the temporaries (.tsexport-<pid>-...) of writers that no longer run.
# A PID comes back, though: a slapd or a follower restarted in a
# container usually gets its old one, and another process may hold it.
# Such temporaries stayed for good (a bundle's size each).  Now one with
# the reader's own PID made before it started, and one older than an
# hour, go too; a fresh one of a live process is left to its writer.
# The reading here is a follower's SIGHUP (slapd reads at start-up and
# at a re-read, through the same library).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 1
mkcert a
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
F="$T/f"
mkdir -p "$F"
before=$(date +%s)
sleep 1
$LT sync --bundle "$F/bundle.pem" --watch -v >> "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
bundled() { grep -q "^# $1\$" "$F/bundle.pem" 2>/dev/null; }
check "the follower writes the bundle" wait_for 15 bundled a

# its own PID, from before it started (a crashed run's)
own="$F/.tsexport-$FOLLOWER-0-1"
echo partial > "$own"; touch -d "@$before" "$own"
# a live PID (init's), two hours old, and the same one fresh
old="$F/.tsexport-1-0-1"; fresh="$F/.tsexport-1-0-2"
echo partial > "$old"; touch -d '2 hours ago' "$old"
echo partial > "$fresh"
kill -HUP "$FOLLOWER"
gone() { [ ! -e "$1" ]; }
check "a temporary with the follower's PID from before its start goes" \
    wait_for 10 gone "$own"
check "one two hours old goes, though its PID runs" gone "$old"
check "a fresh one of a running process stays" test -e "$fresh"
check "the follower still runs" kill -0 "$FOLLOWER"
check "the bundle is whole" bundled a
