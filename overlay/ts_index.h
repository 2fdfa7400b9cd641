/* ts_index.h - the overlay's in-memory lookup index (lib/tsindex.c) */
#ifndef TS_INDEX_H
#define TS_INDEX_H

struct truststore_info;

/*
 * db_open, not in tool mode: a fresh index is filled during the overlay's
 * one read of the database (truststore_load) and put in place at its end
 * (ok: the read saw everything).  Never fails slapd's start: without an
 * index the overlay falls back to LDAP searches (slow without LDAP
 * indexes, but right).
 */
typedef struct truststore_iload {
	struct ts_index	*il_idx;
	int		il_nouuid;	/* an entry without entryUUID */
	int		il_failed;	/* out of memory */
} truststore_iload;
void	truststore_index_load_begin( truststore_iload *il );
int	truststore_index_load_entry( Operation *op, Entry *e,
		truststore_iload *il, int from_der );
void	truststore_index_load_end( struct truststore_info *ti,
		truststore_iload *il, int ok );
void	truststore_index_close( struct truststore_info *ti );

/*
 * After every successful write under a base (the same calls as the
 * exporter gets): old_der/new_der are the certificate before and after,
 * empty when there is none.
 */
void	truststore_index_changed( Operation *op, struct truststore_info *ti,
		struct berval *old_der, struct berval *new_der );

/*
 * Another entry than self (may be NULL) holding the certificate with
 * SHA-256 fingerprint fp: 0 with its DN in *found (tmp memory), or with
 * *found empty when there is none; -1 when the index cannot tell (the
 * caller searches instead): it is off, or the entry it names no longer
 * holds the certificate (a write to it has committed, its callback not
 * yet run).
 */
int	truststore_index_dup( Operation *op, struct truststore_info *ti,
		const char *fp, struct berval *self, struct berval *found );

/*
 * A search for a fingerprint or subject hash: hand the backend the
 * client's filter ANDed with the entryUUIDs the index knows for that
 * value, which the entryUUID index resolves, or, where one entry holds
 * it, a base search of that entry.  Does nothing when it cannot help.
 * Undone by a callback at the end of the search.
 */
void	truststore_index_search( Operation *op, struct truststore_info *ti );

/*
 * A referral object may be in the store now (found by a read, added,
 * made one by a modify or moved in): searches by key are no longer run
 * as base searches, until the next start.
 */
void	truststore_referral_seen( struct truststore_info *ti );

/*
 * Around a rename in the store, from before the backend until the index
 * has followed it: waits for the searches run as base searches to have
 * read their entry, and keeps new ones from starting.
 */
void	truststore_rename_enter( struct truststore_info *ti );
void	truststore_rename_leave( struct truststore_info *ti );

#endif /* TS_INDEX_H */
