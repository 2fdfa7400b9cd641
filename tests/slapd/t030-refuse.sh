#!/bin/sh
# t030-refuse: every refusal on add returns its result code and a message
# naming the reason, stores nothing, and leaves slapd running.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
mkdir -p "$C"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

# --- inputs ---------------------------------------------------------------
mkcert good $ec
mkcert good2 $ec
mkcert rsa1024 -newkey rsa:1024
mkcert ca -addext "keyUsage=critical,keyCertSign,cRLSign"	# RSA-2048 CA
mkcert sha1root -sha1					# self-signed SHA-1
mkcert big $ec -addext "subjectAltName=DNS:$(head -c 600 /dev/zero | tr '\0' a).example"
leaf() {	# leaf NAME DIGEST: EC leaf issued by ca, signed with DIGEST
	openssl req -new -nodes $ec -keyout "$C/$1.key" -subj "/CN=$1" -out "$C/$1.csr" 2>/dev/null
	printf 'basicConstraints=CA:FALSE\n' > "$C/leaf.ext"
	openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.pem" -CAkey "$C/ca.key" -"$2" \
		-days 30 -set_serial "$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')" \
		-extfile "$C/leaf.ext" -out "$C/$1.pem" 2>"$C/$1.err" || { cat "$C/$1.err"; die "leaf $1"; }
	openssl x509 -in "$C/$1.pem" -outform DER -out "$C/$1.der"
}
leaf sha1leaf sha1
leaf md5leaf md5
leaf sha256leaf sha256
mkcert_dates expired 20200101000000Z 20210101000000Z
mkcert_dates future 20400101000000Z 20410101000000Z

printf 'not a certificate at all' > "$C/garbage.der"
# DER that passes slapd's shallow Certificate syntax check but is no
# X.509 certificate: the overlay's parser must refuse it
python3 - "$C/shallow.der" <<'PY'
import sys
def tlv(t, b): return bytes([t, len(b)]) + b
seq = lambda *p: tlv(0x30, b''.join(p))
tbs = seq(tlv(2, b'\x01'), seq(), seq(), seq(), seq(), seq())
open(sys.argv[1], 'wb').write(seq(tbs, seq(), tlv(3, b'\x00')))
PY
cat "$C/good.der" > "$C/trailing.der"; printf 'xx' >> "$C/trailing.der"
python3 - "$C/good.der" "$C/trailing.pem" <<'PY'
import sys, base64, textwrap
d = open(sys.argv[1], 'rb').read() + b'\x05\x00'
b = "\n".join(textwrap.wrap(base64.b64encode(d).decode(), 64))
open(sys.argv[2], 'w').write("-----BEGIN CERTIFICATE-----\n%s\n-----END CERTIFICATE-----\n" % b)
PY
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$C/key.pem" 2>/dev/null
openssl pkey -in "$C/key.pem" -outform DER -out "$C/key.der"
openssl req -new -key "$C/key.pem" -subj /CN=csr -out "$C/csr.pem"
openssl ca -gencrl -batch -config "$C/ca.db/ca.cnf" -keyfile "$C/expired.key" \
	-cert "$C/expired.pem" -crldays 1 -out "$C/crl.pem" 2>/dev/null || die "crl"
openssl crl2pkcs7 -nocrl -certfile "$C/good.pem" -out "$C/p7.pem"
openssl pkcs12 -export -inkey "$C/good.key" -in "$C/good.pem" -passout pass:x \
	-out "$C/p12.der" 2>/dev/null || die "pkcs12"
cat "$C/good.pem" "$C/good2.pem" > "$C/two.pem"

# --- the node ---------------------------------------------------------------
node_conf 1
node_start 1
add_base 1
cert_ldif good "$C/good.der" | ladd 1 >/dev/null || die "add good"
snapshot 1 > "$T/before"

