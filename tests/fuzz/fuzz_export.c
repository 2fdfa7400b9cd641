/* fuzz_export.c - libFuzzer: arbitrary bytes into the exporter */
/*
 * ts_der_subject_hash() walks DER by hand to avoid decoding the key; on
 * any input it must not crash, and whenever the library accepts the
 * input as a certificate (what the overlay stores; stricter than
 * d2i_X509, which also takes some BER) the hash must equal
 * X509_subject_name_hash (what names the files of a hashed directory).  The catalogue must take or refuse the
 * input without leaking.  A disagreement aborts.  Run by t150.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

#include "tscert.h"
#include "tsexport.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ts_export *exp;
	static struct ts_cert *c;
	const unsigned char *p = data;
	unsigned long h = 0;
	X509 *x;
	int rc;

	if (exp == NULL && (exp = ts_export_new()) == NULL)
		abort();
	rc = ts_der_subject_hash(data, size, &h);
	if (c == NULL && (c = ts_cert_new()) == NULL)
		abort();
	if (ts_cert_parse(c, data, size) == 0 &&
	    (x = d2i_X509(NULL, &p, (long)size)) != NULL) {
		if (rc != 0 || h != X509_subject_name_hash(x)) {
			fprintf(stderr, "subject hash %08lx (rc %d), openssl "
			    "%08lx\n", h, rc, X509_subject_name_hash(x));
			abort();
		}
		X509_free(x);
	}
	/* in memory only (no directory set): put, replace, remove */
	if (ts_export_put(exp, "k", "alias\n", data, size) != (rc == 0 ? 0 : -1))
		abort();
	ts_export_remove(exp, "k");
	if (ts_export_count(exp) != 0)
		abort();
	return 0;
}
