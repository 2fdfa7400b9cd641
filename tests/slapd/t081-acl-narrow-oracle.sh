#!/bin/sh
# t081-acl-narrow-oracle: a client the ACLs keep away from a certificate
# learns nothing of it by searching for its fingerprint or subject hash.
# The lookup index narrows such a search to the entryUUID of the entries
# holding the key; where a candidate's entryUUID was not searchable, the
# search ran unnarrowed (t071), a scan of the whole store, where a key
# nobody holds came back at once: the difference (the scan's time, or
# adminLimitExceeded under size.unchecked, used here to see it without a
# clock) told anonymous users which certificates a hidden subtree holds.
# A candidate on which the key itself cannot be searched can never match:
# it is left out of the narrowing instead, and the answer is the same as
# for a key nobody holds.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert hid $ec
for c in v1 v2 v3 v4 v5; do mkcert $c $ec; done
cat > "$T/ov.conf" <<EOF2
truststore-base "$BASE"
limits anonymous size.unchecked=3
access to dn.subtree="ou=hidden,$BASE" by * none
access to * by * read
EOF2
node_conf 1 "$T/ov.conf"
node_start 1
add_base 1
printf 'dn: ou=hidden,%s\nobjectClass: organizationalUnit\nou: hidden\n' "$BASE" |
	ladd 1 >/dev/null || die "add ou=hidden"
printf 'dn: cn=hid,ou=hidden,%s\nobjectClass: tsCertificate\ncn: hid\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/hid.der" | ladd 1 >/dev/null || die "add hid"
for c in v1 v2 v3 v4 v5; do cert_ldif $c "$C/$c.der"; done |
	ladd 1 >/dev/null || die "add v1..v5"

fp() { openssl x509 -in "$C/$1.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d :; }
shash() { openssl x509 -in "$C/$1.pem" -noout -subject_hash; }
# anon FILTER: the result code and the cn values found, on one line
anon() {
	_out=$(ldapsearch -LLL -o ldif-wrap=no -x -H "$(uri 1)" -b "$BASE" "$1" cn 2>/dev/null)
	_rc=$?
	echo "$_rc $(printf '%s\n' "$_out" | sed -n 's/^cn: //p' | sort | tr '\n' ' ')"
}
is() {
	_got=$(anon "$3")
	[ "$_got" = "$2" ] && pass "$1" || fail "$1: got '$_got', want '$2'"
}

[ -z "$(ldapsearch -LLL -x -H "$(uri 1)" -b "cn=hid,ou=hidden,$BASE" -s base cn 2>/dev/null)" ] &&
	[ -n "$(lsearch 1 -b "cn=hid,ou=hidden,$BASE" -s base cn)" ] &&
	pass "the ACL hides hid from anonymous users" || die "ACL set-up"
# the limit is there: an unnarrowed search by a stored attribute hits it
_got=$(anon "(description=x)")
[ "${_got%% *}" = 11 ] && pass "size.unchecked=3 applies to an unindexed search" ||
	die "limit set-up: $_got"
zero=$(printf '%064d' 0)
is "a fingerprint nobody holds: success, nothing" "0 " "(tsFingerprintSHA256=$zero)"
is "the hidden certificate's fingerprint: the same answer" "0 " "(tsFingerprintSHA256=$(fp hid))"
is "a subject hash nobody holds: success, nothing" "0 " "(tsSubjectHash=00000000)"
is "the hidden certificate's subject hash: the same answer" "0 " "(tsSubjectHash=$(shash hid))"
is "inside an AND: the same answer" "0 " \
	"(&(objectClass=tsCertificate)(tsFingerprintSHA256=$(fp hid | tr a-f A-F)))"
is "a visible certificate: found, narrowed" "0 v3 " "(tsFingerprintSHA256=$(fp v3))"
is "a visible subject hash: found, narrowed" "0 v4 " "(tsSubjectHash=$(shash v4))"
[ "$(lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$(fp hid))" cn | sed -n 's/^cn: //p')" = hid ] &&
	pass "the rootdn finds the hidden certificate" || fail "rootdn: hid not found"
node_alive 1 && pass "slapd still running"
