#!/bin/sh
# t710-names.sh - odd names, serials and dates: refused cleanly, or stored
# with decorations equal to what the openssl command line prints
#
# Names that OpenSSL itself cannot decode (invalid UTF-8, an odd-length
# BMPString) must be refused.  Names that are legal but awkward (RFC 4514
# special characters, right-to-left marks) must be accepted and escaped
# exactly as `openssl x509 -nameopt RFC2253,-esc_msb` escapes them.  For a
# NUL or control characters inside a name either answer is acceptable, as
# long as it is a clean refusal or a correct escape; the table records which.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
ts_init
gen_hostile names
H="$T/h"

node_conf 1
node_start 1
add_base 1

# value N DN ATTR: the values of ATTR, base64 decoded, one per line
value() {
	lsearch "$1" -b "$2" -s base "$3" | python3 -c '
import base64, sys
want = sys.argv[1].lower()
for line in sys.stdin.buffer.read().split(b"\n"):
	name, sep, val = line.partition(b":")
	if name.decode().lower() != want:
		continue
	if val.startswith(b":"):
		val = base64.b64decode(val[1:].strip())
	elif val.startswith(b" "):
		val = val[1:]
	sys.stdout.buffer.write(val + b"\n")' "$3"
}

# facts DERFILE DN: compare the decorations of DN with what openssl
# prints for DERFILE (dates turned into GeneralizedTime), one line each;
# one openssl, one ldapsearch and one python per certificate
facts() {
	openssl x509 -inform DER -in "$1" -noout -subject -issuer -serial \
	    -startdate -enddate -nameopt RFC2253,-esc_msb -dateopt iso_8601 > "$T/ossl.txt"
	lsearch 1 -b "$2" -s base tsSubject tsIssuer tsSerialNumber tsNotBefore \
	    tsNotAfter > "$T/entry.ldif"
	python3 - "$T/ossl.txt" "$T/entry.ldif" <<'PY'
import base64, re, sys
names = {'subject': 'tsSubject', 'issuer': 'tsIssuer', 'serial': 'tsSerialNumber',
	 'notBefore': 'tsNotBefore', 'notAfter': 'tsNotAfter'}
want = {}
for line in open(sys.argv[1], 'rb').read().split(b'\n'):
	k, _, v = line.partition(b'=')
	k = k.decode()
	if k in ('notBefore', 'notAfter'):
		v = re.sub(rb'[- :]', b'', v)
	if k in names:
		want[names[k]] = v
got = {}
for line in open(sys.argv[2], 'rb').read().split(b'\n'):
	k, _, v = line.partition(b':')
	if v.startswith(b':'):
		v = base64.b64decode(v[1:].strip())
	elif v.startswith(b' '):
		v = v[1:]
	got[k.decode()] = v
bad = 0
for a in names.values():
	w, g = want.get(a), got.get(a)
	if w != g:
		bad += 1
		print('FAIL - %s is %r, openssl says %r' % (a, g, w))
	else:
		print('ok - %s = %r' % (a, g[:40]))
sys.exit(1 if bad else 0)
PY
}

# compare CASE DERFILE: decorations of cn=h-CASE equal openssl's output
compare() {
	if facts "$2" "cn=h-$1,$BASE" > "$T/facts.out"; then
		pass "$1: tsSubject, tsIssuer, tsSerialNumber, tsNotBefore, tsNotAfter as openssl prints them"
		sed 's/^/    /' "$T/facts.out"
	else
		fail "$1: decorations differ from openssl"; cat "$T/facts.out" >&2
	fi
}

# must_accept CASE: stored, decorations as openssl prints them
must_accept() {
	add_ldif "h-$1" 'userCertificate;binary' "$H/$1.der" > "$T/case.ldif"
	accept 1 "$1" 'userCertificate;binary' add "$T/case.ldif" && compare "$1" "$H/$1.der"
}

# either CASE REGEX: a clean refusal (21, REGEX) or stored with correct escapes
either() {
	add_ldif "h-$1" 'userCertificate;binary' "$H/$1.der" > "$T/case.ldif"
	before=$(snapshot 1)
	out=$(ladd 1 -f "$T/case.ldif" 2>&1)
	rc=$?
	msg=$(ldap_message "$out")
	printf '%s\t%s\t%s\t%s\t%s\n' "$1" 'userCertificate;binary' add "$rc" "$msg" >> "$T/results.tsv"
	case $rc in
	0)	pass "$1: accepted"; compare "$1" "$H/$1.der" ;;
	21)	printf '%s' "$msg" | grep -Eiq -- "$2" &&
		    pass "$1: refused (21: $msg)" || fail "$1: 21 but message '$msg'"
		[ "$(snapshot 1)" = "$before" ] && pass "$1: store unchanged" ||
		    fail "$1: store changed on refusal" ;;
	*)	fail "$1: result $rc: $out" ;;
	esac
	node_alive 1 || die "slapd died on $1"
}

NAME='name|UTF-8|string|certificate|decod|pars'
# OpenSSL's own d2i_X509 refuses these: so must we
for k in name-badutf8 name-overlong name-bmp-odd; do
	add_ldif "h-$k" 'userCertificate;binary' "$H/$k.der" > "$T/case.ldif"
	refuse 1 "$k" 'userCertificate;binary' add 21 "$NAME" "$T/case.ldif"
done
# legal, awkward: accepted and escaped as RFC 4514 wants
must_accept name-special
must_accept name-rtl
must_accept name-printable-bad
# NUL, control characters, a newline: refused, or escaped (\00, \0A)
either name-nul "$NAME"
either name-ctrl "$NAME"
either name-newline "$NAME"

# serials: zero and a 20-byte all-ones serial are legal DER
must_accept serial-zero
must_accept serial-big
# negative: RFC 5280 forbids it, but TLS libraries accept it
either serial-negative "serial|negative"

# dates: GeneralizedTime after 2049, 99991231235959Z (no expiry),
# before 1970 and before 1950
must_accept date-2060
must_accept date-9999
must_accept date-1965
must_accept date-1900
st=$(value 1 "cn=h-date-9999,$BASE" tsStatus)
[ "$st" = valid ] && pass "tsStatus of a 9999 certificate: valid" || fail "tsStatus '$st'"
add_ldif h-date-expired-1969 'userCertificate;binary' "$H/date-expired-1969.der" > "$T/case.ldif"
refuse 1 date-expired-1969 'userCertificate;binary' add 19 "expired" "$T/case.ldif"

# ordering on dates before 1970 and after 2050 works in filters
n=$(lsearch 1 -b "$BASE" '(tsNotBefore<=19691231235959Z)' 1.1 | grep -c '^dn:')
[ "$n" = 2 ] && pass "(tsNotBefore<=1969...) finds the 1900 and 1965 certificates" ||
	fail "(tsNotBefore<=1969...) found $n entries, not 2"
n=$(lsearch 1 -b "$BASE" '(tsNotAfter>=20500101000000Z)' 1.1 | grep -c '^dn:')
[ "$n" = 2 ] && pass "(tsNotAfter>=2050...) finds the 2060 and 9999 certificates" ||
	fail "(tsNotAfter>=2050...) found $n entries, not 2"
node_alive 1 && pass "slapd answers" || fail "slapd down"
results
