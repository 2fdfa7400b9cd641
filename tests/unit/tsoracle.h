/* tsoracle.h - the facts of a certificate the slow, standard way */
/*
 * The library parses certificates with its own ASN.1 templates so that it
 * never decodes the public key through OpenSSL's providers.  This oracle
 * does it the ordinary way (d2i_X509, X509_get0_pubkey, X509_get_ext_d2i,
 * X509_NAME_print_ex, ...) and the unit test and the fuzzer demand that
 * both agree: same acceptance, byte-identical facts.
 *
 * Acceptance is d2i_X509's, consuming the whole buffer, plus the rules
 * the library documents as stricter (lib/tscert.c's header comment):
 * DER only, OIDs GnuTLS reads, the same signature algorithm inside and
 * out, a decodable key, no EXFLAG_INVALID, version 1..3, valid times in
 * RFC 5280's form, no
 * duplicate extension, every known extension decodes, names print as
 * UTF-8, SAN strings printable ASCII, SAN IPs of 4 or 16 bytes.
 * Header-only (static functions) so both tests include it.
 */
#ifndef TSORACLE_H
#define TSORACLE_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tscert.h"
#include "tsint.h"	/* the fast/slow path switch */

struct or_facts {
	char	*name[65536];
	char	*value[65536];
	size_t	 len[65536];
	size_t	 n;
	int64_t	 not_before, not_after;
	int	 keytype, bits, is_ca, self_signed;
	char	 why[200];
};

static void
or_add(struct or_facts *o, const char *name, const char *v, size_t len)
{
	if (o->n >= 65536)
		return;
	o->name[o->n] = strdup(name);
	o->value[o->n] = malloc(len + 1);
	memcpy(o->value[o->n], v, len);
	o->value[o->n][len] = '\0';
	o->len[o->n] = len;
	o->n++;
}

static void
or_clear(struct or_facts *o)
{
	size_t i;

	for (i = 0; i < o->n; i++) {
		free(o->name[i]);
		free(o->value[i]);
	}
	o->n = 0;
}

/* Independent of the library's own checker on purpose. */
static int
or_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned int c = s[i], cp, need, k;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07;
		else
			return 0;
		if (i + need >= n)
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

static int
or_refuse(struct or_facts *o, const char *why)
{
	snprintf(o->why, sizeof(o->why), "%s", why);
	return -1;
}

static int
or_name(struct or_facts *o, const char *fact, const X509_NAME *nm)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *s;
	long n;
	int rc = -1;

	if (X509_NAME_print_ex(b, nm, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0) {
		or_refuse(o, "name does not print");
		goto done;
	}
	n = BIO_get_mem_data(b, &s);
	if (!or_utf8((unsigned char *)s, (size_t)n)) {
		or_refuse(o, "name is not UTF-8");
		goto done;
	}
	if (n > 0)
		or_add(o, fact, s, (size_t)n);
	rc = 0;
 done:
	BIO_free(b);
	return rc;
}

static int
or_time(const ASN1_TIME *t, int64_t *secs, char out[16])
{
	struct tm tm;
	char buf[64];
	const unsigned char *d = ASN1_STRING_get0_data(t);
	int n = ASN1_STRING_length(t), i;

	/* RFC 5280's two forms only: no fractions, no offsets */
	if (n != (ASN1_STRING_type(t) == V_ASN1_UTCTIME ? 13 : 15) ||
	    d[n - 1] != 'Z')
		return -1;
	for (i = 0; i < n - 1; i++)
		if (d[i] < '0' || d[i] > '9')
			return -1;
	if (!ASN1_TIME_to_tm(t, &tm))
		return -1;
	snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (strlen(buf) != 15)
		return -1;
	memcpy(out, buf, 16);
	*secs = (int64_t)timegm(&tm);
	return 0;
}

static void
or_hex(struct or_facts *o, const char *fact, const unsigned char *p,
    size_t n, int upper)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(s + 2 * i, upper ? "%02X" : "%02x", p[i]);
	or_add(o, fact, s, 2 * n);
	free(s);
}

