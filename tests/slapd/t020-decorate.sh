#!/bin/sh
# t020-decorate: for certificates of every kind, each decoration the
# overlay stores equals what the openssl command line reports, with the
# node configured by slapd.conf and by cn=config; PEM input is converted.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/facts.sh"
ts_init
C=$T/certs
mkdir -p "$C"
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"

# RSA CA with key usage
mkcert rsa-ca -addext "keyUsage=critical,keyCertSign,cRLSign"
# EC leaf issued by it: every SAN kind, EKU, KU, basicConstraints CA:FALSE
openssl req -new -nodes $ec -keyout "$C/ec-leaf.key" -subj "/CN=www.example.org/O=Example" \
	-out "$C/ec-leaf.csr" 2>/dev/null
cat > "$C/leaf.ext" <<EOF2
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth,codeSigning
subjectAltName=DNS:www.example.org,DNS:*.example.org,IP:192.0.2.7,IP:2001:db8::1,email:ops@example.org,URI:https://example.org/ca
subjectKeyIdentifier=hash
authorityKeyIdentifier=keyid
EOF2
openssl x509 -req -in "$C/ec-leaf.csr" -CA "$C/rsa-ca.pem" -CAkey "$C/rsa-ca.key" \
	-set_serial 4660 -days 200 -extfile "$C/leaf.ext" -out "$C/ec-leaf.pem" 2>/dev/null ||
	die "signing ec-leaf"
# Ed25519, self-signed
openssl genpkey -algorithm ed25519 -out "$C/ed.key" 2>/dev/null
openssl req -x509 -key "$C/ed.key" -subj "/CN=ed25519 root" -days 30 -out "$C/ed.pem" ||
	die "ed25519"
# 20-byte serial
mkcert serial20 $ec -set_serial 0x7f0102030405060708090a0b0c0d0e0f10111213
# UTF-8 and characters RFC 4514 escapes; a multi-valued RDN
mkcert utf8 $ec -utf8 -subj '/CN=Zoë Ünïcødé 日本/O=Acme, Inc./OU=a\+b=c"d<e>;f\\g/L=#hash/ST= lead'
mkcert multi $ec -subj '/CN=multi+UID=42/DC=example/DC=org'
# a v1 certificate (no extensions at all)
openssl req -new -nodes $ec -keyout "$C/v1.key" -subj "/CN=version one" -out "$C/v1.csr" 2>/dev/null
openssl x509 -req -in "$C/v1.csr" -key "$C/v1.key" -days 10 -out "$C/v1.pem" 2>/dev/null || die "v1"
# RSA-3072 with SHA-512, no SAN
mkcert rsa3072 -newkey rsa:3072 -sha512 -addext "extendedKeyUsage=emailProtection,timeStamping"

set -- rsa-ca ec-leaf ed serial20 utf8 multi v1 rsa3072
for c in "$@"; do
	openssl x509 -in "$C/$c.pem" -outform DER -out "$C/$c.der"
	openssl_facts "$C/$c.pem" > "$C/$c.want"
done
grep -q 'tsVersion: 1' "$C/v1.want" || die "v1 certificate is not v1"
grep -q '^tsSerialNumber: 7F0102030405060708090A0B0C0D0E0F10111213$' "$C/serial20.want" ||
	die "serial20 does not have its 20-byte serial"

# PEM input: a certificate given only as tsCertificatePEM
mkcert pem $ec -addext "subjectAltName=DNS:pem.example.org"
openssl_facts "$C/pem.pem" > "$C/pem.want"

node_conf 1
node_conf_cn 2
for n in 1 2; do
	style=slapd.conf; [ $n = 2 ] && style=cn=config
	node_start $n
	add_base $n
	for c in "$@"; do
		cert_ldif "$c" "$C/$c.der" | ladd $n >/dev/null || fail "$style: add $c"
		ldap_facts $n "cn=$c,$BASE" > "$T/$c.got.$n"
		if cmp -s "$C/$c.want" "$T/$c.got.$n"; then
			pass "$style: $c: $(wc -l < "$T/$c.got.$n") decorations equal openssl's"
		else
			fail "$style: $c: decorations differ from openssl's"
			diff "$C/$c.want" "$T/$c.got.$n" >&2
		fi
	done

	printf 'dn: cn=pem,%s\nobjectClass: tsCertificate\ncn: pem\ntsCertificatePEM:< file://%s\n' \
		"$BASE" "$C/pem.pem" | ladd $n >/dev/null || fail "$style: add with tsCertificatePEM"
	ldap_facts $n "cn=pem,$BASE" > "$T/pem.got.$n"
	cmp -s "$C/pem.want" "$T/pem.got.$n" &&
		pass "$style: PEM input decorated as openssl reports" ||
		{ fail "$style: PEM input decorations"; diff "$C/pem.want" "$T/pem.got.$n" >&2; }
	lsearch $n -b "cn=pem,$BASE" -s base 'userCertificate;binary' tsCertificatePEM \
		> "$T/pem.entry.$n"
	grep -q tsCertificatePEM "$T/pem.entry.$n" && fail "$style: the PEM was stored"
	sed -n 's/^userCertificate;binary:: //p' "$T/pem.entry.$n" | base64 -d > "$T/pem.der.$n"
	openssl x509 -in "$C/pem.pem" -outform DER -out "$C/pem.der"
	cmp -s "$C/pem.der" "$T/pem.der.$n" &&
		pass "$style: PEM stored as the DER userCertificate;binary only" ||
		fail "$style: stored DER differs from the PEM's"
done

# identical input, byte-identical decorations on both nodes
for c in "$@" pem; do
	cmp -s "$T/$c.got.1" "$T/$c.got.2" || fail "$c: nodes differ"
done
pass "both configuration styles store byte-identical decorations"

# the decorations are searchable as the schema promises
out=$(lsearch 1 -b "$BASE" "(tsNotAfter<=$(date -u -d '+60 days' +%Y%m%d%H%M%SZ))" 1.1 | grep '^dn:' | sort | tr '\n' ' ')
[ "$out" = "dn: cn=ed,$BASE dn: cn=v1,$BASE " ] && pass "(tsNotAfter<=...) ordering search finds what expires within 60 days" ||
	fail "ordering search on tsNotAfter found '$out', want ed and v1"
fp=$(sed -n 's/^tsFingerprintSHA256: //p' "$C/ec-leaf.want")
lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$fp)" 1.1 | grep -q "^dn: cn=ec-leaf,$BASE" &&
	pass "equality search on tsFingerprintSHA256" || fail "fingerprint search"
lsearch 1 -b "$BASE" "(tsDNSName=*.example.org)" 1.1 | grep -q "^dn: cn=ec-leaf,$BASE" &&
	pass "substring search on tsDNSName" || fail "tsDNSName search"
