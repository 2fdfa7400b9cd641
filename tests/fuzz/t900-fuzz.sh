#!/bin/sh
# t900-fuzz.sh - build the libFuzzer harnesses and run each for a while
#
# Builds tests/fuzz/fuzz_der.c and fuzz_pem.c with clang
# -fsanitize=fuzzer,address,undefined straight from the library sources
# (not through the Makefile, whose flags are for gcc), then runs each for
# ${TS_FUZZ_SECONDS:-30} seconds from the seed corpus in tests/fuzz/corpus.
# Any crash, leak, sanitizer report or oracle disagreement fails the test;
# the offending input is kept in the work directory and its path printed.
# Exit 77 (skip) when clang or libFuzzer is missing.
#
# A longer run, on all cores, keeping what it finds in a corpus of your own:
# The test runs from a fixed seed (TS_FUZZ_SEED, default 1) so that a
# passing tree passes again; TS_FUZZ_SEED=0 explores at random.
#   TS_FUZZ_SEED=0 TS_FUZZ_SECONDS=3600 TS_FUZZ_JOBS=$(nproc) TS_FUZZ_DIR=$HOME/ts-fuzz \
#       sh tests/fuzz/t900-fuzz.sh
# (see docs/fuzzing.md for what has been run and found).
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${TS_FUZZ_SECONDS:-30}
jobs=${TS_FUZZ_JOBS:-1}
work=${TS_FUZZ_DIR:-${TMPDIR:-/tmp}/ts-fuzz.$$}
CC=${CLANG:-clang}

command -v "$CC" >/dev/null 2>&1 || { echo "clang not found"; exit 77; }
mkdir -p "$work" || exit 1
printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n)\n{ return 0; }\n' \
    > "$work/probe.c"
if ! "$CC" -fsanitize=fuzzer,address,undefined -o "$work/probe" \
    "$work/probe.c" >/dev/null 2>&1; then
	echo "clang cannot build libFuzzer programs"
	exit 77
fi

cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
cflags="$cflags -Wall -Wextra -Werror -Wno-unused-parameter -I$top/lib"
cflags="$cflags $(pkg-config --cflags libcrypto 2>/dev/null)"
libs=$(pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
srcs="$top/lib/tscert.c $top/lib/tsfast.c $top/lib/tsdecode.c $top/lib/tspolicy.c"
srcs="$srcs $top/lib/tsdigest.c"

fail=0
for h in der pem; do
	echo "== fuzz_$h: building"
	# shellcheck disable=SC2086
	if ! "$CC" $cflags -o "$work/fuzz_$h" "$here/fuzz_$h.c" $srcs $libs; then
		echo "FAIL fuzz_$h does not build"
		fail=1
		continue
	fi
	mkdir -p "$work/corpus-$h" "$work/artifacts-$h"
	echo "== fuzz_$h: running ${secs}s, log $work/fuzz_$h.log"
	par=
	[ "$jobs" -gt 1 ] && par="-jobs=$jobs -workers=$jobs"
	[ -f "$here/$h.dict" ] && par="$par -dict=$here/$h.dict"
	# New inputs go to the work corpus, never into the repository; with
	# -jobs libFuzzer writes fuzz-N.log into the current directory.
	# shellcheck disable=SC2086
	(cd "$work" && rm -f fuzz-*.log &&
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	"$work/fuzz_$h" -max_total_time="$secs" -seed="${TS_FUZZ_SEED:-1}" \
	    -timeout=20 -rss_limit_mb=2048 \
	    -max_len=65536 $par \
	    -artifact_prefix="$work/artifacts-$h/" -print_final_stats=1 \
	    "$work/corpus-$h" "$here/corpus/$h") >"$work/fuzz_$h.log" 2>&1
	rc=$?
	if [ "$jobs" -gt 1 ]; then
		cat "$work"/fuzz-*.log >>"$work/fuzz_$h.log" 2>/dev/null
	fi
	grep -E '^stat::number_of_executed_units|^#[0-9]+.*DONE' \
	    "$work/fuzz_$h.log" | tail -n 2
	if [ $rc != 0 ] || grep -qE 'ERROR: (Address|Leak|libFuzzer)Sanitizer|runtime error:|disagree' \
	    "$work/fuzz_$h.log" || [ -n "$(ls "$work/artifacts-$h")" ]; then
		echo "FAIL fuzz_$h (exit $rc); last lines of the log:"
		tail -n 40 "$work/fuzz_$h.log"
		ls -l "$work/artifacts-$h"
		fail=1
	else
		echo "PASS fuzz_$h"
	fi
done
# Keep the work directory on failure (the crashing inputs are there).
if [ $fail = 0 ] && [ -z "${TS_FUZZ_DIR:-}" ]; then
	rm -rf "$work"
fi
exit $fail