static int
or_ia5(struct or_facts *o, const char *fact, const ASN1_STRING *s)
{
	int i;

	for (i = 0; i < s->length; i++)
		if (s->data[i] < 0x20 || s->data[i] > 0x7e)
			return or_refuse(o, "SAN string not printable");
	if (s->length > 0)
		or_add(o, fact, (const char *)s->data, (size_t)s->length);
	return 0;
}

/* An OID GnuTLS reads: its dotted text, as OpenSSL prints it, under 128
 * characters, and every arc within 64 bits. */
static int
or_oid_ok(const unsigned char *tlv, size_t n)
{
	const unsigned char *p = tlv;
	ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &p, (long)n);
	char buf[1024], *s, *end;
	int len, ok = 0;

	if (obj == NULL)
		return 0;
	len = OBJ_obj2txt(buf, sizeof(buf), obj, 1);
	ASN1_OBJECT_free(obj);
	ERR_clear_error();
	if (len <= 0 || len >= 128)
		return 0;
	for (s = buf;; s = end + 1) {
		errno = 0;
		(void)strtoull(s, &end, 10);
		if (errno == ERANGE || end == s)
			return 0;
		if (*end != '.')
			break;
	}
	ok = *end == '\0';
	return ok;
}

/* DER rules the library adds: minimal definite lengths, only SEQUENCE and
 * SET constructed among universal tags, BOOLEAN 00/FF, OIDs GnuTLS reads.
 * Returns the bytes consumed by one TLV, or 0 if it breaks a rule. */
static size_t
or_der_tlv(const unsigned char *b, size_t n, int depth)
{
	size_t hl = 2, len, i, used;

	if (n < 2 || (b[0] & 0x1f) == 0x1f || depth > 32)
		return 0;
	len = b[1];
	if (len & 0x80) {
		size_t k = len & 0x7f;

		if (k == 0 || k > 8 || n < 2 + k || b[2] == 0)
			return 0;
		for (len = 0, i = 0; i < k; i++)
			len = len << 8 | b[2 + i];
		if (len < 128)
			return 0;
		hl += k;
	}
	if (n - hl < len)
		return 0;
	if (b[0] < 0x40 && (b[0] & 0x20) && b[0] != 0x30 && b[0] != 0x31)
		return 0;
	if (b[0] == 0x01 && (len != 1 || (b[2] != 0 && b[2] != 0xff)))
		return 0;
	if (b[0] == 0x10 || b[0] == 0x11)
		return 0;
	if (b[0] == 0x06 && !or_oid_ok(b, hl + len))
		return 0;
	if (b[0] & 0x20)
		for (i = 0; i < len; i += used)
			if ((used = or_der_tlv(b + hl + i, len - i,
			    depth + 1)) == 0)
				return 0;
	return hl + len;
}

