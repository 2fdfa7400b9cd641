/* tsexport.c - the store as files: a hashed CA directory and a PEM bundle */
/*
 * The catalogue is two hash tables: entries by key, and "buckets" by
 * subject hash.  A bucket lists the distinct certificates of one hash in
 * file order (v[i] is <hash>.<i>) and remembers what each file on disk
 * holds (disk[i], a certificate id), so a flush writes exactly the files
 * whose content differs and removes the indices past the end.  Changes
 * mark their bucket dirty; nothing is ever searched by walking the store,
 * so an add or a delete costs the same at ten certificates or a million.
 */
#define _GNU_SOURCE		/* syncfs() */
#include <sys/stat.h>
#include <sys/types.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "tsexport.h"
#include "tsint.h"

/* disk[i]: nothing there (0), a file we cannot vouch for, or a cert id */
#define DISK_NONE	0
#define DISK_UNKNOWN	UINT64_MAX
/* Above this many overwrites, one syncfs() is cheaper than an fsync() each. */
#define SYNC_EACH_MAX	16
/* A file named like ours but larger than this is not a certificate. */
#define MAX_FILE	(1024 * 1024)
#define MAX_INDEX	999999
/* A temporary this old (seconds) beside the bundle is no write's now. */
#define TMP_STALE	3600
/* Subject hashes per batch: bounds the PEM held in memory at start-up. */
#define BATCH_MAX	2048

/* when this process first made an exporter: its temporaries are newer */
static struct timespec proc_start;

struct xbucket;

struct xcert {			/* one distinct certificate: one file */
	unsigned char	*der;
	size_t		 len;
	uint64_t	 id;
	int		 refs;		/* entries holding it */
	int		 idx;		/* its file: <hash>.<idx> */
	struct xbucket	*bucket;
};

struct xentry {			/* one key of the catalogue */
	char		*key;
	char		*alias;
	struct xcert	*cert;
	struct xentry	*next;
};

struct xbucket {		/* the certificates of one subject hash */
	unsigned long	 hash;
	struct xcert	**v;
	int		 n, cap;
	uint64_t	*disk;		/* what <hash>.<i> holds on disk */
	int		 ndisk, capdisk;
	int		 dirty;		/* on the dirty list */
	int		 busy;		/* in the outstanding batch */
	int		 failed;	/* a write of the batch failed */
	struct xbucket	*next;		/* hash chain */
	struct xbucket	*dnext;		/* dirty list */
};

struct ts_export {
	char		*dir;
	char		*bundle;
	struct xentry	**etab;
	size_t		 esize, ecount;
	struct xbucket	**btab;
	size_t		 bsize, bcount;
	struct xbucket	*dirty;
	int		 bundle_dirty;
	int		 bundle_unknown;	/* scanned: on disk, maybe right */
	uint64_t	 next_id;
	struct ts_export_batch *batch;
	char		 err[512];
};

struct witem {			/* write <hash>.<idx> */
	struct xbucket	*b;
	int		 idx;
	uint64_t	 id;
	char		*pem;
	size_t		 len;
	int		 over;		/* replaces a file on disk */
	int		 from;		/* <hash>.<from> holds it already, or -1 */
	int		 ok;
};

struct uitem {			/* remove <hash>.<idx> */
	struct xbucket	*b;
	int		 idx;
	int		 ok;
};

struct ts_export_batch {
	char		*dir;
	char		*bundle;
	struct witem	*w;
	size_t		 nw;
	struct uitem	*u;
	size_t		 nu;
	struct xbucket	**b;		/* every bucket marked busy */
	size_t		 nb;
	char		*bbuf;
	size_t		 blen;
	int		 do_bundle;
	int		 bundle_check;	/* compare with the disk first */
	int		 bundle_ok;
	int		 changed;
	int		 failed;
	int		 created;	/* the directory had vanished */
	unsigned	 seq;
	char		 err[512];
};

static void
seterr(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, 512, fmt, ap);
	va_end(ap);
}

/* A flush can fail in several places: keep them all, in order. */
static void
adderr(char *err, const char *fmt, ...)
{
	va_list ap;
	size_t len = strlen(err);

	if (len > 0 && len < 510) {
		memcpy(err + len, "; ", 3);
		len += 2;
	}
	if (len >= 511)
		return;
	va_start(ap, fmt);
	vsnprintf(err + len, 512 - len, fmt, ap);
	va_end(ap);
}

/* --- subject hash without decoding the key ------------------------------- */

int
ts_der_subject_hash(const void *der, size_t len, unsigned long *hash)
{
	const unsigned char *subj;
	X509_NAME *name = NULL;
	size_t l;
	int ok = 0, rc = -1;

	if (ts_der_subject_tlv(der, len, &subj, &l) == -1)
		goto done;
	/* most names without decoding them (the fast path's walk) */
	if (ts_fast_name_hash(subj, l, hash) == 0) {
		rc = 0;
		goto done;
	}
	if ((name = d2i_X509_NAME(NULL, &subj, (long)l)) == NULL)
		goto done;
	*hash = X509_NAME_hash_ex(name, NULL, NULL, &ok);
	if (ok)
		rc = 0;
done:
	X509_NAME_free(name);
	return rc;
}

/* --- PEM ------------------------------------------------------------------ */

#define PEM_BEGIN	"-----BEGIN CERTIFICATE-----\n"
#define PEM_END		"-----END CERTIFICATE-----\n"

static size_t
pem_size(size_t len)
{
	size_t b64 = 4 * ((len + 2) / 3);

	return sizeof(PEM_BEGIN) - 1 + b64 + (b64 + 63) / 64 +
	    sizeof(PEM_END) - 1;
}

/* Writes pem_size(len) bytes (and a NUL) at out. */
static size_t
pem_put(char *out, const unsigned char *der, size_t len)
{
	char *o = out;
	size_t n;

	memcpy(o, PEM_BEGIN, sizeof(PEM_BEGIN) - 1);
	o += sizeof(PEM_BEGIN) - 1;
	for (; len > 0; der += n, len -= n) {
		n = len < 48 ? len : 48;	/* 48 bytes: one 64 column line */
		o += EVP_EncodeBlock((unsigned char *)o, der, (int)n);
		*o++ = '\n';
	}
	memcpy(o, PEM_END, sizeof(PEM_END));
	o += sizeof(PEM_END) - 1;
	return o - out;
}

static char *
pem_new(const unsigned char *der, size_t len, size_t *outlen)
{
	char *pem;

	if ((pem = malloc(pem_size(len) + 1)) == NULL)
		return NULL;
	*outlen = pem_put(pem, der, len);
	return pem;
}

/* --- tables --------------------------------------------------------------- */

static size_t
str_hash(const char *s)
{
	size_t h = 14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t
num_hash(unsigned long v)
{
	return (size_t)(v * 0x9e3779b97f4a7c15ULL) >> 7;
}

static int
etab_grow(struct ts_export *exp)
{
	struct xentry **t, *e, *next;
	size_t i, n = exp->esize ? exp->esize * 2 : 64;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < exp->esize; i++) {
		for (e = exp->etab[i]; e != NULL; e = next) {
			next = e->next;
			e->next = t[str_hash(e->key) & (n - 1)];
			t[str_hash(e->key) & (n - 1)] = e;
		}
	}
	free(exp->etab);
	exp->etab = t;
	exp->esize = n;
	return 0;
}

