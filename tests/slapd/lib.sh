# lib.sh - shared harness for the slapd integration tests (POSIX sh)
#
# A test script sources this file, calls ts_init, then builds and starts
# real slapd nodes on loopback.  Ports come from the test's number (tNNN
# gets 20000+NNN*10 ...+9), every PID is recorded and stopped on exit, and
# the -d logs of every node are printed when the test fails.
#
#   . "$(dirname "$0")/lib.sh"
#   ts_init
#   node_conf 1            # slapd.conf style; node_conf_cn 1 for cn=config
#   node_start 1
#   ldapadd_n 1 <<EOF ... EOF
#   pass "what was shown"
set -u

# TS_TOP: the source tree, for scripts outside tests/slapd (bench/)
TOP=${TS_TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$TOP/scripts/cnconfig.sh"
# TS_BUILD names an out-of-tree build directory (configure run there)
BUILD=${TS_BUILD:-$TOP}
MODULE="$BUILD/overlay/truststore.so"
LDAPTRUST="$BUILD/client/ldaptrust"
SCHEMA="$TOP/schema/truststore.schema"
SCHEMA_LDIF="$TOP/schema/truststore.ldif"
SUFFIX="o=ts"
BASE="ou=certs,o=ts"
ROOTDN="cn=admin,o=ts"
ROOTPW="secret"
SLAPD=${SLAPD:-/usr/sbin/slapd}
TS_DEBUG=${TS_DEBUG:-stats}
# TS_SLOW=N multiplies the start and stop waits (valgrind runs use 10)
TS_SLOW=${TS_SLOW:-1}
_ts_pids=""
_ts_failed=0
_ts_checks=0
# slapd processes whose end is checked (slapd_watch), those a test
# killed on purpose (slapd_killed), and those already checked
_ts_slapds=""
_ts_killed=""
_ts_reaped=""

ts_init() {
	name=$(basename "$0" .sh)
	num=$(echo "$name" | sed -n 's/^t\([0-9][0-9]*\).*/\1/p')
	[ -n "$num" ] || num=999
	# TS_PORT_OFFSET moves a whole run (two checkouts testing at once);
	# keep it under 2700: from 32768 up the ports are the kernel's
	# ephemeral range, where an outgoing connection (syncrepl, a client)
	# can hold the port a node is about to listen on (errno 98)
	PORT_BASE=$((20000 + $(expr "$num" + 0) * 10 + ${TS_PORT_OFFSET:-0}))
	T="$TOP/tests/.run/$name"
	rm -rf "$T"
	mkdir -p "$T"
	trap '_ts_exit' EXIT
	trap 'exit 130' INT TERM
}

# ts_atexit FUNCTION: run FUNCTION on exit, after every node has stopped
# (e.g. to delete network namespaces the test made)
_ts_atexit=""
ts_atexit() { _ts_atexit="$_ts_atexit $1"; }

_ts_exit() {
	rc=$?
	for p in $_ts_pids; do
		kill "$p" 2>/dev/null
	done
	for p in $_ts_pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt $((TS_SLOW * 50)) ]; do
			sleep 0.1; i=$((i + 1))
		done
		if kill -9 "$p" 2>/dev/null; then
			case " $_ts_slapds " in *" $p "*)
				slapd_killed "$p"
				fail "slapd $p did not stop within $((TS_SLOW * 5)) s of SIGTERM";;
			esac
		fi
	done
	for p in $_ts_slapds; do slapd_reap "$p"; done
	[ $_ts_failed = 0 ] || rc=1
	if [ $rc != 0 ]; then
		for log in "$T"/n*.log; do
			[ -f "$log" ] || continue
			echo "---- last lines of $log"
			tail -n 30 "$log"
		done
	fi
	for h in $_ts_atexit; do "$h"; done
	if [ $rc = 0 ]; then
		echo "ok: $_ts_checks checks"
	fi
	exit $rc
}

# --- reporting ---------------------------------------------------------

pass() { _ts_checks=$((_ts_checks + 1)); echo "ok - $*"; }
fail() { _ts_failed=1; echo "FAIL - $*" >&2; }
die() { fail "$*"; exit 1; }
# check DESC CMD...: pass when CMD succeeds
check() { d=$1; shift; if "$@"; then pass "$d"; else fail "$d"; fi; }
# not CMD...: succeeds when CMD fails (for check)
not() { ! "$@"; }

