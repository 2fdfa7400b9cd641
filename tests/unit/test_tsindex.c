/* test_tsindex.c - the in-memory lookup index against a model */
/*
 * Random puts, replacements and removals on a few thousand entries, with
 * fingerprints and subject hashes drawn from small pools so that many
 * entries share them; after each batch every pool value is looked up and
 * the answer compared with a plain array.  Then keys taken from DER
 * against OpenSSL's own digest and name hash.  Exit status = failures.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "tscert.h"
#include "tsindex.h"

#include "check.h"

#define NENT	3000
#define NFP	500
#define NSH	50

static char fps[NFP][65], shs[NSH][9];
static struct {
	int	 live;
	int	 fp, sh;
	unsigned char uuid[TS_INDEX_UUID_LEN];
} model[NENT];

static void
key_of(int i, char *buf, size_t len)
{
	snprintf(buf, len, "cn=alias %d,ou=certs,o=ts", i);
}

struct seen {
	int	 n;
	int	 bad;
	int	 want_fp, want_sh;	/* -1: not checked */
};

static int
seen_cb(void *arg, const char *key, const unsigned char *uuid)
{
	struct seen *s = arg;
	int i;

	s->n++;
	if (sscanf(key, "cn=alias %d,", &i) != 1 || i < 0 || i >= NENT ||
	    !model[i].live ||
	    memcmp(uuid, model[i].uuid, TS_INDEX_UUID_LEN) != 0 ||
	    (s->want_fp >= 0 && model[i].fp != s->want_fp) ||
	    (s->want_sh >= 0 && model[i].sh != s->want_sh))
		s->bad++;
	return 0;
}

static void
verify(struct ts_index *idx, const char *when)
{
	struct seen s;
	int v, i, want, live = 0;

	for (i = 0; i < NENT; i++)
		live += model[i].live;
	CHECK(ts_index_count(idx) == (size_t)live, "%s: count %zu, want %d",
	    when, ts_index_count(idx), live);
	for (v = 0; v < NFP; v++) {
		for (want = 0, i = 0; i < NENT; i++)
			want += model[i].live && model[i].fp == v;
		memset(&s, 0, sizeof(s));
		s.want_fp = v;
		s.want_sh = -1;
		ts_index_find(idx, TS_INDEX_FP, fps[v], 64, seen_cb, &s);
		if (s.n != want || s.bad) {
			CHECK(0, "%s: fp %d: %d found (%d wrong), want %d",
			    when, v, s.n, s.bad, want);
			return;
		}
	}
	for (v = 0; v < NSH; v++) {
		for (want = 0, i = 0; i < NENT; i++)
			want += model[i].live && model[i].sh == v;
		memset(&s, 0, sizeof(s));
		s.want_fp = -1;
		s.want_sh = v;
		ts_index_find(idx, TS_INDEX_SUBJECT_HASH, shs[v], 8, seen_cb,
		    &s);
		if (s.n != want || s.bad) {
			CHECK(0, "%s: hash %d: %d found (%d wrong), want %d",
			    when, v, s.n, s.bad, want);
			return;
		}
	}
	passed++;
}

static int
stop_cb(void *arg, const char *key, const unsigned char *uuid)
{
	(void)arg;
	(void)key;
	(void)uuid;
	return 1;
}

