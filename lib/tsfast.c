/* tsfast.c - the common certificates, read by a strict DER walk */
/*
 * Why: decoding a certificate with OpenSSL's ASN.1 templates (tscert.c)
 * builds a hundred small objects, two X509_NAMEs with their canonical
 * encodings, a BIO to print them in, and decodes every extension into
 * yet more objects.  That costs about twice a whole slapd add.  Most
 * certificates have one shape: RSA, EC or EdDSA key, single-valued ASCII
 * names, and a handful of extensions (KU, EKU, SAN, BC, SKI, AKI).  For
 * those this walk produces the very facts, in the very order, and the
 * very handle state the OpenSSL path would, reading the DER in place.
 *
 * The contract: ts_fast_parse() accepts only what the OpenSSL path
 * accepts, and anything it does not understand completely (an unknown
 * OID, a multi-valued RDN, a non-ASCII string, an extension other than
 * the six, BER, unusual parameters, anything the OpenSSL path would
 * refuse) makes it return 1: "not mine".  It never refuses on its own,
 * so every refusal and its message still come from tscert.c, the
 * reference.  tests/unit/test_tscert.c and tests/fuzz/fuzz_der.c run
 * each input through both and demand byte-identical results.
 *
 * OIDs and names are hard-coded below (the DER of each OID, and the short
 * name OpenSSL prints for name attributes and EKUs); ts_fast_init() checks
 * every entry against this OpenSSL and drops the ones it disagrees with.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "tscert.h"
#include "tsint.h"

/* An OID by its DER contents, the NID OpenSSL gives it, and the text the
 * facts show for it (filled at init for algorithms). */
struct ts_oid {
	const char	*der;
	size_t		 len;
	int		 nid;
	const char	*name;		/* expected OBJ_nid2sn(), or NULL */
	int		 ok;		/* this OpenSSL agrees (set at init) */
	char		 text[48];	/* OBJ_obj2txt(, 0): name facts show */
	const char	*weak;		/* signatures: weak digest, or NULL */
};

#define OID(s)	s, sizeof(s) - 1

/* Name attribute types printed by short name (X509_NAME_print_ex with
 * XN_FLAG_FN_SN).  Others are printed as dotted OIDs with a #hex dump:
 * rare, left to OpenSSL. */
static struct ts_oid ts_attrs[] = {
	{ OID("\x55\x04\x03"), NID_commonName, "CN", 0, "", NULL },
	{ OID("\x55\x04\x04"), NID_surname, "SN", 0, "", NULL },
	{ OID("\x55\x04\x05"), NID_serialNumber, "serialNumber", 0, "", NULL },
	{ OID("\x55\x04\x06"), NID_countryName, "C", 0, "", NULL },
	{ OID("\x55\x04\x07"), NID_localityName, "L", 0, "", NULL },
	{ OID("\x55\x04\x08"), NID_stateOrProvinceName, "ST", 0, "", NULL },
	{ OID("\x55\x04\x09"), NID_streetAddress, "street", 0, "", NULL },
	{ OID("\x55\x04\x0a"), NID_organizationName, "O", 0, "", NULL },
	{ OID("\x55\x04\x0b"), NID_organizationalUnitName, "OU", 0, "", NULL },
	{ OID("\x55\x04\x0c"), NID_title, "title", 0, "", NULL },
	{ OID("\x55\x04\x0d"), NID_description, "description", 0, "", NULL },
	{ OID("\x55\x04\x0f"), NID_businessCategory, "businessCategory", 0,
	    "", NULL },
	{ OID("\x55\x04\x11"), NID_postalCode, "postalCode", 0, "", NULL },
	{ OID("\x55\x04\x29"), NID_name, "name", 0, "", NULL },
	{ OID("\x55\x04\x2a"), NID_givenName, "GN", 0, "", NULL },
	{ OID("\x55\x04\x2b"), NID_initials, "initials", 0, "", NULL },
	{ OID("\x55\x04\x2c"), NID_generationQualifier, "generationQualifier",
	    0, "", NULL },
	{ OID("\x55\x04\x2e"), NID_dnQualifier, "dnQualifier", 0, "", NULL },
	{ OID("\x55\x04\x41"), NID_pseudonym, "pseudonym", 0, "", NULL },
	{ OID("\x55\x04\x61"), NID_organizationIdentifier,
	    "organizationIdentifier", 0, "", NULL },
	{ OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x19"), NID_domainComponent,
	    "DC", 0, "", NULL },
	{ OID("\x09\x92\x26\x89\x93\xf2\x2c\x64\x01\x01"), NID_userId, "UID", 0,
	    "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"), NID_pkcs9_emailAddress,
	    "emailAddress", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x01"),
	    NID_jurisdictionLocalityName, "jurisdictionL", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x02"),
	    NID_jurisdictionStateOrProvinceName, "jurisdictionST", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x3c\x02\x01\x03"),
	    NID_jurisdictionCountryName, "jurisdictionC", 0, "", NULL },
};

/* Extended key usages, shown by short name as the OpenSSL path does. */
static struct ts_oid ts_ekus[] = {
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x01"), NID_server_auth,
	    "serverAuth", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x02"), NID_client_auth,
	    "clientAuth", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x03"), NID_code_sign,
	    "codeSigning", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x04"), NID_email_protect,
	    "emailProtection", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x05"), NID_ipsecEndSystem,
	    "ipsecEndSystem", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x06"), NID_ipsecTunnel,
	    "ipsecTunnel", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x07"), NID_ipsecUser,
	    "ipsecUser", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x08"), NID_time_stamp,
	    "timeStamping", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x09"), NID_OCSP_sign,
	    "OCSPSigning", 0, "", NULL },
	{ OID("\x2b\x06\x01\x05\x05\x07\x03\x11"), NID_ipsec_IKE,
	    "ipsecIKE", 0, "", NULL },
	{ OID("\x55\x1d\x25\x00"), NID_anyExtendedKeyUsage,
	    "anyExtendedKeyUsage", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x14\x02\x02"),
	    NID_ms_smartcard_login, "msSmartcardLogin", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x15"), NID_ms_code_ind,
	    "msCodeInd", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x02\x01\x16"), NID_ms_code_com,
	    "msCodeCom", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x0a\x03\x01"), NID_ms_ctl_sign,
	    "msCTLSign", 0, "", NULL },
	{ OID("\x2b\x06\x01\x04\x01\x82\x37\x0a\x03\x04"), NID_ms_efs,
	    "msEFS", 0, "", NULL },
};

