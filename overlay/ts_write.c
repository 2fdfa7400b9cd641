/* ts_write.c - truststore: validate and decorate on add, modify, rename */

#include "portable.h"

#include <stdio.h>

#include <ac/string.h>

#include "slap.h"

#include "truststore.h"
#include "ts_repl.h"

/*
 * Client writes under a base are checked here before the backend sees
 * them: the entry must end up with exactly one certificate that parses
 * and passes the policy, and the overlay, never the client, writes the
 * decorations, in the same operation, so an entry is never stored
 * undecorated.  Replicated writes are taken as they come (the provider
 * checked and decorated them).  Every successful write, local or
 * replicated, is reported to the exporter from the response callback.
 */

#define TS_PREFIX	"truststore: "

/*
 * A write in flight.  The lookup index and the export catalogue take each
 * write's outcome after it committed, in the response callback; two
 * writes of one entry commit in some order, and their callbacks could run
 * in the other, leaving the index and the files with a certificate the
 * entry no longer holds.  So a write of a certificate entry passes a gate:
 * it waits until no other write of that entry (or, for a rename, of its
 * new name) is between reading the entry and handling its response.
 * syncprov orders writes per entry too, but only while persistent
 * searches run.  A thread never waits for a gate it holds itself (an
 * internal write under our own).
 *
 * The gate also carries the write's claim on its certificate: the
 * duplicate search sees only what is committed, so two adds of one
 * certificate under two aliases could both pass it; a write claims the
 * fingerprint before searching, and a second write of a claimed
 * certificate under another name is refused.  Gates live in their
 * operation's callback; the list holds one per running write at most
 * (bounded by the thread pool), so a scan under the mutex costs less than
 * keeping a tree.
 *
 * A rename's gate covers the subtrees of both names: a container may be
 * renamed or moved only while no certificate is below it (see
 * truststore_modrdn), and a certificate written below it between that
 * check and the rename's commit would ride along unchecked.  So the
 * rename waits for the writes below it that are in flight, and the writes
 * below it wait for the rename.  Writes enter in the order they came
 * (a ticket each), or a stream of adds below a container would keep its
 * rename waiting for ever; a thread that holds a gate already (an
 * internal write under our own) waits only for gates that are held, so
 * it cannot wait behind a write that waits for it.
 */
typedef struct truststore_gate {
	struct truststore_gate	*tg_next;
	struct berval		tg_ndn[2];	/* the entry; its new name */
	struct berval		tg_dn;		/* op->o_req_dn, for messages */
	void			*tg_thread;
	char			tg_fp[65];	/* the claim: SHA-256 hex, or "" */
	int			tg_held;
	int			tg_subtree;	/* a rename: the names' subtrees */
	int			tg_waiting;	/* listed, not yet in */
	unsigned long		tg_seq;		/* its ticket */
} truststore_gate;

/* An accepted alias, kept on the stack: at most TS_ALIAS_MAX characters. */
typedef struct truststore_aliasbuf {
	struct berval	ab_bv;
	char		ab_buf[4 * TS_ALIAS_MAX + 1];
} truststore_aliasbuf;

/* What the exporter is told once the write has succeeded. */
typedef struct truststore_cb {
	slap_callback	tc_cb;
	truststore_info	*tc_ti;
	struct berval	tc_old_der;
	struct berval	tc_new_der;
	struct berval	tc_old_alias;
	struct berval	tc_new_alias;
	truststore_gate	tc_gate;
	struct berval	tc_gate_ndn;	/* a rename's new name (tmp) */
	int		tc_track;	/* a certificate entry: report it */
	int		tc_changed;	/* the exporter has news */
	int		tc_renaming;	/* truststore_rename_enter */
	struct berval	tc_vetoed;	/* kept out: why (truststore_write_vet) */
	/* a replicated write older than its entry: the stamps to keep */
	struct berval	tc_stamps[2 * TS_REPL_STAMPS];
	slap_overinst	*tc_on;
} truststore_cb;

/* Whether gates a and b hold a name in common (or below a rename's). */
static int
truststore_gate_overlap( truststore_gate *a, truststore_gate *b )
{
	struct berval *x, *y;
	int i, j;

	for ( i = 0; i < 2; i++ ) {
		for ( j = 0; j < 2; j++ ) {
			x = &a->tg_ndn[i];
			y = &b->tg_ndn[j];
			if ( BER_BVISNULL( x ) || BER_BVISNULL( y ) )
				continue;
			if ( dn_match( x, y ) ||
				( a->tg_subtree && dnIsSuffix( y, x ) ) ||
				( b->tg_subtree && dnIsSuffix( x, y ) ) )
				return 1;
		}
	}
	return 0;
}

static int
truststore_gate_busy( truststore_info *ti, truststore_gate *tg )
{
	truststore_gate *g;
	int inside = 0;

	for ( g = ti->ti_gates; g != NULL; g = g->tg_next ) {
		if ( g != tg && g->tg_thread == tg->tg_thread && !g->tg_waiting )
			inside = 1;
	}
	for ( g = ti->ti_gates; g != NULL; g = g->tg_next ) {
		if ( g == tg || g->tg_thread == tg->tg_thread ||
			g->tg_seq > tg->tg_seq || ( inside && g->tg_waiting ) )
			continue;
		if ( truststore_gate_overlap( g, tg ) )
			return 1;
	}
	return 0;
}

/* Both names at once, or neither: two renames cannot wait for each other. */
static void
truststore_gate_enter( Operation *op, truststore_info *ti,
	truststore_gate *tg, struct berval *ndn, struct berval *newndn )
{
	tg->tg_ndn[0] = *ndn;
	if ( newndn != NULL && !dn_match( newndn, ndn ) )
		tg->tg_ndn[1] = *newndn;
	else
		BER_BVZERO( &tg->tg_ndn[1] );
	tg->tg_dn = op->o_req_dn;
	tg->tg_thread = op->o_threadctx;
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	tg->tg_seq = ++ti->ti_gates_seq;
	tg->tg_waiting = 1;
	tg->tg_next = ti->ti_gates;
	ti->ti_gates = tg;
	tg->tg_held = 1;
	while ( truststore_gate_busy( ti, tg ) )
		ldap_pvt_thread_cond_wait( &ti->ti_gates_cond,
			&ti->ti_gates_mutex );
	tg->tg_waiting = 0;
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
}

static void
truststore_gate_leave( truststore_info *ti, truststore_gate *tg )
{
	truststore_gate **gp;

	if ( !tg->tg_held )
		return;
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	for ( gp = &ti->ti_gates; *gp != NULL; gp = &( *gp )->tg_next ) {
		if ( *gp == tg ) {
			*gp = tg->tg_next;
			break;
		}
	}
	ldap_pvt_thread_cond_broadcast( &ti->ti_gates_cond );
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	tg->tg_held = 0;
}

/*
 * Claim fp for the entry whose gate tg the caller holds.  -1 if another
 * entry's write holds it, with that entry's DN in *holder (o_tmpmemctx
 * memory).  Writes to the same entry do not exclude each other: they
 * cannot duplicate it.  Leaving the gate drops the claim.
 */
static int
truststore_claim_take( Operation *op, truststore_info *ti,
	truststore_gate *tg, const char *fp, struct berval *holder )
{
	truststore_gate *g;
	int rc = 0;

	BER_BVZERO( holder );
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	for ( g = ti->ti_gates; g != NULL; g = g->tg_next ) {
		if ( g != tg && strcmp( g->tg_fp, fp ) == 0 &&
			!dn_match( &g->tg_ndn[0], &op->o_req_ndn ) ) {
			/* the holder's DN lives until it leaves its gate */
			ber_dupbv_x( holder, &g->tg_dn, op->o_tmpmemctx );
			rc = -1;
			break;
		}
	}
	if ( rc == 0 ) {
		/* a fingerprint's 64 digits: no snprintf on every add */
		size_t n = strlen( fp );

		if ( n >= sizeof( tg->tg_fp ) )
			n = sizeof( tg->tg_fp ) - 1;
		AC_MEMCPY( tg->tg_fp, fp, n );
		tg->tg_fp[n] = '\0';
	}
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	return rc;
}

static void
truststore_tmpfree_bv( Operation *op, struct berval *bv )
{
	if ( bv->bv_val != NULL )
		op->o_tmpfree( bv->bv_val, op->o_tmpmemctx );
	BER_BVZERO( bv );
}

/*
 * A replicated certificate is stored as the provider sent it: refusing
 * it would make the nodes' databases diverge.  But it is exported only if
 * this node's parse takes it.  A provider running an older version may
 * have accepted what this version refuses (a certificate GnuTLS cannot
 * read makes GnuTLS drop the whole PEM bundle), and a rolling upgrade
 * runs such a mix for a while.  The start-up read judges it the same way
 * (ts_vet.c).  The policy is not applied again: that is the provider's,
 * and the nodes share it by configuration.
 */
static int
truststore_repl_unreadable( Operation *op, struct berval *der )
{
	struct ts_cert *cert;
	int bad;

	if ( BER_BVISEMPTY( der ) || !SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) )
		return 0;
	/* the write's handle: a replicated write parses nothing else */
	if ( ( cert = truststore_thread_cert( op ) ) == NULL )
		return 0;	/* not known to be bad: as the provider said */
	bad = ts_cert_parse( cert, der->bv_val, der->bv_len ) != 0;
	if ( bad ) {
		struct berval dn;

		/* a rename names where it went */
		truststore_new_ndn( op, &dn );
		Debug( LDAP_DEBUG_ANY, "%s truststore: replicated \"%s\": "
			"not exported: its certificate is refused: %s\n",
			op->o_log_prefix, op->o_tag == LDAP_REQ_MODRDN ?
			dn.bv_val : op->o_req_dn.bv_val,
			ts_cert_error( cert ) );
		if ( dn.bv_val != op->o_req_ndn.bv_val )
			op->o_tmpfree( dn.bv_val, op->o_tmpmemctx );
	}
	return bad;
}

/*
 * A certificate entry written without its certificate being written (a
 * description modified, a rename), while e is held: whether the read of
 * the store left it out of the export (ts_vet.c: stored past the
 * overlay and refused by the policy, or holding no certificate or
 * several).  Such a write must not bring it in, on a provider or on a
 * replica alike; replacing the certificate with itself does, once it
 * passes the checks of an add.  The line to log is kept in say until
 * the write is known to leave the certificate alone, and logged with the
 * result (a replicated certificate this node cannot read is logged as
 * such there instead: truststore_repl_unreadable).
 */
static int
truststore_write_vet( Operation *op, truststore_info *ti, Entry *e,
	char *say, size_t saylen )
{
	return truststore_vet_write( op, ti, e, say, saylen ) == TS_VET_SKIP;
}

static void
truststore_write_vetoed( Operation *op, truststore_cb *tc, char *say )
{
	struct berval bv;

	ber_str2bv( say, 0, 0, &bv );
	ber_dupbv_x( &tc->tc_vetoed, &bv, op->o_tmpmemctx );
}

/*
 * A replicated add or modify, its entry e as the write leaves it, is
 * judged as the read of the store judges it (ts_vet.c), so that every
 * node exports what the provider's read exports: decorated exactly as
 * its certificate gives, it passed an overlay; undecorated (slapadd on
 * the provider) or its decorations edited (a restore of an edited LDIF,
 * whose changes reach a plain syncrepl consumer as a modify), it is
 * judged by the policy, as the provider's read judged it.  The presence
 * of a decoration is no proof: any of them can be written past the
 * overlay.  A certificate this node cannot read is left to
 * truststore_repl_unreadable, which says so.
 */
static void
truststore_repl_vet( Operation *op, truststore_cb *tc, Entry *e )
{
	char say[SLAP_TEXT_BUFLEN];

	if ( !SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) )
		return;
	if ( truststore_write_vet( op, tc->tc_ti, e, say, sizeof( say ) ) ) {
		if ( BER_BVISNULL( &tc->tc_vetoed ) )
			truststore_write_vetoed( op, tc, say );
	}
}

