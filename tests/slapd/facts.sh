# facts.sh - a certificate's decorations as the openssl command line
# reports them, and as a node stores them, in the same sorted
# "attr: value" form, for comparing the two.  Source after lib.sh.
#
#   openssl_facts CERT.pem > want; ldap_facts N DN > got; cmp want got

TS_DECORATIONS="tsSubject tsIssuer tsSerialNumber tsNotBefore tsNotAfter
tsFingerprintSHA256 tsFingerprintSHA1 tsSubjectHash tsKeyAlgorithm tsKeyBits
tsSignatureAlgorithm tsIsCA tsSelfSigned tsKeyUsage tsExtKeyUsage tsDNSName
tsIPAddress tsEmail tsURI tsSubjectKeyIdentifier tsAuthorityKeyIdentifier
tsVersion"

# ldif_plain: unwrapped LDIF on stdin with base64 values decoded
ldif_plain() {
	while IFS= read -r line; do
		case $line in
		*::\ *)
			a=${line%%:: *}
			printf '%s: %s\n' "$a" "$(printf '%s' "${line#*:: }" | base64 -d)";;
		*) printf '%s\n' "$line";;
		esac
	done
}

# ldap_facts N DN: the decorations node N stores for DN
ldap_facts() {
	# shellcheck disable=SC2086
	lsearch "$1" -b "$2" -s base '(objectClass=*)' $TS_DECORATIONS |
		ldif_plain | grep '^ts' | sort
}

# _ext FILE NAME: the body of one extension as `openssl x509 -ext` prints it
_ext() {
	openssl x509 -in "$1" -noout -ext "$2" 2>/dev/null | sed -n '2,$p' |
		sed 's/^ *//'
}

_hex() { tr -d ':\n ' | tr 'A-F' 'a-f'; }

# _list PREFIX ATTR: split "a, b, c" on stdin into "ATTR: a" lines,
# keeping only items starting with PREFIX (PREFIX stripped)
_list() {
	tr '\n' ',' | sed 's/, */\n/g' | sed -n "s/^$1//p" |
		while IFS= read -r v; do [ -n "$v" ] && printf '%s: %s\n' "$2" "$v"; done
}

# openssl_facts CERT.pem: the decorations the overlay must store
openssl_facts() {
	f=$1
	text=$(openssl x509 -in "$f" -noout -text)
	{
	s=$(openssl x509 -in "$f" -noout -subject -nameopt RFC2253,-esc_msb | sed 's/^subject=//')
	i=$(openssl x509 -in "$f" -noout -issuer -nameopt RFC2253,-esc_msb | sed 's/^issuer=//')
	[ -n "$s" ] && printf "%s\n" "tsSubject: $s"
	[ -n "$i" ] && printf "%s\n" "tsIssuer: $i"
	printf "%s\n" "tsSerialNumber: $(openssl x509 -in "$f" -noout -serial | sed 's/^serial=//')"
	for w in startdate:tsNotBefore enddate:tsNotAfter; do
		d=$(openssl x509 -in "$f" -noout -"${w%%:*}" -dateopt iso_8601 | sed 's/^[^=]*=//')
		printf "%s\n" "${w#*:}: $(printf '%s' "$d" | tr -d ': -')"
	done
	printf "%s\n" "tsFingerprintSHA256: $(openssl x509 -in "$f" -noout -fingerprint -sha256 | sed 's/^.*=//' | _hex)"
	printf "%s\n" "tsFingerprintSHA1: $(openssl x509 -in "$f" -noout -fingerprint -sha1 | sed 's/^.*=//' | _hex)"
	printf "%s\n" "tsSubjectHash: $(openssl x509 -in "$f" -noout -subject_hash)"
	printf "%s\n" "tsKeyAlgorithm: $(printf '%s\n' "$text" | sed -n 's/^ *Public Key Algorithm: //p')"
	bits=$(printf '%s\n' "$text" | sed -n 's/.*Public-Key: (\([0-9]*\) bit).*/\1/p')
	# the CLI prints no size for Ed25519/Ed448: the overlay stores what
	# EVP_PKEY_get_bits() says, 256/456 in OpenSSL 3.0, 253/456 later
	edbits=253; openssl version | grep -q '^OpenSSL 3\.0\.' && edbits=256
	printf '%s\n' "$text" | grep -q 'ED25519 Public-Key' && bits=$edbits
	printf '%s\n' "$text" | grep -q 'ED448 Public-Key' && bits=456
	printf "%s\n" "tsKeyBits: $bits"
	printf "%s\n" "tsSignatureAlgorithm: $(printf '%s\n' "$text" | sed -n 's/^ *Signature Algorithm: //p' | head -n 1)"
	if _ext "$f" basicConstraints | grep -q 'CA:TRUE'; then
		printf "%s\n" "tsIsCA: TRUE"; else printf "%s\n" "tsIsCA: FALSE"; fi
	if [ "$s" = "$i" ]; then
		printf "%s\n" "tsSelfSigned: TRUE"; else printf "%s\n" "tsSelfSigned: FALSE"; fi
	_ext "$f" keyUsage | _list '' tsKeyUsage | sed '
		s/Digital Signature/digitalSignature/; s/Non Repudiation/nonRepudiation/
		s/Key Encipherment/keyEncipherment/; s/Data Encipherment/dataEncipherment/
		s/Key Agreement/keyAgreement/; s/Certificate Sign/keyCertSign/
		s/CRL Sign/cRLSign/; s/Encipher Only/encipherOnly/; s/Decipher Only/decipherOnly/'
	_ext "$f" extendedKeyUsage | _list '' tsExtKeyUsage | sed '
		s/TLS Web Server Authentication/serverAuth/
		s/TLS Web Client Authentication/clientAuth/; s/Code Signing/codeSigning/
		s/E-mail Protection/emailProtection/; s/Time Stamping/timeStamping/
		s/OCSP Signing/OCSPSigning/'
	san=$(_ext "$f" subjectAltName)
	printf '%s\n' "$san" | _list 'DNS:' tsDNSName
	# openssl prints IPv6 in full uppercase; the overlay uses RFC 5952 text
	printf '%s\n' "$san" | _list 'IP Address:' tsIPAddress | while IFS= read -r l; do
		printf "%s\n" "tsIPAddress: $(python3 -c 'import ipaddress,sys; print(ipaddress.ip_address(sys.argv[1]))' "${l#tsIPAddress: }")"
	done
	printf '%s\n' "$san" | _list 'email:' tsEmail
	printf '%s\n' "$san" | _list 'URI:' tsURI
	ski=$(_ext "$f" subjectKeyIdentifier | _hex)
	[ -n "$ski" ] && printf "%s\n" "tsSubjectKeyIdentifier: $ski"
	aki=$(_ext "$f" authorityKeyIdentifier | sed -n '1{s/^keyid://;p}' | _hex)
	[ -n "$aki" ] && printf "%s\n" "tsAuthorityKeyIdentifier: $aki"
	printf "%s\n" "tsVersion: $(printf '%s\n' "$text" | sed -n 's/^ *Version: \([0-9]*\) .*/\1/p')"
	} | sort
}
