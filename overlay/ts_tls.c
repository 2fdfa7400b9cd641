/* ts_tls.c - make slapd's outgoing TLS see a changed trust store */

#include "portable.h"

#include <stdlib.h>
#include <limits.h>

#include <ac/socket.h>
#include <ac/string.h>
#include <ac/time.h>

#include "slap.h"
#include "slap-config.h"

/* the layouts of the back ends' private data, from the same source tree */
#include "back-ldap/back-ldap.h"
#include "back-meta/back-meta.h"

#include "ts_tls.h"

/*
 * slapd keeps one TLS context per outgoing connection setting (a
 * slap_bindconf: back-ldap's li_tls/li_acl/idassert, each back-meta and
 * back-asyncmeta target, each syncrepl consumer).  bindconf_tls_set() in
 * config.c builds it once and hands it to every later connection; with
 * GnuTLS the CA directory or file is read only then.  New files are
 * therefore not enough: the context must be rebuilt.
 *
 * We rebuild it ourselves instead of asking the next connection to:
 * bindconf_tls_set() on a copy of the bindconf gives a fresh context read
 * from the new files, which then replaces sb_tls_ctx with one pointer
 * store.  Connections already open keep their own reference to the old
 * context (libldap counts them) and are not disturbed; every connection
 * made afterwards uses the new one.  The old context's own reference is
 * dropped only after a grace period, because a thread in
 * bindconf_tls_set() may have read the old pointer and not yet taken its
 * reference.  Flipping sb_tls_do_init instead would let two connections
 * set up at the same moment both free the old context.
 *
 * Which settings depend on the store is found, not configured: those whose
 * tls_cacertdir is the export directory or whose tls_cacert is the export
 * bundle (compared after realpath()).  This works the same whether the
 * databases came from slapd.conf or cn=config, and follows cn=config
 * changes, because the walk is done afresh after every change.  The walk
 * runs in a pool thread, so cn=config (which pauses the pool to change a
 * database) cannot change the list under it.
 */

/*
 * Long enough for any thread between reading sb_tls_ctx and its ref (a
 * few instructions, unless descheduled).  Every retired context is held
 * that long, so the grace and the pace below bound the memory a stream of
 * changes can pin: at most TS_TLS_GRACE * 1000 / TS_TLS_PACE_MS rounds of
 * contexts (60 s and no pace pinned gigabytes under sustained churn;
 * 5 s and the pace 0.9 GB for a store of 2,000, 1 s 0.5 GB: a GnuTLS
 * context of a large store is tens of megabytes).
 */
#define TS_TLS_GRACE	1
/*
 * Rounds of rebuilds start at least this far apart: a change waits at
 * most this long for the contexts, and a stream of deletes cuts cached
 * connections at most this often.
 */
#define TS_TLS_PACE_MS	200
/* bindconfs with the same TLS settings share a rebuilt context */
#define TS_TLS_SHARE	32

typedef struct ts_retired {
	void			*tr_ctx;
	time_t			tr_time;
	struct ts_retired	*tr_next;
} ts_retired;

static ldap_pvt_thread_mutex_t	ts_tls_mutex;
static int			ts_tls_inited;
static ts_retired		*ts_tls_retired;
/* for cn=Monitor, under ts_tls_mutex */
static unsigned long		ts_tls_rebuilt, ts_tls_failed;
static time_t			ts_tls_last;
static char			ts_tls_error[256];

typedef struct ts_tls_walk {
	char	tw_dir[PATH_MAX];
	char	tw_bundle[PATH_MAX];
	int	tw_count;	/* contexts rebuilt */
	int	tw_failed;	/* rebuilds that failed */
	int	tw_matched;	/* bindconfs that use the store */
	const char *tw_db;
	/* contexts built in this round, and the settings they were built from */
	int	tw_nbuilt;
	slap_bindconf *tw_built_bc[TS_TLS_SHARE];
	void	*tw_built_ctx[TS_TLS_SHARE];
	int	tw_shared;
} ts_tls_walk;

/* Does this path name the file or directory we export? */
static int
truststore_tls_same( const char *path, const char *real )
{
	char buf[PATH_MAX];

	if ( path == NULL || real[0] == '\0' )
		return 0;
	if ( strcmp( path, real ) == 0 )
		return 1;
	return realpath( path, buf ) != NULL && strcmp( buf, real ) == 0;
}

