#!/bin/sh
# t344-client-monitoring.sh - expiring and status as monitoring plugins:
# every exit 3 says "UNKNOWN: REASON" on the first line of standard
# output (Nagios and Icinga show that line), or with --json prints one
# JSON document {"status":"unknown","reason":...}; the details stay on
# standard error.  Before, a server that was down, a wrong password or a
# missing base left standard output empty; a usage error (an -H that
# does not parse) says what it is on that line.  -o timeout=N (ldap.conf
# TIMEOUT) ends a check against a server that accepts the connection and
# never answers.  --days and list --expiring say their range (0 to 36500).
. "$(dirname "$0")/lib.sh"
ts_init
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

client_node

# run CMD...: its exit status in $rc, stdout in $T/out, stderr in $T/err
run() { "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?; }
first() { head -n 1 "$T/out"; }
# unknown DESC REASON: exit 3, "UNKNOWN: ...REASON..." the first line of
# stdout and the only one
unknown() {
	check "$1: exit 3" test "$rc" = 3
	check "$1: UNKNOWN line" contains "UNKNOWN: " "$(first)"
	check "$1: UNKNOWN first" test "$(first | cut -c1-9)" = "UNKNOWN: "
	check "$1: the reason ($2)" contains "$2" "$(first)"
	check "$1: one line" test "$(wc -l < "$T/out")" = 1
}
# unknown_json DESC REASON: exit 3 and one JSON document, status unknown
# (slurped: jq 1.6 -e passes an empty input)
js() { jq -s -e "length == 1 and (.[0] | $1)" "$T/out" >/dev/null; }
jr() { jq -s -e --arg r "$1" 'length == 1 and (.[0].reason | contains($r))' \
    "$T/out" >/dev/null; }
unknown_json() {
	check "$1: exit 3" test "$rc" = 3
	check "$1: one JSON document" test "$(jq -s length < "$T/out")" = 1
	check "$1: status unknown" js '.status == "unknown" and
	    (.reason | type) == "string"'
	check "$1: the reason ($2)" jr "$2"
}
down=ldap://127.0.0.1:$(port 9)/

# a server that is down: the diagnostics on stderr as before
for cmd in expiring status; do
	run "$LDAPTRUST" -x -H "$down" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" $cmd
	unknown "$cmd, server down" "Can't contact LDAP server (-1)"
	check "$cmd, server down: names the bind and the server" \
	    contains "bind as \"$ROOTDN\" to ldap://127.0.0.1:$(port 9)" "$(first)"
	check "$cmd, server down: stderr as before" contains \
	    "ldaptrust: bind as \"$ROOTDN\": Can't contact LDAP server (-1)" \
	    "$(cat "$T/err")"
	run "$LDAPTRUST" -x -H "$down" -b "$BASE" $cmd --json
	unknown_json "$cmd --json, server down" "Can't contact LDAP server"
	check "$cmd --json, server down: anonymous bind" \
	    js '.reason | startswith("anonymous bind to ")'
	check "$cmd --json, server down: stderr as before" contains \
	    "Can't contact LDAP server" "$(cat "$T/err")"
done

# a wrong password
for cmd in expiring status; do
	run "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -b "$BASE" $cmd
	unknown "$cmd, wrong password" "Invalid credentials (49)"
	run "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -b "$BASE" $cmd --json
	unknown_json "$cmd --json, wrong password" "Invalid credentials (49)"
done

# a base that is not there: expiring's search fails (stderr still gives
# the hint); status reads cn=Monitor, which this node does not have
run lt -b "ou=nope,$SUFFIX" expiring
unknown "expiring, missing base" "search ou=nope,$SUFFIX: No such object (32)"
check "expiring, missing base: the hint on stderr" contains "check -b" \
    "$(cat "$T/err")"
run lt -b "ou=nope,$SUFFIX" expiring --json
unknown_json "expiring --json, missing base" "No such object (32)"
# no monitor entry: the text status line as before, JSON with a reason
run lt status
unknown "status, no monitor entry" "no cn=Monitor entry for $BASE"
run lt status --json
unknown_json "status --json, no monitor entry" "no cn=Monitor entry for $BASE"
check "status --json, no monitor entry: stderr as before" contains \
    "no cn=Monitor entry" "$(cat "$T/err")"

# usage errors are 3 too, wherever the bad option stands; --help is not
run lt expiring --days 100000
unknown "--days 100000" "--days 100000: 0 to 36500 days"
check "--days 100000: said on stderr" contains \
    "expiring: --days 100000: 0 to 36500 days" "$(cat "$T/err")"
run lt expiring --days 100000 --json
unknown_json "--days 100000 --json" "--days 100000: 0 to 36500 days"
run lt expiring --days -1
unknown "--days -1" "--days -1: 0 to 36500 days"
run lt expiring --days soon
unknown "--days soon" "--days soon: a number of days is needed"
expect_ldap 0 "OK: no certificate expires within 36500 days" lt expiring --days 36500
expect_ldap 1 "--expiring 100000: 0 to 36500 days" lt list --expiring 100000
check "expiring --help: the range" contains "at most 36500" \
    "$("$LDAPTRUST" expiring --help)"
check "list --help: the range" contains "at most 36500" \
    "$("$LDAPTRUST" list --help)"
run "$LDAPTRUST" -x -H "$(uri 1)" -P 2 -b "$BASE" expiring
unknown "-P 2 before expiring" "usage error"
check "-P 2 before expiring: stderr as before" contains "-P 2: only LDAP version 3" \
    "$(cat "$T/err")"
# an -H that does not parse: the URI and why on the line itself (it said
# only "the connection options or the password could not be used")
run "$LDAPTRUST" -x -H foo://x -b "$BASE" expiring
unknown "expiring -H foo://x" \
    "-H foo://x: could not parse the LDAP URI(s): the scheme is not ldap://, ldaps:// or ldapi:// (URL error 3)"
run "$LDAPTRUST" -x -H "$(uri 1),ldap://[::1" -b "$BASE" status --json
unknown_json "status --json, -H with a bad second URI" \
    "could not parse the LDAP URI(s): ldap://[::1: "
run lt status --bogus --json
unknown_json "status --bogus --json" "usage error"
run lt status extra
unknown "status extra" "unexpected argument 'extra'"
for cmd in expiring status; do
	run lt $cmd --help
	check "$cmd --help: exit 0" test "$rc" = 0
	check "$cmd --help: no UNKNOWN line" not grep -q '^UNKNOWN:' "$T/out"
	check "$cmd --help: the usage first" contains "usage: " "$(first)"
done
# list is no plugin: its errors say nothing on stdout
run "$LDAPTRUST" -x -H "$down" -b "$BASE" list
check "list, server down: nothing on stdout" test ! -s "$T/out"

# a slapd that accepts the connection and never answers: -o timeout=N
# (TIMEOUT in ldap.conf) ends the check; nettimeout alone bounds only
# the connect, which succeeds here
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $(port 8))); s.listen(5); open('$T/hung', 'w').close()
time.sleep(120)" &
_ts_pids="$_ts_pids $!"
hung_pid=$!
i=0
while [ ! -e "$T/hung" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || die "hung listener"; sleep 0.1
done
hung=ldap://127.0.0.1:$(port 8)/
for cmd in expiring status; do
	start=$(date +%s)
	# timeout(1) only keeps a hang from hanging the test
	run timeout 30 "$LDAPTRUST" -x -H "$hung" -o nettimeout=2 -o timeout=2 \
	    -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" $cmd
	secs=$(( $(date +%s) - start ))
	unknown "$cmd, hung server, -o timeout=2" "Timed out (-5)"
	check "$cmd, hung server: ended within 10 s ($secs s)" test "$secs" -lt 10
	run timeout 30 "$LDAPTRUST" -x -H "$hung" -o timeout=2 -b "$BASE" $cmd --json
	unknown_json "$cmd --json, hung server, -o timeout=2" "Timed out (-5)"
done
kill "$hung_pid" 2>/dev/null
exit 0
