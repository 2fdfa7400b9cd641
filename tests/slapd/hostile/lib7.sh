# lib7.sh - helpers of the hardening tests (t7xx), sourced after lib.sh
#
# Every hostile case goes through refuse(): it sends one LDIF, checks the
# result code and the server's message, checks that the store did not
# change and that slapd still answers, and appends a line to
# $T/results.tsv (case, attribute, operation, code, message) from which
# docs/hardening.md's table is made.

HOSTILE="$TOP/tests/slapd/hostile"
# export_node; the export checks below replace export.sh's (one level)
. "$TOP/tests/slapd/export.sh"
# the system's python3 when there is one: version-manager shims cost a
# shell per call, and the tests call python often
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3 || PYTHON=python3
export PYTHON
python3() { "$PYTHON" "$@"; }
MKDER="$PYTHON $HOSTILE/mkder.py"
CHECKEXPORT="$PYTHON $HOSTILE/checkexport.py"

# gen_hostile [names]: the corpus in $T/h (see hostile/gen.sh)
gen_hostile() {
	sh "$HOSTILE/gen.sh" "$T/h" ${1:-} || die "hostile corpus: see $T/h/gen.err"
}

# add_ldif ALIAS ATTR FILE: an add of one entry with ATTR read from FILE
add_ldif() {
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\n%s:< file://%s\n\n' \
	    "$1" "$BASE" "$1" "$2" "$3"
}

# replace_ldif DN ATTR FILE: a modify replacing ATTR with FILE's bytes
replace_ldif() {
	printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s:< file://%s\n-\n\n' \
	    "$1" "$2" "$2" "$3"
}

# ldap_message OUTPUT: the server's diagnostic text from ldap tool output
ldap_message() {
	printf '%s\n' "$1" | sed -n 's/^[[:space:]]*additional info: //p' | head -n 1
}

# refuse NODE CASE ATTR OP CODE REGEX LDIF [SECRETFILE]: LDIF (add or
# modify, as OP says) must get CODE with a message matching REGEX (grep
# -Ei), change nothing and leave slapd answering.  SECRETFILE, when given,
# is key material the message must not echo.
refuse() {
	_n=$1 _case=$2 _attr=$3 _op=$4 _want=$5 _re=$6 _ldif=$7 _secret=${8:-}
	# one snapshot per change of the store, not two per case: a refusal
	# leaves the store as the previous case left it
	[ -n "${_snap_base:-}" ] || _snap_base=$(snapshot "$_n")
	_before=$_snap_base
	if [ "$_op" = add ]; then
		_out=$(ladd "$_n" -f "$_ldif" 2>&1)
	else
		_out=$(lmodify "$_n" -f "$_ldif" 2>&1)
	fi
	_got=$?
	_msg=$(ldap_message "$_out")
	[ -n "$_msg" ] || _msg=$(printf '%s\n' "$_out" | grep -v '^adding\|^modifying' | head -n 1)
	printf '%s\t%s\t%s\t%s\t%s\n' "$_case" "$_attr" "$_op" "$_got" "$_msg" \
	    >> "$T/results.tsv"
	_ok=1
	if [ "$_got" != "$_want" ]; then
		fail "$_case ($_op $_attr): expected result $_want, got $_got: $_msg"
		_ok=0
	elif ! printf '%s' "$_msg" | grep -Eiq -- "$_re"; then
		fail "$_case ($_op $_attr): message '$_msg' does not match /$_re/"
		_ok=0
	fi
	if [ -n "$_secret" ] && [ -f "$_secret" ]; then
		# any 16 characters of the key's base64 body must not appear
		_body=$(sed -n '2p' "$_secret" | cut -c1-16)
		if [ -n "$_body" ] && printf '%s' "$_out" | grep -qF -- "$_body"; then
			fail "$_case: the message echoes key material"
			_ok=0
		fi
	fi
	_after=$(snapshot "$_n")
	if [ "$_after" != "$_before" ]; then
		fail "$_case ($_op $_attr): the store changed"
		_snap_base=$_after
		_ok=0
	fi
	# the snapshot just answered; the process must still be the same one
	kill -0 "$(cat "$T/n$_n/pid")" 2>/dev/null ||
		die "$_case: slapd of node $_n is gone"
	[ $_ok = 1 ] && pass "$_case ($_op $_attr): $_got ($_msg)"
	return 0
}