static int
truststore_tls_streq( const char *a, const char *b )
{
	return a == b || ( a != NULL && b != NULL && strcmp( a, b ) == 0 );
}

/* Would bindconf_tls_set() build the same context for a and b? */
static int
truststore_tls_alike( slap_bindconf *a, slap_bindconf *b )
{
	return a->sb_tls_int_reqcert == b->sb_tls_int_reqcert &&
		a->sb_tls_int_reqsan == b->sb_tls_int_reqsan &&
		truststore_tls_streq( a->sb_tls_cert, b->sb_tls_cert ) &&
		truststore_tls_streq( a->sb_tls_key, b->sb_tls_key ) &&
		truststore_tls_streq( a->sb_tls_cacert, b->sb_tls_cacert ) &&
		truststore_tls_streq( a->sb_tls_cacertdir,
			b->sb_tls_cacertdir ) &&
		truststore_tls_streq( a->sb_tls_reqcert, b->sb_tls_reqcert ) &&
		truststore_tls_streq( a->sb_tls_reqsan, b->sb_tls_reqsan ) &&
		truststore_tls_streq( a->sb_tls_cipher_suite,
			b->sb_tls_cipher_suite ) &&
		truststore_tls_streq( a->sb_tls_protocol_min,
			b->sb_tls_protocol_min ) &&
#ifdef HAVE_OPENSSL
		truststore_tls_streq( a->sb_tls_crlcheck, b->sb_tls_crlcheck ) &&
#endif
		truststore_tls_streq( a->sb_tls_ecname, b->sb_tls_ecname );
}

/*
 * A context built earlier in this round from the same settings, with a
 * reference of its own (taken through an LDAP handle: libldap has no
 * other public way), or NULL.  Reading a large store costs a second per
 * few thousand certificates: once per round, not once per bindconf.
 */
static void *
truststore_tls_shared( ts_tls_walk *tw, slap_bindconf *bc )
{
	LDAP *ld = NULL;
	void *ctx = NULL;
	int i;

	for ( i = 0; i < tw->tw_nbuilt; i++ ) {
		if ( truststore_tls_alike( bc, tw->tw_built_bc[i] ) )
			break;
	}
	if ( i == tw->tw_nbuilt ||
		ldap_initialize( &ld, NULL ) != LDAP_SUCCESS )
		return NULL;
	/* set takes a reference, get another, unbind drops the first */
	if ( ldap_set_option( ld, LDAP_OPT_X_TLS_CTX,
			tw->tw_built_ctx[i] ) != LDAP_OPT_SUCCESS ||
		ldap_get_option( ld, LDAP_OPT_X_TLS_CTX, &ctx ) !=
			LDAP_OPT_SUCCESS )
		ctx = NULL;
	ldap_unbind_ext( ld, NULL, NULL );
	return ctx;
}