/* 0 with o filled if the certificate is acceptable, else -1 and o->why. */
static int
oracle_facts(const unsigned char *der, size_t len, struct or_facts *o)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	EVP_PKEY *pk;
	STACK_OF(X509_EXTENSION) *exts;
	GENERAL_NAMES *san = NULL;
	EXTENDED_KEY_USAGE *eku = NULL;
	const ASN1_OBJECT *obj;
	const X509_ALGOR *sigalg;
	BIO *b = NULL;
	char buf[1024], gen[16];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	long v;
	int i, j, rc = -1, types[] = { GEN_DNS, GEN_IPADD, GEN_EMAIL, GEN_URI };
	uint32_t flags;
	char *s;

	memset(o, 0, sizeof(*o));
	if (len == 0 || (x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		or_refuse(o, "d2i_X509 fails");
		goto done;
	}
	if ((size_t)(p - der) != len) {
		or_refuse(o, "trailing bytes");
		goto done;
	}
	if (or_der_tlv(der, len, 0) != len) {
		or_refuse(o, "not DER");
		goto done;
	}
	{
		/* RFC 5280 4.1.1.2: the same algorithm inside and out */
		const X509_ALGOR *out;
		unsigned char *a = NULL, *b2 = NULL;
		int la, lb;

		X509_get0_signature(NULL, &out, x);
		la = i2d_X509_ALGOR(X509_get0_tbs_sigalg(x), &a);
		lb = i2d_X509_ALGOR(out, &b2);
		i = la <= 0 || la != lb || memcmp(a, b2, (size_t)la) != 0;
		OPENSSL_free(a);
		OPENSSL_free(b2);
		if (i) {
			or_refuse(o, "signature algorithms differ");
			goto done;
		}
	}
	/* alternative names GnuTLS reads: no x400Address or ediPartyName,
	 * no empty mail, DNS or URI name, nothing after the names */
	for (i = 0; i < X509_get_ext_count(x); i++) {
		X509_EXTENSION *ex = X509_get_ext(x, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ex));
		const ASN1_OCTET_STRING *os = X509_EXTENSION_get_data(ex);
		const unsigned char *q = ASN1_STRING_get0_data(os);
		GENERAL_NAMES *gn;
		int bad = 0;

		if (nid != NID_subject_alt_name && nid != NID_issuer_alt_name)
			continue;
		/* GnuTLS's DER wants the SEQUENCE tag with its constructed
		 * bit; OpenSSL's d2i also takes 0x10 */
		if (ASN1_STRING_length(os) < 1 || q[0] != 0x30)
			bad = 1;
		gn = bad ? NULL : d2i_GENERAL_NAMES(NULL, &q,
		    ASN1_STRING_length(os));
		if (gn == NULL || q != ASN1_STRING_get0_data(os) +
		    ASN1_STRING_length(os))
			bad = 1;
		for (j = 0; !bad && j < sk_GENERAL_NAME_num(gn); j++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(gn, j);

			if (g->type == GEN_X400 || g->type == GEN_EDIPARTY ||
			    ((g->type == GEN_EMAIL || g->type == GEN_DNS ||
			    g->type == GEN_URI) && ASN1_STRING_length(g->d.ia5) == 0))
				bad = 1;
		}
		GENERAL_NAMES_free(gn);
		ERR_clear_error();
		if (bad) {
			or_refuse(o, "alternative names GnuTLS refuses");
			goto done;
		}
	}
	if ((pk = X509_get0_pubkey(x)) == NULL) {
		or_refuse(o, "key does not decode");
		goto done;
	}
	flags = X509_get_extension_flags(x);
	if (flags & EXFLAG_INVALID) {
		or_refuse(o, "EXFLAG_INVALID");
		goto done;
	}
	if ((v = X509_get_version(x)) < 0 || v > 2) {
		or_refuse(o, "version");
		goto done;
	}
	exts = (STACK_OF(X509_EXTENSION) *)X509_get0_extensions(x);
	for (i = 0; i < sk_X509_EXTENSION_num(exts); i++) {
		X509_EXTENSION *ex = sk_X509_EXTENSION_value(exts, i);
		void *d;

		for (j = 0; j < i; j++)
			if (OBJ_cmp(X509_EXTENSION_get_object(ex),
			    X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(exts, j))) == 0) {
				or_refuse(o, "duplicate extension");
				goto done;
			}
		if (X509V3_EXT_get(ex) == NULL)
			continue;
		if ((d = X509V3_EXT_d2i(ex)) == NULL) {
			or_refuse(o, "known extension does not decode");
			goto done;
		}
		{
			const X509V3_EXT_METHOD *m = X509V3_EXT_get(ex);

			if (m->it != NULL)
				ASN1_item_free(d, ASN1_ITEM_ptr(m->it));
			else
				m->ext_free(d);
		}
	}

	if (or_name(o, "tsSubject", X509_get_subject_name(x)) == -1 ||
	    or_name(o, "tsIssuer", X509_get_issuer_name(x)) == -1)
		goto done;
	b = BIO_new(BIO_s_mem());
	i2a_ASN1_INTEGER(b, X509_get0_serialNumber(x));
	{
		long n = BIO_get_mem_data(b, &s);
		char *t = malloc((size_t)n + 1);
		long k, m = 0;

		for (k = 0; k < n; k++)
			if (s[k] != '\\' && s[k] != '\n')
				t[m++] = s[k];
		or_add(o, "tsSerialNumber", t, (size_t)m);
		free(t);
	}
	if (or_time(X509_get0_notBefore(x), &o->not_before, gen) == -1) {
		or_refuse(o, "notBefore");
		goto done;
	}
	or_add(o, "tsNotBefore", gen, 15);
	if (or_time(X509_get0_notAfter(x), &o->not_after, gen) == -1) {
		or_refuse(o, "notAfter");
		goto done;
	}
	or_add(o, "tsNotAfter", gen, 15);
	/* Over the bytes given: the stored value is what is fingerprinted. */
	EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL);
	or_hex(o, "tsFingerprintSHA256", md, mdlen, 0);
	EVP_Digest(der, len, md, &mdlen, EVP_sha1(), NULL);
	or_hex(o, "tsFingerprintSHA1", md, mdlen, 0);
	snprintf(buf, sizeof(buf), "%08lx", X509_subject_name_hash(x));
	or_add(o, "tsSubjectHash", buf, strlen(buf));
	X509_PUBKEY_get0_param((ASN1_OBJECT **)&obj, NULL, NULL, NULL,
	    X509_get_X509_PUBKEY(x));
	if (OBJ_obj2txt(buf, sizeof(buf), obj, 0) >= 256) {
		or_refuse(o, "long key OID");
		goto done;
	}
	or_add(o, "tsKeyAlgorithm", buf, strlen(buf));
	o->bits = EVP_PKEY_get_bits(pk);
	snprintf(buf, sizeof(buf), "%d", o->bits);
	or_add(o, "tsKeyBits", buf, strlen(buf));
	X509_get0_signature(NULL, &sigalg, x);
	X509_ALGOR_get0(&obj, NULL, NULL, sigalg);
	if (OBJ_obj2txt(buf, sizeof(buf), obj, 0) >= 256) {
		or_refuse(o, "long signature OID");
		goto done;
	}
	or_add(o, "tsSignatureAlgorithm", buf, strlen(buf));
	o->is_ca = (flags & EXFLAG_CA) != 0;
	o->self_signed = (flags & EXFLAG_SS) != 0;
	or_add(o, "tsIsCA", o->is_ca ? "TRUE" : "FALSE", o->is_ca ? 4 : 5);
	or_add(o, "tsSelfSigned", o->self_signed ? "TRUE" : "FALSE",
	    o->self_signed ? 4 : 5);
	if (flags & EXFLAG_KUSAGE) {
		static const struct { uint32_t bit; const char *name; } ku[] = {
			{ KU_DIGITAL_SIGNATURE, "digitalSignature" },
			{ KU_NON_REPUDIATION, "nonRepudiation" },
			{ KU_KEY_ENCIPHERMENT, "keyEncipherment" },
			{ KU_DATA_ENCIPHERMENT, "dataEncipherment" },
			{ KU_KEY_AGREEMENT, "keyAgreement" },
			{ KU_KEY_CERT_SIGN, "keyCertSign" },
			{ KU_CRL_SIGN, "cRLSign" },
			{ KU_ENCIPHER_ONLY, "encipherOnly" },
			{ KU_DECIPHER_ONLY, "decipherOnly" },
		};
		uint32_t k = X509_get_key_usage(x);

		for (i = 0; i < 9; i++)
			if (k & ku[i].bit)
				or_add(o, "tsKeyUsage", ku[i].name,
				    strlen(ku[i].name));
	}
	eku = X509_get_ext_d2i(x, NID_ext_key_usage, NULL, NULL);
	for (i = 0; i < sk_ASN1_OBJECT_num(eku); i++) {
		ASN1_OBJECT *e = sk_ASN1_OBJECT_value(eku, i);

		if (OBJ_obj2nid(e) != NID_undef)
			snprintf(buf, sizeof(buf), "%s",
			    OBJ_nid2sn(OBJ_obj2nid(e)));
		else if (OBJ_obj2txt(buf, sizeof(buf), e, 1) >= 256) {
			or_refuse(o, "long EKU OID");
			goto done;
		}
		or_add(o, "tsExtKeyUsage", buf, strlen(buf));
	}
	san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (j = 0; j < 4; j++)
		for (i = 0; i < sk_GENERAL_NAME_num(san); i++) {
			GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);

			if (g->type != types[j])
				continue;
			if (g->type == GEN_DNS &&
			    or_ia5(o, "tsDNSName", g->d.dNSName) == -1)
				goto done;
			if (g->type == GEN_EMAIL &&
			    or_ia5(o, "tsEmail", g->d.rfc822Name) == -1)
				goto done;
			if (g->type == GEN_URI && or_ia5(o, "tsURI",
			    g->d.uniformResourceIdentifier) == -1)
				goto done;
			if (g->type == GEN_IPADD) {
				int n = g->d.iPAddress->length;

				if (n != 4 && n != 16) {
					or_refuse(o, "SAN IP length");
					goto done;
				}
				inet_ntop(n == 4 ? AF_INET : AF_INET6,
				    g->d.iPAddress->data, buf, sizeof(buf));
				or_add(o, "tsIPAddress", buf, strlen(buf));
			}
		}
	{
		const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
		const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(x);

		if (ski != NULL && ski->length > 0)
			or_hex(o, "tsSubjectKeyIdentifier", ski->data,
			    (size_t)ski->length, 0);
		if (aki != NULL && aki->length > 0)
			or_hex(o, "tsAuthorityKeyIdentifier", aki->data,
			    (size_t)aki->length, 0);
	}
	snprintf(buf, sizeof(buf), "%ld", v + 1);
	or_add(o, "tsVersion", buf, strlen(buf));
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA: case EVP_PKEY_RSA_PSS: o->keytype = TS_KEY_RSA; break;
	case EVP_PKEY_EC: case EVP_PKEY_SM2: o->keytype = TS_KEY_EC; break;
	case EVP_PKEY_DSA: o->keytype = TS_KEY_DSA; break;
	case EVP_PKEY_ED25519: o->keytype = TS_KEY_ED25519; break;
	case EVP_PKEY_ED448: o->keytype = TS_KEY_ED448; break;
	default: o->keytype = TS_KEY_OTHER; break;
	}
	rc = 0;
 done:
	if (rc == -1)
		or_clear(o);
	GENERAL_NAMES_free(san);
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	BIO_free(b);
	X509_free(x);
	ERR_clear_error();
	return rc;
}

