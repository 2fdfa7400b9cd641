/* ts_monitor.c - truststore: its state under cn=Monitor */

#include "portable.h"

#include <stdio.h>

#include <ac/string.h>
#include <ac/time.h>

#include "slap.h"
#include "back-monitor/back-monitor.h"
#include "ldap_rq.h"

#include "truststore.h"
#include "ts_tls.h"
#include "tsindex.h"

/*
 * What the log says once, cn=Monitor says whenever asked: monitoring
 * systems read it, and the log of a Debian slapd goes to syslog.  The
 * monitor entry of the overlay's database (cn=Database M,cn=Databases,
 * cn=Monitor) gets the auxiliary class tsMonitor and the attributes
 * below, computed when the entry is read, as back-mdb's are.  Nothing
 * here without a monitor database configured.
 */

#define TS_MON_AT( n )	TS_OID_ARC ".4.1." #n
#define TS_MON_OC( n )	TS_OID_ARC ".4.2." #n

#define TS_MON_ATTR( n, name, desc, syntax ) \
	"( " TS_MON_AT( n ) " NAME '" name "' DESC '" desc "' " syntax \
	" SINGLE-VALUE NO-USER-MODIFICATION USAGE dSAOperation )"
#define TS_MON_INT	"EQUALITY integerMatch ORDERING integerOrderingMatch " \
	"SYNTAX 1.3.6.1.4.1.1466.115.121.1.27"
#define TS_MON_TIME	"EQUALITY generalizedTimeMatch " \
	"ORDERING generalizedTimeOrderingMatch " \
	"SYNTAX 1.3.6.1.4.1.1466.115.121.1.24"
#define TS_MON_TEXT	"EQUALITY caseIgnoreMatch " \
	"SYNTAX 1.3.6.1.4.1.1466.115.121.1.15"

enum {
	TS_MON_CERTIFICATES = 0,
	TS_MON_EXPORTED,
	TS_MON_EXPORT_STATE,
	TS_MON_EXPORT_ERROR,
	TS_MON_EXPORT_FAILING_SINCE,
	TS_MON_EXPORT_INLINE_TIME,
	TS_MON_TLS_REBUILDS,
	TS_MON_TLS_FAILURES,
	TS_MON_TLS_REBUILD_TIME,
	TS_MON_TLS_ERROR,
	TS_MON_READ_NOT_EXPORTED,
	TS_MON_READ_UNDECORATED,
	TS_MON_REPL_NOT_EXPORTED,
	TS_MON_N
};

static const char *const ts_mon_defs[TS_MON_N] = {
	TS_MON_ATTR( 1, "tsMonitorCertificates", "certificates under the "
		"bases, as the lookup index holds them", TS_MON_INT ),
	TS_MON_ATTR( 2, "tsMonitorExported", "certificates the export "
		"files hold or are about to", TS_MON_INT ),
	TS_MON_ATTR( 3, "tsMonitorExportState", "inLine, pending (being "
		"written) or failing", TS_MON_TEXT ),
	TS_MON_ATTR( 4, "tsMonitorExportError", "why the export is failing",
		TS_MON_TEXT ),
	TS_MON_ATTR( 5, "tsMonitorExportFailingSince", "when the export "
		"began to fail", TS_MON_TIME ),
	TS_MON_ATTR( 6, "tsMonitorExportInLineTime", "when the export "
		"files were last brought in line with the store", TS_MON_TIME ),
	TS_MON_ATTR( 7, "tsMonitorTLSRebuilds", "TLS contexts of outgoing "
		"connections rebuilt since slapd started", TS_MON_INT ),
	TS_MON_ATTR( 8, "tsMonitorTLSRebuildFailures", "TLS context rebuilds "
		"that failed since slapd started (the old context stayed)",
		TS_MON_INT ),
	TS_MON_ATTR( 9, "tsMonitorTLSRebuildTime", "when a TLS context was "
		"last rebuilt", TS_MON_TIME ),
	TS_MON_ATTR( 10, "tsMonitorTLSError", "the last failed TLS context "
		"rebuild, until a round rebuilds every context it tries",
		TS_MON_TEXT ),
	TS_MON_ATTR( 11, "tsMonitorReadNotExported", "certificate entries the "
		"last read of the store did not export (see the log)",
		TS_MON_INT ),
	TS_MON_ATTR( 12, "tsMonitorReadUndecorated", "certificate entries the "
		"last read of the store found without their decorations "
		"(ldaptrust redecorate)", TS_MON_INT ),
	TS_MON_ATTR( 13, "tsMonitorReplicatedNotExported", "replicated "
		"writes (adds, changes, renames) of certificates this node "
		"refused to export, since slapd started", TS_MON_INT ),
};

