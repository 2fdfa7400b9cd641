/* test_tscert.c - the certificate library against fixtures and an oracle */
/*
 * One table of fixtures (made by fixtures/make.sh with the openssl command
 * line) and what the library must say about each: accepted or refused and
 * why, a few exact facts, and the policy's verdict at a fixed time.  Every
 * DER fixture, and every certificate built at run time below, is also
 * checked against tsoracle.h (d2i_X509 and the standard X509 API): same
 * acceptance, byte-identical facts.  Exit status = number of failures.
 *
 * Fixtures are found in $TS_FIXTURES, else next to this source file.
 */
#define _GNU_SOURCE	/* memmem */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tscert.h"
#include "tsoracle.h"

/* 2027-01-15 08:00:00 UTC: inside the 100-year fixtures' validity. */
#define NOW	((int64_t)1800000000)

static int passed, failed;

static void
check(int ok, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
check(int ok, const char *what, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL %s: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static char fixdir[1024];

static unsigned char *
slurp(const char *name, size_t *len)
{
	char path[2048];
	unsigned char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", fixdir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

#define MAXEXP	16

static const struct fixture {
	const char	*file;
	enum ts_reason	 reason;	/* TS_OK: accepted */
	enum ts_kind	 kind;		/* for TS_ERR_NOT_CERT */
	enum ts_reason	 policy;	/* verdict of the default policy */
	const char	*msg;		/* expected message, prefix */
	const char	*facts[MAXEXP];	/* "name=value", in order per name */
} fixtures[] = {
	{ "ca.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSubject=CN=Test Root CA,O=Truststore Test,C=DE",
	    "tsIssuer=CN=Test Root CA,O=Truststore Test,C=DE",
	    "tsSerialNumber=7F0102030405060708090A0B0C0D0E0F10111213",
	    "tsFingerprintSHA256=ebfc94803fd6f4ac1e7ac9337e0400c92dced1c67242e45499783547d5412114",
	    "tsSubjectHash=78d56801",
	    "tsKeyAlgorithm=rsaEncryption", "tsKeyBits=2048",
	    "tsSignatureAlgorithm=sha256WithRSAEncryption",
	    "tsIsCA=TRUE", "tsSelfSigned=TRUE",
	    "tsKeyUsage=keyCertSign", "tsKeyUsage=cRLSign",
	    "tsSubjectKeyIdentifier=78704f8ecf90895149df1093c38f73431bcf3b75",
	    "tsVersion=3" } },
	{ "leaf-ec256.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSubject=CN=ec.example.org", "tsSerialNumber=0100",
	    "tsKeyAlgorithm=id-ecPublicKey", "tsKeyBits=256",
	    "tsIsCA=FALSE", "tsSelfSigned=FALSE",
	    "tsKeyUsage=digitalSignature", "tsKeyUsage=keyEncipherment",
	    "tsExtKeyUsage=serverAuth", "tsExtKeyUsage=clientAuth",
	    "tsExtKeyUsage=1.3.6.1.4.1.99999.1",
	    "tsDNSName=www.example.org", "tsDNSName=example.org",
	    "tsIPAddress=192.0.2.7", "tsIPAddress=2001:db8::1:0:0:1",
	    "tsIPAddress=::ffff:192.0.2.1" } },
	{ "leaf-ec256.der", TS_OK, 0, TS_OK, NULL, {
	    "tsEmail=admin@example.org", "tsURI=https://example.org/x",
	    "tsSubjectKeyIdentifier=603614a8f48f5edd934b629768a7a276562a7e98",
	    "tsAuthorityKeyIdentifier=78704f8ecf90895149df1093c38f73431bcf3b75",
	    "tsVersion=3" } },
	{ "leaf-rsa4096.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSubject=O=Example,CN=www.example.org", "tsSerialNumber=1000",
	    "tsKeyBits=4096", "tsKeyAlgorithm=rsaEncryption" } },
	{ "leaf-rsa1024.der", TS_OK, 0, TS_ERR_WEAK_KEY,
	    "RSA key of 1024 bits is below the minimum of 2048", {
	    "tsKeyBits=1024", "tsSerialNumber=0400" } },
	{ "leaf-sha1.der", TS_OK, 0, TS_ERR_WEAK_SIGNATURE,
	    "signature uses SHA-1 (sha1WithRSAEncryption)", {
	    "tsSignatureAlgorithm=sha1WithRSAEncryption" } },
	{ "leaf-md5.der", TS_OK, 0, TS_ERR_WEAK_SIGNATURE,
	    "signature uses MD5 (md5WithRSAEncryption)", {
	    "tsSignatureAlgorithm=md5WithRSAEncryption" } },
	{ "leaf-psssig-sha1.der", TS_OK, 0, TS_ERR_WEAK_SIGNATURE,
	    "signature uses SHA-1 (rsassaPss)", {
	    "tsSignatureAlgorithm=rsassaPss" } },
	{ "leaf-psssig.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSignatureAlgorithm=rsassaPss" } },
	{ "root-sha1.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSignatureAlgorithm=ecdsa-with-SHA1", "tsSelfSigned=TRUE",
	    "tsIsCA=TRUE" } },
	{ "leaf-allku.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=ED25519", "tsKeyBits=256",
	    "tsKeyUsage=digitalSignature", "tsKeyUsage=nonRepudiation",
	    "tsKeyUsage=keyEncipherment", "tsKeyUsage=dataEncipherment",
	    "tsKeyUsage=keyAgreement", "tsKeyUsage=keyCertSign",
	    "tsKeyUsage=cRLSign", "tsKeyUsage=encipherOnly",
	    "tsKeyUsage=decipherOnly", "tsExtKeyUsage=codeSigning",
	    "tsExtKeyUsage=emailProtection", "tsExtKeyUsage=timeStamping",
	    "tsExtKeyUsage=OCSPSigning" } },
	{ "leaf-exts.der", TS_OK, 0, TS_OK, NULL, {
	    "tsIsCA=TRUE", "tsKeyUsage=keyCertSign",
	    "tsDNSName=x.example.org", "tsSerialNumber=4D" } },
	{ "leaf-proxy.der", TS_OK, 0, TS_OK, NULL, { "tsSerialNumber=4E" } },
	{ "leaf-dsa.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=dsaEncryption", "tsKeyBits=2048",
	    "tsSerialNumber=00" } },
	{ "leaf-pss.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=rsassaPss", "tsKeyBits=2048" } },
	{ "leaf-ecexplicit.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=id-ecPublicKey", "tsKeyBits=256" } },
	{ "leaf-utf8.der", TS_OK, 0, TS_OK, NULL, {
	    "tsSubject=OU=\\#hash,O=\\ lead and trail\\ ,CN=J\xc3\xb6rg "
	    "\xc3\x9cn\xc3\xaf" "c\xc3\xb8" "d\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac "
	    "\\\"q\\\" \\<a\\>\\;b=c\\+d\\,e\\\\f #x\\ ",
	    "tsSerialNumber=FF" } },
	{ "ca-ec384.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyBits=384", "tsSignatureAlgorithm=ecdsa-with-SHA256",
	    "tsSelfSigned=TRUE", "tsIsCA=TRUE" } },
	{ "self-ed25519.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=ED25519", "tsKeyBits=256",
	    "tsSignatureAlgorithm=ED25519", "tsSelfSigned=TRUE" } },
	{ "self-ed448.der", TS_OK, 0, TS_OK, NULL, {
	    "tsKeyAlgorithm=ED448", "tsKeyBits=456",
	    "tsSignatureAlgorithm=ED448", "tsSelfSigned=TRUE" } },
	{ "v1.der", TS_OK, 0, TS_OK, NULL, {
	    "tsVersion=1", "tsSelfSigned=TRUE", "tsIsCA=FALSE",
	    "tsSerialNumber=01" } },
	{ "serial0.der", TS_OK, 0, TS_OK, NULL, { "tsSerialNumber=00" } },
	{ "dated-expired.der", TS_OK, 0, TS_ERR_EXPIRED,
	    "certificate expired on 2001-01-01 00:00:00 UTC", {
	    "tsNotBefore=20000101000000Z", "tsNotAfter=20010101000000Z" } },
	{ "dated-future.der", TS_OK, 0, TS_OK, NULL, {
	    "tsNotBefore=21000101000000Z", "tsNotAfter=21100101000000Z" } },
	{ "dated-old.der", TS_OK, 0, TS_ERR_EXPIRED,
	    "certificate expired on 1969-07-21 02:56:00 UTC", {
	    "tsNotBefore=19500101000000Z", "tsNotAfter=19690721025600Z" } },
	{ "dated-far.der", TS_OK, 0, TS_OK, NULL, {
	    "tsNotBefore=20500101000000Z", "tsNotAfter=20991231235959Z" } },
	{ "bad-truncated.der", TS_ERR_SYNTAX, 0, 0,
	    "not a DER X.509 certificate: truncated", { NULL } },
	{ "bad-trailing.der", TS_ERR_TRAILING, 0, 0,
	    "the certificate is followed by 3 unexpected bytes", { NULL } },
	{ "bad-ber.der", TS_ERR_SYNTAX, 0, 0, "the certificate is BER, not DER: "
	    "it has a non-minimal length", { NULL } },
	{ "bad-octet.der", TS_ERR_SYNTAX, 0, 0,
	    "not a DER X.509 certificate: wrong tag", { NULL } },
	/* OpenSSL reads these; GnuTLS refuses them, and a bundle with them */
	{ "gnutls-bigarc.der", TS_ERR_SYNTAX, 0, 0, "the certificate has "
	    "an OID arc above 2^64-1, which GnuTLS", { NULL } },
	{ "gnutls-longoid.der", TS_ERR_SYNTAX, 0, 0, "the certificate has "
	    "an OID of 128 characters or more, which GnuTLS", { NULL } },
	{ "gnutls-sigalg.der", TS_ERR_SYNTAX, 0, 0, "the certificate's "
	    "signature algorithm differs from the one its signed part names",
	    { NULL } },
	{ "gnutls-timefrac.der", TS_ERR_SYNTAX, 0, 0, "notAfter is not in "
	    "RFC 5280's form (YYYYMMDDHHMMSSZ, no fractions", { NULL } },
	{ "gnutls-san-x400.der", TS_ERR_SYNTAX, 0, 0, "the certificate has "
	    "a subjectAltName with an x400Address, which GnuTLS", { NULL } },
	{ "gnutls-san-edi.der", TS_ERR_SYNTAX, 0, 0, "the certificate has "
	    "a subjectAltName with an ediPartyName", { NULL } },
	{ "gnutls-san-emptydns.der", TS_ERR_SYNTAX, 0, 0, "the certificate "
	    "has a subjectAltName with an empty dNSName", { NULL } },
	{ "gnutls-ian-emptyemail.der", TS_ERR_SYNTAX, 0, 0, "the certificate "
	    "has an issuerAltName with an empty rfc822Name", { NULL } },
	{ "gnutls-san-trailing.der", TS_ERR_SYNTAX, 0, 0, "the certificate "
	    "has a subjectAltName with bytes after its names", { NULL } },
	{ "gnutls-san-primtag.der", TS_ERR_SYNTAX, 0, 0, "the certificate "
	    "has a subjectAltName that is not a DER SEQUENCE of names",
	    { NULL } },
	{ "not-csr.der", TS_ERR_NOT_CERT, TS_KIND_CSR, 0,
	    "value holds a certificate signing request (CSR), not a certificate",
	    { NULL } },
	{ "not-crl.der", TS_ERR_NOT_CERT, TS_KIND_CRL, 0,
	    "value holds a certificate revocation list (CRL)", { NULL } },
	{ "not-pkcs8.der", TS_ERR_NOT_CERT, TS_KIND_PRIVATE_KEY, 0,
	    "value holds a private key, not a certificate", { NULL } },
	{ "not-rsakey.der", TS_ERR_NOT_CERT, TS_KIND_PRIVATE_KEY, 0, NULL,
	    { NULL } },
	{ "not-eckey.der", TS_ERR_NOT_CERT, TS_KIND_PRIVATE_KEY, 0, NULL,
	    { NULL } },
	{ "not-enckey.der", TS_ERR_NOT_CERT, TS_KIND_ENCRYPTED_PRIVATE_KEY, 0,
	    "value holds an encrypted private key", { NULL } },
	{ "not-pubkey.der", TS_ERR_NOT_CERT, TS_KIND_PUBLIC_KEY, 0, NULL,
	    { NULL } },
	{ "p7-two.der", TS_ERR_NOT_CERT, TS_KIND_PKCS7, 0, NULL, { NULL } },
	{ "p7-ber.der", TS_ERR_NOT_CERT, TS_KIND_PKCS7, 0, NULL, { NULL } },
	{ "not-p12.der", TS_ERR_NOT_CERT, TS_KIND_PKCS12, 0,
	    "value holds a PKCS#12 archive", { NULL } },
	/* PEM given where DER belongs */
	{ "not-pkcs8.pem", TS_ERR_NOT_CERT, TS_KIND_PRIVATE_KEY, 0, NULL,
	    { NULL } },
	{ "not-rsaenc.pem", TS_ERR_NOT_CERT, TS_KIND_ENCRYPTED_PRIVATE_KEY, 0,
	    NULL, { NULL } },
	{ "bundle.pem", TS_ERR_SYNTAX, 0, 0,
	    "value is PEM text; a DER certificate is expected", { NULL } },
};

