/* ts_index.c - truststore: find certificates by fingerprint and subject hash */

#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "truststore.h"
#include "tsindex.h"

/*
 * Two questions are asked of the store all the time: which entry holds
 * this certificate (the duplicate check on every add, `ldaptrust` looking
 * one up by fingerprint) and which certificates have this subject (issuer
 * look-ups, hashed-directory names).  LDAP equality indexes on
 * tsFingerprintSHA256 and tsSubjectHash answer them, but each costs an
 * add a random insert into its own B-tree: together with the duplicate
 * search that was ≈20 % of slapd's add throughput (docs/performance.md).
 *
 * So the overlay keeps the two keys of every certificate in memory
 * (lib/tsindex.c), read from the database at db_open and updated from
 * the same response callbacks that feed the exporter, for local and
 * replicated writes alike.  It answers the duplicate check itself, and a
 * search for a fingerprint or subject hash gets the client's filter ANDed
 * with (entryUUID=...) of the entries the index names: the backend finds
 * those through its entryUUID index (which syncrepl needs anyway) and
 * still applies the whole filter, the scope, ACLs and limits itself
 * (where one entry holds the key, the search becomes a base search of
 * that entry: truststore_index_can_base).  A
 * stale entry in the index costs a candidate that does not match; a
 * missing one would hide an entry, so whenever the index cannot be sure
 * (no memory, an entry without entryUUID) it stops answering and the
 * overlay falls back to plain LDAP searches.
 */

#define TS_INDEX_MAX_CANDIDATES	1024	/* beyond: let the backend search */

/* Stop trusting the index (under the write lock). */
static void
truststore_index_drop( truststore_info *ti, const char *why )
{
	Debug( LDAP_DEBUG_ANY, "truststore: lookup index off (%s): duplicate "
		"checks and searches by fingerprint or subject hash use LDAP "
		"searches until the next start\n", why );
	ts_index_free( ti->ti_index );
	ti->ti_index = NULL;
}

/*
 * Record e (an entry under a base) in idx.  Its stored decorations are
 * what filters match, so they are the keys; an entry loaded without them
 * (by slapadd) gets them from its certificate.  *nouuid is set when e has
 * no entryUUID.  -1: idx is incomplete.
 */
static int
truststore_index_put_entry( struct ts_index *idx, int *nouuid, Entry *e,
	int from_der )
{
	static const unsigned char none[TS_INDEX_UUID_LEN];
	const unsigned char *uuid = none;
	Attribute *cert, *u, *fp, *sh;

	cert = attr_find( e->e_attrs, ts_ad_cert );
	if ( cert == NULL || cert->a_numvals == 0 )
		return 0;
	u = attr_find( e->e_attrs, slap_schema.si_ad_entryUUID );
	if ( u != NULL && u->a_nvals[0].bv_len == TS_INDEX_UUID_LEN )
		uuid = (unsigned char *)u->a_nvals[0].bv_val;
	else
		*nouuid = 1;	/* searches cannot be narrowed */

	fp = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_FP_SHA256] );
	sh = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_SUBJECT_HASH] );
	if ( fp != NULL && sh != NULL && !from_der )
		return ts_index_put( idx, e->e_nname.bv_val, uuid,
			fp->a_vals[0].bv_val, sh->a_vals[0].bv_val );
	if ( ts_index_put_der( idx, e->e_nname.bv_val, uuid,
			cert->a_vals[0].bv_val, cert->a_vals[0].bv_len ) == 0 )
		return 0;
	/* not a certificate we can read: no fingerprint to find it by */
	Debug( LDAP_DEBUG_ANY, "truststore: lookup index: \"%s\" skipped: its "
		"certificate does not parse\n", e->e_name.bv_val );
	return 0;
}

/* ---- loading ------------------------------------------------------------ */

void
truststore_index_load_begin( truststore_iload *il )
{
	il->il_idx = ts_index_new();
	il->il_nouuid = 0;
	il->il_failed = il->il_idx == NULL;
}

