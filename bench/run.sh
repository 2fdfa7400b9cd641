#!/bin/sh
# run.sh - run every benchmark of issue 8 and print one table
#
#   bench/run.sh                      full run (100,000 certificates, 5 rounds)
#   BENCH_SMOKE=1 bench/run.sh        tiny sizes, one round: does it still work
#
# Each benchmark runs its baseline in the same run, against the same slapd
# binary with the same database settings, in alternating rounds (A B A B)
# so that drift of a shared machine hits both sides alike.  The table
# shows the median of the rounds and the median of the per-round ratios.
# Nothing here asserts anything about time.
#
# Environment (defaults in brackets):
#   BENCH_N [100000]        certificates in the large store
#   BENCH_ROUNDS [5]        rounds per benchmark
#   BENCH_ROUNDS3 [2]       rounds of the start-up benchmark (minutes each)
#   BENCH_ROUNDS5 [3 x ROUNDS]  rounds of the ldaptrust benchmark (short ones)
#   BENCH_IMPORT [10000]    adds per import round (benchmark 1)
#   BENCH_LAT_ADDS [500]    adds measured per store size (benchmark 2)
#   BENCH_SEARCHES [20000]  searches per round (benchmark 4)
#   BENCH_WINDOW [8]        operations in flight per connection
#   BENCH_NORDAHEAD [0]     1: every database with mdb's envflags nordahead
#                           (no readahead: see b2_db for why it matters)
#   BENCH_SPARSE [0]        1: load each database's base entries with
#                           slapadd -q, which leaves data.mdb a sparse
#                           file of maxsize (8 GiB): how the benchmarks ran
#                           before the fourteenth round; 0: without -q, as
#                           scripts/node.sh makes its store (see newdb)
#   BENCH_WRITEMAP [1]      benchmarks 1 and 2 again with mdb's envflags
#                           writemap on every side (0: skip): how much of
#                           the gap is LMDB copying and writing pages
#   BENCH_ACL [1]           benchmark 1 again bound as a writer the ACLs
#                           admit (not the rootdn, which passes every ACL
#                           unchecked), on both sides (0: skip): what the
#                           overlay's own ACL test of a write costs;
#                           benchmark 4's look-ups again as that user
#   BENCH_TMPFS [1]         benchmarks 1 and 2 again with the databases on
#                           tmpfs (/dev/shm; 0: skip), a control without
#                           ext4's page-write path: what of each gap is the
#                           filesystem's (report rows; skipped in smoke runs
#                           or when /dev/shm is not tmpfs with 3 GiB free)
#   BENCH_FOLIO [1]         benchmark 2 again on two fresh loop-mounted
#                           ext4 file systems, one whose files the kernel
#                           caches in 4 KiB pages as Debian 12's 6.1 does,
#                           one in large folios as kernels from 6.16 do
#                           (0: skip; needs root; see control_folio)
#   BENCH_ONLY ["1 2 3 4 5 6"]  which benchmarks
#   BENCH_PORT [30100]      first of 20 loopback ports
#   BENCH_WORK [bench/.run] databases, logs, raw values (values.txt)
#   BENCH_CACHE [bench/.cache]  generated certificates, kept between runs
#   BENCH_TABLE [0]         1: run nothing, print the last run's table again
#   TS_BUILD [top dir]      build directory with overlay/ and client/
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${TS_BUILD:-$TOP}
MODULE="$BUILD/overlay/truststore.so"
LDAPTRUST="$BUILD/client/ldaptrust"
SCHEMA="$TOP/schema/truststore.schema"
SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
CA_BUNDLE=${BENCH_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
SUFFIX="o=ts"
BASE="ou=certs,o=ts"
ROOTDN="cn=admin,o=ts"
ROOTPW="secret"
# a member of the group the ACLs give the store to, as ldif/30-access.ldif
WRITERDN="cn=writer,o=ts"
WRITERPW="writer-secret"

if [ "${BENCH_SMOKE:-0}" = 1 ]; then
	N=${BENCH_N:-200}; ROUNDS=${BENCH_ROUNDS:-1}; IMPORT=${BENCH_IMPORT:-100}
	LATADDS=${BENCH_LAT_ADDS:-20}; SEARCHES=${BENCH_SEARCHES:-200}
	SIZES="$N"
else
	N=${BENCH_N:-100000}; ROUNDS=${BENCH_ROUNDS:-5}; IMPORT=${BENCH_IMPORT:-10000}
	LATADDS=${BENCH_LAT_ADDS:-500}; SEARCHES=${BENCH_SEARCHES:-20000}
	SIZES="100 10000 $N"
	[ "$N" -gt 10000 ] || SIZES="$((N / 100 + 1)) $((N / 10 + 1)) $N"
fi
WINDOW=${BENCH_WINDOW:-8}
WRITEMAP=${BENCH_WRITEMAP:-1}
NORDAHEAD=${BENCH_NORDAHEAD:-0}
SPARSE=${BENCH_SPARSE:-0}
TMPFS=${BENCH_TMPFS:-1}
FOLIO=${BENCH_FOLIO:-1}
ACL=${BENCH_ACL:-1}
# a smoke run takes the folio control only when asked to (t950 does)
[ "${BENCH_SMOKE:-0}" = 1 ] && { TMPFS=0; FOLIO=${BENCH_FOLIO:-0}; }
ONLY=${BENCH_ONLY:-"1 2 3 4 5 6"}
PORT=${BENCH_PORT:-30100}
W=${BENCH_WORK:-$TOP/bench/.run}
CACHE=${BENCH_CACHE:-$TOP/bench/.cache}
BIN="$CACHE/bin"
HZ=$(getconf CLK_TCK)
# An import of the CA bundle takes a fraction of a second: more rounds.
ROUNDS5=${BENCH_ROUNDS5:-$((ROUNDS * 3))}
[ "${BENCH_SMOKE:-0}" = 1 ] && ROUNDS5=${BENCH_ROUNDS5:-1}
# The start-up benchmark takes minutes a round at 100,000 certificates.
ROUNDS3=${BENCH_ROUNDS3:-$ROUNDS}; [ "$ROUNDS3" -gt 2 ] && ROUNDS3=${BENCH_ROUNDS3:-2}

_pids=""
trap '_cleanup' EXIT
trap 'exit 130' INT TERM
_cleanup() {
	for p in $_pids; do kill "$p" 2>/dev/null; done
	for p in $_pids; do wait "$p" 2>/dev/null; done
	# a control's file system (control_folio), should the run end in it
	for m in ${_mounts:-}; do umount "$m" 2>/dev/null; done
}

say() { echo "bench: [$(since "$T0") s] $*" >&2; }
die() { echo "bench: error: $*" >&2; exit 1; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
calc() { awk "BEGIN { printf \"%.${2:-3}f\", $1 }"; }
want() { case " $ONLY " in *" $1 "*) return 0;; esac; return 1; }

# Raw values: one "key value" line per measurement, kept for inspection.
rec() { echo "$1 $2" >> "$W/values.txt"; }
# the value of KEY recorded last
latest() { awk -v k="$1" '$1 == k { v = $2 } END { print v }' "$W/values.txt"; }
# medians of every key, computed once when the table is printed
medians() {
	sort -k1,1 -k2,2g "$W/values.txt" | awk '
	function flush() { if (n) print k, (n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2) }
	$1 != k { flush(); k = $1; n = 0 }
	{ v[++n] = $2 }
	END { flush() }' > "$W/medians.txt"
}
med() {
	local v
	v=$(sed -n "s/^$1 //p" "$W/medians.txt")
	echo "${v:--}"
}
# key=value field of a loadgen result line
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

# --- tools ------------------------------------------------------------------

# fresh OUT SRC...: OUT exists and is newer than every SRC
fresh() {
	local out=$1 f
	shift
	[ -x "$out" ] || return 1
	for f in "$@"; do
		[ "$f" -nt "$out" ] && return 1
	done
	return 0
}

# The tools are kept with the cache and rebuilt only when their sources change.
build_tools() {
	local cflags="-O2 -Wall -Wextra -Werror -I$TOP/bench"
	mkdir -p "$BIN"
	# shellcheck disable=SC2086
	{ fresh "$BIN/certgen" "$TOP/bench/certgen.c" "$TOP/bench/derlist.h" ||
	    cc $cflags -o "$BIN/certgen" "$TOP/bench/certgen.c" -lcrypto; } &&
	{ fresh "$BIN/loadgen" "$TOP/bench/loadgen.c" "$TOP/bench/derlist.h" ||
	    cc $cflags -o "$BIN/loadgen" "$TOP/bench/loadgen.c" -lldap -llber -lpthread; } &&
	{ fresh "$BIN/pagein" "$TOP/bench/pagein.c" ||
	    cc $cflags -o "$BIN/pagein" "$TOP/bench/pagein.c"; } ||
		die "cannot compile the benchmark tools"
	# The overlay side needs the module and its schema; without them only
	# the baselines run, with a stand-in certificate entry.
	HAVE_TS=0
	[ -f "$MODULE" ] && [ -f "$SCHEMA" ] && HAVE_TS=1
	if [ $HAVE_TS = 1 ]; then
		OCS="-o tsCertificate"
	else
		say "no overlay ($MODULE or $SCHEMA missing): baselines only"
		OCS="-o applicationProcess -o pkiUser"
	fi
}

# Certificates: generated once, reused while the cache holds enough.
POOL=$N; [ "$IMPORT" -gt "$POOL" ] && POOL=$IMPORT
LATBASE=$POOL			# benchmark 2 adds certificates LATBASE..
POOL=$((POOL + LATADDS))
CERTS="$CACHE/pool/certs.der"
IDX="$CACHE/pool/certs.idx"
make_certs() {
	local have=0 t
	# the version of certgen's output: a new one regenerates the cache
	[ -f "$IDX" ] && [ "$(cat "$CACHE/pool/version" 2>/dev/null)" = 2 ] &&
		have=$(wc -l < "$IDX")
	if [ "$have" -lt "$POOL" ]; then
		say "generating $POOL certificates (cached in $CACHE)"
		t=$(now)
		"$BIN/certgen" gen "$POOL" "$CACHE/pool" || die "certificate generation"
		echo 2 > "$CACHE/pool/version"
		say "generated in $(since "$t") s"
		rm -rf "$CACHE/pem"
	fi
}

# --- slapd instances ----------------------------------------------------------

# mkconf NAME KIND DBDIR [EXPORTDIR]: slapd.conf for KIND plain (no
# overlay) or overlay, either with -wm (envflags writemap).  Both load
# the same module and schema, use the same mdb settings and the same
# indexes.  dbnosync: the disk of a shared machine would otherwise measure
# its own fsync latency, not slapd.
mkconf() {
	local name=$1 kind=$2 db=$3 exp=${4:-} d="$W/$1" s
	mkdir -p "$d" "$db"
	{
		for s in core cosine inetorgperson; do
			echo "include /etc/ldap/schema/$s.schema"
		done
		[ $HAVE_TS = 1 ] && echo "include $SCHEMA"
		echo "pidfile $d/slapd.pid"
		echo "modulepath /usr/lib/ldap"
		echo "moduleload back_mdb"
		[ $HAVE_TS = 1 ] && echo "moduleload $MODULE"
		echo "loglevel none"
		echo "sizelimit unlimited"
		echo "database mdb"
		echo "suffix \"$SUFFIX\""
		echo "rootdn \"$ROOTDN\""
		echo "rootpw $ROOTPW"
		echo "directory $db"
		echo "maxsize 8589934592"
		echo "dbnosync"
		# one envflags line: a second would replace the first
		case $kind/$NORDAHEAD in
		*-wm/1) echo "envflags writemap nordahead";;
		*-wm/*) echo "envflags writemap";;
		*/1) echo "envflags nordahead";;
		esac
		# the indexes of ldif/11-indexes.ldif
		echo "index objectClass eq"
		echo "index cn eq"
		echo "index entryCSN,entryUUID eq"
		# the shape of ldif/30-access.ldif; the rootdn passes them
		echo "access to attrs=userPassword by anonymous auth by * none"
		echo "access to dn.base=\"$BASE\" attrs=children"
		echo "	by group.exact=\"cn=trust-admins,$SUFFIX\" write by * break"
		echo "access to dn.children=\"$BASE\""
		echo "	by group.exact=\"cn=trust-admins,$SUFFIX\" write by * read"
		echo "access to * by * read"
		# tsFingerprintSHA256 and tsSubjectHash: the overlay's own index
		if [ "${kind%-wm}" = overlay ] && [ $HAVE_TS = 1 ]; then
			echo "overlay truststore"
			[ -n "$exp" ] && echo "truststore-export-dir $exp"
		fi
	} > "$d/slapd.conf"
}