static struct xentry **
etab_slot(struct ts_export *exp, const char *key)
{
	struct xentry **ep;

	if (exp->esize == 0)
		return NULL;
	ep = &exp->etab[str_hash(key) & (exp->esize - 1)];
	for (; *ep != NULL; ep = &(*ep)->next)
		if (strcmp((*ep)->key, key) == 0)
			break;
	return ep;
}

static int
btab_grow(struct ts_export *exp)
{
	struct xbucket **t, *b, *next;
	size_t i, n = exp->bsize ? exp->bsize * 2 : 64;

	if ((t = calloc(n, sizeof(*t))) == NULL)
		return -1;
	for (i = 0; i < exp->bsize; i++) {
		for (b = exp->btab[i]; b != NULL; b = next) {
			next = b->next;
			b->next = t[num_hash(b->hash) & (n - 1)];
			t[num_hash(b->hash) & (n - 1)] = b;
		}
	}
	free(exp->btab);
	exp->btab = t;
	exp->bsize = n;
	return 0;
}

static struct xbucket *
bucket_get(struct ts_export *exp, unsigned long hash, int create)
{
	struct xbucket *b;

	if (exp->bsize != 0) {
		b = exp->btab[num_hash(hash) & (exp->bsize - 1)];
		for (; b != NULL; b = b->next)
			if (b->hash == hash)
				return b;
	}
	if (!create)
		return NULL;
	if (exp->bcount >= exp->bsize && btab_grow(exp) == -1)
		return NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->hash = hash;
	b->next = exp->btab[num_hash(hash) & (exp->bsize - 1)];
	exp->btab[num_hash(hash) & (exp->bsize - 1)] = b;
	exp->bcount++;
	return b;
}

static void
bucket_dirty(struct ts_export *exp, struct xbucket *b)
{
	if (exp->dir == NULL || b->dirty)
		return;
	b->dirty = 1;
	b->dnext = exp->dirty;
	exp->dirty = b;
}

/* Free b if it holds nothing in memory, on disk or in flight. */
static void
bucket_gc(struct ts_export *exp, struct xbucket *b)
{
	struct xbucket **bp;

	if (b->n > 0 || b->ndisk > 0 || b->dirty || b->busy)
		return;
	bp = &exp->btab[num_hash(b->hash) & (exp->bsize - 1)];
	for (; *bp != NULL; bp = &(*bp)->next) {
		if (*bp == b) {
			*bp = b->next;
			break;
		}
	}
	exp->bcount--;
	free(b->v);
	free(b->disk);
	free(b);
}

static int
disk_set(struct xbucket *b, int idx, uint64_t id)
{
	uint64_t *d;
	int n;

	if (idx >= b->capdisk) {
		n = idx < 4 ? 4 : idx * 2;
		if ((d = realloc(b->disk, n * sizeof(*d))) == NULL)
			return -1;
		memset(d + b->capdisk, 0, (n - b->capdisk) * sizeof(*d));
		b->disk = d;
		b->capdisk = n;
	}
	b->disk[idx] = id;
	if (id != DISK_NONE && idx >= b->ndisk)
		b->ndisk = idx + 1;
	while (b->ndisk > 0 && b->disk[b->ndisk - 1] == DISK_NONE)
		b->ndisk--;
	return 0;
}

/* --- catalogue ------------------------------------------------------------ */

struct ts_export *
ts_export_new(void)
{
	struct ts_export *exp;

	/*
	 * Before this process writes anything (sweep_bundle_dir); on the
	 * clock the kernel stamps files with, which lags the precise one.
	 */
	if (proc_start.tv_sec == 0)
		clock_gettime(CLOCK_REALTIME_COARSE, &proc_start);

	if ((exp = calloc(1, sizeof(*exp))) == NULL)
		return NULL;
	exp->next_id = 1;
	return exp;
}

static void
cert_release(struct ts_export *exp, struct xcert *c)
{
	struct xbucket *b = c->bucket;
	int last;

	if (--c->refs > 0)
		return;
	/* keep the indices dense: the last file of the hash fills the gap */
	last = b->n - 1;
	if (c->idx != last) {
		b->v[c->idx] = b->v[last];
		b->v[c->idx]->idx = c->idx;
	}
	b->n--;
	bucket_dirty(exp, b);
	free(c->der);
	free(c);
	bucket_gc(exp, b);
}

void
ts_export_clear(struct ts_export *exp)
{
	struct xentry *e, *next;
	size_t i;

	for (i = 0; i < exp->esize; i++) {
		for (e = exp->etab[i]; e != NULL; e = next) {
			next = e->next;
			cert_release(exp, e->cert);
			free(e->key);
			free(e->alias);
			free(e);
		}
		exp->etab[i] = NULL;
	}
	exp->ecount = 0;
	exp->bundle_dirty = 1;
}

void
ts_export_free(struct ts_export *exp)
{
	struct xbucket *b, *next;
	size_t i;

	if (exp == NULL)
		return;
	ts_export_clear(exp);
	for (i = 0; i < exp->bsize; i++) {
		for (b = exp->btab[i]; b != NULL; b = next) {
			next = b->next;
			free(b->v);
			free(b->disk);
			free(b);
		}
	}
	free(exp->etab);
	free(exp->btab);
	free(exp->dir);
	free(exp->bundle);
	free(exp);
}

static int
set_path(struct ts_export *exp, char **where, const char *path)
{
	char *p = NULL;

	if (path != NULL && *path != '\0' && (p = strdup(path)) == NULL) {
		seterr(exp->err, "out of memory");
		return -1;
	}
	free(*where);
	*where = p;
	return 0;
}

const char *
ts_export_dir_refused(const char *dir)
{
	static const char *const fhs[] = { "/", "/bin", "/boot", "/dev",
	    "/etc", "/etc/ldap", "/etc/ssl", "/home", "/lib", "/lib64",
	    "/media", "/mnt", "/opt", "/proc", "/root", "/run", "/sbin",
	    "/srv", "/sys", "/tmp", "/usr", "/usr/bin", "/usr/lib",
	    "/usr/local", "/usr/sbin", "/usr/share", "/var", "/var/lib",
	    "/var/tmp" };
	const char *system[2] = { "/etc/ssl/certs", NULL };
	char real[PATH_MAX], sys[PATH_MAX];
	size_t i;

	system[1] = X509_get_default_cert_dir();
	if (dir == NULL || realpath(dir, real) == NULL)
		return NULL;	/* not made yet: nobody's */
	for (i = 0; i < 2; i++) {
		if (system[i] != NULL && realpath(system[i], sys) != NULL &&
		    strcmp(real, sys) == 0)
			return "it is the system's CA directory (OpenSSL's "
			    "default; its hash-named links would be removed): "
			    "give the store a directory of its own";
	}
	/*
	 * The export owns every hash-named file of its directory: in a
	 * directory the system keeps (a slip of the path, or a variable
	 * left empty: "$DIR/" is "/") it would remove or replace whatever
	 * else is named so there.
	 */
	for (i = 0; i < sizeof(fhs) / sizeof(fhs[0]); i++) {
		if (strcmp(real, fhs[i]) == 0)
			return "it is a system directory (the export owns "
			    "every hash-named file of its directory): give "
			    "the store a directory of its own";
	}
	return NULL;
}