int
truststore_index_load_entry( Operation *op, Entry *e, truststore_iload *il,
	int from_der )
{
	/* the rest of the read is the exporter's all the same */
	if ( !il->il_failed &&
		truststore_index_put_entry( il->il_idx, &il->il_nouuid, e,
			from_der ) != 0 )
		il->il_failed = 1;
	return 0;
}

void
truststore_index_load_end( truststore_info *ti, truststore_iload *il,
	int ok )
{
	ldap_pvt_thread_rdwr_wlock( &ti->ti_index_rw );
	ts_index_free( ti->ti_index );
	ti->ti_index = NULL;
	if ( ok && !il->il_failed ) {
		ti->ti_index = il->il_idx;
		ti->ti_index_nouuid = il->il_nouuid;
	} else {
		ts_index_free( il->il_idx );
		truststore_index_drop( ti, ok ? "out of memory" :
			"reading the database failed" );
	}
	ldap_pvt_thread_rdwr_wunlock( &ti->ti_index_rw );
	il->il_idx = NULL;
	if ( ti->ti_index == NULL )
		return;
	Debug( LDAP_DEBUG_STATS, "truststore: lookup index: %lu "
		"certificates\n", (unsigned long)ts_index_count( ti->ti_index ) );
	if ( ti->ti_index_nouuid )
		Debug( LDAP_DEBUG_ANY, "truststore: lookup index: entries "
			"without entryUUID (lastmod off?): searches by "
			"fingerprint or subject hash are not narrowed\n" );
}

void
truststore_index_close( truststore_info *ti )
{
	ldap_pvt_thread_rdwr_wlock( &ti->ti_index_rw );
	ts_index_free( ti->ti_index );
	ti->ti_index = NULL;
	ldap_pvt_thread_rdwr_wunlock( &ti->ti_index_rw );
}

/* ---- keeping it in line ------------------------------------------------- */

/*
 * The entryUUID a modify leaves (into uuid; 0 when it leaves none), or
 * -1 when it does not touch entryUUID.  The Relax control lets a client
 * with manage access replace or delete it, as one does to mend
 * replication: the index must hand the backend the new one.
 */
static int
truststore_index_mods_uuid( Modifications *ml, unsigned char *uuid )
{
	int found = -1;

	for ( ; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc != slap_schema.si_ad_entryUUID )
			continue;
		found = 0;
		if ( ml->sml_op == LDAP_MOD_DELETE ||
			ml->sml_op == SLAP_MOD_SOFTDEL ||
			ml->sml_nvalues == NULL ||
			ml->sml_nvalues[0].bv_len != TS_INDEX_UUID_LEN )
			continue;	/* gone, or one the index cannot hold */
		AC_MEMCPY( uuid, ml->sml_nvalues[0].bv_val, TS_INDEX_UUID_LEN );
		found = 1;
	}
	return found;
}

void
truststore_index_changed( Operation *op, truststore_info *ti,
	struct berval *old_der, struct berval *new_der )
{
	struct berval newdn;
	unsigned char uuid[TS_INDEX_UUID_LEN];
	char fp[65], hash[9];
	int rc = 0, keys = 0, newuuid = -1;

	if ( op->o_tag == LDAP_REQ_MODIFY )
		newuuid = truststore_index_mods_uuid( op->orm_modlist, uuid );
	if ( op->o_tag == LDAP_REQ_MODIFY && newuuid < 0 &&
		bvmatch( old_der, new_der ) )
		return;		/* the description, say: same keys */
	truststore_new_ndn( op, &newdn );
	/* a new certificate: hashed outside the lock */
	if ( op->o_tag == LDAP_REQ_MODIFY && !BER_BVISEMPTY( new_der ) )
		keys = ts_index_keys( new_der->bv_val, new_der->bv_len, fp,
			hash );

