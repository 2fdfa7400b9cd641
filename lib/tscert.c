/* tscert.c - parse one DER certificate into facts without decoding its key */
/*
 * Why not d2i_X509: on OpenSSL 3 it hands the SubjectPublicKeyInfo to the
 * provider decoders, which costs ~140 us per certificate, more than a whole
 * slapd add.  The templates below mirror RFC 5280's Certificate with the
 * key left as {AlgorithmIdentifier, BIT STRING}; every other part uses the
 * very ASN.1 items d2i_X509 uses (X509_NAME, X509_ALGOR, X509_VAL,
 * X509_EXTENSION, ASN1_INTEGER), so what is accepted is what d2i_X509
 * accepts.  The key is then checked the way OpenSSL's decoders check it
 * (RSAPublicKey SEQUENCE, EC point on a named curve, EdDSA key length),
 * cheaply.  Other key types (DSA, RSA-PSS, explicit EC parameters, unknown
 * OIDs) take the slow road through d2i_X509; they are rare.
 *
 * Where we are stricter than d2i_X509 (all checked by the unit tests and
 * the fuzzer against an oracle built on d2i_X509):
 *  - the public key must be decodable (X509_get0_pubkey() != NULL);
 *  - the certificate must not be one OpenSSL flags EXFLAG_INVALID (bad or
 *    duplicate basicConstraints, keyUsage, SAN, AKI/SKI ..., empty keyUsage,
 *    negative pathLen);
 *  - the encoding is DER (ts_der_strict below);
 *  - version is 1, 2 or 3; both validity times are well formed;
 *  - no extension OID appears twice (RFC 5280 4.2) and every extension
 *    OpenSSL knows decodes;
 *  - names print as UTF-8 without NUL, SAN DNS/email/URI are printable
 *    ASCII and SAN IP addresses are 4 or 16 bytes.
 *
 * Even these templates cost about twice a slapd add, so ts_cert_parse()
 * first offers the certificate to tsfast.c, a strict DER walk for the
 * common shapes that fills the handle exactly as this file would.  What
 * it does not fully understand it hands back, and everything here runs
 * unchanged: this is the reference, the fallback, and the source of
 * every refusal.  TS_CERT_SLOW=1 in the environment skips the walk.
 */
#include <arpa/inet.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tscert.h"
#include "tsint.h"

typedef struct {
	X509_ALGOR	*alg;
	ASN1_BIT_STRING	*key;
} TS_SPKI;

typedef struct {
	ASN1_INTEGER	*version;
	ASN1_INTEGER	*serial;
	X509_ALGOR	*sigalg;
	X509_NAME	*issuer;
	X509_VAL	*validity;
	X509_NAME	*subject;
	TS_SPKI		*spki;
	ASN1_BIT_STRING	*issuer_uid;
	ASN1_BIT_STRING	*subject_uid;
	STACK_OF(X509_EXTENSION) *exts;
} TS_TBS;

typedef struct {
	TS_TBS		*tbs;
	X509_ALGOR	*sigalg;
	ASN1_BIT_STRING	*sig;
} TS_X509;

/* RSAPublicKey with the same BIGNUM item OpenSSL's RSA template uses. */
typedef struct {
	BIGNUM		*n;
	BIGNUM		*e;
} TS_RSAPUB;