/* Signature algorithms whose parameters are absent or NULL (not
 * RSASSA-PSS: its digest hides in the parameters). */
static struct ts_oid ts_sigs[] = {
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0b"),
	    NID_sha256WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0c"),
	    NID_sha384WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0d"),
	    NID_sha512WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0e"),
	    NID_sha224WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x05"),
	    NID_sha1WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x04"),
	    NID_md5WithRSAEncryption, NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x04\x03\x02"), NID_ecdsa_with_SHA256,
	    NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x04\x03\x03"), NID_ecdsa_with_SHA384,
	    NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x04\x03\x04"), NID_ecdsa_with_SHA512,
	    NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x04\x03\x01"), NID_ecdsa_with_SHA224,
	    NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x04\x01"), NID_ecdsa_with_SHA1, NULL, 0,
	    "", NULL },
	{ OID("\x2b\x65\x70"), NID_ED25519, NULL, 0, "", NULL },
	{ OID("\x2b\x65\x71"), NID_ED448, NULL, 0, "", NULL },
};

/* Key algorithms the walk checks itself, as tscert.c's ts_key_fast(). */
static struct ts_oid ts_keys[] = {
	{ OID("\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01"), NID_rsaEncryption,
	    NULL, 0, "", NULL },
	{ OID("\x2a\x86\x48\xce\x3d\x02\x01"), NID_X9_62_id_ecPublicKey, NULL,
	    0, "", NULL },
	{ OID("\x2b\x65\x70"), NID_ED25519, NULL, 0, "", NULL },
	{ OID("\x2b\x65\x71"), NID_ED448, NULL, 0, "", NULL },
};

/* Named curves; ts_ec_point() decides which ones it can check. */
static struct ts_oid ts_curves[] = {
	{ OID("\x2a\x86\x48\xce\x3d\x03\x01\x07"), NID_X9_62_prime256v1, NULL,
	    0, "", NULL },
	{ OID("\x2b\x81\x04\x00\x22"), NID_secp384r1, NULL, 0, "", NULL },
	{ OID("\x2b\x81\x04\x00\x23"), NID_secp521r1, NULL, 0, "", NULL },
	{ OID("\x2b\x81\x04\x00\x0a"), NID_secp256k1, NULL, 0, "", NULL },
	{ OID("\x2b\x24\x03\x03\x02\x08\x01\x01\x07"), NID_brainpoolP256r1,
	    NULL, 0, "", NULL },
	{ OID("\x2b\x24\x03\x03\x02\x08\x01\x01\x0b"), NID_brainpoolP384r1,
	    NULL, 0, "", NULL },
	{ OID("\x2b\x24\x03\x03\x02\x08\x01\x01\x0d"), NID_brainpoolP512r1,
	    NULL, 0, "", NULL },
};

/* The only extensions the walk takes; any other sends the certificate to
 * OpenSSL, which must try to decode it (X509V3_EXT_d2i). */