static char ts_mon_oc_def[] = "( " TS_MON_OC( 1 ) " NAME 'tsMonitor' "
	"DESC 'the state of a truststore overlay' SUP top AUXILIARY "
	"MAY ( tsMonitorCertificates $ tsMonitorExported $ "
	"tsMonitorExportState $ tsMonitorExportError $ "
	"tsMonitorExportFailingSince $ tsMonitorExportInLineTime $ "
	"tsMonitorTLSRebuilds $ tsMonitorTLSRebuildFailures $ "
	"tsMonitorTLSRebuildTime $ tsMonitorTLSError $ "
	"tsMonitorReadNotExported $ tsMonitorReadUndecorated $ "
	"tsMonitorReplicatedNotExported ) )";

static AttributeDescription	*ts_mon_ad[TS_MON_N];
static ObjectClass		*ts_mon_oc;

/* Replace attribute i of e by text, or remove it (text NULL). */
static void
truststore_monitor_set( Operation *op, Entry *e, int i, const char *text )
{
	struct berval bv;

	attr_delete( &e->e_attrs, ts_mon_ad[i] );
	if ( text == NULL )
		return;
	ber_str2bv( text, 0, 0, &bv );
	attr_merge_normalize_one( e, ts_mon_ad[i], &bv, op->o_tmpmemctx );
}

static void
truststore_monitor_num( Operation *op, Entry *e, int i, unsigned long n )
{
	char buf[32];

	snprintf( buf, sizeof( buf ), "%lu", n );
	truststore_monitor_set( op, e, i, buf );
}

/* A time, or nothing for 0 (never). */
static void
truststore_monitor_time( Operation *op, Entry *e, int i, time_t t )
{
	char buf[16];

	if ( t == 0 ) {
		truststore_monitor_set( op, e, i, NULL );
		return;
	}
	ts_gentime_format( (int64_t)t, buf );
	truststore_monitor_set( op, e, i, buf );
}

static int
truststore_monitor_update( Operation *op, SlapReply *rs, Entry *e,
	void *priv )
{
	truststore_info *ti = priv;
	truststore_export_info xi;
	unsigned long skipped, mended, refused, rebuilt, failed;
	size_t count = 0;
	time_t last;
	char error[256];
	int indexed;

	ldap_pvt_thread_rdwr_rlock( &ti->ti_index_rw );
	indexed = ti->ti_index != NULL;
	if ( indexed )
		count = ts_index_count( ti->ti_index );
	ldap_pvt_thread_rdwr_runlock( &ti->ti_index_rw );
	if ( indexed )
		truststore_monitor_num( op, e, TS_MON_CERTIFICATES, count );
	else
		truststore_monitor_set( op, e, TS_MON_CERTIFICATES, NULL );

	if ( truststore_export_info_get( ti, &xi ) == 0 ) {
		truststore_monitor_num( op, e, TS_MON_EXPORTED, xi.xi_count );
		truststore_monitor_set( op, e, TS_MON_EXPORT_STATE,
			xi.xi_fail_since ? "failing" :
			xi.xi_pending || !xi.xi_loaded ? "pending" : "inLine" );
		truststore_monitor_set( op, e, TS_MON_EXPORT_ERROR,
			xi.xi_fail_since ? xi.xi_error : NULL );
		truststore_monitor_time( op, e, TS_MON_EXPORT_FAILING_SINCE,
			xi.xi_fail_since );
		truststore_monitor_time( op, e, TS_MON_EXPORT_INLINE_TIME,
			xi.xi_inline_time );
	} else {
		/* nothing exported: none of these applies */
		truststore_monitor_set( op, e, TS_MON_EXPORTED, NULL );
		truststore_monitor_set( op, e, TS_MON_EXPORT_STATE, NULL );
		truststore_monitor_set( op, e, TS_MON_EXPORT_ERROR, NULL );
		truststore_monitor_set( op, e, TS_MON_EXPORT_FAILING_SINCE,
			NULL );
		truststore_monitor_set( op, e, TS_MON_EXPORT_INLINE_TIME,
			NULL );
	}

	truststore_tls_stats( &rebuilt, &failed, &last, error,
		sizeof( error ) );
	truststore_monitor_num( op, e, TS_MON_TLS_REBUILDS, rebuilt );
	truststore_monitor_num( op, e, TS_MON_TLS_FAILURES, failed );
	truststore_monitor_time( op, e, TS_MON_TLS_REBUILD_TIME, last );
	truststore_monitor_set( op, e, TS_MON_TLS_ERROR,
		error[0] ? error : NULL );

	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	skipped = ti->ti_read_skipped;
	mended = ti->ti_read_mended;
	refused = ti->ti_repl_refused;
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	truststore_monitor_num( op, e, TS_MON_READ_NOT_EXPORTED, skipped );
	truststore_monitor_num( op, e, TS_MON_READ_UNDECORATED, mended );
	truststore_monitor_num( op, e, TS_MON_REPL_NOT_EXPORTED, refused );
	return SLAP_CB_CONTINUE;
}