/*
 * path as the file system would resolve it, into real (PATH_MAX): its
 * real path when it exists, else its directory's and its last component.
 * -1 when neither resolves.
 */
static int
resolve_path(const char *path, char *real)
{
	char dir[PATH_MAX], *last;

	if (realpath(path, real) != NULL)
		return 0;
	if (strlen(path) >= sizeof(dir))
		return -1;
	strcpy(dir, path);
	if ((last = strrchr(dir, '/')) == NULL || last[1] == '\0')
		return -1;
	*last++ = '\0';
	if (realpath(dir[0] ? dir : "/", real) == NULL ||
	    strlen(real) + strlen(last) + 2 > PATH_MAX)
		return -1;
	if (strcmp(real, "/") != 0)
		strcat(real, "/");
	strcat(real, last);
	return 0;
}

const char *
ts_export_bundle_refused(const char *file)
{
	/* the files and directories TLS libraries read by default */
	const char *files[] = { NULL, "/etc/ssl/certs/ca-certificates.crt",
	    "/etc/pki/tls/certs/ca-bundle.crt", "/etc/pki/tls/cert.pem",
	    "/etc/ssl/cert.pem" };
	const char *dirs[] = { NULL, "/etc/ssl/certs", "/etc/pki/tls/certs",
	    "/etc/pki/ca-trust", "/usr/share/ca-certificates",
	    "/usr/local/share/ca-certificates" };
	char real[PATH_MAX], sys[PATH_MAX];
	const char *last;
	size_t i, n;

	files[0] = X509_get_default_cert_file();
	dirs[0] = X509_get_default_cert_dir();
	/*
	 * A name that can only be a directory: nothing is there to refuse
	 * it yet, and the writer would fail on it for ever (its temporary
	 * is made beside a last component that does not exist).
	 */
	if (file != NULL && (last = strrchr(file, '/')) != NULL &&
	    (last[1] == '\0' || strcmp(last + 1, ".") == 0 ||
	    strcmp(last + 1, "..") == 0))
		return "it names a directory (the path ends in '/', '.' or "
		    "'..'): give the bundle a file name";
	if (file == NULL || resolve_path(file, real) == -1)
		return NULL;	/* its directory not made yet: nobody's */
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i] != NULL && realpath(files[i], sys) != NULL &&
		    strcmp(real, sys) == 0)
			return "it is the system's CA bundle, which every TLS "
			    "client of the host reads: give the store a file "
			    "of its own";
	}
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (dirs[i] == NULL || realpath(dirs[i], sys) == NULL)
			continue;
		n = strlen(sys);
		if (strncmp(real, sys, n) == 0 && real[n] == '/')
			return "it is in a system CA directory, which TLS "
			    "clients of the host read: give the store a file "
			    "of its own";
	}
	return NULL;
}

static const char *trusted_target(const char *, char *, uid_t *);

int
ts_export_bundle_foreign(const char *path, char *msg, size_t len)
{
	char buf[65536], *p, *end, *nl, real[PATH_MAX];
	const char *target;
	struct stat st;
	ssize_t got;
	size_t line = 0;
	uid_t other;
	int fd, rc = 0;

	/*
	 * What a write would replace: a link of another user's is replaced
	 * itself (run_bundle), so what it names is neither lost nor read
	 * (judging it let that user keep a sync from ever starting, and
	 * learn whether a file of root's looks like a bundle).
	 */
	target = trusted_target(path, real, &other);
	if (other != (uid_t)-1)
		return 0;
	if ((fd = open(target, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;	/* not there (or not ours to read): as new */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))
		goto done;
	/* NUL-terminated: the comparisons below stop at it (and at a NUL
	 * the file holds, which is no bundle's) */
	if ((got = read(fd, buf, sizeof(buf) - 1)) <= 0)
		goto done;
	buf[got] = '\0';
	end = buf + got;
	for (p = buf; p < end; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', end - p)) == NULL) {
			/* a line cut by the 64 KiB: judged no further */
			if ((size_t)got == sizeof(buf) - 1)
				break;
			nl = end;
		}
		if (p == nl || *p == '#' ||
		    strncmp(p, "-----BEGIN CERTIFICATE-----", 27) == 0 ||
		    strncmp(p, "-----END CERTIFICATE-----", 25) == 0 ||
		    strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
		    "0123456789+/=\r") >= (size_t)(nl - p))
			continue;
		snprintf(msg, len, "it holds something other than "
		    "certificates (line %lu): replacing it would lose it; "
		    "give the store a file of its own, or remove it first",
		    (unsigned long)line);
		rc = 1;
		break;
	}
done:
	close(fd);
	return rc;
}

int
ts_export_set_dir(struct ts_export *exp, const char *dir)
{
	return set_path(exp, &exp->dir, dir);
}

int
ts_export_set_bundle(struct ts_export *exp, const char *file)
{
	exp->bundle_dirty = 1;
	return set_path(exp, &exp->bundle, file);
}

const char *
ts_export_error(const struct ts_export *exp)
{
	return exp->err;
}

size_t
ts_export_count(const struct ts_export *exp)
{
	return exp->ecount;
}

int
ts_export_pending(const struct ts_export *exp)
{
	int what = 0;

	if (exp->dirty != NULL)
		what |= TS_EXPORT_DIR;
	if (exp->bundle != NULL && exp->bundle_dirty)
		what |= TS_EXPORT_BUNDLE;
	return what;
}

