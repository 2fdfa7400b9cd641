/* fuzz_pem.c - libFuzzer: arbitrary bytes as PEM/DER/PKCS#7 input */
/*
 * ts_decode_certs must split or refuse cleanly; every piece it returns is
 * then parsed, which must not crash either.  Run by t900-fuzz.sh.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tscert.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_cert *c;
	struct ts_blob *certs = NULL;
	enum ts_kind found;
	char msg[256];
	size_t n = 0, i;

	if (c == NULL && (c = ts_cert_new()) == NULL)
		abort();
	memset(msg, 'x', sizeof(msg));
	if (ts_decode_certs(data, size, &certs, &n, &found, msg,
	    sizeof(msg)) == -1) {
		/* a NUL-terminated message naming the problem, no pieces */
		if (memchr(msg, '\0', sizeof(msg)) == NULL || msg[0] == '\0' ||
		    certs != NULL || n != 0)
			abort();
		return 0;
	}
	if (n == 0 || certs == NULL)
		abort();
	for (i = 0; i < n; i++) {
		if (certs[i].len == 0)
			abort();
		(void)ts_cert_parse(c, certs[i].data, certs[i].len);
	}
	ts_blobs_free(certs, n);
	(void)ts_identify(data, size);
	return 0;
}
