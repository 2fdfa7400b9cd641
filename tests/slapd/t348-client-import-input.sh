#!/bin/sh
# t348-client-import-input.sh - ldaptrust import: what a file holds is what
# is sent and what -n shows (DER certificates one after another are split,
# other bytes after a certificate refused with their offset, a certificate
# twice in a file shown once), an alias the server takes for the stored
# one is the stored one, and --all with --from says why not.
. "$(dirname "$0")/lib.sh"
ts_init

client_node

# fp FILE: the SHA-256 fingerprint of a PEM certificate, as ldaptrust prints it
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
count() { lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' 1.1 | grep -c '^dn:'; }
C=$T/certs

mkcert g1
mkcert g2
mkcert k1
mkcert k3
mkcert k7
mkcert e2
snapshot 1 > "$T/before"
unchanged() { snapshot 1 > "$T/after"; check "store unchanged ($1)" cmp -s "$T/before" "$T/after"; }
g1len=$(wc -c < "$C/g1.der")

# --- DER with bytes after the certificate: refused locally, where they start ----
{ cat "$C/g1.der"; printf XYZ; } > "$C/garb.der"
msg="3 unexpected bytes after the DER certificate (at byte offset $g1len)"
expect_ldap 1 "$msg" lt -n import garb "$C/garb.der"
out=$(lt -n import garb "$C/garb.der" 2>&1)
check "-n shows no fingerprint of the whole file" not_contains "$(sha256sum < "$C/garb.der" | cut -d' ' -f1)" "$out"
expect_ldap 1 "$msg" lt import garb "$C/garb.der"
expect_ldap 1 "$msg" lt import --all garb "$C/garb.der"
# the same bytes in a PEM CERTIFICATE block
{ echo "-----BEGIN CERTIFICATE-----"; base64 "$C/garb.der"
  echo "-----END CERTIFICATE-----"; } > "$C/garb.pem"
expect_ldap 1 "PEM block 1 has 3 unexpected bytes after its certificate (at byte offset $g1len of its data)" \
	lt import garb "$C/garb.pem"
# two DER certificates inside one PEM block: a block holds one
cat "$C/g1.der" "$C/g2.der" > "$C/two.der"
{ echo "-----BEGIN CERTIFICATE-----"; base64 "$C/two.der"
  echo "-----END CERTIFICATE-----"; } > "$C/two-in-one.pem"
expect_ldap 1 "PEM block 1 holds a second certificate after its first (at byte offset $g1len of its data)" \
	lt -n import --all two "$C/two-in-one.pem"
# a newline after two DER certificates
{ cat "$C/two.der"; echo; } > "$C/two-nl.der"
expect_ldap 1 "1 unexpected byte after the DER certificates (at byte offset $(wc -c < "$C/two.der"))" \
	lt import --all two "$C/two-nl.der"
unchanged "bytes after a certificate"
grep -q "cn=garb,\|cn=two," "$T/n1.log" &&
	fail "a refused import reached the server" || pass "nothing sent for bytes after a certificate"

# --- DER certificates one after another: a bundle, as PEM blocks are ------------
out=$(lt import two "$C/two.der" 2>&1); rc=$?
check "two DER certificates without --all: exit 1" test $rc = 1
check "...says the file holds 2 certificates" contains "holds 2 certificates" "$out"
check "...lists the second (CN=g2)" contains "$(fp "$C/g2.pem")" "$out"
out=$(lt -n import --all two "$C/two.der" 2>&1) || fail "-n import --all of two DER: $out"
check "-n: the first with its own fingerprint" contains "would import \"two\": CN=g1
	SHA-256 $(fp "$C/g1.pem")" "$out"
check "-n: the second with its own fingerprint" contains "would import \"two-2\": CN=g2
	SHA-256 $(fp "$C/g2.pem")" "$out"
out=$(lt import --all two "$C/two.der" 2>&1) || fail "import --all of two DER: $out"
check "import --all of two DER: both imported" contains "2 certificates: 2 imported, 0 already present, 0 refused" "$out"
check "the first stored as given" test "$(lsearch 1 -b "cn=two,$BASE" -s base tsFingerprintSHA256 |
	sed -n 's/^tsFingerprintSHA256: //p' | tr -d : | tr A-F a-f)" = "$(fp "$C/g1.pem")"