/* The certificate der of hash, shared if the bucket already holds it. */
static struct xcert *
cert_get(struct ts_export *exp, const void *der, size_t len)
{
	struct xbucket *b;
	struct xcert *c, **v;
	unsigned long hash;
	int i;

	if (ts_der_subject_hash(der, len, &hash) == -1) {
		seterr(exp->err, "not a certificate: cannot read its subject");
		return NULL;
	}
	if ((b = bucket_get(exp, hash, 1)) == NULL)
		goto nomem;
	for (i = 0; i < b->n; i++) {
		c = b->v[i];
		if (c->len == len && memcmp(c->der, der, len) == 0) {
			c->refs++;
			return c;
		}
	}
	if (b->n == b->cap) {
		if ((v = realloc(b->v, (b->cap + 2) * sizeof(*v))) == NULL)
			goto nomem_gc;
		b->v = v;
		b->cap += 2;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto nomem_gc;
	if ((c->der = malloc(len)) == NULL) {
		free(c);
		goto nomem_gc;
	}
	memcpy(c->der, der, len);
	c->len = len;
	c->id = exp->next_id++;
	c->refs = 1;
	c->bucket = b;
	c->idx = b->n;
	b->v[b->n++] = c;
	bucket_dirty(exp, b);
	return c;
nomem_gc:
	bucket_gc(exp, b);
nomem:
	seterr(exp->err, "out of memory");
	return NULL;
}

int
ts_export_put(struct ts_export *exp, const char *key, const char *alias,
    const void *der, size_t len)
{
	struct xentry **ep, *e = NULL;
	struct xcert *c;
	char *a = NULL;

	if ((ep = etab_slot(exp, key)) != NULL && (e = *ep) != NULL &&
	    e->cert->len == len && memcmp(e->cert->der, der, len) == 0 &&
	    strcmp(e->alias, alias) == 0)
		return 0;
	/* the new certificate first: on failure the entry stays as it was */
	if ((c = cert_get(exp, der, len)) == NULL)
		return -1;
	if ((a = strdup(alias)) == NULL)
		goto nomem;
	if (e == NULL) {
		if (exp->ecount >= exp->esize && etab_grow(exp) == -1)
			goto nomem;
		if ((e = calloc(1, sizeof(*e))) == NULL)
			goto nomem;
		if ((e->key = strdup(key)) == NULL) {
			free(e);
			goto nomem;
		}
		ep = etab_slot(exp, key);
		*ep = e;
		exp->ecount++;
	} else {
		cert_release(exp, e->cert);
		free(e->alias);
	}
	e->cert = c;
	e->alias = a;
	exp->bundle_dirty = 1;
	return 0;
nomem:
	free(a);
	cert_release(exp, c);
	seterr(exp->err, "out of memory");
	return -1;
}

int
ts_export_remove(struct ts_export *exp, const char *key)
{
	struct xentry **ep, *e;

	if ((ep = etab_slot(exp, key)) == NULL || (e = *ep) == NULL)
		return 0;
	*ep = e->next;
	exp->ecount--;
	cert_release(exp, e->cert);
	free(e->key);
	free(e->alias);
	free(e);
	exp->bundle_dirty = 1;
	return 0;
}

int
ts_export_has(struct ts_export *exp, const char *key)
{
	struct xentry **ep;

	return (ep = etab_slot(exp, key)) != NULL && *ep != NULL;
}

/* --- the directory as it is ---------------------------------------------- */

/* <8 lowercase hex>.<decimal without leading zeros> */
static int
parse_name(const char *name, unsigned long *hash, int *idx)
{
	const char *p;
	long n;

	for (p = name; p < name + 8; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
	if (*p++ != '.' || *p < '0' || *p > '9' || (p[0] == '0' && p[1]))
		return -1;
	for (n = 0; *p >= '0' && *p <= '9' && n <= MAX_INDEX; p++)
		n = n * 10 + (*p - '0');
	if (*p != '\0' || n > MAX_INDEX)
		return -1;
	*hash = strtoul(name, NULL, 16);
	*idx = (int)n;
	return 0;
}

int
ts_export_is_hash_name(const char *name)
{
	unsigned long hash;
	int idx;

	return parse_name(name, &hash, &idx) == 0;
}

/*
 * dir: the path configured; at: the link of another user's its walk met
 * (trusted_target), the path itself or a link it leads to, which is the
 * one to look at.  msg may be the buffer at is in.
 */
static const char *
link_refused(const char *dir, const char *at, uid_t other, char *msg,
    size_t len)
{
	char link[PATH_MAX];

	snprintf(link, sizeof(link), "%s", at);
	if (strcmp(link, dir) == 0)
		snprintf(msg, len, "%s: a symbolic link of another user's "
		    "(uid %lu): not followed (only links made by root or by "
		    "uid %lu are)", dir, (unsigned long)other,
		    (unsigned long)geteuid());
	else
		snprintf(msg, len, "%s: it leads to %s, a symbolic link of "
		    "another user's (uid %lu): not followed (only links made "
		    "by root or by uid %lu are)", dir, link,
		    (unsigned long)other, (unsigned long)geteuid());
	return msg;
}

const char *
ts_export_dir_link_refused(const char *dir, char *msg, size_t len)
{
	char real[PATH_MAX];
	const char *at;
	uid_t other;

	at = trusted_target(dir, real, &other);
	return other == (uid_t)-1 ? NULL :
	    link_refused(dir, at, other, msg, len);
}

/*
 * Why a directory of owner and mode st cannot hold what we write there,
 * into msg, or NULL.  A user who may write to it could do what harm says
 * ("add a CA of their own", "replace the bundle with one of their own")
 * and every reader would trust it: so it must be root's or the writer's,
 * and only they, and the writer's own group, may write to it; or, when
 * sticky_ok, others too if it is sticky (a spool: they cannot replace a
 * file of ours there, which is all a bundle's directory holds of ours).
 */
static const char *
owner_refused(const char *dir, const struct stat *st, int sticky_ok,
    const char *harm, char *msg, size_t len)
{
	if (st->st_uid != 0 && st->st_uid != geteuid())
		snprintf(msg, len, "%s: a directory of another user's (uid "
		    "%lu), who could %s: give %s a directory of root's or uid "
		    "%lu's", dir, (unsigned long)st->st_uid, harm,
		    sticky_ok ? "it" : "the store", (unsigned long)geteuid());
	else if (!(sticky_ok && (st->st_mode & S_ISVTX)) &&
	    ((st->st_mode & S_IWOTH) || ((st->st_mode & S_IWGRP) &&
	    st->st_gid != getegid())))
		snprintf(msg, len, "%s: other users may write to it (mode "
		    "%04o) and could %s: chmod go-w%s", dir,
		    (unsigned)(st->st_mode & 07777), harm,
		    sticky_ok ? " (or +t)" : "");
	else
		return NULL;
	return msg;
}

static const char *
dir_owner_refused(const char *dir, const struct stat *st, char *msg,
    size_t len)
{
	return owner_refused(dir, st, 0, "add a CA of their own", msg, len);
}

static const char *
bundle_dir_refused(const char *dir, const struct stat *st, char *msg,
    size_t len)
{
	return owner_refused(dir, st, 1, "replace the bundle with one of "
	    "their own", msg, len);
}

const char *
ts_export_dir_owner_refused(const char *dir, char *msg, size_t len)
{
	struct stat st;

	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode))
		return NULL;	/* not made yet: the writer makes it its own */
	return dir_owner_refused(dir, &st, msg, len);
}