/* Find "name=value" among the facts, after index *from for that name. */
static int
has_fact(const struct ts_fact *f, size_t n, const char *nv, size_t *from)
{
	const char *eq = strchr(nv, '=');
	size_t nl = (size_t)(eq - nv), i;

	for (i = *from; i < n; i++)
		if (strlen(f[i].name) == nl && memcmp(f[i].name, nv, nl) == 0 &&
		    strcmp(f[i].value, eq + 1) == 0) {
			*from = i + 1;
			return 1;
		}
	return 0;
}

static void
test_fixture(struct ts_cert *c, const struct fixture *fx)
{
	struct ts_policy pol;
	const struct ts_fact *f;
	enum ts_reason why;
	unsigned char *der;
	char msg[512];
	size_t len, n, found[MAXEXP], from, i, j;
	int rc;

	if ((der = slurp(fx->file, &len)) == NULL) {
		check(0, fx->file, "cannot read the fixture");
		return;
	}
	rc = ts_cert_parse(c, der, len);
	check((rc == 0) == (fx->reason == TS_OK) &&
	    ts_cert_reason(c) == fx->reason, fx->file,
	    "parse %d reason %d (%s), expected reason %d", rc,
	    ts_cert_reason(c), ts_cert_error(c) ? ts_cert_error(c) : "-",
	    fx->reason);
	if (fx->reason == TS_ERR_NOT_CERT)
		check(ts_cert_kind(c) == fx->kind, fx->file,
		    "kind %d, expected %d", ts_cert_kind(c), fx->kind);
	if (fx->reason != TS_OK && fx->msg != NULL)
		check(ts_cert_error(c) != NULL && strncmp(ts_cert_error(c),
		    fx->msg, strlen(fx->msg)) == 0, fx->file,
		    "message \"%s\", expected \"%s\"", ts_cert_error(c),
		    fx->msg);
	if (rc == 0) {
		ts_cert_facts(c, &f, &n);
		for (i = 0; i < MAXEXP && fx->facts[i] != NULL; i++) {
			/* values of one name must come in the listed order */
			size_t nl = (size_t)(strchr(fx->facts[i], '=') -
			    fx->facts[i]) + 1;

			for (from = 0, j = 0; j < i; j++)
				if (strncmp(fx->facts[j], fx->facts[i], nl) == 0)
					from = found[j];
			check(has_fact(f, n, fx->facts[i], &from), fx->file,
			    "missing or out of order: %s", fx->facts[i]);
			found[i] = from;
		}
		ts_policy_defaults(&pol);
		rc = ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg));
		check((rc == 0) == (fx->policy == TS_OK) && why == fx->policy,
		    fx->file, "policy %d (%s), expected %d", why, msg,
		    fx->policy);
		if (fx->policy != TS_OK && fx->msg != NULL)
			check(strcmp(msg, fx->msg) == 0, fx->file,
			    "policy message \"%s\", expected \"%s\"", msg,
			    fx->msg);
	}
	/* Only DER makes sense to the oracle. */
	if (strstr(fx->file, ".der") != NULL) {
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
		    fx->file, "oracle: %s", msg);
	}
	free(der);
}

/* ts_decode_certs on PEM and DER input. */
static const struct decode_case {
	const char	*file;
	int		 ncerts;	/* -1: refused */
	enum ts_kind	 found;
	const char	*msg;
} decodes[] = {
	{ "bundle.pem", 2, TS_KIND_CERTIFICATE, NULL },
	{ "p7-two.pem", 2, TS_KIND_CERTIFICATE, NULL },
	{ "trusted.pem", 1, TS_KIND_CERTIFICATE, NULL },
	{ "p7-two.der", 2, TS_KIND_PKCS7, NULL },
	{ "p7-ber.der", 1, TS_KIND_PKCS7, NULL },
	{ "ca.der", 1, TS_KIND_CERTIFICATE, NULL },
	{ "bad-trailing.der", -1, TS_KIND_UNKNOWN, "3 unexpected bytes after "
	    "the DER certificate (at byte offset " },
	/* BER lengths are the parser's to refuse, with its reason */
	{ "bad-ber.der", 1, TS_KIND_CERTIFICATE, NULL },
	{ "not-p7crl.pem", -1, TS_KIND_UNKNOWN,
	    "the PKCS#7 data holds no certificate" },
	{ "bad-bundle-key.pem", -1, TS_KIND_PRIVATE_KEY,
	    "PEM block 2 holds a private key, not a certificate" },
	{ "bad-base64.pem", -1, TS_KIND_UNKNOWN,
	    "PEM block 1 is not valid base64" },
	{ "bad-noend.pem", -1, TS_KIND_UNKNOWN,
	    "PEM block 1 has no matching END line" },
	{ "not-csr.pem", -1, TS_KIND_CSR,
	    "PEM block 1 holds a certificate signing request (CSR)" },
	{ "not-crl.pem", -1, TS_KIND_CRL, NULL },
	{ "not-pubkey.pem", -1, TS_KIND_PUBLIC_KEY, NULL },
	{ "not-eckey.pem", -1, TS_KIND_PRIVATE_KEY, NULL },
	{ "not-rsakey.pem", -1, TS_KIND_PRIVATE_KEY, NULL },
	{ "not-rsaenc.pem", -1, TS_KIND_ENCRYPTED_PRIVATE_KEY, NULL },
	{ "not-enckey.pem", -1, TS_KIND_ENCRYPTED_PRIVATE_KEY, NULL },
	{ "not-pkcs8.der", -1, TS_KIND_PRIVATE_KEY,
	    "input holds a private key, not a certificate" },
	{ "not-p12.der", -1, TS_KIND_PKCS12, NULL },
	{ "not-crl.der", -1, TS_KIND_CRL, NULL },
};

static void
test_decode(struct ts_cert *c, const struct decode_case *dc)
{
	struct ts_blob *certs;
	enum ts_kind found;
	unsigned char *buf;
	char msg[256];
	size_t len, n, i;
	int rc;

	if ((buf = slurp(dc->file, &len)) == NULL) {
		check(0, dc->file, "cannot read the fixture");
		return;
	}
	rc = ts_decode_certs(buf, len, &certs, &n, &found, msg, sizeof(msg));
	if (dc->ncerts < 0) {
		check(rc == -1 && found == dc->found, dc->file,
		    "decode %d found %d (%s), expected refusal, kind %d", rc,
		    found, msg, dc->found);
		if (dc->msg != NULL)
			check(strncmp(msg, dc->msg, strlen(dc->msg)) == 0,
			    dc->file, "message \"%s\", expected \"%s\"", msg,
			    dc->msg);
	} else {
		check(rc == 0 && (int)n == dc->ncerts && found == dc->found,
		    dc->file, "decode %d: %zu certs, kind %d (%s)", rc, n,
		    found, msg);
		/* Each piece is a certificate for the parser (except the
		 * deliberately broken ones). */
		for (i = 0; rc == 0 && i < n; i++)
			check(ts_cert_parse(c, certs[i].data, certs[i].len) ==
			    0 || strncmp(dc->file, "bad-", 4) == 0,
			    dc->file, "piece %zu: %s", i, ts_cert_error(c));
		ts_blobs_free(certs, n);
	}
	free(buf);
}

