#!/bin/sh
# t622-sync-state-owner: `ldaptrust sync` trusts a state file only when
# it is a regular file of its own user's (or root's) that no one else may
# write.  The state says which certificates the files hold and the cookie
# from which the server sends only changes: user nobody plants, beside a
# bundle in a sticky world-writable spool, a state holding a cookie the
# server takes and a certificate of its own under an entryUUID the server
# never mentions.  Before, the sync (root) resumed from it and wrote
# nobody's certificate into the bundle, trusted by every reader of it.
# Now such a state is ignored with a warning and the sync starts afresh.
# A damaged state of its own (an overlong entryUUID) is forgotten the
# same way; it crashed the sync before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
need_nobody

repl_cluster 1
mkcert a
mkcert evil
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
S="$T/spool"
mkdir -p "$S"
chmod 755 "$T"
chmod 1777 "$S"

# a state of root's own: a cookie the server takes (nobody could guess
# one: a CSN is a time)
$LT sync --bundle "$T/own.pem" > "$T/own.log" 2>&1 || die "first sync: $(cat "$T/own.log")"
cookie=$(grep '^cookie ' "$T/own.pem.sync-state") || die "no cookie in the state"
magic=$(head -n 1 "$T/own.pem.sync-state")
hex() { od -An -v -tx1 | tr -d ' \n'; }
printf '%s\n%s\nentry %s %s %s\n' "$magic" "$cookie" \
    0123456789abcdef0123456789abcdef "$(printf evil | hex)" \
    "$(hex < "$T/certs/evil.der")" > "$T/planted"
chmod 644 "$T/planted"
as_nobody sh -c "cat '$T/planted' > '$S/b.pem.sync-state'" || die "nobody's state"
check "the planted state is nobody's" test "$(stat -c %U "$S/b.pem.sync-state")" = nobody

$LT sync --bundle "$S/b.pem" > "$T/b.log" 2>&1
check "the sync succeeds" test $? = 0
check "it says why it starts afresh" grep -qF "b.pem.sync-state: not a file of this user's" "$T/b.log"
check "the bundle holds a" grep -q '^# a$' "$S/b.pem"
check "the bundle does not hold nobody's certificate" not grep -q '^# evil$' "$S/b.pem"

# a state of root's that others may write is not trusted either
cp "$T/planted" "$T/c.pem.sync-state"
chmod 666 "$T/c.pem.sync-state"
$LT sync --bundle "$T/c.pem" > "$T/c.log" 2>&1
check "a world-writable state: the sync succeeds" test $? = 0
check "a world-writable state: not trusted" not grep -q '^# evil$' "$T/c.pem"
# and root's own 0600 state is still taken
cp "$T/planted" "$T/d.pem.sync-state"
chmod 600 "$T/d.pem.sync-state"
$LT sync --bundle "$T/d.pem" > "$T/d.log" 2>&1
check "root's own state is still read (resumed from its cookie)" grep -q '^# evil$' "$T/d.pem"

# a damaged state of root's own (a disk fault, an editor): an entryUUID
# longer than 16 bytes was decoded into a 16-byte buffer on the stack
# before its length was checked, and the sync crashed
printf '%s\nentry %s %s %s\n' "$magic" "$(printf '%0400d' 0)" \
    "$(printf evil | hex)" "$(hex < "$T/certs/evil.der")" > "$T/e.pem.sync-state"
chmod 600 "$T/e.pem.sync-state"
$LT sync --bundle "$T/e.pem" > "$T/e.log" 2>&1
check "a state with an overlong entryUUID: the sync succeeds" test $? = 0
check "it is said to be damaged" grep -qF "e.pem.sync-state is damaged; starting afresh" "$T/e.log"
check "and the bundle holds the store" grep -q '^# a$' "$T/e.pem"
# a lock file nobody made, and holds, beside a bundle in the spool: said
# as nobody's, not passed off as another sync at work
as_nobody sh -c "umask 0; : > '$S/l.pem.sync-state.lock'" || die "nobody's lock"
as_nobody flock "$S/l.pem.sync-state.lock" sleep 30 &
holder=$!
sleep 0.5
$LT sync --bundle "$S/l.pem" > "$T/l.log" 2>&1
check "nobody's lock file: the sync stops (exit 1)" test $? = 1
check "it names the lock file as another user's" \
    grep -qF "l.pem.sync-state.lock: a lock file of another user's" "$T/l.log"
check "not as another sync" not grep -qF "another ldaptrust sync" "$T/l.log"
check "no bundle written" test ! -e "$S/l.pem"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
node_alive 1 && pass "slapd still running"