static int
truststore_cb_response( Operation *op, SlapReply *rs )
{
	truststore_cb *tc = op->o_callback->sc_private;
	Attribute *a;

	if ( !tc->tc_track || rs->sr_type != REP_RESULT ||
		rs->sr_err != LDAP_SUCCESS )
		return SLAP_CB_CONTINUE;

	/* An add's final entry is only known now (PEM converted, etc.) */
	if ( op->o_tag == LDAP_REQ_ADD ) {
		a = attr_find( op->ora_e->e_attrs, ts_ad_cert );
		if ( a != NULL && a->a_numvals > 0 )
			ber_dupbv_x( &tc->tc_new_der, &a->a_vals[0],
				op->o_tmpmemctx );
		/* a replicated add's name was not checked: parsed here */
		if ( BER_BVISNULL( &tc->tc_new_alias ) )
			truststore_alias( op, &op->ora_e->e_name,
				&tc->tc_new_alias );
		truststore_repl_vet( op, tc, op->ora_e );
	} else if ( op->o_tag == LDAP_REQ_MODIFY &&
			SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ) {
		Entry *e = NULL;

		/* judged as the modify leaves it: committed, so read back */
		if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0,
				&e, tc->tc_on ) == LDAP_SUCCESS && e != NULL ) {
			truststore_repl_vet( op, tc, e );
			overlay_entry_release_ov( op, e, 0, tc->tc_on );
		}
	}
	if ( op->o_tag == LDAP_REQ_MODRDN )
		truststore_repl_renamed( op, tc->tc_ti );
	else if ( op->o_tag == LDAP_REQ_ADD )
		truststore_repl_named( op, tc->tc_ti );
	if ( !BER_BVISNULL( &tc->tc_stamps[0] ) ) {
		struct berval ndn;

		truststore_new_ndn( op, &ndn );
		truststore_repl_stamps_restore( op, tc->tc_on, &ndn,
			tc->tc_stamps );
		if ( ndn.bv_val != op->o_req_ndn.bv_val )
			op->o_tmpfree( ndn.bv_val, op->o_tmpmemctx );
	}
	truststore_index_changed( op, tc->tc_ti, &tc->tc_old_der,
		&tc->tc_new_der );
	if ( truststore_repl_unreadable( op, &tc->tc_new_der ) ) {
		struct berval none = BER_BVNULL;

		ldap_pvt_thread_mutex_lock( &tc->tc_ti->ti_gates_mutex );
		tc->tc_ti->ti_repl_refused++;
		ldap_pvt_thread_mutex_unlock( &tc->tc_ti->ti_gates_mutex );

		/*
		 * The same certificate as before (a description changed, a
		 * rename) was never exported here, under either name: nothing
		 * to remove, no trust taken away, no connections to cut.
		 */
		if ( !bvmatch( &tc->tc_old_der, &tc->tc_new_der ) )
			truststore_export_changed( op, tc->tc_ti,
				&tc->tc_old_der, &none, &tc->tc_old_alias, &none );
	} else if ( !BER_BVISNULL( &tc->tc_vetoed ) ) {
		if ( SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ) {
			ldap_pvt_thread_mutex_lock( &tc->tc_ti->ti_gates_mutex );
			tc->tc_ti->ti_repl_refused++;
			ldap_pvt_thread_mutex_unlock( &tc->tc_ti->ti_gates_mutex );
		}
		/*
		 * The read of the store leaves the certificate out, and the
		 * write kept it (or a replicated add brings what the
		 * provider's read left out): out it stays, under either
		 * name.  Exported by an earlier read, when it still passed
		 * (an undecorated certificate expired since), it goes now:
		 * left under a renamed entry's old name, it would stay
		 * trusted after the entry is deleted.
		 */
		truststore_export_forget( op, tc->tc_ti );
		Debug( LDAP_DEBUG_ANY, "%s truststore: %s%s: %s%s\n",
			op->o_log_prefix, SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ?
			"replicated " : "", op->o_tag == LDAP_REQ_ADD ? "add" :
			op->o_tag == LDAP_REQ_MODRDN ? "rename" : "modify",
			tc->tc_vetoed.bv_val, op->o_tag == LDAP_REQ_ADD ||
			SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ? "" :
			" (the write keeps the certificate, so it stays out)" );
	} else {
		truststore_export_changed( op, tc->tc_ti, &tc->tc_old_der,
			&tc->tc_new_der, &tc->tc_old_alias, &tc->tc_new_alias );
	}
	tc->tc_changed = 1;
	return SLAP_CB_CONTINUE;
}

static int
truststore_cb_cleanup( Operation *op, SlapReply *rs )
{
	truststore_cb *tc = op->o_callback->sc_private;
	int i;

	op->o_callback = tc->tc_cb.sc_next;
	/* the backend has committed or refused: the search sees it now */
	truststore_gate_leave( tc->tc_ti, &tc->tc_gate );
	if ( tc->tc_renaming )
		truststore_rename_leave( tc->tc_ti );
	truststore_tmpfree_bv( op, &tc->tc_gate_ndn );
	/* the result is out: the files follow without the client waiting */
	if ( tc->tc_changed )
		truststore_export_wake( tc->tc_ti );
	truststore_tmpfree_bv( op, &tc->tc_old_der );
	truststore_tmpfree_bv( op, &tc->tc_new_der );
	truststore_tmpfree_bv( op, &tc->tc_old_alias );
	truststore_tmpfree_bv( op, &tc->tc_new_alias );
	truststore_tmpfree_bv( op, &tc->tc_vetoed );
	for ( i = 0; i < 2 * TS_REPL_STAMPS; i++ )
		truststore_tmpfree_bv( op, &tc->tc_stamps[i] );
	op->o_tmpfree( tc, op->o_tmpmemctx );
	return SLAP_CB_CONTINUE;
}

/*
 * Push the callback and pass the entry's gate, before the entry is read.
 * From here on the operation ends through truststore_cb_cleanup: every
 * result sent (refusals too) plays it; a hook that ends the operation
 * without a result calls it itself.  Reported only once tc_track is set.
 */
static truststore_cb *
truststore_cb_push( Operation *op, truststore_info *ti )
{
	truststore_cb *tc;

	tc = op->o_tmpcalloc( 1, sizeof( truststore_cb ), op->o_tmpmemctx );
	tc->tc_ti = ti;
	tc->tc_on = (slap_overinst *)op->o_bd->bd_info;
	tc->tc_cb.sc_response = truststore_cb_response;
	tc->tc_cb.sc_cleanup = truststore_cb_cleanup;
	tc->tc_cb.sc_private = tc;
	tc->tc_cb.sc_next = op->o_callback;
	op->o_callback = &tc->tc_cb;
	if ( op->o_tag == LDAP_REQ_MODRDN ) {
		truststore_new_ndn( op, &tc->tc_gate_ndn );
		tc->tc_gate.tg_subtree = 1;
	}
	truststore_gate_enter( op, ti, &tc->tc_gate, &op->o_req_ndn,
		BER_BVISNULL( &tc->tc_gate_ndn ) ? NULL : &tc->tc_gate_ndn );
	return tc;
}

static int
truststore_refuse( Operation *op, SlapReply *rs, int code, const char *text )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;

	Debug( LDAP_DEBUG_STATS, "%s truststore: refused \"%s\": %s\n",
		op->o_log_prefix, op->o_req_dn.bv_val, text );
	op->o_bd->bd_info = (BackendInfo *)on->on_info;
	send_ldap_error( op, rs, code, text );
	/* text lives on our stack: nobody may look at it after we return */
	rs->sr_text = NULL;
	return rs->sr_err;
}

/* ---- certificate input -------------------------------------------------- */

/* Does a PEM text value contain the given line start? */
static int
truststore_has_label( struct berval *bv, const char *label )
{
	size_t len = strlen( label ), i;

	for ( i = 0; i + len <= bv->bv_len; i++ ) {
		if ( bv->bv_val[i] == '-' &&
			memcmp( bv->bv_val + i, label, len ) == 0 )
			return 1;
	}
	return 0;
}

/*
 * tsCertificatePEM values -> the one DER certificate they hold, in
 * o_tmpmemctx memory.  Anything but exactly one certificate is refused,
 * naming what was found.
 */
static int
truststore_pem_to_der( Operation *op, BerVarray pem, struct berval *der,
	char *msg, size_t msglen )
{
	struct ts_blob *certs = NULL;
	size_t ncerts = 0, total = 0;
	enum ts_kind found;
	char why[256];
	int i, rc = LDAP_SUCCESS;

	BER_BVZERO( der );
	for ( i = 0; pem != NULL && !BER_BVISNULL( &pem[i] ); i++ ) {
		/*
		 * The library unpacks PKCS#7 for the client's imports; an
		 * entry takes the certificate itself, so say what was given.
		 */
		if ( ts_identify( pem[i].bv_val, pem[i].bv_len ) ==
				TS_KIND_PKCS7 ||
			truststore_has_label( &pem[i], "-----BEGIN PKCS7" ) ) {
			snprintf( msg, msglen, TS_PREFIX "tsCertificatePEM "
				"holds %s, not a certificate",
				ts_kind_name( TS_KIND_PKCS7 ) );
			rc = LDAP_INVALID_SYNTAX;
			goto done;
		}
		why[0] = '\0';
		if ( ts_decode_certs( pem[i].bv_val, pem[i].bv_len, &certs,
				&ncerts, &found, why, sizeof( why ) ) != 0 ) {
			snprintf( msg, msglen, TS_PREFIX "tsCertificatePEM: %s",
				why[0] ? why : "no certificate found" );
			rc = LDAP_INVALID_SYNTAX;
			goto done;
		}
		total += ncerts;
		if ( ncerts == 1 && BER_BVISNULL( der ) ) {
			der->bv_len = certs[0].len;
			der->bv_val = op->o_tmpalloc( der->bv_len + 1,
				op->o_tmpmemctx );
			memcpy( der->bv_val, certs[0].data, der->bv_len );
			der->bv_val[der->bv_len] = '\0';
		}
		ts_blobs_free( certs, ncerts );
		certs = NULL;
	}
	if ( total == 0 ) {
		snprintf( msg, msglen,
			TS_PREFIX "tsCertificatePEM: no certificate found" );
		rc = LDAP_INVALID_SYNTAX;
	} else if ( total > 1 ) {
		snprintf( msg, msglen, TS_PREFIX "tsCertificatePEM holds %lu "
			"certificates; an entry holds exactly one",
			(unsigned long)total );
		rc = LDAP_OBJECT_CLASS_VIOLATION;
	}

done:
	if ( rc != LDAP_SUCCESS )
		truststore_tmpfree_bv( op, der );
	return rc;
}

/*
 * A DER value converted from PEM never met the frontend's syntax check
 * and normalisation: do both once the library has accepted it, so its
 * messages (trailing bytes, ...) come first.
 */
static int
truststore_der_normalize( BerVarray vals, BerVarray *nvals )
{
	Syntax *syn = ts_ad_cert->ad_type->sat_syntax;
	int i;

	for ( i = 0; !BER_BVISNULL( &vals[i] ); i++ ) {
		if ( syn->ssyn_validate( syn, &vals[i] ) != LDAP_SUCCESS )
			return LDAP_INVALID_SYNTAX;
	}
	return attr_normalize( ts_ad_cert, vals, nvals, NULL ) ==
		LDAP_SUCCESS ? LDAP_SUCCESS : LDAP_INVALID_SYNTAX;
}

#define TS_MSG_PEM_SYNTAX	TS_PREFIX "tsCertificatePEM: not a valid " \
	"Certificate per slapd's syntax check"

/* ---- validation --------------------------------------------------------- */

typedef struct truststore_dup {
	struct berval	*td_self;	/* the entry being written */
	struct berval	td_found;	/* first other entry, tmp memory */
} truststore_dup;

static int
truststore_dup_response( Operation *op, SlapReply *rs )
{
	truststore_dup *td = op->o_callback->sc_private;

	if ( rs->sr_type == REP_SEARCH && BER_BVISNULL( &td->td_found ) &&
		( td->td_self == NULL ||
			!dn_match( &rs->sr_entry->e_nname, td->td_self ) ) )
		ber_dupbv_x( &td->td_found, &rs->sr_entry->e_name,
			op->o_tmpmemctx );
	return 0;
}

/*
 * The DN of the first entry below base (scope) matching f, other than
 * self, searched as the rootdn on the database below the overlay.
 * found is tmp memory, or null when there is none.
 */
