/* tscert.h - certificate facts: bytes in, attribute/value facts out */
/*
 * This library knows X.509 and OpenSSL, and nothing about LDAP or slapd.
 * It is shared by the slapd overlay, the ldaptrust client, the unit tests
 * and the fuzzers.  The API follows libtls: opaque handles, _new/_free,
 * functions return 0 or -1, and the last error can be asked for as text.
 * Memory returned by the library is malloc()ed and freed by the library's
 * own _free functions.
 */
#ifndef TSCERT_H
#define TSCERT_H

#include <stddef.h>
#include <stdint.h>

/* The project's OID arc: a UUID arc (ITU-T X.667), needs no registration. */
#define TS_OID_ARC	"2.25.795975447174873381349700427275764363"

/* What a buffer was found to hold, used to name refused input. */
enum ts_kind {
	TS_KIND_UNKNOWN = 0,
	TS_KIND_CERTIFICATE,
	TS_KIND_PRIVATE_KEY,
	TS_KIND_ENCRYPTED_PRIVATE_KEY,
	TS_KIND_PUBLIC_KEY,
	TS_KIND_CSR,
	TS_KIND_CRL,
	TS_KIND_PKCS7,
	TS_KIND_PKCS12
};

/* Why a certificate was refused.  The overlay maps each to an LDAP code. */
enum ts_reason {
	TS_OK = 0,
	TS_ERR_SYNTAX,		/* not a well-formed DER X.509 certificate */
	TS_ERR_NOT_CERT,	/* something else: ts_cert_kind() says what */
	TS_ERR_TRAILING,	/* a certificate followed by more bytes */
	TS_ERR_NAME,		/* a name that cannot be shown as UTF-8 */
	TS_ERR_TOO_LARGE,	/* policy: larger than max_size */
	TS_ERR_EXPIRED,		/* policy */
	TS_ERR_NOT_YET_VALID,	/* policy */
	TS_ERR_WEAK_KEY,	/* policy: RSA key below min_rsa_bits */
	TS_ERR_WEAK_SIGNATURE,	/* policy: MD5 or SHA-1 signature */
	TS_ERR_NOT_CA,		/* policy: require_ca and not a CA */
	TS_ERR_MEMORY
};

/* Key families the policy needs to tell apart. */
enum ts_keytype {
	TS_KEY_OTHER = 0,
	TS_KEY_RSA,
	TS_KEY_EC,
	TS_KEY_ED25519,
	TS_KEY_ED448,
	TS_KEY_DSA
};

/* tsStatus values, computed when an entry is read. */
enum ts_status {
	TS_STATUS_VALID = 0,
	TS_STATUS_EXPIRING,
	TS_STATUS_EXPIRED,
	TS_STATUS_NOT_YET_VALID
};

/*
 * One decoration: name is the attribute name (tsSubject, ...), value is
 * NUL-terminated UTF-8 and len its length.  Multi-valued facts appear as
 * several entries with the same name, in certificate order.  Facts come in
 * a fixed order, so identical input gives byte-identical output anywhere.
 */
struct ts_fact {
	const char	*name;
	const char	*value;
	size_t		 len;
};

struct ts_cert;

/*
 * Whether the overlay stores a fact in the entry (1) or computes it from
 * the certificate each time it is read (0).  Stored are the facts that
 * searches select on and the ones the overlay reads itself: names,
 * serial, validity, the SHA-256 fingerprint, the subject hash and the CA
 * flag.  Keeping the rest out keeps an entry small enough for LMDB's
 * leaf pages (see docs/performance.md).
 */
int		 ts_fact_stored(const char *name);
/* Their names, NULL-terminated. */
const char *const *ts_fact_stored_names(void);
/* The names of the others, which the overlay computes, NULL-terminated. */
const char *const *ts_fact_computed_names(void);

/* The alias rules (see tsalias.c): 0, or -1 with the reason in msg. */
#define TS_ALIAS_MAX	64
int		 ts_alias_check(const char *alias, size_t len, char *msg,
		    size_t msglen);

struct ts_cert	*ts_cert_new(void);
void		 ts_cert_free(struct ts_cert *cert);

/*
 * Parse exactly one DER certificate filling the whole buffer.  A handle
 * may be reused: each call forgets the previous certificate.  On -1,
 * ts_cert_reason(), ts_cert_kind() and ts_cert_error() say why; the
 * message never echoes key material.
 */
int		 ts_cert_parse(struct ts_cert *cert, const void *der, size_t len);
const char	*ts_cert_error(const struct ts_cert *cert);
enum ts_reason	 ts_cert_reason(const struct ts_cert *cert);
enum ts_kind	 ts_cert_kind(const struct ts_cert *cert);

