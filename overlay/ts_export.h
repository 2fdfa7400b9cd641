/* ts_export.h - what the overlay tells its exporter */
#ifndef TS_EXPORT_H
#define TS_EXPORT_H

struct truststore_info;

/*
 * db_open, not in tool mode, in three steps around the overlay's one read
 * of the database (truststore_load): set up (be as db_open gets it,
 * bd_info is the slap_overinst); take each certificate entry read (arg is
 * the truststore_info); then, the read over (ok: all of it), bring the
 * files in line and start the task that keeps them so.  Never fails
 * slapd's start for a file problem: that is logged and retried, and so is
 * a read that failed.
 */
int	truststore_export_open( BackendDB *be, struct truststore_info *ti );
int	truststore_export_load_entry( Operation *op, Entry *e, void *arg );
void	truststore_export_loaded( struct truststore_info *ti, int ok );
/* db_close: release runtime state (never configuration). */
void	truststore_export_close( BackendDB *be, struct truststore_info *ti );
/*
 * After every successful write under a base, from a client or from
 * replication.  old_der/new_der: the certificate before and after (empty
 * berval when there is none: add has no old, delete no new); old_alias/
 * new_alias likewise (they differ on rename).
 */
void	truststore_export_changed( Operation *op, struct truststore_info *ti,
		struct berval *old_der, struct berval *new_der,
		struct berval *old_alias, struct berval *new_alias );
/* A write that keeps out what the read leaves out: drop its old key. */
int	truststore_export_forget( Operation *op, struct truststore_info *ti );
/*
 * Then, once the result has gone to the client: start the task that
 * writes the files.  Waking it costs two thread switches (the listener,
 * then a pool thread), which the client need not wait for.
 */
void	truststore_export_wake( struct truststore_info *ti );

/*
 * Config driver of truststore-export-dir / -bundle (olcTrustStoreExport*):
 * a change on a running server (cn=config) reopens the exporter at once.
 */
#define TS_EXPORT_CF_DIR	1
#define TS_EXPORT_CF_BUNDLE	2
struct config_args_s;
int	truststore_export_cf( struct config_args_s *c );

/* The state of one store's export, for cn=Monitor (ts_monitor.c). */
typedef struct truststore_export_info {
	unsigned long	xi_count;	/* certificates in the catalogue */
	int		xi_loaded;	/* the catalogue was read */
	int		xi_pending;	/* changes not yet in the files */
	time_t		xi_fail_since;	/* failing since then; 0: not */
	time_t		xi_inline_time;	/* last in line then; 0: not yet */
	char		xi_error[512];	/* the failure, while failing */
} truststore_export_info;
/* 0 with *xi filled, or -1: this store exports nothing. */
int	truststore_export_info_get( struct truststore_info *ti,
		truststore_export_info *xi );

#endif /* TS_EXPORT_H */
