/* tsdigest.c - SHA-256 fingerprints without OpenSSL's provider machinery */
/*
 * Why not EVP: the first EVP digest of a process loads OpenSSL's
 * configuration and builds its provider and algorithm tables, which costs
 * more than hashing a whole CA bundle (measured with callgrind on
 * `ldaptrust import --all`: 5.3M instructions for the first fetch against
 * 4.3M for 144 digests).  A client that only splits a bundle and sends it
 * needs the fingerprints and nothing else from libcrypto, so it hashes
 * with the SHA-256 functions that run without providers.  OpenSSL 3
 * marks them deprecated, not removed; should a release drop them, the
 * EVP path below takes over.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>

#include "tscert.h"

int
ts_sha256_hex(const void *data, size_t len, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[SHA256_DIGEST_LENGTH];
	size_t i;
	int rc = -1;

	out[0] = '\0';
#ifndef OPENSSL_NO_DEPRECATED_3_0
	{
		SHA256_CTX ctx;

		if (!SHA256_Init(&ctx) || !SHA256_Update(&ctx, data, len) ||
		    !SHA256_Final(md, &ctx))
			goto done;
	}
#else
	if (!EVP_Digest(data, len, md, NULL, EVP_sha256(), NULL))
		goto done;
#endif
	for (i = 0; i < sizeof(md); i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[64] = '\0';
	rc = 0;
 done:
	return rc;
}