/*
 * Compare the library's verdict on der with the oracle's.  0 if they
 * agree; else -1 with a description in msg.
 */
static int
oracle_compare(struct ts_cert *c, const unsigned char *der, size_t len,
    char *msg, size_t msglen)
{
	static struct or_facts o;
	const struct ts_fact *f;
	size_t n, i;
	int fast = ts_cert_parse(c, der, len);
	int slow = oracle_facts(der, len, &o);
	int rc = -1;

	msg[0] = '\0';
	if (fast != slow) {
		snprintf(msg, msglen, "library %s (%s), oracle %s (%s)",
		    fast == 0 ? "accepts" : "refuses",
		    fast == 0 ? "-" : ts_cert_error(c),
		    slow == 0 ? "accepts" : "refuses", slow == 0 ? "-" : o.why);
		goto done;
	}
	if (fast == -1) {
		if (ts_cert_error(c) == NULL ||
		    !or_utf8((const unsigned char *)ts_cert_error(c),
		    strlen(ts_cert_error(c)))) {
			snprintf(msg, msglen, "refusal without a clean message");
			goto done;
		}
		rc = 0;
		goto done;
	}
	ts_cert_facts(c, &f, &n);
	for (i = 0; i < n && i < o.n; i++) {
		if (strcmp(f[i].name, o.name[i]) != 0 || f[i].len != o.len[i] ||
		    memcmp(f[i].value, o.value[i], f[i].len) != 0 ||
		    strlen(f[i].value) != f[i].len ||
		    !or_utf8((const unsigned char *)f[i].value, f[i].len)) {
			snprintf(msg, msglen, "fact %zu: library %s=%.60s, "
			    "oracle %s=%.60s", i, f[i].name, f[i].value,
			    o.name[i], o.value[i]);
			goto done;
		}
	}
	if (n != o.n) {
		snprintf(msg, msglen, "library has %zu facts, oracle %zu", n,
		    o.n);
		goto done;
	}
	if (ts_cert_not_before(c) != o.not_before ||
	    ts_cert_not_after(c) != o.not_after ||
	    ts_cert_key_bits(c) != o.bits ||
	    (int)ts_cert_key_type(c) != o.keytype ||
	    ts_cert_is_ca(c) != o.is_ca ||
	    ts_cert_self_signed(c) != o.self_signed) {
		snprintf(msg, msglen, "accessors differ: times %lld/%lld vs "
		    "%lld/%lld bits %d/%d type %d/%d ca %d/%d ss %d/%d",
		    (long long)ts_cert_not_before(c),
		    (long long)ts_cert_not_after(c), (long long)o.not_before,
		    (long long)o.not_after, ts_cert_key_bits(c), o.bits,
		    (int)ts_cert_key_type(c), o.keytype, ts_cert_is_ca(c),
		    o.is_ca, ts_cert_self_signed(c), o.self_signed);
		goto done;
	}
	rc = 0;
 done:
	or_clear(&o);
	return rc;
}

