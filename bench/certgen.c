/* certgen.c - certificates and input files for the benchmarks */
/*
 * The benchmarks need up to a few hundred thousand distinct, well-formed,
 * unexpired certificates.  Generating a key per certificate would take
 * hours, so every certificate carries the same RSA-2048 public key (the
 * key type decides what parsing costs) and is issued by one small CA;
 * only the serial, the subject and the subjectAltName differ.
 *
 *   certgen gen N DIR          DIR/key.pem, DIR/ca.key (kept between runs),
 *                              DIR/ca.pem, DIR/certs.der (N DER certificates
 *                              back to back) and DIR/certs.idx (line i:
 *                              SHA-256 hex, subject hash)
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
#include <stdint.h>
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
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "derlist.h"

static void
die(const char *what)
{
	fprintf(stderr, "certgen: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

/* A key made once, then reused so cached certificates stay valid. */
static EVP_PKEY *
load_or_make_key(const char *path, int rsa)
{
	EVP_PKEY *key = NULL;
	FILE *f;

	if ((f = fopen(path, "r")) != NULL) {
		key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		if (key != NULL)
			return key;
	}
	key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	if (key == NULL)
		die("key generation");
	if ((f = fopen(path, "w")) == NULL)
		die(path);
	if (!PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL))
		die("writing a key");
	fclose(f);
	return key;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int rc;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return -1;
	rc = X509_add_ext(x, ext, -1) ? 0 : -1;
	X509_EXTENSION_free(ext);
	return rc;
}

static X509_NAME *
make_name(const char *o, const char *cn)
{
	X509_NAME *name;

	if ((name = X509_NAME_new()) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"DE", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)o, -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0))
		die("making a name");
	return name;
}

#define SERIAL_BASE	0x5a17000000000000LL	/* 8 bytes, positive */
#define CN_FORMAT	"backend-%07ld.bench.example"

/*
 * A certificate built with the X509 API: the CA (self-signed, ECDSA
 * P-256) when key == issuer_key, else back end number i with the shared
 * RSA key.
 */
static X509 *
make_cert(EVP_PKEY *key, EVP_PKEY *issuer_key, X509 *issuer, long i, time_t now)
{
	X509 *x;
	X509_NAME *name;
	ASN1_INTEGER *serial;
	char cn[64], san[96];
	int ca = issuer == NULL;

	snprintf(cn, sizeof(cn), CN_FORMAT, i);
	snprintf(san, sizeof(san), "DNS:" CN_FORMAT, i);
	name = ca ? make_name("Bench Hosting", "Bench Hosting CA") :
	    make_name("Bench Hosting", cn);
	if ((x = X509_new()) == NULL || (serial = ASN1_INTEGER_new()) == NULL ||
	    !ASN1_INTEGER_set_int64(serial, SERIAL_BASE + i) ||
	    !X509_set_version(x, 2) || !X509_set_serialNumber(x, serial) ||
	    !X509_set_subject_name(x, name) ||
	    !X509_set_issuer_name(x, ca ? name : X509_get_subject_name(issuer)) ||
	    !X509_time_adj_ex(X509_getm_notBefore(x), -1, 0, &now) ||
	    !X509_time_adj_ex(X509_getm_notAfter(x), 3650, 0, &now) ||
	    !X509_set_pubkey(x, key))
		die("making a certificate");
	if (ca) {
		if (add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE") == -1 ||
		    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") == -1 ||
		    add_ext(x, x, NID_subject_key_identifier, "hash") == -1)
			die("CA extensions");
	} else if (add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE") == -1 ||
	    add_ext(x, issuer, NID_key_usage, "critical,digitalSignature,keyEncipherment") == -1 ||
	    add_ext(x, issuer, NID_ext_key_usage, "serverAuth") == -1 ||
	    add_ext(x, issuer, NID_subject_alt_name, san) == -1 ||
	    add_ext(x, issuer, NID_subject_key_identifier, "hash") == -1 ||
	    add_ext(x, issuer, NID_authority_key_identifier, "keyid") == -1)
		die("extensions");
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		die("signing");
	X509_NAME_free(name);
	ASN1_INTEGER_free(serial);
	return x;
}

/*
 * Generation must take seconds, not minutes: an RSA signature per
 * certificate (~0.3 ms) or building each one through the X509 API would
 * cost minutes for 100,000 on a busy machine.  So certificate 0 is built
 * once as a template; every other one is the template's TBSCertificate
 * with the serial and the digits of its name patched in place (same
 * lengths), signed by a CA with an ECDSA P-256 key (~20 us).  Every
 * certificate is genuine: it verifies against DIR/ca.pem.
 */
struct template {
	unsigned char	*tbs;
	int		 tbslen;
	size_t		 serial_off;
	size_t		 digit_off[4];
	int		 ndigits;
	unsigned char	*alg;		/* signatureAlgorithm, DER */
	int		 alglen;
};

