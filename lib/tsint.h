/* tsint.h - helpers shared by the library's own files, not part of the API */
#ifndef TSINT_H
#define TSINT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "tscert.h"

/* 1 if der starts with something shaped like an X.509 certificate. */
int		 ts_der_is_cert(const unsigned char *der, size_t len);

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates) and has no NUL. */
int		 ts_utf8_valid(const char *s, size_t len);

/* 1 if buf is PEM text (a "-----BEGIN " line somewhere in it). */
int		 ts_is_pem(const unsigned char *buf, size_t len);

/* A short, human reason for the oldest OpenSSL error queued, then clear it. */
const char	*ts_openssl_reason(void);

/*
 * The handle, shared by the two parsers in tscert.c (OpenSSL's ASN.1
 * templates, the reference) and tsfast.c (a strict DER walk for the
 * common shapes).  Facts are collected as offsets into one string buffer,
 * pointers fixed at the end, so a certificate with thousands of names
 * costs few mallocs.
 */
struct ts_cert {
	unsigned char	*der;
	size_t		 derlen;
	int		 ok;
	enum ts_reason	 reason;
	enum ts_kind	 kind;
	char		 error[256];

	struct ts_fact	*facts;
	size_t		*offs;
	size_t		 nfacts, capfacts;
	char		*str;
	size_t		 strused, strcap;
	size_t		 subject_off;

	int64_t		 not_before, not_after;
	char		 subject_hash[9];
	char		 sha256[65];
	enum ts_keytype	 keytype;
	int		 keybits;
	int		 is_ca;
	int		 self_signed;
	const char	*weak;

	/* Kept across parses: a digest context per algorithm, so that
	 * re-initialising it needs no allocation. */
	EVP_MD_CTX	*md_sha256, *md_sha1;
	int		 path;		/* enum ts_path */
	int		 took_fast;	/* the last parse was the fast path's */
	int		 stored_only;	/* ts_cert_set_stored_only() */
};

/* Which parser ts_cert_parse() may use.  TS_PATH_AUTO tries the fast
 * path first unless TS_CERT_SLOW=1 was in the environment at the first
 * parse; the tests force TS_PATH_SLOW to compare the two. */
enum ts_path {
	TS_PATH_AUTO = 0,
	TS_PATH_SLOW
};

void		 ts_cert_set_path(struct ts_cert *cert, enum ts_path path);
/* 1 if the last successful ts_cert_parse() took the fast path. */
int		 ts_cert_took_fast(const struct ts_cert *cert);

/* Building facts (tscert.c); each returns 0, or -1 when out of memory. */
int		 ts_str(struct ts_cert *c, const char *s, size_t len,
		    size_t *off);
/* Room for n bytes at the end of the string buffer, NULL if no memory;
 * ts_str_claim() then keeps len <= n of them and NUL-terminates. */
char		*ts_str_room(struct ts_cert *c, size_t n);
size_t		 ts_str_claim(struct ts_cert *c, size_t len);
int		 ts_add_off(struct ts_cert *c, const char *name, size_t off,
		    size_t len);
int		 ts_add(struct ts_cert *c, const char *name, const char *val,
		    size_t len);
int		 ts_adds(struct ts_cert *c, const char *name, const char *val);
int		 ts_add_hex(struct ts_cert *c, const char *name,
		    const unsigned char *p, size_t n);
/* The library's one-time set-up (digests, curves, tables); 0 if usable. */
int		 ts_init(void);
/* SHA-256 (sha256 != 0) or SHA-1 of data without providers (tsdigest.c);
 * -1 where this OpenSSL has no such functions. */
int		 ts_sha_raw(int sha256, const void *data, size_t len,
		    unsigned char *md, unsigned int *mdlen);
/* The same, falling back to EVP with the handle's context (or a one-shot
 * digest when c is NULL). */
int		 ts_digest(struct ts_cert *c, int sha256, const void *data,
		    size_t len, unsigned char *md, unsigned int *mdlen);
/* Fill sha256 and the two fingerprint facts. */
int		 ts_fingerprints(struct ts_cert *c, const unsigned char *der,
		    size_t len);

/* 0 and *bits if p is a point on the named curve; -1 if it is not; 1 if
 * the curve is not one the library checks itself. */
int		 ts_ec_point(int curve_nid, const unsigned char *p, size_t n,
		    int *bits);
/* What EVP_PKEY_get_bits says for Ed25519 (ed25519 != 0) or Ed448. */
int		 ts_eddsa_key_bits(int ed25519);
/* The self-signed test's last step: whether signature algorithm signid
 * fits the key, either decoded (key) or known by its SPKI OID only. */
int		 ts_sig_fits_key(int signid, EVP_PKEY *key, int spki_nid);
/* keyUsage bit names, bit 0 first, as the facts spell them. */
extern const char *const ts_ku_names[9];
/* "md5", "sha1", ... for a weak signature digest, else NULL. */
const char	*ts_weak_digest_name(int mdnid);

/*
 * The fast path (tsfast.c).  ts_fast_parse() returns 0 with the handle
 * filled exactly as the OpenSSL path would fill it, or 1 when the
 * certificate is not one it fully understands (the caller then resets
 * the handle and runs the OpenSSL path).  It never refuses.
 */
/* tsdecode.c: the subject Name's whole TLV inside a DER certificate */
int		 ts_der_subject_tlv(const unsigned char *der, size_t len,
		    const unsigned char **name, size_t *namelen);
/* tscert.c: the end of a successful parse (copy of der, fact pointers) */
int		 ts_cert_keep(struct ts_cert *c, const unsigned char *der,
		    size_t len);
void		 ts_fast_init(void);
int		 ts_fast_parse(struct ts_cert *c, const unsigned char *der,
		    size_t len);
/*
 * X509_NAME_hash_ex() of a DER Name (the whole SEQUENCE) without decoding
 * it: 0 and *hash for the names the fast path understands, 1 for any
 * other (then ask OpenSSL).  For the exporter, which hashes every
 * certificate it stores.
 */
int		 ts_fast_name_hash(const unsigned char *der, size_t len,
		    unsigned long *hash);
/* Number of table entries (OIDs, names) disagreeing with this OpenSSL;
 * the first is described in msg.  Each is left out of the fast path. */
int		 ts_fast_selftest(char *msg, size_t msglen);

#endif /* TSINT_H */