static int
truststore_find_first( Operation *op, struct berval *base, int scope,
	Filter *f, struct berval *fstr, struct berval *self,
	struct berval *found )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Operation nop = *op;
	SlapReply nrs = { REP_RESULT };
	slap_callback cb = { 0 };
	truststore_dup td = { 0 };
	int rc;

	td.td_self = self;
	cb.sc_response = truststore_dup_response;
	cb.sc_private = &td;
	nop.o_callback = &cb;
	nop.o_tag = LDAP_REQ_SEARCH;
	nop.ors_filter = f;
	nop.ors_filterstr = *fstr;
	nop.ors_scope = scope;
	nop.ors_deref = LDAP_DEREF_NEVER;
	nop.ors_limit = NULL;
	/* without an entry to skip, the first one answers */
	nop.ors_slimit = self == NULL ? 1 : SLAP_NO_LIMIT;
	nop.ors_tlimit = SLAP_NO_LIMIT;
	nop.ors_attrs = slap_anlist_no_attrs;
	nop.ors_attrsonly = 1;
	/* referral objects are entries like any other here */
	nop.o_managedsait = SLAP_CONTROL_CRITICAL;
	nop.o_dn = op->o_bd->be_rootdn;
	nop.o_ndn = op->o_bd->be_rootndn;
	nop.o_bd = on->on_info->oi_origdb;
	nop.o_req_dn = *base;
	nop.o_req_ndn = *base;
	rc = nop.o_bd->be_search( &nop, &nrs );
	if ( rc == LDAP_NO_SUCH_OBJECT ||
		( rc == LDAP_SIZELIMIT_EXCEEDED && self == NULL ) )
		rc = LDAP_SUCCESS;
	*found = td.td_found;
	return rc;
}

/*
 * Another entry under a base with the same certificate?  An equality
 * search on tsFingerprintSHA256: what the lookup index answers, asked
 * only when the index is off (cheap with an LDAP eq index, a scan
 * without).
 */
static int
truststore_find_duplicate( Operation *op, truststore_info *ti,
	struct ts_cert *cert, struct berval *self, struct berval *found )
{
	AttributeDescription *ad = ts_ad_decoration[TS_AT_FP_SHA256];
	BerVarray bases = ti->ti_bases ? ti->ti_bases : op->o_bd->be_nsuffix;
	Filter f = { 0 };
	AttributeAssertion ava = ATTRIBUTEASSERTION_INIT;
	struct berval fstr;
	char fbuf[128];
	int i, rc = LDAP_SUCCESS;

	BER_BVZERO( found );
	/*
	 * Built by hand, not parsed: lowercase hex is already what
	 * caseIgnoreIA5Match normalizes to, so the index key matches.
	 */
	ava.aa_desc = ad;
	ber_str2bv( ts_cert_sha256_hex( cert ), 0, 0, &ava.aa_value );
	f.f_choice = LDAP_FILTER_EQUALITY;
	f.f_ava = &ava;
	snprintf( fbuf, sizeof( fbuf ), "(%s=%s)", ad->ad_cname.bv_val,
		ava.aa_value.bv_val );
	ber_str2bv( fbuf, 0, 0, &fstr );

	for ( i = 0; bases != NULL && !BER_BVISNULL( &bases[i] ) &&
			rc == LDAP_SUCCESS && BER_BVISNULL( found ); i++ ) {
		rc = truststore_find_first( op, &bases[i], LDAP_SCOPE_SUBTREE,
			&f, &fstr, self, found );
	}
	return rc;
}

/*
 * The first certificate entry below dn (not dn itself), if any: a
 * container holding certificates must not carry them into or out of
 * the store, nor past the checks, by a rename.
 */
static int
truststore_find_cert_below( Operation *op, struct berval *ndn,
	struct berval *found )
{
	Filter *f;
	struct berval fstr;
	char fbuf[128];
	int rc;

	BER_BVZERO( found );
	/* parsed, so that the value is normalized as a client's would be */
	snprintf( fbuf, sizeof( fbuf ), "(objectClass=%s)",
		ts_oc_cert->soc_cname.bv_val );
	ber_str2bv( fbuf, 0, 0, &fstr );
	f = str2filter_x( op, fbuf );
	if ( f == NULL )
		return LDAP_OTHER;
	rc = truststore_find_first( op, ndn, LDAP_SCOPE_SUBORDINATE, f,
		&fstr, NULL, found );
	filter_free_x( op, f, 1 );
	return rc;
}

/*
 * Whether the client may read the entry ndn: the check runs before the
 * backend's access control, so a writer without any access to the store
 * would otherwise learn its aliases from our refusals.
 */
static int
truststore_may_read( Operation *op, struct berval *dn )
{
	struct berval ndn;
	int ok;

	if ( be_isroot( op ) )
		return 1;
	/* found is the entry's own name, as it was written */
	if ( dnNormalize( 0, NULL, NULL, dn, &ndn, op->o_tmpmemctx ) !=
			LDAP_SUCCESS )
		return 0;
	/* an add still in flight: nothing to read yet, so nothing to tell */
	ok = truststore_entry_allowed( op, &ndn, ACL_READ );
	op->o_tmpfree( ndn.bv_val, op->o_tmpmemctx );
	return ok;
}

/* ---- access control ----------------------------------------------------- */

/*
 * The checks of this file run before the backend's access control, and
 * most of their refusals depend on what is stored (whether the target is
 * a certificate entry, whether certificates are below it, whether one is
 * stored elsewhere) or cost a parse.  A client the ACLs refuse would
 * learn from them what it may not read, and make slapd parse whatever it
 * sent.  So a client write is first tested as back-mdb tests it, and one
 * back-mdb would refuse gets back-mdb's answer in back-mdb's order
 * (entryAlreadyExists, noSuchObject, assertionFailed before
 * insufficientAccess), never one of ours.  The backend tests again; a
 * client allowed here gets the precise refusals.  Replicated writes never
 * come here (the provider checked them); the rootdn, as which the
 * internal writes of other overlays run, is allowed by access_allowed()
 * itself, and tested first to save the look-ups.  Refusals that depend
 * only on the request and cost nothing (the alias rules of an add, the
 * attributes slapd's frontend refuses too) stay before, as slapd's own
 * schema check comes before its access control.
 */

/* Refuse as the backend would: its code and words, nothing of ours. */
static int
truststore_deny( Operation *op, SlapReply *rs, int code, const char *text,
	struct berval *matched )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;

	Debug( LDAP_DEBUG_STATS, "%s truststore: refused \"%s\" before its "
		"checks, as the backend would: %s (%d)\n", op->o_log_prefix,
		op->o_req_dn.bv_val, ldap_err2string( code ), code );
	op->o_bd->bd_info = (BackendInfo *)on->on_info;
	if ( matched != NULL && !BER_BVISNULL( matched ) )
		rs->sr_matched = matched->bv_val;
	send_ldap_error( op, rs, code, text );
	rs->sr_matched = NULL;
	rs->sr_text = NULL;
	if ( matched != NULL )
		truststore_tmpfree_bv( op, matched );
	return rs->sr_err;
}

static int
truststore_exists( Operation *op, struct berval *ndn )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Entry *e = NULL;

	if ( overlay_entry_get_ov( op, ndn, NULL, NULL, 0, &e, on ) !=
			LDAP_SUCCESS || e == NULL )
		return 0;
	overlay_entry_release_ov( op, e, 0, on );
	return 1;
}

/*
 * noSuchObject for an add below no entry, matched naming the nearest
 * entry above, as back-mdb answers it (before any access check).
 */
static int
truststore_deny_nosuch( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval dn = op->o_req_ndn, pdn, matched = BER_BVNULL;
	Entry *e = NULL;

	for ( ;; ) {
		dnParent( &dn, &pdn );
		dn = pdn;
		if ( BER_BVISEMPTY( &dn ) ||
			!dnIsSuffix( &dn, &op->o_bd->be_nsuffix[0] ) )
			break;
		if ( overlay_entry_get_ov( op, &dn, NULL, NULL, 0, &e,
				on ) == LDAP_SUCCESS && e != NULL ) {
			ber_dupbv_x( &matched, &e->e_name, op->o_tmpmemctx );
			overlay_entry_release_ov( op, e, 0, on );
			break;
		}
	}
	return truststore_deny( op, rs, LDAP_NO_SUCH_OBJECT, NULL, &matched );
}

/*
 * An add: add access to the parent's children, to the entry, and to its
 * attributes where add content ACLs are on.  The entry is tested as sent,
 * before the decorations: an access rule selecting entries by them
 * (filter=) applies at the backend only.
 */
static int
truststore_acl_add( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval pndn;
	Entry *p = NULL;
	const char *text = NULL;
	int parent = 0;

	if ( be_isroot( op ) )
		return LDAP_SUCCESS;
	dnParent( &op->o_req_ndn, &pndn );
	if ( overlay_entry_get_ov( op, &pndn, NULL, NULL, 0, &p, on ) ==
			LDAP_SUCCESS && p != NULL ) {
		parent = 1;
		if ( !access_allowed( op, p, slap_schema.si_ad_children, NULL,
				ACL_WADD, NULL ) )
			text = "no write access to parent";
		overlay_entry_release_ov( op, p, 0, on );
	}
	if ( text == NULL && !access_allowed( op, op->ora_e,
			slap_schema.si_ad_entry, NULL, ACL_WADD, NULL ) )
		text = "no write access to entry";
	if ( text == NULL &&
		!acl_check_modlist( op, op->ora_e, op->ora_modlist ) )
		text = "no write access to attribute";
	/*
	 * tsCertificatePEM is stored as userCertificate;binary: where add
	 * content ACLs are on, a client the rules keep from adding the
	 * certificate attribute must not add it as PEM (a modify is tested
	 * so too: truststore_acl_modify).  The backend tests the request's
	 * attributes only, and never sees the PEM's.
	 */
	if ( text == NULL && SLAP_DBACL_ADD( op->o_bd ) &&
		attr_find( op->ora_e->e_attrs, ts_ad_pem ) != NULL &&
		!access_allowed( op, op->ora_e, ts_ad_cert, NULL, ACL_WADD,
			NULL ) )
		text = "no write access to attribute";
	if ( text == NULL )
		return LDAP_SUCCESS;

	/* back-mdb looks for the name and the parent before the ACLs */
	if ( truststore_exists( op, &op->o_req_ndn ) )
		return truststore_deny( op, rs, LDAP_ALREADY_EXISTS, NULL,
			NULL );
	if ( !parent )
		return truststore_deny_nosuch( op, rs );
	return truststore_deny( op, rs, LDAP_INSUFFICIENT_ACCESS, text, NULL );
}

/*
 * A modify of e: write access to each change, as acl_check_modlist()
 * tests it; a tsCertificatePEM change is tested as the change of the
 * certificate it becomes.  back-mdb tests the assertion first.  The code
 * to refuse with (the caller sends it once e is released), or success.
 */
static int
truststore_acl_modify( Operation *op, Entry *e )
{
	Modifications *ml, one;
	int ok = 1;

	if ( be_isroot( op ) )
		return LDAP_SUCCESS;
	for ( ml = op->orm_modlist; ok && ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc == ts_ad_pem ) {
			if ( !( ml->sml_flags & SLAP_MOD_INTERNAL ) )
				ok = access_allowed( op, e, ts_ad_cert, NULL,
					ml->sml_op == LDAP_MOD_ADD ?
						ACL_WADD : ACL_WRITE, NULL );
			continue;
		}
		one = *ml;
		one.sml_next = NULL;
		ok = acl_check_modlist( op, e, &one );
	}
	if ( ok )
		return LDAP_SUCCESS;
	if ( get_assert( op ) && test_filter( op, e,
			get_assertion( op ) ) != LDAP_COMPARE_TRUE )
		return LDAP_ASSERTION_FAILED;
	return LDAP_INSUFFICIENT_ACCESS;
}

/*
 * Write access to the children of the target's parent, which back-mdb
 * tests first on a delete or a rename (before the assertion): access
 * is ACL_WDEL, or ACL_WRITE for a rename that stays below it.
 */
static int
truststore_acl_parent( Operation *op, slap_access_t access,
	const char **text )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval pndn;
	Entry *p = NULL;
	int ok = 1;

	if ( be_isroot( op ) )
		return LDAP_SUCCESS;
	dnParent( &op->o_req_ndn, &pndn );
	if ( overlay_entry_get_ov( op, &pndn, NULL, NULL, 0, &p, on ) ==
			LDAP_SUCCESS && p != NULL ) {
		ok = access_allowed( op, p, slap_schema.si_ad_children, NULL,
			access, NULL );
		overlay_entry_release_ov( op, p, 0, on );
	}
	if ( ok )
		return LDAP_SUCCESS;
	*text = op->o_tag == LDAP_REQ_DELETE ? "no write access to parent" :
		"no write access to parent's children";
	return LDAP_INSUFFICIENT_ACCESS;
}

