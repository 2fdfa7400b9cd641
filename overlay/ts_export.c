/* ts_export.c - truststore: keep the exported files and slapd's TLS in line */

#include "portable.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#include <ac/errno.h>
#include <ac/string.h>
#include <ac/time.h>
#include <ac/unistd.h>

#include "slap.h"
#include "slap-config.h"
#include "ldap_rq.h"

#include "truststore.h"
#include "tsexport.h"
#include "ts_tls.h"

/*
 * The store is materialised as a hashed CA directory and/or a PEM bundle
 * (lib/tsexport.c does the files).  The database is the source of truth:
 *
 * - db_open (not in tool mode) reads every certificate under the bases
 *   into an in-memory catalogue with an internal search, then reconciles
 *   the files with it: entries loaded by slapadd appear, stale files go.
 * - After every successful write, the response callback updates the
 *   catalogue (O(1), no file I/O, the LDAP result never waits for a disk)
 *   and, once the result has gone out, the cleanup callback wakes a
 *   runqueue task.  The task writes the files that changed,
 *   then rebuilds the TLS contexts that read them (ts_tls.c).
 * - A failed write is logged with path and errno and stays pending; the
 *   task retries every TS_EXPORT_INTERVAL seconds, and any later change
 *   wakes it too.  The LDAP operation has succeeded by then regardless.
 * - The bundle holds the whole store, so for large stores it is rewritten
 *   less often (one more second apart per TS_BUNDLE_PER_SECOND
 *   certificates), coalescing a burst of changes.
 */

#define TS_EXPORT_INTERVAL	1	/* seconds: retry and bundle coalescing */
#define TS_BUNDLE_EAGER		1000	/* smaller stores: bundle at once */
#define TS_BUNDLE_PER_SECOND	10000	/* larger: rewritten less often */
#define TS_LOG_EVERY		60	/* seconds between repeated failure logs */

typedef struct ts_export_state {
	ldap_pvt_thread_mutex_t	tx_mutex;	/* the catalogue and flags */
	struct ts_export	*tx_exp;
	struct re_s		*tx_task;
	BackendInfo		*tx_bi;		/* the database under the overlay */
	void			*tx_private;	/* finds our BackendDB again */
	truststore_info		*tx_ti;
	char			*tx_name;	/* base, for the log */
	char			*tx_paths[2];	/* the directory, the bundle */
	time_t			tx_bundle_time;
	time_t			tx_fail_time;
	int			tx_loaded;	/* catalogue read from the db */
	/*
	 * The export directory was read since the catalogue was: only then
	 * are the files of certificates no longer stored known, and removed.
	 */
	int			tx_scanned;
	int			tx_failing;
	int			tx_kicked;
	/*
	 * Woken while running (under slapd_rq.rq_mutex): a change that came
	 * after the run's last look waits for no tick, it is run again.
	 */
	int			tx_rerun;
	/*
	 * A certificate left the store: the TS_EXPORT_* files not yet
	 * written since.  Per file, because a large store's bundle is
	 * written later than the directory, and its users' cached
	 * connections must be cut when it is.
	 */
	int			tx_removed;
	/*
	 * The TS_EXPORT_* files a re-read on a running server (cn=config)
	 * changed: the task's first run rebuilds their users.  Set before
	 * the task exists, then the task's alone.
	 */
	int			tx_reread;
	/* for cn=Monitor, under tx_mutex */
	time_t			tx_fail_since;	/* this run of failures began */
	time_t			tx_inline_time;	/* the files last in line */
	char			tx_error[512];
} ts_export_state;

/* The DN under which our internal searches pass the database's ACLs. */
static struct berval ts_internal_dn = BER_BVC( "cn=truststore export" );

/* ---- loading the catalogue -------------------------------------------- */