/*
 * For a writer: the fast path (most certificates) then makes only the
 * facts an entry stores (ts_fact_stored()) and tsSignatureAlgorithm,
 * which a refusal names; OpenSSL's path still makes them all.  The others
 * (the SHA-1 fingerprint, key usages, alternative names, ...) are
 * computed when an entry is read, from a handle without this (see
 * docs/performance.md, sixteenth round, for what they cost an add).  What
 * a parse accepts does not change: the fast path's walk judges every
 * extension before any fact is made.
 */
void		 ts_cert_set_stored_only(struct ts_cert *cert, int on);

/* The decorations of the parsed certificate. */
int		 ts_cert_facts(const struct ts_cert *cert,
		    const struct ts_fact **facts, size_t *nfacts);

/* Facts the policy, the status and the exporter need, without strings. */
const unsigned char *ts_cert_der(const struct ts_cert *cert, size_t *len);
int64_t		 ts_cert_not_before(const struct ts_cert *cert);
int64_t		 ts_cert_not_after(const struct ts_cert *cert);
const char	*ts_cert_subject_hash(const struct ts_cert *cert); /* 8 hex */
const char	*ts_cert_sha256_hex(const struct ts_cert *cert);  /* 64 hex */
const char	*ts_cert_subject(const struct ts_cert *cert);     /* RFC 4514 */
enum ts_keytype	 ts_cert_key_type(const struct ts_cert *cert);
int		 ts_cert_key_bits(const struct ts_cert *cert);
int		 ts_cert_is_ca(const struct ts_cert *cert);
int		 ts_cert_self_signed(const struct ts_cert *cert);
/* "md5", "sha1" when the signature uses a weak digest, else NULL */
const char	*ts_cert_weak_digest(const struct ts_cert *cert);

/* Acceptance policy, each rule configurable. */
struct ts_policy {
	int	refuse_expired;		/* default 1 */
	int	refuse_not_yet_valid;	/* default 0 */
	int	min_rsa_bits;		/* default 2048; 0 disables */
	int	refuse_weak_signature;	/* default 1; ignored if self-signed */
	int	require_ca;		/* default 0 */
	size_t	max_size;		/* default 65536 bytes of DER */
};

void		 ts_policy_defaults(struct ts_policy *policy);
/* 0 if acceptable at time now; else -1, *why and a one-line message. */
int		 ts_policy_check(const struct ts_policy *policy,
		    const struct ts_cert *cert, int64_t now,
		    enum ts_reason *why, char *msg, size_t msglen);

enum ts_status	 ts_status_at(int64_t not_before, int64_t not_after,
		    int64_t now, int64_t window);
const char	*ts_status_name(enum ts_status status); /* "notYetValid", ... */
/* GeneralizedTime "YYYYMMDDHHMMSSZ" <-> seconds since the epoch. */
int		 ts_gentime_parse(const char *s, size_t len, int64_t *t);
void		 ts_gentime_format(int64_t t, char out[16]);

/*
 * Input in the forms administrators have: PEM text (one or more
 * CERTIFICATE blocks), a DER certificate, or PKCS#7 (DER or PEM).  Splits
 * it into DER certificates.  Anything else is refused with *found naming
 * what it is (a private key, a CSR, ...).
 */
struct ts_blob {
	unsigned char	*data;
	size_t		 len;
};

int		 ts_decode_certs(const void *buf, size_t len,
		    struct ts_blob **certs, size_t *ncerts,
		    enum ts_kind *found, char *msg, size_t msglen);
void		 ts_blobs_free(struct ts_blob *blobs, size_t n);
enum ts_kind	 ts_identify(const void *buf, size_t len);
const char	*ts_kind_name(enum ts_kind kind); /* "a private key", ... */

/*
 * The subject of a DER certificate, as ts_cert_subject() would give it
 * after a parse, without parsing the rest (no key decoded, no digest):
 * for naming certificates in messages.  malloc()ed ("" for an empty
 * subject); NULL when the input is not shaped like a certificate or the
 * name cannot be printed.
 */
char		*ts_der_subject(const void *der, size_t len);

/* SHA-256 of any bytes as 64 lowercase hex digits; 0, or -1 (out "").
 * Loads no OpenSSL provider (see tsdigest.c): for clients. */
int		 ts_sha256_hex(const void *data, size_t len, char out[65]);

/* PEM text of one DER certificate, malloc()ed, NUL-terminated. */
char		*ts_pem_encode(const void *der, size_t len, size_t *outlen);

#endif /* TSCERT_H */