static int
open_dir(const char *dir, char *err, int *created)
{
	char real[PATH_MAX];
	const char *why, *target;
	struct stat st;
	uid_t other;
	int fd;

	/* every scan and every write comes here: nothing of the system's
	 * is read as ours, removed or replaced */
	if ((why = ts_export_dir_refused(dir)) != NULL) {
		adderr(err, "%s: %s", dir, why);
		return -1;
	}
	/*
	 * Nor of another user's: a link of theirs at the path would have us
	 * remove the hash-named files of the directory it names and put the
	 * store's there.  Refused, not replaced as a bundle's link is: the
	 * directory an administrator named may hold what TLS settings read.
	 * Checked here, not when configured: slapd reads its configuration
	 * as root and may write as openldap, whose links are then ours.
	 */
	target = trusted_target(dir, real, &other);
	if (other != (uid_t)-1) {
		adderr(err, "%s", link_refused(dir, target, other, real,
		    sizeof(real)));
		return -1;
	}
	/* no link swapped in since: the walk's end must not be one */
	fd = open(target, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT && target == dir &&
	    mkdir(dir, TS_EXPORT_DIR_MODE) == 0) {
		fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		/* what the umask took away (see write_tmp) */
		if (fd != -1)
			(void)fchmod(fd, TS_EXPORT_DIR_MODE);
		if (created != NULL)
			*created = 1;
	}
	if (fd == -1) {
		adderr(err, "%s: %s", dir, strerror(errno));
		return -1;
	}
	/* on what was opened: a directory swapped in since counts */
	if (fstat(fd, &st) == -1) {
		adderr(err, "%s: %s", dir, strerror(errno));
		close(fd);
		return -1;
	}
	if (dir_owner_refused(dir, &st, real, sizeof(real)) != NULL) {
		adderr(err, "%s", real);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * The content of a regular file named like ours; NULL if not one, or if
 * its mode is not ours (an older version's umask made it unreadable to
 * other users: it is rewritten).
 */
static char *
read_small(int dfd, const char *name, size_t *len)
{
	struct stat st;
	char *buf = NULL;
	ssize_t r;
	size_t got = 0;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != TS_EXPORT_FILE_MODE ||
	    st.st_size > MAX_FILE || (buf = malloc(st.st_size + 1)) == NULL)
		goto done;
	while (got < (size_t)st.st_size) {
		r = read(fd, buf + got, st.st_size - got);
		if (r <= 0) {
			free(buf);
			buf = NULL;
			goto done;
		}
		got += r;
	}
	*len = got;
done:
	close(fd);
	return buf;
}

/*
 * Within each scanned bucket, give a certificate the index its file already
 * has where that is free, so a restart rewrites nothing that is right.
 */
static void
bucket_settle(struct xbucket *b)
{
	struct xcert *t;
	int i, j;

	for (i = 0; i < b->n && i < b->ndisk; i++) {
		if (b->disk[i] == b->v[i]->id)
			continue;
		for (j = 0; j < b->n; j++) {
			if (b->disk[i] != b->v[j]->id)
				continue;
			if (j < b->ndisk && b->disk[j] == b->v[j]->id)
				break;	/* it already has its own file */
			t = b->v[i];
			b->v[i] = b->v[j];
			b->v[j] = t;
			b->v[i]->idx = i;
			b->v[j]->idx = j;
			break;
		}
	}
}

/* Nothing on disk is known any more: every bucket is rewritten. */
static void
disk_forget(struct ts_export *exp)
{
	struct xbucket *b, *next;
	size_t i;

	for (i = 0; i < exp->bsize; i++) {
		for (b = exp->btab[i]; b != NULL; b = next) {
			next = b->next;
			b->ndisk = 0;
			if (b->disk != NULL)
				memset(b->disk, 0, b->capdisk * sizeof(*b->disk));
			if (b->n > 0)
				bucket_dirty(exp, b);
			else
				bucket_gc(exp, b);
		}
	}
}

/*
 * Follow path's symbolic links into buf (PATH_MAX), but only those made
 * by root or by the writer's own user.  The directory holding an export
 * path may be writable by others (a shared volume, a sticky spool): a
 * link planted there by another user, to /etc/shadow, slapd's database
 * or another program's CA directory, would have a writer running as
 * root or openldap replace or remove files there.  The kernel's
 * fs.protected_symlinks does not stop that, since each link is read
 * here, not opened.  Returns where the walk stopped (path itself when
 * nothing was followed); *other is the owner of the first untrusted link
 * met, or (uid_t)-1.  Only the path's last component is walked: the
 * kernel resolves the ones before it.
 */
static const char *
trusted_target(const char *path, char *buf, uid_t *other)
{
	char link[PATH_MAX], cur[PATH_MAX];
	const char *slash;
	struct stat st;
	ssize_t n;
	int hops, len;

	*other = (uid_t)-1;
	if ((len = strlen(path)) >= (int)sizeof(cur))
		return path;
	/* "link/" is the link too: lstat() would follow it */
	strcpy(cur, path);
	while (len > 1 && cur[len - 1] == '/')
		cur[--len] = '\0';
	if (lstat(cur, &st) == -1 || !S_ISLNK(st.st_mode))
		return path;
	/* a link to a link: each one must be trusted, as the kernel's 40 */
	for (hops = 0; hops < 40; hops++) {
		if (lstat(cur, &st) == -1 || !S_ISLNK(st.st_mode))
			break;
		if (st.st_uid != 0 && st.st_uid != geteuid()) {
			*other = st.st_uid;
			break;
		}
		if ((n = readlink(cur, link, sizeof(link) - 1)) <= 0)
			break;
		link[n] = '\0';
		slash = strrchr(cur, '/');
		if (link[0] == '/' || slash == NULL)
			len = snprintf(buf, PATH_MAX, "%s", link);
		else
			len = snprintf(buf, PATH_MAX, "%.*s%s",
			    (int)(slash - cur + 1), cur, link);
		if (len >= PATH_MAX)
			break;
		/* a target "link/" is that link too, as the path's own */
		while (len > 1 && buf[len - 1] == '/')
			buf[--len] = '\0';
		strcpy(cur, buf);
	}
	if (hops == 0)
		return path;	/* the first link was another user's */
	strcpy(buf, cur);
	return buf;
}

/*
 * The file a bundle path names, into buf (PATH_MAX): a symbolic link is
 * written through, as the export directory's path is, so that the file it
 * names (which TLS settings may name too) follows the store; a link to a
 * file not made yet is followed too.  Else the path itself.  A link of
 * another user's (trusted_target) is the path itself: the rename
 * replaces the link, never what it names.
 */
static const char *
bundle_target(const char *bundle, char *buf)
{
	uid_t other;

	return trusted_target(bundle, buf, &other);
}

/*
 * Temporaries a crash left beside the bundle.  That directory may be
 * shared (with another slapd's bundle, say), so only those of processes
 * that no longer run go: the PID is in the name.  A PID is reused,
 * though: a slapd restarted in a container often gets its old one back,
 * and another process may have taken it.  So a temporary with our own PID
 * made before this process started is a crashed one's, and one older
 * than any write takes is stale whoever holds its PID now.
 */
static void
sweep_bundle_dir(const char *bundle)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	char *dir, *slash, *end;
	long pid;
	int dfd, stale;

	if ((dir = strdup(bundle)) == NULL)
		return;
	if ((slash = strrchr(dir, '/')) != NULL)
		slash[slash == dir ? 1 : 0] = '\0';
	if ((d = opendir(slash != NULL ? dir : ".")) == NULL)
		goto done;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TS_EXPORT_TMP_PREFIX,
		    sizeof(TS_EXPORT_TMP_PREFIX) - 1) != 0)
			continue;
		pid = strtol(de->d_name + sizeof(TS_EXPORT_TMP_PREFIX) - 1,
		    &end, 10);
		if (*end != '-' || pid <= 0 ||
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1)
			continue;
		if (pid == (long)getpid())
			stale = st.st_mtim.tv_sec < proc_start.tv_sec ||
			    (st.st_mtim.tv_sec == proc_start.tv_sec &&
			    st.st_mtim.tv_nsec < proc_start.tv_nsec);
		else
			stale = (kill((pid_t)pid, 0) == -1 &&
			    errno == ESRCH) ||
			    time(NULL) - st.st_mtim.tv_sec > TMP_STALE;
		if (stale)
			unlinkat(dfd, de->d_name, 0);
	}
	closedir(d);