enum {
	TS_EXT_BC, TS_EXT_KU, TS_EXT_EKU, TS_EXT_SAN, TS_EXT_SKI, TS_EXT_AKI
};
static struct ts_oid ts_exts[] = {
	{ OID("\x55\x1d\x13"), NID_basic_constraints, NULL, 0, "", NULL },
	{ OID("\x55\x1d\x0f"), NID_key_usage, NULL, 0, "", NULL },
	{ OID("\x55\x1d\x25"), NID_ext_key_usage, NULL, 0, "", NULL },
	{ OID("\x55\x1d\x11"), NID_subject_alt_name, NULL, 0, "", NULL },
	{ OID("\x55\x1d\x0e"), NID_subject_key_identifier, NULL, 0, "", NULL },
	{ OID("\x55\x1d\x23"), NID_authority_key_identifier, NULL, 0, "",
	    NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	struct ts_oid	*tab;
	size_t		 n;
	const char	*what;
} ts_tables[] = {
	{ ts_attrs, NELEM(ts_attrs), "name attribute" },
	{ ts_ekus, NELEM(ts_ekus), "extended key usage" },
	{ ts_sigs, NELEM(ts_sigs), "signature algorithm" },
	{ ts_keys, NELEM(ts_keys), "key algorithm" },
	{ ts_curves, NELEM(ts_curves), "curve" },
	{ ts_exts, NELEM(ts_exts), "extension" },
};

static void
ts_fast_check(void)
{
	size_t t, i;

	for (t = 0; t < NELEM(ts_tables); t++)
		for (i = 0; i < ts_tables[t].n; i++) {
			struct ts_oid *o = &ts_tables[t].tab[i];
			const ASN1_OBJECT *obj = OBJ_nid2obj(o->nid);
			const char *sn = OBJ_nid2sn(o->nid);
			int n, md;

			o->ok = obj != NULL && OBJ_length(obj) == o->len &&
			    memcmp(OBJ_get0_data(obj), o->der, o->len) == 0 &&
			    (o->name == NULL ||
			    (sn != NULL && strcmp(sn, o->name) == 0));
			/* The text tscert.c's ts_oid_text() would show. */
			n = obj == NULL ? -1 : OBJ_obj2txt(o->text,
			    sizeof(o->text), obj, 0);
			if (n <= 0 || (size_t)n >= sizeof(o->text))
				o->ok = 0;
			if (ts_tables[t].tab == ts_sigs) {
				if (!OBJ_find_sigid_algs(o->nid, &md, NULL))
					o->ok = 0;
				else
					o->weak = ts_weak_digest_name(md);
			}
		}
	ERR_clear_error();
}

/* From tscert.c's global initialisation, and before a lone name walk
 * (ts_der_subject), which has no use for the rest of it. */
void
ts_fast_init(void)
{
	static CRYPTO_ONCE once = CRYPTO_ONCE_STATIC_INIT;

	(void)CRYPTO_THREAD_run_once(&once, ts_fast_check);
}

int
ts_fast_selftest(char *msg, size_t msglen)
{
	size_t t, i;
	int bad = 0;

	msg[0] = '\0';
	for (t = 0; t < NELEM(ts_tables); t++)
		for (i = 0; i < ts_tables[t].n; i++) {
			const struct ts_oid *o = &ts_tables[t].tab[i];

			if (o->ok)
				continue;
			if (bad++ == 0)
				snprintf(msg, msglen, "%s %d (%s): this OpenSSL "
				    "knows it as %s", ts_tables[t].what, o->nid,
				    o->name != NULL ? o->name : o->text,
				    OBJ_nid2sn(o->nid) ? OBJ_nid2sn(o->nid) :
				    "nothing");
		}
	return bad;
}

static const struct ts_oid *
ts_oid_find(const struct ts_oid *tab, size_t n, const unsigned char *p,
    size_t len)
{
	size_t i;

	/* The last byte tells most table entries apart (55 04 xx). */
	for (i = 0; i < n; i++)
		if (tab[i].len == len && (unsigned char)tab[i].der[len - 1] ==
		    p[len - 1] && tab[i].ok && memcmp(tab[i].der, p, len) == 0)
			return &tab[i];
	return NULL;
}

/* ---- the walk -------------------------------------------------------- */

struct ts_tlv {
	const unsigned char	*p;
	size_t			 len;
};

/*
 * Take one element with exactly this tag from [*pp, end).  DER only:
 * definite, minimal lengths (up to 16 MB, far beyond any certificate the
 * policy lets in).  Single-byte tags: high tag numbers never match.
 */
static int
ts_take(const unsigned char **pp, const unsigned char *end, unsigned int tag,
    struct ts_tlv *v)
{
	const unsigned char *p = *pp;
	size_t len, n;

