/* test_tsexport.c - the hashed directory and bundle writer */
/*
 * Certificates are made in memory (EC keys: fast).  After every step the
 * directory is compared with a model: per subject hash, indices dense from
 * 0 and the set of distinct certificates equal.  Exit status = failures.
 */
#define _GNU_SOURCE	/* syscall() */
#include <sys/stat.h>
#include <sys/syscall.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "tsexport.h"

#include "check.h"

struct cert {
	unsigned char	*der;
	int		 len;
	unsigned long	 hash;
};

static EVP_PKEY *key;

/*
 * The library's fsync() calls land here (an executable's definition wins
 * over libc's), so the test can count the flushes an export makes: of the
 * file and the directory for what takes a certificate out, none for new
 * names.
 */
static int dir_syncs, file_syncs;

int
fsync(int fd)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
		dir_syncs++;
	else
		file_syncs++;
	return (int)syscall(SYS_fsync, fd);
}

/*
 * Likewise renameat(), to count the temporaries an export makes (one per
 * file written), and write(), which fails with ENOSPC on regular files
 * other than standard output while fail_writes is set.
 */
static int renames, fail_writes;

int
renameat(int ofd, const char *old, int nfd, const char *new)
{
	renames++;
	return (int)syscall(SYS_renameat, ofd, old, nfd, new);
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	struct stat st;

	/* not the test's own output, which may be a file too */
	if (fail_writes && fd > 2 && fstat(fd, &st) == 0 &&
	    S_ISREG(st.st_mode)) {
		errno = ENOSPC;
		return -1;
	}
	return (ssize_t)syscall(SYS_write, fd, buf, len);
}

static struct cert
mkcert(const char *cn, long serial, int v1)
{
	struct cert c = { NULL, 0, 0 };
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	X509_set_version(x, v1 ? 0 : 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	c.len = i2d_X509(x, &c.der);
	c.hash = X509_subject_name_hash(x);
	X509_NAME_free(n);
	X509_free(x);
	return c;
}

/* The model: which key holds which certificate. */
#define MAXM 300
static struct {
	char		 key[32];
	struct cert	*c;
} model[MAXM];
static int nmodel;

static void
mput(struct ts_export *exp, const char *k, struct cert *c)
{
	int i;

	CHECK(ts_export_put(exp, k, k, c->der, c->len) == 0, "put %s: %s",
	    k, ts_export_error(exp));
	for (i = 0; i < nmodel; i++)
		if (strcmp(model[i].key, k) == 0)
			break;
	if (i == nmodel) {
		snprintf(model[nmodel].key, sizeof(model[0].key), "%s", k);
		nmodel++;
	}
	model[i].c = c;
}

static void
mdel(struct ts_export *exp, const char *k)
{
	int i;

	CHECK(ts_export_remove(exp, k) == 0, "remove %s", k);
	for (i = 0; i < nmodel; i++) {
		if (strcmp(model[i].key, k) == 0) {
			model[i] = model[--nmodel];
			break;
		}
	}
}

static char *
pem_of(struct cert *c)
{
	BIO *b = BIO_new(BIO_s_mem());
	const unsigned char *p = c->der;
	X509 *x = d2i_X509(NULL, &p, c->len);
	char *data, *out;
	long n;

	PEM_write_bio_X509(b, x);
	n = BIO_get_mem_data(b, &data);
	out = strndup(data, n);
	BIO_free(b);
	X509_free(x);
	return out;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, n + 1);
	if (fread(buf, 1, n, f) != (size_t)n)
		n = 0;
	fclose(f);
	return buf;
}