done:
	free(dir);
}

int
ts_export_scan(struct ts_export *exp)
{
	struct xbucket *b;
	struct dirent *de;
	DIR *d = NULL;
	unsigned long hash;
	uint64_t id;
	char *buf, *pem, real[PATH_MAX];
	const char *target;
	size_t len, plen;
	int dfd = -1, fd, idx, j, rc = -1;

	exp->bundle_dirty = 1;
	exp->bundle_unknown = 1;
	if (exp->bundle != NULL) {
		sweep_bundle_dir(exp->bundle);
		if ((target = bundle_target(exp->bundle, real)) != exp->bundle)
			sweep_bundle_dir(target);
	}
	if (exp->dir == NULL)
		return 0;
	if (exp->batch != NULL) {
		seterr(exp->err, "scan during a flush");
		return -1;
	}
	/* what the disk holds is about to be read afresh */
	disk_forget(exp);
	exp->err[0] = '\0';
	if ((dfd = open_dir(exp->dir, exp->err, NULL)) == -1)
		goto done;
	if ((fd = dup(dfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		seterr(exp->err, "%s: %s", exp->dir, strerror(errno));
		if (fd != -1)
			close(fd);
		goto done;
	}
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, TS_EXPORT_TMP_PREFIX,
		    sizeof(TS_EXPORT_TMP_PREFIX) - 1) == 0) {
			/* left by a crash between create and rename */
			unlinkat(dfd, de->d_name, 0);
			continue;
		}
		if (parse_name(de->d_name, &hash, &idx) == -1)
			continue;
		if ((b = bucket_get(exp, hash, 1)) == NULL)
			goto nomem;
		id = DISK_UNKNOWN;
		if ((buf = read_small(dfd, de->d_name, &len)) != NULL) {
			for (j = 0; j < b->n && id == DISK_UNKNOWN; j++) {
				pem = pem_new(b->v[j]->der, b->v[j]->len, &plen);
				if (pem == NULL) {
					free(buf);
					goto nomem;
				}
				if (plen == len && memcmp(pem, buf, len) == 0)
					id = b->v[j]->id;
				free(pem);
			}
			free(buf);
		}
		if (disk_set(b, idx, id) == -1)
			goto nomem;
		bucket_dirty(exp, b);
	}
	for (b = exp->dirty; b != NULL; b = b->dnext)
		bucket_settle(b);
	rc = 0;
	goto done;
nomem:
	seterr(exp->err, "out of memory");
done:
	if (d != NULL)
		closedir(d);
	if (dfd != -1)
		close(dfd);
	return rc;
}

/* --- flushing ------------------------------------------------------------- */

static int
entry_cmp(const void *a, const void *b)
{
	const struct xentry *x = *(const struct xentry * const *)a;
	const struct xentry *y = *(const struct xentry * const *)b;
	int c;

	/* as `ldaptrust list` orders them: aliases compare ignoring case */
	if ((c = strcasecmp(x->alias, y->alias)) != 0 ||
	    (c = strcmp(x->alias, y->alias)) != 0)
		return c;
	return strcmp(x->key, y->key);
}

/* Every entry as "# alias" and PEM, sorted by alias. */
static int
bundle_build(struct ts_export *exp, char **out, size_t *outlen)
{
	struct xentry **all = NULL, *e;
	const char *s;
	char *buf = NULL, *o;
	size_t i, n = 0, size = 1;
	int rc = -1;

	if (exp->ecount > 0 &&
	    (all = malloc(exp->ecount * sizeof(*all))) == NULL)
		goto done;
	for (i = 0; i < exp->esize; i++) {
		for (e = exp->etab[i]; e != NULL; e = e->next) {
			all[n++] = e;
			size += 3 + strlen(e->alias) + pem_size(e->cert->len);
		}
	}
	/* qsort(NULL, 0, ...) is undefined: an empty store has no array */
	if (n > 1)
		qsort(all, n, sizeof(*all), entry_cmp);
	if ((buf = malloc(size)) == NULL)
		goto done;
	o = buf;
	for (i = 0; i < n; i++) {
		*o++ = '#';
		*o++ = ' ';
		/* a line break in an alias must not end the comment */
		for (s = all[i]->alias; *s; s++)
			*o++ = ((unsigned char)*s < 0x20 || *s == 0x7f) ?
			    '?' : *s;
		*o++ = '\n';
		o += pem_put(o, all[i]->cert->der, all[i]->cert->len);
	}
	*out = buf;
	*outlen = o - buf;
	buf = NULL;
	rc = 0;
done:
	free(all);
	free(buf);
	return rc;
}

static void
batch_free(struct ts_export_batch *bt)
{
	size_t i;

	if (bt == NULL)
		return;
	for (i = 0; i < bt->nw; i++)
		free(bt->w[i].pem);
	free(bt->w);
	free(bt->u);
	free(bt->b);
	free(bt->bbuf);
	free(bt->dir);
	free(bt->bundle);
	free(bt);
}

/*
 * The index past the bucket's end whose file holds certificate id, or -1.
 * A delete moves the last file of a hash into the gap: that file is on
 * disk already, and a rename moves it without the space or the inode a
 * rewrite needs (a full disk must not keep the deleted one trusted).
 */
static int
tail_holding(const struct xbucket *b, uint64_t id)
{
	int j;

	for (j = b->n; j < b->ndisk; j++)
		if (b->disk[j] == id)
			return j;
	return -1;
}