/* The overlay leaves (db_close): our class and attributes go with it. */
static int
truststore_monitor_free( Entry *e, void **priv )
{
	struct berval vals[2];
	Modification mod = { 0 };
	const char *text;
	char textbuf[SLAP_TEXT_BUFLEN];
	int i;

	*priv = NULL;
	mod.sm_op = LDAP_MOD_DELETE;
	mod.sm_desc = slap_schema.si_ad_objectClass;
	mod.sm_values = vals;
	mod.sm_numvals = 1;
	vals[0] = ts_mon_oc->soc_cname;
	BER_BVZERO( &vals[1] );
	/* absent values are no error worth reporting here */
	(void)modify_delete_values( e, &mod, 1, &text, textbuf,
		sizeof( textbuf ) );
	for ( i = 0; i < TS_MON_N; i++ )
		attr_delete( &e->e_attrs, ts_mon_ad[i] );
	return SLAP_CB_CONTINUE;
}

/* From init_module: the schema of the entry. */
int
truststore_monitor_initialize( void )
{
	int i, code;

	for ( i = 0; i < TS_MON_N; i++ ) {
		code = register_at( ts_mon_defs[i], &ts_mon_ad[i], 0 );
		if ( code ) {
			Debug( LDAP_DEBUG_ANY, "truststore: cannot register "
				"monitor attribute type %d (%d)\n", i + 1, code );
			return code;
		}
	}
	code = register_oc( ts_mon_oc_def, &ts_mon_oc, 0 );
	if ( code )
		Debug( LDAP_DEBUG_ANY, "truststore: cannot register object "
			"class tsMonitor (%d)\n", code );
	return code;
}

/*
 * Show the overlay on its database's monitor entry: 1 done (or failed for
 * good), 0 no monitor database yet.
 */
static int
truststore_monitor_register( BackendDB *be, truststore_info *ti )
{
	monitor_callback_t *cb = NULL;
	monitor_extra_t *mbe;
	BackendInfo *mi;
	Attribute *a = NULL;
	int rc = 0;

	mi = backend_info( "monitor" );
	if ( mi == NULL || mi->bi_extra == NULL )
		return 0;
	mbe = mi->bi_extra;
	if ( !mbe->is_configured() )
		return 0;	/* no monitor database: nothing to show */

	/* the class now; the values when the entry is read */
	a = attrs_alloc( 1 );
	a->a_desc = slap_schema.si_ad_objectClass;
	attr_valadd( a, &ts_mon_oc->soc_cname, NULL, 1 );
	cb = ch_calloc( 1, sizeof( monitor_callback_t ) );
	cb->mc_update = truststore_monitor_update;
	cb->mc_free = truststore_monitor_free;
	cb->mc_private = ti;

	/*
	 * On the database's entry, which always exists: an overlay's own
	 * entry does not when the overlay came through cn=config after the
	 * monitor database, and a registration the monitor database cannot
	 * resolve when it opens (both wait in its limbo until then) would
	 * stop slapd from starting.
	 */
	BER_BVZERO( &ti->ti_monitor_ndn );
	rc = mbe->register_database( be, &ti->ti_monitor_ndn );
	if ( rc == 0 )
		rc = mbe->register_entry_attrs( &ti->ti_monitor_ndn, a, cb,
			NULL, -1, NULL );
	if ( rc != 0 ) {
		Debug( LDAP_DEBUG_ANY, "truststore: not shown under "
			"cn=Monitor (%d)\n", rc );
		ch_free( cb );
		cb = NULL;
	}
	ti->ti_monitor_cb = cb;
	attrs_free( a );
	return 1;
}