static int
truststore_tls_bc( slap_bindconf *bc, const char *what, void *arg )
{
	ts_tls_walk *tw = arg;
	slap_bindconf tmp;
	ts_retired *tr;
	LDAP *ld = NULL;
	void *old;
	int rc;

	if ( !truststore_tls_same( bc->sb_tls_cacertdir, tw->tw_dir ) &&
		!truststore_tls_same( bc->sb_tls_cacert, tw->tw_bundle ) )
		return 0;
	tw->tw_matched++;

	/* never built yet (no connection so far): the first one will */
	if ( bc->sb_tls_ctx == NULL ) {
		bc->sb_tls_do_init = 1;
		return 0;
	}

	/* a copy shares the option strings read-only and builds its own ctx */
	tmp = *bc;
	tmp.sb_tls_ctx = truststore_tls_shared( tw, bc );
	tmp.sb_tls_do_init = 1;
	if ( tmp.sb_tls_ctx != NULL ) {
		tw->tw_shared++;
		goto swap;
	}
	if ( ldap_initialize( &ld, NULL ) != LDAP_SUCCESS ) {
		Debug( LDAP_DEBUG_ANY, "truststore: %s %s: cannot get an LDAP "
			"handle to rebuild the TLS context\n", tw->tw_db, what );
		return 0;
	}
	rc = bindconf_tls_set( &tmp, ld );
	ldap_unbind_ext( ld, NULL, NULL );
	if ( rc != 0 || tmp.sb_tls_ctx == NULL ) {
		/* keep the old context: better than none at all */
		Debug( LDAP_DEBUG_ANY, "truststore: %s %s: rebuilding the TLS "
			"context failed (%d); the old one stays in use\n",
			tw->tw_db, what, rc );
		ts_tls_failed++;
		tw->tw_failed++;
		snprintf( ts_tls_error, sizeof( ts_tls_error ), "%s %s: "
			"rebuilding the TLS context failed (%d)", tw->tw_db,
			what, rc );
		if ( tmp.sb_tls_ctx != NULL )
			ldap_pvt_tls_ctx_free( tmp.sb_tls_ctx );
		return 0;
	}
	if ( tw->tw_nbuilt < TS_TLS_SHARE ) {
		tw->tw_built_bc[tw->tw_nbuilt] = bc;
		tw->tw_built_ctx[tw->tw_nbuilt++] = tmp.sb_tls_ctx;
	}

swap:
	old = bc->sb_tls_ctx;
	bc->sb_tls_ctx = tmp.sb_tls_ctx;
	tr = ch_malloc( sizeof( *tr ) );
	tr->tr_ctx = old;
	tr->tr_time = slap_get_time();
	tr->tr_next = ts_tls_retired;
	ts_tls_retired = tr;
	tw->tw_count++;
	ts_tls_rebuilt++;
	ts_tls_last = tr->tr_time;
	Debug( LDAP_DEBUG_STATS, "truststore: %s %s: TLS context rebuilt "
		"from the trust store\n", tw->tw_db, what );
	return 0;
}

/*
 * syncinfo_t is private to syncrepl.c.  Its first members, up to the
 * bindconf, are mirrored here; whether the mirror fits is checked on every
 * use (back pointer to the database, "rid=NNN" text, an LDAP URI) and a
 * mismatch only costs the refresh of syncrepl, never memory safety of
 * anything but these reads.
 */
typedef struct ts_syncinfo_head {
	struct ts_syncinfo_head	*si_next;
	BackendDB		*si_be;
	BackendDB		*si_wbe;
	struct re_s		*si_re;
	int			si_rid;
	char			si_ridtxt[ STRLENOF("rid=999") + 1 ];
	slap_bindconf		si_bindconf;
} ts_syncinfo_head;

static void
truststore_tls_syncrepl( BackendDB *be, ts_tls_walk *tw )
{
	ts_syncinfo_head *si;
	char rid[sizeof(si->si_ridtxt) + 8];

	for ( si = (ts_syncinfo_head *)be->be_syncinfo; si; si = si->si_next ) {
		snprintf( rid, sizeof( rid ), "rid=%03d", si->si_rid );
		if ( si->si_be != be || strcmp( rid, si->si_ridtxt ) != 0 ||
			BER_BVISNULL( &si->si_bindconf.sb_uri ) ||
			!ldap_is_ldap_url( si->si_bindconf.sb_uri.bv_val ) ) {
			Debug( LDAP_DEBUG_ANY, "truststore: %s: syncrepl "
				"consumer layout not recognised; its TLS context "
				"is not refreshed\n", tw->tw_db );
			return;
		}
		truststore_tls_bc( &si->si_bindconf, si->si_ridtxt, tw );
	}
}

/*
 * back-ldap and back-meta keep their connections to the back end open
 * and reuse them, so a removed certificate would go on being trusted by a
 * session set up before.  An administrator removing trust expects it to stop: the
 * sockets of the cached connections are shut down (never closed: the
 * descriptors stay theirs), which back-ldap sees as the back end going
 * away; it reconnects with the new context, whose verification decides.
 * Only the lists are read, under the backend's own mutex.
 * Nothing of back-ldap's own state is changed.
 */