/* The directory must hold exactly the model's distinct certificates. */
static void
verify_dir(const char *dir, const char *step)
{
	char path[1024], name[32];
	struct stat st;
	struct dirent *de;
	DIR *d;
	int i, j, k, seen, files = 0, want = 0, bad = 0;

	for (i = 0; i < nmodel; i++) {
		for (j = 0; j < i; j++)
			if (model[j].c == model[i].c)
				break;
		if (j < i)
			continue;	/* a duplicate shares the file */
		want++;
		/* its hash's files: dense, one of them is this cert */
		seen = 0;
		for (k = 0;; k++) {
			char *got, *exp;

			snprintf(name, sizeof(name), "%08lx.%d",
			    model[i].c->hash, k);
			snprintf(path, sizeof(path), "%s/%s", dir, name);
			if (lstat(path, &st) == -1)
				break;
			got = slurp(path);
			exp = pem_of(model[i].c);
			if (got && strcmp(got, exp) == 0)
				seen++;
			free(got);
			free(exp);
		}
		if (seen != 1) {
			bad++;
			printf("  %s: %s (%08lx) found %d times\n", step,
			    model[i].key, model[i].c->hash, seen);
		}
	}
	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			unsigned long h;
			int n;
			char c;

			if (sscanf(de->d_name, "%8lx.%d%c", &h, &n, &c) == 2)
				files++;
		}
		closedir(d);
	}
	CHECK(bad == 0 && files == want, "%s: %d files, want %d, %d bad",
	    step, files, want, bad);
}

static int
count_names(const char *dir, const char *prefix)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static ino_t
inode(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (lstat(path, &st) == -1)
		return 0;
	return st.st_ino;
}

static void
touch(const char *dir, const char *name, const char *data)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) != NULL) {
		fputs(data, f);
		fclose(f);
	}
}

/*
 * The subject hash of every certificate of the system CA bundle against
 * OpenSSL's: real names take both the fast walk and the fallback.
 */
static void
bundle_hashes(void)
{
	FILE *f = fopen("/etc/ssl/certs/ca-certificates.crt", "r");
	X509 *x;
	unsigned char *der;
	unsigned long h, want;
	int len, n = 0, bad = 0;

	CHECK(f != NULL, "system CA bundle readable");
	if (f == NULL)
		return;
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)) != NULL) {
		der = NULL;
		len = i2d_X509(x, &der);
		want = X509_subject_name_hash(x);
		if (len <= 0 || ts_der_subject_hash(der, len, &h) != 0 ||
		    h != want) {
			if (bad++ == 0)
				CHECK(0, "bundle certificate %d: %08lx want %08lx",
				    n, h, want);
		}
		n++;
		OPENSSL_free(der);
		X509_free(x);
	}
	fclose(f);
	CHECK(n > 100 && bad == 0, "subject hash of %d bundle certificates: "
	    "%d differ from OpenSSL's", n, bad);
}

