/* tsdecode.c - split PEM, DER and PKCS#7 input into DER certificates */
/*
 * Administrators hand us whatever file they have.  We take PEM text with
 * one or more CERTIFICATE blocks (bundles with comment lines between the
 * blocks, such as Mozilla's or `# alias` lines, are fine: text outside the
 * blocks is ignored as OpenSSL ignores it, but a NUL byte is not), DER
 * certificates (one, or several one after another as `cat` joins them),
 * or PKCS#7 in DER or PEM.  A PEM block of any other type is refused,
 * naming what it holds, so a private key pasted by mistake is caught
 * here.  So are bytes after a certificate that are no certificate: passed
 * on, they would be fingerprinted as part of it.  Refusals name the kind
 * of data and where it is, and never quote it.
 *
 * The certificates are only split here; ts_cert_parse() judges each one.
 */
#define _GNU_SOURCE	/* memmem */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "tscert.h"
#include "tsint.h"

/* One DER TLV, for recognising shapes only. */
struct ts_tlv {
	unsigned int		 tag;	/* the identifier octet */
	const unsigned char	*v;	/* contents */
	size_t			 len;
	const unsigned char	*next;	/* the byte after this TLV */
};

#define T_INTEGER	0x02
#define T_BITSTRING	0x03
#define T_OCTETSTRING	0x04
#define T_NULL		0x05
#define T_OID		0x06
#define T_UTCTIME	0x17
#define T_GENTIME	0x18
#define T_SEQUENCE	0x30
#define T_SET		0x31
#define T_CTX0		0xa0
#define T_CTX1		0xa1

static int
ts_tlv(const unsigned char *p, const unsigned char *end, struct ts_tlv *t)
{
	size_t len, n, i;

	if (p == NULL || end - p < 2 || (p[0] & 0x1f) == 0x1f)
		return -1;
	t->tag = p[0];
	len = p[1];
	p += 2;
	/* BER's indefinite length (PKCS#7 and PKCS#12 files from some
	 * tools): good enough to recognise a shape, as the rest runs to the
	 * end of the buffer. */
	if (len == 0x80 && (t->tag & 0x20)) {
		t->v = p;
		t->len = (size_t)(end - p);
		t->next = end;
		return 0;
	}
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 4 || (size_t)(end - p) < n)
			return -1;
		for (len = 0, i = 0; i < n; i++)
			len = (len << 8) | *p++;
	}
	if ((size_t)(end - p) < len)
		return -1;
	t->v = p;
	t->len = len;
	t->next = p + len;
	return 0;
}

/*
 * What OpenSSL's trust settings after a TRUSTED CERTIFICATE's certificate
 * (X509_CERT_AUX: SEQUENCE { trust SEQUENCE OF OID OPTIONAL, reject [0]
 * SEQUENCE OF OID OPTIONAL, alias, keyid, other }) say that the store
 * cannot keep.  The store keeps plain trust anchors, trusted for whatever
 * a TLS library trusts a CA of its directory for: dropping a rejection
 * would turn distrust into trust (1), and a certificate trusted only for
 * uses other than TLS (email, code signing) would become trusted for TLS
 * (2).  Trust for TLS (serverAuth, clientAuth, anyExtendedKeyUsage)
 * keeps what the store does with it: the settings are dropped (0).
 */
static int
ts_aux_refused(const unsigned char *p, const unsigned char *end)
{
	static const unsigned char tls[][10] = {
		{ 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01 },
		{ 0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02 },
	};
	static const unsigned char any[] = { 0x06, 0x04, 0x55, 0x1d, 0x25, 0x00 };
	struct ts_tlv aux, f, o;
	const unsigned char *q;
	int trust = 0, fortls = 0;

	if (p >= end || ts_tlv(p, end, &aux) == -1 || aux.tag != T_SEQUENCE)
		return 0;
	for (p = aux.v; p < aux.v + aux.len; p = f.next) {
		if (ts_tlv(p, aux.v + aux.len, &f) == -1)
			return 0;
		if (f.tag == T_CTX0 && f.len > 0)
			return 1;
		if (f.tag != T_SEQUENCE || f.len == 0)
			continue;
		trust = 1;
		for (q = f.v; q < f.v + f.len; q = o.next) {
			if (ts_tlv(q, f.v + f.len, &o) == -1)
				break;
			if ((size_t)(o.next - q) == sizeof(tls[0]) &&
			    (memcmp(q, tls[0], sizeof(tls[0])) == 0 ||
			    memcmp(q, tls[1], sizeof(tls[1])) == 0))
				fortls = 1;
			if ((size_t)(o.next - q) == sizeof(any) &&
			    memcmp(q, any, sizeof(any)) == 0)
				fortls = 1;
		}
	}
	return trust && !fortls ? 2 : 0;
}