check "the second stored as given" test "$(lsearch 1 -b "cn=two-2,$BASE" -s base tsFingerprintSHA256 |
	sed -n 's/^tsFingerprintSHA256: //p' | tr -d : | tr A-F a-f)" = "$(fp "$C/g2.pem")"
lt delete --yes two two-2 >/dev/null || fail "delete two two-2"

# --- an alias the server's cn matching takes for the stored one ---------------
lt import "with space" "$C/k1.pem" >/dev/null || fail "import \"with space\""
lt rename "with space" "With  Space" >/dev/null || fail "rename to \"With  Space\""
expect_ldap 0 '"With  Space" already holds this certificate' lt import "With  Space" "$C/k1.pem"
expect_ldap 0 '"with space" (stored as "With  Space") already holds this certificate' \
	lt import "with space" "$C/k1.pem"
lt import "élan ünï 日本" "$C/k3.pem" >/dev/null || fail "import a non-ASCII alias"
expect_ldap 0 'already holds this certificate' lt import "ÉLAN ÜNÏ 日本" "$C/k3.pem"
expect_ldap 0 'already holds this certificate' lt import "ÉLAN  ÜNÏ 日本" "$C/k3.pem"
check "no second entry was made" test "$(count)" = 2
# another certificate under such a spelling: the holder is named
expect_ldap 68 '"With  Space" holds CN=k1' lt import "with space" "$C/e2.pem"
out=$(lt import "ÉLAN ÜNÏ 日本" "$C/e2.pem" 2>&1)
check "non-ASCII case: the holder is named" contains '"élan ünï 日本" holds CN=k3' "$out"
check "...and no false 'not a certificate'" not_contains "not a certificate of the store" "$out"
# an entry of that name that is no certificate is still said to be so
printf 'dn: cn=Rôle  X,%s\nobjectClass: organizationalRole\ncn: Rôle  X\n' "$BASE" |
	ladd 1 >/dev/null || die "add cn=Rôle  X"
expect_ldap 68 "an entry of that name exists and is not a certificate of the store" \
	lt import "RÔLE X" "$C/e2.pem"
ldelete 1 "cn=Rôle  X,$BASE" || die "delete cn=Rôle  X"

# --- -n import --all: a certificate twice in the file, as the real run ----------
cat "$C/k7.pem" "$C/k7.pem" > "$C/k77.pem"
out=$(lt -n import --all k7dup "$C/k77.pem" 2>&1) || fail "-n import --all k77: $out"
check "-n: the first copy would be imported" contains "would import \"k7dup\": CN=k7" "$out"
check "-n: the second is not listed as an import" not_contains "would import \"k7dup-2\"" "$out"
check "-n: the second is the first's copy" contains \
	"would not import \"k7dup-2\": the same certificate as \"k7dup\" earlier in the file: CN=k7" "$out"
out=$(lt -v import --all k7dup "$C/k77.pem" 2>&1) || fail "import --all k77: $out"
check "real run: one imported, the copy already present" contains \
	"2 certificates: 1 imported, 1 already present, 0 refused" "$out"
check "real run: no k7dup-2" test -z "$(lsearch 1 -b "$BASE" -s one '(cn=k7dup-2)' 1.1)"

# --- import --all with --from: said why not ------------------------------------
expect_ldap 1 "--all does not go with --from" lt import --all web3 --from 127.0.0.1:"$(port 9)"
expect_ldap 1 "--all does not go with --from" lt import web3 --from=127.0.0.1:"$(port 9)" --all
expect_ldap 1 "--alias-from does not go with --from" \
	lt import --alias-from subject web3 --from 127.0.0.1:"$(port 9)"
out=$(lt import --all web3 --from 127.0.0.1:"$(port 9)" 2>&1)
check "...not 'unknown option'" not_contains "unknown option" "$out"
