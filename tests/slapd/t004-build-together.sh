#!/bin/sh
# t004-build-together.sh - node.sh and test.sh started together (README)
# share one build: scripts/build.sh waits while another build of the same
# tree runs (it holds the tree's .build.lock) instead of running
# autoreconf, configure and make beside it, which made one of the two fail
# on a fresh checkout ("No targets specified and no makefile found").
. "$(dirname "$0")/lib.sh"
ts_init

release() { touch "$T/release"; }
ts_atexit release
# a build under way, holding the lock until told
flock "$TOP/.build.lock" sh -c \
    "while [ ! -f '$T/release' ]; do sleep 0.1; done" &
holder=$!
i=0
while flock -n "$TOP/.build.lock" true; do
	i=$((i + 1))
	[ $i -lt 100 ] || die "the lock holder did not take the lock"
	sleep 0.05
done

"$TOP/scripts/build.sh" >"$T/build.log" 2>&1 &
build=$!
# a build with nothing to do takes about a second
sleep 3
check "build.sh waits while another build of the tree runs" kill -0 "$build"
release
wait "$holder"
wait "$build"
check "... and builds once it is over" test $? = 0