	ldap_pvt_thread_rdwr_wlock( &ti->ti_index_rw );
	if ( ti->ti_index == NULL )
		goto unlock;
	if ( op->o_tag == LDAP_REQ_ADD ) {
		rc = truststore_index_put_entry( ti->ti_index,
			&ti->ti_index_nouuid, op->ora_e, 0 );
	} else if ( BER_BVISEMPTY( new_der ) ) {
		/* a delete, or a move out of the bases */
		ts_index_remove( ti->ti_index, op->o_req_ndn.bv_val );
	} else if ( op->o_tag == LDAP_REQ_MODRDN ) {
		/* the certificate stays: the record moves as it is */
		rc = ts_index_rename( ti->ti_index, op->o_req_ndn.bv_val,
			newdn.bv_val ) < 0;
	} else {
		/* a new certificate or entryUUID; the other one stays */
		if ( newuuid < 0 && ts_index_uuid( ti->ti_index,
				op->o_req_ndn.bv_val, uuid ) != 0 )
			newuuid = 0;
		if ( newuuid == 0 ) {
			/* searches by the keys can no longer be narrowed */
			memset( uuid, 0, sizeof( uuid ) );
			ti->ti_index_nouuid = 1;
		}
		/* one it cannot find again: better no index than a wrong one */
		rc = keys != 0 || ts_index_put( ti->ti_index,
			op->o_req_ndn.bv_val, uuid, fp, hash ) != 0;
	}
unlock:
	if ( rc != 0 )
		truststore_index_drop( ti, keys != 0 ?
			"a certificate without a subject hash" : "out of memory" );
	ldap_pvt_thread_rdwr_wunlock( &ti->ti_index_rw );
	if ( newdn.bv_val != op->o_req_ndn.bv_val )
		op->o_tmpfree( newdn.bv_val, op->o_tmpmemctx );
}

/* ---- the duplicate check ------------------------------------------------ */

typedef struct truststore_idup {
	Operation	*id_op;
	struct berval	*id_self;
	struct berval	id_ndn;		/* the first other entry, tmp memory */
} truststore_idup;

static int
truststore_index_dup_cb( void *arg, const char *key, const unsigned char *uuid )
{
	truststore_idup *id = arg;
	struct berval ndn;

	(void)uuid;
	ber_str2bv( key, 0, 0, &ndn );
	if ( id->id_self != NULL && dn_match( &ndn, id->id_self ) )
		return 0;
	ber_dupbv_x( &id->id_ndn, &ndn, id->id_op->o_tmpmemctx );
	return 1;
}

/* Does e's certificate have this fingerprint (lowercase hex)? */
static int
truststore_index_holds( Entry *e, const char *fp )
{
	Attribute *a = attr_find( e->e_attrs, ts_ad_cert );
	char hex[65];

	return a != NULL && a->a_numvals > 0 &&
		ts_sha256_hex( a->a_vals[0].bv_val, a->a_vals[0].bv_len,
			hex ) == 0 && strcmp( hex, fp ) == 0;
}

int
truststore_index_dup( Operation *op, truststore_info *ti, const char *fp,
	struct berval *self, struct berval *found )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_idup id = { op, self, BER_BVNULL };
	Entry *e = NULL;

	BER_BVZERO( found );
	ldap_pvt_thread_rdwr_rlock( &ti->ti_index_rw );
	if ( ti->ti_index == NULL ) {
		ldap_pvt_thread_rdwr_runlock( &ti->ti_index_rw );
		return -1;
	}
	ts_index_find( ti->ti_index, TS_INDEX_FP, fp, strlen( fp ),
		truststore_index_dup_cb, &id );
	ldap_pvt_thread_rdwr_runlock( &ti->ti_index_rw );
	if ( BER_BVISNULL( &id.id_ndn ) )
		return 0;

	/*
	 * Refusals name the entry as it is spelt (the index keeps normalized
	 * DNs).  Between a write's commit and its callback the index lags:
	 * the entry may be gone, renamed or hold another certificate by now.
	 * Then the database itself is asked (rare: a race with that write).
	 */
	if ( overlay_entry_get_ov( op, &id.id_ndn, NULL, NULL, 0, &e, on ) ==
			LDAP_SUCCESS && e != NULL ) {
		if ( truststore_index_holds( e, fp ) )
			ber_dupbv_x( found, &e->e_name, op->o_tmpmemctx );
		overlay_entry_release_ov( op, e, 0, on );
	}
	op->o_tmpfree( id.id_ndn.bv_val, op->o_tmpmemctx );
	return BER_BVISNULL( found ) ? -1 : 0;
}