#define TS_RENAME_PARENT_ACCESS( op ) \
	( ( op )->orr_nnewSup == NULL ? ACL_WRITE : ACL_WDEL )

/*
 * A rename of e, in back-mdb's order: the old parent's children, the
 * assertion, write access to the entry, add access to the new parent's
 * children, then (the new name free) the changes of the RDN's values on
 * the renamed entry.  The code to refuse with and its text (the caller
 * sends them once e is released), or success.
 */
static int
truststore_acl_modrdn( Operation *op, Entry *e, const char **text )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval pndn, newndn = BER_BVNULL;
	Entry *p = NULL, renamed;
	int rc;

	*text = NULL;
	if ( be_isroot( op ) )
		return LDAP_SUCCESS;
	rc = truststore_acl_parent( op, TS_RENAME_PARENT_ACCESS( op ), text );
	if ( rc != LDAP_SUCCESS )
		return rc;
	if ( get_assert( op ) && test_filter( op, e,
			get_assertion( op ) ) != LDAP_COMPARE_TRUE )
		return LDAP_ASSERTION_FAILED;
	if ( !access_allowed( op, e, slap_schema.si_ad_entry, NULL, ACL_WRITE,
			NULL ) ) {
		*text = "no write access to old entry";
		return LDAP_INSUFFICIENT_ACCESS;
	}
	dnParent( &op->o_req_ndn, &pndn );
	if ( op->orr_nnewSup != NULL && !BER_BVISEMPTY( op->orr_nnewSup ) &&
		!dn_match( op->orr_nnewSup, &pndn ) ) {
		if ( overlay_entry_get_ov( op, op->orr_nnewSup, NULL, NULL, 0,
				&p, on ) != LDAP_SUCCESS || p == NULL ) {
			*text = "new superior not found";
			return LDAP_NO_SUCH_OBJECT;
		}
		if ( !access_allowed( op, p, slap_schema.si_ad_children, NULL,
				ACL_WADD, NULL ) ) {
			*text = "no write access to new superior's children";
			rc = LDAP_INSUFFICIENT_ACCESS;
		}
		overlay_entry_release_ov( op, p, 0, on );
		if ( rc != LDAP_SUCCESS )
			return rc;
	}
	if ( op->orr_modlist == NULL )
		return LDAP_SUCCESS;
	truststore_new_ndn( op, &newndn );
	renamed = *e;
	renamed.e_name = newndn;
	renamed.e_nname = newndn;
	if ( !acl_check_modlist( op, &renamed, op->orr_modlist ) )
		rc = !dn_match( &newndn, &op->o_req_ndn ) &&
			truststore_exists( op, &newndn ) ?
			LDAP_ALREADY_EXISTS : LDAP_INSUFFICIENT_ACCESS;
	if ( newndn.bv_val != op->o_req_ndn.bv_val )
		op->o_tmpfree( newndn.bv_val, op->o_tmpmemctx );
	return rc;
}

/*
 * The refusal of a duplicate: the message names the alias and DN of the
 * entry holding the certificate (found, freed here), to a client that
 * may read that entry.  A client the backend would refuse never gets
 * here (truststore_acl_add, truststore_acl_modify).
 */
static int
truststore_refuse_dup( Operation *op, struct berval *found, const char *how,
	char *msg, size_t msglen )
{
	struct berval alias;

	if ( !truststore_may_read( op, found ) ) {
		snprintf( msg, msglen, TS_PREFIX "certificate %s under another "
			"alias", how );
		truststore_tmpfree_bv( op, found );
		return LDAP_CONSTRAINT_VIOLATION;
	}
	truststore_alias( op, found, &alias );
	snprintf( msg, msglen, TS_PREFIX "certificate %s under alias \"%s\" "
		"(%s)", how, alias.bv_val ? alias.bv_val : "", found->bv_val );
	truststore_tmpfree_bv( op, &alias );
	truststore_tmpfree_bv( op, found );
	return LDAP_CONSTRAINT_VIOLATION;
}

/*
 * The setting behind a policy refusal, named in the message so that an
 * administrator reading it knows where the rule is (and that it is one).
 */
static const char *
truststore_policy_setting( enum ts_reason why )
{
	switch ( why ) {
	case TS_ERR_TOO_LARGE:		return "olcTrustStoreMaxSize";
	case TS_ERR_EXPIRED:		return "olcTrustStoreRefuseExpired";
	case TS_ERR_NOT_YET_VALID:	return "olcTrustStoreRefuseNotYetValid";
	case TS_ERR_WEAK_KEY:		return "olcTrustStoreMinRSABits";
	case TS_ERR_WEAK_SIGNATURE:	return "olcTrustStoreRefuseWeakSignature";
	case TS_ERR_NOT_CA:		return "olcTrustStoreRequireCA";
	default:			return NULL;
	}
}

/*
 * Parse and judge one DER certificate.  Returns LDAP_SUCCESS with the
 * parsed certificate in *certp (the thread's handle), or the result code
 * to refuse with and a message in msg.
 */
static int
truststore_check( Operation *op, truststore_info *ti, struct berval *der,
	struct berval *self, truststore_gate *gate, struct ts_cert **certp,
	char *msg, size_t msglen )
{
	struct ts_policy policy = ti->ti_policy;
	struct ts_cert *cert;
	enum ts_reason why;
	struct berval found;
	const char *setting;
	char text[256];
	int rc;

	*certp = NULL;
	/* judge the size before parsing: a huge value costs nothing then */
	if ( policy.max_size > 0 && der->bv_len > policy.max_size ) {
		snprintf( msg, msglen, TS_PREFIX "certificate is %lu bytes, "
			"more than the %lu allowed (policy: "
			"olcTrustStoreMaxSize)",
			(unsigned long)der->bv_len,
			(unsigned long)policy.max_size );
		return LDAP_CONSTRAINT_VIOLATION;
	}

	cert = truststore_thread_cert( op );
	if ( cert == NULL ) {
		snprintf( msg, msglen, TS_PREFIX "out of memory" );
		return LDAP_OTHER;
	}
	if ( ts_cert_parse( cert, der->bv_val, der->bv_len ) != 0 ) {
		snprintf( msg, msglen, TS_PREFIX "userCertificate;binary: %s",
			ts_cert_error( cert ) );
		return ts_cert_reason( cert ) == TS_ERR_MEMORY ?
			LDAP_OTHER : LDAP_INVALID_SYNTAX;
	}

	text[0] = '\0';
	if ( ts_policy_check( &policy, cert, (int64_t)slap_get_time(), &why,
			text, sizeof( text ) ) != 0 ) {
		setting = truststore_policy_setting( why );
		snprintf( msg, msglen, TS_PREFIX "%s%s%s%s",
			text[0] ? text : "refused by policy",
			setting ? " (policy: " : "", setting ? setting : "",
			setting ? ")" : "" );
		return why == TS_ERR_MEMORY ?
			LDAP_OTHER : LDAP_CONSTRAINT_VIOLATION;
	}

	if ( ti->ti_refuse_duplicates ) {
		/* claimed before the search: see truststore_gate */
		if ( truststore_claim_take( op, ti, gate,
				ts_cert_sha256_hex( cert ), &found ) != 0 ) {
			return truststore_refuse_dup( op, &found,
				"is being stored", msg, msglen );
		}
		/* the index answers unless it is off (ts_index.c) */
		if ( truststore_index_dup( op, ti, ts_cert_sha256_hex( cert ),
				self, &found ) == 0 )
			rc = LDAP_SUCCESS;
		else
			rc = truststore_find_duplicate( op, ti, cert, self,
				&found );
		if ( rc != LDAP_SUCCESS ) {
			snprintf( msg, msglen, TS_PREFIX "duplicate search "
				"failed (%d)", rc );
			return LDAP_OTHER;
		}
		if ( !BER_BVISNULL( &found ) ) {
			return truststore_refuse_dup( op, &found,
				"already stored", msg, msglen );
		}
	}

	*certp = cert;
	return LDAP_SUCCESS;
}

/*
 * Whether bv, a value of decoration idx as lib/ writes it, is already
 * what its matching rule's normalizer would return: a time as
 * YYYYmmddHHMMSSZ (generalizedTimeMatch rebuilds exactly that, through
 * sprintf: 3,000 instructions a value, callgrind), lowercase hex
 * (caseIgnoreIA5Match only folds case and spaces).  Anything else goes
 * through the normalizer.  No check is lost: lib/ writes a time only
 * once every field is in range (ts_gentime_parse), at least as strictly
 * as the normalizer's check_time_syntax: a replica accepts what we store.
 */
static int
truststore_already_normal( int idx, struct berval *bv )
{
	ber_len_t i;

	switch ( idx ) {
	case TS_AT_NOT_BEFORE:
	case TS_AT_NOT_AFTER:
		if ( bv->bv_len != STRLENOF( "YYYYmmddHHMMSSZ" ) ||
				bv->bv_val[bv->bv_len - 1] != 'Z' )
			return 0;
		for ( i = 0; i < bv->bv_len - 1; i++ )
			if ( !ASCII_DIGIT( bv->bv_val[i] ) )
				return 0;
		return 1;
	case TS_AT_FP_SHA256:
	case TS_AT_SUBJECT_HASH:
		if ( bv->bv_len == 0 )
			return 0;
		for ( i = 0; i < bv->bv_len; i++ )
			if ( !ASCII_DIGIT( bv->bv_val[i] ) &&
					( bv->bv_val[i] < 'a' || bv->bv_val[i] > 'f' ) )
				return 0;
		return 1;
	}
	return 0;
}

/*
 * The names and the serial number are stored with a normalized copy (their
 * rules ignore case).  For printable ASCII, slapd's normalizers
 * (UTF8StringNormalize for caseIgnoreMatch, IA5StringNormalize for
 * caseIgnoreIA5Match) lowercase the letters, make each run of spaces one
 * space and drop spaces at either end.  The fold below does that without
 * the normalizer's allocations and its pass over the string as UTF-8
 * (3.3k instructions an add for the three, callgrind); anything else
 * (another byte, a space at an end, a long value) goes through the
 * normalizer.  truststore_fold_check() compares the two on sample values
 * once, when the module is loaded, and turns the fold off should a slapd
 * normalize them differently, so that what is stored never depends on it.
 */
static int truststore_fold_ok;

static int
truststore_fold( struct berval *bv, char *out, size_t outlen,
	struct berval *nbv )
{
	ber_len_t i, n = 0;
	unsigned char c;

	if ( bv->bv_len == 0 || bv->bv_len >= outlen ||
		bv->bv_val[0] == ' ' || bv->bv_val[bv->bv_len - 1] == ' ' )
		return -1;
	for ( i = 0; i < bv->bv_len; i++ ) {
		c = bv->bv_val[i];
		if ( c < 0x20 || c > 0x7e )
			return -1;
		/* n > 0 here: the first byte is no space */
		if ( c == ' ' && out[n - 1] == ' ' )
			continue;
		out[n++] = c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
	}
	out[n] = '\0';
	nbv->bv_val = out;
	nbv->bv_len = n;
	return 0;
}

static int
truststore_foldable( int idx )
{
	return idx == TS_AT_SUBJECT || idx == TS_AT_ISSUER ||
		idx == TS_AT_SERIAL;
}

void
truststore_fold_check( void )
{
	static const char *const samples[] = {
		"CN=Example Root CA,O=Example\\, Inc.,C=US",
		"cn=two  spaces,OU=three   more,O=X",
		"CN=\\ lead,OU=trail\\ ,emailAddress=Ops@Example.COM",
		"0123456789ABCDEF", "-7F", "00", "a", "Z",
		"O=ABCDEFGHIJKLMNOPQRSTUVWXYZ abcdefghijklmnopqrstuvwxyz",
		"CN=#hash+OU=plus;semi<>\"quote\"=eq/slash`~!@$%^&*()_{}[]|?",
	};
	char buf[256];
	struct berval bv, fold, norm;
	size_t i;
	int idx, ok = 1;

	for ( idx = 0; idx < TS_NDECORATIONS && ok; idx++ ) {
		if ( !truststore_foldable( idx ) )
			continue;
		for ( i = 0; i < sizeof( samples ) / sizeof( samples[0] ) &&
				ok; i++ ) {
			ber_str2bv( samples[i], 0, 0, &bv );
			BER_BVZERO( &norm );
			buf[0] = '\0';	/* what the message shows if the fold declines */
			if ( truststore_fold( &bv, buf, sizeof( buf ), &fold ) ||
				attr_normalize_one( ts_ad_decoration[idx], &bv,
					&norm, NULL ) != LDAP_SUCCESS ||
				( BER_BVISNULL( &norm ) ?
					!bvmatch( &fold, &bv ) :
					!bvmatch( &fold, &norm ) ) ) {
				Debug( LDAP_DEBUG_ANY, "truststore: %s: slapd "
					"normalizes \"%s\" as \"%s\", not \"%s\": "
					"its normalizer is used for every value\n",
					ts_ad_decoration[idx]->ad_cname.bv_val,
					samples[i], BER_BVISNULL( &norm ) ?
					samples[i] : norm.bv_val, buf );
				ok = 0;
			}
			if ( !BER_BVISNULL( &norm ) )
				ch_free( norm.bv_val );
		}
	}
	truststore_fold_ok = ok;
}