struct ts_export_batch *
ts_export_take(struct ts_export *exp, int what)
{
	struct ts_export_batch *bt;
	struct xbucket *b, *rest = NULL;
	size_t nb = 0, nw = 0, nu = 0;
	int i;

	if (exp->batch != NULL) {
		seterr(exp->err, "a flush is already running");
		return NULL;
	}
	if ((bt = calloc(1, sizeof(*bt))) == NULL)
		goto nomem;
	if ((what & TS_EXPORT_DIR) && exp->dir != NULL) {
		/* a bounded prefix of the dirty list: memory stays bounded */
		for (b = exp->dirty; b != NULL && nb < BATCH_MAX;
		    b = b->dnext) {
			nb++;
			nw += b->n;
			nu += b->ndisk;
		}
		rest = b;
		if ((bt->dir = strdup(exp->dir)) == NULL ||
		    (nb && (bt->b = calloc(nb, sizeof(*bt->b))) == NULL) ||
		    (nw && (bt->w = calloc(nw, sizeof(*bt->w))) == NULL) ||
		    (nu && (bt->u = calloc(nu, sizeof(*bt->u))) == NULL))
			goto nomem;
		for (b = exp->dirty; b != rest; b = b->dnext) {
			bt->b[bt->nb++] = b;
			for (i = 0; i < b->n; i++) {
				struct witem *w = &bt->w[bt->nw];

				if (i < b->ndisk && b->disk[i] == b->v[i]->id)
					continue;
				w->b = b;
				w->idx = i;
				w->id = b->v[i]->id;
				w->over = i < b->ndisk &&
				    b->disk[i] != DISK_NONE;
				w->from = tail_holding(b, w->id);
				w->pem = pem_new(b->v[i]->der, b->v[i]->len,
				    &w->len);
				if (w->pem == NULL)
					goto nomem;
				bt->nw++;
			}
			/* from the top down: the prefix stays dense */
			for (i = b->ndisk - 1; i >= b->n; i--) {
				if (b->disk[i] == DISK_NONE)
					continue;
				bt->u[bt->nu].b = b;
				bt->u[bt->nu++].idx = i;
			}
		}
	}
	if ((what & TS_EXPORT_BUNDLE) && exp->bundle != NULL &&
	    exp->bundle_dirty) {
		if ((bt->bundle = strdup(exp->bundle)) == NULL ||
		    bundle_build(exp, &bt->bbuf, &bt->blen) == -1)
			goto nomem;
		bt->do_bundle = 1;
	}
	/* committed: from here on the batch owns the work */
	for (i = 0; i < (int)bt->nb; i++) {
		bt->b[i]->busy = 1;
		bt->b[i]->dirty = 0;
	}
	if (bt->dir != NULL)
		exp->dirty = rest;
	if (bt->do_bundle) {
		exp->bundle_dirty = 0;
		bt->bundle_check = exp->bundle_unknown;
		exp->bundle_unknown = 0;
	}
	exp->batch = bt;
	return bt;
nomem:
	batch_free(bt);
	seterr(exp->err, "out of memory");
	return NULL;
}

