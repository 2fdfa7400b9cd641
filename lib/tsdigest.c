/* tsdigest.c - SHA-1 and SHA-256 without OpenSSL's provider machinery */
/*
 * Why not EVP: the first EVP digest of a process loads OpenSSL's
 * configuration and builds its provider and algorithm tables, which costs
 * more than hashing a whole CA bundle (measured with callgrind on
 * `ldaptrust import --all`: 5.3M instructions for the first fetch against
 * 4.3M for 144 digests).  A client that only splits a bundle and sends it
 * needs the fingerprints and nothing else from libcrypto, so it hashes
 * with the SHA-256 functions that run without providers.
 *
 * Every parse hashes three times (both fingerprints, the subject for its
 * hash), and each EVP digest asks the engine table and the provider
 * dispatch first: in slapd's add path, interleaved with slapd's own work,
 * that bookkeeping cost more than the hashing (perf, session 13).  So
 * ts_digest() hashes here too.  The fingerprints are names, not
 * signatures: nothing is lost by passing a FIPS provider by.  OpenSSL 3
 * marks these functions deprecated, not removed; should a release drop
 * them, ts_sha_raw() says so and the callers take the EVP path.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

#include "tscert.h"
#include "tsint.h"

/* 0, or -1 when this OpenSSL has no low-level SHA functions (or fails) */
int
ts_sha_raw(int sha256, const void *data, size_t len, unsigned char *md,
    unsigned int *mdlen)
{
#ifndef OPENSSL_NO_DEPRECATED_3_0
	if (sha256) {
		SHA256_CTX ctx;

		if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, data, len) ||
		    !SHA256_Final(md, &ctx))
			return -1;
		*mdlen = SHA256_DIGEST_LENGTH;
	} else {
		SHA_CTX ctx;

		if (!SHA1_Init(&ctx) || !SHA1_Update(&ctx, data, len) ||
		    !SHA1_Final(md, &ctx))
			return -1;
		*mdlen = SHA_DIGEST_LENGTH;
	}
	return 0;
#else
	(void)sha256; (void)data; (void)len; (void)md; (void)mdlen;
	return -1;
#endif
}

int
ts_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;
	int rc = -1;

	unsigned int mdlen;

	out[0] = '\0';
	if (ts_sha_raw(1, data, len, md, &mdlen) == -1 &&
	    !EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		goto done;
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	rc = 0;
 done:
	return rc;
}
