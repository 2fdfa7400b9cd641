/* certgen.c - certificates and input files for the benchmarks */
/*
 * The benchmarks need up to a few hundred thousand distinct, well-formed,
 * unexpired certificates.  Generating a key per certificate would take
 * hours, so every certificate carries the same RSA-2048 public key and is
 * self-signed with it: each one is genuine (its signature verifies), only
 * the subject, the serial and the subjectAltName differ.  The costly part
 * is the RSA signature (~0.3 ms), so the work is split over one process
 * per processor.
 *
 *   certgen gen N DIR          DIR/key.pem (kept between runs), DIR/certs.der
 *                              (N DER certificates back to back) and
 *                              DIR/certs.idx (line i: SHA-256 hex, subject hash)
 *   certgen pem DERLIST DIR COUNT   COUNT PEM files DIR/cert-NNNNNN.pem
 *   certgen split BUNDLE DERLIST    a PEM bundle into a DER list (no parsing)
 *   certgen ldif DERLIST BASE PREFIX START COUNT [OC...]
 *                              LDIF of entries cn=PREFIXi,BASE (default
 *                              object class tsCertificate)
 *
 * The DER list format is the simplest possible: DER is self-delimiting, so
 * certificates are just concatenated; bench/derlist.h walks it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "derlist.h"

static void
die(const char *what)
{
	fprintf(stderr, "certgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

/* The shared key: made once, then reused so cached certificates stay valid. */
static EVP_PKEY *
load_or_make_key(const char *path)
{
	EVP_PKEY *key = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (key != NULL)
			return key;
	}
	if ((key = EVP_RSA_gen(2048)) == NULL)
		die("RSA key generation");
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	if (!PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		die("writing the key");
	fclose(f);
	return key;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

/* Certificate number i, as a back-end server's self-signed certificate. */
static X509 *
make_cert(EVP_PKEY *key, long i, time_t now)
{
	X509 *x = NULL;
	X509_NAME *name = NULL;
	ASN1_INTEGER *serial = NULL;
	char cn[64], san[96];
	X509 *ret = NULL;

	if ((x = X509_new()) == NULL || (name = X509_NAME_new()) == NULL ||
	    (serial = ASN1_INTEGER_new()) == NULL)
		goto done;
	snprintf(cn, sizeof(cn), "backend-%07ld.bench.example", i);
	snprintf(san, sizeof(san), "DNS:backend-%07ld.bench.example", i);
	/* A serial per certificate, not 1..N, so the values look realistic. */
	if (!ASN1_INTEGER_set_int64(serial,
	    (int64_t)0x5a17000000000000LL + i * 7919))
		goto done;
	if (!X509_set_version(x, 2) || !X509_set_serialNumber(x, serial) ||
	    !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"DE", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"Bench Hosting", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) ||
	    !X509_set_subject_name(x, name) || !X509_set_issuer_name(x, name) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, &now) ||
	    !X509_set_pubkey(x, key))
		goto done;
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature,keyEncipherment") == -1 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") == -1 ||
	    add_ext(x, NID_subject_alt_name, san) == -1 ||
	    add_ext(x, NID_subject_key_identifier, "hash") == -1)
		goto done;
	if (X509_sign(x, key, EVP_sha256()) <= 0)
		goto done;
	ret = x;
	x = NULL;
done:
	X509_free(x);
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	return ret;
}

/* One worker: certificates lo..hi-1 into DER and index part files. */
static void
gen_part(EVP_PKEY *key, long lo, long hi, const char *derpath,
    const char *idxpath, time_t now)
{
	FILE *der, *idx;
	unsigned char md[EVP_MAX_MD_SIZE], *buf = NULL;
	unsigned int mdlen, k;
	long i;
	int len;
	X509 *x;

	if ((der = fopen(derpath, "w")) == NULL || (idx = fopen(idxpath, "w")) == NULL)
		die("opening a part file");
	for (i = lo; i < hi; i++) {
		if ((x = make_cert(key, i, now)) == NULL)
			die("making a certificate");
		buf = NULL;
		if ((len = i2d_X509(x, &buf)) <= 0)
			die("encoding a certificate");
		fwrite(buf, 1, len, der);
		EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL);
		for (k = 0; k < mdlen; k++)
			fprintf(idx, "%02x", md[k]);
		fprintf(idx, " %08lx\n", X509_subject_name_hash(x));
		OPENSSL_free(buf);
		X509_free(x);
	}
	if (fclose(der) != 0 || fclose(idx) != 0)
		die("writing a part file");
}

static void
append_file(FILE *out, const char *path)
{
	char buf[65536];
	size_t n;
	FILE *in;

	if ((in = fopen(path, "r")) == NULL)
		die(path);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, out) != n)
			die("writing");
	fclose(in);
	unlink(path);
}