static int
truststore_export_put_entry( Operation *op, Entry *e, void *arg )
{
	ts_export_state *tx = arg;
	struct berval alias;
	Attribute *a;

	a = attr_find( e->e_attrs, ts_ad_cert );
	if ( a == NULL || a->a_numvals == 0 )
		return 0;
	truststore_alias( op, &e->e_name, &alias );
	if ( ts_export_put( tx->tx_exp, e->e_nname.bv_val,
			alias.bv_val ? alias.bv_val : "",
			a->a_vals[0].bv_val, a->a_vals[0].bv_len ) ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export: \"%s\" skipped: %s\n",
			e->e_name.bv_val, ts_export_error( tx->tx_exp ) );
	}
	if ( alias.bv_val )
		op->o_tmpfree( alias.bv_val, op->o_tmpmemctx );
	return 0;
}

/* The catalogue holds the database: mark the files' differences. */
static void
truststore_export_read( ts_export_state *tx )
{
	Debug( LDAP_DEBUG_STATS, "truststore: export: %lu certificates "
		"under %s\n", (unsigned long)ts_export_count( tx->tx_exp ),
		tx->tx_name );
	tx->tx_loaded = 1;
	tx->tx_scanned = ts_export_scan( tx->tx_exp ) == 0;
	if ( !tx->tx_scanned ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export of %s: %s; nothing "
			"is written until the directory can be read, retrying "
			"every %d s\n", tx->tx_name,
			ts_export_error( tx->tx_exp ), TS_EXPORT_INTERVAL );
		tx->tx_failing = 1;
		tx->tx_fail_time = slap_get_time();
	}
}

/* The directory scan failed: try it again (under tx_mutex). */
static void
truststore_export_rescan( ts_export_state *tx )
{
	time_t now = slap_get_time();

	tx->tx_scanned = ts_export_scan( tx->tx_exp ) == 0;
	if ( tx->tx_scanned ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export of %s: the export "
			"directory is read again\n", tx->tx_name );
	} else if ( now - tx->tx_fail_time >= TS_LOG_EVERY ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export of %s: %s\n",
			tx->tx_name, ts_export_error( tx->tx_exp ) );
		tx->tx_fail_time = now;
	}
}

/* Whether the files may be written: the database and directory are read. */
static int
truststore_export_ready( ts_export_state *tx )
{
	return tx->tx_loaded && tx->tx_scanned;
}

static void
truststore_export_unread( ts_export_state *tx )
{
	Debug( LDAP_DEBUG_ANY, "truststore: export of %s: the exported files "
		"are left as they are until the database can be read\n",
		tx->tx_name );
}

/* Our database, found again from a thread that has none at hand. */
static BackendDB *
truststore_export_db( ts_export_state *tx )
{
	BackendDB *be;

	LDAP_STAILQ_FOREACH( be, &backendDB, be_next ) {
		if ( be->be_private == tx->tx_private )
			return be;
	}
	return NULL;
}

/*
 * The start-up read failed (truststore_export_loaded): read the database
 * again, on our own, under tx_mutex.  be is a database whose be_private
 * is the one we serve; its bd_info is not used.
 */
typedef struct truststore_reload {
	ts_export_state	*rl_tx;
	truststore_vet	rl_vet;
} truststore_reload;

/* The same entries as the start-up read exports (ts_vet.c). */
static int
truststore_export_reload_entry( Operation *op, Entry *e, void *arg )
{
	truststore_reload *rl = arg;

	if ( truststore_vet_entry( op, &rl->rl_vet, e ) == TS_VET_SKIP )
		return 0;
	return truststore_export_put_entry( op, e, rl->rl_tx );
}

static void
truststore_export_reload( ts_export_state *tx, BackendDB *be )
{
	truststore_reload rl;
	int rc;

	ts_export_clear( tx->tx_exp );
	rl.rl_tx = tx;
	truststore_vet_begin( &rl.rl_vet, tx->tx_ti, "export" );
	rc = truststore_scan( be, tx->tx_bi, tx->tx_ti, &ts_internal_dn,
		"export", truststore_export_reload_entry, &rl );
	truststore_vet_end( &rl.rl_vet );
	if ( rc == LDAP_SUCCESS )
		truststore_export_read( tx );
	else
		truststore_export_unread( tx );
}

/* ---- writing ------------------------------------------------------------ */

/*
 * Write what changed; the catalogue lock is not held during file I/O.
 * Returns the TS_EXPORT_* bits of the files that changed, or -1 when some
 * write failed (some files may have changed all the same); *removed says
 * whether a certificate left the store in what was written.
 */