# accept NODE CASE ATTR OP LDIF: LDIF must succeed; records the result too
accept() {
	_n=$1 _case=$2 _attr=$3 _op=$4 _ldif=$5
	if [ "$_op" = add ]; then
		_out=$(ladd "$_n" -f "$_ldif" 2>&1)
	else
		_out=$(lmodify "$_n" -f "$_ldif" 2>&1)
	fi
	_got=$?
	_snap_base=""		# the store changed (or should have)
	printf '%s\t%s\t%s\t%s\t%s\n' "$_case" "$_attr" "$_op" "$_got" \
	    "$(ldap_message "$_out")" >> "$T/results.tsv"
	if [ "$_got" = 0 ]; then
		pass "$_case ($_op $_attr): accepted"
	else
		fail "$_case ($_op $_attr): expected success, got $_got: $_out"
	fi
	node_alive "$_n" || die "$_case: slapd of node $_n no longer answers"
	[ "$_got" = 0 ]
}

# results: print the table of every case run
results() {
	echo "---- results (case, attribute, operation, code, message)"
	[ -f "$T/results.tsv" ] && cat "$T/results.tsv"
}

# export_check NODE DIR [BUNDLE]: the export directory (and bundle) hold
# exactly the certificates of the database, named as openssl rehash names
# them (see hostile/checkexport.py)
export_check() {
	_n=$1 _dir=$2 _bundle=${3:-}
	lsearch "$_n" -b "$BASE" -s one '(objectClass=tsCertificate)' \
	    cn 'userCertificate;binary' tsSubjectHash > "$T/export-db.ldif" ||
		{ fail "export_check: search failed"; return 1; }
	if $CHECKEXPORT "$T/export-db.ldif" "$_dir" ${_bundle:+"$_bundle"}; then
		pass "export files equal the database"
	else
		fail "export files differ from the database"
		return 1
	fi
}

# wait_export NODE DIR [BUNDLE]: poll export_check quietly for up to 20 s
wait_export() {
	_i=0
	while [ $_i -lt 100 ]; do
		lsearch "$1" -b "$BASE" -s one '(objectClass=tsCertificate)' \
		    cn 'userCertificate;binary' tsSubjectHash > "$T/export-db.ldif" 2>/dev/null &&
		$CHECKEXPORT -q "$T/export-db.ldif" "$2" ${3:+"$3"} &&
			{ pass "export files equal the database"; return 0; }
		sleep 0.2
		_i=$((_i + 1))
	done
	export_check "$@"
}


# race_init: ts_init for the 8-client races (t091, t750, t760, t765): the
# certificates go to $H/c, CLIENTS is 8
race_init() {
	ts_init
	H="$T/h"
	mkdir -p "$H/c"
	CLIENTS=8
}

# client_ldifs FN: $T/client-C.ldif for C = 0..CLIENTS-1, what FN C prints
client_ldifs() {
	_cl=0
	while [ $_cl -lt "$CLIENTS" ]; do
		"$1" $_cl > "$T/client-$_cl.ldif" || die "client $_cl's LDIF"
		_cl=$((_cl + 1))
	done
}

# run_clients N COMMAND...: COMMAND -f $T/client-C.ldif for C = 0..N-1, all
# at once, each writing $T/client-C.out; exits with the number that failed
run_clients() {
	_rn=$1
	shift
	_c=0
	while [ $_c -lt $_rn ]; do
		"$@" -f "$T/client-$_c.ldif" > "$T/client-$_c.out" 2>&1 &
		echo $! > "$T/client-$_c.pid"
		_c=$((_c + 1))
	done
	_c=0 _rfailed=0
	while [ $_c -lt $_rn ]; do
		wait "$(cat "$T/client-$_c.pid")" || _rfailed=$((_rfailed + 1))
		_c=$((_c + 1))
	done
	return $_rfailed
}

# bulk_keys: $H/subject.der, the 2048-bit key the certificates certify, and
# $H/issuer.der, a 1024-bit key that signs them (six times faster to make)
bulk_keys() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out "$H/subject.der" 2>/dev/null &&
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -outform DER -out "$H/issuer.der" 2>/dev/null ||
		die "keys"
}

# fingerprints_match LDIF [MIN]: every entry of LDIF (searched for
# userCertificate;binary and tsFingerprintSHA256) carries the SHA-256 of its
# own certificate; with MIN, there are at least MIN such entries and the
# counts go to stderr
fingerprints_match() {
	python3 - "$1" ${2:+"$2"} <<'EOF'
import base64, hashlib, sys
bad = n = 0
for block in open(sys.argv[1], 'rb').read().split(b'\n\n'):
	cert = fp = None
	for line in block.split(b'\n'):
		if line.startswith(b'userCertificate;binary::'):
			cert = base64.b64decode(line.split(b'::', 1)[1].strip())
		elif line.startswith(b'tsFingerprintSHA256:'):
			fp = line.split(b':', 1)[1].strip().decode()
	if cert is None:
		continue
	n += 1
	if fp != hashlib.sha256(cert).hexdigest():
		bad += 1
if len(sys.argv) > 2:
	sys.stderr.write('%d entries, %d inconsistent\n' % (n, bad))
	sys.exit(1 if bad or n < int(sys.argv[2]) else 0)
sys.exit(1 if bad else 0)
EOF
}