/* Read the TLV at *p (before end) if it has the tag, and step over it. */
static int
ts_take(const unsigned char **p, const unsigned char *end, unsigned int tag,
    struct ts_tlv *t)
{
	if (ts_tlv(*p, end, t) == -1 || t->tag != tag)
		return -1;
	*p = t->next;
	return 0;
}

/*
 * Where a certificate's subject Name is (the whole TLV), found by stepping
 * over what comes before it in tbsCertificate.  Lengths are read as BER
 * would have them: the exporter and the client's messages take whatever a
 * store holds.  0, or -1 when the input is not shaped like a certificate.
 */
int
ts_der_subject_tlv(const unsigned char *der, size_t len,
    const unsigned char **name, size_t *namelen)
{
	const unsigned char *p = der, *end = der + len;
	struct ts_tlv t;

	/* Certificate, then tbsCertificate: step into both */
	if (ts_take(&p, end, T_SEQUENCE, &t) == -1)
		return -1;
	p = t.v;
	end = t.next;
	if (ts_take(&p, end, T_SEQUENCE, &t) == -1)
		return -1;
	p = t.v;
	end = t.next;
	/* [0] version (absent in v1), serial, signature, issuer, validity */
	if ((ts_tlv(p, end, &t) == 0 && t.tag == T_CTX0 &&
	    ts_take(&p, end, T_CTX0, &t) == -1) ||
	    ts_take(&p, end, T_INTEGER, &t) == -1 ||
	    ts_take(&p, end, T_SEQUENCE, &t) == -1 ||
	    ts_take(&p, end, T_SEQUENCE, &t) == -1 ||
	    ts_take(&p, end, T_SEQUENCE, &t) == -1)
		return -1;
	*name = p;
	if (ts_take(&p, end, T_SEQUENCE, &t) == -1)
		return -1;
	*namelen = (size_t)(p - *name);
	return 0;
}

static int
ts_small_int(const struct ts_tlv *t, unsigned int v)
{
	return t->tag == T_INTEGER && t->len == 1 && t->v[0] == v;
}

static int
ts_oid_under(const struct ts_tlv *t, const unsigned char *arc, size_t n)
{
	return t->tag == T_OID && t->len > n && memcmp(t->v, arc, n) == 0;
}

static const unsigned char oid_pkcs7[] =	/* 1.2.840.113549.1.7 */
    { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07 };
static const unsigned char oid_pkcs5[] =	/* 1.2.840.113549.1.5 */
    { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05 };
static const unsigned char oid_pkcs12pbe[] =	/* 1.2.840.113549.1.12.1 */
    { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01 };