static int
truststore_export_flush( ts_export_state *tx, int force_bundle, int *removed )
{
	struct ts_export_batch *bt;
	char err[512];
	time_t now = slap_get_time();
	size_t count;
	int what = TS_EXPORT_DIR, rmbits, rc;

	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	/* the bundle costs O(store): a second per 10,000 certificates apart */
	count = ts_export_count( tx->tx_exp );
	if ( force_bundle || count < TS_BUNDLE_EAGER ||
		now - tx->tx_bundle_time >= TS_EXPORT_INTERVAL +
			(time_t)( count / TS_BUNDLE_PER_SECOND ) )
		what |= TS_EXPORT_BUNDLE;
	if ( !( ts_export_pending( tx->tx_exp ) & what ) ) {
		/* a start with the files already in line writes nothing */
		if ( tx->tx_inline_time == 0 && tx->tx_loaded &&
				!ts_export_pending( tx->tx_exp ) )
			tx->tx_inline_time = now;
		ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
		return 0;
	}
	if ( ( bt = ts_export_take( tx->tx_exp, what ) ) == NULL ) {
		/*
		 * Nothing taken (out of memory, another flush under way): the
		 * removals stay for the write that succeeds to cut their
		 * connections, and the next tick tries again, as after a
		 * failed write.  Cleared here, a removal would have stayed
		 * trusted by every connection made before it.
		 */
		snprintf( err, sizeof( err ), "%s",
			ts_export_error( tx->tx_exp ) );
		ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
		*removed = 0;
		Debug( LDAP_DEBUG_ANY, "truststore: export: %s\n", err );
		return -1;
	}
	/* taken with the batch: it holds every change made so far */
	rmbits = tx->tx_removed & what;
	*removed = rmbits != 0;
	tx->tx_removed &= ~what;
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );

	ts_export_run( bt );

	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	rc = ts_export_done( tx->tx_exp, bt );
	if ( rc > 0 && ( rc & TS_EXPORT_BUNDLE ) )
		tx->tx_bundle_time = now;
	/*
	 * A removal may not have reached the files: the connections cut now
	 * may come back trusting what is still there, so the write that
	 * succeeds later must cut them again.
	 */
	if ( rc < 0 )
		tx->tx_removed |= rmbits;
	snprintf( err, sizeof( err ), "%s", ts_export_error( tx->tx_exp ) );
	if ( rc < 0 ) {
		if ( tx->tx_fail_since == 0 )
			tx->tx_fail_since = now;
		snprintf( tx->tx_error, sizeof( tx->tx_error ), "%s", err );
	} else {
		tx->tx_fail_since = 0;
		if ( !ts_export_pending( tx->tx_exp ) )
			tx->tx_inline_time = now;
	}
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );

	if ( rc < 0 ) {
		/* loud, but not once a second while a disk stays full */
		if ( !tx->tx_failing || now - tx->tx_fail_time >= TS_LOG_EVERY ) {
			Debug( LDAP_DEBUG_ANY, "truststore: export of %s failed: %s; "
				"the database is unaffected, retrying every %d s\n",
				tx->tx_name, err, TS_EXPORT_INTERVAL );
			tx->tx_fail_time = now;
		}
		tx->tx_failing = 1;
		return -1;
	}
	if ( tx->tx_failing && rc > 0 ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export of %s recovered\n",
			tx->tx_name );
		tx->tx_failing = 0;
	}
	return rc;
}

static void
truststore_export_tls( ts_export_state *tx, int changed, int removed )
{
	if ( changed <= 0 )
		return;
	truststore_tls_refresh(
		( changed & TS_EXPORT_DIR ) ? tx->tx_ti->ti_export_dir : NULL,
		( changed & TS_EXPORT_BUNDLE ) ? tx->tx_ti->ti_export_bundle : NULL,
		removed );
}

static int
ts_export_pending_dir( ts_export_state *tx )
{
	int pending;

	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	pending = ts_export_pending( tx->tx_exp ) & TS_EXPORT_DIR;
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
	return pending;
}