/*
 * The library's own two parsers on der: the fast DER walk (lib/tsfast.c,
 * if it takes the certificate) against the OpenSSL templates
 * (TS_PATH_SLOW), the reference.  Everything a caller can see must be
 * identical: verdict, reason, kind, message, every fact byte, every
 * accessor, and the default policy's verdict.  0 if so, else -1 with the
 * first difference in msg.  *fast says whether the fast path took it.
 */
static int
path_compare(const unsigned char *der, size_t len, int *fast, char *msg,
    size_t msglen)
{
	static struct ts_cert *a, *b;
	const struct ts_fact *fa, *fb;
	struct ts_policy pol;
	enum ts_reason wa, wb;
	char ma[256], mb[256];
	const char *ea, *eb, *sa, *sb;
	size_t na, nb, la, lb, i;
	int ra, rb;

	if (a == NULL) {
		a = ts_cert_new();
		b = ts_cert_new();
		ts_cert_set_path(b, TS_PATH_SLOW);
	}
	msg[0] = '\0';
	ra = ts_cert_parse(a, der, len);
	rb = ts_cert_parse(b, der, len);
	*fast = ts_cert_took_fast(a);
	if (ts_cert_took_fast(b)) {
		snprintf(msg, msglen, "TS_PATH_SLOW took the fast path");
		return -1;
	}
	ea = ts_cert_error(a);
	eb = ts_cert_error(b);
	if (ra != rb || ts_cert_reason(a) != ts_cert_reason(b) ||
	    ts_cert_kind(a) != ts_cert_kind(b) || (ea == NULL) != (eb == NULL) ||
	    (ea != NULL && strcmp(ea, eb) != 0)) {
		snprintf(msg, msglen, "fast %d/%d/%d (%s), slow %d/%d/%d (%s)",
		    ra, ts_cert_reason(a), ts_cert_kind(a), ea ? ea : "-", rb,
		    ts_cert_reason(b), ts_cert_kind(b), eb ? eb : "-");
		return -1;
	}
	if (ra == -1)
		return 0;
	ts_cert_facts(a, &fa, &na);
	ts_cert_facts(b, &fb, &nb);
	for (i = 0; i < na && i < nb; i++)
		if (strcmp(fa[i].name, fb[i].name) != 0 ||
		    fa[i].len != fb[i].len ||
		    memcmp(fa[i].value, fb[i].value, fa[i].len + 1) != 0) {
			snprintf(msg, msglen, "fact %zu: fast %s=%.80s, slow "
			    "%s=%.80s", i, fa[i].name, fa[i].value, fb[i].name,
			    fb[i].value);
			return -1;
		}
	if (na != nb) {
		snprintf(msg, msglen, "fast has %zu facts, slow %zu", na, nb);
		return -1;
	}
	sa = ts_cert_weak_digest(a);
	sb = ts_cert_weak_digest(b);
	if (ts_cert_der(a, &la) == NULL || ts_cert_der(b, &lb) == NULL ||
	    la != lb || memcmp(ts_cert_der(a, NULL), ts_cert_der(b, NULL),
	    la) != 0 || ts_cert_not_before(a) != ts_cert_not_before(b) ||
	    ts_cert_not_after(a) != ts_cert_not_after(b) ||
	    strcmp(ts_cert_subject_hash(a), ts_cert_subject_hash(b)) != 0 ||
	    strcmp(ts_cert_sha256_hex(a), ts_cert_sha256_hex(b)) != 0 ||
	    strcmp(ts_cert_subject(a), ts_cert_subject(b)) != 0 ||
	    ts_cert_key_type(a) != ts_cert_key_type(b) ||
	    ts_cert_key_bits(a) != ts_cert_key_bits(b) ||
	    ts_cert_is_ca(a) != ts_cert_is_ca(b) ||
	    ts_cert_self_signed(a) != ts_cert_self_signed(b) ||
	    (sa == NULL) != (sb == NULL) || (sa != NULL && strcmp(sa, sb))) {
		snprintf(msg, msglen, "accessors differ: hash %s/%s subject "
		    "%s/%s type %d/%d bits %d/%d ca %d/%d ss %d/%d weak %s/%s",
		    ts_cert_subject_hash(a), ts_cert_subject_hash(b),
		    ts_cert_subject(a), ts_cert_subject(b), ts_cert_key_type(a),
		    ts_cert_key_type(b), ts_cert_key_bits(a),
		    ts_cert_key_bits(b), ts_cert_is_ca(a), ts_cert_is_ca(b),
		    ts_cert_self_signed(a), ts_cert_self_signed(b),
		    sa ? sa : "-", sb ? sb : "-");
		return -1;
	}
	ts_policy_defaults(&pol);
	ra = ts_policy_check(&pol, a, 1800000000, &wa, ma, sizeof(ma));
	rb = ts_policy_check(&pol, b, 1800000000, &wb, mb, sizeof(mb));
	if (ra != rb || wa != wb || (ra == -1 && strcmp(ma, mb) != 0)) {
		snprintf(msg, msglen, "policy: fast %d (%s), slow %d (%s)", wa,
		    ra ? ma : "-", wb, rb ? mb : "-");
		return -1;
	}
	return 0;
}

