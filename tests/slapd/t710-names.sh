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
gen_hostile
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

# ossl DERFILE WHAT: what openssl prints (subject, issuer, serial,
# startdate, enddate as GeneralizedTime)
ossl() {
	case $2 in
	subject|issuer)
		openssl x509 -inform DER -in "$1" -noout -"$2" -nameopt RFC2253,-esc_msb |
		    sed "s/^$2=//" ;;
	serial)
		openssl x509 -inform DER -in "$1" -noout -serial | sed 's/^serial=//' ;;
	startdate|enddate)
		openssl x509 -inform DER -in "$1" -noout -"$2" -dateopt iso_8601 |
		    sed 's/^[a-zA-Z]*=//; s/[- :]//g' ;;
	esac
}

# compare CASE DERFILE: decorations of cn=h-CASE equal openssl's output
compare() {
	dn="cn=h-$1,$BASE"
	for w in subject:tsSubject issuer:tsIssuer serial:tsSerialNumber \
	    startdate:tsNotBefore enddate:tsNotAfter; do
		o=${w%%:*} a=${w#*:}
		want=$(ossl "$2" "$o")
		got=$(value 1 "$dn" "$a")
		if [ "$got" = "$want" ]; then
			pass "$1: $a = $(printf '%s' "$got" | od -An -c | tr -s ' ' | head -c 60)"
		else
			fail "$1: $a is '$got', openssl says '$want'"
		fi
	done
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
