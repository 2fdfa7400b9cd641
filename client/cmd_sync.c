/* cmd_sync.c - ldaptrust sync: the store as files on any host */
/*
 * Writes the store to a hashed CA directory and/or a PEM bundle with the
 * overlay's own writer (lib/tsexport), so the files have the same names,
 * content and atomicity as a directory server's export, and only what
 * changed is touched.
 *
 * Both modes speak LDAP Content Synchronization (RFC 4533): a plain run is
 * one refreshOnly exchange, --watch is refreshAndPersist and stays
 * connected.  The state (entryUUID -> alias and DER, plus the server's
 * cookie) is kept in a file next to the output, so the next run, or a
 * reconnect after the server went away, asks only for what changed since.
 * The state is saved only after the files were written: a crash between
 * the two replays changes that are already on disk, which is harmless.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "ldaptrust.h"
#include "tscert.h"
#include "tsexport.h"

#define UUID_LEN	16
/* --watch: seconds of silence before the server is asked if it is there */
#define SYNC_KEEPALIVE	60
#define STATE_MAGIC	"# ldaptrust sync state 1"
/* the first line of a state of any version */
#define STATE_FAMILY	"# ldaptrust sync state "
#define BACKOFF_MAX	30

struct sync_rec {
	unsigned char	 uuid[UUID_LEN];
	char		*alias;		/* NULL: an entry left out */
	unsigned char	*der;
	size_t		 len;
	int		 seen;		/* mentioned during this refresh */
	int		 ghost;		/* said present, never received */
};

struct syncer {
	struct ctx	*ctx;
	struct ts_export *exp;
	struct ts_cert	*cert;		/* to judge each certificate */
	const char	*exec;
	char		*statefile;
	int		 state_own_dir;	/* DIR/.ldaptrust-sync: remade if gone */
	int		 watch;
	int		 keepalive;	/* --keepalive: seconds, 0 off */
	struct sync_rec	*recs;		/* sorted by uuid */
	size_t		 n, cap;
	struct berval	 cookie;	/* malloc()ed, empty: none */
	int		 state_dirty;	/* not yet saved */
	int		 changed;	/* catalogue changed since the flush */
	int		 refreshing;
	int		 refresh_full;	/* refresh began without a cookie */
	int		 refreshed;	/* a refresh completed this session */
	int		 reload;	/* the server asked for a full refresh */
	int		 write_failed;	/* the last flush failed */
	int		 scanned;	/* the files were read: flush anyway */
	char		 last_err[512];	/* what was said of it */
};

static char *sync_attrs[] = { "userCertificate;binary", NULL };

/* --watch: SIGTERM/SIGINT end it, SIGHUP re-reads the files and reconnects */
static volatile sig_atomic_t sync_stop, sync_hup;

/* --- the catalogue ----------------------------------------------------------- */

