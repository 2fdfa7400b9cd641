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

# openssl_facts CERT.pem: the decorations the overlay must store, from
# four openssl runs (process start-up is what costs on a busy machine)
openssl_facts() {
	f=$1
	# the CLI prints no size for Ed25519/Ed448: the overlay stores what
	# EVP_PKEY_get_bits() says, 256/456 in OpenSSL 3.0, 253/456 later
	edbits=253; openssl version | grep -q '^OpenSSL 3\.0\.' && edbits=256
	{
		openssl x509 -in "$f" -noout -nameopt RFC2253,-esc_msb \
			-dateopt iso_8601 -subject -issuer -serial -startdate \
			-enddate -subject_hash
		openssl x509 -in "$f" -noout -fingerprint -sha256
		openssl x509 -in "$f" -noout -fingerprint -sha1
		openssl x509 -in "$f" -noout -text
	} | awk -v edbits="$edbits" '
	function out(a, v) { if (v != "") printf "%s: %s\n", a, v }
	function hex(v) { gsub(/[: ]/, "", v); return tolower(v) }
	# "a, b, c" -> one value each, those starting with prefix p
	function list(a, v, p,   n, i, x) {
		n = split(v, x, /, /)
		for (i = 1; i <= n; i++)
			if (p == "" || index(x[i], p) == 1)
				out(a, substr(x[i], length(p) + 1))
	}
	function ku(v) {
		gsub(/Digital Signature/, "digitalSignature", v)
		gsub(/Non Repudiation/, "nonRepudiation", v)
		gsub(/Key Encipherment/, "keyEncipherment", v)
		gsub(/Data Encipherment/, "dataEncipherment", v)
		gsub(/Key Agreement/, "keyAgreement", v)
		gsub(/Certificate Sign/, "keyCertSign", v)
		gsub(/CRL Sign/, "cRLSign", v)
		gsub(/Encipher Only/, "encipherOnly", v)
		gsub(/Decipher Only/, "decipherOnly", v)
		return v
	}
	function eku(v) {
		gsub(/TLS Web Server Authentication/, "serverAuth", v)
		gsub(/TLS Web Client Authentication/, "clientAuth", v)
		gsub(/Code Signing/, "codeSigning", v)
		gsub(/E-mail Protection/, "emailProtection", v)
		gsub(/Time Stamping/, "timeStamping", v)
		gsub(/OCSP Signing/, "OCSPSigning", v)
		return v
	}
	NR == 1 { sub(/^subject=/, ""); subj = $0; out("tsSubject", $0); next }
	NR == 2 { sub(/^issuer=/, ""); iss = $0; out("tsIssuer", $0); next }
	NR == 3 { sub(/^serial=/, ""); out("tsSerialNumber", $0); next }
	NR == 4 || NR == 5 {
		a = NR == 4 ? "tsNotBefore" : "tsNotAfter"
		sub(/^[^=]*=/, ""); gsub(/[-: ]/, ""); out(a, $0); next
	}
	NR == 6 { out("tsSubjectHash", $0); next }
	/^(sha256|SHA256) Fingerprint=/ { sub(/^.*=/, ""); out("tsFingerprintSHA256", hex($0)); next }
	/^(sha1|SHA1) Fingerprint=/ { sub(/^.*=/, ""); out("tsFingerprintSHA1", hex($0)); next }
	want != "" {
		v = $0; sub(/^ */, "", v)
		if (want == "bc") isca = (v ~ /CA:TRUE/)
		else if (want == "ku") list("tsKeyUsage", ku(v), "")
		else if (want == "eku") list("tsExtKeyUsage", eku(v), "")
		else if (want == "san") {
			list("tsDNSName", v, "DNS:"); list("tsIPAddress", v, "IP Address:")
			list("tsEmail", v, "email:"); list("tsURI", v, "URI:")
		} else if (want == "ski") out("tsSubjectKeyIdentifier", hex(v))
		else if (want == "aki") { sub(/^keyid:/, "", v); out("tsAuthorityKeyIdentifier", hex(v)) }
		want = ""; next
	}
	/^ *Version: / { out("tsVersion", $2) }
	/^ *Signature Algorithm: / && !sig { sig = 1; v = $0; sub(/^ *Signature Algorithm: /, "", v); out("tsSignatureAlgorithm", v) }
	/^ *Public Key Algorithm: / { v = $0; sub(/^ *Public Key Algorithm: /, "", v); out("tsKeyAlgorithm", v) }
	/Public-Key: \([0-9]+ bit\)/ { v = $0; sub(/^.*\(/, "", v); sub(/ bit.*/, "", v); bits = v }
	/ED25519 Public-Key:/ { bits = edbits }
	/ED448 Public-Key:/ { bits = 456 }
	/^ *X509v3 Basic Constraints:/ { want = "bc" }
	/^ *X509v3 Key Usage:/ { want = "ku" }
	/^ *X509v3 Extended Key Usage:/ { want = "eku" }
	/^ *X509v3 Subject Alternative Name:/ { want = "san" }
	/^ *X509v3 Subject Key Identifier:/ { want = "ski" }
	/^ *X509v3 Authority Key Identifier:/ { want = "aki" }
	END {
		out("tsKeyBits", bits)
		out("tsIsCA", isca ? "TRUE" : "FALSE")
		out("tsSelfSigned", subj == iss ? "TRUE" : "FALSE")
	}' |
	# openssl prints IPv6 in full uppercase; the overlay uses RFC 5952 text
	perl -MSocket=inet_pton,inet_ntop,AF_INET,AF_INET6 -pe '
		sub ip { my $a = "$_[0]"; my $f = $a =~ /:/ ? AF_INET6 : AF_INET;
		    inet_ntop($f, inet_pton($f, $a)) }
		s/^(tsIPAddress: )(.*)$/$1 . ip($2)/e' |
	sort
}
