#!/bin/sh
# repl-latency.sh - replication latency of the trust store (a benchmark,
# not a test: it prints numbers and asserts nothing about them).
#
# Three providers on loopback, built from ldif/ like the t5NN tests.  Two
# phases in one run:
#   baseline  the cluster without the truststore overlay: N plain entries
#             added on node 1, each timed from the add acknowledged to a
#             base search on node 3 finding it;
#   store     the cluster with the overlay: N certificates imported on
#             node 1, each timed from the add acknowledged to (a) a search
#             on node 3 finding it and (b) its file being present in node
#             3's export directory.
# Prints p50, p99 and max per series and their ratio to the baseline.
#
#   sh bench/repl-latency.sh             N=200 (BENCH_N to change)
#   BENCH_SMOKE=1 sh bench/repl-latency.sh   N=5, for a quick run in CI
# TS_BUILD names the build directory, as for the tests.
set -u
BENCH=$(cd "$(dirname "$0")" && pwd)
TS_TOP=$(cd "$BENCH/.." && pwd)
. "$TS_TOP/tests/slapd/lib.sh"
. "$TS_TOP/tests/slapd/repl.sh"
ts_init
# the harness derives ports and the run directory from a test number: give
# this benchmark its own slot in the replication range (t598)
PORT_BASE=$((20000 + 598 * 10 + ${TS_PORT_OFFSET:-0}))
rm -rf "$T"
T="$TOP/bench/.run/repl-latency"
rm -rf "$T"; mkdir -p "$T"

if [ -n "${BENCH_SMOKE:-}" ]; then N=${BENCH_N:-5}; else N=${BENCH_N:-200}; fi
PY=$(command -v python3) || skip "python3 is needed for the timing helper"
[ -f "$MODULE" ] || die "build the overlay first ($MODULE)"

# N distinct certificates, one shared EC key (key generation is not what
# is measured), and their export file names (<subject hash>.0)
echo "# $N certificates..."
mkdir -p "$T/certs"
openssl ecparam -name prime256v1 -genkey -noout -out "$T/certs/k.pem" 2>/dev/null ||
	die "openssl ecparam"
i=1
while [ $i -le "$N" ]; do
	openssl req -x509 -new -key "$T/certs/k.pem" -days 365 \
	    -subj "/O=bench/CN=repl-$i" -outform DER -out "$T/certs/c$i.der" \
	    2>/dev/null || die "openssl req"
	i=$((i + 1))
done

# phase WHAT: run the jobs in $T/jobs.WHAT, results in $T/res.WHAT
phase() {
	"$PY" "$BENCH/repl-ldap.py" "$(uri 1)" "$(uri 3)" "$ADMIN_DN" "$ADMIN_PW" 30 \
	    < "$T/jobs.$1" > "$T/res.$1" || die "phase $1"
}

# --- baseline: no overlay -----------------------------------------------------
echo "# baseline cluster (no overlay)..."
REPL_OVERLAY=no
repl_cluster 3
i=1
while [ $i -le "$N" ]; do
	printf 'cn=plain-%d,%s\tobjectClass=applicationProcess;cn=plain-%d\t-\t-\n' \
	    $i "$BASE" $i
	i=$((i + 1))
done > "$T/jobs.base"
phase base
for k in 1 2 3; do node_stop $k; done
rm -rf "$T/n1" "$T/n2" "$T/n3"
REPL_NODES=""

# --- the store: overlay on ----------------------------------------------------
echo "# store cluster (truststore overlay)..."
REPL_OVERLAY=yes
repl_cluster 3
i=1
while [ $i -le "$N" ]; do
	h=$(openssl x509 -inform DER -in "$T/certs/c$i.der" -noout -hash)
	printf 'cn=cert-%d,%s\tobjectClass=tsCertificate;cn=cert-%d\t%s\t%s\n' \
	    $i "$BASE" $i "$T/certs/c$i.der" "$T/n3/export/$h.0"
	i=$((i + 1))
done > "$T/jobs.store"
phase store
same_entries "the store is identical on all nodes after the run" 1 2 3

# --- report --------------------------------------------------------------------
# stats FILE COLUMN: "p50 p99 max" in microseconds
stats() {
	awk -v c="$2" '{ print $c }' "$1" | sort -n | awk '
	    { v[NR] = $1 }
	    END {
		p50 = v[int((NR - 1) * 0.50) + 1]; p99 = v[int((NR - 1) * 0.99) + 1]
		print p50, p99, v[NR]
	    }'
}
set -- $(stats "$T/res.base" 1); b50=$1 b99=$2 bmax=$3
set -- $(stats "$T/res.store" 1); s50=$1 s99=$2 smax=$3
set -- $(stats "$T/res.store" 2); f50=$1 f99=$2 fmax=$3
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
echo
echo "replication latency, add acknowledged on node 1 -> node 3, N=$N (ms)"
printf '%-44s %8s %8s %8s   %s\n' "" p50 p99 max "p50 / p99 vs baseline"
printf '%-44s %8s %8s %8s\n' "baseline: plain entry, no overlay (search)" \
    "$(ms $b50)" "$(ms $b99)" "$(ms $bmax)"
printf '%-44s %8s %8s %8s   %s / %s\n' "store: certificate (search)" \
    "$(ms $s50)" "$(ms $s99)" "$(ms $smax)" "$(ratio $s50 $b50)" "$(ratio $s99 $b99)"
printf '%-44s %8s %8s %8s   %s / %s\n' "store: certificate file in export dir" \
    "$(ms $f50)" "$(ms $f99)" "$(ms $fmax)" "$(ratio $f50 $b50)" "$(ratio $f99 $b99)"
echo "(2-core machine shared with other work: compare ratios, not absolutes)"
exit 0