/*
 * The index follows a rename only after its commit.  A search run as a
 * base search of the DN the index gives, between the two, would find
 * no entry there, and the entry in neither place (a narrowed search
 * finds it by entryUUID under either name).  So such a search holds
 * off renames in the store from before it reads the index until the
 * backend has read the entry, and does not start while one is under
 * way (it is narrowed then): searches never wait, renames wait for
 * the searches reading now, new ones back off while a rename waits.
 */
static int
truststore_based_enter( truststore_info *ti )
{
	int ok;

	ldap_pvt_thread_mutex_lock( &ti->ti_based_mutex );
	ok = ti->ti_renaming == 0;
	if ( ok )
		ti->ti_based++;
	ldap_pvt_thread_mutex_unlock( &ti->ti_based_mutex );
	return ok;
}

static void
truststore_based_leave( truststore_info *ti )
{
	ldap_pvt_thread_mutex_lock( &ti->ti_based_mutex );
	if ( --ti->ti_based == 0 && ti->ti_renaming > 0 )
		ldap_pvt_thread_cond_broadcast( &ti->ti_based_cond );
	ldap_pvt_thread_mutex_unlock( &ti->ti_based_mutex );
}

void
truststore_rename_enter( truststore_info *ti )
{
	ldap_pvt_thread_mutex_lock( &ti->ti_based_mutex );
	ti->ti_renaming++;
	while ( ti->ti_based > 0 )
		ldap_pvt_thread_cond_wait( &ti->ti_based_cond,
			&ti->ti_based_mutex );
	ldap_pvt_thread_mutex_unlock( &ti->ti_based_mutex );
}

void
truststore_rename_leave( truststore_info *ti )
{
	ldap_pvt_thread_mutex_lock( &ti->ti_based_mutex );
	ti->ti_renaming--;
	ldap_pvt_thread_mutex_unlock( &ti->ti_based_mutex );
}

/* ---- narrowing searches ------------------------------------------------- */

typedef struct truststore_narrow {
	slap_callback	tn_cb;
	Filter		*tn_saved;	/* the filter we were given */
	Filter		tn_and;		/* ( & tn_or saved ) */
	Filter		tn_or;		/* ( | uuid... ), one of them, or FALSE */
	int		tn_n, tn_max;
	Filter		*tn_eq;		/* tn_max nodes, then their values */
	AttributeAssertion *tn_ava;
	/* run as a base search of the one candidate: what it replaced */
	int		tn_based;
	int		tn_reading;	/* truststore_based_enter, until read */
	truststore_info	*tn_ti;
	int		tn_scope;
	struct berval	tn_dn, tn_ndn;
	struct berval	tn_cand;	/* the candidate's DN, tmp memory */
} truststore_narrow;

static int
truststore_index_narrow_cb( void *arg, const char *key,
	const unsigned char *uuid )
{
	truststore_narrow *tn = arg;
	Filter *f;

	(void)key;
	if ( tn->tn_n == tn->tn_max )
		return 1;
	f = &tn->tn_eq[tn->tn_n];
	f->f_choice = LDAP_FILTER_EQUALITY;
	f->f_ava = &tn->tn_ava[tn->tn_n];
	f->f_av_desc = slap_schema.si_ad_entryUUID;
	/* the normalized value: 16 bytes, copied, the lock is dropped next */
	f->f_av_value.bv_len = TS_INDEX_UUID_LEN;
	f->f_av_value.bv_val = (char *)&tn->tn_ava[tn->tn_max] +
		tn->tn_n * TS_INDEX_UUID_LEN;
	AC_MEMCPY( f->f_av_value.bv_val, uuid, TS_INDEX_UUID_LEN );
	f->f_next = tn->tn_n > 0 ? &tn->tn_eq[tn->tn_n - 1] : NULL;
	tn->tn_n++;
	return 0;
}