static void *
truststore_export_task( void *ctx, void *arg )
{
	struct re_s *rtask = arg;
	ts_export_state *tx = rtask->arg;
	BackendDB *be;
	time_t start;
	int i, kicked, changed, removed = 0, failing, rerun;

	/* the start-up read failed: try it again */
	if ( !tx->tx_loaded && ( be = truststore_export_db( tx ) ) != NULL ) {
		ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
		truststore_export_reload( tx, be );
		ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
	} else if ( tx->tx_loaded && !tx->tx_scanned ) {
		ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
		truststore_export_rescan( tx );
		ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
	}
	/*
	 * A partial catalogue is never written out.  The rebuilds are paced
	 * (ts_tls.c): a run under a stream of changes ends after a second or
	 * two and the next tick goes on, so that the pool, which cn=config
	 * pauses, is not held.
	 */
	/* what a re-read on a running server changed (export_loaded) */
	if ( tx->tx_reread ) {
		truststore_export_tls( tx, tx->tx_reread, 1 );
		tx->tx_reread = 0;
	}
	start = slap_get_time();
	for ( i = 0; truststore_export_ready( tx ) && i < 100 &&
			slap_get_time() - start < 2; i++ ) {
		ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
		kicked = tx->tx_kicked;
		tx->tx_kicked = 0;
		ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
		/* more to do: woken meanwhile, or a batch left work behind */
		if ( i > 0 && !kicked && !ts_export_pending_dir( tx ) )
			break;
		failing = tx->tx_failing;
		changed = truststore_export_flush( tx, 0, &removed );
		/*
		 * A failed write may have changed some files: their users are
		 * rebuilt once, when the failures start, not at every retry.
		 */
		if ( changed >= 0 || !failing )
			truststore_export_tls( tx, changed < 0 ?
				TS_EXPORT_DIR | TS_EXPORT_BUNDLE : changed,
				removed );
		if ( changed < 0 )
			break;	/* the next tick retries */
	}
	truststore_tls_reap( 0 );

	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	ldap_pvt_runqueue_stoptask( &slapd_rq, rtask );
	rerun = tx->tx_rerun;
	tx->tx_rerun = 0;
	if ( rerun )
		rtask->interval.tv_sec = 0;
	ldap_pvt_runqueue_resched( &slapd_rq, rtask, 0 );
	rtask->interval.tv_sec = TS_EXPORT_INTERVAL;
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	if ( rerun )
		slap_wake_listener();
	return NULL;
}

/* Run the task now rather than at its next tick. */
static void
truststore_export_kick( ts_export_state *tx )
{
	struct re_s *rtask;
	int wake = 0;

	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	rtask = tx->tx_task;
	/*
	 * Running, it may be past its last look at the catalogue: it runs
	 * again at once when it ends (a removal waited up to two ticks).
	 */
	if ( rtask && ldap_pvt_runqueue_isrunning( &slapd_rq, rtask ) )
		tx->tx_rerun = 1;
	else if ( rtask && rtask->next_sched.tv_sec > slap_get_time() ) {
		rtask->interval.tv_sec = 0;
		ldap_pvt_runqueue_resched( &slapd_rq, rtask, 0 );
		rtask->interval.tv_sec = TS_EXPORT_INTERVAL;
		wake = 1;
	}
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	if ( wake )
		slap_wake_listener();
}

/* ---- the interface to the overlay --------------------------------------- */