static void
hex(const unsigned char *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
unhex(const char *s, size_t slen, unsigned char *out)
{
	size_t i;
	int hi, lo;

	if (slen % 2)
		return -1;
	for (i = 0; i < slen / 2; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

/* Index of uuid, or -(insertion point) - 1. */
static long
rec_find(const struct syncer *s, const unsigned char *uuid)
{
	size_t lo = 0, hi = s->n, mid;
	int c;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = memcmp(s->recs[mid].uuid, uuid, UUID_LEN);
		if (c == 0)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static void
rec_clear(struct sync_rec *r)
{
	free(r->alias);
	free(r->der);
	r->alias = NULL;
	r->der = NULL;
}

/* A new, empty record for uuid where rec_find() said (pos < 0); seen. */
static struct sync_rec *
rec_insert(struct syncer *s, const unsigned char *uuid, long pos)
{
	struct sync_rec *r, *recs;
	size_t at = (size_t)(-pos - 1);

	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 64;

		if ((recs = reallocarray(s->recs, cap, sizeof(*recs))) == NULL)
			return NULL;
		s->recs = recs;
		s->cap = cap;
	}
	memmove(&s->recs[at + 1], &s->recs[at], (s->n - at) * sizeof(*s->recs));
	s->n++;
	r = &s->recs[at];
	memset(r, 0, sizeof(*r));
	memcpy(r->uuid, uuid, UUID_LEN);
	r->seen = 1;
	return r;
}

/* Add or replace; an identical record is only marked seen. */
static int
rec_set(struct syncer *s, const unsigned char *uuid, const char *alias,
    const unsigned char *der, size_t len)
{
	struct sync_rec *r;
	char key[2 * UUID_LEN + 1];
	long pos = rec_find(s, uuid);

	if (pos >= 0) {
		r = &s->recs[pos];
		r->seen = 1;
		r->ghost = 0;
		if (r->alias != NULL && r->len == len &&
		    memcmp(r->der, der, len) == 0 && strcmp(r->alias, alias) == 0)
			return 0;
		rec_clear(r);
	} else if ((r = rec_insert(s, uuid, pos)) == NULL)
		return -1;
	if ((r->alias = strdup(alias)) == NULL ||
	    (r->der = malloc(len ? len : 1)) == NULL)
		return -1;
	memcpy(r->der, der, len);
	r->len = len;
	hex(uuid, UUID_LEN, key);
	if (ts_export_put(s->exp, key, alias, der, len) == -1)
		return -1;
	s->changed = s->state_dirty = 1;
	return 0;
}

/*
 * An entry left out of the files is still known, so that a present phase
 * naming it is not taken for a sign of a restored database (sync_present).
 */
static int
rec_skip(struct syncer *s, const unsigned char *uuid)
{
	struct sync_rec *r;
	char key[2 * UUID_LEN + 1];
	long pos = rec_find(s, uuid);

	if (pos >= 0) {
		r = &s->recs[pos];
		r->seen = 1;
		r->ghost = 0;
		if (r->alias == NULL)
			return 0;
		hex(uuid, UUID_LEN, key);
		ts_export_remove(s->exp, key);
		rec_clear(r);
		r->len = 0;
		s->changed = s->state_dirty = 1;
		return 0;
	}
	if (rec_insert(s, uuid, pos) == NULL)
		return -1;
	s->state_dirty = 1;
	return 0;
}

static void
rec_delete_at(struct syncer *s, size_t at)
{
	char key[2 * UUID_LEN + 1];

	hex(s->recs[at].uuid, UUID_LEN, key);
	ts_export_remove(s->exp, key);
	rec_clear(&s->recs[at]);
	memmove(&s->recs[at], &s->recs[at + 1],
	    (s->n - at - 1) * sizeof(*s->recs));
	s->n--;
	s->changed = s->state_dirty = 1;
}

static void
rec_delete(struct syncer *s, const unsigned char *uuid)
{
	long pos = rec_find(s, uuid);

	if (pos >= 0)
		rec_delete_at(s, (size_t)pos);
}

/* End of a present phase: what the server did not mention is gone. */
static void
rec_delete_unseen(struct syncer *s)
{
	size_t i = 0;

	while (i < s->n) {
		if (!s->recs[i].seen)
			rec_delete_at(s, i);
		else
			i++;
	}
}

/* Forget the ghosts; say whether there were any. */
static int
rec_drop_ghosts(struct syncer *s)
{
	size_t i = 0;
	int n = 0;

	while (i < s->n) {
		if (s->recs[i].ghost) {
			memmove(&s->recs[i], &s->recs[i + 1],
			    (s->n - i - 1) * sizeof(*s->recs));
			s->n--;
			n++;
		} else
			i++;
	}
	return n > 0;
}

static void
set_cookie(struct syncer *s, const struct berval *c)
{
	char *v;

	if (c->bv_len == 0 || (s->cookie.bv_len == c->bv_len &&
	    memcmp(s->cookie.bv_val, c->bv_val, c->bv_len) == 0))
		return;
	if ((v = malloc(c->bv_len)) == NULL)
		return;		/* keep the old one: resuming earlier is safe */
	memcpy(v, c->bv_val, c->bv_len);
	free(s->cookie.bv_val);
	s->cookie.bv_val = v;
	s->cookie.bv_len = c->bv_len;
	s->state_dirty = 1;
}

static void
drop_cookie(struct syncer *s)
{
	free(s->cookie.bv_val);
	s->cookie.bv_val = NULL;
	s->cookie.bv_len = 0;
	s->state_dirty = 1;
}

/* --- the state file ------------------------------------------------------------ */

/* The subdirectory a default state of DIR lives in, made again (0700). */
static int
state_dir_make(const char *statefile)
{
	char sub[PATH_MAX], *slash;

	if (snprintf(sub, sizeof(sub), "%s", statefile) >= (int)sizeof(sub) ||
	    (slash = strrchr(sub, '/')) == NULL) {
		errno = ENOENT;
		return -1;
	}
	*slash = '\0';
	if (mkdir(sub, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/*
 * One line per fact: "cookie HEX", "entry UUID ALIAS DER" and "skip UUID"
 * (an entry left out), all in hex, so any alias or cookie survives.  Written like the export files: a
 * temporary, fsync, rename.
 */
static int
state_save(struct syncer *s)
{
	char tmp[PATH_MAX], *buf = NULL;
	size_t i, cap = 0, need;
	FILE *fp = NULL;
	int fd = -1, rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", s->statefile) >=
	    (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		goto done;
	}
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	/*
	 * The directory removed while --watch ran (a clean-up, rm -rf and
	 * let it refill): the writer makes it again, and the state's own
	 * subdirectory must come back too, or the state is never saved
	 * again and the failure said every few seconds for ever.
	 */
	if (fd == -1 && errno == ENOENT && s->state_own_dir &&
	    state_dir_make(s->statefile) == 0)
		fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd == -1 || (fp = fdopen(fd, "w")) == NULL)
		goto done;
	fd = -1;
	fprintf(fp, "%s\n", STATE_MAGIC);
	if (s->cookie.bv_len > 0) {
		if ((buf = malloc(2 * s->cookie.bv_len + 1)) == NULL)
			goto done;
		cap = 2 * s->cookie.bv_len + 1;
		hex((unsigned char *)s->cookie.bv_val, s->cookie.bv_len, buf);
		fprintf(fp, "cookie %s\n", buf);
	}
	for (i = 0; i < s->n; i++) {
		struct sync_rec *r = &s->recs[i];
		char u[2 * UUID_LEN + 1];

		hex(r->uuid, UUID_LEN, u);
		if (r->alias == NULL) {
			fprintf(fp, "skip %s\n", u);
			continue;
		}
		need = 2 * (strlen(r->alias) > r->len ? strlen(r->alias) :
		    r->len) + 1;
		if (need > cap) {
			free(buf);
			if ((buf = malloc(need)) == NULL)
				goto done;
			cap = need;
		}
		fprintf(fp, "entry %s ", u);
		hex((unsigned char *)r->alias, strlen(r->alias), buf);
		fprintf(fp, "%s ", buf);
		hex(r->der, r->len, buf);
		fprintf(fp, "%s\n", buf);
	}
	if (fflush(fp) == EOF || ferror(fp) || fsync(fileno(fp)) == -1)
		goto done;
	if (fclose(fp) == EOF) {
		fp = NULL;
		goto done;
	}
	fp = NULL;
	if (rename(tmp, s->statefile) == -1)
		goto done;
	s->state_dirty = 0;
	rc = 0;
done:
	if (rc == -1) {
		warnx_("sync: cannot save %s: %s", s->statefile,
		    strerror(errno));
		unlink(tmp);
	}
	if (fp != NULL)
		fclose(fp);
	if (fd != -1)
		close(fd);
	free(buf);
	return rc;
}

static int
state_line(struct syncer *s, char *line)
{
	unsigned char uuid[UUID_LEN], *der = NULL;
	char *f[4], *alias = NULL, *p;
	size_t nf = 0, len;
	int rc = -1;

	line[strcspn(line, "\n")] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	for (p = strtok(line, " "); p != NULL && nf < 4; p = strtok(NULL, " "))
		f[nf++] = p;
	if (nf == 2 && strcmp(f[0], "cookie") == 0) {
		struct berval c;

		len = strlen(f[1]);
		if ((c.bv_val = malloc(len / 2 + 1)) == NULL ||
		    unhex(f[1], len, (unsigned char *)c.bv_val) == -1) {
			free(c.bv_val);
			return -1;
		}
		c.bv_len = len / 2;
		set_cookie(s, &c);
		free(c.bv_val);
		return 0;
	}
	if (nf == 2 && strcmp(f[0], "skip") == 0 &&
	    strlen(f[1]) == 2 * UUID_LEN && unhex(f[1], 2 * UUID_LEN, uuid) == 0)
		return rec_skip(s, uuid);
	/* the length first: unhex() fills uuid with all it is given */
	if (nf != 4 || strcmp(f[0], "entry") != 0 ||
	    strlen(f[1]) != 2 * UUID_LEN ||
	    unhex(f[1], 2 * UUID_LEN, uuid) == -1)
		return -1;
	len = strlen(f[2]);
	if ((alias = calloc(1, len / 2 + 1)) == NULL ||
	    unhex(f[2], len, (unsigned char *)alias) == -1)
		goto done;
	len = strlen(f[3]);
	if ((der = malloc(len / 2 + 1)) == NULL ||
	    unhex(f[3], len, der) == -1)
		goto done;
	rc = rec_set(s, uuid, alias, der, len / 2);
done:
	free(alias);
	free(der);
	return rc;
}

/*
 * A file given with --state that is no state of any version (named by
 * mistake): the state is written over it, so it would be lost, as a
 * bundle path's file of something else would.  An empty file, or one
 * that is not regular, is no one's data.
 */
static int
state_foreign(const char *path)
{
	char head[sizeof(STATE_FAMILY) - 1];
	struct stat st;
	ssize_t got;
	int fd, rc = 0;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		got = read(fd, head, sizeof(head));
		rc = got != (ssize_t)sizeof(head) ||
		    memcmp(head, STATE_FAMILY, sizeof(head)) != 0;
	}
	close(fd);
	return rc;
}

/*
 * A missing file is a first run; a damaged one is forgotten loudly.  So
 * is one this user did not write: the state says which certificates the
 * files hold and from which point the server need only send changes, so
 * a state another user planted beside a bundle in a shared directory (a
 * cookie the server takes, an entry it never mentions) put that user's
 * certificate in the bundle for good.  Trusted: a regular file (not a
 * link) of this user's or root's that no one else may write, as the
 * state this command writes (0600) is.
 */
static void
state_load(struct syncer *s)
{
	struct stat st;
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	int bad = 0, first = 1, fd;

	if ((fd = open(s->statefile, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
	    -1) {
		if (errno != ENOENT)
			warnx_("sync: %s: %s; starting afresh", s->statefile,
			    strerror(errno));
		return;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		warnx_("sync: %s: not a file of this user's that only it may "
		    "write; starting afresh", s->statefile);
		close(fd);
		return;
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		warnx_("sync: %s: %s; starting afresh", s->statefile,
		    strerror(errno));
		close(fd);
		return;
	}
	while (!bad && getline(&line, &cap, fp) != -1) {
		if (first && strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)))
			bad = 1;
		else if (state_line(s, line) == -1)
			bad = 1;
		first = 0;
	}
	free(line);
	fclose(fp);
	if (bad) {
		warnx_("sync: %s is damaged; starting afresh", s->statefile);
		while (s->n > 0)
			rec_delete_at(s, s->n - 1);
		drop_cookie(s);
	}
	s->changed = 0;
}

/* --- writing ---------------------------------------------------------------------- */

static void
run_exec(struct syncer *s)
{
	pid_t pid;
	int status;

	fflush(NULL);
	if ((pid = fork()) == -1) {
		warnx_("sync: --exec: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", s->exec, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		warnx_("sync: --exec %s: failed (status %d)", s->exec,
		    WIFEXITED(status) ? WEXITSTATUS(status) : 128 +
		    WTERMSIG(status));
}

/*
 * A failure of the files is said when it starts or changes, not again at
 * each retry (a scan, the flush after the refresh, the one at the end of
 * the session and every one of --watch's would repeat it).
 */
static void
sync_file_error(struct syncer *s)
{
	const char *e = ts_export_error(s->exp);

	if (strcmp(e, s->last_err) == 0)
		return;
	snprintf(s->last_err, sizeof(s->last_err), "%s", e);
	warnx_("sync: %s", e);
}

/*
 * Files first, then the state: the cookie never runs ahead of the files.
 * A failed write stays pending in the catalogue and is retried at the
 * next flush.
 */
static int
sync_flush(struct syncer *s)
{
	int rc, news = s->changed;

	if ((rc = ts_export_flush(s->exp, TS_EXPORT_DIR | TS_EXPORT_BUNDLE))
	    == -1) {
		sync_file_error(s);
		s->write_failed = 1;
		return -1;
	}
	s->write_failed = 0;
	s->last_err[0] = '\0';
	s->changed = s->scanned = 0;
	if (rc > 0 && s->ctx->co.verbose)
		fprintf(stderr, "%s: sync: %zu certificate%s, files updated\n",
		    PROGNAME, s->n, s->n == 1 ? "" : "s");
	if (s->state_dirty && state_save(s) == -1) {
		s->write_failed = 1;
		return -1;
	}
	/*
	 * A new certificate set, or files repaired in the directory; not the
	 * bundle's rewrite at start-up, which only restates the same content.
	 */
	if (s->exec != NULL && (news || (rc & TS_EXPORT_DIR)))
		run_exec(s);
	return 0;
}

/*
 * Only what this host's library takes is written, as the overlay exports
 * only what its parse takes (overlay/ts_vet.c): a store can hold what an
 * older or newer version accepted, and GnuTLS drops a whole bundle for
 * one certificate it cannot read.  Said, and then as if it were not there.
 */
static int
sync_takes(struct syncer *s, const char *alias, struct berval **der)
{
	int n = ldap_count_values_len(der);

	char *safe;

	if (n == 1 && ts_cert_parse(s->cert, der[0]->bv_val,
	    der[0]->bv_len) == 0)
		return 1;
	/* the alias is the server's: a replicated or restored one too */
	safe = text_safe(alias);
	if (n != 1)
		warnx_("sync: \"%s\": not synced: it holds %d certificates, "
		    "an entry holds one", safe ? safe : "?", n);
	else
		warnx_("sync: \"%s\": not synced: its certificate is refused: "
		    "%s", safe ? safe : "?", ts_cert_error(s->cert));
	free(safe);
	return 0;
}

/* --- RFC 4533 ------------------------------------------------------------------------ */

static int
sync_request(struct syncer *s, const char *base, int *msgid)
{
	LDAPControl ctrl;
	BerElement *ber;
	struct berval val = { 0, NULL };
	int rc;

	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return LDAP_NO_MEMORY;
	rc = ber_printf(ber, "{e", s->watch ? LDAP_SYNC_REFRESH_AND_PERSIST :
	    LDAP_SYNC_REFRESH_ONLY);
	if (rc != -1 && s->cookie.bv_len > 0)
		rc = ber_printf(ber, "O", &s->cookie);
	if (rc != -1)
		rc = ber_printf(ber, "N}");
	if (rc == -1 || ber_flatten2(ber, &val, 0) == -1) {
		ber_free(ber, 1);
		return LDAP_ENCODING_ERROR;
	}
	ctrl.ldctl_oid = LDAP_CONTROL_SYNC;
	ctrl.ldctl_value = val;
	ctrl.ldctl_iscritical = 1;
	s->refreshing = 1;
	s->refresh_full = s->cookie.bv_len == 0;
	/* from a refresh that broke off */
	rec_drop_ghosts(s);
	for (size_t i = 0; i < s->n; i++)
		s->recs[i].seen = 0;
	/* the whole subtree, as the overlay exports it */
	rc = ldap_search_ext(s->ctx->ld, base, LDAP_SCOPE_SUBTREE,
	    "(objectClass=tsCertificate)", sync_attrs, 0,
	    conn_ctrls(s->ctx, CTL_READ, &ctrl), NULL, NULL,
	    LDAP_NO_LIMIT, msgid);
	ber_free(ber, 1);
	return rc;
}

/*
 * A present phase names every entry there is, then sends those changed
 * since our cookie.  One named that we never had and that does not follow
 * means the server's past is not ours: its database was restored from a
 * backup or replaced, and has since moved past our cookie.  What it holds
 * unchanged may differ from what we hold: start over.  Until the end of
 * the refresh such an entry is a ghost: known, not written, not saved.
 */
static int
sync_present(struct syncer *s, const unsigned char *uuid)
{
	struct sync_rec *r;
	long pos = rec_find(s, uuid);

	if (pos >= 0) {
		s->recs[pos].seen = 1;
		return 0;
	}
	if ((r = rec_insert(s, uuid, pos)) == NULL)
		return -1;
	r->ghost = 1;
	return 0;
}

static void
refresh_done(struct syncer *s)
{
	s->refreshing = 0;
	s->refreshed = 1;
	/* without a cookie the refresh was the whole content */
	if (s->refresh_full)
		rec_delete_unseen(s);
	if (rec_drop_ghosts(s) && !s->refresh_full) {
		warnx_("sync: the server holds entries unchanged since our "
		    "cookie that we never received (a restored or replaced "
		    "database?): refreshing in full");
		drop_cookie(s);
		s->reload = 1;
	}
}

static int
sync_entry(struct syncer *s, LDAPMessage *msg)
{
	LDAPControl **ctrls = NULL, *c;
	BerElement *ber = NULL;
	struct berval uuid, cookie = { 0, NULL }, **der = NULL;
	ber_int_t state;
	ber_len_t len;
	char *dn = NULL, *alias = NULL;
	int rc = LDAP_PROTOCOL_ERROR;

	if (ldap_get_entry_controls(s->ctx->ld, msg, &ctrls) != LDAP_SUCCESS ||
	    (c = ldap_control_find(LDAP_CONTROL_SYNC_STATE, ctrls, NULL)) ==
	    NULL || (ber = ber_init(&c->ldctl_value)) == NULL ||
	    ber_scanf(ber, "{em", &state, &uuid) == LBER_ERROR ||
	    uuid.bv_len != UUID_LEN)
		goto done;
	if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
	    ber_scanf(ber, "m", &cookie) == LBER_ERROR)
		goto done;
	switch (state) {
	case LDAP_SYNC_ADD:
	case LDAP_SYNC_MODIFY:
		if ((dn = ldap_get_dn(s->ctx->ld, msg)) == NULL ||
		    (alias = dn_alias(dn)) == NULL) {
			rc = LDAP_NO_MEMORY;
			goto done;
		}
		der = ldap_get_values_len(s->ctx->ld, msg,
		    "userCertificate;binary");
		/* not readable to us: as if it were not there */
		if (der == NULL || der[0] == NULL || !sync_takes(s, alias, der)) {
			if (rec_skip(s, (unsigned char *)uuid.bv_val) == -1) {
				rc = LDAP_NO_MEMORY;
				goto done;
			}
			break;
		}
		if (rec_set(s, (unsigned char *)uuid.bv_val, alias,
		    (unsigned char *)der[0]->bv_val, der[0]->bv_len) == -1) {
			rc = LDAP_NO_MEMORY;
			goto done;
		}
		break;
	case LDAP_SYNC_PRESENT:
		if (sync_present(s, (unsigned char *)uuid.bv_val) == -1) {
			rc = LDAP_NO_MEMORY;
			goto done;
		}
		break;
	case LDAP_SYNC_DELETE:
		rec_delete(s, (unsigned char *)uuid.bv_val);
		break;
	default:
		goto done;
	}
	set_cookie(s, &cookie);
	rc = LDAP_SUCCESS;
done:
	if (der != NULL)
		ldap_value_free_len(der);
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_controls_free(ctrls);
	ldap_memfree(dn);
	free(alias);
	return rc;
}

static int
sync_info(struct syncer *s, LDAPMessage *msg)
{
	BerElement *ber = NULL;
	struct berval *data = NULL, cookie = { 0, NULL };
	BerVarray uuids = NULL;
	char *oid = NULL;
	ber_tag_t tag;
	ber_len_t len;
	ber_int_t done_flag = 1, deletes = 0;
	size_t i;
	int rc = LDAP_PROTOCOL_ERROR;

	if (ldap_parse_intermediate(s->ctx->ld, msg, &oid, &data, NULL, 0) !=
	    LDAP_SUCCESS || oid == NULL || strcmp(oid, LDAP_SYNC_INFO) != 0 ||
	    data == NULL || (ber = ber_init(data)) == NULL)
		goto done;
	switch ((tag = ber_peek_tag(ber, &len))) {
	case LDAP_TAG_SYNC_NEW_COOKIE:
		if (ber_scanf(ber, "m", &cookie) == LBER_ERROR)
			goto done;
		break;
	case LDAP_TAG_SYNC_REFRESH_DELETE:
	case LDAP_TAG_SYNC_REFRESH_PRESENT:
		if (ber_scanf(ber, "{") == LBER_ERROR)
			goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
		    ber_scanf(ber, "m", &cookie) == LBER_ERROR)
			goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDONE &&
		    ber_scanf(ber, "b", &done_flag) == LBER_ERROR)
			goto done;
		/* a present phase ended: the unmentioned are deleted */
		if (tag == LDAP_TAG_SYNC_REFRESH_PRESENT && s->refreshing)
			rec_delete_unseen(s);
		if (done_flag && s->refreshing)
			refresh_done(s);
		break;
	case LDAP_TAG_SYNC_ID_SET:
		if (ber_scanf(ber, "{") == LBER_ERROR)
			goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE &&
		    ber_scanf(ber, "m", &cookie) == LBER_ERROR)
			goto done;
		if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDELETES &&
		    ber_scanf(ber, "b", &deletes) == LBER_ERROR)
			goto done;
		if (ber_scanf(ber, "[W]}", &uuids) == LBER_ERROR)
			goto done;
		for (i = 0; uuids != NULL && uuids[i].bv_val != NULL; i++) {
			if (uuids[i].bv_len != UUID_LEN)
				continue;
			if (deletes)
				rec_delete(s, (unsigned char *)uuids[i].bv_val);
			else if (sync_present(s,
			    (unsigned char *)uuids[i].bv_val) == -1) {
				rc = LDAP_NO_MEMORY;
				goto done;
			}
		}
		break;
	default:
		goto done;
	}
	set_cookie(s, &cookie);
	rc = LDAP_SUCCESS;
done:
	if (ber != NULL)
		ber_free(ber, 1);
	ber_bvarray_free(uuids);
	ber_bvfree(data);
	ldap_memfree(oid);
	return rc;
}

/* refreshOnly ends with a Sync Done control carrying the cookie. */
static int
sync_result(struct syncer *s, LDAPMessage *msg)
{
	LDAPControl **ctrls = NULL, *c;
	BerElement *ber = NULL;
	struct berval cookie = { 0, NULL };
	char *matched = NULL, *text = NULL, *safe;
	ber_int_t deletes = 0;
	ber_len_t len;
	int err = LDAP_OTHER, rc;

	rc = ldap_parse_result(s->ctx->ld, msg, &err, &matched, &text, NULL,
	    &ctrls, 0);
	if (rc != LDAP_SUCCESS)
		err = rc;
	if (err == LDAP_SYNC_REFRESH_REQUIRED) {
		/* the cookie is too old: start over with a full refresh */
		drop_cookie(s);
		s->reload = 1;
		goto done;
	}
	/*
	 * syncprov refuses a cookie ahead of its database ("consumer state
	 * is newer than provider!"), or any cookie when it has no state
	 * yet: restored from a backup, or replaced.  The same cookie would
	 * be refused for ever, and what we hold may be gone: start over.
	 */
	if (err == LDAP_UNWILLING_TO_PERFORM && s->cookie.bv_len > 0 &&
	    s->refreshing) {
		safe = text != NULL && *text != '\0' ? text_safe(text) : NULL;
		warnx_("sync: the server refuses our cookie: %s (a restored "
		    "or replaced database?): refreshing in full",
		    safe != NULL ? safe : ldap_err2string(err));
		free(safe);
		drop_cookie(s);
		s->reload = 1;
		goto done;
	}
	/* a one-shot run can do without: see sync_plain() */
	if (err == LDAP_UNAVAILABLE_CRITICAL_EXTENSION && !s->watch)
		goto done;
	if (err != LDAP_SUCCESS) {
		ldap_fail("sync", err, matched, text);
		if (err == LDAP_UNAVAILABLE_CRITICAL_EXTENSION)
			fprintf(stderr, "\tthe server does not offer "
			    "Content Synchronization (syncprov overlay)\n");
		goto done;
	}
	if ((c = ldap_control_find(LDAP_CONTROL_SYNC_DONE, ctrls, NULL))
	    != NULL && (ber = ber_init(&c->ldctl_value)) != NULL &&
	    ber_scanf(ber, "{") != LBER_ERROR) {
		if (ber_peek_tag(ber, &len) == LDAP_TAG_SYNC_COOKIE)
			ber_scanf(ber, "m", &cookie);
		if (ber_peek_tag(ber, &len) == LDAP_TAG_REFRESHDELETES)
			ber_scanf(ber, "b", &deletes);
		set_cookie(s, &cookie);
	}
	if (s->refreshing) {
		if (!deletes)
			rec_delete_unseen(s);
		refresh_done(s);
	}
	/* in persist mode the server ended the search: reconnect */
	if (s->watch)
		err = LDAP_UNAVAILABLE;
done:
	if (ber != NULL)
		ber_free(ber, 1);
	ldap_controls_free(ctrls);
	ldap_memfree(matched);
	ldap_memfree(text);
	return err;
}

/*
 * The key of an entry read without syncprov: its entryUUID, or where the
 * user may not read that, a digest of its DN.  Any stable key will do,
 * since such a run reads everything and keeps nothing it did not see.
 */
static void
plain_key(struct ctx *ctx, LDAPMessage *e, const char *dn,
    unsigned char *key)
{
	unsigned char md[SHA256_DIGEST_LENGTH];
	struct berval **v;
	char hexs[2 * UUID_LEN];
	size_t i, n = 0;

	v = ldap_get_values_len(ctx->ld, e, "entryUUID");
	for (i = 0; v != NULL && v[0] != NULL && i < v[0]->bv_len &&
	    n < sizeof(hexs); i++) {
		if (v[0]->bv_val[i] != '-')
			hexs[n++] = v[0]->bv_val[i];
	}
	if (v == NULL || v[0] == NULL || i != v[0]->bv_len ||
	    unhex(hexs, n, key) == -1 || n != sizeof(hexs)) {
		SHA256((const unsigned char *)dn, strlen(dn), md);
		memcpy(key, md, UUID_LEN);
	}
	if (v != NULL)
		ldap_value_free_len(v);
}

static int
plain_entry(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct syncer *s = arg;
	struct berval **der;
	unsigned char key[UUID_LEN];
	char *dn = NULL, *alias = NULL;
	int rc = 0;

	der = ldap_get_values_len(ctx->ld, e, "userCertificate;binary");
	if (der == NULL || der[0] == NULL)
		goto done;	/* not readable to us: as if it were not there */
	if ((dn = ldap_get_dn(ctx->ld, e)) == NULL ||
	    (alias = dn_alias(dn)) == NULL) {
		rc = LDAP_NO_MEMORY;
		goto done;
	}
	if (!sync_takes(s, alias, der))
		goto done;
	plain_key(ctx, e, dn, key);
	if (rec_set(s, key, alias, (unsigned char *)der[0]->bv_val,
	    der[0]->bv_len) == -1)
		rc = LDAP_NO_MEMORY;
done:
	if (der != NULL)
		ldap_value_free_len(der);
	ldap_memfree(dn);
	free(alias);
	return rc;
}

/*
 * A server without the syncprov overlay refuses the Sync control.  A
 * one-shot run then reads the whole store with a plain paged search and
 * drops what it did not see: the same files, without a cookie, so every
 * run reads everything.  --watch has no such fallback.
 */
static int
sync_plain(struct syncer *s, const char *base)
{
	static char *attrs[] = { "userCertificate;binary", "entryUUID", NULL };
	size_t i;
	int rc;

	if (s->ctx->co.verbose)
		fprintf(stderr, "%s: sync: the server does not offer Content "
		    "Synchronization: reading the whole store\n", PROGNAME);
	for (i = 0; i < s->n; i++)
		s->recs[i].seen = 0;
	rc = store_search(s->ctx, base, LDAP_SCOPE_SUBTREE,
	    "(objectClass=tsCertificate)", attrs, plain_entry, s);
	if (rc != LDAP_SUCCESS)
		return rc;
	rec_delete_unseen(s);
	drop_cookie(s);
	s->refreshing = 0;
	s->refreshed = 1;
	return LDAP_SUCCESS;
}

/*
 * One session on an open connection: refresh, then (--watch) persist.
 * Changes are flushed at the end of the refresh and, while persisting, as
 * soon as no further message is waiting, so a burst costs one flush.
 */
static int
sync_session(struct syncer *s, const char *base)
{
	LDAPMessage *msg = NULL;
	struct timeval zero = { 0, 0 }, retry = { 5, 0 }, tick, *wait;
	time_t heard = time(NULL), now;
	int msgid, probe = -1, rc, type, failed = 0;
	static char *noattrs[] = { LDAP_NO_ATTRS, NULL };

	if ((rc = sync_request(s, base, &msgid)) != LDAP_SUCCESS)
		return ld_fail(s->ctx, "sync request", rc);
	for (;;) {
		/* work to write: look for more without waiting, else flush */
		int idle = (s->changed || s->state_dirty || s->scanned) &&
		    !s->refreshing;

		/* after a failed write, retry in a while, not in a spin */
		wait = idle ? (failed ? &retry : &zero) : NULL;
		if (wait == NULL && s->keepalive > 0) {
			tick.tv_sec = 1;
			tick.tv_usec = 0;
			wait = &tick;
		}
		rc = ldap_result(s->ctx->ld, LDAP_RES_ANY, LDAP_MSG_ONE, wait,
		    &msg);
		/* a signal interrupts the wait (libldap's RESTART is off) */
		if (sync_stop || sync_hup) {
			rc = LDAP_SUCCESS;
			goto done;
		}
		now = time(NULL);
		/*
		 * A server that stops answering but keeps its connection (a
		 * stopped or hung slapd, a stateful firewall that dropped
		 * the session) looks like a quiet one: TCP keepalives are
		 * answered by the kernel.  After --keepalive seconds of
		 * silence it is asked for its root DSE; no answer within as
		 * many seconds more, and the connection is given up.
		 */
		if (rc == 0) {
			if (idle)
				failed = sync_flush(s) == -1;
			if (s->keepalive == 0)
				continue;
			if (probe != -1 && now - heard >= 2 * s->keepalive) {
				warnx_("sync: the server has not answered for "
				    "%lld seconds: reconnecting",
				    (long long)(now - heard));
				rc = LDAP_TIMEOUT;
				goto done;
			}
			if (probe == -1 && now - heard >= s->keepalive &&
			    ldap_search_ext(s->ctx->ld, "", LDAP_SCOPE_BASE,
			    "(objectClass=*)", noattrs, 0, NULL, NULL, NULL, 1,
			    &probe) != LDAP_SUCCESS)
				probe = -1;
			continue;
		}
		if (rc < 0) {
			ldap_get_option(s->ctx->ld, LDAP_OPT_RESULT_CODE, &rc);
			if (rc == LDAP_SUCCESS)
				rc = LDAP_SERVER_DOWN;
			ld_fail(s->ctx, "sync", rc);
			goto done;
		}
		heard = now;
		if (ldap_msgid(msg) != msgid) {
			/* the probe's answer (or anything else): alive */
			if (ldap_msgid(msg) == probe &&
			    ldap_msgtype(msg) == LDAP_RES_SEARCH_RESULT)
				probe = -1;
			ldap_msgfree(msg);
			msg = NULL;
			continue;
		}
		type = ldap_msgtype(msg);
		rc = LDAP_SUCCESS;
		if (type == LDAP_RES_SEARCH_ENTRY)
			rc = sync_entry(s, msg);
		else if (type == LDAP_RES_INTERMEDIATE)
			rc = sync_info(s, msg);
		else if (type == LDAP_RES_SEARCH_RESULT) {
			rc = sync_result(s, msg);
			if (rc == LDAP_UNAVAILABLE_CRITICAL_EXTENSION &&
			    !s->watch)
				rc = sync_plain(s, base);
			if (!s->refreshing)
				sync_flush(s);
			goto done;
		}
		if (rc != LDAP_SUCCESS) {
			ldap_fail("sync: malformed message from the server",
			    rc, NULL, NULL);
			goto done;
		}
		ldap_msgfree(msg);
		msg = NULL;
		/* persist would go on from a state we no longer trust */
		if (s->reload)
			goto done;
	}
done:
	/* what persist delivered before the loss reaches the files now,
	 * not after the server is back */
	if (!s->refreshing && (s->changed || s->state_dirty || s->scanned))
		sync_flush(s);
	ldap_msgfree(msg);
	return rc;
}

/* --- the command ---------------------------------------------------------------- */

static char *
default_state(const char *dir, const char *bundle)
{
	char sub[PATH_MAX], path[PATH_MAX + 16];

	/* a subdirectory: GnuTLS and rehash skip it, unlike a plain file */
	if (dir != NULL) {
		if (mkdir(dir, TS_EXPORT_DIR_MODE) == 0) {
			int fd;

			/*
			 * The mode asked for, not umask's; through the
			 * directory made, never a link put in its place
			 * since (a chmod by name would follow it).
			 */
			fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			    O_CLOEXEC);
			if (fd != -1) {
				(void)fchmod(fd, TS_EXPORT_DIR_MODE);
				close(fd);
			}
		} else if (errno != EEXIST) {
			warnx_("sync: %s: %s", dir, strerror(errno));
			return NULL;
		}
		if (snprintf(sub, sizeof(sub), "%s/.ldaptrust-sync", dir) >=
		    (int)sizeof(sub)) {
			warnx_("sync: %s: %s", dir, strerror(ENAMETOOLONG));
			return NULL;
		}
		if (mkdir(sub, 0700) == -1 && errno != EEXIST) {
			warnx_("sync: %s: %s", sub, strerror(errno));
			return NULL;
		}
		snprintf(path, sizeof(path), "%s/state", sub);
	} else
		snprintf(path, sizeof(path), "%.*s.sync-state", PATH_MAX,
		    bundle);
	return strdup(path);
}

