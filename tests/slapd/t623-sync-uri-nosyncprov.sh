#!/bin/sh
# t623-sync-uri-nosyncprov.sh - `ldaptrust sync --watch` given several
# URIs does not give up at the first server without syncprov (a replica
# or an LDAP proxy listed first): it moves on to the next URI and follows
# the provider there; only when every URI in a row has refused Content
# Synchronization does it exit with 12.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 1
mkcert a; mkcert b
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
# node 2: a back-ldap proxy of node 1, which does not pass the Sync control
d="$T/n2"
mkdir -p "$d"
printf '%s\n' "include /etc/ldap/schema/core.schema" "pidfile $d/slapd.pid" \
    "modulepath /usr/lib/ldap" "moduleload back_ldap" "database ldap" \
    "suffix \"$SUFFIX\"" "uri \"$(uri 1)\"" > "$d/slapd.conf"
echo "-f $d/slapd.conf" > "$d/confarg"
node_start 2

S="$T/s"
mkdir -p "$S"
synced() { holds_cert "$S/certs" "$1"; }
"$LDAPTRUST" -H "$(uri 2) $(uri 1)" -x -D "$SVC_DN" -w "$SVC_PW" -b "$BASE" \
    sync --dir "$S/certs" --watch -v > "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
check "the proxy listed first: a synced from node 1" \
    wait_for 20 synced "$T/certs/a.der"
check "the proxy's refusal was said" grep -q \
    "the server does not offer Content Synchronization" "$T/follower.log"
check "the follower still runs" kill -0 "$FOLLOWER"
import 1 b "$T/certs/b.der" >/dev/null || fail "import b"
check "and follows node 1's changes" wait_for 15 synced "$T/certs/b.der"
kill "$FOLLOWER"
wait "$FOLLOWER"
check "SIGTERM: exit 0" test $? = 0

# every URI refuses: 12, not a loop for ever
mkdir -p "$T/w"
expect_ldap 12 "the server does not offer Content Synchronization" \
    timeout 30 "$LDAPTRUST" -H "$(uri 2) $(uri 2)" -x -D "$SVC_DN" \
    -w "$SVC_PW" -b "$BASE" sync --dir "$T/w/certs" --watch
exit 0