int
truststore_export_open( BackendDB *be, truststore_info *ti )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	ts_export_state *tx;

	if ( ti->ti_export_dir == NULL && ti->ti_export_bundle == NULL )
		return 0;
	truststore_tls_init();

	tx = ch_calloc( 1, sizeof( *tx ) );
	ldap_pvt_thread_mutex_init( &tx->tx_mutex );
	tx->tx_ti = ti;
	tx->tx_bi = on->on_info->oi_orig;
	tx->tx_private = be->be_private;
	/* the store's base, as configured, as the administrator knows it */
	if ( ti->ti_bases_pretty != NULL &&
		!BER_BVISNULL( &ti->ti_bases_pretty[0] ) ) {
		int more = !BER_BVISNULL( &ti->ti_bases_pretty[1] );

		tx->tx_name = ch_malloc( ti->ti_bases_pretty[0].bv_len + 8 );
		sprintf( tx->tx_name, "%s%s", ti->ti_bases_pretty[0].bv_val,
			more ? " (...)" : "" );
	} else {
		tx->tx_name = ch_strdup( be->be_suffix ?
			be->be_suffix[0].bv_val : "" );
	}
	if ( ( tx->tx_exp = ts_export_new() ) == NULL ||
		ts_export_set_dir( tx->tx_exp, ti->ti_export_dir ) ||
		ts_export_set_bundle( tx->tx_exp, ti->ti_export_bundle ) ) {
		Debug( LDAP_DEBUG_ANY, "truststore: export: out of memory\n" );
		ts_export_free( tx->tx_exp );
		ldap_pvt_thread_mutex_destroy( &tx->tx_mutex );
		ch_free( tx->tx_name );
		ch_free( tx );
		return 1;
	}

	tx->tx_paths[0] = ti->ti_export_dir ?
		ch_strdup( ti->ti_export_dir ) : NULL;
	tx->tx_paths[1] = ti->ti_export_bundle ?
		ch_strdup( ti->ti_export_bundle ) : NULL;
	ti->ti_export = tx;
	return 0;
}

int
truststore_export_load_entry( Operation *op, Entry *e, void *arg )
{
	truststore_info *ti = arg;

	if ( ti->ti_export == NULL )
		return 0;
	return truststore_export_put_entry( op, e, ti->ti_export );
}

void
truststore_export_loaded( truststore_info *ti, int ok )
{
	ts_export_state *tx = ti->ti_export;
	int removed, rc, changed = 0;

	if ( tx == NULL )
		return;
	if ( ok ) {
		truststore_export_read( tx );
		/* in batches: a large store is written in several */
		while ( truststore_export_ready( tx ) &&
			( rc = truststore_export_flush( tx, 1, &removed ) ) > 0 )
			changed |= rc;
		/*
		 * A re-read on a running server (a base or a path changed, the
		 * overlay added or enabled): TLS contexts built from the files
		 * before may trust what the re-read took out.  It cannot tell
		 * what left, so their users are rebuilt and their cached
		 * connections cut as after a delete, by the task's first run,
		 * or by the write that succeeds when one failed here.
		 */
		if ( slapMode & SLAP_SERVER_RUNNING ) {
			tx->tx_reread = changed;
			if ( ts_export_pending( tx->tx_exp ) )
				tx->tx_removed = TS_EXPORT_DIR | TS_EXPORT_BUNDLE;
		}
	} else {
		truststore_export_unread( tx );
	}

	/* from now on every change, and a read that failed, is retried */
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	tx->tx_task = ldap_pvt_runqueue_insert( &slapd_rq, TS_EXPORT_INTERVAL,
		truststore_export_task, tx, "truststore_export", tx->tx_name );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
}

static int truststore_same_path( const char *a, const char *b );

void
truststore_export_close( BackendDB *be, truststore_info *ti )
{
	ts_export_state *tx = ti->ti_export;
	const char *now;
	int removed, i;

	if ( tx == NULL )
		return;
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	/* its job must not run on the state freed here */
	truststore_task_remove( &tx->tx_task );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );

	/* what the last writes changed reaches the disk before we go */
	while ( truststore_export_ready( tx ) &&
		truststore_export_flush( tx, 1, &removed ) > 0 )
		;

	for ( i = 0; i < 2; i++ ) {
		now = i == 0 ? ti->ti_export_dir : ti->ti_export_bundle;
		/*
		 * A path changed or removed through cn=config: nothing there
		 * is removed (it may be read by TLS settings the store no
		 * longer vouches for), and that is said, once.
		 */
		if ( tx->tx_paths[i] != NULL && !slapd_shutdown && ( now == NULL ||
				!truststore_same_path( now, tx->tx_paths[i] ) ) )
			Debug( LDAP_DEBUG_ANY, "truststore: export of %s: %s is "
				"no longer kept in line with the store; what it "
				"holds stays as it is, and TLS settings that read "
				"it still trust that (point them at the new path, "
				"or remove it)\n", tx->tx_name, tx->tx_paths[i] );
		ch_free( tx->tx_paths[i] );
	}
	ts_export_free( tx->tx_exp );
	ldap_pvt_thread_mutex_destroy( &tx->tx_mutex );
	ch_free( tx->tx_name );
	ch_free( tx );
	ti->ti_export = NULL;
	if ( slapd_shutdown )
		truststore_tls_reap( 1 );
}