# slapd_watch PID [LOG FROM]: PID is a slapd started by this test: its end
# is checked (slapd_spawn starts one so).  A slapd that ends on a signal (a crash, mid-test or while
# it shuts down on SIGTERM, which it answers with exit status 0) fails the
# test: otherwise a crash that changes no answer would pass unseen.
# LOG is its -d log and FROM the log's line count before it started.
#
# One crash is slapd 2.5.13's own and is only noted: at shutdown slapd
# waits until its worker threads have said they are done, not until they
# have exited, then closes the mdb databases; a worker still running
# LMDB's thread-exit clean-up of its reader slot then writes into the
# unmapped lock file (SIGSEGV in mdb_env_reader_dest), or runs it once
# back_mdb is unloaded, even after main() has logged "slapd stopped.".
# Seen about once in 1,000 stops, with the trust store module not loaded
# at all (docs/hardening.md, t003).  So a SIGSEGV after the log's "slapd
# shutdown: waiting for" is noted, not failed; a slapd started with -d 0
# logs nothing, and its crashes always fail.
slapd_watch() {
	_ts_slapds="$_ts_slapds $1"
	[ $# -ge 3 ] && eval "_ts_log_$1=\$2 _ts_from_$1=\$3"
	return 0
}
# slapd_spawn LOG CMD...: run CMD (slapd, or a command that execs it) in
# the background, its output appended to LOG; SPID is its PID, stopped on
# exit and watched (slapd_watch)
slapd_spawn() {
	_log=$1
	shift
	if [ -f "$_log" ]; then _from=$(wc -l < "$_log"); else _from=0; fi
	"$@" >>"$_log" 2>&1 &
	SPID=$!
	_ts_pids="$_ts_pids $SPID"
	slapd_watch "$SPID" "$_log" "$_from"
}
# _ts_in_shutdown LOG FROM: the log of the slapd started after line FROM
# (up to the next slapd's start) shows its shutdown begun
_ts_in_shutdown() {
	awk -v from="$2" 'NR > from {
		if (/slapd starting/ && ++started > 1) exit
		if (/slapd shutdown: waiting for/) waiting = 1
	} END { exit !waiting }' "$1"
}
# slapd_killed PID: the test kills PID with a signal on purpose
slapd_killed() { _ts_killed="$_ts_killed $1"; }
# slapd_reap PID: collect PID's exit status once (it must have ended)
slapd_reap() {
	case " $_ts_reaped " in *" $1 "*) return 0;; esac
	_ts_reaped="$_ts_reaped $1"
	wait "$1" 2>/dev/null
	_st=$?
	case " $_ts_killed " in *" $1 "*) return 0;; esac
	# 127: not this shell's child (started elsewhere); 129-255: a signal
	[ $_st -gt 128 ] || return 0
	eval "_log=\${_ts_log_$1:-} _from=\${_ts_from_$1:-0}"
	if [ $_st = 139 ] && [ -n "$_log" ] && _ts_in_shutdown "$_log" "$_from"; then
		echo "note - slapd $1 ended on SIGSEGV after its shutdown began:" \
		    "slapd 2.5.13's race of its exiting workers with closing mdb (lib.sh)"
		return 0
	fi
	fail "slapd $1 ended on signal $((_st - 128)) (exit status $_st)"
	return 0
}

# need_nobody: skip (77) unless running as root with a user nobody;
# as_nobody CMD...: run CMD as nobody, the other local user of the tests
need_nobody() {
	id nobody >/dev/null 2>&1 || { echo "no user nobody"; exit 77; }
	[ "$(id -u)" = 0 ] || { echo "not root"; exit 77; }
}
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

# --- nodes ---------------------------------------------------------------

port() { echo $((PORT_BASE + $1)); }
# TS_HOST_N / TS_NETNS_N: node N listens on that address / runs in that
# network namespace (a partition test); otherwise 127.0.0.1 here.
uri() { eval "_h=\${TS_HOST_$1:-127.0.0.1}"; echo "ldap://$_h:$(port "$1")/"; }
# curi N: where test clients reach node N: its ldapi socket when
# TS_CLIENT_LDAPI=1 (unix sockets cross network namespaces), else uri.
curi() { if [ "${TS_CLIENT_LDAPI:-0}" = 1 ]; then ldapi "$1"; else uri "$1"; fi; }
ldapi() { printf 'ldapi://%s' "$(printf '%s' "$T/n$1.sock" | sed 's|/|%2F|g')"; }