static void
sync_free(struct syncer *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		rec_clear(&s->recs[i]);
	free(s->recs);
	free(s->cookie.bv_val);
	free(s->statefile);
	ts_export_free(s->exp);
	ts_cert_free(s->cert);
}

/*
 * A follower may stay connected for months: TCP keepalive finds a server
 * that vanished without closing (a partition, a power cut), and connects
 * give up in time.  Set as libldap's defaults, so ldap.conf's
 * NETWORK_TIMEOUT still wins.
 */
static void
watch_defaults(int keepalive)
{
	struct timeval *tv = NULL, dflt = { 10, 0 }, answer = { keepalive, 0 };
	int idle = 60, probes = 3, interval = 10;

	ldap_set_option(NULL, LDAP_OPT_X_KEEPALIVE_IDLE, &idle);
	ldap_set_option(NULL, LDAP_OPT_X_KEEPALIVE_PROBES, &probes);
	ldap_set_option(NULL, LDAP_OPT_X_KEEPALIVE_INTERVAL, &interval);
	if (ldap_get_option(NULL, LDAP_OPT_NETWORK_TIMEOUT, &tv) ==
	    LDAP_OPT_SUCCESS && tv == NULL)
		ldap_set_option(NULL, LDAP_OPT_NETWORK_TIMEOUT, &dflt);
	ldap_memfree(tv);
	/* a stopped server still completes TCP connects (its backlog):
	 * the bind, and StartTLS, must not wait for it for ever either */
	if (keepalive > 0)
		ldap_set_option(NULL, LDAP_OPT_TIMEOUT, &answer);
}