# ldif_der ALIAS FILE..., ldif_pem ALIAS FILE: add LDIF on stdout
ldif_der() {
	a=$1; shift
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\n' "$a" "$BASE" "$a"
	for f in "$@"; do printf 'userCertificate;binary:< file://%s\n' "$f"; done
}
ldif_pem() {
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\ntsCertificatePEM:< file://%s\n' \
		"$1" "$BASE" "$1" "$2"
}
# refused CODE TEXT CMD...: CMD writes the add's LDIF; the add must fail
# with CODE and TEXT and change nothing
refused() {
	code=$1 text=$2; shift 2
	"$@" > "$T/req.ldif"
	expect_ldap "$code" "$text" ladd 1 -f "$T/req.ldif"
	snapshot 1 > "$T/after"
	cmp -s "$T/before" "$T/after" || fail "the store changed after a refusal ($2)"
	node_alive 1 || die "slapd died"
}
# lconf LDIF-LINES...: change the overlay's cn=config entry live
lconf() {
	printf 'dn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config\nchangetype: modify\n%s\n' "$1" |
		lconfig 1 >/dev/null || fail "cn=config change: $1"
}

# not a certificate: slapd's own Certificate syntax check comes first
refused 21 "userCertificate;binary: value #0 invalid per syntax" ldif_der x "$C/garbage.der"
refused 21 "userCertificate;binary: value #0 invalid per syntax" ldif_der x "$C/key.der"
refused 21 "userCertificate;binary: value #0 invalid per syntax" ldif_der x "$C/p12.der"
refused 21 "userCertificate;binary: value #0 invalid per syntax" ldif_der x "$C/trailing.der"
# ... then the overlay's parser
refused 21 "truststore: userCertificate;binary: not a DER X.509 certificate" ldif_der x "$C/shallow.der"
# DER that OpenSSL reads and GnuTLS, slapd's TLS library, refuses (and
# with it a whole PEM bundle holding it): tests/unit/fixtures/make.sh
FX="$TOP/tests/unit/fixtures"
refused 21 "truststore: userCertificate;binary: the certificate has an OID arc above 2^64-1, which GnuTLS" \
	ldif_der x "$FX/gnutls-bigarc.der"
refused 21 "truststore: userCertificate;binary: the certificate has an OID of 128 characters or more" \
	ldif_der x "$FX/gnutls-longoid.der"
refused 21 "truststore: userCertificate;binary: the certificate's signature algorithm differs from the one its signed part names (RFC 5280 4.1.1.2)" \
	ldif_der x "$FX/gnutls-sigalg.der"
refused 21 "truststore: userCertificate;binary: notAfter is not in RFC 5280's form (YYYYMMDDHHMMSSZ, no fractions of a second or time zone)" \
	ldif_der x "$FX/gnutls-timefrac.der"
refused 21 "truststore: userCertificate;binary: the certificate has a subjectAltName with an x400Address, which GnuTLS" \
	ldif_der x "$FX/gnutls-san-x400.der"
refused 21 "truststore: userCertificate;binary: the certificate has an issuerAltName with an empty rfc822Name, which GnuTLS" \
	ldif_der x "$FX/gnutls-ian-emptyemail.der"
refused 21 "truststore: userCertificate;binary: the certificate has a subjectAltName with bytes after its names" \
	ldif_der x "$FX/gnutls-san-trailing.der"
# named when given as PEM
refused 21 "truststore: tsCertificatePEM: PEM block 1 holds a private key, not a certificate" ldif_pem x "$C/key.pem"
out=$(ldif_pem x "$C/key.pem" | ladd 1 2>&1)
for l in $(sed '/^-----/d' "$C/key.pem"); do
	case $out in *"$l"*) fail "the refusal echoes key material";; esac
done
pass "the private key refusal echoes no key material"
refused 21 "holds a certificate signing request (CSR), not a certificate" ldif_pem x "$C/csr.pem"
refused 21 "holds a certificate revocation list (CRL), not a certificate" ldif_pem x "$C/crl.pem"
refused 21 "truststore: tsCertificatePEM holds a PKCS#7 bundle, not a certificate" ldif_pem x "$C/p7.pem"
refused 21 "truststore: tsCertificatePEM: PEM block 1 has 2 unexpected bytes after its certificate (at byte offset" \
	ldif_pem x "$C/trailing.pem"
refused 65 "truststore: tsCertificatePEM holds 2 certificates; an entry holds exactly one" ldif_pem x "$C/two.pem"
# DER given as tsCertificatePEM: two certificates are two, other bytes after
# one are named with where they start
cat "$C/good.der" "$C/good2.der" > "$C/two.der"
refused 65 "truststore: tsCertificatePEM holds 2 certificates; an entry holds exactly one" ldif_pem x "$C/two.der"
refused 21 "truststore: tsCertificatePEM: 2 unexpected bytes after the DER certificate (at byte offset $(wc -c < "$C/good.der"))" \
	ldif_pem x "$C/trailing.der"