# node_conf N [file-with-extra-overlay-config] [file-with-extra-global]:
# slapd.conf for node N: mdb database $SUFFIX with the overlay on.
node_conf() {
	n=$1 extra=${2:-} global=${3:-}
	d="$T/n$n"
	mkdir -p "$d/db"
	{
		echo "include /etc/ldap/schema/core.schema"
		echo "include /etc/ldap/schema/cosine.schema"
		echo "include /etc/ldap/schema/inetorgperson.schema"
		echo "include $SCHEMA"
		echo "pidfile $d/slapd.pid"
		echo "modulepath /usr/lib/ldap"
		echo "moduleload back_mdb"
		echo "moduleload $MODULE"
		[ -n "$global" ] && cat "$global"
		echo "database config"
		echo "access to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * break"
		echo "database mdb"
		echo "suffix \"$SUFFIX\""
		echo "rootdn \"$ROOTDN\""
		echo "rootpw $ROOTPW"
		echo "directory $d/db"
		echo "maxsize 1073741824"
		echo "index objectClass eq"
		echo "index entryUUID eq"
		echo "overlay truststore"
		[ -n "$extra" ] && cat "$extra"
	} > "$d/slapd.conf"
	echo "-f $d/slapd.conf" > "$d/confarg"
}

# node_conf_cn N [ldif-to-append]: the same node as cn=config (slapd.d).
# TS_OVERLAY_CN, if set, holds attribute lines for the overlay's entry.
node_conf_cn() {
	n=$1 extra=${2:-}
	d="$T/n$n"
	mkdir -p "$d/db" "$d/slapd.d"
	{
		ts_cnconfig "$d/slapd.pid" break "back_mdb $MODULE" "$SCHEMA_LDIF"
		cat <<EOF
olcRootDN: cn=config
olcRootPW: $ROOTPW

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcRootDN: $ROOTDN
olcRootPW: $ROOTPW
olcDbDirectory: $d/db
olcDbMaxSize: 1073741824
olcDbIndex: objectClass eq
olcDbIndex: entryUUID eq

dn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcTrustStoreConfig
olcOverlay: {0}truststore
EOF
		# TS_OVERLAY_CN: attribute lines for the overlay entry
		[ -n "${TS_OVERLAY_CN:-}" ] && printf '%s\n' "$TS_OVERLAY_CN"
		echo
		[ -n "$extra" ] && cat "$extra"
	} > "$d/config.ldif"
	slapadd -n0 -F "$d/slapd.d" -l "$d/config.ldif" > "$d/slapadd0.log" 2>&1 ||
		{ cat "$d/slapadd0.log"; die "slapadd -n0 for node $n"; }
	echo "-F $d/slapd.d" > "$d/confarg"
}

# node_start N: start slapd for node N and wait until it answers.
node_start() {
	n=$1
	d="$T/n$n"
	# shellcheck disable=SC2046
	eval "_ns=\${TS_NETNS_$n:-}"
	slapd_spawn "$T/n$n.log" ${_ns:+ip netns exec "$_ns"} $SLAPD -d "$TS_DEBUG" \
		$(cat "$d/confarg") -h "$(uri "$n") $(ldapi "$n")"
	pid=$SPID
	echo "$pid" > "$d/pid"
	i=0
	while ! ldapsearch -x -H "$(curi "$n")" -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null; then
			die "node $n: slapd exited at start-up"
		fi
		i=$((i + 1))
		[ $i -lt $((TS_SLOW * 200)) ] || die "node $n: slapd not answering after $((TS_SLOW * 20)) s"
		sleep 0.1
	done
}

node_stop() {
	n=$1
	pid=$(cat "$T/n$n/pid")
	kill "$pid" 2>/dev/null
	i=0
	while kill -0 "$pid" 2>/dev/null && [ $i -lt $((TS_SLOW * 100)) ]; do
		sleep 0.1; i=$((i + 1))
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		slapd_killed "$pid"
		fail "node $n did not stop"
	fi
	slapd_reap "$pid"
	return 0
}

# node_alive N: slapd of node N still runs and answers
node_alive() {
	kill -0 "$(cat "$T/n$1/pid")" 2>/dev/null &&
	    ldapsearch -x -H "$(curi "$1")" -b "" -s base -LLL 1.1 >/dev/null 2>&1
}

