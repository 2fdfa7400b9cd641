#!/bin/sh
# t046-restore-vet.sh - entries that reach the database past the overlay
# (slapadd of a restore or migration) are checked by the start-up read
# before they are exported and trusted
#
# A store is backed up with slapcat, the LDIF edited as a careless (or
# hostile) restore would have it, and loaded with slapadd:
#   - decorated as the overlay left them: exported, no message;
#   - a fingerprint that is not the certificate's, a stored tsStatus, no
#     decorations at all: judged by the policy as an add; passing, they
#     are exported and indexed by what the certificate says, and logged
#     (an edited tsNotAfter with the fingerprint intact too: every entry
#     is parsed);
#   - decorated as an older version would have decorated a certificate
#     this version refuses (GnuTLS cannot read it, and would drop the
#     whole PEM bundle): not exported, logged;
#   - undecorated and refused by the policy (1024-bit key, expired), or two
#     certificates in one entry: not exported, not indexed, logged.
# A clean slapcat/slapadd round trip logs nothing.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"

export_node
mkcert good
mkcert fp
mkcert late
mkcert status
mkcert plain
mkcert second
mkcert kb
mkcert weak -newkey rsa:1024
mkcert_dates old 20200101000000Z 20210101000000Z
C=$T/certs
for c in good fp late status kb; do
	cert_ldif "$c" "$C/$c.der" | ladd 1 >/dev/null || die "add $c"
done
check "five certificates exported" until_ok 10 sh -c "[ \$(ls '$T/export' | wc -l) = 5 ]"
node_stop 1

