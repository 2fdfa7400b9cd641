# export.sh - helpers for the export tests (t1xx), sourced after lib.sh
#
# db_ldif N FILE: the certificate entries of node N as checkexport.py wants
# export_equal N DIR [BUNDLE]: the files equal node N's database now
# wait_export N DIR [BUNDLE]: the same, polled for up to 15 s (the files
#   follow the database from a background task, within milliseconds)
# rehash_names DIR: the names `openssl rehash` gives the certificates of
#   DIR (copied elsewhere), one "<hash>.<n> <sha256>" per line, sorted
# our_names DIR: the same for DIR itself
# export_node [BASE]: node 1 started with the export on (see below)
CHECKEXPORT="$TOP/tests/slapd/hostile/checkexport.py"

db_ldif() {
	lsearch "$1" -b "$BASE" '(objectClass=tsCertificate)' cn \
	    'userCertificate;binary' tsSubjectHash > "$2"
}

export_equal() {
	db_ldif "$1" "$T/db.ldif" || return 1
	python3 "$CHECKEXPORT" ${_ee_quiet:+-q} "$T/db.ldif" "$2" ${3:+"$3"}
}

wait_export() {
	_we_end=$(( $(date +%s) + 15 ))
	while ! _ee_quiet=1 export_equal "$@"; do
		if [ "$(date +%s)" -ge $_we_end ]; then
			export_equal "$@"
			return 1
		fi
		sleep 0.1
	done
}