/*
 * After a failed session the next attempt starts with the next URI of
 * -H: libldap moves on only when a connect fails, and a server that
 * hangs accepts connections.  In place; the list keeps its length.
 */
static void
uri_rotate(char *list)
{
	size_t n = strlen(list), k = strcspn(list, " ,");
	const char *rest = list + k + strspn(list + k, " ,");
	char *tmp;

	if (*rest == '\0' || (tmp = malloc(n + 1)) == NULL)
		return;
	snprintf(tmp, n + 1, "%s %.*s", rest, (int)k, list);
	memcpy(list, tmp, strlen(tmp) + 1);
	free(tmp);
}

/* How many URIs -H gives (libldap's list, or ldap.conf's: one here). */
static int
uri_count(const char *list)
{
	int n = 0;

	while (list != NULL && *(list += strspn(list, " ,")) != '\0') {
		n++;
		list += strcspn(list, " ,");
	}
	return n > 0 ? n : 1;
}

static void
sync_signal(int sig)
{
	if (sig == SIGHUP)
		sync_hup = 1;
	else
		sync_stop = 1;
}

/*
 * Without SA_RESTART, so that the wait for the server and the back-off
 * end at once.  SIGPIPE, as in the ldap tools: a write to a server that
 * went away is an error to handle, not a silent death that systemd would
 * take for a clean exit and not restart.
 */
