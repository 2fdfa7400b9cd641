#!/bin/sh
# profile.sh - where the time of an add through the overlay goes
#
#   bench/profile.sh [callgrind|perf] [ADDS]
#
# Starts slapd with the overlay (and the hashed export directory on) under
# valgrind's callgrind, or samples it with `perf record` (cpu-clock, so it
# works on virtual machines without hardware counters), adds ADDS
# certificates (default 300) one at a time with
# the load generator, stops slapd and prints the functions with the
# largest inclusive cost.  The same adds into slapd without the overlay are
# profiled too, so the overlay's share can be read off as the difference.
# PROFILE_EXPORT=0 leaves the export directory off.
# Needs the tools that bench/run.sh builds (run it once, even as
# BENCH_SMOKE=1) and the certificate cache.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TS_BUILD:-$TOP}
W=${BENCH_WORK:-$TOP/bench/.run}
CACHE=${BENCH_CACHE:-$TOP/bench/.cache}
PORT=${BENCH_PORT:-30100}
TOOL=${1:-callgrind}
ADDS=${2:-300}
P="$W/profile"
rm -rf "$P"
mkdir -p "$P"

[ -x "$CACHE/bin/loadgen" ] && [ -f "$CACHE/pool/certs.der" ] ||
	{ echo "profile: run bench/run.sh first (tools and certificates)" >&2; exit 1; }

conf() {
	kind=$1
	mkdir -p "$P/db-$kind" "$P/export-$kind"
	{
		for s in core cosine inetorgperson; do
			echo "include /etc/ldap/schema/$s.schema"
		done
		echo "include $TOP/schema/truststore.schema"
		echo "modulepath /usr/lib/ldap"
		echo "moduleload back_mdb"
		echo "moduleload $BUILD/overlay/truststore.so"
		echo "loglevel none"
		echo "database mdb"
		echo "suffix o=ts"
		echo "rootdn cn=admin,o=ts"
		echo "rootpw secret"
		echo "directory $P/db-$kind"
		echo "maxsize 1073741824"
		echo "dbnosync"
		echo "index objectClass eq"
		echo "index cn eq"
		echo "index entryCSN,entryUUID eq"
		if [ "$kind" = overlay ]; then
			echo "overlay truststore"
			[ "${PROFILE_EXPORT:-1}" = 1 ] &&
				echo "truststore-export-dir $P/export-$kind"
		fi
	} > "$P/$kind.conf"
	printf 'dn: o=ts\nobjectClass: organization\no: ts\n\ndn: ou=certs,o=ts\nobjectClass: organizationalUnit\nou: certs\n\n' |
	    slapadd -q -f "$P/$kind.conf" >/dev/null 2>&1
}

for kind in overlay plain; do
	conf $kind
	case $TOOL in
	perf)
		/usr/sbin/slapd -d 0 -f "$P/$kind.conf" -h "ldap://127.0.0.1:$PORT/" \
		    > "$P/$kind.log" 2>&1 &
		;;
	*)
		valgrind --tool=callgrind --callgrind-out-file="$P/$kind.cg" \
		    /usr/sbin/slapd -d 0 -f "$P/$kind.conf" -h "ldap://127.0.0.1:$PORT/" \
		    > "$P/$kind.log" 2>&1 &
		;;
	esac
	pid=$!
	i=0
	while ! ldapsearch -x -H "ldap://127.0.0.1:$PORT/" -b "" -s base 1.1 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 1200 ] || { echo "profile: slapd did not start" >&2; kill $pid; exit 1; }
		sleep 0.1
	done
	# perf samples the adds only (attached after start-up), with DWARF
	# call graphs: the Debian libraries have no frame pointers
	if [ "$TOOL" = perf ]; then
		perf record -e cpu-clock --call-graph dwarf -p $pid \
		    -o "$P/$kind.perf" 2>/dev/null &
		ppid=$!
		sleep 1
	fi
	"$CACHE/bin/loadgen" -H "ldap://127.0.0.1:$PORT/" -D cn=admin,o=ts -w secret \
	    -m add -f "$CACHE/pool/certs.der" -c 1 -a 1 -l "$ADDS" -o tsCertificate
	if [ "$TOOL" = perf ]; then
		kill -INT $ppid
		wait $ppid
	fi
	kill -INT $pid
	wait $pid
done

if [ "$TOOL" = perf ]; then
	for kind in overlay plain; do
		echo "== $kind: CPU samples by library"
		perf report -i "$P/$kind.perf" --no-children -g none --sort dso 2>/dev/null |
		    grep '%' | head -12
		echo "== $kind: CPU samples by function, with callees"
		perf report -i "$P/$kind.perf" --children -g none --sort sym 2>/dev/null |
		    grep '%' | grep -E 'do_add|mdb_add|mdb_txn_commit|mdb_index_entry|truststore|ts_|d2i|X509|EVP_Digest|slap_send_ldap_result|malloc' |
		    head -30
	done
	exit 0
fi
for kind in overlay plain; do
	echo "== $kind: inclusive cost (instructions)"
	callgrind_annotate --inclusive=yes "$P/$kind.cg" 2>/dev/null | sed -n '1,60p' |
	    grep -E 'PROGRAM TOTALS|truststore|ts_|tsx|mdb_add|do_add|fe_op_add|overlay_op|d2i|X509|EVP|connection_operation|slap_op|ber_|ldap_' | head -40
done
