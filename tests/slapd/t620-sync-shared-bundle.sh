#!/bin/sh
# t620-sync-shared-bundle.sh - one `ldaptrust sync` per bundle
#
# Two syncs with different directories (so different states and directory
# locks) given one --bundle each rewrote it from their own state: the
# second one's bundle, made from an older or another server's view, could
# put back a certificate the first had taken out.  Now the bundle is
# locked too (through FILE.sync-state.lock, the lock of its default
# state): a second sync naming it exits 1 and changes nothing, whether
# it has a directory of its own, or the bundle alone.  The lock is not
# taken twice by one sync whose --state is the bundle's default.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 1
mkcert a; mkcert b
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
P="$T/shared.pem"
$LT sync --dir "$T/a" --bundle "$P" --watch -v >> "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
bundled() { grep -q "^# $1\$" "$P" 2>/dev/null; }
check "the follower writes the bundle" wait_for 15 bundled a

ls -l --time-style=+%s.%N "$P" > "$T/ls1"
expect_ldap 1 "another ldaptrust sync writes this bundle" \
    $LT sync --dir "$T/b" --bundle "$P"
expect_ldap 1 "another ldaptrust sync writes this bundle" \
    timeout 10 $LT sync --dir "$T/c" --bundle "$P" --watch
expect_ldap 1 "another ldaptrust sync" $LT sync --bundle "$P"
# another spelling of the same file: a link to it, a path through a link
ln -s shared.pem "$T/link.pem"
ln -s . "$T/here"
expect_ldap 1 "another ldaptrust sync writes this bundle" \
    $LT sync --dir "$T/d" --bundle "$T/link.pem"
expect_ldap 1 "another ldaptrust sync writes this bundle" \
    $LT sync --dir "$T/e" --bundle "$T/here/shared.pem"
check "the bundle was not touched" \
    eval 'ls -l --time-style=+%s.%N "$P" | cmp -s - "$T/ls1"'
check "nor the second one's directory written" \
    test -z "$(ls "$T/b" 2>/dev/null)"

# the follower goes on owning it
import 1 b "$T/certs/b.der" >/dev/null || fail "import b"
check "the follower still follows" wait_for 15 bundled b
kill "$FOLLOWER"; wait "$FOLLOWER" 2>/dev/null

# once it has stopped the bundle is free; and a state that is the
# bundle's default is one lock, not two that refuse each other
expect_ldap 0 "" $LT sync --dir "$T/b" --bundle "$P"
expect_ldap 0 "" $LT sync --bundle "$T/x.pem" --state "$T/x.pem.sync-state"
expect_ldap 0 "" $LT sync --bundle "$T/x.pem"
check "that bundle holds both" eval 'grep -q "^# a$" "$T/x.pem" && grep -q "^# b$" "$T/x.pem"'