/*
 * Certificates joined with other bytes: DER certificates one after
 * another are split as a bundle is, anything else after a certificate is
 * refused with where it starts, in DER and inside a PEM block alike.
 */
struct joined {
	unsigned char	*buf;
	size_t		 len;
};

static void
join(struct joined *j, const void *p, size_t n)
{
	j->buf = realloc(j->buf, j->len + n + 1);
	memcpy(j->buf + j->len, p, n);
	j->len += n;
}

/* One PEM block of the given label around the bytes, in *j. */
static void
join_pem(struct joined *j, const char *label, const unsigned char *der,
    size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *text;
	long n;

	PEM_write_bio(b, label, "", der, (long)len);
	n = BIO_get_mem_data(b, &text);
	join(j, text, (size_t)n);
	BIO_free(b);
}

/* *j emptied, then one PEM block as join_pem() makes it. */
static void
rejoin_pem(struct joined *j, const char *label, const unsigned char *der,
    size_t len)
{
	free(j->buf);
	j->buf = NULL;
	j->len = 0;
	join_pem(j, label, der, len);
}

static void
decode_joined(const char *what, const struct joined *j, size_t want,
    const struct joined *parts, const char *msg_want)
{
	struct ts_blob *certs = NULL;
	enum ts_kind found;
	char msg[256];
	size_t n = 0, i;
	int rc;

	rc = ts_decode_certs(j->buf, j->len, &certs, &n, &found, msg,
	    sizeof(msg));
	if (msg_want != NULL) {
		check(rc == -1 && n == 0 && strcmp(msg, msg_want) == 0, what,
		    "decode %d, %zu pieces, message \"%s\", expected \"%s\"",
		    rc, n, msg, msg_want);
		ts_blobs_free(certs, n);
		return;
	}
	check(rc == 0 && n == want && found == TS_KIND_CERTIFICATE, what,
	    "decode %d: %zu pieces, kind %d, expected %zu (%s)", rc, n, found,
	    want, msg);
	for (i = 0; rc == 0 && i < n && i < want; i++)
		check(certs[i].len == parts[i].len && memcmp(certs[i].data,
		    parts[i].buf, parts[i].len) == 0, what,
		    "piece %zu is not certificate %zu as given", i + 1, i + 1);
	ts_blobs_free(certs, n);
}

static void
test_decode_joined(void)
{
	struct joined ca = { NULL, 0 }, leaf = { NULL, 0 }, ber = { NULL, 0 };
	struct joined j = { NULL, 0 }, pem = { NULL, 0 }, tr = { NULL, 0 };
	struct joined three[3];
	static const unsigned char int1[] = { 0x02, 0x01, 0x01 };
	unsigned char *data = NULL;
	char want[256], *name = NULL, *header = NULL;
	long dlen = 0;
	BIO *b;

	if ((ca.buf = slurp("ca.der", &ca.len)) == NULL ||
	    (leaf.buf = slurp("leaf-ec256.der", &leaf.len)) == NULL ||
	    (ber.buf = slurp("bad-ber.der", &ber.len)) == NULL ||
	    (tr.buf = slurp("trusted.pem", &tr.len)) == NULL) {
		check(0, "joined", "cannot read the fixtures");
		goto done;
	}
	three[0] = ca;
	three[1] = leaf;
	three[2] = ca;

	/* cat ca.der leaf-ec256.der (ca.der): a bundle of DER certificates */
	join(&j, ca.buf, ca.len);
	join(&j, leaf.buf, leaf.len);
	decode_joined("two DER certificates", &j, 2, three, NULL);
	join(&j, ca.buf, ca.len);
	decode_joined("three DER certificates", &j, 3, three, NULL);
	/* the BER path as before: the whole input to the parser */
	decode_joined("one BER certificate", &ber, 1, &ber, NULL);
	free(j.buf);
	j.buf = NULL;
	j.len = 0;
	join(&j, ber.buf, ber.len);
	join(&j, ca.buf, ca.len);
	three[0] = ber;
	three[1] = ca;
	decode_joined("a BER certificate, then a DER one", &j, 2, three, NULL);
	three[0] = ca;
	three[1] = leaf;

	/* trailing bytes of every kind, named with where they start */
	free(j.buf);
	j.buf = NULL;
	j.len = 0;
	join(&j, ca.buf, ca.len);
	join(&j, "xyz", 3);
	snprintf(want, sizeof(want), "3 unexpected bytes after the DER "
	    "certificate (at byte offset %zu)", ca.len);
	decode_joined("DER and text", &j, 0, NULL, want);
	j.len = ca.len;
	join(&j, int1, sizeof(int1));
	decode_joined("DER and an INTEGER", &j, 0, NULL, want);
	j.len = ca.len;
	join(&j, leaf.buf, leaf.len - 10);
	snprintf(want, sizeof(want), "%zu unexpected bytes after the DER "
	    "certificate (at byte offset %zu)", leaf.len - 10, ca.len);
	decode_joined("DER and a truncated certificate", &j, 0, NULL, want);
	j.len = ca.len;
	join(&j, leaf.buf, leaf.len);
	join(&j, "\n", 1);
	snprintf(want, sizeof(want), "1 unexpected byte after the DER "
	    "certificates (at byte offset %zu)", ca.len + leaf.len);
	decode_joined("two DER and a newline", &j, 0, NULL, want);

	/* inside a PEM block: a block holds one certificate */
	free(j.buf);
	j.buf = NULL;
	j.len = 0;
	join(&j, ca.buf, ca.len);
	join(&j, "xyz", 3);
	join_pem(&pem, "CERTIFICATE", ca.buf, ca.len);
	join_pem(&pem, "CERTIFICATE", j.buf, j.len);
	snprintf(want, sizeof(want), "PEM block 2 has 3 unexpected bytes "
	    "after its certificate (at byte offset %zu of its data)", ca.len);
	decode_joined("PEM block with trailing bytes", &pem, 0, NULL, want);
	free(pem.buf);
	pem.buf = NULL;
	pem.len = 0;
	j.len = ca.len;
	join(&j, leaf.buf, leaf.len);
	join_pem(&pem, "X509 CERTIFICATE", j.buf, j.len);
	snprintf(want, sizeof(want), "PEM block 1 holds a second certificate "
	    "after its first (at byte offset %zu of its data): a bundle "
	    "gives each its own block", ca.len);
	decode_joined("PEM block with two certificates", &pem, 0, NULL, want);

	/* TRUSTED CERTIFICATE: trust settings after it, and nothing more */
	b = BIO_new_mem_buf(tr.buf, (int)tr.len);
	if (!PEM_read_bio(b, &name, &header, &data, &dlen) ||
	    strcmp(name, "TRUSTED CERTIFICATE") != 0 ||
	    (size_t)dlen <= ca.len) {
		check(0, "trusted.pem", "no TRUSTED CERTIFICATE with trust "
		    "settings");
		BIO_free(b);
		goto done;
	}
	BIO_free(b);
	rejoin_pem(&pem, "TRUSTED CERTIFICATE", data, (size_t)dlen);
	decode_joined("TRUSTED CERTIFICATE", &pem, 1, &ca, NULL);
	free(j.buf);
	j.buf = NULL;
	j.len = 0;
	join(&j, data, (size_t)dlen);
	join(&j, "\x05\x00", 2);
	rejoin_pem(&pem, "TRUSTED CERTIFICATE", j.buf, j.len);
	snprintf(want, sizeof(want), "PEM block 1 has 2 unexpected bytes "
	    "after its certificate's trust settings (at byte offset %ld of "
	    "its data)", dlen);
	decode_joined("TRUSTED CERTIFICATE and more", &pem, 0, NULL, want);
	j.len = ca.len;
	join(&j, "\x05\x00", 2);
	rejoin_pem(&pem, "TRUSTED CERTIFICATE", j.buf, j.len);
	snprintf(want, sizeof(want), "PEM block 1 has 2 unexpected bytes "
	    "after its certificate (at byte offset %zu of its data)", ca.len);
	decode_joined("TRUSTED CERTIFICATE and no trust settings", &pem, 0,
	    NULL, want);
	/* a second certificate is not taken for the first one's settings */
	j.len = ca.len;
	join(&j, leaf.buf, leaf.len);
	rejoin_pem(&pem, "TRUSTED CERTIFICATE", j.buf, j.len);
	snprintf(want, sizeof(want), "PEM block 1 holds a second certificate "
	    "after its first (at byte offset %zu of its data): a bundle gives "
	    "each its own block", ca.len);
	decode_joined("TRUSTED CERTIFICATE holding two", &pem, 0, NULL, want);
 done:
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(data);
	free(ca.buf);
	free(leaf.buf);
	free(ber.buf);
	free(tr.buf);
	free(j.buf);
	free(pem.buf);
}

/*
 * PEM bodies in the shapes tools write them (64 or 76 columns, CRLF,
 * odd widths, spaces inside), each decoding to the same DER; and the
 * two ways base64 goes wrong, each refused.
 */
