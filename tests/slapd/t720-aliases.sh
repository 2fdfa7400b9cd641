#!/bin/sh
# t720-aliases.sh - aliases (the cn) an attacker might choose
#
# LDAP allows almost anything in a cn.  The export never uses an alias as a
# file name (names come from subject hashes), so '/' and '..' must be
# harmless; an alias is however written into the bundle's comment line, so
# a newline in it must not break the bundle or, worse, smuggle a second
# (unvalidated) certificate into it.  Each alias is either accepted with the
# export still equal to the database, or refused cleanly.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
ts_init
H="$T/h"
mkdir -p "$H"
export_node

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER \
    -out "$H/sign.der" 2>/dev/null || die "key"
$MKDER bulk "$H/sign.der" "$H" alias 12 || die "mkder bulk"
b64() { printf '%s' "$1" | base64 -w0; }
# RFC 4514: escape the specials of an attribute value inside a DN
dnesc() { printf '%s' "$1" | sed 's/[,+"\\<>;=]/\\&/g; s/^[ #]/\\&/; s/ $/\\ /'; }

# try CASE ALIAS DERFILE: add under ALIAS (any bytes), then check the export
i=0
try() {
	case=$1 alias=$2 der=$3
	printf 'dn:: %s\nobjectClass: tsCertificate\ncn:: %s\nuserCertificate;binary:< file://%s\n\n' \
	    "$(b64 "cn=$(dnesc "$alias"),$BASE")" "$(b64 "$alias")" "$der" > "$T/case.ldif"
	before=$(snapshot 1)
	out=$(ladd 1 -f "$T/case.ldif" 2>&1)
	rc=$?
	msg=$(ldap_message "$out")
	printf '%s\t%s\t%s\t%s\t%s\n' "$case" cn add "$rc" "$msg" >> "$T/results.tsv"
	if [ $rc = 0 ]; then
		pass "$case: accepted"
	elif [ $rc = 80 ] && [ "$case" = alias-1000 ] && [ "$mdb_long" = 80 ]; then
		# back-mdb's own limit (a 511-byte key for the RDN), not ours
		pass "$case: refused by back-mdb as any entry with so long an RDN (80)"
		[ "$(snapshot 1)" = "$before" ] || fail "$case: store changed on refusal"
	elif [ $rc = 34 ] || [ $rc = 64 ] || [ $rc = 19 ] || [ $rc = 21 ]; then
		pass "$case: refused cleanly ($rc: $msg)"
		[ "$(snapshot 1)" = "$before" ] || fail "$case: store changed on refusal"
	else
		fail "$case: result $rc: $out"
	fi
	node_alive 1 || die "slapd died on $case"
	wait_export 1 "$T/export" "$T/bundle.pem"
}

# back-mdb's limit on RDN length, outside the overlay's base: the control
long=$(printf '%01000d' 7 | tr 0 x)
printf 'dn: cn=%s,%s\nobjectClass: organizationalRole\ncn: %s\n\n' \
    "$long" "$SUFFIX" "$long" > "$T/long.ldif"
ladd 1 -f "$T/long.ldif" > "$T/long.out" 2>&1
mdb_long=$?
echo "a plain entry with a 1000-character cn gets $mdb_long"

try slash 'a/b/c' "$H/alias-0.der"
try dotdot '..' "$H/alias-1.der"
try traversal '../../../../tmp/evil' "$H/alias-2.der"
try newline "$(printf 'line1\nline2')" "$H/alias-3.der"
try carriage-return "$(printf 'cr\rhere')" "$H/alias-4.der"
try alias-1000 "$(printf '%01000d' 7 | tr 0 x)" "$H/alias-5.der"
try rtl "$(printf 'rtl\342\200\256txt.pem')" "$H/alias-6.der"
try pem-header '-----BEGIN CERTIFICATE-----' "$H/alias-7.der"
# the most bytes an alias reaches before back-mdb's RDN limit: 60
# characters of four bytes (U+1F512), taken whole and labelled so in the
# bundle (the overlay copies the alias it checked for the exporter)
big=$(printf '\360\237\224\222%.0s' $(seq 60))
try utf8-240-bytes "$big" "$H/alias-9.der"
if [ "$(awk -F'\t' '$1 == "utf8-240-bytes" { print $4 }' "$T/results.tsv")" = 0 ] &&
    grep -qF "$big" "$T/bundle.pem"; then
	pass "a 240-byte alias is stored and labels its certificate in the bundle"
else
	fail "a 240-byte alias: $(grep '^utf8-240-bytes' "$T/results.tsv")"
fi
# what is not UTF-8 by RFC 3629 although slapd takes it in a DN: a
# surrogate and a code point above U+10FFFF are refused by the overlay
# (strict readers of the bundle and of ldaptrust --json would choke)
try surrogate "$(printf 'x\355\240\200y')" "$H/alias-10.der"
try above-10ffff "$(printf 'x\364\220\200\200y')" "$H/alias-11.der"
for c in surrogate above-10ffff; do
	if [ "$(awk -F'\t' -v c=$c '$1 == c { print $4 "\t" $5 }' "$T/results.tsv")" = \
	    "$(printf '64\ttruststore: bad alias: an alias must be UTF-8 text')" ]; then
		pass "$c: refused as not UTF-8 (64)"
	else
		fail "$c: $(grep "^$c" "$T/results.tsv")"
	fi
done

# the smuggling attempt: a newline, then PEM armour.  A whole certificate
# does not fit (back-mdb keeps an RDN twice in a 511-byte record, so about
# 250 bytes is the limit), but armour alone would already corrupt the bundle
try injection "$(printf 'x\n-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n# y')" "$H/alias-8.der"
if grep -q '^MIIBszCCAVmgAwIBAgIU$' "$T/bundle.pem" 2>/dev/null; then
	fail "an alias smuggled PEM armour into the bundle"
else
	pass "no PEM armour smuggled into the bundle through an alias"
fi
# nothing was ever written outside the export dir
[ ! -e /tmp/evil ] && [ ! -e "$T/evil" ] && pass "no file named after an alias" ||
	fail "a file was created from an alias"

# rename and delete weird aliases: files follow the database
dn_slash="cn=a/b/c,$BASE"
if lsearch 1 -b "$dn_slash" -s base 1.1 >/dev/null 2>&1; then
	printf 'dn: %s\nchangetype: modrdn\nnewrdn:: %s\ndeleteoldrdn: 1\n\n' \
	    "$dn_slash" "$(b64 "cn=$(printf 'renamed\nwith newline')")" > "$T/case.ldif"
	out=$(lmodify 1 -f "$T/case.ldif" 2>&1); rc=$?
	printf '%s\t%s\t%s\t%s\t%s\n' rename-to-newline cn modrdn "$rc" "$(ldap_message "$out")" >> "$T/results.tsv"
	pass "rename to an alias with a newline: $rc"
	wait_export 1 "$T/export" "$T/bundle.pem"
fi
ldelete 1 "cn=..,$BASE" >/dev/null 2>&1
wait_export 1 "$T/export" "$T/bundle.pem"
ls "$T/export" > "$T/export.list"
pass "export dir holds $(wc -l < "$T/export.list") files"
results
