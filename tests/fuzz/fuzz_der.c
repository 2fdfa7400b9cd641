/* fuzz_der.c - libFuzzer: arbitrary bytes as a DER certificate */
/*
 * Every input must give either a clean refusal (a reason and a UTF-8
 * message) or a full set of facts, and the verdict and facts must equal
 * the d2i_X509 oracle's (tests/unit/tsoracle.h).  The library's fast DER
 * walk (lib/tsfast.c) must also agree byte for byte with its OpenSSL
 * path on every input it takes.  A disagreement aborts, so libFuzzer
 * keeps the input as a crash.  Run by t900-fuzz.sh.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tscert.h"
#include "../unit/tsoracle.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_cert *c;
	struct ts_policy pol;
	enum ts_reason why;
	enum ts_kind k;
	char msg[700];
	size_t plen, n;
	char *pem;
	int fast;

	if (c == NULL && (c = ts_cert_new()) == NULL)
		abort();
	k = ts_identify(data, size);
	if ((int)k < TS_KIND_UNKNOWN || k > TS_KIND_PKCS12)
		abort();
	if (oracle_compare(c, data, size, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "library and oracle disagree: %s\n", msg);
		abort();
	}
	if (path_compare(data, size, &fast, msg, sizeof(msg)) != 0) {
		fprintf(stderr, "fast and slow paths disagree: %s\n", msg);
		abort();
	}
	/* the overlay's add path parses with a writer's handle */
	if (stored_only_compare(data, size, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "stored-only and full parses disagree: %s\n",
		    msg);
		abort();
	}
	if (name_hash_compare(data, size, msg, sizeof(msg)) == -1) {
		fprintf(stderr, "fast name hash and OpenSSL's disagree: %s\n",
		    msg);
		abort();
	}
	/* the client's name for a certificate, on anything */
	free(ts_der_subject(data, size));
	if (ts_cert_parse(c, data, size) == -1) {
		if (ts_cert_reason(c) == TS_OK || ts_cert_error(c) == NULL)
			abort();
		if (ts_cert_reason(c) == TS_ERR_NOT_CERT &&
		    ts_cert_kind(c) == TS_KIND_UNKNOWN)
			abort();
		return 0;
	}
	/* Accepted: the rest of the API must hold up too. */
	if (ts_cert_der(c, &n) == NULL || n != size ||
	    memcmp(ts_cert_der(c, NULL), data, size) != 0 ||
	    strlen(ts_cert_sha256_hex(c)) != 64 ||
	    strlen(ts_cert_subject_hash(c)) != 8 ||
	    ts_cert_subject(c) == NULL)
		abort();
	{
		/* what ldaptrust computes without a parse */
		char hex[65], *subject = ts_der_subject(data, size);

		if (subject == NULL ||
		    strcmp(subject, ts_cert_subject(c)) != 0 ||
		    ts_sha256_hex(data, size, hex) != 0 ||
		    strcmp(hex, ts_cert_sha256_hex(c)) != 0)
			abort();
		free(subject);
	}
	ts_policy_defaults(&pol);
	if (ts_policy_check(&pol, c, 1800000000, &why, msg, sizeof(msg)) ==
	    -1 && (why == TS_OK || !or_utf8((unsigned char *)msg,
	    strlen(msg))))
		abort();
	if ((pem = ts_pem_encode(data, size, &plen)) == NULL)
		abort();
	{
		struct ts_blob *certs;
		enum ts_kind found;

		if (ts_decode_certs(pem, plen, &certs, &n, &found, msg,
		    sizeof(msg)) == -1 || n != 1 || certs[0].len != size ||
		    memcmp(certs[0].data, data, size) != 0)
			abort();
		ts_blobs_free(certs, n);
	}
	free(pem);
	return 0;
}