static int
cmd_gen(long n, const char *dir)
{
	char path[4096], der[4096], idx[4096];
	long jobs, j, lo, hi;
	EVP_PKEY *key;
	FILE *fd, *fi;
	time_t now = time(NULL);
	pid_t pid;
	int status, failed = 0;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	key = load_or_make_key(path);
	if ((jobs = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		jobs = 1;
	if (n < 1000)
		jobs = 1;
	for (j = 0; j < jobs; j++) {
		lo = n * j / jobs;
		hi = n * (j + 1) / jobs;
		snprintf(der, sizeof(der), "%s/part%ld.der", dir, j);
		snprintf(idx, sizeof(idx), "%s/part%ld.idx", dir, j);
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0) {
			gen_part(key, lo, hi, der, idx, now);
			_exit(0);
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
	if (failed)
		die("a worker failed");
	/* Written under temporary names so an interrupted run is not cached. */
	snprintf(der, sizeof(der), "%s/certs.der.tmp", dir);
	snprintf(idx, sizeof(idx), "%s/certs.idx.tmp", dir);
	if ((fd = fopen(der, "w")) == NULL || (fi = fopen(idx, "w")) == NULL)
		die("opening the output");
	for (j = 0; j < jobs; j++) {
		snprintf(path, sizeof(path), "%s/part%ld.der", dir, j);
		append_file(fd, path);
		snprintf(path, sizeof(path), "%s/part%ld.idx", dir, j);
		append_file(fi, path);
	}
	if (fclose(fd) != 0 || fclose(fi) != 0)
		die("writing the output");
	snprintf(path, sizeof(path), "%s/certs.idx", dir);
	if (rename(idx, path) == -1)
		die(path);
	snprintf(path, sizeof(path), "%s/certs.der", dir);
	if (rename(der, path) == -1)
		die(path);
	EVP_PKEY_free(key);
	return 0;
}

static void
write_pem(FILE *f, const unsigned char *der, size_t len)
{
	unsigned char line[80];
	size_t off, n;

	fputs("-----BEGIN CERTIFICATE-----\n", f);
	for (off = 0; off < len; off += 48) {
		n = len - off < 48 ? len - off : 48;
		EVP_EncodeBlock(line, der + off, (int)n);
		fprintf(f, "%s\n", line);
	}
	fputs("-----END CERTIFICATE-----\n", f);
}

static int
cmd_pem(const char *derlist, const char *dir, long count)
{
	struct derlist dl;
	char path[4096];
	long i;
	FILE *f;

	if (derlist_open(&dl, derlist) == -1)
		die(derlist);
	if (count > (long)dl.n)
		count = (long)dl.n;
	mkdir(dir, 0755);
	for (i = 0; i < count; i++) {
		snprintf(path, sizeof(path), "%s/cert-%07ld.pem", dir, i);
		if ((f = fopen(path, "w")) == NULL)
			die(path);
		write_pem(f, dl.item[i].der, dl.item[i].len);
		if (fclose(f) != 0)
			die(path);
	}
	derlist_close(&dl);
	return 0;
}

static int
cmd_split(const char *bundle, const char *out)
{
	char *name = NULL, *header = NULL;
	unsigned char *data = NULL;
	long len;
	BIO *in;
	FILE *f;

	if ((in = BIO_new_file(bundle, "r")) == NULL)
		die(bundle);
	if ((f = fopen(out, "w")) == NULL)
		die(out);
	while (PEM_read_bio(in, &name, &header, &data, &len)) {
		if (strcmp(name, "CERTIFICATE") == 0 ||
		    strcmp(name, "TRUSTED CERTIFICATE") == 0)
			fwrite(data, 1, len, f);
		OPENSSL_free(name);
		OPENSSL_free(header);
		OPENSSL_free(data);
	}
	BIO_free(in);
	if (fclose(f) != 0)
		die(out);
	return 0;
}

static void
write_b64(FILE *f, const unsigned char *der, size_t len)
{
	unsigned char *b64;

	if ((b64 = malloc(len / 3 * 4 + 8)) == NULL)
		die("malloc");
	EVP_EncodeBlock(b64, der, (int)len);
	fprintf(f, "%s\n", b64);
	free(b64);
}

static int
cmd_ldif(int argc, char **argv)
{
	struct derlist dl;
	const char *base = argv[1], *prefix = argv[2];
	long start = atol(argv[3]), count = atol(argv[4]), i;
	int k;

	if (derlist_open(&dl, argv[0]) == -1)
		die(argv[0]);
	if (start + count > (long)dl.n)
		count = (long)dl.n - start;
	for (i = start; i < start + count; i++) {
		printf("dn: cn=%s%ld,%s\n", prefix, i, base);
		if (argc > 5)
			for (k = 5; k < argc; k++)
				printf("objectClass: %s\n", argv[k]);
		else
			printf("objectClass: tsCertificate\n");
		printf("cn: %s%ld\nuserCertificate;binary:: ", prefix, i);
		write_b64(stdout, dl.item[i].der, dl.item[i].len);
		printf("\n");
	}
	derlist_close(&dl);
	return fflush(stdout) == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(atol(argv[2]), argv[3]);
	if (argc == 5 && strcmp(argv[1], "pem") == 0)
		return cmd_pem(argv[2], argv[3], atol(argv[4]));
	if (argc == 4 && strcmp(argv[1], "split") == 0)
		return cmd_split(argv[2], argv[3]);
	if (argc >= 7 && strcmp(argv[1], "ldif") == 0)
		return cmd_ldif(argc - 2, argv + 2);
	fprintf(stderr, "usage: certgen gen N DIR | pem DERLIST DIR COUNT |"
	    " split BUNDLE DERLIST | ldif DERLIST BASE PREFIX START COUNT [OC...]\n");
	return 1;
}