/*
 * The first walk keeps the first candidate here: one is the usual
 * answer (a fingerprint names one certificate, most subject names one
 * too), and then the key is decoded and looked up once, not twice.
 */
typedef struct truststore_first {
	unsigned char	tf_uuid[TS_INDEX_UUID_LEN];
	int		tf_n;
	Operation	*tf_op;		/* set: copy the first DN too */
	struct berval	tf_dn;
} truststore_first;

static int
truststore_index_first_cb( void *arg, const char *key,
	const unsigned char *uuid )
{
	truststore_first *tf = arg;

	if ( tf->tf_n++ == 0 ) {
		AC_MEMCPY( tf->tf_uuid, uuid, TS_INDEX_UUID_LEN );
		if ( tf->tf_op != NULL )
			ber_str2bv_x( key, 0, 1, &tf->tf_dn,
				tf->tf_op->o_tmpmemctx );
	}
	return 0;
}

/*
 * The candidate's entry has been read (or found missing): renames may
 * go on.  A base search of it finds no entry when a delete of it has
 * committed and the delete has not yet updated the index (the moment in
 * which an add is found by other searches, not yet by these): nothing
 * matches then.  A rename cannot come between: see
 * truststore_rename_enter.
 */
static int
truststore_index_narrow_response( Operation *op, SlapReply *rs )
{
	truststore_narrow *tn = op->o_callback->sc_private;

	if ( tn->tn_reading ) {
		truststore_based_leave( tn->tn_ti );
		tn->tn_reading = 0;
	}
	if ( tn->tn_based && rs->sr_type == REP_RESULT &&
		rs->sr_err == LDAP_NO_SUCH_OBJECT ) {
		rs->sr_err = LDAP_SUCCESS;
		rs->sr_matched = NULL;
		rs->sr_text = NULL;
	}
	return SLAP_CB_CONTINUE;
}

static int
truststore_index_narrow_cleanup( Operation *op, SlapReply *rs )
{
	truststore_narrow *tn = op->o_callback->sc_private;

	/* played after every entry too: only the end counts */
	if ( rs->sr_type != REP_RESULT && !op->o_abandon &&
		rs->sr_err != SLAPD_ABANDON )
		return SLAP_CB_CONTINUE;
	if ( tn->tn_reading )
		truststore_based_leave( tn->tn_ti );
	if ( tn->tn_based ) {
		op->o_req_dn = tn->tn_dn;
		op->o_req_ndn = tn->tn_ndn;
		op->ors_scope = tn->tn_scope;
	}
	if ( !BER_BVISNULL( &tn->tn_cand ) )
		op->o_tmpfree( tn->tn_cand.bv_val, op->o_tmpmemctx );
	op->ors_filter = tn->tn_saved;
	op->o_callback = tn->tn_cb.sc_next;
	op->o_tmpfree( tn, op->o_tmpmemctx );
	return SLAP_CB_CONTINUE;
}

/* The equality on a key the index holds, at the top or under a top AND. */
static Filter *
truststore_index_key_filter( Filter *f, enum ts_index_key *kind )
{
	Filter *top = f;

	for ( f = ( top->f_choice == LDAP_FILTER_AND ) ? top->f_and : top;
			f != NULL; f = ( top->f_choice == LDAP_FILTER_AND ) ?
				f->f_next : NULL ) {
		if ( f->f_choice != LDAP_FILTER_EQUALITY )
			continue;
		if ( f->f_av_desc == ts_ad_decoration[TS_AT_FP_SHA256] ) {
			*kind = TS_INDEX_FP;
			return f;
		}
		if ( f->f_av_desc == ts_ad_decoration[TS_AT_SUBJECT_HASH] ) {
			*kind = TS_INDEX_SUBJECT_HASH;
			return f;
		}
	}
	return NULL;
}