/*
 * path as the file system resolves it, into buf (PATH_MAX): the real path
 * when it exists, else its directory's and its last component, else (a
 * directory not made yet, at start-up) the path without trailing slashes.
 */
static void
truststore_real_path( const char *path, char *buf )
{
	char dir[PATH_MAX], *last;
	size_t len = strlen( path );

	if ( realpath( path, buf ) != NULL )
		return;
	while ( len > 1 && path[len - 1] == '/' )
		len--;
	snprintf( buf, PATH_MAX, "%.*s", (int)len, path );
	snprintf( dir, sizeof( dir ), "%s", buf );
	last = strrchr( dir, '/' );
	if ( last == NULL || last == dir )
		return;
	*last++ = '\0';
	if ( realpath( dir, buf ) == NULL ||
		strlen( buf ) + strlen( last ) + 2 > PATH_MAX ) {
		snprintf( buf, PATH_MAX, "%.*s", (int)len, path );
		return;
	}
	strcat( buf, "/" );
	strcat( buf, last );
}

/*
 * a and b name the same file: compared as the file system resolves them,
 * since "/srv//certs", "/srv/certs/." or a symbolic link are one
 * directory to the exporters that would remove each other's files.
 */
static int
truststore_same_path( const char *a, const char *b )
{
	char ra[PATH_MAX], rb[PATH_MAX];

	truststore_real_path( a, ra );
	truststore_real_path( b, rb );
	return strcmp( ra, rb ) == 0;
}

/*
 * file is one of the names of directory dir's export, <hash>.<n>, as the
 * file system resolves both (a bundle of another name there is left
 * alone by the export: OpenSSL's look-up and the sweep pass it by).
 */
static int
truststore_inside( const char *file, const char *dir )
{
	char rf[PATH_MAX], rd[PATH_MAX], *last;

	truststore_real_path( file, rf );
	truststore_real_path( dir, rd );
	if ( ( last = strrchr( rf, '/' ) ) == NULL ||
		!ts_export_is_hash_name( last + 1 ) )
		return 0;
	*last = '\0';
	return strcmp( rf[0] ? rf : "/", rd ) == 0;
}

/*
 * Why path cannot be an export path of instance self, or NULL.  Two
 * exporters on one path would each remove what the other wrote (at
 * start-up, every file the other's store explains); the overlay creates
 * the last component of a directory only, so a live change is refused
 * when its parent does not exist, or when the path is a file of the
 * other kind (each answered 0 and failed for ever).
 */
