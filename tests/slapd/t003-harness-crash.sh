#!/bin/sh
# t003-harness-crash.sh - the harness fails a test whose slapd crashed
#
# A slapd that dies on a signal, mid-test or while it shuts down, may
# change no answer a test checks.  lib.sh collects every slapd's exit
# status (node_stop, and on exit for the rest) and fails the test on a
# signal death, unless the test killed that slapd on purpose
# (slapd_killed).  Each case below is a small test of its own, run here
# and judged by its exit status and what it printed.
. "$(dirname "$0")/lib.sh"
ts_init

# inner NAME BODY: a test script tNNN-NAME.sh sourcing lib.sh, then BODY
inner() {
	{
		echo '#!/bin/sh'
		echo ". \"$TOP/tests/slapd/lib.sh\""
		echo 'ts_init'
		echo 'node_conf 1'
		echo 'node_start 1'
		echo 'pid=$(cat "$T/n1/pid")'
		printf '%s\n' "$2"
	} > "$T/t$num-$1.sh"
	TS_TOP=$TOP sh "$T/t$num-$1.sh" > "$T/$1.out" 2>&1
}

inner segv 'kill -SEGV "$pid"; sleep 1; pass "the node was sent SIGSEGV"'
check "a slapd that dies on SIGSEGV mid-test fails the test" test $? != 0
check "... and the failure names the signal" \
    grep -q "slapd [0-9]* ended on signal 11 (exit status 139)" "$T/segv.out"

inner abrt 'kill -ABRT "$pid"; sleep 1; node_stop 1; echo "stopped"'
check "node_stop fails on a slapd that died on SIGABRT" test $? != 0
check "... and says so when it stops the node, once" \
    test "$(grep -c "ended on signal 6" "$T/abrt.out")" = 1

inner clean 'node_stop 1; node_start 1; pass "restarted"'
check "slapd stopped by SIGTERM, by node_stop and on exit, passes" test $? = 0
check "... with its checks counted" grep -q "^ok: 1 checks" "$T/clean.out"

# slapd 2.5.13's own race at shutdown (lib.sh): a SIGSEGV once the log
# says the shutdown began is noted, even after "slapd stopped." (t114
# met it there); the log lines are written here, so that the case does
# not hang on the race's timing
shut='printf "0.0 0x0 %s\n" "slapd shutdown: waiting for 0 operations/tasks to finish" "slapd stopped." >> "$T/n1.log"'
inner shutsegv "$shut"'; kill -SEGV "$pid"; sleep 1; pass "sent SIGSEGV"'
check "a SIGSEGV after the shutdown began is slapd's own race: noted, not failed" test $? = 0
check "... and the note says so" grep -q "^note - slapd [0-9]* ended on SIGSEGV after its shutdown began" "$T/shutsegv.out"
inner shutabrt "$shut"'; kill -ABRT "$pid"; sleep 1; pass "sent SIGABRT"'
check "any other signal after the shutdown began fails the test" test $? != 0
# the first slapd's log ends where the second's begins: the second's
# shutdown (and its noted crash) does not excuse the first's crash
inner restart 'kill -SEGV "$pid"; sleep 1; node_start 1; '"$shut"'
kill -SEGV "$(cat "$T/n1/pid")"; sleep 1; pass "restarted"'
check "a crash mid-test is failed even when the node's next slapd crashed in its shutdown" test $? != 0
check "... naming the first slapd" grep -q "slapd [0-9]* ended on signal 11" "$T/restart.out"
check "... and noting the second" grep -q "^note - slapd [0-9]* ended on SIGSEGV" "$T/restart.out"

# a slapd that does not answer SIGTERM (here: stopped by SIGSTOP) is
# killed when the test ends, after TS_SLOW * 5 s, and fails it
inner hung 'kill -STOP "$pid"; pass "the node was sent SIGSTOP"'
check "a slapd that outlives SIGTERM at the test's end fails the test" test $? != 0
check "... once, saying so" test "$(grep -c "did not stop within $((TS_SLOW * 5)) s of SIGTERM" "$T/hung.out")" = 1
check "... and is not also reported as a crash" not grep -q "ended on signal" "$T/hung.out"

inner killed 'slapd_killed "$pid"; kill -9 "$pid"; sleep 1; pass "killed"'
check "a slapd the test kills on purpose (slapd_killed) does not fail it" test $? = 0