/*
 * A monitor database added through cn=config after the overlay opened:
 * looked for every few seconds, so that it shows the overlay without a
 * restart.  db_close takes it off the run queue so that it never runs
 * beside or after it (truststore_task_remove()).
 */
#define TS_MON_RETRY	3

static void *
truststore_monitor_task( void *ctx, void *arg )
{
	struct re_s *rtask = arg;
	truststore_info *ti = rtask->arg;
	int done = truststore_monitor_register( ti->ti_monitor_be, ti );

	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	ldap_pvt_runqueue_stoptask( &slapd_rq, rtask );
	if ( done ) {
		ldap_pvt_runqueue_remove( &slapd_rq, rtask );
		ti->ti_monitor_task = NULL;
	} else {
		ldap_pvt_runqueue_resched( &slapd_rq, rtask, 0 );
	}
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	return NULL;
}

int
truststore_monitor_db_open( BackendDB *be )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;

	/* the database's own setting (olcMonitoring), back-mdb's default on */
	if ( !SLAP_DBMONITORING( be ) || ti->ti_monitor_cb != NULL ||
			ti->ti_monitor_task != NULL )
		return 0;
	if ( truststore_monitor_register( be, ti ) ||
			( slapMode & SLAP_TOOL_MODE ) )
		return 0;
	/* be is the overlay's copy of the database: the task needs its own */
	ti->ti_monitor_be = be->bd_self;
	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	ti->ti_monitor_task = ldap_pvt_runqueue_insert( &slapd_rq, TS_MON_RETRY,
		truststore_monitor_task, ti, "truststore_monitor",
		be->be_suffix[0].bv_val );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	/* a missing monitor entry is no reason to refuse the database */
	return 0;
}

void
truststore_monitor_db_close( BackendDB *be )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	struct berval none = BER_BVNULL;
	monitor_callback_t **cbp, *cb = ti->ti_monitor_cb;
	monitor_entry_t *mp;
	monitor_extra_t *mbe;
	BackendInfo *mi;
	Entry *e;

	ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	truststore_task_remove( &ti->ti_monitor_task );
	ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
	if ( cb == NULL )
		return;
	ti->ti_monitor_cb = NULL;
	mi = backend_info( "monitor" );
	if ( mi == NULL || mi->bi_extra == NULL ||
			BER_BVISNULL( &ti->ti_monitor_ndn ) )
		return;
	mbe = mi->bi_extra;
	if ( !slapd_shutdown ) {
		/* our mc_free runs; the callback is freed */
		mbe->unregister_entry_callback( &ti->ti_monitor_ndn, cb,
			&none, 0, &none );
		BER_BVZERO( &ti->ti_monitor_ndn );
		return;
	}
	/*
	 * At shutdown unregister_entry_callback() does nothing, and slapd
	 * 2.5's monitor_entry_destroy() frees an entry's first callback once
	 * for every callback the entry has (mp_cb where cb is meant): beside
	 * back-mdb's, ours made that a double free at exit.  So ours leaves
	 * the list here, with no operation running any more.
	 */
	e = mbe->entry_get_unlocked( &ti->ti_monitor_ndn );
	mp = e != NULL ? e->e_private : NULL;
	for ( cbp = mp != NULL ? &mp->mp_cb : NULL; cbp != NULL && *cbp != NULL;
			cbp = &( *cbp )->mc_next ) {
		if ( *cbp == cb ) {
			*cbp = cb->mc_next;
			truststore_monitor_free( e, &cb->mc_private );
			ch_free( cb );
			break;
		}
	}
	BER_BVZERO( &ti->ti_monitor_ndn );
}