# --- LDAP wrappers (as the rootdn of node N) -------------------------------

lsearch() { n=$1; shift; ldapsearch -LLL -o ldif-wrap=no -x -H "$(curi "$n")" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
ladd() { n=$1; shift; ldapadd -x -H "$(curi "$n")" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
lmodify() { n=$1; shift; ldapmodify -x -H "$(curi "$n")" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
ldelete() { n=$1; shift; ldapdelete -x -H "$(curi "$n")" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
lmodrdn() { n=$1; shift; ldapmodrdn -x -H "$(curi "$n")" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
# cn=config over ldapi with SASL EXTERNAL (we run as root)
lconfig() { n=$1; shift; ldapmodify -Q -Y EXTERNAL -H "$(ldapi "$n")" "$@"; }

# add_base N: the store's base entry
add_base() {
	ladd "$1" >/dev/null <<EOF
dn: $SUFFIX
objectClass: organization
o: ts

dn: $BASE
objectClass: organizationalUnit
ou: certs
EOF
}

# client_node: node 1 holding the store's base, for ldaptrust's tests
# (skipped without the client); lt runs ldaptrust against it as the
# rootdn with standard input closed; contains TEXT OUTPUT and
# not_contains test an output for a fixed string.  A test may define
# its own after sourcing this file.
client_node() {
	[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
	node_conf 1
	node_start 1
	add_base 1
}
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
not_contains() { ! contains "$@"; }

# expect_ldap CODE TEXT CMD...: CMD must exit with LDAP result CODE and its
# output must contain TEXT (use "" to skip the message check).
expect_ldap() {
	want=$1 text=$2; shift 2
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" != "$want" ]; then
		fail "expected result $want, got $got from: $*"; echo "$out" >&2
		return 1
	fi
	if [ -n "$text" ] && ! printf '%s' "$out" | grep -qF -- "$text"; then
		fail "result $want but message lacks '$text': $out"
		return 1
	fi
	pass "result $want${text:+ ($text)}"
}

# snapshot N: sorted dump of the store with operational attributes, for
# "nothing changed" comparisons
snapshot() { lsearch "$1" -b "$SUFFIX" '*' '+' | grep -v '^$' | sort; }

# contextcsn N: the suffix's contextCSN values, sorted
contextcsn() { lsearch "$1" -b "$SUFFIX" -s base contextCSN | grep '^contextCSN:' | sort; }

# wait_sync DEADLINE_SECONDS N...: wait until every node has the same contextCSN
wait_sync() {
	limit=$1; shift
	end=$(( $(date +%s) + limit ))
	while :; do
		first="" same=1
		for n in "$@"; do
			c=$(contextcsn "$n" 2>/dev/null)
			[ -n "$c" ] || { same=0; break; }
			if [ -z "$first" ]; then first=$c
			elif [ "$c" != "$first" ]; then same=0; break; fi
		done
		[ $same = 1 ] && return 0
		if [ "$(date +%s)" -ge $end ]; then
			for n in "$@"; do echo "node $n: $(contextcsn "$n" | tr '\n' ' ')" >&2; done
			fail "nodes $* did not converge within ${limit}s"
			return 1
		fi
		sleep 0.05
	done
}

# --- renames under searches (t029, t547) ---------------------------------------

# rename_race_start N: rename cn=r1,$BASE to cn=r2 and back on node N,
# 20,000 times, in the background (RACE_PID; errors in $T/mv.out), and
# build the load generator into $T/loadgen
rename_race_start() {
	cc -O2 -o "$T/loadgen" "$TOP/bench/loadgen.c" -lldap -llber -lpthread ||
		die "cannot build bench/loadgen.c"
	_i=0
	: > "$T/mv"
	while [ $_i -lt 10000 ]; do
		printf 'cn=r1,%s\ncn=r2\ncn=r2,%s\ncn=r1\n' "$BASE" "$BASE" >> "$T/mv"
		_i=$((_i + 1))
	done
	# ldapmodrdn itself, not the lmodrdn function: $! must be its PID
	ldapmodrdn -x -H "$(curi "$1")" -D "$ROOTDN" -w "$ROOTPW" -r -c \
	    -f "$T/mv" > "$T/mv.out" 2>&1 &
	RACE_PID=$!
}

# rename_race_search N FP: 100,000 searches for fingerprint FP on node N
# (RACE_OUT: the load generator's line); each must find the certificate
rename_race_search() {
	printf 'sub\t%s\t(tsFingerprintSHA256=%s)\n' "$BASE" "$2" > "$T/q"
	RACE_OUT=$("$T/loadgen" -H "$(uri "$1")" -D "$ROOTDN" -w "$ROOTPW" \
	    -m search -f "$T/q" -c 2 -a 4 -l 100000 2>&1)
	case $RACE_OUT in
	*" empty=0 "*) pass "100,000 searches on node $1 during renames all found it";;
	*) fail "searches on node $1 during renames: $RACE_OUT";;
	esac
}

# rename_race_stop: stop the renames, which must have run until now
# without an error
rename_race_stop() {
	kill "$RACE_PID" 2>/dev/null && _still=1 || _still=0
	wait "$RACE_PID"
	[ $_still = 1 ] && pass "the renames were still running at the end" ||
		fail "the renames ended before the searches (add more)"
	[ ! -s "$T/mv.out" ] && pass "no rename failed" ||
		fail "renames: $(head -3 "$T/mv.out")"
}

# --- certificates -------------------------------------------------------------

# mkcert NAME [openssl req options...]: self-signed RSA-2048 certificate in
# $T/certs/NAME.pem (PEM), NAME.der (DER), NAME.key.  Extra options go to
# `openssl req`, e.g. -days 1, -subj /CN=x, -addext ...
mkcert() {
	name=$1; shift
	mkdir -p "$T/certs"
	c="$T/certs/$name"
	keyalg="rsa:2048"
	case " $* " in *" -newkey "*) keyalg="";; esac
	openssl req -x509 -nodes ${keyalg:+-newkey $keyalg} -keyout "$c.key" \
	    -out "$c.pem" -days 365 -subj "/CN=$name" "$@" 2>"$c.err" ||
		{ cat "$c.err"; die "mkcert $name"; }
	openssl x509 -in "$c.pem" -outform DER -out "$c.der"
}

# mkcert_dates NAME START END: self-signed EC P-256 certificate valid from
# START to END (YYYYMMDDHHMMSSZ, past or future), files as mkcert.
# OpenSSL 3.0's req/x509 cannot set dates, `openssl ca` can.
mkcert_dates() {
	name=$1 start=$2 end=$3
	mkdir -p "$T/certs/ca.db"
	c="$T/certs/$name" db="$T/certs/ca.db"
	touch "$db/index.txt"
	printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s/index.txt\nnew_certs_dir=%s\ndefault_md=sha256\npolicy=p\nunique_subject=no\nrand_serial=yes\n[p]\ncommonName=supplied\n' \
	    "$db" "$db" > "$db/ca.cnf"
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -keyout "$c.key" -subj "/CN=$name" -out "$c.csr" 2>"$c.err" &&
	openssl ca -batch -notext -config "$db/ca.cnf" -selfsign \
	    -keyfile "$c.key" -in "$c.csr" -startdate "$start" \
	    -enddate "$end" -out "$c.pem" 2>>"$c.err" ||
		{ cat "$c.err"; die "mkcert_dates $name"; }
	openssl x509 -in "$c.pem" -outform DER -out "$c.der"
}

# alpha_node LINE...: node 1 with the overlay lines LINE... (slapd.conf),
# started, with the base and certificate alpha added through it;
# alpha_stored: the add took, whatever became of the export
alpha_node() {
	printf '%s\n' "$@" > "$T/overlay.conf"
	node_conf 1 "$T/overlay.conf"
	node_start 1
	add_base 1
	mkcert alpha
	cert_ldif alpha "$T/certs/alpha.der" | ladd 1 >/dev/null || die "add alpha"
}
alpha_stored() {
	test "$(lsearch 1 -b "$BASE" '(cn=alpha)' 1.1 | grep -c '^dn:')" = 1
}

# users_ldif NAME...: an entry cn=NAME,$SUFFIX for each NAME, who binds
# with the password NAME (for tests of the access rules)
users_ldif() {
	for _u in "$@"; do
		printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\ncn: %s\nuserPassword: %s\n\n' \
		    "$_u" "$SUFFIX" "$_u" "$_u"
	done
}

# cert_ldif ALIAS DERFILE: an add of one certificate entry
cert_ldif() {
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\nuserCertificate;binary:< file://%s\n\n' \
	    "$1" "$BASE" "$1" "$2"
}
