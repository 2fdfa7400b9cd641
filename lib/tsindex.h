/* tsindex.h - the store's lookup keys in memory: entry -> keys -> entries */
/*
 * What the overlay would otherwise ask two LDAP equality indexes for:
 * which entries hold a certificate with a given SHA-256 fingerprint, and
 * which hold one whose subject has a given OpenSSL name hash.  An LDAP
 * index on those values costs an add two more random B-tree inserts
 * (≈15 % of slapd's add throughput, docs/performance.md); this table
 * costs one malloc and three pointer updates.
 *
 * An entry is known by its key (the normalized DN) and carries an opaque
 * 16-byte handle (the overlay keeps the entry's normalized entryUUID
 * there, to hand the backend an indexed filter).  Knows nothing about
 * LDAP.  Not thread-safe: the caller serialises.
 */
#ifndef TSINDEX_H
#define TSINDEX_H

#include <stddef.h>

#define TS_INDEX_UUID_LEN	16

enum ts_index_key {
	TS_INDEX_FP = 0,	/* SHA-256 fingerprint, 64 hex digits */
	TS_INDEX_SUBJECT_HASH	/* OpenSSL subject hash, 8 hex digits */
};

struct ts_index;

struct ts_index	*ts_index_new(void);
void		 ts_index_free(struct ts_index *idx);
/* Forget every entry. */
void		 ts_index_clear(struct ts_index *idx);
size_t		 ts_index_count(const struct ts_index *idx);

/*
 * Record what the entry key holds, replacing what it held: uuid is
 * TS_INDEX_UUID_LEN bytes; fp and hash are hex, either case.  -1 when
 * out of memory or a key is malformed (the entry's old record is gone
 * then: the caller must treat the index as incomplete).
 */
int		 ts_index_put(struct ts_index *idx, const char *key,
		    const unsigned char *uuid, const char *fp,
		    const char *hash);
/* The keys of a DER certificate, as put takes them (no key decoding). */
int		 ts_index_keys(const void *der, size_t len, char fp[65],
		    char hash[9]);
/* put with the keys of a DER certificate. */
int		 ts_index_put_der(struct ts_index *idx, const char *key,
		    const unsigned char *uuid, const void *der, size_t len);
/*
 * A rename: the entry key's record, keys and handle unchanged, is known by
 * newkey from now on.  1, 0 if key was unknown, -1 when out of memory
 * (the record is gone then).
 */
int		 ts_index_rename(struct ts_index *idx, const char *key,
		    const char *newkey);
/* 1 if the entry was known (and is now forgotten), 0 if not. */
int		 ts_index_remove(struct ts_index *idx, const char *key);
/* The entry's handle into uuid; 0, or -1 if the entry is unknown. */
int		 ts_index_uuid(const struct ts_index *idx, const char *key,
		    unsigned char *uuid);

/*
 * Call fn for every entry holding value (hex, either case, len bytes) of
 * the given kind, until fn returns non-zero.  A value that cannot be a
 * fingerprint or a hash matches nothing.  Returns the number of calls
 * (fn NULL: the number of entries holding value).
 */
typedef int	(*ts_index_fn)(void *arg, const char *key,
		    const unsigned char *uuid);
size_t		 ts_index_find(const struct ts_index *idx,
		    enum ts_index_key kind, const char *value, size_t len,
		    ts_index_fn fn, void *arg);

#endif /* TSINDEX_H */