static void
watch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = sync_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/*
 * fd, locked; or -1, said ("another ldaptrust sync <busy>"), fd closed.
 * A lock file of another user's (beside a bundle in a sticky spool,
 * where anyone may make one) is said as such: whoever holds it would
 * otherwise pass for another sync, for ever.
 */
static int
sync_flock(int fd, const char *path, const char *busy)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid != geteuid() && st.st_uid != 0) {
		warnx_("sync: %s: a lock file of another user's (uid %lu): "
		    "remove it, or keep the bundle and its state in a "
		    "directory no one else may write", path,
		    (unsigned long)st.st_uid);
		close(fd);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return fd;
	if (errno == EWOULDBLOCK)
		warnx_("sync: %s: another ldaptrust sync %s", path, busy);
	else
		warnx_("sync: %s: %s", path, strerror(errno));
	close(fd);
	return -1;
}

/*
 * One sync per state file: two would each replace files the other wrote,
 * and each one's state would describe files the other changed.  The lock
 * goes with the process; the file stays.  -2: no place for it.
 */
static int
sync_lock(const char *statefile)
{
	char path[PATH_MAX];
	int fd;

	if (snprintf(path, sizeof(path), "%s.lock", statefile) >=
	    (int)sizeof(path)) {
		warnx_("sync: %s: %s", statefile, strerror(ENAMETOOLONG));
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		/* no directory for it: nothing can be written there either,
		 * which the writer says in its own words */
		if (errno == ENOENT)
			return -2;
		warnx_("sync: %s: %s", path, strerror(errno));
		return -1;
	}
	return sync_flock(fd, path, "holds this state (and its files)");
}