/* Shapes of the DER structures people confuse with certificates. */
static enum ts_kind
ts_der_shape(const unsigned char *buf, size_t len)
{
	const unsigned char *end = buf + len, *p, *q, *e2;
	struct ts_tlv outer, a, b, c, d, e;
	int n;

	if (ts_tlv(buf, end, &outer) == -1 || outer.tag != T_SEQUENCE)
		return TS_KIND_UNKNOWN;
	p = outer.v;
	end = outer.next;
	if (ts_tlv(p, end, &a) == -1)
		return TS_KIND_UNKNOWN;

	/* PKCS#7 ContentInfo: { OID pkcs7-*, [0] content } */
	if (ts_oid_under(&a, oid_pkcs7, sizeof(oid_pkcs7)))
		return TS_KIND_PKCS7;

	if (a.tag == T_INTEGER) {
		q = a.next;
		if (ts_tlv(q, end, &b) == -1)
			return TS_KIND_UNKNOWN;
		/* PKCS#12 PFX: { INTEGER 3, ContentInfo, MacData } */
		if (ts_small_int(&a, 3) && b.tag == T_SEQUENCE &&
		    ts_tlv(b.v, b.next, &c) == 0 &&
		    ts_oid_under(&c, oid_pkcs7, sizeof(oid_pkcs7)))
			return TS_KIND_PKCS12;
		/* PKCS#8: { INTEGER 0|1, AlgorithmIdentifier, OCTET STRING } */
		if ((ts_small_int(&a, 0) || ts_small_int(&a, 1)) &&
		    b.tag == T_SEQUENCE && ts_tlv(b.v, b.next, &c) == 0 &&
		    c.tag == T_OID && ts_tlv(b.next, end, &d) == 0 &&
		    d.tag == T_OCTETSTRING)
			return TS_KIND_PRIVATE_KEY;
		/* RFC 5915 EC key: { INTEGER 1, OCTET STRING, [0], [1] } */
		if (ts_small_int(&a, 1) && b.tag == T_OCTETSTRING)
			return TS_KIND_PRIVATE_KEY;
		/* PKCS#10: { { INTEGER 0, Name, SPKI, [0] }, alg, sig } */
		/* (handled below: it starts with a SEQUENCE) */
		/* RSA (>= 9 INTEGERs from 0) and DSA (6) private keys, and
		 * RSAPublicKey (2) */
		for (n = 1, q = a.next; q < end; n++) {
			if (ts_tlv(q, end, &c) == -1 || c.tag != T_INTEGER)
				break;
			q = c.next;
		}
		if (q == end && n >= 9 && ts_small_int(&a, 0))
			return TS_KIND_PRIVATE_KEY;
		if (q == end && n >= 9 && ts_small_int(&a, 1))
			return TS_KIND_PRIVATE_KEY;
		if (q == end && n == 6 && ts_small_int(&a, 0))
			return TS_KIND_PRIVATE_KEY;
		if (q == end && n == 2)
			return TS_KIND_PUBLIC_KEY;
		return TS_KIND_UNKNOWN;
	}
	if (a.tag != T_SEQUENCE || ts_tlv(a.next, end, &b) == -1)
		return TS_KIND_UNKNOWN;

	/* SubjectPublicKeyInfo: { { OID, params }, BIT STRING } */
	if (ts_tlv(a.v, a.next, &c) == 0 && c.tag == T_OID &&
	    b.tag == T_BITSTRING && b.next == end)
		return TS_KIND_PUBLIC_KEY;
	/* EncryptedPrivateKeyInfo: { { PBE OID, params }, OCTET STRING } */
	if (ts_tlv(a.v, a.next, &c) == 0 &&
	    (ts_oid_under(&c, oid_pkcs5, sizeof(oid_pkcs5)) ||
	    ts_oid_under(&c, oid_pkcs12pbe, sizeof(oid_pkcs12pbe))) &&
	    b.tag == T_OCTETSTRING && b.next == end)
		return TS_KIND_ENCRYPTED_PRIVATE_KEY;

	/* Signed structures: { tbs, AlgorithmIdentifier, BIT STRING } */
	if (b.tag != T_SEQUENCE || ts_tlv(b.next, end, &c) == -1 ||
	    c.tag != T_BITSTRING)
		return TS_KIND_UNKNOWN;
	q = a.v;
	e2 = a.next;
	if (ts_tlv(q, e2, &c) == -1)
		return TS_KIND_UNKNOWN;
	/* CSR: { INTEGER 0, Name, SPKI, [0] attributes } */
	if (ts_small_int(&c, 0) && ts_tlv(c.next, e2, &d) == 0 &&
	    d.tag == T_SEQUENCE && ts_tlv(d.next, e2, &e) == 0 &&
	    e.tag == T_SEQUENCE && ts_tlv(e.next, e2, &d) == 0 &&
	    d.tag == T_CTX0)
		return TS_KIND_CSR;
	/* CRL: { [INTEGER], alg, Name, Time, ... } */
	if (c.tag == T_INTEGER)
		q = c.next;
	if (ts_take(&q, e2, T_SEQUENCE, &d) == 0 &&
	    ts_take(&q, e2, T_SEQUENCE, &d) == 0 &&
	    ts_tlv(q, e2, &e) == 0 &&
	    (e.tag == T_UTCTIME || e.tag == T_GENTIME))
		return TS_KIND_CRL;
	return TS_KIND_UNKNOWN;
}