	if (end - p < 2 || p[0] != tag)
		return -1;
	len = p[1];
	p += 2;
	if (len & 0x80) {
		n = len & 0x7f;
		if (n == 0 || n > 3 || (size_t)(end - p) < n || p[0] == 0)
			return -1;
		for (len = 0; n > 0; n--)
			len = len << 8 | *p++;
		if (len < 0x80)
			return -1;
	}
	if ((size_t)(end - p) < len)
		return -1;
	v->p = p;
	v->len = len;
	*pp = p + len;
	return 0;
}

static int
ts_peek(const unsigned char *p, const unsigned char *end, unsigned int tag)
{
	return p < end && *p == tag;
}

/* An OID from [*pp, end) looked up in a table; NULL if absent/unknown. */
static const struct ts_oid *
ts_take_oid(const unsigned char **pp, const unsigned char *end,
    const struct ts_oid *tab, size_t n)
{
	struct ts_tlv v;

	if (ts_take(pp, end, 0x06, &v) == -1 || v.len == 0)
		return NULL;
	return ts_oid_find(tab, n, v.p, v.len);
}

#define TS_RDNS	32

/* A name of single-valued RDNs of printable ASCII strings. */
struct ts_name {
	struct {
		const struct ts_oid	*type;
		const unsigned char	*v;
		size_t			 len;
	}		 rdn[TS_RDNS];
	size_t		 n;
	size_t		 textmax;	/* bound on the printed length */
};

struct ts_fast {
	int			 version;	/* 0, 1, 2 as encoded */
	struct ts_tlv		 serial;
	const struct ts_oid	*sig;
	struct ts_name		 issuer, subject;
	char			 nb[16], na[16];
	int64_t			 tnb, tna;
	const struct ts_oid	*key;
	enum ts_keytype		 keytype;
	int			 keybits;
	unsigned int		 seen;		/* 1 << TS_EXT_... */
	int			 is_ca;
	unsigned int		 ku;		/* bit k = ts_ku_names[k] */
	struct ts_tlv		 eku, san, ski, akid;
};

static int
ts_walk_name(struct ts_tlv *in, struct ts_name *nm)
{
	const unsigned char *p = in->p, *end = in->p + in->len;
	struct ts_tlv set, atv, val;
	const unsigned char *q, *qe;
	size_t k;

	nm->n = 0;
	nm->textmax = 0;
	/* An empty name prints as nothing and has no fact: OpenSSL's. */
	if (p == end)
		return -1;
	while (p < end) {
		if (nm->n == TS_RDNS || ts_take(&p, end, 0x31, &set) == -1)
			return -1;
		q = set.p;
		qe = set.p + set.len;
		/* One attribute per RDN: multi-valued ones print with '+'
		 * and sort in the canonical form; OpenSSL's job. */
		if (ts_take(&q, qe, 0x30, &atv) == -1 || q != qe)
			return -1;
		q = atv.p;
		qe = atv.p + atv.len;
		if ((nm->rdn[nm->n].type = ts_take_oid(&q, qe, ts_attrs,
		    NELEM(ts_attrs))) == NULL)
			return -1;
		/* PrintableString, UTF8String, IA5String: one byte per
		 * character once we insist on printable ASCII. */
		if ((ts_take(&q, qe, 0x13, &val) == -1 &&
		    ts_take(&q, qe, 0x0c, &val) == -1 &&
		    ts_take(&q, qe, 0x16, &val) == -1) || q != qe)
			return -1;
		for (k = 0; k < val.len; k++)
			if (val.p[k] < 0x20 || val.p[k] > 0x7e)
				return -1;
		nm->rdn[nm->n].v = val.p;
		nm->rdn[nm->n].len = val.len;
		nm->textmax += strlen(nm->rdn[nm->n].type->name) + 2 +
		    2 * val.len;
		nm->n++;
	}
	return 0;
}

/* UTCTime YYMMDDHHMMSSZ or GeneralizedTime YYYYMMDDHHMMSSZ, nothing
 * else (no fractions, no offsets), valid as ASN1_TIME_to_tm checks. */
static int
ts_walk_time(const unsigned char **pp, const unsigned char *end,
    char gen[16], int64_t *t)
{
	struct ts_tlv v;
	size_t i, digits;

	if (ts_peek(*pp, end, 0x17)) {
		if (ts_take(pp, end, 0x17, &v) == -1 || v.len != 13)
			return -1;
		/* RFC 5280 4.1.2.5.1: YY < 50 is 20YY */
		gen[0] = v.p[0] < '5' ? '2' : '1';
		gen[1] = v.p[0] < '5' ? '0' : '9';
		memcpy(gen + 2, v.p, 13);
	} else if (ts_take(pp, end, 0x18, &v) == -1 || v.len != 15)
		return -1;
	else
		memcpy(gen, v.p, 15);
	gen[15] = '\0';
	digits = v.len - 1;
	for (i = 0; i < digits; i++)
		if (v.p[i] < '0' || v.p[i] > '9')
			return -1;
	if (v.p[digits] != 'Z')
		return -1;
	return ts_gentime_parse(gen, 15, t);
}

/* AlgorithmIdentifier with parameters absent or NULL. */
static const struct ts_oid *
ts_walk_alg(struct ts_tlv *in, const struct ts_oid *tab, size_t n)
{
	const unsigned char *p = in->p, *end = in->p + in->len;
	const struct ts_oid *o;

	if ((o = ts_take_oid(&p, end, tab, n)) == NULL)
		return NULL;
	if (p == end || (end - p == 2 && p[0] == 0x05 && p[1] == 0x00))
		return o;
	return NULL;
}

/* A non-negative INTEGER in minimal form; *bits if wanted. */
static int
ts_unsigned(const struct ts_tlv *v, int *bits)
{
	const unsigned char *p = v->p;
	size_t n = v->len;
	int b;

	if (n == 0 || (p[0] & 0x80))
		return -1;
	if (p[0] == 0 && n > 1) {
		if (!(p[1] & 0x80))
			return -1;
		p++;
		n--;
	}
	if (bits != NULL) {
		for (b = 0; b < 8 && (p[0] & (0x80 >> b)) == 0; b++)
			;
		*bits = (int)(8 * n) - b;
	}
	return 0;
}

static int
ts_walk_key(struct ts_tlv *in, struct ts_fast *f)
{
	const unsigned char *p = in->p, *end = in->p + in->len, *q, *qe;
	struct ts_tlv alg, bits, seq, n, e;
	const struct ts_oid *curve;

	if (ts_take(&p, end, 0x30, &alg) == -1 ||
	    ts_take(&p, end, 0x03, &bits) == -1 || p != end)
		return -1;
	/* Unused bits in a key would be masked by OpenSSL: not ours. */
	if (bits.len < 1 || bits.p[0] != 0)
		return -1;
	q = alg.p;
	qe = alg.p + alg.len;
	if ((f->key = ts_take_oid(&q, qe, ts_keys, NELEM(ts_keys))) == NULL)
		return -1;
	switch (f->key->nid) {
	case NID_rsaEncryption:
		/* RSAPublicKey, both numbers positive and minimal. */
		if (qe - q != 2 || q[0] != 0x05 || q[1] != 0x00)
			return -1;
		q = bits.p + 1;
		qe = bits.p + bits.len;
		if (ts_take(&q, qe, 0x30, &seq) == -1 || q != qe)
			return -1;
		q = seq.p;
		qe = seq.p + seq.len;
		if (ts_take(&q, qe, 0x02, &n) == -1 ||
		    ts_take(&q, qe, 0x02, &e) == -1 || q != qe ||
		    ts_unsigned(&n, &f->keybits) == -1 ||
		    ts_unsigned(&e, NULL) == -1)
			return -1;
		f->keytype = TS_KEY_RSA;
		return 0;
	case NID_X9_62_id_ecPublicKey:
		if ((curve = ts_take_oid(&q, qe, ts_curves,
		    NELEM(ts_curves))) == NULL || q != qe)
			return -1;
		/* Off the curve is a refusal: OpenSSL's path words it. */
		if (ts_ec_point(curve->nid, bits.p + 1, bits.len - 1,
		    &f->keybits) != 0)
			return -1;
		f->keytype = TS_KEY_EC;
		return 0;
	case NID_ED25519:
	case NID_ED448:
		if (q != qe || bits.len - 1 !=
		    (f->key->nid == NID_ED25519 ? 32U : 57U))
			return -1;
		f->keytype = f->key->nid == NID_ED25519 ? TS_KEY_ED25519 :
		    TS_KEY_ED448;
		f->keybits = ts_eddsa_key_bits(f->key->nid == NID_ED25519);
		return 0;
	default:
		return -1;
	}
}

/* The content of one extension's OCTET STRING, by type. */
static int
ts_walk_ext(int type, const unsigned char *p, const unsigned char *end,
    struct ts_fast *f)
{
	struct ts_tlv v, w;
	const unsigned char *q, *qe;
	size_t k;