static void
test_model(void)
{
	struct ts_index *idx = ts_index_new();
	unsigned char u[TS_INDEX_UUID_LEN];
	char key[64], key2[64], upper[65];
	struct seen s;
	int round, op, i, k;

	srand(8);
	for (i = 0; i < NFP; i++)
		for (k = 0; k < 64; k++)
			fps[i][k] = "0123456789abcdef"[rand() % 16];
	for (i = 0; i < NSH; i++)
		snprintf(shs[i], sizeof(shs[i]), "%08x", (unsigned)rand());

	CHECK(idx != NULL, "ts_index_new");
	if (idx == NULL)
		return;
	verify(idx, "empty");
	for (round = 0; round < 8; round++) {
		for (op = 0; op < 2000; op++) {
			i = rand() % NENT;
			key_of(i, key, sizeof(key));
			if (rand() % 8 == 0) {
				/* a rename onto a key not in use */
				k = rand() % NENT;
				if (k == i || model[k].live)
					continue;
				key_of(k, key2, sizeof(key2));
				CHECK(ts_index_rename(idx, key, key2) ==
				    model[i].live, "rename %s", key);
				if (model[i].live) {
					model[k] = model[i];
					model[i].live = 0;
				}
				continue;
			}
			if (rand() % 4 == 0) {
				CHECK(ts_index_remove(idx, key) == model[i].live,
				    "remove %s", key);
				model[i].live = 0;
				continue;
			}
			model[i].fp = rand() % NFP;
			model[i].sh = rand() % NSH;
			for (k = 0; k < TS_INDEX_UUID_LEN; k++)
				model[i].uuid[k] = (unsigned char)rand();
			CHECK(ts_index_put(idx, key, model[i].uuid,
			    fps[model[i].fp], shs[model[i].sh]) == 0,
			    "put %s", key);
			model[i].live = 1;
		}
		verify(idx, "after a batch");
	}

	/* the handle of a known entry, none for an unknown one */
	for (i = 0; i < NENT && !model[i].live; i++)
		;
	key_of(i, key, sizeof(key));
	CHECK(ts_index_uuid(idx, key, u) == 0 &&
	    memcmp(u, model[i].uuid, sizeof(u)) == 0, "uuid of %s", key);
	CHECK(ts_index_uuid(idx, "cn=nobody", u) == -1, "uuid of nobody");
	/* a rename that keeps the normalized DN keeps the record */
	CHECK(ts_index_rename(idx, key, key) == 1 &&
	    ts_index_uuid(idx, key, u) == 0 &&
	    memcmp(u, model[i].uuid, sizeof(u)) == 0, "rename onto itself");
	CHECK(ts_index_rename(idx, "cn=nobody", "cn=somebody") == 0,
	    "rename of nobody");

	/* a fingerprint in upper case finds the same entries */
	for (k = 0; k < 65; k++)
		upper[k] = (char)(fps[model[i].fp][k] >= 'a' ?
		    fps[model[i].fp][k] - 32 : fps[model[i].fp][k]);
	memset(&s, 0, sizeof(s));
	s.want_fp = model[i].fp;
	s.want_sh = -1;
	CHECK(ts_index_find(idx, TS_INDEX_FP, upper, 64, seen_cb, &s) > 0 &&
	    s.bad == 0, "upper-case fingerprint");

	/* values that cannot be keys match nothing; fn can stop the walk */
	memset(&s, 0, sizeof(s));
	CHECK(ts_index_find(idx, TS_INDEX_FP, fps[0], 63, seen_cb, &s) == 0,
	    "short fingerprint");
	CHECK(ts_index_find(idx, TS_INDEX_FP, "zz", 2, seen_cb, &s) == 0,
	    "non-hex fingerprint");
	/* every byte that is not a hex digit, at every place: no match */
	for (k = 0; k < 256; k++) {
		if ((k >= '0' && k <= '9') || (k >= 'a' && k <= 'f') ||
		    (k >= 'A' && k <= 'F'))
			continue;
		memcpy(upper, fps[model[i].fp], 65);
		upper[k % 64] = (char)k;
		CHECK(ts_index_find(idx, TS_INDEX_FP, upper, 64, seen_cb,
		    &s) == 0, "byte 0x%02x at %d of a fingerprint", k, k % 64);
		memcpy(upper, shs[model[i].sh], 9);
		upper[k % 8] = (char)k;
		CHECK(ts_index_find(idx, TS_INDEX_SUBJECT_HASH, upper, 8,
		    seen_cb, &s) == 0, "byte 0x%02x in a subject hash", k);
	}
	CHECK(ts_index_find(idx, TS_INDEX_SUBJECT_HASH, "1234567g", 8, seen_cb,
	    &s) == 0, "non-hex hash");
	CHECK(ts_index_find(idx, TS_INDEX_SUBJECT_HASH, shs[0], 7, seen_cb,
	    &s) == 0, "short hash");
	CHECK(ts_index_find(idx, TS_INDEX_SUBJECT_HASH, shs[model[i].sh], 8,
	    stop_cb, NULL) == 1, "stopping the walk");

	/* a malformed key is refused and the entry's old record is gone */
	CHECK(ts_index_put(idx, key, u, "abc", shs[0]) == -1,
	    "malformed fingerprint refused");
	CHECK(ts_index_uuid(idx, key, u) == -1, "old record dropped");
	model[i].live = 0;
	CHECK(ts_index_put(idx, "cn=x", u, fps[0], "xyz") == -1,
	    "malformed hash refused");
	verify(idx, "after refusals");

	ts_index_clear(idx);
	memset(model, 0, sizeof(model));
	verify(idx, "cleared");
	ts_index_free(idx);
}

/* Keys from DER agree with OpenSSL's digest and subject name hash. */
static void
test_der(void)
{
	struct ts_index *idx = ts_index_new();
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	unsigned char u[TS_INDEX_UUID_LEN] = { 1 }, md[32], *der = NULL;
	char fp[65], sh[9];
	unsigned int mdlen;
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	struct seen s;
	int len, k;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)"Index Test CA", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8,
	    (const unsigned char *)"Some  Org", -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	len = i2d_X509(x, &der);
	EVP_Digest(der, len, md, &mdlen, EVP_sha256(), NULL);
	for (k = 0; k < 32; k++)
		snprintf(fp + 2 * k, 3, "%02X", md[k]);
	snprintf(sh, sizeof(sh), "%08lx", X509_subject_name_hash(x));

	CHECK(ts_index_put_der(idx, "cn=der", u, der, len) == 0, "put_der");
	memset(&s, 0, sizeof(s));
	CHECK(ts_index_find(idx, TS_INDEX_FP, fp, 64, stop_cb, NULL) == 1,
	    "found by OpenSSL's SHA-256");
	CHECK(ts_index_find(idx, TS_INDEX_SUBJECT_HASH, sh, 8, stop_cb,
	    NULL) == 1, "found by OpenSSL's subject hash %s", sh);
	/* not a certificate: refused, and the entry forgotten */
	CHECK(ts_index_put_der(idx, "cn=der", u, "junk", 4) == -1,
	    "junk refused");
	CHECK(ts_index_count(idx) == 0, "junk dropped the old record");

	OPENSSL_free(der);
	X509_NAME_free(n);
	X509_free(x);
	EVP_PKEY_free(key);
	ts_index_free(idx);
}

int
main(void)
{
	test_model();
	test_der();
	printf("test_tsindex: %d passed, %d failed\n", passed, failed);
	return failed;
}