static int
truststore_tls_shut( LDAP *ld )
{
	ber_socket_t fd = AC_SOCKET_INVALID;

	if ( ld == NULL ||
		ldap_get_option( ld, LDAP_OPT_DESC, &fd ) != LDAP_OPT_SUCCESS ||
		fd == AC_SOCKET_INVALID )
		return 0;
	shutdown( fd, SHUT_RDWR );
	return 1;
}

static void
truststore_tls_ldap_drop( ldapinfo_t *li, ts_tls_walk *tw )
{
	TAvlnode *node;
	ldapconn_t *lc;
	int i, n = 0;

	ldap_pvt_thread_mutex_lock( &li->li_conninfo.lai_mutex );
	for ( node = ldap_tavl_end( li->li_conninfo.lai_tree, TAVL_DIR_LEFT );
		node != NULL; node = ldap_tavl_next( node, TAVL_DIR_RIGHT ) )
		n += truststore_tls_shut( ((ldapconn_t *)node->avl_data)->lc_ld );
	for ( i = 0; i < LDAP_BACK_PCONN_LAST; i++ ) {
		LDAP_TAILQ_FOREACH( lc, &li->li_conn_priv[i].lic_priv, lc_q )
			n += truststore_tls_shut( lc->lc_ld );
	}
	ldap_pvt_thread_mutex_unlock( &li->li_conninfo.lai_mutex );
	if ( n > 0 )
		Debug( LDAP_DEBUG_STATS, "truststore: %s: %d cached back-ldap "
			"connection(s) shut down: a certificate left the store\n",
			tw->tw_db, n );
}

/* The same for back-meta: the sessions to target t of every cached conn. */
static void
truststore_tls_meta_drop( metainfo_t *mi, int t, ts_tls_walk *tw )
{
	TAvlnode *node;
	metaconn_t *mc;
	int i, n = 0;

	ldap_pvt_thread_mutex_lock( &mi->mi_conninfo.lai_mutex );
	for ( node = ldap_tavl_end( mi->mi_conninfo.lai_tree, TAVL_DIR_LEFT );
		node != NULL; node = ldap_tavl_next( node, TAVL_DIR_RIGHT ) ) {
		mc = node->avl_data;
		n += truststore_tls_shut( mc->mc_conns[t].msc_ld );
	}
	for ( i = 0; i < LDAP_BACK_PCONN_LAST; i++ ) {
		LDAP_TAILQ_FOREACH( mc, &mi->mi_conn_priv[i].mic_priv, mc_q )
			n += truststore_tls_shut( mc->mc_conns[t].msc_ld );
	}
	ldap_pvt_thread_mutex_unlock( &mi->mi_conninfo.lai_mutex );
	if ( n > 0 )
		Debug( LDAP_DEBUG_STATS, "truststore: %s: %d cached back-meta "
			"connection(s) to target %d shut down: a certificate left "
			"the store\n", tw->tw_db, n, t );
}

static void
truststore_tls_db( BackendDB *be, ts_tls_walk *tw, int removed )
{
	BackendInfo *bi = be->bd_info;
	int i;

	if ( overlay_is_over( be ) )
		bi = ((slap_overinfo *)be->bd_info->bi_private)->oi_orig;
	tw->tw_db = be->be_suffix ? be->be_suffix[0].bv_val : bi->bi_type;

	if ( strcmp( bi->bi_type, "ldap" ) == 0 && be->be_private ) {
		ldapinfo_t *li = be->be_private;
		int matched = tw->tw_matched;

		truststore_tls_bc( &li->li_tls, "back-ldap tls", tw );
		truststore_tls_bc( &li->li_acl, "back-ldap acl-bind", tw );
		truststore_tls_bc( &li->li_idassert.si_bc,
			"back-ldap idassert-bind", tw );
		if ( removed && tw->tw_matched > matched )
			truststore_tls_ldap_drop( li, tw );

	} else if ( strcmp( bi->bi_type, "meta" ) == 0 && be->be_private ) {
		metainfo_t *mi = be->be_private;

		for ( i = 0; i < mi->mi_ntargets; i++ ) {
			int matched = tw->tw_matched;

			truststore_tls_bc( &mi->mi_targets[i]->mt_tls,
				"back-meta target tls", tw );
			truststore_tls_bc( &mi->mi_targets[i]->mt_idassert.si_bc,
				"back-meta target idassert-bind", tw );
			if ( removed && tw->tw_matched > matched )
				truststore_tls_meta_drop( mi, i, tw );
		}

	} else if ( strcmp( bi->bi_type, "asyncmeta" ) == 0 && be->be_private ) {
		truststore_tls_asyncmeta( be, truststore_tls_bc, tw );
	}

	if ( be->be_syncinfo )
		truststore_tls_syncrepl( be, tw );
}