/* Create an exclusive temporary in dfd holding data; its name in tmp. */
static int
write_tmp(struct ts_export_batch *bt, int dfd, const char *path,
    const char *data, size_t len, int sync, char *tmp, size_t tmplen)
{
	unsigned char rnd[8];
	ssize_t r;
	int fd = -1, tries;

	for (tries = 0; tries < 100; tries++) {
		/*
		 * A name no one can guess: the bundle's directory may be
		 * shared, and another user who made every name we would try
		 * (random() is the same series in every process that does
		 * not seed it) kept the bundle from changing, a removed
		 * certificate trusted in it.
		 */
		if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
			errno = EAGAIN;
			break;
		}
		snprintf(tmp, tmplen, "%s%ld-%u-%02x%02x%02x%02x%02x%02x%02x"
		    "%02x", TS_EXPORT_TMP_PREFIX, (long)getpid(), bt->seq++,
		    rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6],
		    rnd[7]);
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, TS_EXPORT_FILE_MODE);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		adderr(bt->err, "%s/%s: create: %s", path, tmp,
		    strerror(errno));
		return -1;
	}
	/*
	 * Certificates are public, and read by TLS code running as other
	 * users: the files are as openssl rehash and update-ca-certificates
	 * leave them whatever the writer's umask (a hardened unit's 077 made
	 * them its own alone).  Access is restricted on the directories.
	 */
	if (fchmod(fd, TS_EXPORT_FILE_MODE) == -1)
		goto fail;
	while (len > 0) {
		if ((r = write(fd, data, len)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		data += r;
		len -= r;
	}
	if (sync && fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return 0;
fail:
	adderr(bt->err, "%s/%s: write: %s", path, tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlinkat(dfd, tmp, 0);
	return -1;
}

/*
 * Move <hash>.<w->from>, which holds w's certificate, to name.  Its
 * content reaches the disk first when it is to replace a file, as a
 * written one would (sync; else the caller's syncfs() did it).
 */
static int
move_tail(int dfd, const struct witem *w, const char *name, int sync)
{
	char from[32];
	int fd, rc = 0;

	snprintf(from, sizeof(from), "%08lx.%d", w->b->hash, w->from);
	if (sync && w->over) {
		if ((fd = openat(dfd, from, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1)
			return -1;
		rc = fsync(fd);
		close(fd);
		if (rc == -1)
			return -1;
	}
	return renameat(dfd, from, dfd, name);
}

static void
run_dir(struct ts_export_batch *bt)
{
	char name[32];
	char (*tmps)[64] = NULL;
	size_t i;
	int dfd, sync_each, renamed = 0, taken_out = 0;
	size_t nover = 0;

	if (bt->nw == 0 && bt->nu == 0)
		return;
	if ((dfd = open_dir(bt->dir, bt->err, &bt->created)) == -1) {
		bt->failed = 1;
		for (i = 0; i < bt->nb; i++)
			bt->b[i]->failed = 1;
		return;
	}
	if (bt->nw > 0 && (tmps = calloc(bt->nw, sizeof(*tmps))) == NULL) {
		adderr(bt->err, "out of memory");
		bt->failed = 1;
		goto done;
	}
	/*
	 * Only a file that replaces one needs its content on disk before its
	 * name: after a crash the old file coming back, or the name holding
	 * nothing, would change what an existing certificate's name means.
	 * A new name ends the run of its hash's files (readers stop at the
	 * first index missing or unreadable), so if a crash empties or loses
	 * it nothing that was trusted is hidden: its certificate is just not
	 * trusted yet, as before its add, until the start-up reconciliation
	 * writes it again.  An import flushes nothing.
	 */
	for (i = 0; i < bt->nw; i++)
		nover += bt->w[i].over;
	sync_each = nover <= SYNC_EACH_MAX;
	for (i = 0; i < bt->nw; i++) {
		/* a file on disk already is moved below, not written */
		if (bt->w[i].from >= 0)
			continue;
		if (write_tmp(bt, dfd, bt->dir, bt->w[i].pem, bt->w[i].len,
		    sync_each && bt->w[i].over, tmps[i], sizeof(tmps[i])) == -1)
			tmps[i][0] = '\0';
	}
	/* many overwrites: one flush of the file system, not one each */
	if (!sync_each && syncfs(dfd) == -1) {
		adderr(bt->err, "%s: syncfs: %s", bt->dir, strerror(errno));
		for (i = 0; i < bt->nw; i++) {
			if (tmps[i][0])
				unlinkat(dfd, tmps[i], 0);
			tmps[i][0] = '\0';
			bt->w[i].from = -1;
		}
	}
	for (i = 0; i < bt->nw; i++) {
		struct witem *w = &bt->w[i];

		snprintf(name, sizeof(name), "%08lx.%d", w->b->hash, w->idx);
		if (w->from >= 0 &&
		    move_tail(dfd, w, name, sync_each) == 0) {
			w->ok = 1;
			renamed = 1;
			taken_out = 1;	/* its old name is gone too */
			continue;
		}
		/* the tail vanished behind our back: write it after all */
		if (w->from >= 0 && write_tmp(bt, dfd, bt->dir, w->pem,
		    w->len, w->over, tmps[i], sizeof(tmps[i])) == -1)
			tmps[i][0] = '\0';
		if (tmps[i][0] && renameat(dfd, tmps[i], dfd, name) == 0) {
			w->ok = 1;
			renamed = 1;
			taken_out |= w->over;
			continue;
		}
		if (tmps[i][0]) {
			adderr(bt->err, "%s/%s: rename: %s", bt->dir, name,
			    strerror(errno));
			unlinkat(dfd, tmps[i], 0);
		}
		bt->failed = 1;
		w->b->failed = 1;
	}
	/* the new names durable before old tails go; else one fsync below */
	if (renamed && bt->nu > 0 && fsync(dfd) == -1) {
		adderr(bt->err, "%s: fsync: %s", bt->dir, strerror(errno));
		bt->failed = 1;
	}
	if (renamed)
		bt->changed |= TS_EXPORT_DIR;
	for (i = 0; i < bt->nu; i++) {
		struct uitem *u = &bt->u[i];

		/* a bucket whose write failed keeps its tail: no gap */
		if (u->b->failed)
			continue;
		snprintf(name, sizeof(name), "%08lx.%d", u->b->hash, u->idx);
		if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT) {
			u->ok = 1;
			bt->changed |= TS_EXPORT_DIR;
			taken_out = 1;
			continue;
		}
		adderr(bt->err, "%s/%s: unlink: %s", bt->dir, name,
		    strerror(errno));
		bt->failed = 1;
	}
	/*
	 * Likewise the directory: a certificate taken out (a file removed or
	 * overwritten) must stay out after a crash, new names need no flush.
	 */
	if (taken_out && fsync(dfd) == -1) {
		adderr(bt->err, "%s: fsync: %s", bt->dir, strerror(errno));
		bt->failed = 1;
	}
done:
	free(tmps);
	close(dfd);
}

/* Whether the regular file name in dfd holds exactly buf (any size). */
static int
same_content(int dfd, const char *name, const char *buf, size_t len)
{
	struct stat st;
	char chunk[65536];
	size_t got = 0;
	ssize_t r;
	int fd, same = 0;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return 0;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 07777) != TS_EXPORT_FILE_MODE ||
	    (size_t)st.st_size != len)
		goto done;
	while (got < len) {
		r = read(fd, chunk, len - got < sizeof(chunk) ?
		    len - got : sizeof(chunk));
		if (r <= 0 || memcmp(chunk, buf + got, r) != 0)
			goto done;
		got += r;
	}
	same = 1;
done:
	close(fd);
	return same;
}

static void
run_bundle(struct ts_export_batch *bt)
{
	char tmp[64], *dir, *slash, real[PATH_MAX], buf[PATH_MAX];
	const char *base, *path;
	struct stat st;
	int dfd = -1;

	path = bundle_target(bt->bundle, real);
	if ((dir = strdup(path)) == NULL) {
		adderr(bt->err, "out of memory");
		goto done;
	}
	if ((slash = strrchr(dir, '/')) == NULL) {
		base = path;
		strcpy(dir, ".");
	} else {
		base = path + (slash - dir) + 1;
		slash[slash == dir ? 1 : 0] = '\0';
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(dfd, &st) == -1) {
		adderr(bt->err, "%s: %s", dir, strerror(errno));
		goto done;
	}
	/* real holds path: the reason goes elsewhere */
	if (bundle_dir_refused(dir, &st, buf, sizeof(buf)) != NULL) {
		adderr(bt->err, "%s", buf);
		goto done;
	}
	/*
	 * After a scan (a start-up, a re-read), as for the directory's
	 * files: one already right is not rewritten, and not reported as
	 * changed, which would rebuild its readers' TLS contexts and cut
	 * their connections for nothing.
	 */
	if (bt->bundle_check && same_content(dfd, base, bt->bbuf, bt->blen)) {
		bt->bundle_ok = 1;
		goto done;
	}
	if (write_tmp(bt, dfd, dir, bt->bbuf, bt->blen, 1, tmp,
	    sizeof(tmp)) == -1)
		goto done;
	if (renameat(dfd, tmp, dfd, base) == -1) {
		adderr(bt->err, "%s: rename: %s", path, strerror(errno));
		unlinkat(dfd, tmp, 0);
		goto done;
	}
	bt->changed |= TS_EXPORT_BUNDLE;
	if (fsync(dfd) == -1) {
		adderr(bt->err, "%s: fsync: %s", dir, strerror(errno));
		goto done;
	}
	bt->bundle_ok = 1;
done:
	if (!bt->bundle_ok)
		bt->failed = 1;
	if (dfd != -1)
		close(dfd);
	free(dir);
}

int
ts_export_run(struct ts_export_batch *bt)
{
	if (bt->dir != NULL)
		run_dir(bt);
	if (bt->do_bundle)
		run_bundle(bt);
	return bt->failed ? -1 : 0;
}

int
ts_export_done(struct ts_export *exp, struct ts_export_batch *bt)
{
	size_t i;
	int rc;

	for (i = 0; i < bt->nw; i++) {
		struct witem *w = &bt->w[i];

		if (!w->ok || disk_set(w->b, w->idx, w->id) == -1)
			bucket_dirty(exp, w->b);
	}
	for (i = 0; i < bt->nu; i++) {
		if (bt->u[i].ok)
			disk_set(bt->u[i].b, bt->u[i].idx, DISK_NONE);
		else
			bucket_dirty(exp, bt->u[i].b);
	}
	for (i = 0; i < bt->nb; i++) {
		bt->b[i]->busy = 0;
		if (bt->b[i]->failed)
			bucket_dirty(exp, bt->b[i]);
		bt->b[i]->failed = 0;
		bucket_gc(exp, bt->b[i]);
	}
	if (bt->do_bundle && !bt->bundle_ok)
		exp->bundle_dirty = 1;
	/* someone removed the directory: it holds nothing we wrote before */
	if (bt->created)
		disk_forget(exp);
	rc = bt->failed ? -1 : bt->changed;
	if (bt->failed)
		memcpy(exp->err, bt->err, sizeof(exp->err));
	exp->batch = NULL;
	batch_free(bt);
	return rc;
}

int
ts_export_flush(struct ts_export *exp, int what)
{
	struct ts_export_batch *bt;
	int rc, changed = 0;

	do {
		if ((bt = ts_export_take(exp, what)) == NULL)
			return -1;
		ts_export_run(bt);
		if ((rc = ts_export_done(exp, bt)) == -1)
			return -1;
		changed |= rc;
		what &= ~TS_EXPORT_BUNDLE;
	} while (rc != 0 && (ts_export_pending(exp) & what));
	return changed;
}