/*
 * A writer's handle (ts_cert_set_stored_only(), the overlay's add path)
 * against a full parse of der: the same verdict, reason and message; on
 * an accepted certificate the full parse's stored facts and its
 * tsSignatureAlgorithm, the same values in the same order, and the same
 * policy inputs.  1 if both took it and agree, 0 if both refused it
 * alike, -1 with the first difference in msg.
 */
static int
stored_only_compare(const unsigned char *der, size_t len, char *msg,
    size_t msglen)
{
	static struct ts_cert *full, *st;
	const struct ts_fact *f, *g;
	const char *ef, *es;
	size_t nf, ng, i, j = 0;
	int rf, rs, same = 1;

	if (full == NULL) {
		full = ts_cert_new();
		st = ts_cert_new();
		ts_cert_set_stored_only(st, 1);
	}
	msg[0] = '\0';
	rf = ts_cert_parse(full, der, len);
	rs = ts_cert_parse(st, der, len);
	ef = ts_cert_error(full);
	es = ts_cert_error(st);
	if (rf != rs || ts_cert_reason(full) != ts_cert_reason(st) ||
	    (ef == NULL) != (es == NULL) || (ef != NULL && strcmp(ef, es))) {
		snprintf(msg, msglen, "stored-only parse %s (%s) what the "
		    "full parse %s (%s)", rs ? "refuses" : "takes",
		    es ? es : "-", rf ? "refuses" : "takes", ef ? ef : "-");
		return -1;
	}
	if (rf != 0)
		return 0;
	if (ts_cert_facts(full, &f, &nf) || ts_cert_facts(st, &g, &ng)) {
		snprintf(msg, msglen, "no facts");
		return -1;
	}
	/* OpenSSL's path makes them all: its refusals come with them */
	for (i = 0; i < nf && same; i++) {
		if (!ts_fact_stored(f[i].name) &&
		    strcmp(f[i].name, "tsSignatureAlgorithm") != 0)
			continue;
		while (!ts_cert_took_fast(st) && j < ng &&
		    !ts_fact_stored(g[j].name) &&
		    strcmp(g[j].name, "tsSignatureAlgorithm") != 0)
			j++;
		same = j < ng && strcmp(f[i].name, g[j].name) == 0 &&
		    f[i].len == g[j].len &&
		    memcmp(f[i].value, g[j].value, f[i].len) == 0;
		j++;
	}
	if (!same || (j != ng && ts_cert_took_fast(st))) {
		snprintf(msg, msglen, "stored-only facts differ at %zu (%s)",
		    j, j > 0 && j <= ng ? g[j - 1].name : "end");
		return -1;
	}
	if (ts_cert_key_type(full) != ts_cert_key_type(st) ||
	    ts_cert_key_bits(full) != ts_cert_key_bits(st) ||
	    ts_cert_is_ca(full) != ts_cert_is_ca(st) ||
	    ts_cert_self_signed(full) != ts_cert_self_signed(st) ||
	    ts_cert_weak_digest(full) != ts_cert_weak_digest(st) ||
	    ts_cert_not_after(full) != ts_cert_not_after(st) ||
	    strcmp(ts_cert_sha256_hex(full), ts_cert_sha256_hex(st)) != 0 ||
	    strcmp(ts_cert_subject_hash(full), ts_cert_subject_hash(st))) {
		snprintf(msg, msglen, "stored-only parse changes the "
		    "policy's inputs");
		return -1;
	}
	return 1;
}

