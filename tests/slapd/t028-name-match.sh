#!/bin/sh
# t028-name-match: the normalized copies the overlay stores of tsSubject,
# tsIssuer and tsSerialNumber are the ones slapd's matching rules make.
# The overlay folds printable ASCII itself (ts_write.c, truststore_fold):
# equality and substring filters written in other cases and spacings find
# the entries, on names with capitals, runs of spaces, escaped spaces at
# the ends, RFC 4514 escapes and serials with hex letters, and they find
# the same entries as on a node that stored them through slapd's own
# normalizer (its modify path: a certificate replaced in place).
. "$(dirname "$0")/lib.sh"
ts_init
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

mkcert mixed $ec -subj "/CN=MiXeD  CaSe   Host/O=ACME  Corp/C=DE" -set_serial 0xABCDEF0123
mkcert ends $ec -subj "/CN= Leading And Trailing /OU=Ops, Inc.+UID=Q7/O=X" -set_serial 0x7FEE
mkcert plain $ec -subj "/CN=already lower/O=x" -set_serial 4660
mkcert comma $ec -subj "/CN=Acme, Inc.  Two/O=Y" -set_serial 0x2A
mkcert other $ec -subj "/CN=Other/O=x" -set_serial 0x1B

node_conf 1
node_start 1
add_base 1
for c in mixed ends plain comma; do
	cert_ldif "$c" "$T/certs/$c.der" | ladd 1 >/dev/null || die "add $c"
done
# "swap" holds another certificate first, then mixed's through a modify,
# whose decorations slapd's normalizer makes (ts_write.c, decorate_mods)
cert_ldif swap "$T/certs/other.der" | ladd 1 >/dev/null || die "add swap"

# the module's check of its fold against slapd's normalizers passed (a
# fold that differs is logged and turned off: these searches would pass
# through the normalizer then, and prove nothing about the fold)
check "the fold agrees with slapd's normalizers on the module's samples" \
    not grep -q "its normalizer is used for every value" "$T/n1.log"

# found FILTER ALIASES: the aliases the filter finds, sorted
found() {
	got=$(lsearch 1 -b "$BASE" "$1" cn | sed -n 's/^cn: //p' | sort | tr '\n' ' ')
	want=$2; [ -n "$want" ] && want="$want "
	[ "$got" = "$want" ] && pass "$1: ${2:-none}" || fail "$1: found '$got', want '$2'"
}
# (the names as RFC 4514 prints them: last RDN first)
found '(tsSubject=c=de,o=acme corp,cn=mixed case host)' mixed
found '(tsSubject=C=DE,O=ACME CORP,CN=MIXED CASE HOST)' mixed
found '(tsSubject=C=DE,O=ACME  Corp,CN=MiXeD  CaSe   Host)' mixed
found '(tsSubject=cn=mixed case host,o=acme corp,c=de)' ""
found '(tsIssuer=c=de,o=ACME corp,cn=mixed case HOST)' mixed
found '(tsSubject=*case host*)' mixed
found '(tsSubject=*ACME   CORP*)' mixed
found '(tsSerialNumber=abcdef0123)' mixed
found '(tsSerialNumber=ABCDEF0123)' mixed
found '(tsSerialNumber=7fee)' ends
found '(tsSerialNumber=1234)' plain
# an escaped comma inside, on the fold's path
found '(tsSubject=O=Y,CN=ACME\5c, INC. TWO)' comma
# an escaped space at the end: left to slapd's normalizer
found '(tsSubject=o=x,uid=q7+ou=ops\5c, inc.,cn=\5c leading and trailing\5c )' ends
found '(tsSubject=*LEADING AND TRAILING*)' ends
found '(tsSubject=o=x,cn=already lower)' plain

# the same certificate's decorations made by slapd's normalizer
ldelete 1 "cn=mixed,$BASE" || die "delete mixed"
printf 'dn: cn=swap,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
    "$BASE" "$T/certs/mixed.der" | lmodify 1 >/dev/null || die "replace swap"
found '(tsSubject=c=de,o=acme corp,cn=mixed case host)' swap
found '(tsSubject=C=DE,O=ACME CORP,CN=MIXED CASE HOST)' swap
found '(tsIssuer=c=de,o=ACME corp,cn=mixed case HOST)' swap
found '(tsSerialNumber=abcdef0123)' swap
found '(tsSubject=*ACME   CORP*)' swap