# one certificate per entry
refused 65 "truststore: a tsCertificate entry holds exactly one userCertificate;binary value (found 2)" \
	ldif_der x "$C/good2.der" "$C/sha256leaf.der"
refused 65 "truststore: a tsCertificate entry holds exactly one userCertificate;binary value (found 0)" ldif_der x
with() { ldif_der x "$C/good2.der"; printf '%s\n' "$1"; }
refused 65 "both userCertificate;binary and tsCertificatePEM given" \
	with "tsCertificatePEM:< file://$C/good2.pem"
# policy
refused 19 "truststore: certificate expired on 2021-01-01 00:00:00 UTC (policy: olcTrustStoreRefuseExpired)" ldif_der x "$C/expired.der"
refused 19 "truststore: RSA key of 1024 bits is below the minimum of 2048 (policy: olcTrustStoreMinRSABits)" ldif_der x "$C/rsa1024.der"
refused 19 "truststore: signature uses SHA-1 (sha1WithRSAEncryption) (policy: olcTrustStoreRefuseWeakSignature)" ldif_der x "$C/sha1leaf.der"
refused 19 "truststore: signature uses MD5 (md5WithRSAEncryption)" ldif_der x "$C/md5leaf.der"
refused 19 "truststore: certificate already stored under alias \"good\" (cn=good,$BASE)" ldif_der x "$C/good.der"
# the same name again, same certificate: the name is taken (68), as for any
# entry, not a duplicate of itself (19)
refused 68 "Already exists" ldif_der good "$C/good.der"
ldif_der x "$C/big.der" > "$T/big.ldif"
lconf "replace: olcTrustStoreMaxSize
olcTrustStoreMaxSize: 600"
refused 19 "truststore: certificate is $(wc -c < "$C/big.der") bytes, more than the 600 allowed (policy: olcTrustStoreMaxSize)" cat "$T/big.ldif"
lconf "delete: olcTrustStoreMaxSize"
lconf "replace: olcTrustStoreRefuseNotYetValid
olcTrustStoreRefuseNotYetValid: TRUE"
refused 19 "truststore: certificate is not valid before 2040-01-01 00:00:00 UTC (policy: olcTrustStoreRefuseNotYetValid)" ldif_der x "$C/future.der"
lconf "replace: olcTrustStoreRequireCA
olcTrustStoreRequireCA: TRUE"
refused 19 "truststore: certificate is not a CA (basicConstraints cA is not set) (policy: olcTrustStoreRequireCA)" ldif_der x "$C/sha256leaf.der"
# client-supplied decorations: slapd refuses NO-USER-MODIFICATION itself
refused 19 "tsSubject: no user modification allowed" with "tsSubject: CN=forged"
refused 19 "tsNotAfter: no user modification allowed" with "tsNotAfter: 20991231235959Z"
refused 19 "tsStatus: no user modification allowed" with "tsStatus: valid"

# what policy lets through
lconf "delete: olcTrustStoreRequireCA"
lconf "delete: olcTrustStoreRefuseNotYetValid"
ldif_der sha1root "$C/sha1root.der" | ladd 1 >/dev/null &&
	pass "a self-signed SHA-1 root is accepted (its self-signature is not judged)" ||
	fail "self-signed SHA-1 root refused"
ldif_der future "$C/future.der" | ladd 1 >/dev/null &&
	pass "not-yet-valid accepted by default" || fail "not-yet-valid refused by default"
lconf "replace: olcTrustStoreRefuseDuplicates
olcTrustStoreRefuseDuplicates: FALSE"
ldif_der again "$C/good.der" | ladd 1 >/dev/null &&
	pass "a duplicate is accepted with truststore-refuse-duplicates off" ||
	fail "duplicate refused with the check off"
# an entry of another class that holds a certificate is stored untouched,
# and the log says it is neither checked nor exported
printf 'dn: cn=dev,%s\nobjectClass: device\nobjectClass: strongAuthenticationUser\ncn: dev\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/good.der" | ladd 1 >/dev/null &&
	pass "another class with a certificate is stored" || fail "device with certificate refused"
check "and the log says it is not exported" grep -qF \
	"\"cn=dev,$BASE\" holds userCertificate;binary but is not of class tsCertificate: neither checked nor exported" "$T/n1.log"
node_alive 1 && pass "slapd still running"