base_ldif() {
	printf 'dn: %s\nobjectClass: organization\no: ts\n\n' "$SUFFIX"
	printf 'dn: %s\nobjectClass: organizationalUnit\nou: certs\n\n' "$BASE"
	printf 'dn: %s\nobjectClass: person\ncn: writer\nsn: writer\nuserPassword: %s\n\n' \
	    "$WRITERDN" "$WRITERPW"
	printf 'dn: cn=trust-admins,%s\nobjectClass: groupOfNames\ncn: trust-admins\nmember: %s\n\n' \
	    "$SUFFIX" "$WRITERDN"
}

# newdb NAME DBDIR [LDIF-producing command...]: empty database holding the
# base entries and whatever the command prints, loaded with slapadd.  Not
# in quick mode (-q), as scripts/node.sh: quick mode opens LMDB with
# writemap, which sizes data.mdb to maxsize, a sparse file; readahead
# from slapd's map faults then runs past the data into the holes, and
# the pages later adds write land in large zero-filled folios, dearer
# to write the further the store grows (docs/performance.md, fourteenth
# round).  BENCH_SPARSE=1 measures that case.
newdb() {
	local name=$1 db=$2 q=""
	shift 2
	[ "$SPARSE" = 1 ] && q=-q
	rm -rf "$db"
	mkdir -p "$db"
	{ base_ldif; [ $# -gt 0 ] && "$@"; } |
	    $SLAPADD $q -f "$W/$name/slapd.conf" > "$W/$name/slapadd.log" 2>&1 ||
		{ tail -n 5 "$W/$name/slapadd.log" >&2; die "slapadd for $name"; }
}

# start NAME PORT: start slapd, wait until it answers; SPID is its pid
start() {
	local name=$1 port=$2 i
	# slapd sizes its connection table by the descriptor limit; a large
	# limit costs start-up time that benchmark 3 would count.
	(ulimit -n 4096; exec $SLAPD -d 0 -f "$W/$name/slapd.conf" \
	    -h "ldap://127.0.0.1:$port/") >> "$W/$name/slapd.log" 2>&1 &
	SPID=$!
	_pids="$_pids $SPID"
	i=0
	while ! ldapsearch -x -H "ldap://127.0.0.1:$port/" -b "" -s base \
	    -LLL 1.1 >/dev/null 2>&1; do
		if ! kill -0 "$SPID" 2>/dev/null; then
			slaptest -f "$W/$name/slapd.conf" >&2
			die "slapd $name exited at start-up"
		fi
		i=$((i + 1))
		[ $i -lt 12000 ] || die "slapd $name not answering after 10 minutes"
		sleep 0.05
	done
}

stop() {
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	_pids=$(echo "$_pids" | sed "s/ $1\$//; s/ $1 / /")
}

# slapd's CPU time so far, in microseconds (utime + stime)
cpu_us() { awk -v hz="$HZ" '{ printf "%.0f", ($14 + $15) * 1e6 / hz }' "/proc/$1/stat"; }
# "V N": voluntary and involuntary context switches of slapd's threads so far
csw() {
	cat /proc/"$1"/task/*/status 2>/dev/null | awk '
	$1 == "voluntary_ctxt_switches:" { v += $2 }
	$1 == "nonvoluntary_ctxt_switches:" { n += $2 }
	END { print v + 0, n + 0 }'
}
mem_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

lg() { local port=$1; shift; "$BIN/loadgen" -H "ldap://127.0.0.1:$port/" -D "${LG_DN:-$ROOTDN}" -w "${LG_PW:-$ROOTPW}" "$@"; }

# run_lg KEY PID PORT loadgen-args...: record ops/s, p50 and CPU per op
run_lg() {
	local key=$1 pid=$2 port=$3 c0 c1 s0 s1 out ops
	shift 3
	c0=$(cpu_us "$pid"); s0=$(csw "$pid")
	out=$(lg "$port" "$@") || { say "$key: loadgen failed: $out"; LG_FAILED=1; }
	c1=$(cpu_us "$pid"); s1=$(csw "$pid")
	ops=$(field "$out" ops)
	[ "${ops:-0}" -gt 0 ] || ops=1
	rec "$key.ops" "$(field "$out" ops_per_s)"
	rec "$key.p50" "$(field "$out" p50_us)"
	rec "$key.cpu" "$(calc "($c1 - $c0) / $ops" 1)"
	rec "$key.lgcpu" "$(calc "0$(field "$out" cpu_us) / $ops" 1)"
	rec "$key.vcs" "$(calc "(${s1% *} - ${s0% *}) / $ops" 2)"
	rec "$key.ivcs" "$(calc "(${s1#* } - ${s0#* }) / $ops" 2)"
	LG_OUT=$out
}
LG_FAILED=0


# --- 1. import throughput -----------------------------------------------------

bench1() {
	local kinds k r c order wm sets db
	say "1: import throughput, $IMPORT adds per round, $ROUNDS rounds"
	kinds="plain"; [ $HAVE_TS = 1 ] && kinds="plain overlay"
	sets=""; [ "$WRITEMAP" = 1 ] && sets="-wm"
	for wm in "" $sets; do
		for k in $kinds; do mkconf "b1-$k$wm" "$k$wm" "$W/db-b1-$k$wm"; done
	done
	# -acl: the databases of "", written by the ACLs' writer
	[ "$ACL" = 1 ] && sets="$sets -acl"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		for wm in "" $sets; do
			for c in 1 8; do
				order=$kinds
				[ $((r % 2)) = 1 ] && [ $HAVE_TS = 1 ] && order="overlay plain"
				for k in $order; do
					db="b1-$k${wm%-acl}"
					newdb "$db" "$W/db-$db"
					start "$db" "$PORT"
					if [ "$wm" = -acl ]; then
						LG_DN=$WRITERDN LG_PW=$WRITERPW
					else
						LG_DN="" LG_PW=""
					fi
					# shellcheck disable=SC2086
					run_lg "b1$wm.$c.$k" "$SPID" "$PORT" -m add \
					    -f "$CERTS" -c $c -a "$WINDOW" -l "$IMPORT" $OCS
					LG_DN="" LG_PW=""
					stop "$SPID"
				done
				[ $HAVE_TS = 1 ] && rec "b1$wm.$c.ratio" "$(calc \
				    "$(latest "b1$wm.$c.overlay.ops") / \
				     $(latest "b1$wm.$c.plain.ops")")"
			done
		done
		r=$((r + 1))
	done
}

# --- stores for 2, 3, 4, 6 ----------------------------------------------------

# fill NAME KIND DBDIR SIZE: a database of SIZE certificates (c0, c1, ...)
# built by LDAP adds, through the overlay for KIND overlay: byte for byte
# the entries and pages an overlay store grows into (slapadd would
# normalize every value anew and pack the pages tight).  Built once a run.
fill() {
	local name=$1 kind=$2 db=$3 n=$4 t out
	[ -f "$db/.filled" ] && return 0
	mkconf "$name" "$kind" "$db"
	newdb "$name" "$db"
	say "loading a $kind store of $n certificates by LDAP adds"
	t=$(now)
	start "$name" "$PORT"
	# shellcheck disable=SC2086
	out=$(lg "$PORT" -m add -f "$CERTS" -c 8 -a "$WINDOW" -l "$n" $OCS) &&
	    [ "$(field "$out" errors)" = 0 ] ||
		die "loading the $kind store of $n: $out"
	stop "$SPID"
	touch "$db/.filled"
	say "loaded in $(since "$t") s"
}

# store SIZE: the overlay's store; store_plain SIZE: the same certificates
# as plain entries, no decorations
store() { fill "fill-s$1" overlay "$W/db-s$1" "$1"; }
store_plain() { fill "fill-plain-s$1" plain "$W/db-plain-s$1" "$1"; }

exported() { ls -U "$1" | grep -c '^[0-9a-f]\{8\}\.[0-9][0-9]*$'; }
# wait_exported DIR COUNT: until DIR holds the files of the first COUNT
# certificates (10 minutes at most).  Listing 100,000 files takes a
# while, so the full count waits until a sample of 20 files exists.
wait_exported() {
	local i=0 h sample
	[ $HAVE_TS = 1 ] || return 0
	sample=$(awk -v n="$2" 'NR <= n && (NR - 1) % int(n / 20 + 1) == 0 { print $2 }' "$IDX")
	while :; do
		for h in $sample; do
			[ -e "$1/$h.0" ] || break
		done
		[ -e "$1/$h.0" ] && [ "$(exported "$1")" -ge "$2" ] && return 0
		i=$((i + 1))
		[ $i -lt 6000 ] || { say "$1: not all $2 files after 10 minutes"; return 1; }
		sleep 0.1
	done
}

# --- 2. add latency as the store grows --------------------------------------

# b2_db SRC DST: DST a copy of the store SRC, its data.mdb dropped from
# the page cache and read back whole, so that every series of benchmark 2
# starts from the same cache.  How a file came into the cache decides
# what each of LMDB's 4 KiB page writes costs: read with readahead (as
# slapd's map faults read it) the cache holds folios of up to 2 MiB, and
# ext4 walks every block buffer of the folio on each pwrite() (10 us
# against 3 us into a 4 KiB folio, measured here); pages written by
# pwrite() or by cp are smaller folios.  A series on the store as it was
# built and one on a fresh copy differed by that alone, up to 0.35 ms an
# add at 100,000, which was taken for the export directory's cost.
b2_db() {
	rm -rf "$2"
	cp -r "$1" "$2" || die "cannot copy $1"
	sync "$2/data.mdb"
	# nocache with count=0: the whole file leaves the cache
	dd if="$2/data.mdb" iflag=nocache count=0 status=none ||
		die "cannot reset the cache of $2"
	# without readahead slapd faults in 4 KiB pages: the file is read
	# back a page at a time too (small folios), as a long-running
	# slapd's would be cached; read back by dd, in large folios again
	if [ "$NORDAHEAD" = 1 ]; then
		"$BIN/pagein" "$2/data.mdb" || die "cannot read $2 back"
		return 0
	fi
	dd if="$2/data.mdb" of=/dev/null bs=1M status=none \
	    count="$(du -m "$2/data.mdb" | cut -f1)" ||
		die "cannot reset the cache of $2"
}

# The series of benchmark 2: the overlay with the export directory, the
# same without it (what the files cost), plain slapd (what mdb's own growth
# is); with BENCH_WRITEMAP=1 the three again under envflags writemap, where
# LMDB writes its pages through the map instead of pwrite(): what is left
# of the growth once the kernel's page-write path (see b2_db) is out.
B2KINDS="overlay noexport plain"
[ "$WRITEMAP" = 1 ] && B2KINDS="$B2KINDS overlay-wm noexport-wm plain-wm"

bench2() {
	local p s r pid k first kind src exp pids=""
	say "2: add latency at $SIZES stored certificates, export dir on"
	p=$PORT
	for s in $SIZES; do
		store "$s"
		store_plain "$s"
		for k in $B2KINDS; do
			src="$W/db-s$s" kind=overlay exp=""
			case $k in
			plain*) src="$W/db-plain-s$s" kind=plain;;
			overlay*) exp="$W/export-$k-s$s"
				rm -rf "$exp"; mkdir -p "$exp";;
			esac
			case $k in *-wm) kind=$kind-wm;; esac
			# each series on its own copy, cached alike (b2_db)
			b2_db "$src" "$W/db-b2-$k-s$s"
			mkconf "b2-$k-s$s" "$kind" "$W/db-b2-$k-s$s" $exp
			p=$((p + 1))
			start "b2-$k-s$s" "$p"
			pids="$pids $SPID"
			echo "$SPID $p" > "$W/b2-$k-s$s/pid"
		done
	done
	# Start-up reconciliation may go on in the background: measure after it.
	for s in $SIZES; do
		for k in $B2KINDS; do
			case $k in overlay*) wait_exported "$W/export-$k-s$s" "$s";; esac
		done
	done
	# one untimed round each: the pages an add touches are in the cache
	# before the timed rounds, however they came there
	for s in $SIZES; do
		for k in $B2KINDS; do
			read -r pid p < "$W/b2-$k-s$s/pid"
			# shellcheck disable=SC2086
			lg "$p" -m add -f "$CERTS" -c 1 -a 1 -p lat -s "$LATBASE" \
			    -l "$LATADDS" $OCS >/dev/null &&
			    lg "$p" -m delete -p lat -s "$LATBASE" \
				-l "$LATADDS" >/dev/null ||
				say "2: the warm-up round of $k at $s failed"
		done
	done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		for s in $SIZES; do
			for k in $B2KINDS; do
				read -r pid p < "$W/b2-$k-s$s/pid"
				# One operation at a time: the latency of one import.
				# shellcheck disable=SC2086
				run_lg "b2.$k.s$s" "$pid" "$p" -m add -f "$CERTS" -c 1 \
				    -a 1 -p lat -s "$LATBASE" -l "$LATADDS" $OCS
				lg "$p" -m delete -p lat -s "$LATBASE" -l "$LATADDS" >/dev/null ||
					say "2: deleting the added certificates failed"
			done
		done
		# each size against the first within the round: what a drift
		# of the machine between rounds cannot skew
		first=$(echo "$SIZES" | cut -d' ' -f1)
		for k in $B2KINDS; do
			for s in $SIZES; do
				rec "b2.$k.s$s.growth" "$(calc "$(latest "b2.$k.s$s.p50") / \
				    $(latest "b2.$k.s$first.p50")" 2)"
			done
		done
		r=$((r + 1))
	done
	for pid in $pids; do stop "$pid"; done
}

# --- 3. start-up reconciliation against openssl rehash ------------------------


bench3() {
	local ex r t i
	say "3: start-up reconciliation of $N certificates vs openssl rehash, $ROUNDS3 rounds"
	store "$N"
	if [ ! -f "$CACHE/pem/.done" ] || [ "$(cat "$CACHE/pem/.done")" != "$N" ]; then
		rm -rf "$CACHE/pem"
		"$BIN/certgen" pem "$CERTS" "$CACHE/pem" "$N" || die "writing PEM files"
		echo "$N" > "$CACHE/pem/.done"
	fi
	find "$CACHE/pem" -type l -delete
	r=0
	while [ $r -lt "$ROUNDS3" ]; do
		# Directories used only once: on ext4 without a journal (this
		# machine) creating files right after deleting many makes the
		# inode allocator skip each recently deleted inode, reading its
		# inode table block; it doubled the figures of both sides.
		ex="$W/export-b3-$r"
		mkdir -p "$ex"
		mkconf b3 overlay "$W/db-s$N" "$ex"
		sync
		t=$(now)
		start b3 "$PORT"
		# Reconciliation may run after slapd answers: wait for the files.
		wait_exported "$ex" "$N"
		rec b3.recon "$(since "$t")"
		rec b3.recon.cpu "$(calc "$(cpu_us "$SPID") / 1e6" 1)"
		rec b3.files "$(exported "$ex")"
		stop "$SPID"
		# Again with the directory already in line: the everyday start.
		t=$(now)
		start b3 "$PORT"
		rec b3.insync "$(since "$t")"
		rec b3.insync.cpu "$(calc "$(cpu_us "$SPID") / 1e6" 1)"
		stop "$SPID"

		# rehash in a directory of its own too: hard links to the PEM
		# files take no inodes, its symbolic links are all new ones
		i="$W/rehash-$r"
		mkdir -p "$i"
		find "$CACHE/pem" -name '*.pem' -exec ln -t "$i" {} + ||
			die "linking the PEM files into $i"
		sync
		t=$(now)
		/usr/bin/time -f '%U %S' -o "$W/rehash.time" openssl rehash "$i" \
		    2>"$W/rehash.err" || say "3: openssl rehash complained"
		rec b3.rehash "$(since "$t")"
		rec b3.rehash.cpu "$(awk '{ printf "%.1f", $1 + $2 }' "$W/rehash.time")"
		r=$((r + 1))
	done
	rm -rf "$W"/export-b3-* "$W"/rehash-*
}

# --- 4. lookups by fingerprint and subject hash against by alias --------------

bench4() {
	local r q order fp sh al
	say "4: lookups at $N certificates, $SEARCHES searches per round"
	store "$N"
	# The same random order of certificates for every kind of lookup.
	awk -v n="$N" -v b="$BASE" 'BEGIN { srand(8) } NR <= n {
		print rand() "\t" NR - 1 "\t" $1 "\t" $2 }' "$IDX" | sort -g |
	    awk -v b="$BASE" -v d="$W" -F '\t' '{
		print "sub\t" b "\t(tsFingerprintSHA256=" $3 ")" > d "/q-fp"
		print "sub\t" b "\t(tsSubjectHash=" $4 ")" > d "/q-sh"
		print "base\tcn=c" $2 "," b "\t(objectClass=*)" > d "/q-alias" }'
	mkconf b4 overlay "$W/db-s$N"
	start b4 "$PORT"
	# Warm-up, not counted: the first pass faults the database's pages in.
	for q in fp sh alias; do
		lg "$PORT" -m search -f "$W/q-$q" -c 4 -a "$WINDOW" -l "$SEARCHES" \
		    -A 'userCertificate;binary' >/dev/null
	done
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		# the order of the three rotates from round to round
		case $((r % 3)) in
		0) order="fp sh alias";; 1) order="sh alias fp";; *) order="alias fp sh";;
		esac
		for q in $order; do
			run_lg "b4.$q" "$SPID" "$PORT" -m search -f "$W/q-$q" -c 4 \
			    -a "$WINDOW" -s $((r * SEARCHES)) -l "$SEARCHES" \
			    -A 'userCertificate;binary'
		done
		fp=$(latest "b4.fp.ops")
		sh=$(latest "b4.sh.ops")
		al=$(latest "b4.alias.ops")
		rec b4.fp.ratio "$(calc "$fp / $al")"
		rec b4.sh.ratio "$(calc "$sh / $al")"
		# the same bound as a user the ACLs admit: the rootdn's look-up
		# by key is a base search, another user's a narrowed subtree
		# search whose candidate's ACLs the overlay checks first
		if [ "$ACL" = 1 ]; then
			LG_DN=$WRITERDN LG_PW=$WRITERPW
			for q in $order; do
				run_lg "b4-acl.$q" "$SPID" "$PORT" -m search -f "$W/q-$q" -c 4 \
				    -a "$WINDOW" -s $((r * SEARCHES)) -l "$SEARCHES" \
				    -A 'userCertificate;binary'
			done
			LG_DN="" LG_PW=""
			fp=$(latest "b4-acl.fp.ops")
			sh=$(latest "b4-acl.sh.ops")
			al=$(latest "b4-acl.alias.ops")
			rec b4-acl.fp.ratio "$(calc "$fp / $al")"
			rec b4-acl.sh.ratio "$(calc "$sh / $al")"
		fi
		r=$((r + 1))
	done
	stop "$SPID"
}

# --- 5. ldaptrust import --all against ldapadd --------------------------------

bench5() {
	local nca r k t order
	if [ ! -x "$LDAPTRUST" ] || [ $HAVE_TS = 0 ]; then
		say "5: skipped: $LDAPTRUST or the overlay is missing"
		return 0
	fi
	"$BIN/certgen" split "$CA_BUNDLE" "$W/ca.der" || die "splitting $CA_BUNDLE"
	"$BIN/certgen" ldif "$W/ca.der" "$BASE" ca- 0 100000 > "$W/ca.ldif"
	nca=$(grep -c '^dn:' "$W/ca.ldif")
	say "5: import of the system CA bundle ($nca certificates), $ROUNDS5 rounds"
	mkconf b5 overlay "$W/db-b5"
	r=0
	while [ $r -lt "$ROUNDS5" ]; do
		order="ldaptrust ldapadd"
		[ $((r % 2)) = 1 ] && order="ldapadd ldaptrust"
		for k in $order; do
			newdb b5 "$W/db-b5"
			start b5 "$PORT"
			t=$(now)
			if [ $k = ldaptrust ]; then
				"$LDAPTRUST" -x -H "ldap://127.0.0.1:$PORT/" -D "$ROOTDN" \
				    -w "$ROOTPW" -b "$BASE" import --all ca \
				    "$CA_BUNDLE" > "$W/b5-ldaptrust.out" 2>&1
			else
				ldapadd -c -x -H "ldap://127.0.0.1:$PORT/" -D "$ROOTDN" \
				    -w "$ROOTPW" -f "$W/ca.ldif" > "$W/b5-ldapadd.out" 2>&1
			fi
			rec "b5.$k" "$(since "$t")"
			rec "b5.$k.stored" "$(ldapsearch -x -LLL -H "ldap://127.0.0.1:$PORT/" \
			    -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" -s one 1.1 | grep -c '^dn:')"
			stop "$SPID"
		done
		rec b5.ratio "$(calc "$(latest "b5.ldapadd") / \
		    $(latest "b5.ldaptrust")")"
		r=$((r + 1))
	done
}

# --- 6. resident memory -------------------------------------------------------

bench6() {
	local db k dbk
	say "6: slapd memory with $N certificates, with and without decorations"
	store "$N"
	store_plain "$N"
	db="$W/db-plain-s$N"
	mkconf b6-plain plain "$db"
	for k in plain decorated; do
		if [ $k = decorated ]; then
			[ $HAVE_TS = 1 ] || continue
			mkconf b6-decorated overlay "$W/db-s$N"
			dbk="$W/db-s$N"
		else
			dbk=$db
		fi
		start "b6-$k" "$PORT"
		rec "b6.$k.idle" "$(mem_kb "$SPID" VmRSS)"
		# Read every entry once, as a full export or a sync would.
		echo "sub	$BASE	(objectClass=*)" > "$W/q-all"
		lg "$PORT" -m search -f "$W/q-all" -l 1 -A '*' -A '+' >/dev/null
		rec "b6.$k.rss" "$(mem_kb "$SPID" VmRSS)"
		rec "b6.$k.hwm" "$(mem_kb "$SPID" VmHWM)"
		rec "b6.$k.db" "$(du -k "$dbk/data.mdb" | cut -f1)"
		stop "$SPID"
	done
}

# --- the table ----------------------------------------------------------------

# machcpu KEY: slapd's CPU an operation plus the load generator's
machcpu() {
	local a b
	a=$(med "$1.cpu") b=$(med "$1.lgcpu")
	if [ "$a" = - ] || [ "$b" = - ]; then echo -; else calc "$a + $b" 1; fi
}
# machratio A B: machcpu A / machcpu B, read as cpuratio
machratio() {
	local a b
	a=$(machcpu "$1") b=$(machcpu "$2")
	if [ "$a" = - ] || [ "$b" = - ] || [ "$(calc "$b == 0")" = 1.000 ]; then echo ""; else calc "$a / $b" 2; fi
}
# cpuratio A B: median(A) / median(B), for CPU-time rows (baseline / measured
# where a lower figure is better, so that the ratio reads like a throughput)
cpuratio() {
	local a b
	a=$(med "$1") b=$(med "$2")
	if [ "$a" = - ] || [ "$b" = - ] || [ "$(calc "$b == 0")" = 1.000 ]; then echo ""; else calc "$a / $b" 2; fi
}
# growth KIND LABEL TARGET: benchmark 2's p50 of KIND at each size against
# its p50 at the first size; LABEL is a printf format taking the size
growth() {
	local k=$1 label=$2 target=$3 s v first ratio
	first=$(med "b2.$k.s$(echo "$SIZES" | cut -d' ' -f1).p50")
	for s in $SIZES; do
		v=$(med "b2.$k.s$s.p50")
		ratio=""; [ "$first" != - ] && [ "$v" != - ] && ratio=$(calc "$v / $first" 2)
		# shellcheck disable=SC2059
		row "$(printf "$label" "$s")" "$v" "$first" "$ratio" "$target"
	done
}

row() { printf '%-44s %12s %12s %8s  %s\n' "$@"; }
# spread KEY: "lowest-highest" of KEY's values over the rounds
spread() {
	sed -n "s/^$(echo "$1" | sed 's/\./\\./g') //p" "$W/values.txt" |
	    sort -g | sed -n '1p;$p' | tr '\n' ' ' | sed 's/ $//; s/ /-/'
}
mib() { [ "$1" = - ] && echo - || calc "$1 / 1024" 1; }

table() {
	local c s v v2 first pfirst ratio rc rh p d fs
	medians
	echo "machine: $(nproc) cpus, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM," \
	    "Debian $(cat /etc/debian_version), kernel $(uname -r), slapd $($SLAPD -VV 2>&1 | sed -n 's/.*slapd \([0-9.]*\).*/\1/p' | head -n 1)," \
	    "$(openssl version | cut -d' ' -f1-2)"
	echo "sizes: N=$N, rounds=$ROUNDS, import=$IMPORT adds/round, window=$WINDOW, medians of rounds"
	[ "$NORDAHEAD" = 1 ] && echo "every database with envflags nordahead"
	[ "$SPARSE" = 1 ] && echo "every database made by slapadd -q (data.mdb sparse at maxsize)"
	echo
	row "benchmark" "measured" "baseline" "ratio" "target"
	row "---------" "--------" "--------" "-----" "------"
	if want 1; then
		for c in 1 8; do
			row "1. import, $c conn, adds/s (vs plain slapd)" \
			    "$(med "b1.$c.overlay.ops")" "$(med "b1.$c.plain.ops")" "$(med "b1.$c.ratio")" ">= 0.9"
		done
		for c in 1 8; do
			row "1. slapd CPU per add, us ($c conn)" "$(med "b1.$c.overlay.cpu")" \
			    "$(med "b1.$c.plain.cpu")" "$(cpuratio "b1.$c.plain.cpu" "b1.$c.overlay.cpu")" ""
		done
		# the load generator shares the CPUs: what an add costs the
		# machine is slapd's CPU plus the load generator's
		for c in 1 8; do
			row "1. load generator CPU per add, us ($c conn)" "$(med "b1.$c.overlay.lgcpu")" \
			    "$(med "b1.$c.plain.lgcpu")" "" ""
		done
		for c in 1 8; do
			row "1. slapd + load generator CPU, us ($c conn)" \
			    "$(machcpu "b1.$c.overlay")" "$(machcpu "b1.$c.plain")" \
			    "$(machratio "b1.$c.plain" "b1.$c.overlay")" ""
		done
		# a thread that sleeps (on LMDB's writer mutex, mostly) or is
		# preempted (often while it holds that mutex): at 8 connections
		# the overlay's extra CPU shows up as more of both
		for c in 1 8; do
			row "1. slapd context switches per add ($c conn)" \
			    "$(med "b1.$c.overlay.vcs")+$(med "b1.$c.overlay.ivcs")" \
			    "$(med "b1.$c.plain.vcs")+$(med "b1.$c.plain.ivcs")" "" "(sleeps+preemptions)"
		done
		if [ "$WRITEMAP" = 1 ]; then
			for c in 1 8; do
				row "1. the same, writemap both sides, $c conn" \
				    "$(med "b1-wm.$c.overlay.ops")" "$(med "b1-wm.$c.plain.ops")" \
				    "$(med "b1-wm.$c.ratio")" "(report)"
			done
		fi
		if [ "$ACL" = 1 ]; then
			for c in 1 8; do
				row "1. the same as the ACLs' writer, $c conn" \
				    "$(med "b1-acl.$c.overlay.ops")" "$(med "b1-acl.$c.plain.ops")" \
				    "$(med "b1-acl.$c.ratio")" "(report)"
			done
			for c in 1 8; do
				row "1. the same, CPU per add, us ($c conn)" "$(med "b1-acl.$c.overlay.cpu")" \
				    "$(med "b1-acl.$c.plain.cpu")" "$(cpuratio "b1-acl.$c.plain.cpu" "b1-acl.$c.overlay.cpu")" ""
			done
		fi
		if [ -n "$(med tmpfs.b1.1.ratio | tr -d -)" ]; then
			for c in 1 8; do
				row "1. the same on tmpfs, $c conn" \
				    "$(med "tmpfs.b1.$c.overlay.ops")" "$(med "tmpfs.b1.$c.plain.ops")" \
				    "$(med "tmpfs.b1.$c.ratio")" "(report)"
			done
		fi
	fi
	if want 2; then
		growth overlay "2. add p50 at %s stored, us (vs first)" "<= 1.5"
		growth noexport "2. export dir off: add p50 at %s, us" "(report)"
		growth plain "2. plain slapd add p50 at %s, us" "(report)"
		if [ "$WRITEMAP" = 1 ]; then
			growth overlay-wm "2. writemap: add p50 at %s, us" "(report)"
			growth noexport-wm "2. writemap, export off: p50 at %s" "(report)"
			growth plain-wm "2. writemap, plain slapd: p50 at %s" "(report)"
		fi
		# on a noisy machine the two ways of taking the growth differ:
		# the rounds' own ratios (median, lowest-highest) show how much
		for k in $B2KINDS; do
			s=$(echo "$SIZES" | awk '{ print $NF }')
			row "2. $k: rounds' own growth to $s" "" "" \
			    "$(v=$(med "b2.$k.s$s.growth"); [ "$v" = - ] || calc "$v" 2)" \
			    "($(spread "b2.$k.s$s.growth"))"
		done
		s=$(echo "$SIZES" | awk '{ print $NF }')
		if [ "$(med "tmpfs.b2.overlay.s$s.p50")" != - ]; then
			for k in overlay noexport plain; do
				first=$(med "tmpfs.b2.$k.s$(echo "$SIZES" | cut -d' ' -f1).p50")
				v=$(med "tmpfs.b2.$k.s$s.p50")
				row "2. on tmpfs, $k: p50 at $s, us" "$v" "$first" \
				    "$( [ "$first" = - ] || [ "$v" = - ] || calc "$v / $first" 2)" "(report)"
			done
		fi
		# the folio pair (control_folio): each against its own first size
		for fs in large small; do
			[ "$(med "ext4$fs.b2.overlay.s$s.p50")" != - ] || continue
			for k in overlay noexport plain; do
				first=$(med "ext4$fs.b2.$k.s$(echo "$SIZES" | cut -d' ' -f1).p50")
				v=$(med "ext4$fs.b2.$k.s$s.p50")
				v2=$(med "ext4$fs.b2.$k.s$s.growth")
				row "2. ext4 $fs folios, $k: p50 at $s" "$v" "$first" \
				    "$( [ "$first" = - ] || [ "$v" = - ] || calc "$v / $first" 2)" \
				    "(report; rounds $( [ "$v2" = - ] || calc "$v2" 2) ($(spread "ext4$fs.b2.$k.s$s.growth")))"
			done
		done
		for s in $SIZES; do
			row "2. slapd CPU per add at $s, us (vs plain)" "$(med "b2.overlay.s$s.cpu")" \
			    "$(med "b2.plain.s$s.cpu")" "$(cpuratio "b2.plain.s$s.cpu" "b2.overlay.s$s.cpu")" ""
		done
	fi
	if want 3; then
		rc=$(med b3.recon) rh=$(med b3.rehash)
		ratio=""; [ "$rc" != - ] && [ "$rh" != - ] && ratio=$(calc "$rh / $rc" 2)
		row "3. reconcile $N into empty dir, s (vs rehash)" "$rc" "$rh" "$ratio" "> 1 (faster)"
		row "3. the same in CPU seconds (slapd vs rehash)" "$(med b3.recon.cpu)" \
		    "$(med b3.rehash.cpu)" "$(cpuratio b3.rehash.cpu b3.recon.cpu)" ""
		row "3. start-up, export dir already in line, s" "$(med b3.insync)" "" "" ""
		row "3. the same in slapd CPU seconds" "$(med b3.insync.cpu)" "" "" ""
	fi
	if want 4; then
		row "4. lookup by fingerprint, searches/s" "$(med b4.fp.ops)" "$(med b4.alias.ops)" "$(med b4.fp.ratio)" ">= 0.9"
		row "4. lookup by subject hash, searches/s" "$(med b4.sh.ops)" "$(med b4.alias.ops)" "$(med b4.sh.ratio)" ">= 0.9"
		row "4. slapd CPU per fingerprint lookup, us" "$(med b4.fp.cpu)" "$(med b4.alias.cpu)" \
		    "$(cpuratio b4.alias.cpu b4.fp.cpu)" ""
		row "4. slapd CPU per subject hash lookup, us" "$(med b4.sh.cpu)" "$(med b4.alias.cpu)" \
		    "$(cpuratio b4.alias.cpu b4.sh.cpu)" ""
		if [ "$(med b4-acl.fp.ratio)" != - ]; then
			row "4. by fingerprint, as the ACLs' writer" "$(med b4-acl.fp.ops)" \
			    "$(med b4-acl.alias.ops)" "$(med b4-acl.fp.ratio)" "(report)"
			row "4. by subject hash, as the ACLs' writer" "$(med b4-acl.sh.ops)" \
			    "$(med b4-acl.alias.ops)" "$(med b4-acl.sh.ratio)" "(report)"
			row "4. the same, CPU per fingerprint lookup, us" "$(med b4-acl.fp.cpu)" \
			    "$(med b4-acl.alias.cpu)" "$(cpuratio b4-acl.alias.cpu b4-acl.fp.cpu)" ""
		fi
	fi
	if want 5; then
		row "5. ldaptrust import --all CA bundle, s" "$(med b5.ldaptrust)" "$(med b5.ldapadd)" "$(med b5.ratio)" ">= 0.8"
	fi
	if want 6; then
		p=$(med b6.plain.rss) d=$(med b6.decorated.rss)
		ratio=""; [ "$p" != - ] && [ "$d" != - ] && ratio=$(calc "$d / $p" 2)
		row "6. slapd VmRSS after reading $N, MiB" "$(mib "$d")" "$(mib "$p")" "$ratio" "(report)"
		row "6. slapd VmHWM, MiB" "$(mib "$(med b6.decorated.hwm)")" "$(mib "$(med b6.plain.hwm)")" "" ""
		row "6. data.mdb on disk, MiB" "$(mib "$(med b6.decorated.db)")" "$(mib "$(med b6.plain.db)")" "" ""
	fi
	echo
	echo "measured = with the overlay; baseline = plain slapd (1), store of the first size (2;"
	echo "plain slapd rows: the same certificates, no overlay, no decorations),"
	echo "openssl rehash (3), lookup by alias (4), ldapadd of a prebuilt LDIF (5), plain slapd,"
	echo "no decorations (6); tmpfs rows: 1 and 2 again with the databases on tmpfs, a control"
	echo "without ext4's page writes (BENCH_TMPFS); ext4 rows: 2 again on two fresh loop-mounted"
	echo "ext4s, one cached in large folios (kernels from 6.16), one in 4 KiB pages (as 6.1)"
	echo "(BENCH_FOLIO)."
	echo "ratios are measured/baseline (rehash/reconcile for 3, ldapadd/ldaptrust time for 5),"
	echo "the median of each round's ratio for 1, 4 and 5, of the medians for 2;"
	echo "CPU rows: baseline/measured, so that 1.0 means the same cost and lower means dearer;"
	echo "the load generator shares the CPUs: slapd + load generator is what an add costs the"
	echo "machine (at 8 connections the adds also queue for LMDB's one writer: docs/performance.md)."
}

# --- controls: 1 and 2 on tmpfs; 2 on ext4 with and without large folios ---

# ctl_run PREFIX WORK BENCHMARKS: those benchmarks again, by a second run
# of this script with its databases under WORK; its values join ours as
# PREFIX.KEY.  Nothing else differs: same slapd, sizes, rounds, cache.
ctl_run() {
	local prefix=$1 work=$2 only=$3
	say "control: benchmarks $only again as $prefix ($work)"
	BENCH_TMPFS=0 BENCH_FOLIO=0 BENCH_WRITEMAP=0 BENCH_ACL=0 \
	    BENCH_ONLY="$only" BENCH_WORK="$work" \
	    BENCH_CACHE="$CACHE" BENCH_PORT="$PORT" BENCH_N="$N" \
	    BENCH_ROUNDS="$ROUNDS" BENCH_IMPORT="$IMPORT" \
	    BENCH_LAT_ADDS="$LATADDS" BENCH_NORDAHEAD="$NORDAHEAD" BENCH_SPARSE="$SPARSE" \
	    "$TOP/bench/run.sh" > "$W/control-$prefix.txt" 2>> "$W/control.log" ||
		say "control: the $prefix run failed (see $W/control.log)"
	[ -f "$work/values.txt" ] && sed "s/^/$prefix./" "$work/values.txt" >> "$W/values.txt"
	rm -rf "$work"
}

# The same benchmarks with every database on tmpfs: shmem has no buffer
# heads and (by default) no large folios, so whatever of a gap remains
# there is not ext4's page writes.
control_tmpfs() {
	local only="" b avail
	for b in 1 2; do want $b && only="$only $b"; done
	[ "$TMPFS" = 1 ] && [ -n "$only" ] || return 0
	avail=$(df -k --output=fstype,avail /dev/shm 2>/dev/null | awk 'NR == 2 && $1 == "tmpfs" { print $2 }')
	if [ "${avail:-0}" -lt 3145728 ]; then
		say "control: /dev/shm is not tmpfs with 3 GiB free: skipped"
		return 0
	fi
	ctl_run tmpfs "/dev/shm/ts-bench-$$" "${only# }"
}

# Benchmark 2 on the page cache that Debian 12's kernel has.  From 6.16 the
# kernel caches an ext4 file in large folios (up to 2 MiB), and each 4 KiB
# page LMDB writes into one costs more as the store grows (b2_db); 6.1
# caches ext4 files in 4 KiB pages only.  ext4 of these kernels still
# keeps to 4 KiB pages on a file system with the verity feature (no file
# here uses it; ext4_should_enable_large_folio()).  So benchmark 2 runs
# twice more, each on a fresh ext4 mounted from an image file through a
# loop device: made with -O verity (4 KiB folios, as on 6.1), and made
# without it (large folios on kernels that have them): the pair differs
# by the page cache's folios alone.  On a kernel without large folios for
# ext4 the two are the same.  Needs root and a loop device.
_mounts=""
control_folio() {
	local fs img mnt feat
	[ "$FOLIO" = 1 ] && want 2 || return 0
	if [ "$(id -u)" != 0 ] || ! command -v losetup mkfs.ext4 >/dev/null; then
		say "control: ext4 folios need root, losetup and mkfs.ext4: skipped"
		return 0
	fi
	for fs in large small; do
		img="$W/ext4-$fs.img" mnt="$W/ext4-$fs"
		feat=""; [ $fs = small ] && feat="-O verity"
		rm -f "$img"
		mkdir -p "$mnt"
		# shellcheck disable=SC2086
		if ! { truncate -s 8G "$img" && mkfs.ext4 -q -F $feat "$img" &&
		    mount -o loop "$img" "$mnt"; } >> "$W/control.log" 2>&1; then
			say "control: cannot make or mount an ext4 ($fs folios): skipped (see $W/control.log)"
			rm -f "$img"; rmdir "$mnt" 2>/dev/null
			continue
		fi
		_mounts="$_mounts $mnt"
		ctl_run "ext4$fs" "$mnt/run" 2
		umount "$mnt" && _mounts=$(echo "$_mounts" | sed "s| $mnt||")
		rm -f "$img"; rmdir "$mnt" 2>/dev/null
	done
}

# --- main -----------------------------------------------------------------------

T0=$(now)
# BENCH_TABLE=1: print the table of the last run again (its values.txt)
if [ "${BENCH_TABLE:-0}" = 1 ]; then
	[ -s "$W/values.txt" ] || die "no values in $W/values.txt"
	table
	exit 0
fi
mkdir -p "$W" "$CACHE"
rm -rf "$W"/db-* "$W"/export-* "$W"/b[0-9]* "$W"/fill-* "$W/values.txt"
touch "$W/values.txt"
build_tools
make_certs
for b in 1 2 3 4 5 6; do
	want $b && "bench$b"
done
control_tmpfs
control_folio
say "all benchmarks done"
# now, not at the next run's start: see bench3 on deleting many files
rm -rf "$W"/export-*
table
[ $LG_FAILED = 0 ] || { say "some load generator runs reported errors (see above)"; exit 1; }
exit 0