ASN1_SEQUENCE(TS_SPKI) = {
	ASN1_SIMPLE(TS_SPKI, alg, X509_ALGOR),
	ASN1_SIMPLE(TS_SPKI, key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(TS_SPKI)

ASN1_SEQUENCE(TS_TBS) = {
	ASN1_EXP_OPT(TS_TBS, version, ASN1_INTEGER, 0),
	ASN1_SIMPLE(TS_TBS, serial, ASN1_INTEGER),
	ASN1_SIMPLE(TS_TBS, sigalg, X509_ALGOR),
	ASN1_SIMPLE(TS_TBS, issuer, X509_NAME),
	ASN1_SIMPLE(TS_TBS, validity, X509_VAL),
	ASN1_SIMPLE(TS_TBS, subject, X509_NAME),
	ASN1_SIMPLE(TS_TBS, spki, TS_SPKI),
	ASN1_IMP_OPT(TS_TBS, issuer_uid, ASN1_BIT_STRING, 1),
	ASN1_IMP_OPT(TS_TBS, subject_uid, ASN1_BIT_STRING, 2),
	ASN1_EXP_SEQUENCE_OF_OPT(TS_TBS, exts, X509_EXTENSION, 3)
} static_ASN1_SEQUENCE_END(TS_TBS)

ASN1_SEQUENCE(TS_X509) = {
	ASN1_SIMPLE(TS_X509, tbs, TS_TBS),
	ASN1_SIMPLE(TS_X509, sigalg, X509_ALGOR),
	ASN1_SIMPLE(TS_X509, sig, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(TS_X509)

ASN1_SEQUENCE(TS_RSAPUB) = {
	ASN1_SIMPLE(TS_RSAPUB, n, BIGNUM),
	ASN1_SIMPLE(TS_RSAPUB, e, BIGNUM)
} static_ASN1_SEQUENCE_END(TS_RSAPUB)

/*
 * State shared by all handles and threads, built once: fetched digests
 * (an implicit fetch per call would take a lock each time) and the groups
 * of the named curves we check points on without an EVP_PKEY.
 */
static const int ts_curve_nid[] = {
	NID_X9_62_prime256v1, NID_secp384r1, NID_secp521r1, NID_secp256k1,
	NID_brainpoolP256r1, NID_brainpoolP384r1, NID_brainpoolP512r1
};
#define TS_NCURVES	(sizeof(ts_curve_nid) / sizeof(ts_curve_nid[0]))
static EC_GROUP *ts_curve[TS_NCURVES];
static EVP_MD *ts_md_sha1, *ts_md_sha256;
static int ts_ed25519_bits = 256, ts_ed448_bits = 456;
static CRYPTO_ONCE ts_once = CRYPTO_ONCE_STATIC_INIT;
static int ts_ready;
static int ts_env_slow;

static int
ts_eddsa_bits(int type, size_t len, int dflt)
{
	static const unsigned char zero[57];
	EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(type, NULL, zero, len);
	int bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;

	EVP_PKEY_free(pk);
	ERR_clear_error();
	return bits > 0 ? bits : dflt;
}

static void
ts_global_init(void)
{
	size_t i;

	ts_md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	ts_md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	/* A curve missing from this OpenSSL merely sends keys on it down the
	 * slow path. */
	for (i = 0; i < TS_NCURVES; i++)
		ts_curve[i] = EC_GROUP_new_by_curve_name(ts_curve_nid[i]);
	/* EdDSA "bits" differ between OpenSSL releases (256 in 3.0, 253
	 * later): ask this one, as EVP_PKEY_get_bits would answer. */
	ts_ed25519_bits = ts_eddsa_bits(EVP_PKEY_ED25519, 32, 256);
	ts_ed448_bits = ts_eddsa_bits(EVP_PKEY_ED448, 57, 456);
	ts_ready = ts_md_sha1 != NULL && ts_md_sha256 != NULL;
	/* An administrator's way back to the reference parser, should the
	 * fast path ever be suspected: no rebuild needed. */
	ts_env_slow = getenv("TS_CERT_SLOW") != NULL &&
	    strcmp(getenv("TS_CERT_SLOW"), "1") == 0;
	ts_fast_init();
}

/* What parse learns before it writes facts. */
struct ts_work {
	TS_X509		*x;
	X509		*slow;		/* only for keys we cannot check */
	BIO		*bio;
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING	*ku;
	EXTENDED_KEY_USAGE *eku;
	GENERAL_NAMES	*san;
	ASN1_OCTET_STRING *ski;
	AUTHORITY_KEYID	*aki;
	int		 spki_nid;
	int		 version;
};

static const char hexlc[] = "0123456789abcdef";
static const char hexuc[] = "0123456789ABCDEF";

static int
ts_fail(struct ts_cert *c, enum ts_reason r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
ts_fail(struct ts_cert *c, enum ts_reason r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	c->reason = r;
	return -1;
}

struct ts_cert *
ts_cert_new(void)
{
	return calloc(1, sizeof(struct ts_cert));
}

static void
ts_cert_reset(struct ts_cert *c)
{
	free(c->der);
	c->der = NULL;
	c->derlen = 0;
	c->ok = 0;
	c->reason = TS_OK;
	c->kind = TS_KIND_UNKNOWN;
	c->error[0] = '\0';
	c->nfacts = 0;
	c->strused = 0;
	c->subject_off = 0;
	c->not_before = c->not_after = 0;
	c->subject_hash[0] = c->sha256[0] = '\0';
	c->keytype = TS_KEY_OTHER;
	c->keybits = 0;
	c->is_ca = c->self_signed = 0;
	c->weak = NULL;
	c->took_fast = 0;
}

void
ts_cert_free(struct ts_cert *c)
{
	if (c == NULL)
		return;
	ts_cert_reset(c);
	free(c->facts);
	free(c->offs);
	free(c->str);
	EVP_MD_CTX_free(c->md_sha256);
	EVP_MD_CTX_free(c->md_sha1);
	free(c);
}

char *
ts_str_room(struct ts_cert *c, size_t n)
{
	size_t need = c->strused + n + 1;

	if (need < n)
		return NULL;
	if (need > c->strcap) {
		size_t cap = c->strcap ? c->strcap : 1024;
		char *p;

		while (cap < need)
			cap *= 2;
		if ((p = realloc(c->str, cap)) == NULL)
			return NULL;
		c->str = p;
		c->strcap = cap;
	}
	return c->str + c->strused;
}

size_t
ts_str_claim(struct ts_cert *c, size_t len)
{
	size_t off = c->strused;

	c->str[off + len] = '\0';
	c->strused += len + 1;
	return off;
}

/* Append bytes to the string buffer, NUL-terminated; *off is where. */
int
ts_str(struct ts_cert *c, const char *s, size_t len, size_t *off)
{
	char *p;

	if ((p = ts_str_room(c, len)) == NULL)
		return -1;
	/* An empty name comes from an empty BIO as NULL: no memcpy(NULL). */
	if (len > 0)
		memcpy(p, s, len);
	*off = ts_str_claim(c, len);
	return 0;
}

/* A fact whose value is already in the string buffer at off. */
int
ts_add_off(struct ts_cert *c, const char *name, size_t off, size_t len)
{
	if (c->nfacts == c->capfacts) {
		size_t cap = c->capfacts ? c->capfacts * 2 : 32;
		struct ts_fact *f;
		size_t *o;

		if ((f = realloc(c->facts, cap * sizeof(*f))) == NULL)
			return -1;
		c->facts = f;
		if ((o = realloc(c->offs, cap * sizeof(*o))) == NULL)
			return -1;
		c->offs = o;
		c->capfacts = cap;
	}
	c->facts[c->nfacts].name = name;
	c->facts[c->nfacts].len = len;
	c->offs[c->nfacts] = off;
	c->nfacts++;
	return 0;
}

int
ts_add(struct ts_cert *c, const char *name, const char *val, size_t len)
{
	size_t off;

	if (ts_str(c, val, len, &off) == -1)
		return -1;
	return ts_add_off(c, name, off, len);
}

int
ts_adds(struct ts_cert *c, const char *name, const char *val)
{
	return ts_add(c, name, val, strlen(val));
}

int
ts_add_hex(struct ts_cert *c, const char *name, const unsigned char *p,
    size_t n)
{
	char buf[2 * 64 + 1], *big = NULL, *out = buf;
	size_t i;
	int rc;

	if (n > 64 && (out = big = malloc(2 * n + 1)) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		out[2 * i] = hexlc[p[i] >> 4];
		out[2 * i + 1] = hexlc[p[i] & 15];
	}
	rc = ts_add(c, name, out, 2 * n);
	free(big);
	return rc;
}

/* Without providers where this OpenSSL can (tsdigest.c); else one
 * context per algorithm kept in the handle: a one-shot EVP_Digest
 * allocates and frees a context every time. */
int
ts_digest(struct ts_cert *c, int sha256, const void *data, size_t len,
    unsigned char *md, unsigned int *mdlen)
{
	EVP_MD_CTX **ctx;

	if (ts_sha_raw(sha256, data, len, md, mdlen) == 0)
		return 0;
	if (c == NULL)
		return EVP_Digest(data, len, md, mdlen, sha256 ? ts_md_sha256 :
		    ts_md_sha1, NULL) ? 0 : -1;
	ctx = sha256 ? &c->md_sha256 : &c->md_sha1;
	if (*ctx == NULL && (*ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (!EVP_DigestInit_ex2(*ctx, sha256 ? ts_md_sha256 : ts_md_sha1,
	    NULL) || !EVP_DigestUpdate(*ctx, data, len) ||
	    !EVP_DigestFinal_ex(*ctx, md, mdlen)) {
		ERR_clear_error();
		return -1;
	}
	return 0;
}

int
ts_fingerprints(struct ts_cert *c, const unsigned char *der, size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;

	if (ts_digest(c, 1, der, len, md, &mdlen) == -1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++) {
		c->sha256[2 * i] = hexlc[md[i] >> 4];
		c->sha256[2 * i + 1] = hexlc[md[i] & 15];
	}
	c->sha256[64] = '\0';
	if (ts_add(c, "tsFingerprintSHA256", c->sha256, 64))
		return -1;
	if (c->stored_only)
		return 0;
	if (ts_digest(c, 0, der, len, md, &mdlen) == -1)
		return -1;
	return ts_add_hex(c, "tsFingerprintSHA1", md, mdlen);
}

int
ts_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned int c = s[i], v, min;
		size_t n, k;

		if (c == 0)
			return 0;
		if (c < 0x80) {
			i++;
			continue;
		} else if ((c & 0xe0) == 0xc0) {
			n = 1; v = c & 0x1f; min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2; v = c & 0x0f; min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3; v = c & 0x07; min = 0x10000;
		} else
			return 0;
		if (len - i <= n)
			return 0;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			v = (v << 6) | (s[i + k] & 0x3f);
		}
		if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
}

const char *
ts_openssl_reason(void)
{
	unsigned long e = ERR_peek_error();
	const char *r;

	ERR_clear_error();
	if (e == 0)
		return "malformed";
	/* "too long" is how OpenSSL says a length runs past the end. */
	if (ERR_GET_LIB(e) == ERR_LIB_ASN1 &&
	    (ERR_GET_REASON(e) == ASN1_R_TOO_LONG ||
	    ERR_GET_REASON(e) == ASN1_R_HEADER_TOO_LONG))
		return "truncated (a length runs past the end of the data)";
	r = ERR_reason_error_string(e);
	return r != NULL ? r : "malformed";
}

int
ts_der_is_cert(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	TS_X509 *x;

	if (len > LONG_MAX)
		return 0;
	x = (TS_X509 *)ASN1_item_d2i(NULL, &p, (long)len,
	    ASN1_ITEM_rptr(TS_X509));
	ERR_clear_error();
	if (x == NULL)
		return 0;
	ASN1_item_free((ASN1_VALUE *)x, ASN1_ITEM_rptr(TS_X509));
	return 1;
}

/*
 * RFC 5280 4.1.2.5: YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ, nothing else.
 * OpenSSL also reads fractions of seconds and offsets; GnuTLS refuses
 * the certificate, and a PEM bundle that holds it.
 */
static int
ts_time_form(const ASN1_TIME *t)
{
	int n, i;

	n = t->type == V_ASN1_UTCTIME ? 13 :
	    t->type == V_ASN1_GENERALIZEDTIME ? 15 : -1;
	if (t->length != n || t->data[n - 1] != 'Z')
		return -1;
	for (i = 0; i < n - 1; i++)
		if (t->data[i] < '0' || t->data[i] > '9')
			return -1;
	return 0;
}

static int
ts_time(const ASN1_TIME *t, int64_t *secs, char gen[16])
{
	struct tm tm;
	char buf[64];

	if (!ASN1_TIME_to_tm(t, &tm) || tm.tm_year < -1900 ||
	    tm.tm_year > 9999 - 1900)
		return -1;
	snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec);
	if (strlen(buf) != 15)
		return -1;
	memcpy(gen, buf, 16);
	return ts_gentime_parse(gen, 15, secs);
}

/* The OID as `openssl x509 -text` shows it: long name, else dotted. */
static int
ts_oid_text(const ASN1_OBJECT *o, char *buf, size_t len)
{
	int n = OBJ_obj2txt(buf, (int)len, o, 0);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

int
ts_ec_point(int curve_nid, const unsigned char *p, size_t n, int *bits)
{
	EC_POINT *pt;
	size_t i;
	int ok;

	for (i = 0; i < TS_NCURVES; i++)
		if (ts_curve_nid[i] == curve_nid && ts_curve[i] != NULL)
			break;
	if (i == TS_NCURVES || (pt = EC_POINT_new(ts_curve[i])) == NULL)
		return 1;
	ok = EC_POINT_oct2point(ts_curve[i], pt, p, n, NULL);
	EC_POINT_free(pt);
	if (!ok) {
		ERR_clear_error();
		return -1;
	}
	*bits = EC_GROUP_order_bits(ts_curve[i]);
	return 0;
}

int
ts_eddsa_key_bits(int ed25519)
{
	return ed25519 ? ts_ed25519_bits : ts_ed448_bits;
}

/*
 * Decide the key type and size.  Returns 0, -1 on refusal, 1 when the
 * key needs the slow path.
 */
static int
ts_key_fast(struct ts_cert *c, struct ts_work *w)
{
	TS_SPKI *spki = w->x->tbs->spki;
	const unsigned char *p = spki->key->data;
	long n = spki->key->length;
	const ASN1_OBJECT *obj;
	const void *pval;
	int ptype;

	X509_ALGOR_get0(&obj, &ptype, &pval, spki->alg);
	w->spki_nid = OBJ_obj2nid(obj);
	switch (w->spki_nid) {
	case NID_rsaEncryption: {
		TS_RSAPUB *rsa;

		rsa = (TS_RSAPUB *)ASN1_item_d2i(NULL, &p, n,
		    ASN1_ITEM_rptr(TS_RSAPUB));
		if (rsa == NULL)
			return ts_fail(c, TS_ERR_SYNTAX,
			    "the RSA public key is malformed: %s",
			    ts_openssl_reason());
		c->keytype = TS_KEY_RSA;
		c->keybits = BN_num_bits(rsa->n);
		ASN1_item_free((ASN1_VALUE *)rsa, ASN1_ITEM_rptr(TS_RSAPUB));
		return 0;
	}
	case NID_X9_62_id_ecPublicKey: {
		int k;

		/* An unknown curve (or no memory for a point) goes the slow
		 * road, which says what is wrong. */
		if (ptype != V_ASN1_OBJECT || (k = ts_ec_point(OBJ_obj2nid(pval),
		    p, (size_t)n, &c->keybits)) == 1)
			return 1;
		if (k == -1)
			return ts_fail(c, TS_ERR_SYNTAX,
			    "the EC public key is not a point on its curve");
		c->keytype = TS_KEY_EC;
		return 0;
	}
	case NID_ED25519:
	case NID_ED448: {
		int ed25519 = w->spki_nid == NID_ED25519;

		/* As OpenSSL's ecx decoder: no parameters, fixed length. */
		if (ptype != V_ASN1_UNDEF)
			return ts_fail(c, TS_ERR_SYNTAX,
			    "the %s key has parameters", ed25519 ?
			    "Ed25519" : "Ed448");
		if (n != (ed25519 ? 32 : 57))
			return ts_fail(c, TS_ERR_SYNTAX,
			    "the %s key is %ld bytes, not %d", ed25519 ?
			    "Ed25519" : "Ed448", n, ed25519 ? 32 : 57);
		c->keytype = ed25519 ? TS_KEY_ED25519 : TS_KEY_ED448;
		c->keybits = ts_eddsa_key_bits(ed25519);
		return 0;
	}
	default:
		return 1;
	}
}

static int
ts_key_slow(struct ts_cert *c, struct ts_work *w, const unsigned char *der,
    size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pk;
	char oid[128];

	if ((w->slow = d2i_X509(NULL, &p, (long)len)) == NULL)
		return ts_fail(c, TS_ERR_SYNTAX,
		    "not a DER X.509 certificate: %s", ts_openssl_reason());
	if ((pk = X509_get0_pubkey(w->slow)) == NULL) {
		ERR_clear_error();
		if (ts_oid_text(w->x->tbs->spki->alg->algorithm, oid,
		    sizeof(oid)) == -1)
			strcpy(oid, "?");
		return ts_fail(c, TS_ERR_SYNTAX,
		    "the public key (%s) cannot be decoded", oid);
	}
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		c->keytype = TS_KEY_RSA;
		break;
	case EVP_PKEY_EC:
	case EVP_PKEY_SM2:
		c->keytype = TS_KEY_EC;
		break;
	case EVP_PKEY_DSA:
		c->keytype = TS_KEY_DSA;
		break;
	case EVP_PKEY_ED25519:
		c->keytype = TS_KEY_ED25519;
		break;
	case EVP_PKEY_ED448:
		c->keytype = TS_KEY_ED448;
		break;
	default:
		c->keytype = TS_KEY_OTHER;
		break;
	}
	c->keybits = EVP_PKEY_get_bits(pk);
	return 0;
}

/* Extensions OpenSSL can decode; those it checks when it caches them
 * (v3_purp.c) make the certificate invalid for OpenSSL too. */
static int
ts_ext_known(int nid)
{
	return X509V3_EXT_get_nid(nid) != NULL;
}

static void
ts_ext_free(int nid, void *v)
{
	const X509V3_EXT_METHOD *m = X509V3_EXT_get_nid(nid);

	if (m->it != NULL)
		ASN1_item_free(v, ASN1_ITEM_ptr(m->it));
	else
		m->ext_free(v);
}

static int
ts_extensions(struct ts_cert *c, struct ts_work *w)
{
	STACK_OF(X509_EXTENSION) *exts = w->x->tbs->exts;
	int i, j, n = sk_X509_EXTENSION_num(exts);
	int has_ian = 0;
	PROXY_CERT_INFO_EXTENSION *pci = NULL;
	char oid[128];
	int rc = -1;

	for (i = 0; i < n; i++) {
		X509_EXTENSION *ex = sk_X509_EXTENSION_value(exts, i);
		ASN1_OBJECT *obj = X509_EXTENSION_get_object(ex);
		int nid = OBJ_obj2nid(obj);
		void *v;

		if (ts_oid_text(obj, oid, sizeof(oid)) == -1)
			strcpy(oid, "?");
		for (j = 0; j < i; j++)
			if (OBJ_cmp(obj, X509_EXTENSION_get_object(
			    sk_X509_EXTENSION_value(exts, j))) == 0) {
				ts_fail(c, TS_ERR_SYNTAX,
				    "the extension %s appears twice", oid);
				goto done;
			}
		if (nid == NID_undef || !ts_ext_known(nid))
			continue;
		if ((v = X509V3_EXT_d2i(ex)) == NULL) {
			ts_fail(c, TS_ERR_SYNTAX,
			    "the %s extension is malformed: %s", oid,
			    ts_openssl_reason());
			goto done;
		}
		switch (nid) {
		case NID_basic_constraints:
			w->bc = v;
			/* A negative pathLen makes OpenSSL reject the chain. */
			if (w->bc->pathlen != NULL &&
			    w->bc->pathlen->type == V_ASN1_NEG_INTEGER) {
				ts_fail(c, TS_ERR_SYNTAX, "the basicConstraints "
				    "extension has a negative pathLenConstraint");
				goto done;
			}
			break;
		case NID_key_usage:
			w->ku = v;
			/* RFC 5280 4.2.1.3: at least one bit, as OpenSSL checks
			 * in the first two bytes. */
			if ((w->ku->length < 1 || w->ku->data[0] == 0) &&
			    (w->ku->length < 2 || w->ku->data[1] == 0)) {
				ts_fail(c, TS_ERR_SYNTAX,
				    "the keyUsage extension has no bit set");
				goto done;
			}
			break;
		case NID_ext_key_usage:
			w->eku = v;
			break;
		case NID_subject_alt_name:
			w->san = v;
			break;
		case NID_subject_key_identifier:
			w->ski = v;
			break;
		case NID_authority_key_identifier:
			w->aki = v;
			break;
		case NID_proxyCertInfo:
			pci = v;
			break;
		case NID_crl_distribution_points: {
			STACK_OF(DIST_POINT) *dps = v;
			int bad = 0;

			for (j = 0; j < sk_DIST_POINT_num(dps); j++) {
				DIST_POINT *dp = sk_DIST_POINT_value(dps, j);

				if (dp->distpoint == NULL &&
				    sk_GENERAL_NAME_num(dp->CRLissuer) <= 0)
					bad = 1;
			}
			sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
			if (bad) {
				ts_fail(c, TS_ERR_SYNTAX, "a CRL distribution "
				    "point has neither a name nor an issuer");
				goto done;
			}
			break;
		}
		default:
			if (nid == NID_issuer_alt_name)
				has_ian = 1;
			ts_ext_free(nid, v);
			break;
		}
	}
	/* The checks OpenSSL makes on proxy certificates (RFC 3820). */
	if (pci != NULL && ((w->bc != NULL && w->bc->ca) || w->san != NULL ||
	    has_ian)) {
		ts_fail(c, TS_ERR_SYNTAX, "a proxy certificate may not be a CA "
		    "nor carry alternative names");
		goto done;
	}
	rc = 0;
 done:
	PROXY_CERT_INFO_EXTENSION_free(pci);
	return rc;
}

/*
 * EVP_PKEY_is_a() on the certificate's key.  For keys we did not decode
 * an empty EVP_PKEY of the same type answers exactly as the decoded key
 * would.
 */
static int
ts_key_is_a(EVP_PKEY *key, int spki_nid, const char *name)
{
	EVP_PKEY *pk;
	int rc;

	if (key != NULL)
		return EVP_PKEY_is_a(key, name);
	if ((pk = EVP_PKEY_new()) == NULL)
		return 0;
	rc = EVP_PKEY_set_type(pk, spki_nid) && EVP_PKEY_is_a(pk, name);
	EVP_PKEY_free(pk);
	ERR_clear_error();
	return rc;
}

int
ts_sig_fits_key(int signid, EVP_PKEY *key, int spki_nid)
{
	int pknid;

	if (!OBJ_find_sigid_algs(signid, NULL, &pknid))
		return 0;
	return ts_key_is_a(key, spki_nid, OBJ_nid2sn(pknid)) ||
	    (ts_key_is_a(key, spki_nid, "RSA") && pknid == NID_rsassaPss);
}

/* The cheap part of OpenSSL's self-signed test (X509_self_signed with no
 * signature check): same names, the AKI does not point elsewhere, and the
 * signature algorithm fits the key type. */
static int
ts_is_self_signed(struct ts_work *w)
{
	TS_TBS *tbs = w->x->tbs;
	int i;

	if (X509_NAME_cmp(tbs->subject, tbs->issuer) != 0)
		return 0;
	if (w->aki != NULL) {
		if (w->aki->keyid != NULL && w->ski != NULL &&
		    ASN1_OCTET_STRING_cmp(w->aki->keyid, w->ski) != 0)
			return 0;
		if (w->aki->serial != NULL &&
		    ASN1_INTEGER_cmp(tbs->serial, w->aki->serial) != 0)
			return 0;
		if (w->aki->issuer != NULL) {
			X509_NAME *nm = NULL;

			for (i = 0; i < sk_GENERAL_NAME_num(w->aki->issuer);
			    i++) {
				GENERAL_NAME *g =
				    sk_GENERAL_NAME_value(w->aki->issuer, i);

				if (g->type == GEN_DIRNAME) {
					nm = g->d.dirn;
					break;
				}
			}
			if (nm != NULL && X509_NAME_cmp(nm, tbs->issuer) != 0)
				return 0;
		}
	}
	return ts_sig_fits_key(OBJ_obj2nid(tbs->sigalg->algorithm),
	    w->slow != NULL ? X509_get0_pubkey(w->slow) : NULL, w->spki_nid);
}

/*
 * RFC 4514 text of a name, exactly as `openssl x509 -nameopt
 * RFC2253,-esc_msb` prints it: UTF-8 stays UTF-8, control characters
 * (NUL included) come out as \XX escapes, so hostile names are shown,
 * not refused.  OpenSSL fails only on strings it cannot convert (invalid
 * UTF-8 in a UTF8String, a BMPString of odd length ...); those we refuse,
 * as we do anything whose output would not be clean UTF-8.
 */
static int
ts_name(struct ts_cert *c, struct ts_work *w, const X509_NAME *nm,
    const char *what, size_t *off, size_t *len)
{
	unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
	char *s;
	long n;

	(void)BIO_reset(w->bio);
	if (X509_NAME_print_ex(w->bio, nm, 0, flags) < 0) {
		ERR_clear_error();
		return ts_fail(c, TS_ERR_NAME, "the %s name holds a string "
		    "that cannot be converted to UTF-8", what);
	}
	n = BIO_get_mem_data(w->bio, &s);
	if (n < 0 || !ts_utf8_valid(s, (size_t)n))
		return ts_fail(c, TS_ERR_NAME,
		    "the %s name does not print as valid UTF-8", what);
	*len = (size_t)n;
	return ts_str(c, s, (size_t)n, off) == -1 ?
	    ts_fail(c, TS_ERR_MEMORY, "out of memory") : 0;
}

/* SAN strings are IA5String: refuse anything but printable ASCII rather
 * than store bytes a directory client would misread. */
static int
ts_ia5(struct ts_cert *c, const char *name, const ASN1_IA5STRING *s,
    const char *what)
{
	int i;

	for (i = 0; i < s->length; i++)
		if (s->data[i] < 0x20 || s->data[i] > 0x7e)
			return ts_fail(c, TS_ERR_NAME, "a subjectAltName %s "
			    "holds a non-printable or non-ASCII byte", what);
	if (s->length == 0)
		return 0;
	return ts_add(c, name, (const char *)s->data, (size_t)s->length);
}

static int
ts_san(struct ts_cert *c, GENERAL_NAMES *san, int type)
{
	int i;

	for (i = 0; i < sk_GENERAL_NAME_num(san); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(san, i);
		char ip[INET6_ADDRSTRLEN];

		if (g->type != type)
			continue;
		switch (type) {
		case GEN_DNS:
			if (ts_ia5(c, "tsDNSName", g->d.dNSName, "dNSName"))
				return -1;
			break;
		case GEN_EMAIL:
			if (ts_ia5(c, "tsEmail", g->d.rfc822Name, "rfc822Name"))
				return -1;
			break;
		case GEN_URI:
			if (ts_ia5(c, "tsURI", g->d.uniformResourceIdentifier,
			    "uniformResourceIdentifier"))
				return -1;
			break;
		case GEN_IPADD:
			if (g->d.iPAddress->length != 4 &&
			    g->d.iPAddress->length != 16)
				return ts_fail(c, TS_ERR_NAME, "a subjectAltName "
				    "iPAddress is %d bytes, neither IPv4 nor "
				    "IPv6", g->d.iPAddress->length);
			/* glibc's inet_ntop writes RFC 5952 text. */
			if (inet_ntop(g->d.iPAddress->length == 4 ? AF_INET :
			    AF_INET6, g->d.iPAddress->data, ip,
			    sizeof(ip)) == NULL)
				return ts_fail(c, TS_ERR_NAME,
				    "unprintable iPAddress");
			if (ts_adds(c, "tsIPAddress", ip))
				return -1;
			break;
		}
	}
	return 0;
}

const char *
ts_weak_digest_name(int mdnid)
{
	switch (mdnid) {
	case NID_md5:
		return "md5";
	case NID_md4:
		return "md4";
	case NID_md2:
		return "md2";
	case NID_sha1:
		return "sha1";
	default:
		return NULL;
	}
}

const char *const ts_ku_names[9] = {
	"digitalSignature", "nonRepudiation", "keyEncipherment",
	"dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign",
	"encipherOnly", "decipherOnly"
};

static int
ts_facts(struct ts_cert *c, struct ts_work *w, const unsigned char *der,
    size_t len)
{
	TS_TBS *tbs = w->x->tbs;
	char buf[256], gen[16];
	const char *bad;
	size_t subj_off, subj_len, iss_off, iss_len;
	int k, ok, rc = -1;
	unsigned long h;
	int64_t t;

	/* Names first: they are the likeliest to be refused. */
	if (ts_name(c, w, tbs->subject, "subject", &subj_off, &subj_len) ||
	    ts_name(c, w, tbs->issuer, "issuer", &iss_off, &iss_len))
		return -1;
	c->subject_off = subj_off;
	/* An empty DN is not a valid LDAP value: leave the fact out. */
	if (subj_len > 0 && ts_add_off(c, "tsSubject", subj_off, subj_len))
		goto done;
	if (iss_len > 0 && ts_add_off(c, "tsIssuer", iss_off, iss_len))
		goto done;

	/* Serial as i2a_ASN1_INTEGER, without its line breaks. */
	{
		const ASN1_INTEGER *s = tbs->serial;
		size_t n = s->length > 0 ? (size_t)s->length : 1;
		char *out = malloc(2 * n + 2), *o = out;

		if (out == NULL)
			goto done;
		if (s->type == V_ASN1_NEG_INTEGER)
			*o++ = '-';
		if (s->length == 0) {
			*o++ = '0';
			*o++ = '0';
		}
		for (k = 0; k < s->length; k++) {
			*o++ = hexuc[s->data[k] >> 4];
			*o++ = hexuc[s->data[k] & 15];
		}
		ok = ts_add(c, "tsSerialNumber", out, (size_t)(o - out));
		free(out);
		if (ok == -1)
			goto done;
	}

	bad = ts_time_form(tbs->validity->notBefore) == -1 ? "notBefore" :
	    ts_time_form(tbs->validity->notAfter) == -1 ? "notAfter" : NULL;
	if (bad != NULL)
		return ts_fail(c, TS_ERR_SYNTAX, "%s is not in RFC 5280's "
		    "form (YYYYMMDDHHMMSSZ, no fractions of a second or time "
		    "zone), which GnuTLS (slapd's TLS library) requires", bad);
	if (ts_time(tbs->validity->notBefore, &t, gen) == -1)
		return ts_fail(c, TS_ERR_SYNTAX, "notBefore is not a valid time");
	c->not_before = t;
	if (ts_adds(c, "tsNotBefore", gen))
		goto done;
	if (ts_time(tbs->validity->notAfter, &t, gen) == -1)
		return ts_fail(c, TS_ERR_SYNTAX, "notAfter is not a valid time");
	c->not_after = t;
	if (ts_adds(c, "tsNotAfter", gen))
		goto done;

	if (ts_fingerprints(c, der, len) == -1)
		goto done;

	h = X509_NAME_hash_ex(tbs->subject, NULL, NULL, &ok);
	if (!ok)
		goto done;
	snprintf(c->subject_hash, sizeof(c->subject_hash), "%08lx",
	    h & 0xffffffffUL);
	if (ts_adds(c, "tsSubjectHash", c->subject_hash))
		goto done;

	if (ts_oid_text(tbs->spki->alg->algorithm, buf, sizeof(buf)) == -1)
		return ts_fail(c, TS_ERR_SYNTAX, "the key algorithm OID is "
		    "too long");
	if (ts_adds(c, "tsKeyAlgorithm", buf))
		goto done;
	snprintf(buf, sizeof(buf), "%d", c->keybits);
	if (ts_adds(c, "tsKeyBits", buf))
		goto done;
	if (ts_oid_text(w->x->sigalg->algorithm, buf, sizeof(buf)) == -1)
		return ts_fail(c, TS_ERR_SYNTAX, "the signature algorithm OID "
		    "is too long");
	if (ts_adds(c, "tsSignatureAlgorithm", buf))
		goto done;

	c->is_ca = w->bc != NULL && w->bc->ca;
	c->self_signed = ts_is_self_signed(w);
	if (ts_adds(c, "tsIsCA", c->is_ca ? "TRUE" : "FALSE") ||
	    ts_adds(c, "tsSelfSigned", c->self_signed ? "TRUE" : "FALSE"))
		goto done;

	if (w->ku != NULL)
		for (k = 0; k < 9; k++)
			if (ASN1_BIT_STRING_get_bit(w->ku, k) &&
			    ts_adds(c, "tsKeyUsage", ts_ku_names[k]))
				goto done;
	for (k = 0; k < sk_ASN1_OBJECT_num(w->eku); k++) {
		ASN1_OBJECT *o = sk_ASN1_OBJECT_value(w->eku, k);
		int nid = OBJ_obj2nid(o);

		if (nid != NID_undef) {
			if (ts_adds(c, "tsExtKeyUsage", OBJ_nid2sn(nid)))
				goto done;
		} else if ((ok = OBJ_obj2txt(buf, sizeof(buf), o, 1)) <= 0 ||
		    (size_t)ok >= sizeof(buf)) {
			return ts_fail(c, TS_ERR_SYNTAX,
			    "an extended key usage OID is too long");
		} else if (ts_adds(c, "tsExtKeyUsage", buf))
			goto done;
	}
	if (ts_san(c, w->san, GEN_DNS) || ts_san(c, w->san, GEN_IPADD) ||
	    ts_san(c, w->san, GEN_EMAIL) || ts_san(c, w->san, GEN_URI))
		goto done;
	if (w->ski != NULL && w->ski->length > 0 &&
	    ts_add_hex(c, "tsSubjectKeyIdentifier", w->ski->data,
	    (size_t)w->ski->length))
		goto done;
	if (w->aki != NULL && w->aki->keyid != NULL &&
	    w->aki->keyid->length > 0 &&
	    ts_add_hex(c, "tsAuthorityKeyIdentifier", w->aki->keyid->data,
	    (size_t)w->aki->keyid->length))
		goto done;
	snprintf(buf, sizeof(buf), "%d", w->version + 1);
	if (ts_adds(c, "tsVersion", buf))
		goto done;

	k = NID_undef;
	if (OBJ_obj2nid(w->x->sigalg->algorithm) == NID_rsassaPss) {
		/* The digest is in the parameters; absent means SHA-1. */
		const ASN1_TYPE *par = w->x->sigalg->parameter;
		RSA_PSS_PARAMS *pss = par == NULL ? NULL :
		    ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
		    par);

		if (pss != NULL)
			k = pss->hashAlgorithm == NULL ? NID_sha1 :
			    OBJ_obj2nid(pss->hashAlgorithm->algorithm);
		RSA_PSS_PARAMS_free(pss);
		ERR_clear_error();
	} else if (!OBJ_find_sigid_algs(OBJ_obj2nid(w->x->sigalg->algorithm),
	    &k, NULL))
		k = NID_undef;
	c->weak = ts_weak_digest_name(k);
	rc = 0;
 done:
	/* Every unexplained failure above is an allocation failing. */
	if (rc == -1 && c->reason == TS_OK)
		ts_fail(c, TS_ERR_MEMORY, "out of memory");
	return rc;
}

static size_t
ts_decimal_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

/*
 * An OBJECT IDENTIFIER GnuTLS can read.  OpenSSL takes arcs of any size,
 * but GnuTLS (Debian's slapd and libldap use it) refuses a certificate
 * with an arc above 2^64-1 or an OID whose dotted form has 128
 * characters or more, and with it a whole PEM bundle that holds it.
 */
static const char *
ts_oid_check(const unsigned char *p, size_t len, int *ber)
{
	uint64_t v = 0;
	size_t i, text = 0;
	int first = 1, start = 1;

	/* encodings OpenSSL's decoder refuses too: BER-class, as the rest */
	if (len == 0)
		return "an empty OID";
	for (i = 0; i < len; i++) {
		if (start && p[i] == 0x80)
			return "an OID arc with a leading zero";
		start = 0;
		if (v >> 57) {
			*ber = 0;
			return "an OID arc above 2^64-1";
		}
		v = (v << 7) | (p[i] & 0x7f);
		if (p[i] & 0x80)
			continue;
		/* the first subidentifier is two arcs: "0.v", "1.v", "2.v" */
		if (first)
			text += 2 + ts_decimal_len(v < 40 ? v : v < 80 ?
			    v - 40 : v - 80);
		else
			text += 1 + ts_decimal_len(v);
		first = 0;
		start = 1;
		v = 0;
	}
	if (!start)
		return "an OID that ends inside an arc";
	if (text >= 128) {
		*ber = 0;
		return "an OID of 128 characters or more";
	}
	return NULL;
}

/* The header of the TLV at p: its size, the value's length in *len; 0 if
 * it runs past end (minimal lengths are ts_der_strict()'s to check). */
static size_t
ts_der_hdr(const unsigned char *p, const unsigned char *end, size_t *len)
{
	size_t n, i, l;

	if (end - p < 2)
		return 0;
	l = p[1];
	n = 0;
	if (l & 0x80) {
		n = l & 0x7f;
		if (n == 0 || n > sizeof(size_t) || (size_t)(end - p - 2) < n)
			return 0;
		for (l = 0, i = 0; i < n; i++)
			l = (l << 8) | p[2 + i];
	}
	if ((size_t)(end - p - 2) - n < l)
		return 0;
	*len = l;
	return 2 + n;
}

/*
 * The GeneralNames of a subjectAltName (ian 0) or issuerAltName (ian 1)
 * value, as GnuTLS reads them when it imports a certificate: it refuses an
 * x400Address or ediPartyName, an empty rfc822Name, dNSName or URI, and
 * bytes after the names; OpenSSL takes them all.
 */
static const char *
ts_gnames_check(const unsigned char *p, size_t len, int ian)
{
	static const char *const why[2][7] = { {
		"a subjectAltName with bytes after its names",
		"a subjectAltName with an x400Address",
		"a subjectAltName with an ediPartyName",
		"a subjectAltName with an empty rfc822Name",
		"a subjectAltName with an empty dNSName",
		"a subjectAltName with an empty URI",
		"a subjectAltName that is not a DER SEQUENCE of names" }, {
		"an issuerAltName with bytes after its names",
		"an issuerAltName with an x400Address",
		"an issuerAltName with an ediPartyName",
		"an issuerAltName with an empty rfc822Name",
		"an issuerAltName with an empty dNSName",
		"an issuerAltName with an empty URI",
		"an issuerAltName that is not a DER SEQUENCE of names" } };
	const unsigned char *q, *end = p + len;
	size_t h, l;

	/* 0x30 exactly: OpenSSL also reads a SEQUENCE tag without its
	 * constructed bit (0x10), GnuTLS refuses the certificate */
	if (len == 0 || p[0] != 0x30 || (h = ts_der_hdr(p, end, &l)) == 0)
		return why[ian][6];
	if (h + l != len)
		return why[ian][0];
	for (q = p + h; q < end; q += h + l) {
		if ((h = ts_der_hdr(q, end, &l)) == 0)
			return why[ian][0];
		switch (q[0]) {
		case 0xa3:
			return why[ian][1];
		case 0xa5:
			return why[ian][2];
		case 0x81:
			if (l == 0)
				return why[ian][3];
			break;
		case 0x82:
			if (l == 0)
				return why[ian][4];
			break;
		case 0x86:
			if (l == 0)
				return why[ian][5];
			break;
		}
	}
	return NULL;
}

/* An Extension SEQUENCE of subjectAltName or issuerAltName: its value. */
static const char *
ts_altname_ext(const unsigned char *p, size_t len)
{
	static const unsigned char san[] = { 0x06, 0x03, 0x55, 0x1d, 0x11 };
	const unsigned char *end = p + len;
	size_t h, l;
	int ian;

	if (len < sizeof(san) || memcmp(p, san, sizeof(san) - 1) != 0 ||
	    (p[4] != 0x11 && p[4] != 0x12))
		return NULL;
	ian = p[4] == 0x12;
	/* extnID, critical (optional), then the OCTET STRING */
	for (p += sizeof(san); p < end; p += h + l) {
		if ((h = ts_der_hdr(p, end, &l)) == 0)
			return NULL;
		if (p[0] == 0x04)
			return ts_gnames_check(p + h, l, ian);
	}
	return NULL;
}

/*
 * DER, not just BER: OpenSSL's decoder also takes long-form lengths with
 * leading zeros, constructed strings and BOOLEANs other than 0/FF.  The
 * signature protects the TBS bytes only, so such re-encodings of the outer
 * wrapper make one certificate look like several (other fingerprints,
 * duplicate aliases), and `openssl x509 -fingerprint` would not match.
 * Contents of primitive values (extension payloads) are not walked.
 * *ber is 1 for those, 0 for DER that GnuTLS cannot read (OIDs, the
 * names of subjectAltName and issuerAltName).
 */
static const char *
ts_der_strict(const unsigned char *p, const unsigned char *end, int depth,
    int *ber)
{
	const char *why;

	*ber = 1;
	if (depth > 32)
		return "nested too deeply";
	while (p < end) {
		unsigned int tag = *p++;
		size_t len, n;

		if ((tag & 0x1f) == 0x1f)
			return "a high tag number";
		if (p == end)
			return "a missing length";
		len = *p++;
		if (len == 0x80)
			return "an indefinite length";
		if (len > 0x80) {
			n = len & 0x7f;
			if (n > sizeof(size_t) || (size_t)(end - p) < n || *p == 0)
				return "a non-minimal length";
			for (len = 0; n > 0; n--)
				len = (len << 8) | *p++;
			if (len < 0x80)
				return "a non-minimal length";
		}
		if ((size_t)(end - p) < len)
			return "a length past the end";
		if ((tag & 0xc0) == 0 && (tag & 0x20) && tag != 0x30 &&
		    tag != 0x31)
			return "a constructed string";
		if (tag == 0x01 && (len != 1 || (p[0] != 0 && p[0] != 0xff)))
			return "a BOOLEAN that is neither 00 nor FF";
		/* OpenSSL's decoder takes a primitive SEQUENCE for a name;
		 * the exporter's own walk (and DER) does not */
		if (tag == 0x10 || tag == 0x11)
			return "a SEQUENCE or SET not marked constructed";
		if (tag == 0x06 && (why = ts_oid_check(p, len, ber)) != NULL)
			return why;
		if (tag & 0x20) {
			if ((why = ts_der_strict(p, p + len, depth + 1,
			    ber)) != NULL)
				return why;
			if (tag == 0x30 && (why = ts_altname_ext(p, len)) !=
			    NULL) {
				*ber = 0;
				return why;
			}
		}
		p += len;
	}
	return NULL;
}

/* Name what a refused buffer holds, never quoting it. */
static int
ts_not_cert(struct ts_cert *c, const unsigned char *der, size_t len)
{
	const char *reason = ts_openssl_reason();
	enum ts_kind k = ts_identify(der, len);

	if (k != TS_KIND_UNKNOWN && k != TS_KIND_CERTIFICATE) {
		c->kind = k;
		return ts_fail(c, TS_ERR_NOT_CERT,
		    "value holds %s, not a certificate", ts_kind_name(k));
	}
	if (k == TS_KIND_CERTIFICATE && ts_is_pem(der, len))
		return ts_fail(c, TS_ERR_SYNTAX, "value is PEM text; a DER "
		    "certificate is expected");
	return ts_fail(c, TS_ERR_SYNTAX, "not a DER X.509 certificate: %s",
	    reason);
}

/*
 * The end of a successful parse, by either path: keep a copy of the DER,
 * point the facts at their strings.  -1 when out of memory.
 */
int
ts_cert_keep(struct ts_cert *c, const unsigned char *der, size_t len)
{
	size_t i;

	if ((c->der = malloc(len)) == NULL)
		return -1;
	memcpy(c->der, der, len);
	c->derlen = len;
	for (i = 0; i < c->nfacts; i++)
		c->facts[i].value = c->str + c->offs[i];
	c->kind = TS_KIND_CERTIFICATE;
	c->ok = 1;
	return 0;
}

int
ts_cert_parse(struct ts_cert *c, const void *buf, size_t len)
{
	const unsigned char *der = buf, *p = buf;
	struct ts_work w;
	const char *why;
	int rc = -1, k, ber;

	memset(&w, 0, sizeof(w));
	ts_cert_reset(c);
	if (ts_init() == -1) {
		ts_fail(c, TS_ERR_MEMORY, "OpenSSL lacks SHA-1 or SHA-256");
		goto done;
	}
	if (len == 0) {
		ts_fail(c, TS_ERR_SYNTAX, "empty value");
		goto done;
	}
	if (len > LONG_MAX) {
		ts_fail(c, TS_ERR_SYNTAX, "value too large");
		goto done;
	}
	if (c->path == TS_PATH_AUTO && !ts_env_slow) {
		/* Nothing allocated yet, and the walk leaves no OpenSSL
		 * errors queued: nothing for done: to do.  The walk is DER
		 * as strict as ts_der_strict() over every element it takes
		 * (tsfast.c): no second walk. */
		if (ts_fast_parse(c, der, len) == 0) {
			c->took_fast = 1;
			return 0;
		}
		/* Whatever the walk left behind: start from nothing. */
		ts_cert_reset(c);
	}
	/*
	 * The thread's OpenSSL error queue is ours while we parse: what
	 * others left would become our reason.  Only this path reads it
	 * (the fast one queues nothing), and done: empties it again.
	 */
	ERR_clear_error();
	w.x = (TS_X509 *)ASN1_item_d2i(NULL, &p, (long)len,
	    ASN1_ITEM_rptr(TS_X509));
	if (w.x == NULL) {
		ts_not_cert(c, der, len);
		goto done;
	}
	if ((size_t)(p - der) != len) {
		ts_fail(c, TS_ERR_TRAILING, "the certificate is followed by "
		    "%zu unexpected bytes", len - (size_t)(p - der));
		goto done;
	}
	if ((why = ts_der_strict(der, der + len, 0, &ber)) != NULL) {
		if (ber)
			ts_fail(c, TS_ERR_SYNTAX, "the certificate is BER, "
			    "not DER: it has %s", why);
		else
			ts_fail(c, TS_ERR_SYNTAX, "the certificate has %s, "
			    "which GnuTLS (slapd's TLS library) cannot read",
			    why);
		goto done;
	}
	/* RFC 5280 4.1.1.2; OpenSSL verifies with the outer one, GnuTLS
	 * refuses the certificate (and a PEM bundle holding it) */
	if (X509_ALGOR_cmp(w.x->tbs->sigalg, w.x->sigalg) != 0) {
		ts_fail(c, TS_ERR_SYNTAX, "the certificate's signature "
		    "algorithm differs from the one its signed part names "
		    "(RFC 5280 4.1.1.2)");
		goto done;
	}
	w.version = 0;
	if (w.x->tbs->version != NULL) {
		long v = ASN1_INTEGER_get(w.x->tbs->version);

		if (v < 0 || v > 2) {
			ERR_clear_error();
			ts_fail(c, TS_ERR_SYNTAX, "unsupported certificate "
			    "version (only 1, 2 and 3 exist)");
			goto done;
		}
		w.version = (int)v;
	}
	if ((k = ts_key_fast(c, &w)) == -1)
		goto done;
	if (k == 1 && ts_key_slow(c, &w, der, len) == -1)
		goto done;
	if (ts_extensions(c, &w) == -1)
		goto done;
	if ((w.bio = BIO_new(BIO_s_mem())) == NULL) {
		ts_fail(c, TS_ERR_MEMORY, "out of memory");
		goto done;
	}
	if (ts_facts(c, &w, der, len) == -1)
		goto done;
	if (ts_cert_keep(c, der, len) == -1) {
		ts_fail(c, TS_ERR_MEMORY, "out of memory");
		goto done;
	}
	rc = 0;
 done:
	if (rc == -1) {
		/* Keep why, forget what was learnt before the refusal. */
		enum ts_reason r = c->reason;
		enum ts_kind kind = c->kind;
		char msg[sizeof(c->error)];

		memcpy(msg, c->error, sizeof(msg));
		ts_cert_reset(c);
		c->reason = r;
		c->kind = kind;
		memcpy(c->error, msg, sizeof(msg));
	}
	ASN1_item_free((ASN1_VALUE *)w.x, ASN1_ITEM_rptr(TS_X509));
	X509_free(w.slow);
	BIO_free(w.bio);
	BASIC_CONSTRAINTS_free(w.bc);
	ASN1_BIT_STRING_free(w.ku);
	sk_ASN1_OBJECT_pop_free(w.eku, ASN1_OBJECT_free);
	GENERAL_NAMES_free(w.san);
	ASN1_OCTET_STRING_free(w.ski);
	AUTHORITY_KEYID_free(w.aki);
	ERR_clear_error();
	return rc;
}

void
ts_cert_set_stored_only(struct ts_cert *c, int on)
{
	c->stored_only = on != 0;
}

void
ts_cert_set_path(struct ts_cert *c, enum ts_path path)
{
	c->path = path;
}

int
ts_cert_took_fast(const struct ts_cert *c)
{
	return c->took_fast;
}

int
ts_init(void)
{
	return CRYPTO_THREAD_run_once(&ts_once, ts_global_init) && ts_ready ?
	    0 : -1;
}

/* NULL while the handle holds a certificate, as libtls's tls_error(). */
const char *
ts_cert_error(const struct ts_cert *c)
{
	if (c->error[0] != '\0')
		return c->error;
	return c->ok ? NULL : "no certificate has been parsed";
}

enum ts_reason
ts_cert_reason(const struct ts_cert *c)
{
	return c->reason;
}

enum ts_kind
ts_cert_kind(const struct ts_cert *c)
{
	return c->kind;
}

int
ts_cert_facts(const struct ts_cert *c, const struct ts_fact **facts,
    size_t *nfacts)
{
	if (!c->ok) {
		*facts = NULL;
		*nfacts = 0;
		return -1;
	}
	*facts = c->facts;
	*nfacts = c->nfacts;
	return 0;
}

const unsigned char *
ts_cert_der(const struct ts_cert *c, size_t *len)
{
	if (len != NULL)
		*len = c->ok ? c->derlen : 0;
	return c->ok ? c->der : NULL;
}

int64_t
ts_cert_not_before(const struct ts_cert *c)
{
	return c->not_before;
}

int64_t
ts_cert_not_after(const struct ts_cert *c)
{
	return c->not_after;
}

const char *
ts_cert_subject_hash(const struct ts_cert *c)
{
	return c->ok ? c->subject_hash : NULL;
}

const char *
ts_cert_sha256_hex(const struct ts_cert *c)
{
	return c->ok ? c->sha256 : NULL;
}

const char *
ts_cert_subject(const struct ts_cert *c)
{
	return c->ok ? c->str + c->subject_off : NULL;
}

enum ts_keytype
ts_cert_key_type(const struct ts_cert *c)
{
	return c->keytype;
}

int
ts_cert_key_bits(const struct ts_cert *c)
{
	return c->keybits;
}

int
ts_cert_is_ca(const struct ts_cert *c)
{
	return c->is_ca;
}

int
ts_cert_self_signed(const struct ts_cert *c)
{
	return c->self_signed;
}

const char *
ts_cert_weak_digest(const struct ts_cert *c)
{
	return c->weak;
}