static void
test_base64_shapes(void)
{
	static const int widths[] = { 64, 76, 1, 3, 5, 7 };
	unsigned char *der, *b64 = NULL;
	char *pem = NULL, what[64];
	struct ts_blob *certs;
	enum ts_kind found;
	size_t len, n, i, k, o, b64len;
	char msg[256];

	if ((der = slurp("ca.der", &len)) == NULL) {
		check(0, "ca.der", "cannot read the fixture");
		return;
	}
	/* without newlines; each shape adds its own */
	b64 = malloc(len / 3 * 4 + 8);
	b64len = (size_t)EVP_EncodeBlock(b64, der, (int)len);
	pem = malloc(b64len * 4 + 128);
	for (i = 0; i < 2 * sizeof(widths) / sizeof(widths[0]) + 1; i++) {
		int w = widths[i % (sizeof(widths) / sizeof(widths[0]))];
		int crlf = i >= sizeof(widths) / sizeof(widths[0]);
		int spaces = i == 2 * sizeof(widths) / sizeof(widths[0]);

		o = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
		for (k = 0; k < b64len; k++) {
			pem[o++] = (char)b64[k];
			if (spaces && k % 7 == 2)
				pem[o++] = ' ';
			if (!spaces && ((int)(k % w) == w - 1 ||
			    k == b64len - 1)) {
				if (crlf)
					pem[o++] = '\r';
				pem[o++] = '\n';
			}
		}
		o += (size_t)sprintf(pem + o, "%s-----END CERTIFICATE-----\n",
		    spaces ? "\n" : "");
		snprintf(what, sizeof(what), "base64 %d columns%s%s", w,
		    crlf ? " CRLF" : "", spaces ? " spaces" : "");
		check(ts_decode_certs(pem, o, &certs, &n, &found, msg,
		    sizeof(msg)) == 0 && n == 1 && certs[0].len == len &&
		    memcmp(certs[0].data, der, len) == 0, what,
		    "decoded differently: %s", msg);
		if (n > 0)
			ts_blobs_free(certs, n);
		n = 0;
	}
	/* a stray byte inside, and data after the padding */
	for (i = 0; i < 2; i++) {
		o = (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n%.*s%s"
		    "%s\n-----END CERTIFICATE-----\n", (int)(b64len / 2), b64,
		    i == 0 ? "!" : "", i == 0 ? (char *)b64 + b64len / 2 :
		    "AAA=A");
		check(ts_decode_certs(pem, o, &certs, &n, &found, msg,
		    sizeof(msg)) == -1 &&
		    strstr(msg, "not valid base64") != NULL,
		    i == 0 ? "base64 stray byte" : "base64 after padding",
		    "not refused as invalid base64: %s", msg);
	}
	free(pem);
	free(b64);
	free(der);
}

/* ---- the fast path (lib/tsfast.c) against the OpenSSL path ------------- */

static int fast_hits, slow_hits, hash_hits, alone_hits;
static EVP_PKEY *signkey;	/* the EC P-256 test CA key */

/*
 * What ldaptrust computes without a parse (ts_der_subject, ts_sha256_hex)
 * must be what a parse gives, for every certificate the parse takes.
 */
static void
alone_compare(const char *what, const unsigned char *der, size_t len)
{
	struct ts_cert *c = ts_cert_new();
	char hex[65], *subject = ts_der_subject(der, len);
	const char *want;

	if (c != NULL && ts_cert_parse(c, der, len) == 0) {
		want = ts_cert_subject(c);
		check((want == NULL && subject == NULL) || (want != NULL &&
		    subject != NULL && strcmp(want, subject) == 0), what,
		    "ts_der_subject gave \"%s\", the parse \"%s\"",
		    subject ? subject : "(null)", want ? want : "(null)");
		check(ts_sha256_hex(der, len, hex) == 0 &&
		    strcmp(hex, ts_cert_sha256_hex(c)) == 0, what,
		    "ts_sha256_hex gave %s, the parse %s", hex,
		    ts_cert_sha256_hex(c));
		alone_hits++;
	}
	free(subject);
	ts_cert_free(c);
}

/*
 * Both parsers on der must agree on everything (tsoracle.h's
 * path_compare).  want: 1 the fast path must take it, 0 it must leave it
 * to OpenSSL, -1 either.  Without the first kind the test could not fail
 * when the fast path silently stops working.
 */
/*
 * A writer's handle (ts_cert_set_stored_only()) must accept exactly what
 * a full parse accepts and store the same facts (tsoracle.h's
 * stored_only_compare).  Counts the certificates compared.
 */
static int stored_hits;

static void
stored_compare(const char *what, const unsigned char *der, size_t len)
{
	char msg[700];
	int rc;

	rc = stored_only_compare(der, len, msg, sizeof(msg));
	check(rc != -1, what, "%s", msg);
	if (rc == 1)
		stored_hits++;
}

static void
differ(const char *what, const unsigned char *der, size_t len, int want)
{
	char msg[700];
	int fast, n;

	check(path_compare(der, len, &fast, msg, sizeof(msg)) == 0, what,
	    "fast and slow paths differ: %s", msg);
	if (fast)
		fast_hits++;
	else
		slow_hits++;
	/* A certificate the walk takes has names it hashes. */
	n = name_hash_compare(der, len, msg, sizeof(msg));
	check(n != -1, what, "%s", msg);
	if (n > 0)
		hash_hits += n;
	if (fast)
		check(n == 2, what, "ts_fast_name_hash took %d of its names",
		    n);
	if (want != -1)
		check(fast == want, what, "%s", want ? "the fast path did not "
		    "take it" : "the fast path took it");
	alone_compare(what, der, len);
	stored_compare(what, der, len);
}

/* Fixtures of the common shapes, and ones the fast path must leave. */
static const char *const fast_fixtures[] = {
	"ca.der", "ca-ec384.der", "dated-expired.der", "dated-far.der",
	"dated-future.der", "dated-old.der", "leaf-allku.der", "root-sha1.der",
	"self-ed25519.der", "self-ed448.der", "serial0.der", "v1.der", NULL
};
static const char *const slow_fixtures[] = {
	"leaf-dsa.der",		/* DSA key */
	"leaf-pss.der",		/* RSASSA-PSS key */
	"leaf-psssig.der",	/* RSASSA-PSS signature */
	"leaf-ecexplicit.der",	/* explicit curve parameters */
	"leaf-exts.der",	/* name constraints, CRL DP, AIA ... */
	"leaf-proxy.der",	/* proxyCertInfo */
	"leaf-utf8.der",	/* non-ASCII names */
	"leaf-ec256.der",	/* an EKU OpenSSL has no name for */
	"bad-ber.der", "bad-trailing.der", "bad-truncated.der", NULL
};

static int
listed(const char *const *list, const char *name)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, name) == 0)
			return 1;
	return 0;
}

static void
test_fast_fixtures(void)
{
	struct dirent *d;
	unsigned char *der;
	size_t len, n = 0;
	DIR *dir;

	if ((dir = opendir(fixdir)) == NULL) {
		check(0, fixdir, "cannot list the fixtures");
		return;
	}
	while ((d = readdir(dir)) != NULL) {
		size_t l = strlen(d->d_name);

		if (l < 5 || strcmp(d->d_name + l - 4, ".der") != 0 ||
		    (der = slurp(d->d_name, &len)) == NULL)
			continue;
		differ(d->d_name, der, len, listed(fast_fixtures, d->d_name) ?
		    1 : listed(slow_fixtures, d->d_name) ? 0 : -1);
		free(der);
		n++;
	}
	closedir(dir);
	check(n >= 30, "fixtures", "only %zu DER fixtures found", n);
}

/* Every certificate the system trusts: real-world shapes. */
static void
test_fast_system(void)
{
	const char *path = getenv("TS_CA_BUNDLE") ? getenv("TS_CA_BUNDLE") :
	    "/etc/ssl/certs/ca-certificates.crt";
	int f0 = fast_hits, s0 = slow_hits;
	struct ts_blob *certs;
	enum ts_kind found;
	unsigned char *buf;
	char msg[256], what[64];
	size_t len, n, i;
	FILE *f;
	long sz;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("note: %s not found, system certificates not compared\n",
		    path);
		return;
	}
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	rewind(f);
	buf = malloc((size_t)sz + 1);
	len = fread(buf, 1, (size_t)sz, f);
	fclose(f);
	if (ts_decode_certs(buf, len, &certs, &n, &found, msg,
	    sizeof(msg)) == -1) {
		check(0, path, "%s", msg);
		free(buf);
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(what, sizeof(what), "%s #%zu", path, i + 1);
		differ(what, certs[i].data, certs[i].len, -1);
	}
	printf("%zu system certificates: %d by the fast path, %d by "
	    "OpenSSL's\n", n, fast_hits - f0, slow_hits - s0);
	check(n == 0 || fast_hits > f0, path, "none took the fast path");
	ts_blobs_free(certs, n);
	free(buf);
}

/* Certificates built for the fast path's edges. */
struct rdn {
	const char	*field;		/* NULL ends; "" alone: empty name */
	int		 type;		/* V_ASN1_... */
	const char	*value;
	int		 join;		/* same RDN as the previous one */
};