/*
 * And one sync per directory: a second one given another --state would
 * pass the state's lock.  A directory not made yet has nothing to guard.
 */
static int
sync_lock_dir(const char *dir)
{
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -2;
	return sync_flock(fd, dir, "writes this directory");
}

/*
 * And one sync per bundle: two with directories of their own (so states
 * and directory locks of their own) would each rewrite it from their own
 * view.  The bundle is replaced by a rename, so the lock is the one its
 * default state takes, FILE.sync-state.lock; a sync whose state that is
 * holds it already (flock would refuse a second open of it).
 */
static int
sync_lock_bundle(const char *bundle, int statelock)
{
	char path[PATH_MAX], *real, *dir;
	const char *name;
	struct stat a, b;
	int fd, n;

	/*
	 * Named by the file the bundle is written to: a symbolic link is
	 * written through, so another spelling of the same file (the link,
	 * its target, a path through a linked directory) is the same bundle.
	 */
	if ((real = realpath(bundle, NULL)) != NULL)
		n = snprintf(path, sizeof(path), "%s.sync-state.lock", real);
	else {
		/* not made yet: its directory's real path and its name */
		name = strrchr(bundle, '/');
		dir = name ? strndup(bundle, (size_t)(name - bundle) + 1) :
		    strdup(".");
		real = dir ? realpath(dir, NULL) : NULL;
		free(dir);
		n = real ? snprintf(path, sizeof(path), "%s/%s.sync-state.lock",
		    real, name ? name + 1 : bundle) :
		    snprintf(path, sizeof(path), "%s.sync-state.lock", bundle);
	}
	free(real);
	if (n < 0 || n >= (int)sizeof(path)) {
		warnx_("sync: %s: %s", bundle, strerror(ENAMETOOLONG));
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		if (errno == ENOENT)
			return -2;	/* the writer says it */
		warnx_("sync: %s: %s", path, strerror(errno));
		return -1;
	}
	if (statelock >= 0 && fstat(fd, &a) == 0 &&
	    fstat(statelock, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino) {
		close(fd);
		return -2;
	}
	return sync_flock(fd, path, "writes this bundle");
}

/* Drop the connection but keep the bind settings for the next one. */
static void
conn_drop(struct ctx *ctx)
{
	if (ctx->ld != NULL)
		ldap_unbind_ext(ctx->ld, NULL, NULL);
	ctx->ld = NULL;
}

int
cmd_sync(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir",	required_argument,	NULL,	'D' + 256 },
		{ "bundle",	required_argument,	NULL,	'B' + 256 },
		{ "exec",	required_argument,	NULL,	'E' + 256 },
		{ "state",	required_argument,	NULL,	'S' + 256 },
		{ "watch",	no_argument,		NULL,	'W' + 256 },
		{ "keepalive",	required_argument,	NULL,	'K' + 256 },
		{ NULL,		0,			NULL,	0 }
	};
	struct syncer s;
	const char *dir = NULL, *bundle = NULL, *state = NULL, *base, *why;
	char linkmsg[PATH_MAX + 128];
	char *end;
	long v;
	int c, rc = EXIT_LOCAL, backoff = 1, lock = -1, dirlock = -1;
	int bundlelock = -1, nosync = 0;

	memset(&s, 0, sizeof(s));
	s.ctx = ctx;
	s.keepalive = SYNC_KEEPALIVE;
	while ((c = opt_next(ctx, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'D' + 256: dir = optarg; break;
		case 'B' + 256: bundle = optarg; break;
		case 'E' + 256: s.exec = optarg; break;
		case 'S' + 256: state = optarg; break;
		case 'W' + 256: s.watch = 1; break;
		case 'K' + 256:
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 ||
			    v > 86400)
				return usage_error(ctx, "--keepalive %s: a "
				    "number of seconds (0: never ask)", optarg);
			s.keepalive = (int)v;
			break;
		default:
			return usage_error(ctx, "unknown option");
		}
	}
	if (optind < argc)
		return usage_error(ctx, "unexpected argument '%s'",
		    argv[optind]);
	if (dir == NULL && bundle == NULL)
		return usage_error(ctx, "give --dir DIR and/or --bundle FILE");
	if (ctx->co.dry_run)
		return usage_error(ctx, "-n is not supported by sync");

	if ((s.cert = ts_cert_new()) == NULL) {
		warnx_("sync: out of memory");
		goto done;
	}
	if ((s.exp = ts_export_new()) == NULL ||
	    (dir != NULL && ts_export_set_dir(s.exp, dir) == -1) ||
	    (bundle != NULL && ts_export_set_bundle(s.exp, bundle) == -1)) {
		warnx_("sync: %s", s.exp ? ts_export_error(s.exp) :
		    "out of memory");
		goto done;
	}
	/*
	 * Before its state is made inside it: the exporter checks too, but
	 * only once the state and its locks are there, in the system's
	 * directory as in any other.
	 */
	if (dir != NULL && (why = ts_export_dir_refused(dir)) != NULL) {
		warnx_("sync: %s: %s", dir, why);
		goto done;
	}
	if (dir != NULL &&
	    (ts_export_dir_link_refused(dir, linkmsg, sizeof(linkmsg)) != NULL ||
	    ts_export_dir_owner_refused(dir, linkmsg, sizeof(linkmsg)) != NULL)) {
		warnx_("sync: %s", linkmsg);
		goto done;
	}
	/* the system's bundle, or a file of someone else's, would be lost */
	if (bundle != NULL && ((why = ts_export_bundle_refused(bundle)) != NULL ||
	    (ts_export_bundle_foreign(bundle, linkmsg, sizeof(linkmsg)) &&
	    (why = linkmsg) != NULL))) {
		warnx_("sync: %s: %s", bundle, why);
		goto done;
	}
	s.statefile = state ? strdup(state) : default_state(dir, bundle);
	s.state_own_dir = state == NULL && dir != NULL;
	/* the default names are ours: what is there is a damaged state */
	if (state != NULL && state_foreign(state)) {
		warnx_("sync: %s: not an ldaptrust sync state: writing the "
		    "state over it would lose it; give --state a file of its "
		    "own, or remove it first", s.statefile);
		goto done;
	}
	if (s.statefile == NULL || (lock = sync_lock(s.statefile)) == -1)
		goto done;
	if (lock == -2)
		lock = -1;
	if (dir != NULL && (dirlock = sync_lock_dir(dir)) == -1)
		goto done;
	if (bundle != NULL &&
	    (bundlelock = sync_lock_bundle(bundle, lock)) == -1)
		goto done;
	/* a one-shot run ends by itself; -o nettimeout bounds its connect */
	if (!s.watch)
		s.keepalive = 0;
	if (s.watch) {
		watch_defaults(s.keepalive);
		watch_signals();
	}
	state_load(&s);
	/* files changed behind our back are brought back in line too */
	if (ts_export_scan(s.exp) == -1)
		sync_file_error(&s);
	s.scanned = 1;

	for (;;) {
		/* stopped during the back-off */
		if (sync_stop) {
			rc = s.write_failed ? EXIT_LOCAL : 0;
			break;
		}
		if ((rc = conn_open(ctx)) == 0 && (base = conn_base(ctx)) == NULL)
			rc = EXIT_LOCAL;
		/* -W and a password the server refused: asked again */
		if (rc == LDAP_INVALID_CREDENTIALS && ctx->co.prompt_passwd)
			ctx->co.passwd_asked = 0;
		if (rc == 0) {
			/* ask for the password once, whatever the reconnects */
			ctx->co.prompt_passwd = 0;
			s.refreshed = 0;
			rc = exit_status(sync_session(&s, base));
			if (s.refreshed)
				backoff = 1;
		}
		conn_drop(ctx);
		if (sync_stop) {
			/* what was complete is written: a clean stop */
			rc = s.write_failed ? EXIT_LOCAL : 0;
			break;
		}
		if (sync_hup) {
			sync_hup = 0;
			if (ctx->co.verbose)
				fprintf(stderr, "%s: sync: SIGHUP: reading the "
				    "files again and reconnecting\n", PROGNAME);
			if (ts_export_scan(s.exp) == -1)
				sync_file_error(&s);
			s.scanned = 1;
			backoff = 1;
			continue;
		}
		/* a refresh the server asked for is not a failure */
		if (s.reload) {
			s.reload = 0;
			continue;
		}
		if (!s.watch) {
			if (rc == 0 && s.write_failed)
				rc = EXIT_LOCAL;
			break;
		}
		/*
		 * No syncprov: nothing a reconnect to that server could mend,
		 * but another URI of -H may name a provider (the first one a
		 * replica or a proxy without it): given up once every one in
		 * a row has said so.
		 */
		if (rc != LDAP_UNAVAILABLE_CRITICAL_EXTENSION)
			nosync = 0;
		else if (++nosync >= uri_count(ctx->co.uri))
			break;
		if (ctx->co.uri != NULL)
			uri_rotate(ctx->co.uri);
		if (ctx->co.verbose)
			fprintf(stderr, "%s: sync: reconnecting in %d s\n",
			    PROGNAME, backoff);
		sleep(backoff);
		backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX : backoff * 2;
	}
done:
	sync_free(&s);
	if (lock != -1)
		close(lock);
	if (dirlock >= 0)
		close(dirlock);
	if (bundlelock >= 0)
		close(bundlelock);
	return rc;
}