/*
 * Add one decoration value.  Most of them (fingerprint, subject hash,
 * times, booleans) are already in their matching rule's normal form:
 * those share one copy for value and normalized value, so the entry (and
 * every LMDB page it lands on) carries them once, not twice.
 */
static int
truststore_merge_decoration( Operation *op, Entry *e, int idx,
	struct berval *bv )
{
	AttributeDescription *ad = ts_ad_decoration[idx];
	struct berval nbv;
	char buf[1024];
	int rc;

	if ( truststore_already_normal( idx, bv ) )
		return attr_merge_one( e, ad, bv, NULL );
	if ( truststore_fold_ok && truststore_foldable( idx ) &&
		truststore_fold( bv, buf, sizeof( buf ), &nbv ) == 0 )
		return attr_merge_one( e, ad, bv,
			bvmatch( &nbv, bv ) ? NULL : &nbv );
	rc = attr_normalize_one( ad, bv, &nbv, op->o_tmpmemctx );
	if ( rc != LDAP_SUCCESS )
		return rc;
	rc = attr_merge_one( e, ad, bv,
		BER_BVISNULL( &nbv ) || bvmatch( &nbv, bv ) ? NULL : &nbv );
	if ( !BER_BVISNULL( &nbv ) )
		op->o_tmpfree( nbv.bv_val, op->o_tmpmemctx );
	return rc;
}

static int
truststore_bvarray_same( BerVarray a, BerVarray b )
{
	for ( ; !BER_BVISNULL( a ) && !BER_BVISNULL( b ); a++, b++ )
		if ( !bvmatch( a, b ) )
			return 0;
	return BER_BVISNULL( a ) && BER_BVISNULL( b );
}

/* Add the certificate's decorations to an entry being added. */
static int
truststore_decorate_entry( Operation *op, Entry *e, struct ts_cert *cert,
	char *msg, size_t msglen )
{
	const struct ts_fact *facts;
	size_t nfacts, i;
	struct berval bv;
	int idx, hint = 0;

	if ( ts_cert_facts( cert, &facts, &nfacts ) != 0 ) {
		snprintf( msg, msglen, TS_PREFIX "%s", ts_cert_error( cert ) );
		return LDAP_OTHER;
	}
	for ( i = 0; i < nfacts; i++ ) {
		idx = truststore_fact_index( facts[i].name, &hint );
		/* empty names (no subject) have no valid Directory String */
		if ( idx < 0 || facts[i].len == 0 || !TS_STORED( idx ) )
			continue;
		bv.bv_val = (char *)facts[i].value;
		bv.bv_len = facts[i].len;
		if ( truststore_merge_decoration( op, e, idx, &bv ) !=
				LDAP_SUCCESS ) {
			Debug( LDAP_DEBUG_ANY, "%s truststore: cannot store "
				"%s: \"%s\"\n", op->o_log_prefix,
				facts[i].name, facts[i].value );
			snprintf( msg, msglen, TS_PREFIX "cannot store %s",
				facts[i].name );
			return LDAP_OTHER;
		}
	}
	return LDAP_SUCCESS;
}

/*
 * Append one internal replace per decoration to a modify, so the entry's
 * decorations are exactly those of the new certificate.  Computed
 * decorations are replaced by nothing: an entry loaded with them (slapadd
 * of an old export) loses values that would no longer match.
 */
static int
truststore_decorate_mods( Operation *op, struct ts_cert *cert,
	char *msg, size_t msglen )
{
	const struct ts_fact *facts;
	size_t nfacts, i;
	BerVarray vals[TS_NDECORATIONS] = { 0 };
	unsigned nvals[TS_NDECORATIONS] = { 0 };
	Modifications *ml, **tail;
	struct berval bv;
	int idx, hint = 0, rc = LDAP_SUCCESS;

	if ( ts_cert_facts( cert, &facts, &nfacts ) != 0 ) {
		snprintf( msg, msglen, TS_PREFIX "%s", ts_cert_error( cert ) );
		return LDAP_OTHER;
	}
	for ( i = 0; i < nfacts; i++ ) {
		idx = truststore_fact_index( facts[i].name, &hint );
		if ( idx < 0 || facts[i].len == 0 || !TS_STORED( idx ) )
			continue;
		bv.bv_val = (char *)facts[i].value;
		bv.bv_len = facts[i].len;
		value_add_one( &vals[idx], &bv );
		nvals[idx]++;
	}

	for ( tail = &op->orm_modlist; *tail != NULL; tail = &(*tail)->sml_next )
		;
	for ( idx = 0; idx < TS_NDECORATIONS; idx++ ) {
		ml = ch_calloc( 1, sizeof( Modifications ) );
		ml->sml_op = LDAP_MOD_REPLACE;
		/* ours, not the client's: ACLs and no-user-mod do not apply */
		ml->sml_flags = SLAP_MOD_INTERNAL;
		ml->sml_desc = ts_ad_decoration[idx];
		ml->sml_type = ts_ad_decoration[idx]->ad_cname;
		ml->sml_values = vals[idx];
		ml->sml_numvals = nvals[idx];
		vals[idx] = NULL;
		*tail = ml;
		tail = &ml->sml_next;
		if ( ml->sml_values != NULL &&
			attr_normalize( ml->sml_desc, ml->sml_values,
				&ml->sml_nvalues, NULL ) != LDAP_SUCCESS ) {
			snprintf( msg, msglen, TS_PREFIX "cannot store %s",
				ml->sml_desc->ad_cname.bv_val );
			rc = LDAP_OTHER;
			break;
		}
		/* stored once when already normal, as on add */
		if ( ml->sml_nvalues != NULL && truststore_bvarray_same(
				ml->sml_values, ml->sml_nvalues ) ) {
			ber_bvarray_free( ml->sml_nvalues );
			ml->sml_nvalues = NULL;
		}
	}
	for ( idx = 0; idx < TS_NDECORATIONS; idx++ )
		ber_bvarray_free( vals[idx] );
	/* a tsStatus slapadd stored would hide the computed one: it goes */
	if ( rc == LDAP_SUCCESS ) {
		ml = ch_calloc( 1, sizeof( Modifications ) );
		ml->sml_op = LDAP_MOD_REPLACE;
		ml->sml_flags = SLAP_MOD_INTERNAL;
		ml->sml_desc = ts_ad_status;
		ml->sml_type = ts_ad_status->ad_cname;
		*tail = ml;
	}
	return rc;
}

/*
 * userCertificate;binary;lang-en and the like are subtypes slapd stores
 * beside the certificate: a second, unchecked value.  Only the exact
 * descriptions may carry a certificate.
 */
static int
truststore_refuse_options( Operation *op, SlapReply *rs,
	AttributeDescription *ad )
{
	char msg[SLAP_TEXT_BUFLEN];

	if ( ( ad->ad_type != ts_ad_cert->ad_type || ad == ts_ad_cert ) &&
		( ad->ad_type != ts_ad_pem->ad_type || ad == ts_ad_pem ) )
		return LDAP_SUCCESS;
	snprintf( msg, sizeof( msg ), TS_PREFIX "%s: a tsCertificate entry "
		"holds its certificate in %s only, without other attribute "
		"options", ad->ad_cname.bv_val, ad->ad_type == ts_ad_pem->ad_type ?
		ts_ad_pem->ad_cname.bv_val : ts_ad_cert->ad_cname.bv_val );
	return truststore_refuse( op, rs, LDAP_OBJECT_CLASS_VIOLATION, msg );
}

/* Why a second cn value is refused, in every message that refuses one. */
#define TS_ONE_CN	"a certificate entry has one cn value, its alias"

/* Whether nvals (normalized cn values) hold value, an RDN's value. */
static int
truststore_vals_hold( Operation *op, BerVarray nvals, struct berval *value )
{
	return nvals != NULL && value_find_ex( slap_schema.si_ad_cn,
		SLAP_MR_VALUE_OF_ASSERTION_SYNTAX |
		SLAP_MR_ATTRIBUTE_VALUE_NORMALIZED_MATCH,
		nvals, value, op->o_tmpmemctx ) == LDAP_SUCCESS;
}

/*
 * Whether nvals (normalized cn values) hold the value of dn's first RDN,
 * compared as slapd's naming check compares them: a cn that is not the
 * RDN's value is a second one, as slapd adds the RDN's at add.
 */
static int
truststore_cn_is_alias( Operation *op, struct berval *dn, BerVarray nvals )
{
	LDAPRDN rdn = NULL;
	char *next;
	int ok;

	if ( nvals == NULL || ldap_bv2rdn_x( dn, &rdn, &next,
			LDAP_DN_FORMAT_LDAP, op->o_tmpmemctx ) != LDAP_SUCCESS )
		return 0;
	ok = truststore_vals_hold( op, nvals, &rdn[0]->la_value );
	ldap_rdnfree_x( rdn, op->o_tmpmemctx );
	return ok;
}

/*
 * A change of cn a certificate entry may take: a replace of cn by the
 * one value it holds, which consoles send when they save a whole entry,
 * and the removal of a cn subtype (cn;lang-en) slapadd brought in.  Any
 * other would give the entry a second name clients look it up by (a
 * filter on cn matches its subtypes too), never checked as an alias.
 */
static int
truststore_cn_kept( Operation *op, Modifications *ml )
{
	if ( ml->sml_desc != slap_schema.si_ad_cn )
		return ml->sml_op == LDAP_MOD_DELETE ||
			ml->sml_op == SLAP_MOD_SOFTDEL ||
			( ml->sml_op == LDAP_MOD_REPLACE &&
				ml->sml_numvals == 0 );
	if ( ml->sml_op != LDAP_MOD_REPLACE || ml->sml_numvals != 1 )
		return 0;
	return truststore_cn_is_alias( op, &op->o_req_dn, ml->sml_nvalues );
}

/*
 * A delete of cn, as slapd would answer it (see truststore_modify): the
 * alias, the RDN's value, is a naming violation; any other value is
 * slapd's to take (a second cn slapadd brought in goes, which leaves one
 * name) or to answer noSuchAttribute.  LDAP_SUCCESS: the backend decides.
 */
static int
truststore_cn_delete( Operation *op, SlapReply *rs, Modifications *ml )
{
	struct berval one[2];
	int i;

	for ( i = 0; ml->sml_nvalues != NULL &&
			!BER_BVISNULL( &ml->sml_nvalues[i] ); i++ ) {
		one[0] = ml->sml_nvalues[i];
		BER_BVZERO( &one[1] );
		if ( truststore_cn_is_alias( op, &op->o_req_dn, one ) )
			break;
	}
	if ( ml->sml_nvalues != NULL && BER_BVISNULL( &ml->sml_nvalues[i] ) )
		return LDAP_SUCCESS;
	return truststore_refuse( op, rs, LDAP_NAMING_VIOLATION,
		TS_PREFIX "naming attribute 'cn' is not present in entry: "
		TS_ONE_CN " (rename it to change its alias: ldapmodrdn -r, "
		"ldaptrust rename)" );
}

/*
 * A certificate entry is named by its alias: one cn value that follows
 * the alias rules (lib/tsalias.c), so that every certificate the store
 * holds can be named by ldaptrust and labelled in the bundle.  rdn is a
 * DN or an RDN: its first RDN is checked.  An accepted alias is copied
 * into alias (a truststore_aliasbuf) when it is not NULL: an add then
 * parses its name once, not again for its cn and its response.
 */