slapcat -f "$T/n1/slapd.conf" -b "$SUFFIX" -l "$T/backup.ldif" 2>/dev/null || die "slapcat"
# a clean round trip: nothing to say
rm -rf "$T/n1/db"/*
slapadd -q -f "$T/n1/slapd.conf" -l "$T/backup.ldif" >/dev/null 2>&1 || die "slapadd"
: > "$T/n1.log"
node_start 1
check "clean restore: all five exported" until_ok 10 sh -c "[ \$(ls '$T/export' | wc -l) = 5 ]"
check "clean restore: nothing logged about the entries" \
    not grep -q "not exported\|exported (it passes" "$T/n1.log"
node_stop 1

# the edited restore
contains_line() { printf '%s\n' "$2" | grep -qF -- "$1"; }
fpd() { openssl x509 -in "$C/$1.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f; }
X400="$TOP/tests/unit/fixtures/gnutls-san-x400.der"
openssl x509 -inform DER -in "$X400" -out "$C/x400.pem" || die "x400 fixture"
python3 - "$T/backup.ldif" "$T/restore.ldif" "$(fpd good)" "$X400" <<'EOF'
import base64, hashlib, sys
src, dst, goodfp, x400 = sys.argv[1:5]
x400 = open(x400, 'rb').read()
out = []
for block in open(src).read().split('\n\n'):
	# unfolded: slapcat continues long values on lines starting with a space
	lines = block.replace('\n ', '').split('\n')
	dn = lines[0]
	if dn.startswith('dn: cn=good,'):
		# an older version's store: the fingerprint is the certificate's,
		# the certificate one this version refuses
		old = []
		for l in lines:
			a = l.split(':')[0]
			if a in ('entryUUID', 'entryCSN', 'createTimestamp', 'modifyTimestamp'):
				continue
			if l.startswith('dn:'):
				l = l.replace('cn=good,', 'cn=oldrules,', 1)
			elif a == 'cn':
				l = 'cn: oldrules'
			elif a == 'userCertificate;binary':
				l = 'userCertificate;binary:: ' + base64.b64encode(x400).decode()
			elif a == 'tsFingerprintSHA256':
				l = 'tsFingerprintSHA256: ' + hashlib.sha256(x400).hexdigest()
			old.append(l)
		out.append('\n'.join(l for l in old if l))
	if dn.startswith('dn: cn=late,'):
		lines = [('tsNotAfter: 20991231235959Z' if l.startswith('tsNotAfter:') else l) for l in lines]
	elif dn.startswith('dn: cn=fp,'):
		# the fingerprint of another certificate: the duplicate check and
		# the look-up by fingerprint would be fooled
		lines = [('tsFingerprintSHA256: ' + goodfp if l.startswith('tsFingerprintSHA256:') else l) for l in lines]
	elif dn.startswith('dn: cn=status,'):
		lines.append('tsStatus: valid')
	elif dn.startswith('dn: cn=kb,'):
		# a decoration computed when read, stored (an old export)
		lines.append('tsKeyBits: 4096')
	out.append('\n'.join(l for l in lines if l))
open(dst, 'w').write('\n\n'.join(b for b in out if b.strip()) + '\n\n')
EOF
python3 - "$C/shallow.der" <<'EOF'
import sys
def tlv(t, b): return bytes([t, len(b)]) + b
seq = lambda *p: tlv(0x30, b''.join(p))
tbs = seq(tlv(2, b'\x01'), seq(), seq(), seq(), seq(), seq())
open(sys.argv[1], 'wb').write(seq(tbs, seq(), tlv(3, b'\x00')))
EOF
{ cat "$T/restore.ldif"
  for c in plain weak old; do cert_ldif "$c" "$C/$c.der"; done
  # DER slapd's Certificate syntax takes but no X.509 parser does
  cert_ldif shallow "$C/shallow.der"
  printf 'dn: cn=two,%s\nobjectClass: tsCertificate\ncn: two\nuserCertificate;binary:< file://%s\nuserCertificate;binary:< file://%s\n\n' \
      "$BASE" "$C/second.der" "$C/plain.der"
} > "$T/edited.ldif"
rm -rf "$T/n1/db"/*
slapadd -q -f "$T/n1/slapd.conf" -l "$T/edited.ldif" >/dev/null 2>&1 || die "slapadd of the edited restore"
: > "$T/n1.log"
node_start 1

exported() { [ -e "$T/export/$(openssl x509 -in "$C/$1.pem" -noout -hash).0" ]; }
check "restore: the store is read" until_ok 10 grep -q "start-up read: .* certificate entries not exported" "$T/n1.log"
for c in good late fp status plain; do
	check "restore: $c is exported" until_ok 10 exported "$c"
done
for c in weak old second x400; do
	check "restore: $c is not exported" not exported "$c"
done
logged() { grep -F "\"cn=$1,$BASE\": $2" "$T/n1.log" | grep -qF -- "$3"; }
check "log: good says nothing" not grep -qF "\"cn=good,$BASE\"" "$T/n1.log"
check "log: late (fingerprint intact, tsNotAfter edited)" logged late "its decorations are not those of its certificate" "exported (it passes the policy)"
check "log: oldrules refused by this version" logged oldrules "its certificate is refused: the certificate has a subjectAltName with an x400Address, which GnuTLS" "not exported"
check "log: fp's decorations" logged fp "its decorations are not those of its certificate" "replace its userCertificate;binary"
check "log: status's stored tsStatus" logged status "it stores tsStatus" "exported"
check "log: plain undecorated" logged plain "it is not decorated" "exported"
check "log: weak refused" logged weak "it is not decorated" "not exported: an add would be refused: RSA key of 1024 bits"
check "log: old refused" logged old "it is not decorated" "not exported: an add would be refused: certificate expired"
check "log: two certificates" logged two "it holds 2 certificates" "not exported"
check "log: shallow does not parse" logged shallow "its certificate is refused" "not exported"
check "log: kb stores a computed decoration" logged kb "it stores a decoration that is computed when read" "exported (it passes the policy)"
check "restore: kb is exported" until_ok 10 exported kb
check "log: the count" grep -q "start-up read: 5 certificate entries not exported, 5 exported without their decorations" "$T/n1.log"

# the look-up index holds what the certificates say, not what was stored:
# the duplicate check knows fp's certificate (a search filter still tests
# the stored value until the entry is mended)
out=$(lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$(fpd weak))" 1.1 | grep -c '^dn:')
check "index: weak stores no fingerprint, a search finds none" test "$out" = 0
# a refused entry that stores its fingerprint is found by it: stored, not
# exported (the search narrowed by the index must not hide it)
x400fp=$(openssl dgst -sha256 -r "$X400" | cut -c1-64)
out=$(lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$x400fp)" 1.1 | grep -c '^dn:')
check "index: oldrules found by its stored fingerprint" test "$out" = 1
cert_ldif fp2 "$C/fp.der" > "$T/fp2.ldif"
expect_ldap 19 "already stored under alias \"fp\"" ladd 1 -f "$T/fp2.ldif"
cert_ldif weak2 "$C/weak.der" > "$T/weak2.ldif"
expect_ldap 19 "RSA key of 1024 bits" ladd 1 -f "$T/weak2.ldif"

# the documented mend: replace the certificate with itself
for c in late status; do
	printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n-\n' \
	    "$c" "$BASE" "$C/$c.der" | lmodify 1 >/dev/null || fail "mend $c"
done
na=$(openssl x509 -in "$C/late.pem" -noout -enddate | cut -d= -f2)
want=$(date -u -d "$na" +%Y%m%d%H%M%SZ)
check "mend: late's tsNotAfter is its certificate's" \
    test "$(lsearch 1 -b "cn=late,$BASE" -s base tsNotAfter | sed -n 's/^tsNotAfter: //p')" = "$want"
check "mend: status has one tsStatus again" \
    test "$(lsearch 1 -b "cn=status,$BASE" -s base tsStatus | grep -c '^tsStatus:')" = 1

# ldaptrust redecorate: --all finds the entries whose stored facts are not
# their certificate's and has the server decorate them; a stored tsStatus
# or computed decoration is not seen from outside: named, it is rewritten
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
has_line() { printf '%s\n' "$2" | grep -qxF -- "$1"; }
fpnow() { lsearch 1 -b "cn=$1,$BASE" -s base tsFingerprintSHA256 | sed -n 's/^tsFingerprintSHA256: //p'; }
out=$(lt redecorate --all -n 2>&1); rc=$?
check "redecorate -n: exit 1 (three not checked)" test $rc = 1
check "redecorate -n: fp" has_line 'would redecorate "fp" (tsFingerprintSHA256 is not its certificate'"'"'s)' "$out"
check "redecorate -n: plain" has_line 'would redecorate "plain" (not decorated)' "$out"
check "redecorate -n: weak" has_line 'would redecorate "weak" (not decorated)' "$out"
check "redecorate -n: two" has_line 'ldaptrust: "two": not checked: it holds 2 certificates, an entry holds one' "$out"
check "redecorate -n: oldrules" contains_line 'ldaptrust: "oldrules": not checked: its certificate is refused: the certificate has a subjectAltName with an x400Address' "$out"
check "redecorate -n: the mended and the clean pass" not grep -q '"late"\|"good"\|"status"' <<EOF2
$out
EOF2
check "redecorate -n: the count" has_line "11 certificates: 4 would be redecorated, 3 not checked" "$out"
check "redecorate -n: nothing written" test "$(fpnow fp)" = "$(fpd good)"

out=$(lt redecorate --all 2>&1); rc=$?
check "redecorate: exit 19, weak's refusal" test $rc = 19
check "redecorate: fp" has_line 'redecorated "fp" (tsFingerprintSHA256 is not its certificate'"'"'s)' "$out"
check "redecorate: plain" has_line 'redecorated "plain" (not decorated)' "$out"
check "redecorate: the server's refusal shown" contains_line "RSA key of 1024 bits" "$out"
check "redecorate: fp's fingerprint is its own now" test "$(fpnow fp)" = "$(fpd fp)"
out=$(lt redecorate --all -n 2>&1)
check "redecorate again: only the refused are left" has_line "11 certificates: 2 would be redecorated, 3 not checked" "$out"
out=$(lt redecorate kb 2>&1); rc=$?
check "redecorate kb: exit 0" test $rc = 0
check "redecorate kb: says so" has_line 'redecorated "kb"' "$out"
expect_ldap 32 "no certificate with this alias" lt redecorate kb nosuch
expect_ldap 1 "which ALIAS" lt redecorate
expect_ldap 1 "not both" lt redecorate --all kb
expect_ldap 1 '"a/b": bad alias' lt redecorate a/b

# the next start-up read: only what no add would take is left
node_stop 1
: > "$T/n1.log"
node_start 1
check "after redecorate: the start-up read" until_ok 10 grep -q "start-up read: 5 certificate entries not exported, 0 exported without their decorations" "$T/n1.log"
check "after redecorate: kb is quiet" not grep -qF "\"cn=kb,$BASE\"" "$T/n1.log"

# A write that keeps the certificate (another attribute, a rename) must
# not bring into the export what the read left out: the read and the
# writes agree on what is trusted.  Only the certificate written again,
# checked as an add, would (and the policy still refuses it).
for c in weak two oldrules shallow; do
	printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: description\ndescription: legacy\n-\n' \
	    "$c" "$BASE" | lmodify 1 >/dev/null
	check "kept out: a description on $c is taken" test $? = 0
done
check "kept out: the modify says why" grep -qF "modify: \"cn=weak,$BASE\": it is not decorated; not exported: an add would be refused: RSA key of 1024 bits" "$T/n1.log"
check "kept out: rename old to old2" sh -c "ldapmodrdn -x -H '$(curi 1)' -D '$ROOTDN' -w '$ROOTPW' -r 'cn=old,$BASE' cn=old2 >/dev/null"
check "kept out: the rename says why" grep -qF "rename: \"cn=old,$BASE\": it is not decorated; not exported: an add would be refused: certificate expired" "$T/n1.log"
# the same write on an entry the read exports keeps it exported
printf 'dn: cn=plain,%s\nchangetype: modify\nreplace: description\ndescription: fine\n-\n' \
    "$BASE" | lmodify 1 >/dev/null || fail "description on plain"
# the files follow in order: once a later add is out, so are these writes
mkcert after
cert_ldif after "$C/after.der" | ladd 1 >/dev/null || die "add after"
check "kept out: a later add is exported" until_ok 10 exported after
for c in weak old second x400; do
	check "kept out: $c is still not exported" not exported "$c"
done
check "kept out: plain is still exported" exported plain
check "kept out: the bundle holds none of them" \
    not grep -q '^# \(weak\|old2\|two\|oldrules\|shallow\)$' "$T/bundle.pem"
expect_ldap 19 "RSA key of 1024 bits" sh -c "printf 'dn: cn=weak,$BASE\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://$C/weak.der\n-\n' | ldapmodify -x -H '$(curi 1)' -D '$ROOTDN' -w '$ROOTPW'"
check "node still running" node_alive 1
