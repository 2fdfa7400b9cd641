#!/bin/sh
# t077-relax-uuid: a certificate entry's entryUUID changed under the
# Relax control stays findable by fingerprint and subject hash.
#
# The overlay's lookup index turns an equality on tsFingerprintSHA256 or
# tsSubjectHash into a look-up by the entryUUID it recorded.  The rootdn
# (anyone with manage access) may replace an entry's entryUUID with
# `ldapmodify -e relax`, as one does to mend replication; the index kept
# the old one, so those searches (ldaptrust's look-ups, an admin's
# "which entry holds this fingerprint?") found nothing until a restart.
# Also shown: a Relax delete of entryUUID (searches then run without the
# index's help and still answer), and a certificate replaced in the same
# modify as the entryUUID.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
for x in a b c d; do mkcert $x $ec; done
node_conf 1
node_start 1
add_base 1
for x in a b c; do cert_ldif $x "$C/$x.der"; done | ladd 1 >/dev/null ||
	die "add a, b, c"
fp() {
	openssl x509 -inform DER -in "$C/$1.der" -noout -fingerprint -sha256 |
	    sed 's/.*=//; s/://g' | tr 'A-F' 'a-f'
}
shash() { openssl x509 -inform DER -in "$C/$1.der" -noout -subject_hash; }
# found FILTER ALIAS: the search of the store returns exactly that entry
found() {
	got=$(lsearch 1 -b "$BASE" "$1" 1.1 | sed -n 's/^dn: //p')
	[ "$got" = "cn=$2,$BASE" ] && pass "$1 finds cn=$2" ||
		fail "$1: expected cn=$2,$BASE, got '$got'"
}
relax() { lmodify 1 -e relax >/dev/null; }

found "(tsFingerprintSHA256=$(fp a))" a
printf 'dn: cn=a,%s\nchangetype: modify\nreplace: entryUUID\nentryUUID: 6b0e0c2e-1111-4a8b-9b1e-0123456789ab\n' \
	"$BASE" | relax || die "relax replace of entryUUID"
lsearch 1 -b "cn=a,$BASE" -s base entryUUID | grep -q 'entryUUID: 6b0e0c2e-1111' ||
	die "the entryUUID was not replaced"
found "(tsFingerprintSHA256=$(fp a))" a
found "(tsSubjectHash=$(shash a))" a
found "(&(objectClass=tsCertificate)(tsFingerprintSHA256=$(fp a)))" a
# the same modify replaces the certificate too
printf 'dn: cn=b,%s\nchangetype: modify\nreplace: entryUUID\nentryUUID: 6b0e0c2e-2222-4a8b-9b1e-0123456789ab\n-\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/d.der" | relax || die "relax replace of entryUUID and certificate"
found "(tsFingerprintSHA256=$(fp d))" b
n=$(lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$(fp b))" 1.1 | grep -c '^dn:')
[ "$n" = 0 ] && pass "the replaced certificate is no longer found" ||
	fail "the replaced certificate is still found ($n)"
# no entryUUID at all: searches are not narrowed, and still answer
printf 'dn: cn=c,%s\nchangetype: modify\ndelete: entryUUID\n' "$BASE" | relax ||
	die "relax delete of entryUUID"
found "(tsFingerprintSHA256=$(fp c))" c
found "(tsSubjectHash=$(shash c))" c
found "(tsFingerprintSHA256=$(fp a))" a
# the duplicate check still names the holder
expect_ldap 19 'already stored under alias "a"' \
	sh -c "printf 'dn: cn=a2,$BASE\nobjectClass: tsCertificate\ncn: a2\nuserCertificate;binary:< file://$C/a.der\n' | ldapadd -x -H $(uri 1) -D $ROOTDN -w $ROOTPW"
# and a restart agrees
node_stop 1
node_start 1
found "(tsFingerprintSHA256=$(fp a))" a
found "(tsFingerprintSHA256=$(fp d))" b
found "(tsFingerprintSHA256=$(fp c))" c
node_alive 1 && pass "slapd still running"
