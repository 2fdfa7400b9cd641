/* truststore.h - state shared by the truststore overlay's files */
/*
 * Owned by the overlay core (truststore.c and its write/read hooks).  The
 * exporter (ts_export.c) reads the export settings and keeps its own state
 * behind ti_export.
 */
#ifndef TRUSTSTORE_H
#define TRUSTSTORE_H

#include "tscert.h"

struct re_s;

typedef struct truststore_info {
	BerVarray	ti_bases;	/* normalized bases; NULL = suffix */
	BerVarray	ti_bases_pretty;	/* the same, as configured */
	struct ts_policy ti_policy;
	int		ti_refuse_duplicates;
	int		ti_expiring_days;
	int		ti_order_told;	/* a wrong overlay order was logged */
	uintptr_t	ti_readers_sig;	/* access rules, overlays looked at */
	char		*ti_export_dir;		/* truststore-export-dir */
	char		*ti_export_bundle;	/* truststore-export-bundle */
	void		*ti_export;		/* ts_export.c's private state */
	/*
	 * Entries being written right now, one write each, with the
	 * certificates they claim: a duplicate search cannot see an add
	 * that has not committed yet (ts_write.c).
	 */
	ldap_pvt_thread_mutex_t	ti_gates_mutex;
	ldap_pvt_thread_cond_t	ti_gates_cond;
	struct truststore_gate	*ti_gates;
	unsigned long		ti_gates_seq;	/* tickets: first come, first in */
	/*
	 * Fingerprint and subject hash of every certificate (ts_index.c);
	 * NULL when not loaded or no longer trusted.
	 */
	ldap_pvt_thread_rdwr_t	ti_index_rw;
	struct ts_index		*ti_index;
	int			ti_index_nouuid;	/* an entry lacks one */
	int			ti_referrals;	/* one may be in the store */
	/*
	 * Searches by key run as base searches (ts_index.c) and renames in
	 * the store (ts_write.c) exclude each other; a search never waits.
	 */
	ldap_pvt_thread_mutex_t	ti_based_mutex;
	ldap_pvt_thread_cond_t	ti_based_cond;
	int			ti_based;	/* such searches reading now */
	int			ti_renaming;	/* renames under way or waiting */
	/*
	 * The last renames of certificate entries here, old and new
	 * normalized DN (ts_repl.c), under ti_gates_mutex.
	 */
#define TS_RENAMES	256
	struct berval		ti_renames[TS_RENAMES][2];
	int			ti_renames_next;
	int			ti_renames_live;	/* slots in use */
	/* a read of the store queued by a live add (truststore.c) */
	void			*ti_late;
	void			*ti_late_cookie;
	/*
	 * For cn=Monitor (ts_monitor.c), under ti_gates_mutex: what the
	 * last read of the store left out or found undecorated (ts_vet.c),
	 * and the replicated certificates not exported since slapd started.
	 */
	unsigned long		ti_read_skipped;
	unsigned long		ti_read_mended;
	unsigned long		ti_repl_refused;
	struct berval		ti_monitor_ndn;	/* our cn=Monitor entry */
	void			*ti_monitor_cb;
	struct re_s		*ti_monitor_task;	/* waits for one */
	BackendDB		*ti_monitor_be;		/* bd_self, for it */
} truststore_info;

/* Defaults, also what a deleted cn=config value falls back to. */
#define TS_DEFAULT_EXPIRING_DAYS	30
#define TS_DEFAULT_REFUSE_DUPLICATES	1

/*
 * Schema handles.  The decorations and tsStatus are registered by the
 * module itself (slapd only accepts operational types from code); the
 * rest comes from schema/truststore.schema and is resolved in db_open.
 */
enum ts_decoration {
	TS_AT_SUBJECT = 0,
	TS_AT_ISSUER,
	TS_AT_SERIAL,
	TS_AT_NOT_BEFORE,
	TS_AT_NOT_AFTER,
	TS_AT_FP_SHA256,
	TS_AT_FP_SHA1,
	TS_AT_SUBJECT_HASH,
	TS_AT_KEY_ALGORITHM,
	TS_AT_KEY_BITS,
	TS_AT_SIG_ALGORITHM,
	TS_AT_IS_CA,
	TS_AT_SELF_SIGNED,
	TS_AT_KEY_USAGE,
	TS_AT_EXT_KEY_USAGE,
	TS_AT_DNS_NAME,
	TS_AT_IP_ADDRESS,
	TS_AT_EMAIL,
	TS_AT_URI,
	TS_AT_SKID,
	TS_AT_AKID,
	TS_AT_VERSION,
	TS_NDECORATIONS
};