/* PEM labels and what they hold. */
static const struct {
	const char	*label;
	enum ts_kind	 kind;
} ts_labels[] = {
	{ "CERTIFICATE",		TS_KIND_CERTIFICATE },
	{ "X509 CERTIFICATE",		TS_KIND_CERTIFICATE },
	{ "TRUSTED CERTIFICATE",	TS_KIND_CERTIFICATE },
	{ "PRIVATE KEY",		TS_KIND_PRIVATE_KEY },
	{ "RSA PRIVATE KEY",		TS_KIND_PRIVATE_KEY },
	{ "EC PRIVATE KEY",		TS_KIND_PRIVATE_KEY },
	{ "DSA PRIVATE KEY",		TS_KIND_PRIVATE_KEY },
	{ "OPENSSH PRIVATE KEY",	TS_KIND_PRIVATE_KEY },
	{ "ANY PRIVATE KEY",		TS_KIND_PRIVATE_KEY },
	{ "ENCRYPTED PRIVATE KEY",	TS_KIND_ENCRYPTED_PRIVATE_KEY },
	{ "PUBLIC KEY",			TS_KIND_PUBLIC_KEY },
	{ "RSA PUBLIC KEY",		TS_KIND_PUBLIC_KEY },
	{ "SSH2 PUBLIC KEY",		TS_KIND_PUBLIC_KEY },
	{ "CERTIFICATE REQUEST",	TS_KIND_CSR },
	{ "NEW CERTIFICATE REQUEST",	TS_KIND_CSR },
	{ "X509 CRL",			TS_KIND_CRL },
	{ "PKCS7",			TS_KIND_PKCS7 },
	{ "CMS",			TS_KIND_PKCS7 },
	{ "PKCS12",			TS_KIND_PKCS12 },
};

/* One PEM block as found in the text. */
struct ts_pem {
	const char	*label;		/* points into the input */
	size_t		 labellen;
	const char	*body;		/* lines between BEGIN and END */
	size_t		 bodylen;
	int		 headers;	/* RFC 1421 headers (Proc-Type ...) */
	int		 encrypted;
	int		 complete;	/* an END line was found */
};

static const char pem_begin[] = "-----BEGIN ";
static const char pem_end[] = "-----END ";
static const char pem_dashes[] = "-----";

static size_t
ts_linelen(const char *p, const char *end, const char **next)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	size_t n = (nl != NULL ? nl : end) - p;

	*next = nl != NULL ? nl + 1 : end;
	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' ||
	    p[n - 1] == '\t'))
		n--;
	return n;
}

static int
ts_starts(const char *p, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(p, prefix, k) == 0;
}

/*
 * Find the next "-----BEGIN X-----" line at or after *pos and its block.
 * Returns 1 with *blk filled, 0 at the end, -1 on binary data outside
 * blocks.  *pos moves past the block.
 */
static int
ts_pem_next(const char **pos, const char *end, struct ts_pem *blk)
{
	const char *p = *pos, *next, *line;
	size_t n;

	memset(blk, 0, sizeof(*blk));
	while (p < end) {
		line = p;
		n = ts_linelen(p, end, &next);
		p = next;
		if (!ts_starts(line, n, pem_begin)) {
			/* Comments and bundle headers are ignored, whatever
			 * their charset, as OpenSSL ignores them; a NUL byte
			 * means this is no text file at all. */
			if (memchr(line, '\0', n) != NULL)
				return -1;
			continue;
		}
		if (n < sizeof(pem_begin) - 1 + 5 ||
		    memcmp(line + n - 5, pem_dashes, 5) != 0)
			continue;
		blk->label = line + sizeof(pem_begin) - 1;
		blk->labellen = n - (sizeof(pem_begin) - 1) - 5;
		blk->body = p;
		while (p < end) {
			line = p;
			n = ts_linelen(p, end, &next);
			p = next;
			if (ts_starts(line, n, pem_end)) {
				blk->complete =
				    n == sizeof(pem_end) - 1 + blk->labellen + 5 &&
				    memcmp(line + sizeof(pem_end) - 1,
				    blk->label, blk->labellen) == 0 &&
				    memcmp(line + n - 5, pem_dashes, 5) == 0;
				break;
			}
			blk->bodylen = (size_t)(next - blk->body);
			if (memchr(line, ':', n) != NULL) {
				blk->headers = 1;
				if (ts_starts(line, n, "Proc-Type:") &&
				    memmem(line, n, "ENCRYPTED", 9) != NULL)
					blk->encrypted = 1;
			}
		}
		*pos = p;
		return 1;
	}
	*pos = p;
	return 0;
}