/* Wait, if need be, until TS_TLS_PACE_MS after the last round began. */
static void
truststore_tls_pace( void )
{
	static struct timespec last;
	struct timespec now;
	long ms;

	clock_gettime( CLOCK_MONOTONIC, &now );
	ms = ( now.tv_sec - last.tv_sec ) * 1000 +
		( now.tv_nsec - last.tv_nsec ) / 1000000;
	if ( last.tv_sec != 0 && ms >= 0 && ms < TS_TLS_PACE_MS ) {
		struct timespec ts;

		ms = TS_TLS_PACE_MS - ms;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = ( ms % 1000 ) * 1000000;
		nanosleep( &ts, NULL );
		clock_gettime( CLOCK_MONOTONIC, &now );
	}
	last = now;
}

int
truststore_tls_refresh( const char *dir, const char *bundle, int removed )
{
	ts_tls_walk tw;
	BackendDB *be;

	memset( &tw, 0, sizeof( tw ) );
	if ( dir && realpath( dir, tw.tw_dir ) == NULL )
		tw.tw_dir[0] = '\0';
	if ( bundle && realpath( bundle, tw.tw_bundle ) == NULL )
		tw.tw_bundle[0] = '\0';
	if ( !tw.tw_dir[0] && !tw.tw_bundle[0] )
		return 0;

	/* two stores refreshing one bindconf must not both swap it */
	ldap_pvt_thread_mutex_lock( &ts_tls_mutex );
	/* under the mutex: the rounds of two stores are paced as one */
	truststore_tls_pace();
	LDAP_STAILQ_FOREACH( be, &backendDB, be_next ) {
		truststore_tls_db( be, &tw, removed );
	}
	/* a round that rebuilt all it tried: the last failure is over */
	if ( tw.tw_count > 0 && tw.tw_failed == 0 )
		ts_tls_error[0] = '\0';
	ldap_pvt_thread_mutex_unlock( &ts_tls_mutex );
	if ( tw.tw_shared > 0 )
		Debug( LDAP_DEBUG_STATS, "truststore: %d TLS context(s) shared "
			"by settings alike\n", tw.tw_shared );
	truststore_tls_reap( 0 );
	return tw.tw_count;
}

void
truststore_tls_reap( int all )
{
	ts_retired **trp, *tr;
	time_t now = slap_get_time();

	ldap_pvt_thread_mutex_lock( &ts_tls_mutex );
	for ( trp = &ts_tls_retired; ( tr = *trp ) != NULL; ) {
		if ( all || now - tr->tr_time >= TS_TLS_GRACE ) {
			*trp = tr->tr_next;
			ldap_pvt_tls_ctx_free( tr->tr_ctx );
			ch_free( tr );
		} else {
			trp = &tr->tr_next;
		}
	}
	ldap_pvt_thread_mutex_unlock( &ts_tls_mutex );
}

void
truststore_tls_stats( unsigned long *rebuilt, unsigned long *failed,
	time_t *last, char *error, size_t errlen )
{
	*rebuilt = *failed = 0;
	*last = 0;
	error[0] = '\0';
	if ( !ts_tls_inited )
		return;
	ldap_pvt_thread_mutex_lock( &ts_tls_mutex );
	*rebuilt = ts_tls_rebuilt;
	*failed = ts_tls_failed;
	*last = ts_tls_last;
	snprintf( error, errlen, "%s", ts_tls_error );
	ldap_pvt_thread_mutex_unlock( &ts_tls_mutex );
}

/* Once, from the first db_open (db_open calls are never concurrent). */
void
truststore_tls_init( void )
{
	if ( ts_tls_inited )
		return;
	ldap_pvt_thread_mutex_init( &ts_tls_mutex );
	ts_tls_inited = 1;
}