static int
truststore_refuse_name( Operation *op, SlapReply *rs, struct berval *rdnbv,
	truststore_aliasbuf *alias )
{
	LDAPRDN rdn = NULL;
	AttributeDescription *ad = NULL;
	const char *text;
	char *next, why[128], msg[SLAP_TEXT_BUFLEN];
	int rc = LDAP_SUCCESS;

	if ( ldap_bv2rdn_x( rdnbv, &rdn, &next, LDAP_DN_FORMAT_LDAP,
			op->o_tmpmemctx ) != LDAP_SUCCESS )
		return truststore_refuse( op, rs, LDAP_NAMING_VIOLATION,
			TS_PREFIX "the entry's name does not parse" );
	if ( rdn[1] != NULL ||
		slap_bv2ad( &rdn[0]->la_attr, &ad, &text ) != LDAP_SUCCESS ||
		ad != slap_schema.si_ad_cn ||
		( rdn[0]->la_flags & LDAP_AVA_BINARY ) ) {
		rc = truststore_refuse( op, rs, LDAP_NAMING_VIOLATION,
			TS_PREFIX "a certificate entry is named by one cn "
			"value, its alias (cn=<alias>)" );
	} else if ( ts_alias_check( rdn[0]->la_value.bv_val,
			rdn[0]->la_value.bv_len, why, sizeof( why ) ) != 0 ) {
		snprintf( msg, sizeof( msg ), TS_PREFIX "bad alias: %s", why );
		rc = truststore_refuse( op, rs, LDAP_NAMING_VIOLATION, msg );
	} else if ( alias != NULL &&
			rdn[0]->la_value.bv_len >= sizeof( alias->ab_buf ) ) {
		/* never: ts_alias_check allows TS_ALIAS_MAX characters */
		rc = truststore_refuse( op, rs, LDAP_NAMING_VIOLATION,
			TS_PREFIX "bad alias: too long" );
	} else if ( alias != NULL ) {
		AC_MEMCPY( alias->ab_buf, rdn[0]->la_value.bv_val,
			rdn[0]->la_value.bv_len );
		alias->ab_buf[rdn[0]->la_value.bv_len] = '\0';
		alias->ab_bv.bv_val = alias->ab_buf;
		alias->ab_bv.bv_len = rdn[0]->la_value.bv_len;
	}
	ldap_rdnfree_x( rdn, op->o_tmpmemctx );
	return rc;
}

/*
 * Would the modify make the entry a certificate entry, or stop it being
 * one?  Either would carry a certificate into the store unchecked, or
 * out of it while still exported; slapd allows both to the Relax control.
 */
static int
truststore_mods_class( Modifications *ml, int managed )
{
	ObjectClass *oc;
	int i, names;

	for ( ; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc != slap_schema.si_ad_objectClass )
			continue;
		names = 0;
		for ( i = 0; ml->sml_values != NULL &&
				!BER_BVISNULL( &ml->sml_values[i] ); i++ ) {
			oc = oc_bvfind( &ml->sml_values[i] );
			if ( is_object_subclass( ts_oc_cert, oc ) )
				names = 1;
		}
		switch ( ml->sml_op ) {
		case LDAP_MOD_REPLACE:
			if ( managed != names )
				return 1;
			break;
		case LDAP_MOD_DELETE:
		case SLAP_MOD_SOFTDEL:
			if ( managed && ( ml->sml_values == NULL || names ) )
				return 1;
			break;
		default:
			if ( !managed && names )
				return 1;
			break;
		}
	}
	return 0;
}

/* Would the modify make an entry a referral object? */
static int
truststore_mods_referral( Modifications *ml )
{
	int i;

	for ( ; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc != slap_schema.si_ad_objectClass ||
			ml->sml_op == LDAP_MOD_DELETE ||
			ml->sml_op == SLAP_MOD_SOFTDEL )
			continue;
		for ( i = 0; ml->sml_values != NULL &&
				!BER_BVISNULL( &ml->sml_values[i] ); i++ ) {
			if ( is_object_subclass( slap_schema.si_oc_referral,
					oc_bvfind( &ml->sml_values[i] ) ) )
				return 1;
		}
	}
	return 0;
}

/* ---- the hooks ---------------------------------------------------------- */

/*
 * A certificate entry holds no entries, certificates or containers: one
 * added or moved below it is a mistyped DN, and would keep it from being
 * renamed (see truststore_modrdn).  A certificate entry is named
 * cn=<alias>, and a base is none: only a parent pndn so named, below a
 * base, is read (a read of every add's parent, often ou=..., cost 7k
 * instructions an add).
 */
static int
truststore_parent_named_cn( Operation *op, truststore_info *ti,
	struct berval *pndn )
{
	return pndn->bv_len >= 3 && strncasecmp( pndn->bv_val, "cn=", 3 ) == 0 &&
		!truststore_is_base_or_above( op, ti, pndn );
}

static int
truststore_refuse_below_cert( Operation *op, SlapReply *rs,
	truststore_info *ti, struct berval *pndn )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Entry *p = NULL;
	int cert;

	if ( !truststore_parent_named_cn( op, ti, pndn ) ||
		overlay_entry_get_ov( op, pndn, NULL, NULL, 0, &p, on ) !=
			LDAP_SUCCESS || p == NULL )
		return LDAP_SUCCESS;	/* no parent: the backend says so */
	cert = is_entry_objectclass_or_sub( p, ts_oc_cert );
	overlay_entry_release_ov( op, p, 0, on );
	if ( !cert )
		return LDAP_SUCCESS;
	return truststore_refuse( op, rs, LDAP_UNWILLING_TO_PERFORM,
		op->o_tag == LDAP_REQ_ADD ? TS_PREFIX "a certificate entry "
		"holds no entries: add this one below the base or a "
		"container, not below a certificate" : TS_PREFIX "a "
		"certificate entry holds no entries: move this one below the "
		"base or a container, not below a certificate" );
}

int
truststore_add( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	Entry *e = op->ora_e;
	Attribute *a, *pem;
	truststore_cb *tc;
	struct ts_cert *cert;
	struct berval der, pndn;
	truststore_aliasbuf alias;
	char msg[SLAP_TEXT_BUFLEN];
	int rc;

	if ( is_entry_referral( e ) &&
		truststore_at_or_below_base( op, ti, &e->e_nname ) )
		truststore_referral_seen( ti );
	if ( !is_entry_objectclass_or_sub( e, ts_oc_cert ) ) {
		/*
		 * Stored as it is, as any entry of another class under a
		 * base: but one that holds a certificate looks stored to
		 * whoever forgot the class, and is never trusted.  Say so.
		 */
		if ( SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ||
			!truststore_in_base( op, ti, &e->e_nname ) )
			return SLAP_CB_CONTINUE;
		if ( attr_find( e->e_attrs, ts_ad_cert ) != NULL )
			Debug( LDAP_DEBUG_ANY, "%s truststore: \"%s\" holds "
				"userCertificate;binary but is not of class "
				"tsCertificate: neither checked nor exported\n",
				op->o_log_prefix, e->e_name.bv_val );
		/* nor a container below a certificate (the ACLs first) */
		dnParent( &e->e_nname, &pndn );
		if ( truststore_parent_named_cn( op, ti, &pndn ) &&
			( truststore_acl_add( op, rs ) != LDAP_SUCCESS ||
			truststore_refuse_below_cert( op, rs, ti, &pndn ) !=
				LDAP_SUCCESS ) )
			return rs->sr_err;
		return SLAP_CB_CONTINUE;
	}
	if ( !truststore_in_base( op, ti, &e->e_nname ) ) {
		/* not ours, but a container moving in may carry it: the gate */
		truststore_cb_push( op, ti );
		return SLAP_CB_CONTINUE;
	}

	/* a replica: the provider checked and decorated everything */
	if ( SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ) {
		truststore_order_watch( op, ti );
		tc = truststore_cb_push( op, ti );
		tc->tc_track = 1;

		/* an alias imported elsewhere at once: see ts_repl.c */
		truststore_repl_add( op, &tc->tc_old_der );
		if ( tc->tc_old_der.bv_val != NULL )
			truststore_alias( op, &e->e_name, &tc->tc_old_alias );
		return SLAP_CB_CONTINUE;
	}

	if ( truststore_refuse_name( op, rs, &e->e_name, &alias ) !=
			LDAP_SUCCESS )
		return rs->sr_err;
	/* no cn at all is fine: slapd adds the RDN's value */
	if ( ( a = attr_find( e->e_attrs, slap_schema.si_ad_cn ) ) != NULL &&
		( a->a_numvals > 1 ||
			!truststore_vals_hold( op, a->a_nvals, &alias.ab_bv ) ) )
		return truststore_refuse( op, rs, LDAP_CONSTRAINT_VIOLATION,
			TS_PREFIX TS_ONE_CN );

	/* slapd refuses these itself unless an updatedn disables that */
	for ( a = e->e_attrs; a != NULL; a = a->a_next ) {
		if ( truststore_refuse_options( op, rs, a->a_desc ) !=
				LDAP_SUCCESS )
			return rs->sr_err;
		if ( a->a_desc != slap_schema.si_ad_cn &&
			is_ad_subtype( a->a_desc, slap_schema.si_ad_cn ) ) {
			snprintf( msg, sizeof( msg ), TS_PREFIX "%s: " TS_ONE_CN,
				a->a_desc->ad_cname.bv_val );
			return truststore_refuse( op, rs,
				LDAP_CONSTRAINT_VIOLATION, msg );
		}
		if ( truststore_is_decoration( a->a_desc ) ) {
			snprintf( msg, sizeof( msg ), "%s: no user modification "
				"allowed (set by the trust store)",
				a->a_desc->ad_cname.bv_val );
			return truststore_refuse( op, rs,
				LDAP_CONSTRAINT_VIOLATION, msg );
		}
	}

	/* what follows parses, and looks at what is stored */
	if ( truststore_acl_add( op, rs ) != LDAP_SUCCESS )
		return rs->sr_err;
	dnParent( &e->e_nname, &pndn );
	if ( truststore_refuse_below_cert( op, rs, ti, &pndn ) !=
			LDAP_SUCCESS )
		return rs->sr_err;

	a = attr_find( e->e_attrs, ts_ad_cert );
	pem = attr_find( e->e_attrs, ts_ad_pem );
	if ( pem != NULL ) {
		if ( a != NULL ) {
			return truststore_refuse( op, rs,
				LDAP_OBJECT_CLASS_VIOLATION, TS_PREFIX
				"both userCertificate;binary and "
				"tsCertificatePEM given; an entry holds "
				"exactly one certificate" );
		}
		rc = truststore_pem_to_der( op, pem->a_vals, &der, msg,
			sizeof( msg ) );
		if ( rc != LDAP_SUCCESS )
			return truststore_refuse( op, rs, rc, msg );
	} else if ( a == NULL || a->a_numvals != 1 ) {
		snprintf( msg, sizeof( msg ), TS_PREFIX "a tsCertificate entry "
			"holds exactly one userCertificate;binary value "
			"(found %u)", a ? a->a_numvals : 0 );
		return truststore_refuse( op, rs, LDAP_OBJECT_CLASS_VIOLATION,
			msg );
	} else {
		der = a->a_vals[0];
	}

	/* from here on every refusal releases the claim through tc */
	tc = truststore_cb_push( op, ti );
	tc->tc_track = 1;
	/* the add keeps its name: the response reports this alias */
	ber_dupbv_x( &tc->tc_new_alias, &alias.ab_bv, op->o_tmpmemctx );
	/*
	 * The entry's own name is not a duplicate: an add of a name that is
	 * taken gets entryAlreadyExists from the backend, as everywhere.
	 */
	rc = truststore_check( op, ti, &der, &op->o_req_ndn, &tc->tc_gate,
		&cert, msg, sizeof( msg ) );
	if ( rc == LDAP_SUCCESS && pem != NULL ) {
		/* the PEM is input only: the DER value replaces it */
		BerVarray vals = NULL, nvals = NULL;

		value_add_one( &vals, &der );
		if ( truststore_der_normalize( vals, &nvals ) == LDAP_SUCCESS ) {
			attr_merge( e, ts_ad_cert, vals, nvals );
			attr_delete( &e->e_attrs, ts_ad_pem );
		} else {
			snprintf( msg, sizeof( msg ), TS_MSG_PEM_SYNTAX );
			rc = LDAP_INVALID_SYNTAX;
		}
		ber_bvarray_free( vals );
		ber_bvarray_free( nvals );
	}
	if ( pem != NULL )
		truststore_tmpfree_bv( op, &der );
	if ( rc != LDAP_SUCCESS )
		return truststore_refuse( op, rs, rc, msg );

	rc = truststore_decorate_entry( op, e, cert, msg, sizeof( msg ) );
	if ( rc != LDAP_SUCCESS )
		return truststore_refuse( op, rs, rc, msg );
	if ( truststore_assert_add( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;

	Debug( LDAP_DEBUG_TRACE, "%s truststore: decorated \"%s\"\n",
		op->o_log_prefix, e->e_name.bv_val );
	return SLAP_CB_CONTINUE;
}

/* Remove the value at index i from an array of n values. */
static void
truststore_vals_remove( BerVarray vals, int *n, int i )
{
	for ( ; i < *n; i++ )
		vals[i] = vals[i + 1];
	( *n )--;
}

static int
truststore_vals_count( BerVarray vals )
{
	int n = 0;

	while ( vals != NULL && !BER_BVISNULL( &vals[n] ) )
		n++;
	return n;
}

/* tsCertificatePEM in a modify: the same change to the DER value */
static int
truststore_mod_pem( Operation *op, SlapReply *rs, Modifications *ml )
{
	BerVarray newvals = NULL;
	struct berval der;
	char msg[SLAP_TEXT_BUFLEN];
	int rc;

	if ( ml->sml_values == NULL || ml->sml_op == LDAP_MOD_DELETE ||
		ml->sml_op == SLAP_MOD_SOFTDEL ) {
		return truststore_refuse( op, rs, LDAP_UNWILLING_TO_PERFORM,
			TS_PREFIX "tsCertificatePEM is not stored; delete "
			"or replace userCertificate;binary" );
	}
	rc = truststore_pem_to_der( op, ml->sml_values, &der, msg,
		sizeof( msg ) );
	if ( rc != LDAP_SUCCESS )
		return truststore_refuse( op, rs, rc, msg );
	value_add_one( &newvals, &der );
	truststore_tmpfree_bv( op, &der );
	ber_bvarray_free( ml->sml_values );
	if ( ml->sml_nvalues != NULL )
		ber_bvarray_free( ml->sml_nvalues );
	ml->sml_values = newvals;
	ml->sml_nvalues = NULL;
	ml->sml_numvals = 1;
	ml->sml_desc = ts_ad_cert;
	ml->sml_type = ts_ad_cert->ad_cname;
	/* no sml_nvalues yet marks it for truststore_der_normalize() */
	return LDAP_SUCCESS;
}

/* Whether a modify writes the certificate (as DER or as PEM). */
static int
truststore_mods_write_cert( Modifications *ml )
{
	for ( ; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc == ts_ad_cert || ml->sml_desc == ts_ad_pem )
			return 1;
	}
	return 0;
}

/*
 * Play a modify's changes to userCertificate;binary on certs[0..*n) to
 * learn the values the entry will have.  certs[] must have room for the
 * old values plus every value the mods carry.
 */
static int
truststore_mods_certs( Modifications *ml, BerVarray certs, int *n,
	int *missing )
{
	int i, j, touched = 0;

	*missing = 0;

	for ( ; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc != ts_ad_cert )
			continue;
		touched = 1;
		switch ( ml->sml_op ) {
		case LDAP_MOD_REPLACE:
			*n = 0;
			/* fall through */
		case LDAP_MOD_ADD:
		case SLAP_MOD_SOFTADD:
		case SLAP_MOD_ADD_IF_NOT_PRESENT:
			for ( i = 0; ml->sml_values != NULL &&
					!BER_BVISNULL( &ml->sml_values[i] ); i++ ) {
				for ( j = 0; j < *n; j++ ) {
					if ( bvmatch( &certs[j],
							&ml->sml_values[i] ) )
						break;
				}
				if ( j == *n )
					certs[( *n )++] = ml->sml_values[i];
			}
			break;
		case LDAP_MOD_DELETE:
		case SLAP_MOD_SOFTDEL:
			if ( ml->sml_values == NULL ) {
				*n = 0;
				break;
			}
			for ( i = 0; !BER_BVISNULL( &ml->sml_values[i] ); i++ ) {
				int found = 0;

				for ( j = 0; j < *n; j++ ) {
					if ( bvmatch( &certs[j],
							&ml->sml_values[i] ) ) {
						truststore_vals_remove( certs,
							n, j );
						found = 1;
						break;
					}
				}
				/* slapd's answer comes first: see the caller */
				if ( !found && ml->sml_op == LDAP_MOD_DELETE )
					*missing = 1;
			}
			break;
		}
	}
	BER_BVZERO( &certs[*n] );
	return touched;
}