static enum ts_kind
ts_label_kind(const struct ts_pem *blk)
{
	size_t i;

	for (i = 0; i < sizeof(ts_labels) / sizeof(ts_labels[0]); i++)
		if (strlen(ts_labels[i].label) == blk->labellen &&
		    memcmp(ts_labels[i].label, blk->label,
		    blk->labellen) == 0) {
			if (ts_labels[i].kind == TS_KIND_PRIVATE_KEY &&
			    blk->encrypted)
				return TS_KIND_ENCRYPTED_PRIVATE_KEY;
			return ts_labels[i].kind;
		}
	return TS_KIND_UNKNOWN;
}

int
ts_is_pem(const unsigned char *buf, size_t len)
{
	return memmem(buf, len, pem_begin, sizeof(pem_begin) - 1) != NULL;
}

/* What a byte is to ts_base64(): its 6-bit value, or one of these. */
#define B64_SPACE	64
#define B64_PAD		65
#define B64_BAD		66

/* A table, as a bundle of a few hundred certificates is mostly base64:
 * a chain of comparisons per character cost more than the rest of an
 * import's local work.  Indexed by byte: A-Z a-z 0-9 + / are 0-63. */
static const unsigned char b64_class[256] = {
	66, 66, 66, 66, 66, 66, 66, 66, 66, 64, 64, 66, 66, 64, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	64, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 62, 66, 66, 66, 63,
	52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 66, 66, 66, 65, 66, 66,
	66,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14,
	15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 66, 66, 66, 66, 66,
	66, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
	41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
	66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66, 66,
};

/* Strict base64 of a PEM body: whitespace between characters, padding only
 * at the end.  Returns a malloc()ed buffer or NULL. */
static unsigned char *
ts_base64(const char *s, size_t n, size_t *outlen)
{
	unsigned char *out, *o;
	unsigned int acc = 0;
	size_t i, bits = 0, pad = 0;
	int ok = 0;

	if ((out = o = malloc(n / 4 * 3 + 3)) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned int v = b64_class[(unsigned char)s[i]];

		/* Four characters, three bytes at a time: a PEM line is
		 * sixteen such quanta.  Values of 64 and up have bit 6 set. */
		if (bits == 0 && pad == 0 && n - i >= 4) {
			unsigned int b = b64_class[(unsigned char)s[i + 1]];
			unsigned int c = b64_class[(unsigned char)s[i + 2]];
			unsigned int d = b64_class[(unsigned char)s[i + 3]];

			if ((v | b | c | d) < 64) {
				*o++ = (unsigned char)(v << 2 | b >> 4);
				*o++ = (unsigned char)(b << 4 | c >> 2);
				*o++ = (unsigned char)(c << 6 | d);
				i += 3;
				continue;
			}
		}
		if (v < 64 && pad == 0) {
			acc = (acc << 6) | v;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				*o++ = (unsigned char)(acc >> bits);
				acc &= (1U << bits) - 1;
			}
		} else if (v == B64_PAD)
			pad++;
		else if (v != B64_SPACE)
			goto done;	/* a stray byte, or data after '=' */
	}
	/* Leftover bits must be zero padding and match the '=' count. */
	if (pad > 2 || acc != 0 || (bits == 0 && pad != 0) ||
	    (bits == 2 && pad != 1) || (bits == 4 && pad != 2) || bits == 6)
		goto done;
	*outlen = (size_t)(o - out);
	ok = 1;
 done:
	if (!ok) {
		free(out);
		out = NULL;
	}
	return out;
}

struct ts_list {
	struct ts_blob	*v;
	size_t		 n, cap;
};