/* The DNs of the candidates, for the access checks below */
typedef struct truststore_dns {
	Operation	*td_op;
	struct berval	*td_dn;
	int		td_n, td_max;
	char		*td_drop;	/* per candidate: it cannot match */
	int		td_entry_search;	/* the first: its entry searchable */
} truststore_dns;

static int
truststore_index_dn_cb( void *arg, const char *key,
	const unsigned char *uuid )
{
	truststore_dns *td = arg;

	(void)uuid;
	if ( td->td_n == td->td_max )
		return 1;
	ber_str2bv_x( key, 0, 1, &td->td_dn[td->td_n++],
		td->td_op->o_tmpmemctx );
	return 0;
}

/*
 * The narrowed filter asserts entryUUID, and the backend checks that
 * assertion against the user's search access like any other: a user
 * who may search the fingerprint but not entryUUID would find nothing.
 * So each candidate's entryUUID must be searchable for the narrowing to
 * be used; if one is not, the search runs as the client sent it.
 *
 * Unless the key itself is not searchable there either: then the
 * client's filter, which needs the key's equality TRUE, cannot match
 * that entry, and the candidate is dropped (td_drop) instead.  Falling
 * back there made a search for a hidden certificate's key a scan of the
 * whole store, where a key nobody holds is answered at once: the time
 * (or adminLimitExceeded under size.unchecked) told a client the ACLs
 * keep away which certificates a hidden subtree holds.  The rootdn
 * passes every ACL, and costs no entry read.
 */
static int
truststore_index_uuid_searchable( Operation *op, truststore_dns *td,
	Filter *key )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Entry *e;
	Attribute *a;
	int i, ok = 1;

	for ( i = 0; i < td->td_n && ok; i++ ) {
		e = NULL;
		if ( overlay_entry_get_ov( op, &td->td_dn[i], NULL, NULL, 0,
				&e, on ) != LDAP_SUCCESS || e == NULL )
			continue;	/* gone: it cannot match either way */
		a = attr_find( e->e_attrs, slap_schema.si_ad_entryUUID );
		/* what a base search of it would check: see can_base */
		if ( i == 0 )
			td->td_entry_search = access_allowed( op, e,
				slap_schema.si_ad_entry, NULL, ACL_SEARCH, NULL );
		if ( !access_allowed( op, e, key->f_av_desc,
				&key->f_av_value, ACL_SEARCH, NULL ) )
			td->td_drop[i] = 1;
		else
			ok = a != NULL && access_allowed( op, e,
				slap_schema.si_ad_entryUUID, &a->a_nvals[0],
				ACL_SEARCH, NULL );
		overlay_entry_release_ov( op, e, 0, on );
	}
	return ok;
}

static void
truststore_index_dns_free( Operation *op, truststore_dns *td )
{
	int i;

	for ( i = 0; i < td->td_n; i++ )
		op->o_tmpfree( td->td_dn[i].bv_val, op->o_tmpmemctx );
	op->o_tmpfree( td->td_dn, op->o_tmpmemctx );
}

/* Take the dropped candidates out of the narrowing's list. */
static void
truststore_index_drop_candidates( truststore_narrow *tn, const char *drop )
{
	int i, m = 0;

	for ( i = 0; i < tn->tn_n; i++ ) {
		if ( drop[i] )
			continue;
		if ( m != i ) {
			tn->tn_eq[m] = tn->tn_eq[i];
			tn->tn_ava[m] = tn->tn_ava[i];
			tn->tn_eq[m].f_ava = &tn->tn_ava[m];
		}
		tn->tn_eq[m].f_next = m > 0 ? &tn->tn_eq[m - 1] : NULL;
		m++;
	}
	tn->tn_n = m;
}

void
truststore_referral_seen( truststore_info *ti )
{
	ldap_pvt_thread_rdwr_wlock( &ti->ti_index_rw );
	if ( !ti->ti_referrals )
		Debug( LDAP_DEBUG_STATS, "truststore: a referral object in "
			"the store: searches by key run as subtree searches "
			"until the next start\n" );
	ti->ti_referrals = 1;
	ldap_pvt_thread_rdwr_wunlock( &ti->ti_index_rw );
}