int
main(void)
{
	char tmpl[] = "/tmp/test_tsexport.XXXXXX", dir[512], bundle[512];
	char path[1024], name[32], k[32];
	struct cert a, b, c1, c2, c3, d, v1, many[200], f1, f2, c4, f3, f4;
	struct ts_export *exp, *exp2;
	unsigned long h;
	char *text, *p;
	ino_t before[200], ino, ino0;
	int i, n, changed;
	EVP_PKEY_CTX *kctx;

	kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	EVP_PKEY_keygen_init(kctx);
	EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kctx, NID_X9_62_prime256v1);
	EVP_PKEY_keygen(kctx, &key);
	EVP_PKEY_CTX_free(kctx);

	if (mkdtemp(tmpl) == NULL)
		return 1;
	snprintf(dir, sizeof(dir), "%s/hashed", tmpl);
	snprintf(bundle, sizeof(bundle), "%s/bundle.pem", tmpl);

	a = mkcert("alpha", 1, 0);
	b = mkcert("beta", 2, 0);
	c1 = mkcert("same", 3, 0);
	c2 = mkcert("same", 4, 0);
	c3 = mkcert("same", 5, 0);
	d = mkcert("delta", 6, 0);
	v1 = mkcert("version one", 7, 1);

	/* the subject hash without the key, against OpenSSL's */
	{
		struct cert *all[] = { &a, &b, &c1, &d, &v1 };

		for (i = 0; i < 5; i++) {
			CHECK(ts_der_subject_hash(all[i]->der, all[i]->len,
			    &h) == 0 && h == all[i]->hash,
			    "subject hash %d: %08lx want %08lx", i, h,
			    all[i]->hash);
		}
		CHECK(ts_der_subject_hash(a.der, a.len - 1, &h) == -1,
		    "truncated certificate refused");
		bundle_hashes();
		CHECK(ts_der_subject_hash("\x30\x03\x02\x01\x01", 5, &h) == -1,
		    "not a certificate refused");
	}

	/* temporaries a crash left beside the bundle: the dead process's go */
	{
		char dead[600], mine[600], live[600];
		FILE *t;

		snprintf(dead, sizeof(dead), "%s/.tsexport-999999999-0-1", tmpl);
		snprintf(mine, sizeof(mine), "%s/.tsexport-%ld-0-1", tmpl,
		    (long)getpid());
		snprintf(live, sizeof(live), "%s/.tsexport-1-0-1", tmpl);
		/* this process's exporter exists before its temporaries */
		exp = ts_export_new();
		if ((t = fopen(dead, "w")) != NULL)
			fclose(t);
		if ((t = fopen(mine, "w")) != NULL)
			fclose(t);
		if ((t = fopen(live, "w")) != NULL)
			fclose(t);
		ts_export_set_dir(exp, dir);
		ts_export_set_bundle(exp, bundle);
		CHECK(ts_export_scan(exp) == 0, "scan of a missing dir creates "
		    "it: %s", ts_export_error(exp));
		CHECK(access(dead, F_OK) == -1, "a dead process's bundle "
		    "temporary is removed");
		CHECK(access(mine, F_OK) == 0 && access(live, F_OK) == 0,
		    "a running process's bundle temporaries are kept");
		unlink(mine);
		unlink(live);
	}

	mput(exp, "a", &a);
	mput(exp, "b", &b);
	mput(exp, "c1", &c1);
	mput(exp, "c2", &c2);
	mput(exp, "c3", &c3);
	mput(exp, "v1", &v1);
	CHECK(ts_export_put(exp, "junk", "junk", "xyz", 3) == -1,
	    "junk refused");
	CHECK(ts_export_count(exp) == 6, "count %zu", ts_export_count(exp));
	CHECK(ts_export_pending(exp) == (TS_EXPORT_DIR | TS_EXPORT_BUNDLE),
	    "pending");
	changed = ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	CHECK(changed == (TS_EXPORT_DIR | TS_EXPORT_BUNDLE), "flush: %d %s",
	    changed, ts_export_error(exp));
	verify_dir(dir, "adds");
	snprintf(name, sizeof(name), "%08lx.2", c1.hash);
	CHECK(inode(dir, name) != 0, "collision: three files of one hash");
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE) == 0,
	    "nothing left to do");

	/* bundle: one comment and one PEM per alias, sorted */
	text = slurp(bundle);
	CHECK(text != NULL && strncmp(text, "# a\n-----BEGIN", 14) == 0,
	    "bundle starts with alias a");
	for (n = 0, p = text; p && (p = strstr(p, "\n# ")) != NULL; p++)
		n++;
	CHECK(n == 5, "bundle has 6 comments (%d after the first)", n);
	p = pem_of(&v1);
	CHECK(text && strstr(text, p) != NULL, "bundle holds v1");
	free(p);
	free(text);

	/*
	 * An alias with a line break cannot end its comment line and start
	 * PEM armour of its own.  The overlay refuses such aliases on LDAP
	 * writes, but slapadd and older replicas bypass it.
	 */
	CHECK(ts_export_put(exp, "inj", "x\n-----BEGIN CERTIFICATE-----\n#y",
	    v1.der, v1.len) == 0, "put an alias with line breaks");
	ts_export_flush(exp, TS_EXPORT_BUNDLE);
	text = slurp(bundle);
	CHECK(text != NULL &&
	    strstr(text, "\n# x?-----BEGIN CERTIFICATE-----?#y\n-----BEGIN") != NULL,
	    "line breaks in an alias become '?' in the bundle");
	free(text);
	CHECK(ts_export_remove(exp, "inj") == 0, "remove inj");

	/* sorted as ldaptrust lists them: "a" before "B", case ignored */
	CHECK(ts_export_put(exp, "kB", "B", v1.der, v1.len) == 0, "put B");
	ts_export_flush(exp, TS_EXPORT_BUNDLE);
	text = slurp(bundle);
	CHECK(text != NULL && strstr(text, "# a\n") != NULL &&
	    strstr(text, "# B\n") != NULL &&
	    strstr(text, "# a\n") < strstr(text, "# B\n") &&
	    strstr(text, "# B\n") < strstr(text, "# b\n"),
	    "bundle sorted by alias, ignoring case");
	free(text);
	CHECK(ts_export_remove(exp, "kB") == 0, "remove B");
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "after the alias with line breaks");

	/* delete from the middle of a collision: the last fills the gap,
	 * moved there (a full disk has no room for a rewrite) */
	snprintf(name, sizeof(name), "%08lx.2", c1.hash);
	ino = inode(dir, name);
	mdel(exp, "c1");
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "delete in collision");
	CHECK(inode(dir, name) == 0, "collision: .2 gone after delete");
	snprintf(name, sizeof(name), "%08lx.0", c1.hash);
	ino0 = inode(dir, name);
	snprintf(name, sizeof(name), "%08lx.1", c1.hash);
	CHECK(ino != 0 && (ino0 == ino || inode(dir, name) == ino),
	    "collision: the last file moved into the gap, not rewritten");

	/* a duplicate shares the file until its last holder goes */
	mput(exp, "dup", &a);
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "duplicate");
	mdel(exp, "a");
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "duplicate, first holder gone");
	mdel(exp, "dup");
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "duplicate, both gone");

	/* replacing a key's certificate; a rename is a remove and a put */
	mput(exp, "b", &d);
	mdel(exp, "v1");
	mput(exp, "v1-renamed", &v1);
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "replace and rename");
	text = slurp(bundle);
	CHECK(text && strstr(text, "# v1-renamed\n") && !strstr(text, "# v1\n"),
	    "bundle follows the rename");
	free(text);

	/* new names flush no directory; taking a certificate out does */
	f1 = mkcert("fresh", 400, 0);
	f2 = mkcert("same", 401, 0);		/* a new index of a collision */
	c4 = mkcert("same", 402, 0);
	dir_syncs = file_syncs = renames = 0;
	mput(exp, "f1", &f1);
	mput(exp, "f2", &f2);
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR) > 0 && dir_syncs == 0 &&
	    file_syncs == 0, "new names: %d directory and %d file fsyncs, "
	    "want none (%s)", dir_syncs, file_syncs, ts_export_error(exp));
	/* each file through a temporary: a reader never sees part of one */
	CHECK(renames == 2, "new names: %d renames, want 2", renames);
	renames = 0;
	verify_dir(dir, "new names");
	mput(exp, "f2", &c4);			/* f2's file overwritten */
	ts_export_flush(exp, TS_EXPORT_DIR);
	CHECK(dir_syncs == 1 && file_syncs == 1, "an overwrite flushes the "
	    "file and the directory (%d, %d)", file_syncs, dir_syncs);
	CHECK(renames == 1, "an overwrite goes through a temporary: %d "
	    "renames", renames);
	verify_dir(dir, "overwrite");

	/* a file at a new name that nobody announced is replaced */
	f3 = mkcert("late", 403, 0);
	snprintf(name, sizeof(name), "%08lx.0", f3.hash);
	touch(dir, name, "someone else's file\n");
	renames = 0;
	mput(exp, "f3", &f3);
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR) > 0 && renames == 1,
	    "a stray file at a new name: replaced by a rename (%d; %s)",
	    renames, ts_export_error(exp));
	verify_dir(dir, "stray file at a new name");

	/* a file that cannot be written leaves nothing behind, and retries */
	f4 = mkcert("no room", 404, 0);
	mput(exp, "f4", &f4);
	fail_writes = 1;
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR) == -1 &&
	    strstr(ts_export_error(exp), "No space left") != NULL,
	    "a failed write is an error: %s", ts_export_error(exp));
	fail_writes = 0;
	snprintf(name, sizeof(name), "%08lx.0", f4.hash);
	CHECK(inode(dir, name) == 0 && count_names(dir, TS_EXPORT_TMP_PREFIX)
	    == 0, "no file and no temporary left by the failed write");
	CHECK(ts_export_pending(exp) & TS_EXPORT_DIR, "and still pending");
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR) > 0, "written on the retry: "
	    "%s", ts_export_error(exp));
	verify_dir(dir, "retried new name");
	mdel(exp, "f3");
	mdel(exp, "f4");
	ts_export_flush(exp, TS_EXPORT_DIR);
	mdel(exp, "f1");
	n = dir_syncs;
	ts_export_flush(exp, TS_EXPORT_DIR);
	CHECK(dir_syncs > n, "a removed file flushes the directory");
	verify_dir(dir, "removal");
	mdel(exp, "f2");
	ts_export_flush(exp, TS_EXPORT_DIR);
	verify_dir(dir, "removal in a collision");

	/* an add touches one file whatever the store holds */
	for (i = 0; i < 200; i++) {
		snprintf(k, sizeof(k), "m%03d", i);
		snprintf(name, sizeof(name), "many %d", i);
		many[i] = mkcert(name, 100 + i, 0);
		mput(exp, k, &many[i]);
	}
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "200 more");
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "%08lx.0", many[i].hash);
		before[i] = inode(dir, name);
	}
	mput(exp, "a", &a);
	mdel(exp, "m007");
	ts_export_flush(exp, TS_EXPORT_DIR);
	for (n = 0, i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "%08lx.0", many[i].hash);
		if (inode(dir, name) != before[i])
			n++;
	}
	CHECK(n == 1, "an add and a delete touched %d of 200 files", n);
	CHECK(ts_export_pending(exp) == TS_EXPORT_BUNDLE,
	    "bundle left for later");
	ts_export_flush(exp, TS_EXPORT_BUNDLE);

	/* start-up: strays removed, ours kept as they are, others left */
	touch(dir, "deadbeef.0", "not a certificate\n");
	touch(dir, "deadbeef.7", "gap\n");
	touch(dir, TS_EXPORT_TMP_PREFIX "123-4-5", "half written");
	touch(dir, "README", "not ours\n");
	touch(dir, "deadbeef.r0", "a CRL name is not ours\n");
	snprintf(name, sizeof(name), "%08lx.0", a.hash);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	symlink("/etc/hostname", path);		/* a link is replaced */
	snprintf(name, sizeof(name), "%08lx.0", b.hash);
	before[0] = inode(dir, name);		/* b's key now holds d */
	snprintf(name, sizeof(name), "%08lx.0", d.hash);
	before[1] = inode(dir, name);
	snprintf(name, sizeof(name), "%08lx.0", c1.hash);
	before[2] = inode(dir, name);
	snprintf(name, sizeof(name), "%08lx.1", c1.hash);
	before[3] = inode(dir, name);
	exp2 = ts_export_new();
	ts_export_set_dir(exp2, dir);
	ts_export_set_bundle(exp2, bundle);
	for (i = 0; i < nmodel; i++)
		ts_export_put(exp2, model[i].key, model[i].key,
		    model[i].c->der, model[i].c->len);
	CHECK(ts_export_scan(exp2) == 0, "scan: %s", ts_export_error(exp2));
	CHECK(ts_export_flush(exp2, TS_EXPORT_DIR | TS_EXPORT_BUNDLE) > 0,
	    "reconcile flush: %s", ts_export_error(exp2));
	verify_dir(dir, "reconcile");
	CHECK(count_names(dir, TS_EXPORT_TMP_PREFIX) == 0, "temporary removed");
	CHECK(count_names(dir, "README") == 1, "foreign file kept");
	CHECK(count_names(dir, "deadbeef.r0") == 1, "CRL-style name kept");
	snprintf(name, sizeof(name), "%08lx.0", d.hash);
	CHECK(inode(dir, name) == before[1], "right file not rewritten");
	snprintf(name, sizeof(name), "%08lx.0", c1.hash);
	n = inode(dir, name) == before[2];
	snprintf(name, sizeof(name), "%08lx.1", c1.hash);
	n += inode(dir, name) == before[3];
	CHECK(n == 2, "collision files kept their indices");
	snprintf(path, sizeof(path), "%s/%08lx.0", dir, a.hash);
	{
		struct stat st;

		CHECK(lstat(path, &st) == 0 && S_ISREG(st.st_mode),
		    "symlink replaced by a file");
	}
	ts_export_free(exp);
	exp = exp2;

	/*
	 * Another start-up (or a re-read) over files in line writes nothing,
	 * the bundle included: the TLS contexts that read it are rebuilt,
	 * and their connections cut, only when a file changed.
	 */
	{
		struct ts_export *exp3 = ts_export_new();
		ino_t bi = inode(tmpl, "bundle.pem");

		ts_export_set_dir(exp3, dir);
		ts_export_set_bundle(exp3, bundle);
		for (i = 0; i < nmodel; i++)
			ts_export_put(exp3, model[i].key, model[i].key,
			    model[i].c->der, model[i].c->len);
		CHECK(ts_export_scan(exp3) == 0, "rescan: %s",
		    ts_export_error(exp3));
		CHECK(ts_export_flush(exp3, TS_EXPORT_DIR | TS_EXPORT_BUNDLE)
		    == 0, "a rescan of files in line changes none: %s",
		    ts_export_error(exp3));
		CHECK(inode(tmpl, "bundle.pem") == bi,
		    "the bundle in line is not rewritten");
		CHECK(ts_export_pending(exp3) == 0, "nothing left pending");
		ts_export_free(exp3);
	}

	/* a failed write: the catalogue goes on, a later flush recovers */
	{
		char moved[1024];

		snprintf(moved, sizeof(moved), "%s.moved", dir);
		rename(dir, moved);
		touch(tmpl, "hashed", "a file where the directory was\n");
		mput(exp, "late", &c1);
		mdel(exp, "c2");
		CHECK(ts_export_flush(exp, TS_EXPORT_DIR) == -1,
		    "flush into a file fails");
		CHECK(strstr(ts_export_error(exp), dir) != NULL,
		    "error names the path: %s", ts_export_error(exp));
		CHECK(ts_export_pending(exp) & TS_EXPORT_DIR,
		    "still pending after failure");
		unlink(dir);
		rename(moved, dir);
		CHECK(ts_export_flush(exp, TS_EXPORT_DIR) > 0, "retry: %s",
		    ts_export_error(exp));
		verify_dir(dir, "after recovery");
	}
	/* bundle into a missing directory fails, then recovers */
	{
		char bad[1024];

		snprintf(bad, sizeof(bad), "%s/nodir/bundle.pem", tmpl);
		ts_export_set_bundle(exp, bad);
		CHECK(ts_export_flush(exp, TS_EXPORT_BUNDLE) == -1 &&
		    strstr(ts_export_error(exp), "nodir") != NULL,
		    "bundle failure named: %s", ts_export_error(exp));
		ts_export_set_bundle(exp, bundle);
		CHECK(ts_export_flush(exp, TS_EXPORT_BUNDLE) ==
		    TS_EXPORT_BUNDLE, "bundle retry");
	}
	/* the directory removed behind our back: made again and refilled */
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		failed++;
	mdel(exp, "late");
	CHECK(ts_export_flush(exp, TS_EXPORT_DIR) >= 0, "flush into a new dir");
	CHECK((ts_export_pending(exp) & TS_EXPORT_DIR) == 0,
	    "refilled by the same flush");
	verify_dir(dir, "vanished directory refilled");

	/* more hashes than one batch holds: flush loops over batches */
	{
		struct ts_export *big = ts_export_new();
		char bigdir[1100];
		struct cert *bc = calloc(3000, sizeof(*bc));

		snprintf(bigdir, sizeof(bigdir), "%s/big", tmpl);
		ts_export_set_dir(big, bigdir);
		for (i = 0; i < 3000; i++) {
			snprintf(name, sizeof(name), "big %d", i);
			snprintf(k, sizeof(k), "b%d", i);
			bc[i] = mkcert(name, 1000 + i, 0);
			ts_export_put(big, k, k, bc[i].der, bc[i].len);
		}
		CHECK(ts_export_flush(big, TS_EXPORT_DIR) == TS_EXPORT_DIR,
		    "big flush: %s", ts_export_error(big));
		CHECK(ts_export_pending(big) == 0, "big: nothing left");
		CHECK(count_names(bigdir, "") == 3000 + 2,
		    "big: 3000 files (%d)", count_names(bigdir, "") - 2);
		ts_export_free(big);
		for (i = 0; i < 3000; i++)
			OPENSSL_free(bc[i].der);
		free(bc);
	}

	/* everything removed: the directory empties */
	while (nmodel > 0)
		mdel(exp, model[0].key);
	ts_export_flush(exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE);
	verify_dir(dir, "all removed");
	text = slurp(bundle);
	CHECK(text && *text == '\0', "empty bundle");
	free(text);
	ts_export_free(exp);

	/*
	 * The system's CA directory is never an export directory, however
	 * it is spelled: neither read as ours nor written (its hash-named
	 * links would be removed or replaced).
	 */
	{
		const char *sys[] = { "/etc/ssl/certs", "/etc/ssl/certs/.",
		    "/etc//ssl/certs/", X509_get_default_cert_dir() };
		struct stat st0, st1;
		size_t s;

		for (s = 0; s < sizeof(sys) / sizeof(sys[0]); s++) {
			if (stat(sys[s], &st0) != 0)
				continue;	/* no such directory here */
			CHECK(ts_export_dir_refused(sys[s]) != NULL,
			    "%s refused", sys[s]);
			exp = ts_export_new();
			ts_export_set_dir(exp, sys[s]);
			ts_export_put(exp, "k", "k", a.der, a.len);
			CHECK(ts_export_scan(exp) == -1 && strstr(
			    ts_export_error(exp), "system's CA directory") != NULL,
			    "scan of %s refused: %s", sys[s],
			    ts_export_error(exp));
			CHECK(ts_export_flush(exp, TS_EXPORT_DIR) == -1,
			    "flush into %s refused", sys[s]);
			CHECK(stat(sys[s], &st1) == 0 &&
			    st1.st_mtime == st0.st_mtime &&
			    st1.st_nlink == st0.st_nlink,
			    "%s untouched", sys[s]);
			ts_export_free(exp);
		}
		CHECK(ts_export_dir_refused(dir) == NULL,
		    "a directory of its own is taken");
	}

	/* the bundle: the system's trust files, and files that are no bundle */
	{
		char msg[256], f[1100];
		FILE *fp;

		if (access("/etc/ssl/certs/ca-certificates.crt", F_OK) == 0) {
			CHECK(ts_export_bundle_refused(
			    "/etc/ssl/certs/ca-certificates.crt") != NULL,
			    "the system's CA bundle refused");
			CHECK(ts_export_bundle_refused(
			    "/etc/ssl//certs/./ca-certificates.crt") != NULL,
			    "however spelt");
			CHECK(ts_export_bundle_refused(
			    "/etc/ssl/certs/not-yet.pem") != NULL,
			    "a new file in a system CA directory refused");
		}
		CHECK(ts_export_bundle_refused(bundle) == NULL,
		    "a bundle of its own is taken");
		CHECK(ts_export_bundle_foreign(bundle, msg, sizeof(msg)) == 0,
		    "a bundle the export wrote is a bundle");
		snprintf(f, sizeof(f), "%s/none", tmpl);
		CHECK(ts_export_bundle_foreign(f, msg, sizeof(msg)) == 0,
		    "a file not there is no one's");
		snprintf(f, sizeof(f), "%s/foreign", tmpl);
		if ((fp = fopen(f, "w")) != NULL) {
			fputs("# a comment\r\n\n-----BEGIN CERTIFICATE-----\n"
			    "QUJD\n-----END CERTIFICATE-----\nuser:x:1000\n", fp);
			fclose(fp);
		}
		CHECK(ts_export_bundle_foreign(f, msg, sizeof(msg)) == 1 &&
		    strstr(msg, "line 6") != NULL, "a file with other lines "
		    "is foreign, named by its line: %s", msg);
		/* no final newline, short and at the 64 KiB cut: read no
		 * further than the file */
		if ((fp = fopen(f, "w")) != NULL) {
			fputs("QUJD", fp);
			fclose(fp);
		}
		CHECK(ts_export_bundle_foreign(f, msg, sizeof(msg)) == 0,
		    "a short file without a final newline");
		if ((fp = fopen(f, "w")) != NULL) {
			for (i = 0; i < 70000; i++)
				fputc('A', fp);
			fclose(fp);
		}
		CHECK(ts_export_bundle_foreign(f, msg, sizeof(msg)) == 0,
		    "a line longer than what is read");
		CHECK(ts_export_is_hash_name("0f2816ac.0") &&
		    ts_export_is_hash_name("0f2816ac.12") &&
		    !ts_export_is_hash_name("0f2816ac.01") &&
		    !ts_export_is_hash_name("0F2816AC.0") &&
		    !ts_export_is_hash_name("bundle.pem"),
		    "the export's own names");
	}

	/*
	 * Temporaries are named past guessing: a user who may write the
	 * bundle's directory (a sticky spool) made every name random() gives
	 * unseeded, the same series in every process, and the bundle could
	 * not change (a removed certificate stayed in it).
	 */
	{
		char gdir[600], gfile[700], tname[128];
		long v[100];
		struct ts_export *g;

		snprintf(gdir, sizeof(gdir), "%s/guess", tmpl);
		snprintf(gfile, sizeof(gfile), "%s/bundle.pem", gdir);
		mkdir(gdir, 0755);
		srandom(7);
		for (i = 0; i < 100; i++)
			v[i] = random();
		for (i = 0; i < 100; i++) {
			snprintf(tname, sizeof(tname), "%s%ld-%d-%lx",
			    TS_EXPORT_TMP_PREFIX, (long)getpid(), i,
			    (unsigned long)v[i]);
			touch(gdir, tname, "planted");
		}
		g = ts_export_new();
		ts_export_set_bundle(g, gfile);
		ts_export_put(g, "a", "a", a.der, a.len);
		srandom(7);
		CHECK(ts_export_flush(g, TS_EXPORT_BUNDLE) == TS_EXPORT_BUNDLE,
		    "a bundle whose guessable temporaries are taken is "
		    "written: %s", ts_export_error(g));
		CHECK(count_names(gdir, TS_EXPORT_TMP_PREFIX) == 100,
		    "the planted names are left alone");
		ts_export_free(g);
	}

	OPENSSL_free(a.der);
	OPENSSL_free(b.der);
	OPENSSL_free(c1.der);
	OPENSSL_free(c2.der);
	OPENSSL_free(c3.der);
	OPENSSL_free(d.der);
	OPENSSL_free(v1.der);
	OPENSSL_free(f1.der);
	OPENSSL_free(f2.der);
	OPENSSL_free(f3.der);
	OPENSSL_free(f4.der);
	OPENSSL_free(c4.der);
	for (i = 0; i < 200; i++)
		OPENSSL_free(many[i].der);

	snprintf(path, sizeof(path), "rm -rf '%s'", tmpl);
	if (system(path) != 0)
		failed++;
	printf("%d passed, %d failed\n", passed, failed);
	return failed;
}