# hash.n plus the fingerprint of what it holds, so collisions compare too
_names_of() {
	for f in "$1"/*; do
		b=$(basename "$f")
		case "$b" in [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].[0-9]*) ;; *) continue;; esac
		echo "$b $(openssl x509 -in "$f" -noout -fingerprint -sha256 | cut -d= -f2)"
	done | sort
}

our_names() { _names_of "$1"; }

rehash_names() {
	_rd="$T/rehash.$$"
	rm -rf "$_rd"; mkdir -p "$_rd"
	i=0
	for f in "$1"/*; do
		case "$(basename "$f")" in [0-9a-f]*.[0-9]*) ;; *) continue;; esac
		i=$((i + 1))
		cp "$f" "$_rd/c$i.pem"
	done
	openssl rehash "$_rd" 2>/dev/null
	rm -f "$_rd"/c*.pem.tmp
	# rehash keeps which certificate gets which n free: compare the sets
	# per hash (name and fingerprint of what it holds)
	_names_of "$_rd"
	rm -rf "$_rd"
}

# until_ok SECONDS CMD...: poll CMD until it succeeds
until_ok() {
	end=$(( $(date +%s) + $1 )); shift
	while ! "$@"; do
		[ "$(date +%s)" -lt $end ] || return 1
		sleep 0.2
	done
}

# --- the live TLS proof (t110, t112, t113) ---------------------------------
# A "back end" slapd (node 2) serves ldaps for BE_SUFFIX with a self-signed
# certificate the store does not hold; trust-store node N proxies to it
# over TLS with tls_cacertdir = its export directory $T/exportN.
#
# live_tls_backend: start the back end and check it answers
# live_tls LABEL N conf GLOBAL DB: node N by slapd.conf: GLOBAL are its
#   moduleload lines, DB the proxy database (after truststore-export-dir)
# live_tls LABEL N cn LDIF: node N by cn=config: LDIF adds the module and
#   the proxy database
#   then node N is started and proves, checks named "LABEL: ...":
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate, no restart, it succeeds;
#   3. after deleting it, a new connection through the proxy fails again.
# What differs per back end: LT_REBUILT_DESC / LT_REBUILT_LOG, the check
# that the proxy's TLS context was rebuilt (description, log text), and
# LT_CUT_DESC / LT_CUT_LOG, the check that its cached session was cut
# (skipped when LT_CUT_LOG is empty: the store cannot cut it).
BE_SUFFIX="dc=backend"
LT_REBUILT_DESC="the TLS context was rebuilt (log)"
LT_REBUILT_LOG="TLS context rebuilt"
LT_CUT_DESC=""
LT_CUT_LOG=""

# tls_server_conf NAME WHO SUFFIX [MODULES [DB [HELLO]]]: node 2's
#   slapd.conf, a plain slapd serving SUFFIX over TLS with certificate NAME
#   (made here, for 127.0.0.1), loaded with SUFFIX and cn=hello.  MODULES:
#   more moduleload lines; DB: more database lines; HELLO: more attribute
#   lines of cn=hello; WHO names the server in the failure message
tls_server_conf() {
	mkcert "$1" -addext "subjectAltName=IP:127.0.0.1"
	d="$T/n2"
	mkdir -p "$d/db"
	cat > "$d/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
pidfile $d/slapd.pid
modulepath /usr/lib/ldap
moduleload back_mdb
${4:+$4
}TLSCertificateFile $T/certs/$1.pem
TLSCertificateKeyFile $T/certs/$1.key
database mdb
suffix "$3"
rootdn "cn=admin,$3"
directory $d/db
${5:-}
EOF
	slapadd -f "$d/slapd.conf" -l /dev/stdin >/dev/null 2>&1 <<EOF || die "$2 slapadd"
dn: $3
objectClass: dcObject
objectClass: organization
dc: ${3#dc=}
o: ${3#dc=}

dn: cn=hello,$3
objectClass: organizationalRole
cn: hello
${6:-}
EOF
}

live_tls_backend() {
	tls_server_conf backend "back end" "$BE_SUFFIX" "" "" \
	    "description: reached through the proxy"
	slapd_spawn "$T/n2.log" $SLAPD -d "$TS_DEBUG" -f "$d/slapd.conf" \
	    -h "ldaps://127.0.0.1:$(port 2)/"
	echo "$SPID" > "$d/pid"
	i=0
	while ! LDAPTLS_REQCERT=never ldapsearch -x -H "ldaps://127.0.0.1:$(port 2)/" \
	    -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		i=$((i + 1)); [ $i -lt 200 ] || die "back end not answering"
		sleep 0.1
	done
	check "back end answers over ldaps (certificate not checked)" true
}

# _lt_through N: search the back end's entry through node N's proxy
_lt_through() {
	ldapsearch -x -H "$(uri "$1")" -b "$BE_SUFFIX" -LLL "(cn=hello)" description \
	    > "$T/through.out" 2>&1 && grep -q "reached through the proxy" "$T/through.out"
}

live_tls() {
	_lt_label=$1 _lt_n=$2
	case $3 in
	conf)
		printf '%s\n' "$4" > "$T/global.conf"
		printf 'truststore-export-dir %s\n%s\n' "$T/export$_lt_n" "$5" \
		    > "$T/extra$_lt_n.conf"
		node_conf "$_lt_n" "$T/extra$_lt_n.conf" "$T/global.conf"
		;;
	cn)
		printf '%s\n\n' "$4" > "$T/extra$_lt_n.ldif"
		TS_OVERLAY_CN="olcTrustStoreExportDir: $T/export$_lt_n" \
		    node_conf_cn "$_lt_n" "$T/extra$_lt_n.ldif"
		;;
	*)	die "live_tls: style $3?" ;;
	esac
	# LT_PRELOAD: a function that fills node N's database (offline)
	[ -z "${LT_PRELOAD:-}" ] || "$LT_PRELOAD" "$_lt_n"
	node_start "$_lt_n"
	add_base "$_lt_n"
	_lt_proof "$_lt_label" "$_lt_n"
}

_lt_proof() {
	style=$1 n=$2
	check "$style: 1. proxy refuses the untrusted back end" not _lt_through "$n"
	check "$style: 1. refused by the proxy's TLS, not by the network" \
	    grep -q "TLS: can't connect" "$T/n$n.log"
	cert_ldif backend "$T/certs/backend.der" | ladd "$n" >/dev/null ||
	    fail "$style: ldapadd of the back end's certificate"
	pid=$(cat "$T/n$n/pid")
	check "$style: 2. proxy trusts the back end within 10 s, no restart" \
	    until_ok 10 _lt_through "$n"
	check "$style: 2. same slapd process" test "$pid" = "$(cat "$T/n$n/pid")"
	check "$style: 2. $LT_REBUILT_DESC" grep -q "$LT_REBUILT_LOG" "$T/n$n.log"
	ldelete "$n" "cn=backend,$BASE" || fail "$style: delete"
	check "$style: 3. a new connection through the proxy fails again" \
	    until_ok 10 not _lt_through "$n"
	check "$style: 3. and keeps failing" not _lt_through "$n"
	# a cached session must be cut, not left trusted
	[ -z "$LT_CUT_LOG" ] ||
	    check "$style: 3. $LT_CUT_DESC" grep -q "$LT_CUT_LOG" "$T/n$n.log"
	check "$style: node still running" node_alive "$n"
}

# export_node [BASE]: node 1 exporting to $T/export and $T/bundle.pem,
# started, with the base entries; BASE: truststore-base (default: the
# suffix)
export_node() {
	mkdir -p "$T/export"
	{
		[ -z "${1:-}" ] || printf 'truststore-base "%s"\n' "$1"
		printf 'truststore-export-dir %s\n' "$T/export"
		printf 'truststore-export-bundle %s\n' "$T/bundle.pem"
	} > "$T/overlay.conf"
	node_conf 1 "$T/overlay.conf"
	node_start 1
	add_base 1
}