static const struct edge {
	const char	*what;
	int		 want;		/* as differ() */
	struct rdn	 subj[8];	/* none: the bench names */
	struct rdn	 iss[8];
	const char	*serial;	/* hex, '-' allowed; NULL: 1234 */
	int		 key;		/* 0 RSA-2048, 1 EC P-256, 2 Ed25519 */
	int		 v1;		/* version 1, no extensions */
	int		 kid;		/* AKI: 0 another key id, 1 = SKI,
					 * -1 none */
	const char	*nb, *na;	/* validity, as ASN1_TIME_set_string */
	const char	*ext[4][2];	/* replace (or with NULL delete) */
	int		 dup_san;
	const char	*fact;		/* expected "name=value" */
} edges[] = {
	{ "bench-like", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSubject=CN=backend-0000000.bench.example,O=Bench Hosting,C=DE" },
	{ "RFC 2253 escapes", 1, {
	    { "CN", V_ASN1_UTF8STRING, "#a,b+c\"d\\e<f>g;h=i j#", 0 },
	    { "OU", V_ASN1_PRINTABLESTRING, " lead", 0 },
	    { "OU", V_ASN1_IA5STRING, "trail ", 0 },
	    { "O", V_ASN1_UTF8STRING, " ", 0 },
	    { "L", V_ASN1_UTF8STRING, "#", 0 },
	    { "ST", V_ASN1_UTF8STRING, "", 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSubject=ST=,L=#,O=\\ ,OU=trail\\ ,OU=\\ lead,"
	    "CN=\\#a\\,b\\+c\\\"d\\\\e\\<f\\>g\\;h=i j#" },
	{ "spaces and case for the hash", 1, {
	    { "CN", V_ASN1_UTF8STRING, "  Two  Spaces   INSIDE  ", 0 },
	    { "O", V_ASN1_PRINTABLESTRING, "ABC  def", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "every attribute type in the table", 1, {
	    { "DC", V_ASN1_IA5STRING, "org", 0 },
	    { "DC", V_ASN1_IA5STRING, "Example", 0 },
	    { "emailAddress", V_ASN1_IA5STRING, "Admin@Example.ORG", 0 },
	    { "UID", V_ASN1_UTF8STRING, "u1", 0 },
	    { "serialNumber", V_ASN1_PRINTABLESTRING, "42", 0 },
	    { "title", V_ASN1_UTF8STRING, "Boss", 0 },
	    { "GN", V_ASN1_UTF8STRING, "Ann", 0 } },
	    { { "SN", V_ASN1_UTF8STRING, "Lee", 0 },
	    { "initials", V_ASN1_UTF8STRING, "AL", 0 },
	    { "pseudonym", V_ASN1_UTF8STRING, "al", 0 },
	    { "generationQualifier", V_ASN1_UTF8STRING, "III", 0 },
	    { "dnQualifier", V_ASN1_PRINTABLESTRING, "q", 0 },
	    { "organizationIdentifier", V_ASN1_UTF8STRING, "VATDE-1", 0 },
	    { "businessCategory", V_ASN1_UTF8STRING, "Private", 0 },
	    { "postalCode", V_ASN1_UTF8STRING, "10115", 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSubject=GN=Ann,title=Boss,serialNumber=42,UID=u1,"
	    "emailAddress=Admin@Example.ORG,DC=Example,DC=org" },
	{ "jurisdiction and address attributes", 1, {
	    { "jurisdictionC", V_ASN1_PRINTABLESTRING, "DE", 0 },
	    { "jurisdictionST", V_ASN1_UTF8STRING, "Berlin", 0 },
	    { "jurisdictionL", V_ASN1_UTF8STRING, "Berlin", 0 },
	    { "street", V_ASN1_UTF8STRING, "Main St 1", 0 },
	    { "L", V_ASN1_UTF8STRING, "Berlin", 0 },
	    { "description", V_ASN1_UTF8STRING, "d", 0 },
	    { "name", V_ASN1_UTF8STRING, "n", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "PrintableString with characters it may not hold", 1, {
	    { "CN", V_ASN1_PRINTABLESTRING, "a*b@c_d&e", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, "tsSubject=CN=a*b@c_d&e" },
	{ "multi-valued RDN", 0, {
	    { "CN", V_ASN1_UTF8STRING, "a", 0 },
	    { "OU", V_ASN1_UTF8STRING, "b", 1 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0, NULL },
	{ "non-ASCII UTF8String", 0, {
	    { "CN", V_ASN1_UTF8STRING, "J\xc3\xb6rg", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "control character", 0, {
	    { "CN", V_ASN1_UTF8STRING, "a\tb", 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSubject=CN=a\\09b" },
	{ "BMPString", 0, { { "CN", V_ASN1_BMPSTRING, "\0a", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "T61String", 0, { { "CN", V_ASN1_T61STRING, "abc", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "unknown attribute type", 0, {
	    { "1.3.6.1.4.1.99999.9", V_ASN1_UTF8STRING, "x", 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 0, NULL },
	{ "empty subject", 0, { { "", 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0, NULL },
	{ "self-issued, names equal only canonically", 1, {
	    { "CN", V_ASN1_UTF8STRING, "Foo  Bar", 0 } },
	    { { "CN", V_ASN1_PRINTABLESTRING, " foo bar ", 0 } }, NULL, 1, 0,
	    1, NULL, NULL, { { NULL, NULL } }, 0, "tsSelfSigned=TRUE" },
	{ "self-issued, AKI names another key", 1, {
	    { "CN", V_ASN1_UTF8STRING, "Foo", 0 } },
	    { { "CN", V_ASN1_UTF8STRING, "foo", 0 } }, NULL, 1, 0, 0, NULL,
	    NULL, { { NULL, NULL } }, 0, "tsSelfSigned=FALSE" },
	{ "self-issued, no AKI", 1, { { "CN", V_ASN1_UTF8STRING, "Foo", 0 } },
	    { { "CN", V_ASN1_UTF8STRING, "Foo", 0 } }, NULL, 1, 0, -1, NULL,
	    NULL, { { NULL, NULL } }, 0, "tsSelfSigned=TRUE" },
	{ "self-issued, key does not fit the signature", 1, {
	    { "CN", V_ASN1_UTF8STRING, "Foo", 0 } },
	    { { "CN", V_ASN1_UTF8STRING, "Foo", 0 } }, NULL, 0, 0, -1, NULL,
	    NULL, { { NULL, NULL } }, 0, "tsSelfSigned=FALSE" },
	{ "serial -5", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    "-5", 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=-05" },
	{ "serial -129", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    "-81", 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=-81" },
	{ "serial -256", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    "-100", 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=-0100" },
	{ "serial -2^64", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    "-10000000000000000", 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=-010000000000000000" },
	{ "serial 0", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    "0", 0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=00" },
	{ "serial of 20 bytes", 1, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, "7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
	    0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF" },
	{ "serial of 20 bytes, high bit set", 1, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, "80000000000000000000000000000000000000FF",
	    0, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsSerialNumber=80000000000000000000000000000000000000FF" },
	{ "version 1", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 1, 0, NULL, NULL, { { NULL, NULL } }, 0, "tsVersion=1" },
	{ "EC key", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 1, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsKeyAlgorithm=id-ecPublicKey" },
	{ "Ed25519 key", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 2, 0, 0, NULL, NULL, { { NULL, NULL } }, 0,
	    "tsKeyAlgorithm=ED25519" },
	{ "GeneralizedTime before 2050, UTCTime after", 1,
	    { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0,
	    "20000229235959Z", "491231235959Z", { { NULL, NULL } }, 0,
	    "tsNotBefore=20000229235959Z" },
	{ "UTCTime 1950", 1, { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } },
	    NULL, 0, 0, 0, "500101000000Z", "99991231235959Z",
	    { { NULL, NULL } }, 0, "tsNotAfter=99991231235959Z" },
	{ "critical CA basicConstraints, all keyUsage bits", 1,
	    { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0,
	    NULL, NULL, { { "basicConstraints", "critical,CA:TRUE,pathlen:0" },
	    { "keyUsage", "critical,digitalSignature,nonRepudiation,"
	    "keyEncipherment,dataEncipherment,keyAgreement,keyCertSign,"
	    "cRLSign,encipherOnly,decipherOnly" } }, 0, "tsIsCA=TRUE" },
	{ "basicConstraints CA:FALSE", 1, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { "basicConstraints", "critical,CA:FALSE" },
	    { "keyUsage", "cRLSign" } }, 0, "tsIsCA=FALSE" },
	{ "SAN of every kind the fast path knows", 1,
	    { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0,
	    NULL, NULL, { { "subjectAltName", "critical,IP:192.0.2.1,"
	    "DNS:a.example,email:x@example.org,URI:https://a.example/,"
	    "IP:2001:db8::1,DNS:b.example,IP:::ffff:10.0.0.1" } }, 0,
	    "tsIPAddress=2001:db8::1" },
	{ "SAN registeredID", 0, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { "subjectAltName", "DNS:a.example,RID:1.2.3.4" } }, 0, NULL },
	{ "SAN otherName", 0, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { "subjectAltName", "otherName:1.2.3.4;UTF8:x" } }, 0, NULL },
	{ "every EKU in the table", 1, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { "extendedKeyUsage", "serverAuth,clientAuth,codeSigning,"
	    "emailProtection,ipsecEndSystem,ipsecTunnel,ipsecUser,timeStamping,"
	    "OCSPSigning,ipsecIKE,anyExtendedKeyUsage,msSmartcardLogin,"
	    "msCodeInd,msCodeCom,msCTLSign,msEFS" } }, 0,
	    "tsExtKeyUsage=msEFS" },
	{ "EKU OpenSSL has no name for", 0, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { "extendedKeyUsage", "serverAuth,1.3.6.1.4.1.99999.1" } }, 0,
	    NULL },
	{ "an extension the fast path does not know", 0,
	    { { NULL, 0, NULL, 0 } }, { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0,
	    NULL, NULL, { { "1.3.6.1.4.1.99999.7", "critical,DER:0500" } }, 0,
	    NULL },
	{ "no extensions but SKI", 1, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, -1, NULL, NULL,
	    { { "keyUsage", NULL }, { "extendedKeyUsage", NULL },
	    { "subjectAltName", NULL } }, 0, NULL },
	{ "duplicate SAN", 0, { { NULL, 0, NULL, 0 } },
	    { { NULL, 0, NULL, 0 } }, NULL, 0, 0, 0, NULL, NULL,
	    { { NULL, NULL } }, 1, NULL },
};

static EVP_PKEY *rsakey, *edkey;

static EVP_PKEY *
fixture_key(const char *file)
{
	const unsigned char *p;
	unsigned char *der;
	EVP_PKEY *pk = NULL;
	size_t len;
	X509 *x;

	if ((der = slurp(file, &len)) == NULL)
		return NULL;
	p = der;
	if ((x = d2i_X509(NULL, &p, (long)len)) != NULL)
		pk = X509_get_pubkey(x);
	X509_free(x);
	free(der);
	return pk;
}

static X509_NAME *
edge_name(const struct rdn *r, const char *cn)
{
	X509_NAME *nm = X509_NAME_new();

	if (r[0].field == NULL) {
		X509_NAME_add_entry_by_txt(nm, "C", V_ASN1_PRINTABLESTRING,
		    (const unsigned char *)"DE", -1, -1, 0);
		X509_NAME_add_entry_by_txt(nm, "O", V_ASN1_UTF8STRING,
		    (const unsigned char *)"Bench Hosting", -1, -1, 0);
		X509_NAME_add_entry_by_txt(nm, "CN", V_ASN1_UTF8STRING,
		    (const unsigned char *)cn, -1, -1, 0);
		return nm;
	}
	for (; r->field != NULL && r->field[0] != '\0'; r++)
		X509_NAME_add_entry_by_txt(nm, r->field, r->type,
		    (const unsigned char *)r->value, r->type ==
		    V_ASN1_BMPSTRING ? 2 : -1, -1, r->join ? -1 : 0);
	return nm;
}

static int
edge_ext(X509 *x, X509V3_CTX *ctx, const char *name, const char *value)
{
	X509_EXTENSION *ex = X509V3_EXT_conf(NULL, ctx, name, value);

	if (ex == NULL)
		return -1;
	X509_add_ext(x, ex, -1);	/* copies */
	X509_EXTENSION_free(ex);
	return 0;
}

/* The edge's certificate, DER, signed with the EC test key. */
static unsigned char *
edge_cert(const struct edge *e, size_t *len)
{
	static const unsigned char kid[20] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	X509 *x = X509_new();
	X509_NAME *nm;
	X509V3_CTX ctx;
	BIGNUM *bn = NULL;
	ASN1_INTEGER *ser;
	ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID *akid;
	unsigned char *out = NULL;
	int i, n;

	X509_set_version(x, e->v1 ? 0 : 2);
	BN_hex2bn(&bn, e->serial != NULL ? e->serial : "1234");
	ser = BN_to_ASN1_INTEGER(bn, NULL);
	X509_set_serialNumber(x, ser);
	ASN1_INTEGER_free(ser);
	BN_free(bn);
	nm = edge_name(e->iss, "Bench CA");
	X509_set_issuer_name(x, nm);
	X509_NAME_free(nm);
	nm = edge_name(e->subj, "backend-0000000.bench.example");
	X509_set_subject_name(x, nm);
	X509_NAME_free(nm);
	ASN1_TIME_set_string(X509_getm_notBefore(x), e->nb ? e->nb :
	    "260101000000Z");
	ASN1_TIME_set_string(X509_getm_notAfter(x), e->na ? e->na :
	    "360101000000Z");
	X509_set_pubkey(x, e->key == 1 ? signkey : e->key == 2 ? edkey :
	    rsakey);
	if (!e->v1) {
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		edge_ext(x, &ctx, "keyUsage",
		    "critical,digitalSignature,keyEncipherment");
		edge_ext(x, &ctx, "extendedKeyUsage", "serverAuth,clientAuth");
		edge_ext(x, &ctx, "subjectAltName",
		    "DNS:backend-0000000.bench.example");
		ski = ASN1_OCTET_STRING_new();
		ASN1_OCTET_STRING_set(ski, kid, sizeof(kid));
		X509_add1_ext_i2d(x, NID_subject_key_identifier, ski, 0, 0);
		if (e->kid != -1) {
			akid = AUTHORITY_KEYID_new();
			akid->keyid = ASN1_OCTET_STRING_new();
			ASN1_OCTET_STRING_set(akid->keyid, kid,
			    e->kid ? sizeof(kid) : 8);
			X509_add1_ext_i2d(x, NID_authority_key_identifier, akid,
			    0, 0);
			AUTHORITY_KEYID_free(akid);
		}
		ASN1_OCTET_STRING_free(ski);
		for (i = 0; i < 4 && e->ext[i][0] != NULL; i++) {
			int nid = OBJ_txt2nid(e->ext[i][0]);

			if (nid != NID_undef && (n = X509_get_ext_by_NID(x,
			    nid, -1)) >= 0)
				X509_EXTENSION_free(X509_delete_ext(x, n));
			if (e->ext[i][1] != NULL)
				check(edge_ext(x, &ctx, e->ext[i][0],
				    e->ext[i][1]) == 0, e->what,
				    "cannot make %s", e->ext[i][0]);
		}
		if (e->dup_san)
			X509_add_ext(x, X509_get_ext(x, X509_get_ext_by_NID(x,
			    NID_subject_alt_name, -1)), -1);
	}
	X509_sign(x, signkey, EVP_sha256());
	n = i2d_X509(x, &out);
	X509_free(x);
	*len = n > 0 ? (size_t)n : 0;
	ERR_clear_error();
	return out;
}

/*
 * Every byte of a few fast-path certificates changed in turn to values
 * that upset DER (lengths, tags, signs, ASCII range): the walk must take
 * exactly what OpenSSL's path would, to the byte, or hand it over.  The
 * fuzzer rarely keeps a certificate this intact.
 */
static void
test_fast_mutants(void)
{
	static const unsigned char vals[] = { 0x00, 0x1f, 0x7f, 0x80, 0xff };
	/* bench-like, escapes, attributes, self-issued, serial, EC,
	 * Ed25519, all SAN kinds */
	static const size_t which[] = { 0, 1, 3, 13, 18, 25, 26, 31 };
	unsigned char *der, *mut;
	char msg[700], what[160];
	size_t i, k, v, len, bad = 0, n = 0, fast = 0;
	int took;

	for (i = 0; i < sizeof(which) / sizeof(which[0]); i++) {
		if ((der = edge_cert(&edges[which[i]], &len)) == NULL)
			continue;
		mut = malloc(len);
		for (k = 0; k < len && bad < 10; k++)
			for (v = 0; v < sizeof(vals) + 2 && bad < 10; v++) {
				memcpy(mut, der, len);
				mut[k] = v < sizeof(vals) ? vals[v] :
				    v == sizeof(vals) ? der[k] + 1 : der[k] - 1;
				if (mut[k] == der[k])
					continue;
				n++;
				snprintf(what, sizeof(what), "%s, byte %zu = "
				    "%02x", edges[which[i]].what, k, mut[k]);
				/* (the name hash only where the walk took
				 * the names: d2i_X509 is the slow part) */
				if (path_compare(mut, len, &took, msg,
				    sizeof(msg)) != 0 || (took &&
				    name_hash_compare(mut, len, msg,
				    sizeof(msg)) == -1)) {
					check(0, what, "%s", msg);
					bad++;
				}
				fast += took;
			}
		free(mut);
		OPENSSL_free(der);
	}
	check(bad == 0 && fast > 0, "mutants", "%zu of %zu differ, %zu by "
	    "the fast path", bad, n, fast);
	printf("%zu mutants of fast-path certificates: %zu by the fast "
	    "path, all as OpenSSL's path\n", n, fast);
}

static void
test_fast_edges(struct ts_cert *c)
{
	const struct ts_fact *f;
	unsigned char *der;
	char msg[512];
	size_t i, len, n, from;

	check(ts_fast_selftest(msg, sizeof(msg)) == 0, "fast path tables",
	    "%s", msg);
	rsakey = fixture_key("ca.der");
	edkey = fixture_key("self-ed25519.der");
	for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		der = edge_cert(&edges[i], &len);
		if (der == NULL) {
			check(0, edges[i].what, "cannot build");
			continue;
		}
		/* TS_EDGE_DIR=dir keeps them, as seeds for the fuzzer. */
		if (getenv("TS_EDGE_DIR") != NULL) {
			char path[2048];
			FILE *out;

			snprintf(path, sizeof(path), "%s/edge-%02zu.der",
			    getenv("TS_EDGE_DIR"), i);
			if ((out = fopen(path, "wb")) != NULL) {
				fwrite(der, 1, len, out);
				fclose(out);
			}
		}
		differ(edges[i].what, der, len, edges[i].want);
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
		    edges[i].what, "oracle: %s", msg);
		if (edges[i].fact != NULL) {
			from = 0;
			check(ts_cert_parse(c, der, len) == 0 &&
			    ts_cert_facts(c, &f, &n) == 0 &&
			    has_fact(f, n, edges[i].fact, &from), edges[i].what,
			    "expected %s (%s)", edges[i].fact,
			    ts_cert_error(c) ? ts_cert_error(c) : "accepted");
		}
		OPENSSL_free(der);
	}
	test_fast_mutants();
	/* TS_PATH_SLOW is honoured, and AUTO again after it. */
	der = edge_cert(&edges[0], &len);
	ts_cert_set_path(c, TS_PATH_SLOW);
	check(ts_cert_parse(c, der, len) == 0 && !ts_cert_took_fast(c),
	    "TS_PATH_SLOW", "the fast path was taken");
	ts_cert_set_path(c, TS_PATH_AUTO);
	check(ts_cert_parse(c, der, len) == 0 && ts_cert_took_fast(c),
	    "TS_PATH_AUTO", "the fast path was not taken");
	OPENSSL_free(der);
	EVP_PKEY_free(rsakey);
	EVP_PKEY_free(edkey);
}

/* ---- certificates built at run time: what the openssl CLI won't make --- */

/* A certificate from ca.der with changes applied by fn, re-signed. */
static unsigned char *
mutate(void (*fn)(X509 *, void *), void *arg, size_t *len)
{
	unsigned char *der, *out = NULL;
	const unsigned char *p;
	size_t dlen;
	X509 *x;
	int n;

	der = slurp("leaf-ec256.der", &dlen);
	p = der;
	x = d2i_X509(NULL, &p, (long)dlen);
	free(der);
	fn(x, arg);
	X509_sign(x, signkey, EVP_sha256());
	n = i2d_X509(x, &out);
	X509_free(x);
	*len = (size_t)n;
	return out;
}

static void
set_cn(X509 *x, void *arg)
{
	const char *const *v = arg;	/* { type, bytes, length } */
	X509_NAME *nm = X509_NAME_new();

	X509_NAME_add_entry_by_txt(nm, "CN", (int)(intptr_t)v[0],
	    (const unsigned char *)v[1], (int)(intptr_t)v[2], -1, 0);
	X509_set_subject_name(x, nm);
	X509_NAME_free(nm);
}

static void
set_serial(X509 *x, void *arg)
{
	ASN1_INTEGER *s = ASN1_INTEGER_new();

	ASN1_INTEGER_set(s, *(long *)arg);
	X509_set_serialNumber(x, s);
	ASN1_INTEGER_free(s);
}

static void
add_ext(X509 *x, void *arg)
{
	X509_EXTENSION *ex;
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ex = X509V3_EXT_conf(NULL, &ctx, ((const char **)arg)[0],
	    ((const char **)arg)[1]);
	X509_add_ext(x, ex, -1);
	X509_EXTENSION_free(ex);
}

static void
many_sans(X509 *x, void *arg)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	int i, n = *(int *)arg;
	char buf[64];

	X509_EXTENSION_free(X509_delete_ext(x,
	    X509_get_ext_by_NID(x, NID_subject_alt_name, -1)));
	for (i = 0; i < n; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();

		snprintf(buf, sizeof(buf), "host%d.example.org", i);
		ASN1_STRING_set(s, buf, -1);
		GENERAL_NAME_set0_value(g, GEN_DNS, s);
		sk_GENERAL_NAME_push(gens, g);
	}
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND);
	GENERAL_NAMES_free(gens);
}

static void
raw_san(X509 *x, void *arg)
{
	const char *const *v = arg;	/* { gen type, bytes, length } */
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	ASN1_STRING *s = ASN1_STRING_type_new((int)(intptr_t)v[0] ==
	    GEN_IPADD ? V_ASN1_OCTET_STRING : V_ASN1_IA5STRING);

	X509_EXTENSION_free(X509_delete_ext(x,
	    X509_get_ext_by_NID(x, NID_subject_alt_name, -1)));
	ASN1_STRING_set(s, v[1], (int)(intptr_t)v[2]);
	GENERAL_NAME_set0_value(g, (int)(intptr_t)v[0], s);
	sk_GENERAL_NAME_push(gens, g);
	X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 0, X509V3_ADD_APPEND);
	GENERAL_NAMES_free(gens);
}

static void
dup_ext(X509 *x, void *arg)
{
	X509_EXTENSION *ex = X509_get_ext(x,
	    X509_get_ext_by_NID(x, *(int *)arg, -1));

	X509_add_ext(x, ex, -1);
}

static void
test_built(struct ts_cert *c)
{
	static const struct {
		const char	*what;
		void		(*fn)(X509 *, void *);
		const void	*arg[3];
		enum ts_reason	 reason;
		const char	*fact;	/* expected "name=value" if accepted */
		const char	*from, *to;	/* bytes to patch in the DER */
	} cases[] = {
		{ "NUL in CN", set_cn, { (void *)(intptr_t)V_ASN1_UTF8STRING,
		    "a\0b", (void *)3 }, TS_OK, "tsSubject=CN=a\\00b", NULL,
		    NULL },
		/* OpenSSL will not encode these: patched in after signing,
		 * and refused by d2i_X509's name canonicalisation. */
		{ "invalid UTF-8 in CN", set_cn, {
		    (void *)(intptr_t)V_ASN1_UTF8STRING, "aQQ", (void *)3 },
		    TS_ERR_SYNTAX, NULL, "aQQ", "a\xff\xfe" },
		{ "overlong UTF-8 in CN", set_cn, {
		    (void *)(intptr_t)V_ASN1_UTF8STRING, "QQ", (void *)2 },
		    TS_ERR_SYNTAX, NULL, "QQ", "\xc0\xaf" },
		{ "UTF-16 surrogate in CN", set_cn, {
		    (void *)(intptr_t)V_ASN1_UTF8STRING, "QQQ", (void *)3 },
		    TS_ERR_SYNTAX, NULL, "QQQ", "\xed\xa0\x80" },
		{ "right-to-left mark", set_cn, {
		    (void *)(intptr_t)V_ASN1_UTF8STRING, "abc\xe2\x80\x8f" "def",
		    (void *)9 }, TS_OK, "tsSubject=CN=abc\xe2\x80\x8f" "def",
		    NULL, NULL },
		{ "Latin-1 bytes in T61String", set_cn, {
		    (void *)(intptr_t)V_ASN1_T61STRING, "J\xf6rg",
		    (void *)4 }, TS_OK, "tsSubject=CN=J\xc3\xb6rg", NULL,
		    NULL },
		{ "BMPString", set_cn, { (void *)(intptr_t)V_ASN1_BMPSTRING,
		    "\0J\0\xf6", (void *)4 }, TS_OK, "tsSubject=CN=J\xc3\xb6",
		    NULL, NULL },
		{ "leading '#' and trailing space", set_cn, {
		    (void *)(intptr_t)V_ASN1_UTF8STRING, "#a ", (void *)3 },
		    TS_OK, "tsSubject=CN=\\#a\\ ", NULL, NULL },
		{ "DNS name with a NUL", raw_san, {
		    (void *)(intptr_t)GEN_DNS, "a\0.example.org",
		    (void *)14 }, TS_ERR_NAME, NULL, NULL, NULL },
		{ "IP address of 5 bytes", raw_san, {
		    (void *)(intptr_t)GEN_IPADD, "\1\2\3\4\5", (void *)5 },
		    TS_ERR_NAME, NULL, NULL, NULL },
		{ "duplicate basicConstraints", dup_ext, { NULL }, TS_ERR_SYNTAX,
		    NULL, NULL, NULL },
		{ "negative pathLen", add_ext, { "basicConstraints",
		    "critical,CA:TRUE,pathlen:-1" }, TS_ERR_SYNTAX, NULL, NULL,
		    NULL },
		{ "unknown critical extension", add_ext, {
		    "1.3.6.1.4.1.99999.7", "critical,DER:0500" }, TS_OK,
		    "tsVersion=3", NULL, NULL },
	};
	static int nid_bc = NID_subject_key_identifier;
	static long serials[] = { -5, 0, -256, 0x7fffffffL };
	static const char *ser_text[] = { "-05", "00", "-0100", "7FFFFFFF" };
	static int nsans = 5000;
	char msg[512], what[128];
	const struct ts_fact *f;
	unsigned char *der;
	size_t len, n, i, from;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		void *arg = cases[i].fn == dup_ext ? (void *)&nid_bc :
		    (void *)cases[i].arg;

		der = mutate(cases[i].fn, arg, &len);
		if (cases[i].from != NULL) {
			unsigned char *at = memmem(der, len, cases[i].from,
			    strlen(cases[i].from));

			if (at != NULL)
				memcpy(at, cases[i].to, strlen(cases[i].to));
			check(at != NULL, cases[i].what, "marker not found");
		}
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
		    cases[i].what, "oracle: %s", msg);
		check(ts_cert_parse(c, der, len) == (cases[i].reason ? -1 : 0)
		    && ts_cert_reason(c) == cases[i].reason, cases[i].what,
		    "reason %d (%s), expected %d", ts_cert_reason(c),
		    ts_cert_error(c) ? ts_cert_error(c) : "-", cases[i].reason);
		if (cases[i].fact != NULL && ts_cert_facts(c, &f, &n) == 0) {
			from = 0;
			check(has_fact(f, n, cases[i].fact, &from),
			    cases[i].what, "missing %s", cases[i].fact);
		}
		OPENSSL_free(der);
	}
	for (i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
		snprintf(what, sizeof(what), "serial %ld", serials[i]);
		der = mutate(set_serial, &serials[i], &len);
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0, what,
		    "oracle: %s", msg);
		snprintf(msg, sizeof(msg), "tsSerialNumber=%s", ser_text[i]);
		from = 0;
		check(ts_cert_parse(c, der, len) == 0 &&
		    ts_cert_facts(c, &f, &n) == 0 &&
		    has_fact(f, n, msg, &from), what, "expected %s", msg);
		OPENSSL_free(der);
	}
	der = mutate(many_sans, &nsans, &len);
	check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
	    "5000 SANs", "oracle: %s", msg);
	from = 0;
	check(ts_cert_parse(c, der, len) == 0 && ts_cert_facts(c, &f, &n) ==
	    0 && has_fact(f, n, "tsDNSName=host4999.example.org", &from),
	    "5000 SANs", "parse: %s", ts_cert_error(c));
	{
		struct ts_policy pol;
		enum ts_reason why;

		ts_policy_defaults(&pol);
		pol.max_size = 1000;
		ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg));
		snprintf(what, sizeof(what), "certificate is %zu bytes, more "
		    "than the 1000 allowed", len);
		check(why == TS_ERR_TOO_LARGE && strcmp(msg, what) == 0,
		    "max_size", "%d: %s", why, msg);
	}
	OPENSSL_free(der);
}

/* Keys the fast path judges without OpenSSL's decoders. */
static void
test_keys(struct ts_cert *c)
{
	static const unsigned char ecpt[] = { 0x03, 0x42, 0x00, 0x04 };
	unsigned char *der, *at;
	char msg[512];
	size_t len;

	der = slurp("leaf-ec256.der", &len);
	at = memmem(der, len, ecpt, sizeof(ecpt));
	check(at != NULL, "EC point", "no uncompressed P-256 point found");
	if (at != NULL) {
		at[sizeof(ecpt) + 63] ^= 1;	/* off the curve */
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
		    "EC point off the curve", "oracle: %s", msg);
		check(ts_cert_parse(c, der, len) == -1 &&
		    strcmp(ts_cert_error(c), "the EC public key is not a point "
		    "on its curve") == 0, "EC point off the curve", "%s",
		    ts_cert_error(c));
		at[sizeof(ecpt)] = 0x07;	/* not a point format */
		check(oracle_compare(c, der, len, msg, sizeof(msg)) == 0,
		    "EC point format", "oracle: %s", msg);
	}
	free(der);
}

static void
test_policy(struct ts_cert *c)
{
	struct ts_policy pol;
	enum ts_reason why;
	unsigned char *der;
	char msg[256];
	size_t len;

	der = slurp("leaf-ec256.der", &len);
	ts_cert_parse(c, der, len);
	ts_policy_defaults(&pol);
	check(pol.refuse_expired == 1 && pol.refuse_not_yet_valid == 0 &&
	    pol.min_rsa_bits == 2048 && pol.refuse_weak_signature == 1 &&
	    pol.require_ca == 0 && pol.max_size == 65536, "defaults",
	    "unexpected defaults");
	pol.require_ca = 1;
	check(ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg)) == -1 &&
	    why == TS_ERR_NOT_CA && strcmp(msg, "certificate is not a CA "
	    "(basicConstraints cA is not set)") == 0, "require_ca", "%s", msg);
	free(der);

	der = slurp("dated-future.der", &len);
	ts_cert_parse(c, der, len);
	ts_policy_defaults(&pol);
	pol.refuse_not_yet_valid = 1;
	check(ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg)) == -1 &&
	    why == TS_ERR_NOT_YET_VALID && strcmp(msg, "certificate is not "
	    "valid before 2100-01-01 00:00:00 UTC") == 0, "not yet valid",
	    "%s", msg);
	free(der);

	der = slurp("leaf-rsa1024.der", &len);
	ts_cert_parse(c, der, len);
	ts_policy_defaults(&pol);
	pol.min_rsa_bits = 0;
	check(ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg)) == 0,
	    "min_rsa_bits 0", "%s", msg);
	free(der);

	der = slurp("leaf-sha1.der", &len);
	ts_cert_parse(c, der, len);
	check(ts_cert_weak_digest(c) != NULL &&
	    strcmp(ts_cert_weak_digest(c), "sha1") == 0, "weak digest",
	    "%s", ts_cert_weak_digest(c) ? ts_cert_weak_digest(c) : "NULL");
	ts_policy_defaults(&pol);
	pol.refuse_weak_signature = 0;
	check(ts_policy_check(&pol, c, NOW, &why, msg, sizeof(msg)) == 0,
	    "weak signature allowed", "%s", msg);
	free(der);

	/* status and time helpers */
	check(ts_status_at(100, 200, 50, 10) == TS_STATUS_NOT_YET_VALID &&
	    ts_status_at(100, 200, 150, 10) == TS_STATUS_VALID &&
	    ts_status_at(100, 200, 190, 10) == TS_STATUS_EXPIRING &&
	    ts_status_at(100, 200, 200, 10) == TS_STATUS_EXPIRING &&
	    ts_status_at(100, 200, 201, 10) == TS_STATUS_EXPIRED,
	    "status", "ts_status_at");
	check(strcmp(ts_status_name(TS_STATUS_NOT_YET_VALID), "notYetValid")
	    == 0 && strcmp(ts_status_name(TS_STATUS_EXPIRING), "expiring") ==
	    0, "status names", "wrong");
	{
		static const struct { const char *s; int64_t t; } times[] = {
			{ "19700101000000Z", 0 },
			{ "19691231235959Z", -1 },
			{ "19500101000000Z", -631152000 },
			{ "20000229120000Z", 951825600 },
			{ "20500101000000Z", 2524608000LL },
			{ "99991231235959Z", 253402300799LL },
			{ "00000101000000Z", -62167219200LL },
		};
		char out[16];
		int64_t t;
		size_t i;

		for (i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
			ts_gentime_format(times[i].t, out);
			check(ts_gentime_parse(times[i].s, 15, &t) == 0 &&
			    t == times[i].t && strcmp(out, times[i].s) == 0,
			    times[i].s, "parsed %lld, formatted %s",
			    (long long)t, out);
		}
		check(ts_gentime_parse("20010229000000Z", 15, &t) == -1 &&
		    ts_gentime_parse("2001022900000Z", 14, &t) == -1 &&
		    ts_gentime_parse("20011301000000Z", 15, &t) == -1 &&
		    ts_gentime_parse("20010101246000Z", 15, &t) == -1 &&
		    ts_gentime_parse("2001010100000+Z", 15, &t) == -1,
		    "gentime refusals", "accepted a bad time");
	}
}

static void
test_pem_roundtrip(struct ts_cert *c)
{
	static const char foo[] = "# only\n-----BEGIN FOO-----\nAA==\n"
	    "-----END FOO-----\n";
	static const char bin[] = "x\0y\n-----BEGIN CERTIFICATE-----\n";
	struct ts_blob *certs;
	enum ts_kind found;
	unsigned char *der;
	char *pem, msg[256];
	size_t len, plen, n;
	BIO *b;
	X509 *x;

	der = slurp("leaf-rsa4096.der", &len);
	pem = ts_pem_encode(der, len, &plen);
	check(pem != NULL && strlen(pem) == plen && strncmp(pem,
	    "-----BEGIN CERTIFICATE-----\n", 28) == 0 && strcmp(pem + plen -
	    26, "-----END CERTIFICATE-----\n") == 0 && pem[28 + 64] == '\n',
	    "pem encode", "bad framing");
	/* OpenSSL reads it, and so do we */
	b = BIO_new_mem_buf(pem, (int)plen);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	check(x != NULL, "pem encode", "OpenSSL cannot read our PEM");
	X509_free(x);
	BIO_free(b);
	check(ts_decode_certs(pem, plen, &certs, &n, &found, msg,
	    sizeof(msg)) == 0 && n == 1 && certs[0].len == len &&
	    memcmp(certs[0].data, der, len) == 0, "pem roundtrip", "%s", msg);
	if (n == 1)
		ts_blobs_free(certs, n);
	free(pem);
	/* handle reuse: a refusal forgets the previous certificate */
	ts_cert_parse(c, der, len);
	ts_cert_parse(c, der, 10);
	check(ts_cert_der(c, &n) == NULL && n == 0 &&
	    ts_cert_subject(c) == NULL, "reuse", "stale state after refusal");
	ts_cert_parse(c, der, len);
	check(ts_cert_der(c, &n) != NULL && n == len &&
	    strcmp(ts_cert_subject(c), "O=Example,CN=www.example.org") == 0 &&
	    strlen(ts_cert_sha256_hex(c)) == 64 &&
	    strlen(ts_cert_subject_hash(c)) == 8, "reuse", "accessors");
	free(der);
	/* input with no certificate at all */
	check(ts_decode_certs("hello\n", 6, &certs, &n, &found, msg,
	    sizeof(msg)) == -1, "text", "accepted");
	check(ts_decode_certs(foo, sizeof(foo) - 1, &certs, &n, &found, msg,
	    sizeof(msg)) == -1 && strcmp(msg, "PEM block 1 is of type "
	    "\"FOO\", not CERTIFICATE") == 0, "foo block", "%s", msg);
	check(ts_decode_certs(bin, sizeof(bin) - 1, &certs, &n, &found, msg,
	    sizeof(msg)) == -1 && strcmp(msg, "binary data "
	    "(a NUL byte) outside the PEM blocks") == 0, "binary", "%s", msg);
}

/* The alias rules' UTF-8: RFC 3629's, no overlong form, no surrogate. */
static void
test_alias_utf8(void)
{
	static const struct {
		const char	*bytes;
		int		ok;
	} cases[] = {
		{ "caf\xc3\xa9", 1 },			/* U+00E9 */
		{ "x\xe0\xa0\x80", 1 },		/* U+0800, the first 3-byte */
		{ "x\xed\x9f\xbf", 1 },		/* U+D7FF, below the surrogates */
		{ "x\xee\x80\x80", 1 },		/* U+E000, above them */
		{ "x\xf0\x90\x80\x80", 1 },	/* U+10000 */
		{ "x\xf4\x8f\xbf\xbf", 1 },	/* U+10FFFF */
		{ "x\xc0\xaf", 0 },			/* overlong '/' */
		{ "x\xc1\xbf", 0 },
		{ "x\xe0\x80\xaf", 0 },		/* overlong '/', 3 bytes */
		{ "x\xe0\x9f\xbf", 0 },
		{ "x\xf0\x80\x80\xaf", 0 },	/* overlong '/', 4 bytes */
		{ "x\xf0\x8f\xbf\xbf", 0 },
		{ "x\xed\xa0\x80", 0 },		/* U+D800 */
		{ "x\xed\xbf\xbf", 0 },		/* U+DFFF */
		{ "x\xf4\x90\x80\x80", 0 },	/* U+110000 */
		{ "x\xf5\x80\x80\x80", 0 },
		{ "x\xe2\x82", 0 },			/* cut short */
	};
	char msg[128];
	size_t i;
	int rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		msg[0] = '\0';
		rc = ts_alias_check(cases[i].bytes, strlen(cases[i].bytes),
		    msg, sizeof(msg));
		check(cases[i].ok ? rc == 0 : rc != 0 &&
		    strcmp(msg, "an alias must be UTF-8 text") == 0,
		    "ts_alias_check", "case %zu: rc %d, \"%s\"", i, rc, msg);
	}
}

int
main(void)
{
	const char *env = getenv("TS_FIXTURES");
	struct ts_cert *c = ts_cert_new();
	unsigned char *k;
	size_t i, klen;
	BIO *b;

	if (env != NULL)
		snprintf(fixdir, sizeof(fixdir), "%s", env);
	else {
		/* __FILE__ is absolute in out-of-tree builds, relative to the
		 * top directory (where scripts/test.sh runs us) in-tree. */
		snprintf(fixdir, sizeof(fixdir), "%s", __FILE__);
		if (strrchr(fixdir, '/') != NULL)
			strcpy(strrchr(fixdir, '/'), "/fixtures");
	}
	k = slurp("ec256.key", &klen);
	if (k == NULL) {
		printf("fixtures not found in %s\n", fixdir);
		printf("0 passed, 1 failed\n");
		return 1;
	}
	b = BIO_new_mem_buf(k, (int)klen);
	signkey = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	free(k);

	for (i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++)
		test_fixture(c, &fixtures[i]);
	for (i = 0; i < sizeof(decodes) / sizeof(decodes[0]); i++)
		test_decode(c, &decodes[i]);
	test_built(c);
	test_keys(c);
	test_policy(c);
	test_pem_roundtrip(c);
	test_base64_shapes();
	test_decode_joined();
	test_fast_fixtures();
	test_fast_edges(c);
	test_fast_system();
	test_alias_utf8();
	printf("fast path: %d certificates, OpenSSL path: %d; names hashed "
	    "without OpenSSL: %d\n", fast_hits, slow_hits, hash_hits);
	check(stored_hits >= 100, "ts_cert_set_stored_only", "compared on %d "
	    "certificates only", stored_hits);
	/* the system CAs alone are over a hundred */
	check(alone_hits >= 100, "ts_der_subject", "compared on %d "
	    "certificates only", alone_hits);

	ts_cert_free(c);
	EVP_PKEY_free(signkey);
	printf("%d passed, %d failed\n", passed, failed);
	return failed;
}