/*
 * ts_fast_name_hash() on the subject and issuer of der against
 * X509_NAME_hash_ex(): -1 with msg on a difference, else how many of the
 * two names it hashed itself (0 when der is no certificate).
 */
static int
name_hash_compare(const unsigned char *der, size_t len, char *msg,
    size_t msglen)
{
	const unsigned char *p = der;
	unsigned char *enc = NULL;
	unsigned long h, want;
	X509_NAME *nm[2];
	int i, n, ok, took = 0;
	X509 *x;

	msg[0] = '\0';
	if ((x = d2i_X509(NULL, &p, (long)len)) == NULL) {
		ERR_clear_error();
		return 0;
	}
	nm[0] = X509_get_subject_name(x);
	nm[1] = X509_get_issuer_name(x);
	for (i = 0; i < 2 && took != -1; i++) {
		/* the name's own bytes, as decoded */
		if ((n = i2d_X509_NAME(nm[i], &enc)) <= 0)
			continue;
		if (ts_fast_name_hash(enc, (size_t)n, &h) == 0) {
			took++;
			want = X509_NAME_hash_ex(nm[i], NULL, NULL, &ok);
			if (!ok || h != want) {
				snprintf(msg, msglen, "%s name hash %08lx, "
				    "OpenSSL %08lx", i ? "issuer" : "subject",
				    h, want);
				took = -1;
			}
		}
		OPENSSL_free(enc);
		enc = NULL;
	}
	X509_free(x);
	ERR_clear_error();
	return took;
}

#endif /* TSORACLE_H */
