#!/bin/sh
# t590-repl-bench-smoke.sh - bench/repl-latency.sh still runs (N=5): the
# benchmark's clusters come up, every import replicates and is exported on
# node 3, and the table is printed.  Its numbers are not checked.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(BENCH_SMOKE=1 sh "$top/bench/repl-latency.sh" 2>&1)
rc=$?
echo "$out" | grep -v '^[0-9a-f]\{8\}\.[0-9a-f]\{8\} '
[ $rc = 0 ] || { echo "FAIL - bench/repl-latency.sh exited $rc"; exit 1; }
echo "$out" | grep -q '^store: certificate file in export dir' ||
	{ echo "FAIL - no result table"; exit 1; }
echo "ok - benchmark smoke run"