/* A replicated modify pointed at an entry's new name, until it ends. */
typedef struct truststore_follow {
	slap_callback	tf_cb;
	struct berval	tf_dn, tf_ndn;	/* the names it came with */
} truststore_follow;

static int
truststore_follow_cleanup( Operation *op, SlapReply *rs )
{
	truststore_follow *tf = op->o_callback->sc_private;

	op->o_callback = tf->tf_cb.sc_next;
	op->o_tmpfree( op->o_req_dn.bv_val, op->o_tmpmemctx );
	op->o_tmpfree( op->o_req_ndn.bv_val, op->o_tmpmemctx );
	op->o_req_dn = tf->tf_dn;
	op->o_req_ndn = tf->tf_ndn;
	op->o_tmpfree( tf, op->o_tmpmemctx );
	return SLAP_CB_CONTINUE;
}

/*
 * A replicated modify found no entry: renamed here meanwhile?  Then it
 * goes to the new name (ts_repl.c), once.
 */
static int
truststore_follow_rename( Operation *op, truststore_info *ti )
{
	truststore_follow *tf;
	struct berval dn, ndn;

	if ( op->o_callback != NULL &&
		op->o_callback->sc_cleanup == truststore_follow_cleanup )
		return 0;	/* followed already */
	if ( !truststore_repl_follow( op, ti, &dn, &ndn ) )
		return 0;
	Debug( LDAP_DEBUG_SYNC, "%s truststore: replicated modify of %s, "
		"renamed here meanwhile: applied to %s\n", op->o_log_prefix,
		op->o_req_dn.bv_val, ndn.bv_val );
	tf = op->o_tmpcalloc( 1, sizeof( *tf ), op->o_tmpmemctx );
	tf->tf_dn = op->o_req_dn;
	tf->tf_ndn = op->o_req_ndn;
	tf->tf_cb.sc_cleanup = truststore_follow_cleanup;
	tf->tf_cb.sc_private = tf;
	tf->tf_cb.sc_next = op->o_callback;
	op->o_callback = &tf->tf_cb;
	op->o_req_dn = dn;
	op->o_req_ndn = ndn;
	return 1;
}