static int
ts_push(struct ts_list *l, const unsigned char *der, size_t len)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		struct ts_blob *v = realloc(l->v, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if ((l->v[l->n].data = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(l->v[l->n].data, der, len);
	l->v[l->n].len = len;
	l->n++;
	return 0;
}

static void
ts_msg(char *msg, size_t msglen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ts_msg(char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || msglen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, msglen, fmt, ap);
	va_end(ap);
}

/* The certificates of a PKCS#7 SignedData; its CRLs are ignored. */
static int
ts_pkcs7(const unsigned char *der, size_t len, struct ts_list *l,
    char *msg, size_t msglen)
{
	const unsigned char *p = der;
	PKCS7 *p7;
	STACK_OF(X509) *certs = NULL;
	int i, rc = -1;

	if (len > LONG_MAX || (p7 = d2i_PKCS7(NULL, &p, (long)len)) == NULL) {
		ts_msg(msg, msglen, "PKCS#7 data cannot be decoded: %s",
		    ts_openssl_reason());
		return -1;
	}
	if ((size_t)(p - der) != len) {
		ts_msg(msg, msglen, "the PKCS#7 data is followed by %zu "
		    "unexpected bytes", len - (size_t)(p - der));
		goto done;
	}
	if (PKCS7_type_is_signed(p7) && p7->d.sign != NULL)
		certs = p7->d.sign->cert;
	if (sk_X509_num(certs) <= 0) {
		ts_msg(msg, msglen, "the PKCS#7 data holds no certificate");
		goto done;
	}
	for (i = 0; i < sk_X509_num(certs); i++) {
		unsigned char *out = NULL;
		int n = i2d_X509(sk_X509_value(certs, i), &out);

		if (n <= 0 || ts_push(l, out, (size_t)n) == -1) {
			OPENSSL_free(out);
			ts_msg(msg, msglen, "out of memory");
			goto done;
		}
		OPENSSL_free(out);
	}
	rc = 0;
 done:
	PKCS7_free(p7);
	ERR_clear_error();
	return rc;
}

/*
 * DER certificates one after another, as `cat a.der b.der` joins them:
 * split at the end of each, as a PEM bundle is split at its blocks.  The
 * first is taken whatever it holds (the parser says what is wrong with a
 * broken one), and all of the input when its length cannot be read or is
 * BER's indefinite one.  What follows a certificate and is none is
 * refused, naming where it starts: sent on, it would be fingerprinted as
 * part of the certificate and refused by the server with no word of why.
 */
static int
ts_der_split(const unsigned char *der, size_t len, struct ts_list *l,
    char *msg, size_t msglen)
{
	const unsigned char *p = der, *end = der + len;
	struct ts_tlv t;

	while (p < end) {
		if (ts_tlv(p, end, &t) == -1 || (p > der &&
		    (t.tag != T_SEQUENCE ||
		    !ts_der_is_cert(p, (size_t)(t.next - p))))) {
			if (p > der) {
				ts_msg(msg, msglen, "%zu unexpected byte%s "
				    "after the DER certificate%s (at byte "
				    "offset %zu)", (size_t)(end - p),
				    end - p == 1 ? "" : "s",
				    l->n > 1 ? "s" : "", (size_t)(p - der));
				return -1;
			}
			t.next = end;
		}
		if (ts_push(l, p, (size_t)(t.next - p)) == -1) {
			ts_msg(msg, msglen, "out of memory");
			return -1;
		}
		p = t.next;
	}
	return 0;
}

/* Show a PEM label in a message only if it is short plain text. */
static void
ts_label_text(const struct ts_pem *blk, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < blk->labellen; i++)
		if (blk->label[i] < 0x20 || blk->label[i] > 0x7e)
			break;
	if (i < blk->labellen || blk->labellen > 40)
		snprintf(out, outlen, "an unknown type");
	else
		snprintf(out, outlen, "type \"%.*s\"", (int)blk->labellen,
		    blk->label);
}

static int
ts_decode_pem(const char *text, size_t len, struct ts_list *l,
    enum ts_kind *found, char *msg, size_t msglen)
{
	const char *pos = text, *end = text + len;
	struct ts_pem blk;
	unsigned char *der;
	size_t derlen, nblk = 0;
	char what[64];
	int r;

	while ((r = ts_pem_next(&pos, end, &blk)) == 1) {
		enum ts_kind k = ts_label_kind(&blk);

		nblk++;
		if (k != TS_KIND_CERTIFICATE && k != TS_KIND_PKCS7) {
			*found = k;
			if (k == TS_KIND_UNKNOWN) {
				ts_label_text(&blk, what, sizeof(what));
				ts_msg(msg, msglen, "PEM block %zu is of %s, "
				    "not CERTIFICATE", nblk, what);
			} else
				ts_msg(msg, msglen, "PEM block %zu holds %s, "
				    "not a certificate", nblk, ts_kind_name(k));
			return -1;
		}
		if (!blk.complete) {
			ts_msg(msg, msglen, "PEM block %zu has no matching "
			    "END line", nblk);
			return -1;
		}
		if (blk.headers) {
			ts_msg(msg, msglen, "PEM block %zu has headers; a "
			    "certificate block has none", nblk);
			return -1;
		}
		if ((der = ts_base64(blk.body, blk.bodylen, &derlen)) == NULL) {
			ts_msg(msg, msglen, "PEM block %zu is not valid base64",
			    nblk);
			return -1;
		}
		if (derlen == 0) {
			free(der);
			ts_msg(msg, msglen, "PEM block %zu is empty", nblk);
			return -1;
		}
		if (k == TS_KIND_PKCS7) {
			r = ts_pkcs7(der, derlen, l, msg, msglen);
		} else {
			struct ts_tlv t, aux;
			int why;
			size_t certlen = derlen, used = derlen;
			int trusted = blk.labellen == 19 && memcmp(blk.label,
			    "TRUSTED CERTIFICATE", 19) == 0;

			/*
			 * Where the certificate ends.  TRUSTED CERTIFICATE
			 * adds OpenSSL's trust settings (one SEQUENCE): the
			 * certificate is kept.  Anything else after it is
			 * refused: OpenSSL would not take it for part of
			 * the certificate either.  A length that cannot be
			 * read leaves it all to the parser to name.
			 */
			if (ts_tlv(der, der + derlen, &t) == 0) {
				certlen = used = (size_t)(t.next - der);
				/* the settings, not a second certificate */
				if (trusted && used < derlen &&
				    ts_tlv(t.next, der + derlen, &aux) == 0 &&
				    aux.tag == T_SEQUENCE &&
				    !ts_der_is_cert(t.next,
				    (size_t)(aux.next - t.next)))
					used = (size_t)(aux.next - der);
			}
			if (used < derlen && used == certlen &&
			    ts_tlv(der + used, der + derlen, &aux) == 0 &&
			    aux.next == der + derlen &&
			    ts_der_is_cert(der + used, derlen - used)) {
				ts_msg(msg, msglen, "PEM block %zu holds a "
				    "second certificate after its first (at "
				    "byte offset %zu of its data): a bundle "
				    "gives each its own block", nblk, used);
				free(der);
				return -1;
			}
			if (used < derlen) {
				ts_msg(msg, msglen, "PEM block %zu has %zu "
				    "unexpected byte%s after its certificate%s "
				    "(at byte offset %zu of its data)", nblk,
				    derlen - used, derlen - used == 1 ? "" : "s",
				    used > certlen ? "'s trust settings" : "",
				    used);
				free(der);
				return -1;
			}
			if (trusted && (why = ts_aux_refused(der + certlen,
			    der + derlen)) != 0) {
				free(der);
				ts_msg(msg, msglen, "PEM block %zu is a TRUSTED "
				    "CERTIFICATE %s: the store would trust it "
				    "for every use; give the certificate without "
				    "them", nblk, why == 1 ? "whose trust settings "
				    "reject some uses" : "trusted only for uses "
				    "other than TLS by its trust settings");
				return -1;
			}
			r = ts_push(l, der, certlen);
			if (r == -1)
				ts_msg(msg, msglen, "out of memory");
		}
		free(der);
		if (r == -1)
			return -1;
	}
	if (r == -1) {
		ts_msg(msg, msglen, "binary data (a NUL byte) outside the "
		    "PEM blocks");
		return -1;
	}
	if (l->n == 0) {
		ts_msg(msg, msglen, "no PEM CERTIFICATE block found");
		return -1;
	}
	return 0;
}

int
ts_decode_certs(const void *buf, size_t len, struct ts_blob **certs,
    size_t *ncerts, enum ts_kind *found, char *msg, size_t msglen)
{
	const unsigned char *p = buf;
	struct ts_list l = { NULL, 0, 0 };
	enum ts_kind k = TS_KIND_UNKNOWN, dummy;
	int rc = -1;

	if (found == NULL)
		found = &dummy;
	*found = TS_KIND_UNKNOWN;
	*certs = NULL;
	*ncerts = 0;
	ts_msg(msg, msglen, "%s", "");
	if (len == 0) {
		ts_msg(msg, msglen, "empty input");
		return -1;
	}
	if (ts_is_pem(p, len)) {
		if (ts_decode_pem(buf, len, &l, found, msg, msglen) == -1)
			goto done;
		*found = TS_KIND_CERTIFICATE;
		rc = 0;
		goto done;
	}
	if (p[0] != T_SEQUENCE) {
		ts_msg(msg, msglen, "neither PEM text nor DER data");
		goto done;
	}
	k = ts_identify(p, len);
	if (k == TS_KIND_PKCS7 || (k == TS_KIND_UNKNOWN && len > 1 &&
	    p[1] == 0x80)) {
		if (ts_pkcs7(p, len, &l, msg, msglen) == -1)
			goto done;
	} else if (k == TS_KIND_CERTIFICATE || k == TS_KIND_UNKNOWN) {
		if (ts_der_split(p, len, &l, msg, msglen) == -1)
			goto done;
		k = TS_KIND_CERTIFICATE;
	} else {
		*found = k;
		ts_msg(msg, msglen, "input holds %s, not a certificate",
		    ts_kind_name(k));
		goto done;
	}
	*found = k;
	rc = 0;
 done:
	if (rc == -1) {
		ts_blobs_free(l.v, l.n);
	} else {
		*certs = l.v;
		*ncerts = l.n;
	}
	return rc;
}

void
ts_blobs_free(struct ts_blob *blobs, size_t n)
{
	size_t i;

	if (blobs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(blobs[i].data);
	free(blobs);
}

enum ts_kind
ts_identify(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	const char *pos = buf;
	struct ts_pem blk;

	if (len == 0)
		return TS_KIND_UNKNOWN;
	if (ts_is_pem(p, len)) {
		if (ts_pem_next(&pos, pos + len, &blk) == 1)
			return ts_label_kind(&blk);
		return TS_KIND_UNKNOWN;
	}
	if (ts_der_is_cert(p, len))
		return TS_KIND_CERTIFICATE;
	/* OpenSSH one-line public keys */
	if ((len > 8 && memcmp(p, "ssh-rsa ", 8) == 0) ||
	    (len > 12 && memcmp(p, "ssh-ed25519 ", 12) == 0) ||
	    (len > 11 && memcmp(p, "ecdsa-sha2-", 11) == 0))
		return TS_KIND_PUBLIC_KEY;
	return ts_der_shape(p, len);
}

const char *
ts_kind_name(enum ts_kind kind)
{
	switch (kind) {
	case TS_KIND_CERTIFICATE:
		return "a certificate";
	case TS_KIND_PRIVATE_KEY:
		return "a private key";
	case TS_KIND_ENCRYPTED_PRIVATE_KEY:
		return "an encrypted private key";
	case TS_KIND_PUBLIC_KEY:
		return "a public key";
	case TS_KIND_CSR:
		return "a certificate signing request (CSR)";
	case TS_KIND_CRL:
		return "a certificate revocation list (CRL)";
	case TS_KIND_PKCS7:
		return "a PKCS#7 bundle";
	case TS_KIND_PKCS12:
		return "a PKCS#12 archive";
	default:
		return "unrecognised data";
	}
}

char *
ts_pem_encode(const void *der, size_t len, size_t *outlen)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	static const char head[] = "-----BEGIN CERTIFICATE-----\n";
	static const char tail[] = "-----END CERTIFICATE-----\n";
	const unsigned char *p = der;
	size_t n64 = (len + 2) / 3 * 4, cap, i, col = 0;
	char *out, *o;

	cap = sizeof(head) + n64 + n64 / 64 + 2 + sizeof(tail);
	if ((out = o = malloc(cap)) == NULL)
		return NULL;
	memcpy(o, head, sizeof(head) - 1);
	o += sizeof(head) - 1;
	for (i = 0; i < len; i += 3) {
		unsigned int v = (unsigned int)p[i] << 16;

		if (i + 1 < len)
			v |= (unsigned int)p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64[(v >> 18) & 63];
		*o++ = b64[(v >> 12) & 63];
		*o++ = i + 1 < len ? b64[(v >> 6) & 63] : '=';
		*o++ = i + 2 < len ? b64[v & 63] : '=';
		if ((col += 4) == 64) {
			*o++ = '\n';
			col = 0;
		}
	}
	if (col > 0)
		*o++ = '\n';
	memcpy(o, tail, sizeof(tail));
	o += sizeof(tail) - 1;
	if (outlen != NULL)
		*outlen = (size_t)(o - out);
	return out;
}
