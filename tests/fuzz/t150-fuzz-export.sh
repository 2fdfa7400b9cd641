#!/bin/sh
# t150-fuzz-export.sh - libFuzzer over the exporter's DER walk
#
# Builds tests/fuzz/fuzz_export.c with clang and the sanitizers straight
# from lib/tsexport.c and runs it for ${TS_FUZZ_SECONDS:-20} seconds from
# the certificate seeds in tests/fuzz/corpus/der.  A crash, sanitizer
# report or disagreement with OpenSSL's subject hash fails; the input is
# kept in the work directory.  Exit 77 (skip) without clang/libFuzzer.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
secs=${TS_FUZZ_SECONDS:-20}
work=${TS_FUZZ_DIR:-${TMPDIR:-/tmp}/ts-fuzz-export.$$}
CC=${CLANG:-clang}

command -v "$CC" >/dev/null 2>&1 || { echo "clang not found"; exit 77; }
mkdir -p "$work/corpus" "$work/artifacts" || exit 1
cflags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
cflags="$cflags -Wall -Wextra -Werror -Wno-unused-parameter -I$top/lib"
# shellcheck disable=SC2086
if ! "$CC" $cflags -o "$work/fuzz_export" "$here/fuzz_export.c" \
    "$top"/lib/*.c -lcrypto 2>"$work/build.log"; then
	if grep -q "fuzzer" "$work/build.log"; then
		echo "clang cannot build libFuzzer programs"; exit 77
	fi
	cat "$work/build.log"; echo "FAIL fuzz_export does not build"; exit 1
fi
seeds=
[ -d "$here/corpus/der" ] && seeds="$here/corpus/der"
(cd "$work" && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    ./fuzz_export -max_total_time="$secs" -seed="${TS_FUZZ_SEED:-1}" \
	-timeout=20 -rss_limit_mb=2048 \
    -max_len=65536 -artifact_prefix="$work/artifacts/" -print_final_stats=1 \
    "$work/corpus" $seeds) >"$work/fuzz.log" 2>&1
rc=$?
grep -E '^stat::number_of_executed_units' "$work/fuzz.log"
if [ $rc != 0 ] || grep -qE 'ERROR: (Address|Leak|libFuzzer)Sanitizer|runtime error:' \
    "$work/fuzz.log" || [ -n "$(ls "$work/artifacts")" ]; then
	echo "FAIL fuzz_export (exit $rc); last lines of the log:"
	tail -n 40 "$work/fuzz.log"
	exit 1
fi
echo "PASS fuzz_export"
[ -z "${TS_FUZZ_DIR:-}" ] && rm -rf "$work"
exit 0
