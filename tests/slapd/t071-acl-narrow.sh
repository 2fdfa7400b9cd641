#!/bin/sh
# t071-acl-narrow: a search by fingerprint or subject hash finds what the
# same filter finds without the lookup index, whatever the ACLs say of
# entryUUID.  The index narrows such a search to (entryUUID=...), and the
# backend checks that assertion against the user's search access: where
# it is denied, the search runs unnarrowed instead of coming back empty.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert hid $ec
mkcert vis $ec
cat > "$T/ov.conf" <<EOF2
truststore-base "$BASE"
access to dn.subtree="ou=hidden,$BASE" attrs=entryUUID by * none
access to * by * read
EOF2
node_conf 1 "$T/ov.conf"
node_start 1
add_base 1
printf 'dn: ou=hidden,%s\nobjectClass: organizationalUnit\nou: hidden\n' "$BASE" |
	ladd 1 >/dev/null || die "add ou=hidden"
printf 'dn: cn=hid,ou=hidden,%s\nobjectClass: tsCertificate\ncn: hid\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/hid.der" | ladd 1 >/dev/null || die "add hid"
cert_ldif vis "$C/vis.der" | ladd 1 >/dev/null || die "add vis"

fp() { openssl x509 -in "$C/$1.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }
shash() { openssl x509 -in "$C/$1.pem" -noout -subject_hash; }
# found WHO BASE FILTER: the cn values found, sorted, on one line
found() {
	_who=$1; shift
	if [ "$_who" = anon ]; then
		ldapsearch -LLL -o ldif-wrap=no -x -H "$(uri 1)" -b "$1" "$2" cn
	else
		lsearch 1 -b "$1" "$2" cn
	fi | sed -n 's/^cn: //p' | sort | tr '\n' ' '
}
# same DESC WANT FILTER: anonymously, under the base (narrowed) and under
# the suffix (never narrowed), and as the rootdn, the search finds WANT
same() {
	_a=$(found anon "$BASE" "$3") _b=$(found anon "$SUFFIX" "$3") _r=$(found root "$BASE" "$3")
	if [ "$_a" = "$2" ] && [ "$_b" = "$2" ] && [ "$_r" = "$2" ]; then
		pass "$1"
	else
		fail "$1: anonymous under the base '$_a', under the suffix '$_b', rootdn '$_r' (want '$2')"
	fi
}

[ -n "$(lsearch 1 -b "cn=hid,ou=hidden,$BASE" -s base entryUUID | grep entryUUID)" ] &&
	[ -z "$(ldapsearch -LLL -x -H "$(uri 1)" -b "cn=hid,ou=hidden,$BASE" -s base entryUUID | grep entryUUID)" ] &&
	pass "the ACL hides hid's entryUUID from anonymous users" || die "ACL set-up"
same "by fingerprint, entryUUID not searchable: found" "hid " "(tsFingerprintSHA256=$(fp hid))"
same "by subject hash, entryUUID not searchable: found" "hid " "(tsSubjectHash=$(shash hid))"
same "by fingerprint in upper case, inside an AND: found" "hid " \
	"(&(objectClass=tsCertificate)(tsFingerprintSHA256=$(fp hid | tr a-f A-F)))"
same "by fingerprint, entryUUID searchable: found" "vis " "(tsFingerprintSHA256=$(fp vis))"
same "by subject hash, entryUUID searchable: found" "vis " "(tsSubjectHash=$(shash vis))"
same "a fingerprint nobody holds: nothing" "" "(tsFingerprintSHA256=$(printf '%064d' 0))"
node_alive 1 && pass "slapd still running"