/*
 * A search by key that names one entry can be run as a base search of
 * that entry: back-mdb then reads the entry by its DN instead of
 * looking up the base, the entryUUID and objectClass=referral indexes
 * and the scope (a fifth of the instructions of such a search,
 * docs/performance.md).  Only where the answer is the subtree search's:
 * back-mdb checks search access on the search base, which the rewrite
 * skips, and on the entry, which the subtree search does not, so for
 * users other than the rootdn both are checked first (the entry's with
 * its other checks, truststore_index_uuid_searchable; the base's in
 * truststore_index_search); with no referral in the store
 * (a subtree search returns references to them; ti_referrals, read
 * under the index lock) unless ManageDsaIT makes them plain entries;
 * without
 * aliases dereferenced, an assertion (tested on the base) or a paged
 * search past its first page.
 */
static int
truststore_index_can_base( Operation *op )
{
	PagedResultsState *ps = op->o_pagedresults_state;

	/*
	 * A first page (no cookie) of at least one entry: back-mdb answers
	 * it with the entry and an empty cookie either way.  A page size
	 * of 0 gets a cookie back, and a cookie names a place in one
	 * particular search.
	 */
	if ( get_pagedresults( op ) > SLAP_CONTROL_IGNORED &&
		( ps == NULL || ps->ps_cookieval.bv_len != 0 ||
			ps->ps_size <= 0 ) )
		return 0;
	return op->ors_scope != LDAP_SCOPE_BASE &&
		op->ors_deref == LDAP_DEREF_NEVER &&
		!get_assert( op );
}