static void
make_template(struct template *t, X509 *x)
{
	const X509_ALGOR *sigalg;
	unsigned char serial[8], *p;
	const char *needle = "backend-0000000";
	size_t k, nl = strlen(needle);
	int j;

	t->tbs = NULL;
	if ((t->tbslen = i2d_re_X509_tbs(x, &t->tbs)) <= 0)
		die("encoding the template");
	X509_get0_signature(NULL, &sigalg, x);
	t->alg = NULL;
	if ((t->alglen = i2d_X509_ALGOR(sigalg, &t->alg)) <= 0)
		die("encoding the algorithm");
	for (j = 0; j < 8; j++)
		serial[j] = (unsigned char)((uint64_t)SERIAL_BASE >> (56 - 8 * j));
	t->serial_off = 0;
	t->ndigits = 0;
	for (k = 0; k + nl <= (size_t)t->tbslen; k++) {
		p = t->tbs + k;
		if (t->serial_off == 0 && k + 8 <= (size_t)t->tbslen &&
		    memcmp(p, serial, 8) == 0)
			t->serial_off = k;
		if (memcmp(p, needle, nl) == 0 && t->ndigits < 4)
			t->digit_off[t->ndigits++] = k + nl - 7;
	}
	if (t->serial_off == 0 || t->ndigits != 2)
		die("template fields not found");
}

/* DER header for a SEQUENCE or BIT STRING of len bytes. */
static size_t
der_header(unsigned char *out, unsigned char tag, size_t len)
{
	out[0] = tag;
	if (len < 0x80) {
		out[1] = (unsigned char)len;
		return 2;
	}
	if (len < 0x100) {
		out[1] = 0x81;
		out[2] = (unsigned char)len;
		return 3;
	}
	out[1] = 0x82;
	out[2] = (unsigned char)(len >> 8);
	out[3] = (unsigned char)len;
	return 4;
}

/* One worker: certificates lo..hi-1 into DER and index part files. */
static void
gen_part(struct template *t, EVP_PKEY *cakey, long lo, long hi,
    const char *derpath, const char *idxpath)
{
	unsigned char md[EVP_MAX_MD_SIZE], sig[256], cert[8192], hdr[8];
	unsigned char *tbs;
	char digits[16], cn[64];
	unsigned int mdlen, k;
	size_t siglen, bitlen, inner, off;
	uint64_t sv;
	X509_NAME *name;
	EVP_MD_CTX *ctx;
	FILE *der, *idx;
	long i;
	int j;

	if ((der = fopen(derpath, "w")) == NULL || (idx = fopen(idxpath, "w")) == NULL)
		die("opening a part file");
	if ((tbs = malloc(t->tbslen)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		die("malloc");
	memcpy(tbs, t->tbs, t->tbslen);
	for (i = lo; i < hi; i++) {
		sv = (uint64_t)SERIAL_BASE + (uint64_t)i;
		for (j = 0; j < 8; j++)
			tbs[t->serial_off + j] = (unsigned char)(sv >> (56 - 8 * j));
		snprintf(digits, sizeof(digits), "%07ld", i);
		for (j = 0; j < t->ndigits; j++)
			memcpy(tbs + t->digit_off[j], digits, 7);
		siglen = sizeof(sig);
		if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, cakey) <= 0 ||
		    EVP_DigestSign(ctx, sig, &siglen, tbs, t->tbslen) <= 0)
			die("signing");
		/* Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING sig } */
		bitlen = der_header(hdr, 0x03, siglen + 1) + siglen + 1;
		inner = t->tbslen + t->alglen + bitlen;
		off = der_header(cert, 0x30, inner);
		memcpy(cert + off, tbs, t->tbslen);
		off += t->tbslen;
		memcpy(cert + off, t->alg, t->alglen);
		off += t->alglen;
		off += der_header(cert + off, 0x03, siglen + 1);
		cert[off++] = 0;	/* no unused bits */
		memcpy(cert + off, sig, siglen);
		off += siglen;
		fwrite(cert, 1, off, der);

		EVP_Digest(cert, off, md, &mdlen, EVP_sha256(), NULL);
		for (k = 0; k < mdlen; k++)
			fprintf(idx, "%02x", md[k]);
		snprintf(cn, sizeof(cn), CN_FORMAT, i);
		name = make_name("Bench Hosting", cn);
		fprintf(idx, " %08lx\n", X509_NAME_hash_ex(name, NULL, NULL, NULL));
		X509_NAME_free(name);
	}
	EVP_MD_CTX_free(ctx);
	free(tbs);
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
	struct template t;
	long jobs, j;
	EVP_PKEY *key, *cakey;
	X509 *ca, *x;
	FILE *fd, *fi;
	time_t now = time(NULL);
	pid_t pid;
	int status, failed = 0;

	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/key.pem", dir);
	key = load_or_make_key(path, 1);
	snprintf(path, sizeof(path), "%s/ca.key", dir);
	cakey = load_or_make_key(path, 0);
	ca = make_cert(cakey, cakey, NULL, 0, now);
	snprintf(path, sizeof(path), "%s/ca.pem", dir);
	if ((fd = fopen(path, "w")) == NULL || !PEM_write_X509(fd, ca) || fclose(fd) != 0)
		die(path);
	x = make_cert(key, cakey, ca, 0, now);
	make_template(&t, x);
	if ((jobs = sysconf(_SC_NPROCESSORS_ONLN)) < 1)
		jobs = 1;
	if (n < 1000)
		jobs = 1;
	for (j = 0; j < jobs; j++) {
		snprintf(der, sizeof(der), "%s/part%ld.der", dir, j);
		snprintf(idx, sizeof(idx), "%s/part%ld.idx", dir, j);
		if ((pid = fork()) == -1)
			die("fork");
		if (pid == 0) {
			gen_part(&t, cakey, n * j / jobs, n * (j + 1) / jobs, der, idx);
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
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(key);
	EVP_PKEY_free(cakey);
	OPENSSL_free(t.tbs);
	OPENSSL_free(t.alg);
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