static const char *
truststore_export_path_bad( truststore_info *self, const char *path,
	int isdir )
{
	static const char *slash = "/";
	BackendDB *be;
	slap_overinfo *oi;
	slap_overinst *on;
	truststore_info *ti;
	struct stat st;
	char parent[PATH_MAX];
	const char *sys;
	char *end;
	int exists;

	if ( strlen( path ) >= sizeof( parent ) )
		return "the path is too long";
	if ( isdir && ( sys = ts_export_dir_refused( path ) ) != NULL )
		return sys;
	if ( !isdir && ( sys = ts_export_bundle_refused( path ) ) != NULL )
		return sys;
	strcpy( parent, path );
	for ( end = parent + strlen( parent ) - 1; end > parent && *end == '/';
			end-- )
		*end = '\0';
	end = strrchr( parent, '/' );
	if ( end == parent )
		strcpy( parent, slash );
	else if ( end != NULL )
		*end = '\0';
	/*
	 * Only for a change made while slapd runs: a configuration read at
	 * start-up (or converted by slaptest) may name a directory that is
	 * made later, the bundle's inside the export directory for one; the
	 * export then says what is missing and retries.
	 */
	if ( ( slapMode & SLAP_SERVER_RUNNING ) &&
		( stat( parent, &st ) != 0 || !S_ISDIR( st.st_mode ) ) )
		return isdir ? "its parent directory does not exist (the "
			"overlay creates the last component only)" :
			"its directory does not exist";

	LDAP_STAILQ_FOREACH( be, &backendDB, be_next ) {
		if ( !overlay_is_over( be ) )
			continue;
		oi = be->bd_info->bi_private;
		for ( on = oi->oi_list; on != NULL; on = on->on_next ) {
			if ( strcmp( on->on_bi.bi_type, "truststore" ) != 0 )
				continue;
			ti = on->on_bi.bi_private;
			if ( ( ti != self || !isdir ) && ti->ti_export_dir &&
				truststore_same_path( ti->ti_export_dir, path ) )
				return "a trust store exports to it already";
			if ( ( ti != self || isdir ) && ti->ti_export_bundle &&
				truststore_same_path( ti->ti_export_bundle, path ) )
				return "a trust store exports to it already";
			/*
			 * Every hash-named file of an export directory is its
			 * store's to replace or remove: a bundle there would be
			 * overwritten by one writer and removed by the other.
			 */
			if ( isdir && ti->ti_export_bundle &&
				truststore_inside( ti->ti_export_bundle, path ) )
				return "a trust store's bundle is in it under a "
					"name of the export's own (<hash>.<n>)";
			if ( !isdir && ti->ti_export_dir &&
				truststore_inside( path, ti->ti_export_dir ) )
				return "it is a name of a trust store's export "
					"directory (<hash>.<n>), whose files the store "
					"replaces and removes";
		}
	}
	if ( !( slapMode & SLAP_SERVER_RUNNING ) )
		return NULL;
	/* a file where the directory goes, or the other way round */
	exists = stat( path, &st ) == 0;
	if ( exists && !S_ISDIR( st.st_mode ) != !isdir )
		return isdir ? "it is not a directory" : "it is a directory";
	/* a file of someone else's the bundle would replace */
	if ( !isdir && exists ) {
		static char why[256];

		if ( ts_export_bundle_foreign( path, why, sizeof( why ) ) )
			return why;
	}
	/*
	 * Every file is written beside its target and renamed: the export
	 * directory, or the directory that will hold it or the bundle, must
	 * be slapd's to write (cn=config changes are one at a time, so one
	 * buffer serves).
	 */
	if ( access( isdir && exists ? path : parent, W_OK | X_OK ) != 0 ) {
		static char why[128];

		snprintf( why, sizeof( why ), "slapd cannot write to %s (%s)",
			isdir && exists ? "it" : "its directory",
			strerror( errno ) );
		return why;
	}
	return NULL;
}

int
truststore_export_cf( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	truststore_info *ti = on->on_bi.bi_private;
	const char *why;
	char **where;

	where = c->type == TS_EXPORT_CF_DIR ?
		&ti->ti_export_dir : &ti->ti_export_bundle;

	if ( c->op == SLAP_CONFIG_EMIT ) {
		if ( *where == NULL )
			return 1;
		c->value_string = ch_strdup( *where );
		return 0;
	}
	if ( c->op == LDAP_MOD_DELETE ) {
		ch_free( *where );
		*where = NULL;
	} else {
		if ( c->value_string[0] != '/' ) {
			snprintf( c->cr_msg, sizeof( c->cr_msg ), "<%s> needs an "
				"absolute path", c->argv[0] );
			Debug( LDAP_DEBUG_ANY, "%s: %s\n", c->log, c->cr_msg );
			return ARG_BAD_CONF;
		}
		why = truststore_export_path_bad( ti, c->value_string,
			c->type == TS_EXPORT_CF_DIR );
		if ( why != NULL ) {
			snprintf( c->cr_msg, sizeof( c->cr_msg ), "<%s> %.100s: %s",
				c->argv[0], c->value_string, why );
			Debug( LDAP_DEBUG_ANY, "%s: %s\n", c->log, c->cr_msg );
			return ARG_BAD_CONF;
		}
		ch_free( *where );
		*where = c->value_string;
		c->value_string = NULL;
	}
	config_push_cleanup( c, truststore_reopen );
	return 0;
}