int
truststore_modify( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	int replicated = SLAPD_SYNC_IS_SYNCCONN( op->o_connid );
	Entry *e = NULL;
	Attribute *a;
	Modifications *ml;
	truststore_cb *tc;
	struct ts_cert *cert;
	BerVarray olds = NULL;	/* tmp copies of the stored values */
	BerVarray certs = NULL;	/* the values as they will be (borrowed) */
	char msg[SLAP_TEXT_BUFLEN], say[SLAP_TEXT_BUFLEN];
	int n = 0, nold = 0, max = 0, i, touched, managed, vetoed = 0;
	int missing = 0;
	int rc = SLAP_CB_CONTINUE;

	/* the Relax control lets a modify change the structural class */
	if ( truststore_mods_referral( op->orm_modlist ) &&
		truststore_at_or_below_base( op, ti, &op->o_req_ndn ) )
		truststore_referral_seen( ti );
	if ( !truststore_in_base( op, ti, &op->o_req_ndn ) )
		return SLAP_CB_CONTINUE;
	if ( replicated )
		truststore_order_watch( op, ti );
	/* before the entry is read: see truststore_gate */
	tc = truststore_cb_push( op, ti );
	/* inside the gate, so that no other write comes before ours */
	if ( truststore_assert( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;
	rc = overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e, on );
	if ( rc != LDAP_SUCCESS || e == NULL ) {
		/* a concurrent rename or delete: see ts_repl.c */
		if ( replicated && rc == LDAP_NO_SUCH_OBJECT ) {
			/* tc goes now: a rename followed takes a new gate */
			truststore_cb_cleanup( op, rs );
			if ( truststore_follow_rename( op, ti ) )
				return truststore_modify( op, rs );
			/* the names go back before the drop is answered */
			if ( op->o_callback != NULL && op->o_callback->sc_cleanup
					== truststore_follow_cleanup )
				truststore_follow_cleanup( op, rs );
			return truststore_repl_gone( op, rs );
		}
		return SLAP_CB_CONTINUE;	/* the backend says why */
	}
	/* before anything that tells what e is */
	if ( !replicated && ( rc = truststore_acl_modify( op, e ) ) !=
			LDAP_SUCCESS ) {
		overlay_entry_release_ov( op, e, 0, on );
		return truststore_deny( op, rs, rc, NULL, NULL );
	}
	rc = SLAP_CB_CONTINUE;
	managed = is_entry_objectclass_or_sub( e, ts_oc_cert );
	if ( managed && replicated )
		truststore_repl_stamps_keep( op, e, tc->tc_stamps );
	if ( managed ) {
		a = attr_find( e->e_attrs, ts_ad_cert );
		nold = a ? (int)a->a_numvals : 0;
		olds = op->o_tmpcalloc( nold + 1, sizeof( struct berval ),
			op->o_tmpmemctx );
		for ( i = 0; i < nold; i++ )
			ber_dupbv_x( &olds[i], &a->a_vals[i], op->o_tmpmemctx );
		/*
		 * A replicated modify is judged as it leaves the entry
		 * (truststore_repl_vet, from the response); one that writes
		 * the certificate takes an add's checks instead, so the
		 * verdict on the old one would only cost a parse.
		 */
		if ( !replicated && !truststore_mods_write_cert(
				op->orm_modlist ) )
			vetoed = truststore_write_vet( op, ti, e, say,
				sizeof( say ) );
		/*
		 * The alias as the entry spells it, not as the request does:
		 * a DN matches in any case, and the bundle's label is the
		 * stored name's, as the read of the store writes it.
		 */
		truststore_alias( op, &e->e_name, &tc->tc_old_alias );
	}
	overlay_entry_release_ov( op, e, 0, on );
	if ( !replicated && truststore_mods_class( op->orm_modlist, managed ) ) {
		rc = truststore_refuse( op, rs, LDAP_UNWILLING_TO_PERFORM,
			managed ? TS_PREFIX "a certificate entry keeps the "
				"tsCertificate class; delete the entry instead" :
				TS_PREFIX "certificates enter the trust store "
				"by add, not by adding the tsCertificate class" );
		goto done;
	}
	if ( !managed )
		return SLAP_CB_CONTINUE;

	for ( ml = op->orm_modlist; ml != NULL; ml = ml->sml_next ) {
		if ( replicated )
			break;
		if ( truststore_refuse_options( op, rs, ml->sml_desc ) !=
				LDAP_SUCCESS ) {
			rc = rs->sr_err;
			goto done;
		}
		/*
		 * A delete of cn gets slapd's own answers: the alias itself
		 * (the RDN's value) is a naming violation, any other value
		 * the backend's to delete or to answer noSuchAttribute.
		 */
		if ( ml->sml_desc == slap_schema.si_ad_cn &&
			ml->sml_op == LDAP_MOD_DELETE ) {
			if ( truststore_cn_delete( op, rs, ml ) != LDAP_SUCCESS ) {
				rc = rs->sr_err;
				goto done;
			}
			continue;
		}
		/* the alias is the RDN's one value: a second one would be
		 * a name the clients look certificates up by, unchecked */
		if ( is_ad_subtype( ml->sml_desc, slap_schema.si_ad_cn ) &&
			!truststore_cn_kept( op, ml ) ) {
			rc = truststore_refuse( op, rs, LDAP_CONSTRAINT_VIOLATION,
				TS_PREFIX TS_ONE_CN " (rename it to change its "
				"alias: ldapmodrdn -r, ldaptrust rename)" );
			goto done;
		}
		/* slapd refuses these itself unless an updatedn is set */
		if ( truststore_is_decoration( ml->sml_desc ) &&
			!( ml->sml_flags & SLAP_MOD_INTERNAL ) ) {
			snprintf( msg, sizeof( msg ), "%s: no user modification "
				"allowed (set by the trust store)",
				ml->sml_desc->ad_cname.bv_val );
			rc = truststore_refuse( op, rs,
				LDAP_CONSTRAINT_VIOLATION, msg );
			goto done;
		}
		if ( ml->sml_desc == ts_ad_pem ) {
			rc = truststore_mod_pem( op, rs, ml );
			if ( rc != LDAP_SUCCESS )
				goto done;
			rc = SLAP_CB_CONTINUE;
		}
	}

	max = nold;
	for ( ml = op->orm_modlist; ml != NULL; ml = ml->sml_next ) {
		if ( ml->sml_desc == ts_ad_cert )
			max += truststore_vals_count( ml->sml_values );
	}
	certs = op->o_tmpcalloc( max + 1, sizeof( struct berval ),
		op->o_tmpmemctx );
	for ( n = 0; n < nold; n++ )
		certs[n] = olds[n];
	touched = truststore_mods_certs( op->orm_modlist, certs, &n,
		&missing );

	/* from here on tc reports the write */
	tc->tc_track = 1;
	if ( vetoed && !touched )
		truststore_write_vetoed( op, tc, say );
	if ( !replicated && touched ) {
		/*
		 * A delete of a value the entry does not hold fails in slapd
		 * whatever else the change does: its answer, not a count of
		 * values left, tells a client that retries with a stale
		 * value what is wrong.
		 */
		if ( missing ) {
			rc = truststore_refuse( op, rs, LDAP_NO_SUCH_ATTRIBUTE,
				"modify/delete: userCertificate;binary: no such "
				"value" );
			goto done;
		}
		if ( n != 1 ) {
			snprintf( msg, sizeof( msg ), TS_PREFIX "a tsCertificate "
				"entry holds exactly one userCertificate;binary "
				"value (the change leaves %d)", n );
			rc = truststore_refuse( op, rs,
				LDAP_OBJECT_CLASS_VIOLATION, msg );
			goto done;
		}
		rc = truststore_check( op, ti, &certs[0], &op->o_req_ndn,
			&tc->tc_gate, &cert, msg, sizeof( msg ) );
		for ( ml = op->orm_modlist; rc == LDAP_SUCCESS && ml != NULL;
				ml = ml->sml_next ) {
			if ( ml->sml_desc == ts_ad_cert &&
				ml->sml_values != NULL &&
				ml->sml_nvalues == NULL &&
				truststore_der_normalize( ml->sml_values,
					&ml->sml_nvalues ) != LDAP_SUCCESS ) {
				snprintf( msg, sizeof( msg ), TS_MSG_PEM_SYNTAX );
				rc = LDAP_INVALID_SYNTAX;
			}
		}
		if ( rc == LDAP_SUCCESS )
			rc = truststore_decorate_mods( op, cert, msg,
				sizeof( msg ) );
		if ( rc != LDAP_SUCCESS ) {
			rc = truststore_refuse( op, rs, rc, msg );
			goto done;
		}
		Debug( LDAP_DEBUG_TRACE, "%s truststore: re-decorated \"%s\"\n",
			op->o_log_prefix, op->o_req_dn.bv_val );
	}

	if ( nold > 0 )
		ber_dupbv_x( &tc->tc_old_der, &olds[0], op->o_tmpmemctx );
	if ( n > 0 )
		ber_dupbv_x( &tc->tc_new_der, &certs[0], op->o_tmpmemctx );
	ber_dupbv_x( &tc->tc_new_alias, &tc->tc_old_alias, op->o_tmpmemctx );
	rc = SLAP_CB_CONTINUE;

done:
	if ( certs != NULL )
		op->o_tmpfree( certs, op->o_tmpmemctx );
	if ( olds != NULL )
		ber_bvarray_free_x( olds, op->o_tmpmemctx );
	return rc;
}

int
truststore_modrdn( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	int replicated = SLAPD_SYNC_IS_SYNCCONN( op->o_connid );
	struct berval pndn;
	Entry *e = NULL;
	Attribute *a;
	truststore_cb *tc;
	const char *text = NULL;
	int inside, stays, covers, managed = 0, vetoed = 0, rc;
	struct berval der = BER_BVNULL, found;
	char say[SLAP_TEXT_BUFLEN];

	if ( replicated )
		truststore_order_watch( op, ti );
	if ( !replicated &&
		truststore_is_base_or_above( op, ti, &op->o_req_ndn ) ) {
		/* a client that may not rename it is told no more */
		if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0,
				&e, on ) == LDAP_SUCCESS && e != NULL ) {
			rc = truststore_acl_modrdn( op, e, &text );
			overlay_entry_release_ov( op, e, 0, on );
			if ( rc != LDAP_SUCCESS )
				return truststore_deny( op, rs, rc, text, NULL );
		}
		return truststore_refuse( op, rs, LDAP_UNWILLING_TO_PERFORM,
			TS_PREFIX "cannot rename the trust store base or its "
			"ancestors" );
	}

	inside = truststore_in_base( op, ti, &op->o_req_ndn );
	if ( op->orr_nnewSup != NULL ) {
		stays = truststore_at_or_below_base( op, ti, op->orr_nnewSup );
	} else {
		dnParent( &op->o_req_ndn, &pndn );
		stays = truststore_at_or_below_base( op, ti, &pndn );
	}
	/* back-mdb tests the parent before the assertion */
	if ( !replicated && get_assert( op ) && inside && ( rc =
			truststore_acl_parent( op, TS_RENAME_PARENT_ACCESS( op ),
				&text ) ) != LDAP_SUCCESS )
		return truststore_deny( op, rs, rc, text, NULL );
	/* before the entry is read: see truststore_gate */
	tc = truststore_cb_push( op, ti );
	/* inside the gate, so that no other write comes before ours */
	if ( truststore_assert( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;
	/*
	 * Renamed to a base's name or above it, an entry from outside
	 * carries its subtree into the store as a whole (a base deleted and
	 * a staging container renamed in its place).
	 */
	covers = !inside && !stays &&
		truststore_is_base_or_above( op, ti, &tc->tc_gate_ndn );
	/* what comes in from outside may be or hold a referral */
	if ( !inside && ( stays || covers ) )
		truststore_referral_seen( ti );
	covers = covers && !replicated;
	/*
	 * Out of the store and staying out: only the gate, which keeps a
	 * certificate entry from moving below a container that is moving in.
	 */
	if ( !inside && !stays && !covers )
		return SLAP_CB_CONTINUE;
	/* the index follows only after the commit: see ts_index.c */
	if ( inside ) {
		truststore_rename_enter( ti );
		tc->tc_renaming = 1;
	}
	if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e,
			on ) != LDAP_SUCCESS || e == NULL )
		return SLAP_CB_CONTINUE;
	/* before anything that tells what e is, or what is below it */
	if ( !replicated && ( rc = truststore_acl_modrdn( op, e,
			&text ) ) != LDAP_SUCCESS ) {
		overlay_entry_release_ov( op, e, 0, on );
		return truststore_deny( op, rs, rc, text, NULL );
	}
	managed = is_entry_objectclass_or_sub( e, ts_oc_cert );
	if ( managed && ( a = attr_find( e->e_attrs, ts_ad_cert ) ) != NULL )
		ber_dupbv_x( &der, &a->a_vals[0], op->o_tmpmemctx );
	if ( managed && inside )
		vetoed = truststore_write_vet( op, ti, e, say, sizeof( say ) );
	if ( managed && replicated )
		truststore_repl_stamps_keep( op, e, tc->tc_stamps );
	overlay_entry_release_ov( op, e, 0, on );
	if ( !replicated ) {
		/*
		 * Containers may come and go, but not with certificates
		 * below them: those would enter the store unchecked, or
		 * leave it while still exported, or keep their old names
		 * in the lookup index.
		 */
		rc = truststore_find_cert_below( op, &op->o_req_ndn, &found );
		if ( rc != LDAP_SUCCESS ) {
			truststore_tmpfree_bv( op, &found );
			truststore_tmpfree_bv( op, &der );
			return truststore_refuse( op, rs, rc, TS_PREFIX
				"cannot tell whether certificates are below "
				"the entry" );
		}
		if ( !BER_BVISNULL( &found ) ) {
			/* not named: the user may not be allowed to see it */
			truststore_tmpfree_bv( op, &found );
			truststore_tmpfree_bv( op, &der );
			return truststore_refuse( op, rs,
				LDAP_UNWILLING_TO_PERFORM, TS_PREFIX "cannot "
				"rename or move an entry with certificate "
				"entries below it" );
		}
	}
	/*
	 * Nor below a certificate entry, where an add may not put it (the
	 * rule is the add's; the ACLs were tested above).
	 */
	if ( !replicated && stays && op->orr_nnewSup != NULL &&
		truststore_refuse_below_cert( op, rs, ti, op->orr_nnewSup ) !=
			LDAP_SUCCESS ) {
		truststore_tmpfree_bv( op, &der );
		return rs->sr_err;
	}
	/* a certificate entry that becomes a base stays out of the store */
	if ( !managed || ( !inside && !stays ) ) {
		truststore_tmpfree_bv( op, &der );
		return SLAP_CB_CONTINUE;
	}

	/* the name taken here by a concurrent write: see ts_repl.c */
	if ( replicated && stays && truststore_repl_modrdn( op,
			&tc->tc_gate_ndn, &der ) < 0 ) {
		/* tc would play the delete's result as the rename's */
		truststore_cb_cleanup( op, rs );
		rc = truststore_repl_lost( op, rs, &der );
		truststore_tmpfree_bv( op, &der );
		return rc;
	}

	if ( !replicated && stays && truststore_refuse_name( op, rs,
			&op->orr_newrdn, NULL ) != LDAP_SUCCESS ) {
		truststore_tmpfree_bv( op, &der );
		return rs->sr_err;
	}
	if ( !replicated && stays && !op->orr_deleteoldrdn ) {
		struct berval oldrdn;

		dnRdn( &op->o_req_ndn, &oldrdn );
		if ( !dn_match( &oldrdn, &op->orr_nnewrdn ) ) {
			truststore_tmpfree_bv( op, &der );
			return truststore_refuse( op, rs,
				LDAP_CONSTRAINT_VIOLATION, TS_PREFIX TS_ONE_CN
				": rename with deleteoldrdn (ldapmodrdn -r)" );
		}
	}
	if ( !replicated && inside != stays ) {
		truststore_tmpfree_bv( op, &der );
		return truststore_refuse( op, rs, LDAP_UNWILLING_TO_PERFORM,
			inside ? TS_PREFIX "cannot move a certificate entry "
				"out of the trust store base" :
				TS_PREFIX "certificates enter the trust store "
				"by add, not by moving them in" );
	}

	tc->tc_track = 1;
	/* a rename within the store keeps what the read left out, out */
	if ( vetoed && stays )
		truststore_write_vetoed( op, tc, say );
	if ( inside )
		tc->tc_old_der = der;
	if ( stays )
		ber_dupbv_x( &tc->tc_new_der, &der, op->o_tmpmemctx );
	if ( !inside )
		truststore_tmpfree_bv( op, &der );
	if ( inside )
		truststore_alias( op, &op->o_req_dn, &tc->tc_old_alias );
	if ( stays )
		truststore_alias( op, &op->orr_newrdn, &tc->tc_new_alias );
	return SLAP_CB_CONTINUE;
}

int
truststore_delete( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	Entry *e = NULL;
	Attribute *a;
	truststore_cb *tc;
	const char *text = NULL;
	int rc;

	if ( !truststore_in_base( op, ti, &op->o_req_ndn ) )
		return SLAP_CB_CONTINUE;
	if ( SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) )
		truststore_order_watch( op, ti );
	/*
	 * back-mdb tests the parent before the assertion, and the entry's
	 * name before both: a missing entry is the backend's to answer
	 */
	else if ( get_assert( op ) &&
		truststore_exists( op, &op->o_req_ndn ) &&
		( rc = truststore_acl_parent( op, ACL_WDEL, &text ) ) !=
			LDAP_SUCCESS )
		return truststore_deny( op, rs, rc, text, NULL );
	/* before the entry is read: see truststore_gate */
	tc = truststore_cb_push( op, ti );
	/* inside the gate, so that no other write comes before ours */
	if ( truststore_assert( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;
	if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e,
			on ) != LDAP_SUCCESS || e == NULL )
		return SLAP_CB_CONTINUE;
	if ( is_entry_objectclass_or_sub( e, ts_oc_cert ) ) {
		tc->tc_track = 1;
		if ( ( a = attr_find( e->e_attrs, ts_ad_cert ) ) != NULL )
			ber_dupbv_x( &tc->tc_old_der, &a->a_vals[0],
				op->o_tmpmemctx );
		truststore_alias( op, &op->o_req_dn, &tc->tc_old_alias );
	}
	overlay_entry_release_ov( op, e, 0, on );
	return SLAP_CB_CONTINUE;
}
