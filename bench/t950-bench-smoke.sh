#!/bin/sh
# t950-bench-smoke.sh - the benchmark command still runs and prints its table
#
# A run at tiny sizes (BENCH_SMOKE=1: 200 certificates, one round) so that
# bench/run.sh keeps working as the code changes.  It asserts nothing about
# time: only that every benchmark ran and the table has every row with a
# number in it.
# lib.sh finds the top for tests two levels down; this one is one level down
TS_TOP=${TS_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
. "$(dirname "$0")/../tests/slapd/lib.sh"
MODULE="$BUILD/overlay/truststore.so"
ts_init

[ -f "$MODULE" ] || { echo "skip: no $MODULE"; exit 77; }

out="$T/table.txt"
# The certificate cache (and the compiled tools) of bench/run.sh are
# shared with full runs: a full run's cache serves the smoke run too.
BENCH_SMOKE=1 BENCH_PORT=$(port 0) BENCH_WORK="$T/work" \
    TS_BUILD="$BUILD" sh "$TOP/bench/run.sh" > "$out" 2> "$T/progress.txt"
rc=$?
cat "$out"
check "bench/run.sh exits 0" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/progress.txt" >&2

check "the table names the machine" grep -q '^machine: ' "$out"
for b in 1 2 3 4 5 6; do
	check "benchmark $b has rows" grep -q "^$b\. " "$out"
done
# Every row of benchmarks 1-6 carries its numbers: "-" marks a missing one.
missing=$(grep '^[1-6]\. ' "$out" | awk '{ for (i = 1; i <= NF; i++) if ($i == "-") { print; next } }')
check "no row lacks a measurement" [ -z "$missing" ]
[ -z "$missing" ] || echo "$missing" >&2
check "benchmark 1 has a ratio" grep -q '^1\. import, 1 conn.* [0-9.]*  *>= 0.9' "$out"
check "the certificate cache was made" [ -s "${BENCH_CACHE:-$TOP/bench/.cache}/pool/certs.der" ]

# The folio control (benchmark 2 on two loop-mounted ext4s): where this
# machine can mount one, its rows carry numbers and it leaves no mount and
# no image behind; where it cannot, the run says why and still ends well.
out2="$T/folio.txt"
BENCH_SMOKE=1 BENCH_ONLY=2 BENCH_FOLIO=1 BENCH_PORT=$(port 0) \
    BENCH_WORK="$T/work2" TS_BUILD="$BUILD" sh "$TOP/bench/run.sh" \
    > "$out2" 2> "$T/progress2.txt"
rc=$?
check "bench/run.sh with the folio control exits 0" [ $rc = 0 ]
[ $rc = 0 ] || tail -n 20 "$T/progress2.txt" >&2
if [ "$(id -u)" = 0 ] && losetup -f >/dev/null 2>&1; then
	for fs in large small; do
		check "ext4 $fs folios: rows with numbers" \
		    grep -q "^2\. ext4 $fs folios, overlay: p50 at [0-9]*  *[0-9]" "$out2"
	done
	check "no control file system left mounted" \
	    sh -c "! grep -q '$T/work2' /proc/mounts"
	check "no control image left" \
	    sh -c "! ls '$T/work2'/ext4-*.img >/dev/null 2>&1"
else
	check "the folio control says it was skipped" \
	    grep -q 'control: ext4 folios need root\|control: cannot make or mount' "$T/progress2.txt"
fi