void
truststore_index_search( Operation *op, truststore_info *ti )
{
	truststore_dns td = { 0 };
	truststore_narrow *tn;
	truststore_first tf = { { 0 }, 0, NULL, BER_BVNULL };
	enum ts_index_key kind;
	Filter *key;
	size_t n;

	/*
	 * Not for syncrepl (a persistent search keeps its filter for every
	 * later change), nor above the bases, where an entry the index does
	 * not cover could match.
	 */
	if ( op->ors_filter == NULL || op->o_sync != SLAP_CONTROL_NONE ||
		( key = truststore_index_key_filter( op->ors_filter, &kind ) )
			== NULL ||
		!truststore_at_or_below_base( op, ti, &op->o_req_ndn ) )
		return;

	/* before the index is read: see truststore_based_enter */
	if ( truststore_index_can_base( op ) &&
		truststore_based_enter( ti ) )
		tf.tf_op = op;
	ldap_pvt_thread_rdwr_rlock( &ti->ti_index_rw );
	if ( ti->ti_index == NULL || ti->ti_index_nouuid )
		goto unlock;
	/* set under the index lock: truststore_referral_seen */
	if ( tf.tf_op != NULL && ti->ti_referrals && !get_manageDSAit( op ) ) {
		truststore_based_leave( ti );
		tf.tf_op = NULL;
	}
	/* one block: the header, the nodes, the assertions, the values */
	n = ts_index_find( ti->ti_index, kind, key->f_av_value.bv_val,
		key->f_av_value.bv_len, truststore_index_first_cb, &tf );
	if ( n > TS_INDEX_MAX_CANDIDATES )
		goto unlock;
	tn = op->o_tmpcalloc( 1, sizeof( *tn ) + n * ( sizeof( Filter ) +
			sizeof( AttributeAssertion ) + TS_INDEX_UUID_LEN ),
		op->o_tmpmemctx );
	tn->tn_cand = tf.tf_dn;
	BER_BVZERO( &tf.tf_dn );
	tn->tn_max = (int)n;
	tn->tn_ti = ti;
	tn->tn_eq = (Filter *)( tn + 1 );
	tn->tn_ava = (AttributeAssertion *)( tn->tn_eq + n );
	if ( n == 1 )
		truststore_index_narrow_cb( tn, NULL, tf.tf_uuid );
	else
		ts_index_find( ti->ti_index, kind, key->f_av_value.bv_val,
			key->f_av_value.bv_len, truststore_index_narrow_cb, tn );
	if ( n > 0 && !be_isroot( op ) ) {
		/* the same walk under the same lock: the same order */
		td.td_op = op;
		td.td_max = (int)n;
		td.td_dn = op->o_tmpcalloc( n, sizeof( struct berval ) + 1,
			op->o_tmpmemctx );
		td.td_drop = (char *)( td.td_dn + n );
		ts_index_find( ti->ti_index, kind, key->f_av_value.bv_val,
			key->f_av_value.bv_len, truststore_index_dn_cb, &td );
	}
	ldap_pvt_thread_rdwr_runlock( &ti->ti_index_rw );
	if ( td.td_dn != NULL ) {
		if ( !truststore_index_uuid_searchable( op, &td, key ) ) {
			truststore_index_dns_free( op, &td );
			if ( tf.tf_op != NULL )
				truststore_based_leave( ti );
			if ( !BER_BVISNULL( &tn->tn_cand ) )
				op->o_tmpfree( tn->tn_cand.bv_val,
					op->o_tmpmemctx );
			op->o_tmpfree( tn, op->o_tmpmemctx );
			return;
		}
		truststore_index_drop_candidates( tn, td.td_drop );
		truststore_index_dns_free( op, &td );
	}

	tn->tn_saved = op->ors_filter;
	if ( tn->tn_n == 1 && !BER_BVISNULL( &tn->tn_cand ) &&
		dnIsSuffixScope( &tn->tn_cand, &op->o_req_ndn,
			op->ors_scope ) &&
		( be_isroot( op ) || ( n == 1 && td.td_entry_search &&
			/* if not, back-mdb answers 32 or 50 as the ACLs
			 * disclose, to the search as it came */
			truststore_entry_allowed( op, &op->o_req_ndn,
				ACL_SEARCH ) ) ) ) {
		tn->tn_based = 1;
		tn->tn_reading = 1;
		tn->tn_dn = op->o_req_dn;
		tn->tn_ndn = op->o_req_ndn;
		tn->tn_scope = op->ors_scope;
		op->o_req_dn = op->o_req_ndn = tn->tn_cand;
		op->ors_scope = LDAP_SCOPE_BASE;
		Debug( LDAP_DEBUG_FILTER, "truststore: search by key: a base "
			"search of \"%s\"\n", tn->tn_cand.bv_val );
		goto push;
	}
	if ( tf.tf_op != NULL )
		truststore_based_leave( ti );
	if ( tn->tn_n == 0 ) {
		/* nothing holds it: the backend still checks the base */
		tn->tn_or.f_choice = SLAPD_FILTER_COMPUTED;
		tn->tn_or.f_result = LDAP_COMPARE_FALSE;
	} else if ( tn->tn_n == 1 ) {
		tn->tn_or = tn->tn_eq[0];
	} else {
		tn->tn_or.f_choice = LDAP_FILTER_OR;
		tn->tn_or.f_or = &tn->tn_eq[tn->tn_n - 1];
	}
	tn->tn_or.f_next = op->ors_filter;
	tn->tn_and.f_choice = LDAP_FILTER_AND;
	tn->tn_and.f_and = &tn->tn_or;
	op->ors_filter = &tn->tn_and;
push:
	tn->tn_cb.sc_response = truststore_index_narrow_response;
	tn->tn_cb.sc_cleanup = truststore_index_narrow_cleanup;
	tn->tn_cb.sc_private = tn;
	tn->tn_cb.sc_next = op->o_callback;
	op->o_callback = &tn->tn_cb;
	return;
unlock:
	ldap_pvt_thread_rdwr_runlock( &ti->ti_index_rw );
	if ( tf.tf_op != NULL )
		truststore_based_leave( ti );
	if ( !BER_BVISNULL( &tf.tf_dn ) )
		op->o_tmpfree( tf.tf_dn.bv_val, op->o_tmpmemctx );
}