extern AttributeDescription	*ts_ad_decoration[TS_NDECORATIONS];
/*
 * Bit i set: decoration i is stored in the entry.  The others are computed
 * from the certificate whenever an entry is read (ts_read.c); which is
 * which is lib/'s ts_fact_stored().
 */
extern unsigned			ts_stored_mask;
#define TS_STORED( i )		( ( ts_stored_mask >> ( i ) ) & 1U )
extern AttributeDescription	*ts_ad_status;		/* tsStatus */
extern AttributeDescription	*ts_ad_cert;	/* userCertificate;binary */
extern AttributeDescription	*ts_ad_pem;		/* tsCertificatePEM */
extern ObjectClass		*ts_oc_cert;		/* tsCertificate */

/* ts_vet.c: the entries the read of the store finds, checked */
typedef struct truststore_vet {
	truststore_info		*tv_ti;
	const char		*tv_who;	/* for the log */
	struct ts_cert		*tv_cert;
	unsigned long		tv_logged;
	unsigned long		tv_skipped;
	unsigned long		tv_mended;
	char			*tv_say;	/* not NULL: the line goes here */
	size_t			tv_saylen;
} truststore_vet;
enum {
	TS_VET_OK = 0,		/* decorated as its certificate says */
	TS_VET_DER,		/* passes the policy; keys from the DER */
	TS_VET_SKIP		/* neither exported nor indexed */
};
void	truststore_vet_begin( truststore_vet *tv, truststore_info *ti,
	const char *who );
int	truststore_vet_entry( Operation *op, truststore_vet *tv, Entry *e );
void	truststore_vet_end( truststore_vet *tv );
int	truststore_vet_write( Operation *op, truststore_info *ti, Entry *e,
	char *say, size_t saylen );

/* truststore.c */
AttributeDescription *truststore_decoration_ad( const char *name );
int	truststore_is_decoration( AttributeDescription *ad );
int	truststore_computed_index( AttributeDescription *ad );
void	truststore_order_watch( Operation *op, truststore_info *ti );
int	truststore_fact_index( const char *name, int *hint );
int	truststore_in_base( Operation *op, truststore_info *ti,
		struct berval *ndn );
int	truststore_is_base_or_above( Operation *op, truststore_info *ti,
		struct berval *ndn );
int	truststore_entry_allowed( Operation *op, struct berval *ndn,
		slap_access_t access );
int	truststore_at_or_below_base( Operation *op, truststore_info *ti,
		struct berval *ndn );
void	truststore_alias( Operation *op, struct berval *dn,
		struct berval *alias );
/*
 * Read every tsCertificate entry under the bases from bi, the backend
 * below the overlay (no overlays, no ACLs), as dn; fn gets each entry
 * and stops the reading by returning non-zero.  be is a database whose
 * be_private is ours (its bd_info is not used).  LDAP_SUCCESS, or the
 * first search that failed (logged, with who).
 */
typedef int	truststore_scan_fn( Operation *op, Entry *e, void *arg );
int	truststore_scan( BackendDB *be, BackendInfo *bi, truststore_info *ti,
		struct berval *dn, const char *who, truststore_scan_fn *fn,
		void *arg );
void	truststore_new_ndn( Operation *op, struct berval *newdn );
/* config cleanup: reread the database after bases or paths changed */
struct config_args_s;
int	truststore_reopen( struct config_args_s *c );
/* with slapd_rq.rq_mutex held: off the run queue, its job never to run */
void	truststore_task_remove( struct re_s **taskp );
struct ts_cert *truststore_thread_cert( Operation *op );
void truststore_fold_check( void );
struct ts_cert *truststore_thread_cert_read( Operation *op );

/* ts_write.c: add, modify, modrdn and delete */
int	truststore_add( Operation *op, SlapReply *rs );
int	truststore_modify( Operation *op, SlapReply *rs );
int	truststore_modrdn( Operation *op, SlapReply *rs );
int	truststore_delete( Operation *op, SlapReply *rs );

/* ts_read.c: tsStatus and the computed decorations */
int	truststore_operational( Operation *op, SlapReply *rs );
int	truststore_search( Operation *op, SlapReply *rs );
int	truststore_compare( Operation *op, SlapReply *rs );
int	truststore_assert( Operation *op, SlapReply *rs );
int	truststore_assert_add( Operation *op, SlapReply *rs );
void	truststore_check_readers( BackendDB *be, truststore_info *ti );
void	truststore_watch_readers( Operation *op, truststore_info *ti );

/* ts_monitor.c: the overlay's state under cn=Monitor */
int	truststore_monitor_initialize( void );
int	truststore_monitor_db_open( BackendDB *be );
void	truststore_monitor_db_close( BackendDB *be );

#include "ts_export.h"
#include "ts_index.h"

#endif /* TRUSTSTORE_H */