	switch (type) {
	case TS_EXT_BC:
		if (ts_take(&p, end, 0x30, &v) == -1 || p != end)
			return -1;
		q = v.p;
		qe = v.p + v.len;
		/* DER leaves a FALSE cA out; 01 01 00 is OpenSSL's to take. */
		if (ts_peek(q, qe, 0x01)) {
			if (ts_take(&q, qe, 0x01, &w) == -1 || w.len != 1 ||
			    w.p[0] != 0xff)
				return -1;
			f->is_ca = 1;
		}
		/* A pathLen on a non-CA, or a negative one, is for OpenSSL
		 * to judge. */
		if (q != qe && (!f->is_ca || ts_take(&q, qe, 0x02, &w) == -1 ||
		    ts_unsigned(&w, NULL) == -1))
			return -1;
		return q == qe ? 0 : -1;
	case TS_EXT_KU:
		/* One or two bytes with a bit set in them (OpenSSL refuses
		 * an empty keyUsage), unused bits zero. */
		if (ts_take(&p, end, 0x03, &v) == -1 || p != end ||
		    v.len < 2 || v.len > 3 || v.p[0] > 7 ||
		    (v.p[v.len - 1] & ((1U << v.p[0]) - 1)) != 0 ||
		    (v.p[1] == 0 && (v.len < 3 || v.p[2] == 0)))
			return -1;
		for (k = 0; k < 9; k++)
			if (k / 8 + 1 < v.len &&
			    (v.p[1 + k / 8] & (0x80 >> (k % 8))))
				f->ku |= 1U << k;
		return 0;
	case TS_EXT_EKU:
		if (ts_take(&p, end, 0x30, &f->eku) == -1 || p != end ||
		    f->eku.len == 0)
			return -1;
		q = f->eku.p;
		qe = f->eku.p + f->eku.len;
		while (q < qe)
			if (ts_take_oid(&q, qe, ts_ekus, NELEM(ts_ekus)) ==
			    NULL)
				return -1;
		return 0;
	case TS_EXT_SAN:
		if (ts_take(&p, end, 0x30, &f->san) == -1 || p != end ||
		    f->san.len == 0)
			return -1;
		q = f->san.p;
		qe = f->san.p + f->san.len;
		while (q < qe) {
			unsigned int tag = *q;

			/* rfc822Name, dNSName, URI: printable ASCII (else
			 * the OpenSSL path refuses); iPAddress: 4 or 16 */
			if ((tag != 0x81 && tag != 0x82 && tag != 0x86 &&
			    tag != 0x87) || ts_take(&q, qe, tag, &w) == -1)
				return -1;
			if (tag == 0x87 && w.len != 4 && w.len != 16)
				return -1;
			/* empty names: GnuTLS refuses them (ts_gnames_check) */
			if (tag != 0x87 && w.len == 0)
				return -1;
			for (k = 0; tag != 0x87 && k < w.len; k++)
				if (w.p[k] < 0x20 || w.p[k] > 0x7e)
					return -1;
		}
		return 0;
	case TS_EXT_SKI:
		return ts_take(&p, end, 0x04, &f->ski) == -1 || p != end ?
		    -1 : 0;
	case TS_EXT_AKI:
		/* keyIdentifier alone: issuer and serial take part in the
		 * self-signed test, left to OpenSSL. */
		if (ts_take(&p, end, 0x30, &v) == -1 || p != end)
			return -1;
		q = v.p;
		qe = v.p + v.len;
		return ts_take(&q, qe, 0x80, &f->akid) == -1 || q != qe ?
		    -1 : 0;
	default:
		return -1;
	}
}

static int
ts_walk_exts(struct ts_tlv *in, struct ts_fast *f)
{
	const unsigned char *p = in->p, *end = in->p + in->len, *q, *qe;
	struct ts_tlv list, ext, crit, val;
	const struct ts_oid *o;
	int type;

	if (ts_take(&p, end, 0x30, &list) == -1 || p != end || list.len == 0)
		return -1;
	p = list.p;
	end = list.p + list.len;
	while (p < end) {
		if (ts_take(&p, end, 0x30, &ext) == -1)
			return -1;
		q = ext.p;
		qe = ext.p + ext.len;
		if ((o = ts_take_oid(&q, qe, ts_exts, NELEM(ts_exts))) == NULL)
			return -1;
		type = (int)(o - ts_exts);
		/* A duplicate is refused by the OpenSSL path. */
		if (f->seen & (1U << type))
			return -1;
		f->seen |= 1U << type;
		/* critical: DER has TRUE as FF and leaves FALSE out. */
		if (ts_peek(q, qe, 0x01) && (ts_take(&q, qe, 0x01, &crit) == -1 ||
		    crit.len != 1 || crit.p[0] != 0xff))
			return -1;
		if (ts_take(&q, qe, 0x04, &val) == -1 || q != qe ||
		    ts_walk_ext(type, val.p, val.p + val.len, f) == -1)
			return -1;
	}
	return 0;
}

/* INTEGER as OpenSSL's c2i takes it: non-empty, no redundant leading
 * 00 or FF. */
static int
ts_walk_serial(const struct ts_tlv *v)
{
	if (v->len == 0)
		return -1;
	if (v->len > 1 && ((v->p[0] == 0x00 && !(v->p[1] & 0x80)) ||
	    (v->p[0] == 0xff && (v->p[1] & 0x80))))
		return -1;
	return 0;
}

static int
ts_walk(const unsigned char *der, size_t len, struct ts_fast *f)
{
	const unsigned char *p = der, *end = der + len, *q, *qe;
	struct ts_tlv cert, tbs, alg, outer, sig, ver, name, validity, spki;
	struct ts_tlv exts;

	/* The whole buffer is one certificate; trailing bytes are OpenSSL's
	 * to refuse. */
	if (ts_take(&p, end, 0x30, &cert) == -1 || p != end)
		return -1;
	p = cert.p;
	end = cert.p + cert.len;
	if (ts_take(&p, end, 0x30, &tbs) == -1 ||
	    ts_take(&p, end, 0x30, &outer) == -1 ||
	    ts_take(&p, end, 0x03, &sig) == -1 || p != end ||
	    sig.len < 1 || sig.p[0] != 0)
		return -1;
	p = tbs.p;
	end = tbs.p + tbs.len;
	f->version = 0;
	if (ts_peek(p, end, 0xa0)) {
		/* v2 or v3; an explicit v1 is not DER */
		if (ts_take(&p, end, 0xa0, &ver) == -1 || ver.len != 3 ||
		    ver.p[0] != 0x02 || ver.p[1] != 0x01 ||
		    (ver.p[2] != 1 && ver.p[2] != 2))
			return -1;
		f->version = ver.p[2];
	}
	if (ts_take(&p, end, 0x02, &f->serial) == -1 ||
	    ts_walk_serial(&f->serial) == -1 ||
	    ts_take(&p, end, 0x30, &alg) == -1 ||
	    (f->sig = ts_walk_alg(&alg, ts_sigs, NELEM(ts_sigs))) == NULL)
		return -1;
	/* The outer algorithm must be the signed one, byte for byte: the
	 * facts show the outer one, the self-signed test uses the inner. */
	if (outer.len != alg.len || memcmp(outer.p, alg.p, alg.len) != 0)
		return -1;
	if (ts_take(&p, end, 0x30, &name) == -1 ||
	    ts_walk_name(&name, &f->issuer) == -1)
		return -1;
	if (ts_take(&p, end, 0x30, &validity) == -1)
		return -1;
	q = validity.p;
	qe = validity.p + validity.len;
	if (ts_walk_time(&q, qe, f->nb, &f->tnb) == -1 ||
	    ts_walk_time(&q, qe, f->na, &f->tna) == -1 || q != qe)
		return -1;
	if (ts_take(&p, end, 0x30, &name) == -1 ||
	    ts_walk_name(&name, &f->subject) == -1)
		return -1;
	if (ts_take(&p, end, 0x30, &spki) == -1 ||
	    ts_walk_key(&spki, f) == -1)
		return -1;
	/* No unique identifiers ([1], [2]); extensions only in v3. */
	if (p != end) {
		if (f->version != 2 || ts_take(&p, end, 0xa3, &exts) == -1 ||
		    p != end || ts_walk_exts(&exts, f) == -1)
			return -1;
	}
	return 0;
}

/* ---- the facts ------------------------------------------------------- */

/*
 * The name as X509_NAME_print_ex(XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB)
 * prints it, for printable ASCII values: last RDN first, ',' between,
 * short names; a backslash before any of ,+"\<>; and before a space at
 * either end or a '#' first (but not a lone '#': OpenSSL marks a
 * one-character value as the last one only).
 */
static size_t
ts_name_text(const struct ts_name *nm, char *start)
{
	char *o = start;
	size_t i, k, n;

	for (i = nm->n; i-- > 0;) {
		const unsigned char *v = nm->rdn[i].v;

		if (i != nm->n - 1)
			*o++ = ',';
		n = strlen(nm->rdn[i].type->name);
		memcpy(o, nm->rdn[i].type->name, n);
		o += n;
		*o++ = '=';
		n = nm->rdn[i].len;
		for (k = 0; k < n; k++) {
			switch (v[k]) {
			case ',': case '+': case '"': case '\\':
			case '<': case '>': case ';':
				*o++ = '\\';
				break;
			case ' ':
				if (k == 0 || k == n - 1)
					*o++ = '\\';
				break;
			case '#':
				if (k == 0 && n > 1)
					*o++ = '\\';
				break;
			}
			*o++ = (char)v[k];
		}
	}
	return (size_t)(o - start);
}

static int
ts_print_name(struct ts_cert *c, const struct ts_name *nm, size_t *off,
    size_t *len)
{
	char *o;

	if ((o = ts_str_room(c, nm->textmax)) == NULL)
		return -1;
	*len = ts_name_text(nm, o);
	*off = ts_str_claim(c, *len);
	return 0;
}

static size_t
ts_der_len(unsigned char *o, size_t n)
{
	if (n < 0x80) {
		o[0] = (unsigned char)n;
		return 1;
	}
	if (n < 0x100) {
		o[0] = 0x81;
		o[1] = (unsigned char)n;
		return 2;
	}
	o[0] = 0x82;
	o[1] = (unsigned char)(n >> 8);
	o[2] = (unsigned char)n;
	return 3;
}

/*
 * OpenSSL's canonical encoding of a name (x509_name_canon), the input of
 * the subject hash and of name comparison: per RDN a SET holding
 * SEQUENCE { OID, UTF8String }, the value with spaces trimmed at both
 * ends, inner runs of spaces made one, ASCII lowercased; the RDNs
 * concatenated without the outer SEQUENCE.  -1 if it does not fit.
 */
static int
ts_canon(const struct ts_name *nm, unsigned char *out, size_t cap,
    size_t *outlen)
{
	unsigned char val[1024];
	size_t i, k, n, vl, al, sl, used = 0;

	for (i = 0; i < nm->n; i++) {
		const unsigned char *v = nm->rdn[i].v;
		const struct ts_oid *t = nm->rdn[i].type;

		n = nm->rdn[i].len;
		if (n > sizeof(val))
			return -1;
		while (n > 0 && v[0] == ' ') {
			v++;
			n--;
		}
		while (n > 0 && v[n - 1] == ' ')
			n--;
		for (k = 0, vl = 0; k < n; k++) {
			if (v[k] == ' ' && val[vl - 1] == ' ')
				continue;	/* k > 0: v[0] is no space */
			val[vl++] = v[k] >= 'A' && v[k] <= 'Z' ?
			    v[k] + ('a' - 'A') : v[k];
		}
		/* sizes: value TLV, then SEQUENCE, then SET */
		al = 2 + t->len + 1 + (vl < 0x80 ? 1 : vl < 0x100 ? 2 : 3) +
		    vl;
		sl = 1 + (al < 0x80 ? 1 : al < 0x100 ? 2 : 3) + al;
		if (cap - used < 1 + (sl < 0x80 ? 1 : sl < 0x100 ? 2 : 3) + sl)
			return -1;
		out[used++] = 0x31;
		used += ts_der_len(out + used, sl);
		out[used++] = 0x30;
		used += ts_der_len(out + used, al);
		out[used++] = 0x06;
		out[used++] = (unsigned char)t->len;
		memcpy(out + used, t->der, t->len);
		used += t->len;
		out[used++] = 0x0c;
		used += ts_der_len(out + used, vl);
		memcpy(out + used, val, vl);
		used += vl;
	}
	*outlen = used;
	return 0;
}

/* Serial as the OpenSSL path shows it: sign, then the magnitude in
 * uppercase hex, as OpenSSL's c2i stores it. */
static int
ts_serial_fact(struct ts_cert *c, const struct ts_tlv *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p = s->p;
	size_t n = s->len, i, pad = 0;
	unsigned int carry = 1;
	int neg = p[0] & 0x80;
	char *o, *start;

	if (n > 1 && p[0] == 0x00)
		pad = 1;
	else if (n > 1 && p[0] == 0xff)
		for (i = 1; i < n; i++)
			if (p[i] != 0)
				pad = 1;
	p += pad;
	n -= pad;
	if ((start = o = ts_str_room(c, 2 * n + 1)) == NULL)
		return -1;
	if (neg)
		*o++ = '-';
	/* two's complement, least significant byte first, written in place */
	for (i = n; i-- > 0;) {
		unsigned int b = p[i];

		if (neg) {
			b = (b ^ 0xff) + carry;
			carry = b >> 8;
			b &= 0xff;
		}
		o[2 * i] = hex[b >> 4];
		o[2 * i + 1] = hex[b & 15];
	}
	o += 2 * n;
	return ts_add_off(c, "tsSerialNumber", ts_str_claim(c,
	    (size_t)(o - start)), (size_t)(o - start));
}

static int
ts_san_facts(struct ts_cert *c, const struct ts_tlv *san, unsigned int tag,
    const char *fact)
{
	const unsigned char *q = san->p, *qe = san->p + san->len;
	char ip[INET6_ADDRSTRLEN];
	struct ts_tlv w;

	while (q < qe) {
		unsigned int t = *q;

		if (ts_take(&q, qe, t, &w) == -1)
			return -1;
		if (t != tag)
			continue;
		if (t == 0x87) {
			/* glibc's inet_ntop writes RFC 5952 text. */
			if (inet_ntop(w.len == 4 ? AF_INET : AF_INET6, w.p, ip,
			    sizeof(ip)) == NULL || ts_adds(c, fact, ip))
				return -1;
		} else if (w.len > 0 &&
		    ts_add(c, fact, (const char *)w.p, w.len))
			return -1;
	}
	return 0;
}

/* A small non-negative number in decimal, without snprintf's cost. */
static int
ts_add_num(struct ts_cert *c, const char *name, int v)
{
	char buf[16], *o = buf + sizeof(buf);

	do {
		*--o = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && o > buf);
	return ts_add(c, name, o, (size_t)(buf + sizeof(buf) - o));
}

/* The facts in tscert.c's ts_facts() order. */
static int
ts_fast_facts(struct ts_cert *c, const struct ts_fast *f,
    const unsigned char *der, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char scanon[2048], icanon[2048], md[EVP_MAX_MD_SIZE];
	size_t soff, slen, ioff, ilen, sclen, iclen, k;
	unsigned int mdlen;
	const unsigned char *q, *qe;

	if (ts_canon(&f->subject, scanon, sizeof(scanon), &sclen) == -1 ||
	    ts_canon(&f->issuer, icanon, sizeof(icanon), &iclen) == -1)
		return -1;
	if (ts_print_name(c, &f->subject, &soff, &slen) ||
	    ts_print_name(c, &f->issuer, &ioff, &ilen))
		return -1;
	c->subject_off = soff;
	if (ts_add_off(c, "tsSubject", soff, slen) ||
	    ts_add_off(c, "tsIssuer", ioff, ilen) ||
	    ts_serial_fact(c, &f->serial))
		return -1;
	c->not_before = f->tnb;
	c->not_after = f->tna;
	if (ts_add(c, "tsNotBefore", f->nb, 15) ||
	    ts_add(c, "tsNotAfter", f->na, 15) ||
	    ts_fingerprints(c, der, len))
		return -1;
	/* X509_NAME_hash_ex: SHA-1 of the canonical encoding, the first
	 * four bytes read little-endian. */
	if (ts_digest(c, 0, scanon, sclen, md, &mdlen) == -1)
		return -1;
	for (k = 0; k < 4; k++) {
		c->subject_hash[6 - 2 * k] = hex[md[k] >> 4];
		c->subject_hash[7 - 2 * k] = hex[md[k] & 15];
	}
	c->subject_hash[8] = '\0';
	if (ts_add(c, "tsSubjectHash", c->subject_hash, 8) ||
	    (!c->stored_only && (ts_adds(c, "tsKeyAlgorithm", f->key->text) ||
	    ts_add_num(c, "tsKeyBits", f->keybits))) ||
	    ts_adds(c, "tsSignatureAlgorithm", f->sig->text))
		return -1;
	c->keytype = f->keytype;
	c->keybits = f->keybits;
	c->is_ca = f->is_ca;
	/* Self-signed as ts_is_self_signed(): equal canonical encodings are
	 * X509_NAME_cmp() == 0; an AKI key id must match the SKI. */
	c->self_signed = sclen == iclen && memcmp(scanon, icanon, sclen) == 0 &&
	    !((f->seen & (1U << TS_EXT_AKI)) && (f->seen & (1U << TS_EXT_SKI)) &&
	    (f->akid.len != f->ski.len ||
	    memcmp(f->akid.p, f->ski.p, f->ski.len) != 0)) &&
	    ts_sig_fits_key(f->sig->nid, NULL, f->key->nid);
	c->weak = f->sig->weak;
	if (ts_adds(c, "tsIsCA", c->is_ca ? "TRUE" : "FALSE"))
		return -1;
	/* the rest is computed on read (ts_cert_set_stored_only()) */
	if (c->stored_only)
		return 0;
	if (ts_adds(c, "tsSelfSigned", c->self_signed ? "TRUE" : "FALSE"))
		return -1;
	for (k = 0; k < 9; k++)
		if ((f->ku & (1U << k)) && ts_adds(c, "tsKeyUsage",
		    ts_ku_names[k]))
			return -1;
	if (f->seen & (1U << TS_EXT_EKU)) {
		q = f->eku.p;
		qe = f->eku.p + f->eku.len;
		while (q < qe) {
			const struct ts_oid *o = ts_take_oid(&q, qe, ts_ekus,
			    NELEM(ts_ekus));

			if (o == NULL || ts_adds(c, "tsExtKeyUsage", o->name))
				return -1;
		}
	}
	if ((f->seen & (1U << TS_EXT_SAN)) &&
	    (ts_san_facts(c, &f->san, 0x82, "tsDNSName") ||
	    ts_san_facts(c, &f->san, 0x87, "tsIPAddress") ||
	    ts_san_facts(c, &f->san, 0x81, "tsEmail") ||
	    ts_san_facts(c, &f->san, 0x86, "tsURI")))
		return -1;
	if ((f->seen & (1U << TS_EXT_SKI)) && f->ski.len > 0 &&
	    ts_add_hex(c, "tsSubjectKeyIdentifier", f->ski.p, f->ski.len))
		return -1;
	if ((f->seen & (1U << TS_EXT_AKI)) && f->akid.len > 0 &&
	    ts_add_hex(c, "tsAuthorityKeyIdentifier", f->akid.p, f->akid.len))
		return -1;
	if (ts_add_num(c, "tsVersion", f->version + 1))
		return -1;
	return 0;
}

int
ts_fast_name_hash(const unsigned char *der, size_t len, unsigned long *hash)
{
	const unsigned char *p = der, *end = der + len;
	unsigned char canon[2048], md[EVP_MAX_MD_SIZE];
	struct ts_name nm;
	struct ts_tlv v;
	unsigned int mdlen;
	size_t clen;

	if (ts_init() == -1 || ts_take(&p, end, 0x30, &v) == -1 || p != end ||
	    ts_walk_name(&v, &nm) == -1 ||
	    ts_canon(&nm, canon, sizeof(canon), &clen) == -1 ||
	    ts_digest(NULL, 0, canon, clen, md, &mdlen) == -1)
		return 1;
	*hash = (unsigned long)md[0] | (unsigned long)md[1] << 8 |
	    (unsigned long)md[2] << 16 | (unsigned long)md[3] << 24;
	return 0;
}

int
ts_fast_parse(struct ts_cert *c, const unsigned char *der, size_t len)
{
	struct ts_fast f;

	memset(&f, 0, sizeof(f));
	if (ts_walk(der, len, &f) == -1 ||
	    ts_fast_facts(c, &f, der, len) == -1 ||
	    ts_cert_keep(c, der, len) == -1)
		return 1;
	return 0;
}

/*
 * The subject as ts_cert_subject() gives it, walking only the TLVs before
 * it: for messages about certificates nothing else needs parsed (the few
 * of a bundle a server refused).  No key is decoded and no digest taken,
 * so OpenSSL's providers are never loaded for it; names the walk does not
 * know are printed by OpenSSL from the Name alone.
 */
char *
ts_der_subject(const void *buf, size_t len)
{
	const unsigned char *name_at, *p;
	size_t name_len;
	struct ts_tlv v;
	struct ts_name nm;
	X509_NAME *xn = NULL;
	BIO *bio = NULL;
	char *out = NULL, *s;
	long n;

	if (ts_der_subject_tlv(buf, len, &name_at, &name_len) == -1)
		goto done;
	/* an empty name prints as nothing, as the parse gives it */
	if (name_len == 2) {
		out = strdup("");
		goto done;
	}
	ts_fast_init();
	p = name_at;
	if (ts_take(&p, name_at + name_len, 0x30, &v) == 0 &&
	    ts_walk_name(&v, &nm) == 0) {
		if ((out = malloc(nm.textmax + 1)) != NULL)
			out[ts_name_text(&nm, out)] = '\0';
		goto done;
	}
	if ((xn = d2i_X509_NAME(NULL, &name_at, (long)name_len)) == NULL ||
	    (bio = BIO_new(BIO_s_mem())) == NULL ||
	    X509_NAME_print_ex(bio, xn, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) < 0)
		goto done;
	n = BIO_get_mem_data(bio, &s);
	if (n > 0 && ts_utf8_valid(s, (size_t)n) &&
	    (out = malloc(n + 1)) != NULL) {
		memcpy(out, s, n);
		out[n] = '\0';
	}
 done:
	X509_NAME_free(xn);
	BIO_free(bio);
	ERR_clear_error();
	return out;
}
