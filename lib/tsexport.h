/* tsexport.h - the store as files: a hashed CA directory and a PEM bundle */
/*
 * Knows files and X.509 names, nothing about LDAP or slapd: the overlay and
 * `ldaptrust sync` both feed it.  The caller keeps a catalogue in memory
 * (key -> alias, DER) with ts_export_put()/ts_export_remove(), which are
 * O(1) and touch no file; the files are brought in line afterwards with
 * ts_export_flush(), which touches only what changed.
 *
 * Directory: one PEM file per distinct certificate named <hash>.<n> as
 * `openssl rehash` names it: <hash> is OpenSSL's subject name hash, n is
 * dense from 0 within a hash (OpenSSL's lookup stops at the first missing
 * n, so removing a certificate moves the last of its hash into the gap).
 * A certificate held under several keys gets one file, as rehash skips
 * duplicates.  Bundle: every certificate as PEM, each preceded by a
 * "# alias" comment line, sorted by alias.
 *
 * Every file changes by write to an exclusively created temporary in the
 * same directory, fsync, rename, fsync of the directory: a reader sees the
 * old file or the new one, never a part.  Links are never followed when
 * reading or creating.  Only names that look like ours (<8 hex>.<n> and our
 * temporaries) are ever removed.
 *
 * Not thread-safe: the caller serialises.  A caller that must not hold its
 * lock during file I/O splits a flush into ts_export_take() (memory only),
 * ts_export_run() (files only, no catalogue access) and ts_export_done().
 */
#ifndef TSEXPORT_H
#define TSEXPORT_H

#include <stddef.h>

/* Temporaries start with this; hidden from ls, rehash and -CApath. */
#define TS_EXPORT_TMP_PREFIX	".tsexport-"
/* the exported files' modes, whatever the umask: certificates are public */
#define TS_EXPORT_FILE_MODE	0644
#define TS_EXPORT_DIR_MODE	0755

struct ts_export;
struct ts_export_batch;

struct ts_export *ts_export_new(void);
void		 ts_export_free(struct ts_export *exp);
/* Either may be NULL (not exported).  Set before the first flush. */
int		 ts_export_set_dir(struct ts_export *exp, const char *dir);
int		 ts_export_set_bundle(struct ts_export *exp, const char *file);
/* The last failure, with path and errno text. */
const char	*ts_export_error(const struct ts_export *exp);
/*
 * Why dir cannot be an export directory, or NULL: the exporter removes
 * the hash-named files its store does not hold, and OpenSSL's own CA
 * directory (/etc/ssl/certs on Debian) is the system's.  Scans refuse
 * it too.
 */
const char	*ts_export_dir_refused(const char *dir);
/*
 * Why file cannot be a bundle path, or NULL: it names a system trust
 * file (OpenSSL's default CA file, the distributions' CA bundles) or
 * lies in a system CA directory, which every TLS client of the host
 * reads; the export would replace it with the store.  Or it can only
 * name a directory (it ends in "/", "/." or "/..").
 */
const char	*ts_export_bundle_refused(const char *file);
/*
 * Whether the regular file at path holds anything but what a bundle
 * holds (PEM certificates, "#" comment lines, empty lines), judged by its
 * first 64 KiB: replacing such a file would lose it.  0 when it does not
 * exist, is empty, or looks like a bundle; 1 with why in msg otherwise.
 */
int		 ts_export_bundle_foreign(const char *path, char *msg,
		    size_t len);
/* name is a file name the export directory is made of: <hash>.<n> */
int		 ts_export_is_hash_name(const char *name);

/*
 * Why dir's path is not followed, into msg (len bytes), or NULL: a
 * symbolic link there is followed only when root or this process's
 * user made it.  Writes check it every time; a caller about to make
 * something of its own inside dir checks it first.
 */
const char	*ts_export_dir_link_refused(const char *dir, char *msg,
		    size_t len);

/*
 * Why dir, an existing directory, cannot hold the export, into msg, or
 * NULL: it is another user's, or users other than root, this process's
 * user and its group may write to it, and could add a CA of their own.
 * Scans and writes check it on the directory they open.
 */
const char	*ts_export_dir_owner_refused(const char *dir, char *msg,
		    size_t len);

/*
 * Catalogue.  key identifies an entry (a DN); alias names it in the bundle.
 * put adds or replaces; remove of an unknown key is not an error.
 */
int		 ts_export_put(struct ts_export *exp, const char *key,
		    const char *alias, const void *der, size_t len);
int		 ts_export_remove(struct ts_export *exp, const char *key);
/* Whether the store holds key. */
int		 ts_export_has(struct ts_export *exp, const char *key);
size_t		 ts_export_count(const struct ts_export *exp);
/* Forget every entry (before loading a fresh catalogue). */
void		 ts_export_clear(struct ts_export *exp);

/*
 * Read what the directory holds (content of every <hash>.<n>), remove our
 * stale temporaries, and mark every difference with the catalogue for the
 * next flush; the bundle is rewritten.  Use at start-up and after errors.
 */
int		 ts_export_scan(struct ts_export *exp);

/* What a flush would do: TS_EXPORT_DIR and/or TS_EXPORT_BUNDLE bits. */
#define TS_EXPORT_DIR		0x1
#define TS_EXPORT_BUNDLE	0x2
int		 ts_export_pending(const struct ts_export *exp);

/*
 * Write what changed.  what: TS_EXPORT_DIR|TS_EXPORT_BUNDLE (the bundle is
 * O(store), the caller may rewrite it less often).  Returns the bits of
 * what was changed on disk (0: nothing to do), or -1 when some write
 * failed: ts_export_error() says which; what failed stays pending and
 * the next flush retries it.  A batch covers a bounded number of subject
 * hashes (ts_export_flush() loops; callers of ts_export_take() loop while
 * ts_export_pending() says so).
 */
int		 ts_export_flush(struct ts_export *exp, int what);

/* The same in three steps; one batch at a time. */
struct ts_export_batch *ts_export_take(struct ts_export *exp, int what);
int		 ts_export_run(struct ts_export_batch *batch);
int		 ts_export_done(struct ts_export *exp,
		    struct ts_export_batch *batch);

/*
 * OpenSSL's subject name hash of a DER certificate (what `openssl x509
 * -subject_hash` prints), found without decoding the public key.
 */
int		 ts_der_subject_hash(const void *der, size_t len,
		    unsigned long *hash);

#endif /* TSEXPORT_H */