void
truststore_export_changed( Operation *op, truststore_info *ti,
	struct berval *old_der, struct berval *new_der,
	struct berval *old_alias, struct berval *new_alias )
{
	ts_export_state *tx = ti->ti_export;
	struct berval newdn;
	char *alias = NULL;

	if ( tx == NULL )
		return;

	truststore_new_ndn( op, &newdn );
	if ( new_alias && !BER_BVISNULL( new_alias ) ) {
		alias = op->o_tmpalloc( new_alias->bv_len + 1, op->o_tmpmemctx );
		AC_MEMCPY( alias, new_alias->bv_val, new_alias->bv_len );
		alias[new_alias->bv_len] = '\0';
	}

	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	/* a delete, or a rename: the old key goes (unknown keys are fine) */
	if ( BER_BVISEMPTY( new_der ) || newdn.bv_val != op->o_req_ndn.bv_val )
		ts_export_remove( tx->tx_exp, op->o_req_ndn.bv_val );
	if ( !BER_BVISEMPTY( new_der ) &&
		ts_export_put( tx->tx_exp, newdn.bv_val, alias ? alias : "",
			new_der->bv_val, new_der->bv_len ) ) {
		Debug( LDAP_DEBUG_ANY, "%s truststore: export of \"%s\": %s\n",
			op->o_log_prefix, newdn.bv_val,
			ts_export_error( tx->tx_exp ) );
	}
	/* trust taken away: connections made with it are cut (ts_tls.c) */
	if ( !BER_BVISEMPTY( old_der ) && !bvmatch( old_der, new_der ) )
		tx->tx_removed = TS_EXPORT_DIR | TS_EXPORT_BUNDLE;
	tx->tx_kicked = 1;
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );

	if ( alias )
		op->o_tmpfree( alias, op->o_tmpmemctx );
	if ( newdn.bv_val != op->o_req_ndn.bv_val )
		op->o_tmpfree( newdn.bv_val, op->o_tmpmemctx );
}

/*
 * The entry op writes is not to be exported (ts_write.c: a write that
 * keeps a certificate the read of the store leaves out): its key goes,
 * should an earlier read have exported it while its certificate still
 * passed; a rename must not leave it under the old name, trusted after
 * the entry is deleted.  Trust is taken away only when it was there.
 * Whether the export changed.
 */
int
truststore_export_forget( Operation *op, truststore_info *ti )
{
	ts_export_state *tx = ti->ti_export;
	int had;

	if ( tx == NULL )
		return 0;
	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	if ( ( had = ts_export_has( tx->tx_exp, op->o_req_ndn.bv_val ) ) ) {
		ts_export_remove( tx->tx_exp, op->o_req_ndn.bv_val );
		tx->tx_removed = TS_EXPORT_DIR | TS_EXPORT_BUNDLE;
		tx->tx_kicked = 1;
	}
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
	return had;
}

int
truststore_export_info_get( truststore_info *ti, truststore_export_info *xi )
{
	ts_export_state *tx = ti->ti_export;

	memset( xi, 0, sizeof( *xi ) );
	if ( tx == NULL )
		return -1;
	ldap_pvt_thread_mutex_lock( &tx->tx_mutex );
	xi->xi_count = (unsigned long)ts_export_count( tx->tx_exp );
	xi->xi_loaded = tx->tx_loaded;
	xi->xi_pending = ts_export_pending( tx->tx_exp ) != 0;
	xi->xi_fail_since = tx->tx_fail_since;
	xi->xi_inline_time = tx->tx_inline_time;
	if ( tx->tx_fail_since != 0 )
		snprintf( xi->xi_error, sizeof( xi->xi_error ), "%s",
			tx->tx_error );
	ldap_pvt_thread_mutex_unlock( &tx->tx_mutex );
	return 0;
}

void
truststore_export_wake( truststore_info *ti )
{
	if ( ti->ti_export != NULL )
		truststore_export_kick( ti->ti_export );
}
