/* ts_repl.c - truststore: the conflict rule for multi-provider replication */

#include "portable.h"

#include <stdio.h>

#include "slap.h"

#include "truststore.h"
#include "ts_export.h"
#include "ts_index.h"
#include "ts_repl.h"

/*
 * With delta-syncrepl multi-provider (ldif/40-multiprovider.ldif), a
 * delete on one node racing a modify of the same entry on another leaves
 * the deleting node with a replayed modify whose entry is gone.  slapd
 * 2.5 answers noSuchObject, the consumer declares itself out of sync and
 * refreshes from a peer that may not have applied the delete yet: the
 * entry comes back on the deleting node only, and the nodes never agree
 * again (tests/slapd/t530-repl-conflict.sh).
 *
 * Our rule: a delete wins over a concurrent modify.  A replicated modify
 * of an entry that no longer exists here is dropped, as a success, the way
 * syncrepl itself drops a modify older than the entry: the cookie moves
 * on, nothing is logged or forwarded, and the peers reach the same state
 * when the delete replays there.  This needs the overlay above accesslog
 * and syncprov (configured after them), which have not seen the write.
 *
 * slapd's syncrepl overlay, which runs before ours, has seen it: it found
 * the entry before the local delete committed (the modify then waited at
 * the entry's gate), swapped the modify's list for a copy in the
 * operation's memory and pushed a callback, with a response and no
 * cleanup, to swap it back.  A hook that stops an operation without a
 * result only gets the cleanups of the callbacks above it run
 * (overlay_op_walk), so the copy stayed, and the consumer freed it with
 * free() as its own list: slapd aborted (t531; seen once in t780).  So the
 * drop is answered, to the callbacks only: syncrepl's own takes the
 * result, nothing goes to the peer.
 */
int
truststore_repl_gone( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;

	if ( op->o_tag == LDAP_REQ_MODIFY )
		Debug( LDAP_DEBUG_SYNC, "%s truststore: replicated modify of "
			"%s, deleted here meanwhile: dropped (delete wins)\n",
			op->o_log_prefix, op->o_req_dn.bv_val );
	slap_graduate_commit_csn( op );
	op->o_bd->bd_info = (BackendInfo *)on->on_info;
	rs->sr_err = LDAP_SUCCESS;
	rs->sr_text = NULL;
	send_ldap_result( op, rs );
	return LDAP_SUCCESS;
}

/* <0, 0, >0 as the entryCSN mine is older, the same or newer */
static int
truststore_repl_csncmp( Attribute *mine, struct berval *theirs )
{
	const char *text;
	int match = 0;

	if ( mine == NULL )
		return -1;
	value_match( &match, slap_schema.si_ad_entryCSN,
		slap_schema.si_ad_entryCSN->ad_type->sat_ordering,
		SLAP_MR_VALUE_OF_ATTRIBUTE_SYNTAX, &mine->a_nvals[0], theirs,
		&text );
	return match;
}

/*
 * A delete, or a modify with mods, of dn in the database below every
 * overlay, accesslog and syncprov included: nothing of it is logged or
 * sent to the peers.  Its result is dropped; the code is returned.
 */
static int
truststore_repl_below( Operation *op, slap_overinst *on, ber_tag_t tag,
	struct berval *dn, struct berval *ndn, Modifications *mods )
{
	slap_callback cb = { 0 };
	SlapReply rs2 = { REP_RESULT };
	Operation op2 = *op;
	BackendDB db = *op->o_bd;

	cb.sc_response = slap_null_cb;
	db.bd_info = on->on_info->oi_orig;
	op2.o_bd = &db;
	op2.o_tag = tag;
	op2.o_callback = &cb;
	op2.o_req_dn = *dn;
	op2.o_req_ndn = *ndn;
	if ( tag == LDAP_REQ_DELETE )
		return db.bd_info->bi_op_delete( &op2, &rs2 );
	op2.orm_modlist = mods;
	op2.orm_no_opattrs = 1;
	op2.orm_increment = 0;
	return db.bd_info->bi_op_modify( &op2, &rs2 );
}

/*
 * The same alias imported on two nodes at once: each node holds its own
 * entry, with its own entryUUID, under one DN.  When the later one is
 * replayed here, slapd 2.5 answers alreadyExists and the consumer falls
 * back to a full refresh; the delete and add that refresh makes are
 * logged and replayed by third nodes, which then delete the winner too
 * (tests/slapd/t540-repl-partition.sh, round 1).
 *
 * So when a replicated add meets an entry with an older entryCSN, the
 * loser is deleted right here, in the database below accesslog and
 * syncprov: the peers need the winner's add, which follows as usual, not a
 * delete they would replay against the winner.  Each node that held the
 * loser does the same when the add reaches it.  old_der receives the
 * loser's certificate (o_tmpmemctx) so that its file goes too.
 */
void
truststore_repl_add( Operation *op, struct berval *old_der )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Entry *e = NULL;
	Attribute *theirs, *a;
	int rc;

	theirs = attr_find( op->ora_e->e_attrs, slap_schema.si_ad_entryCSN );
	if ( theirs == NULL )
		return;
	if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e, on )
			!= LDAP_SUCCESS || e == NULL )
		return;		/* nothing in the way: the usual case */

	/* ours is as new or newer: slapd keeps it and ignores the add */
	if ( truststore_repl_csncmp( attr_find( e->e_attrs,
			slap_schema.si_ad_entryCSN ), &theirs->a_nvals[0] ) >= 0 ) {
		overlay_entry_release_ov( op, e, 0, on );
		return;
	}
	a = attr_find( e->e_attrs, ts_ad_cert );
	if ( a != NULL && a->a_numvals > 0 )
		ber_dupbv_x( old_der, &a->a_vals[0], op->o_tmpmemctx );
	overlay_entry_release_ov( op, e, 0, on );

	rc = truststore_repl_below( op, on, LDAP_REQ_DELETE, &op->o_req_dn,
		&op->o_req_ndn, NULL );
	Debug( rc == LDAP_SUCCESS ? LDAP_DEBUG_SYNC : LDAP_DEBUG_ANY,
		"%s truststore: replicated add of %s over an older entry: "
		"older one removed (%d)\n", op->o_log_prefix,
		op->o_req_dn.bv_val, rc );
	if ( rc != LDAP_SUCCESS && old_der->bv_val != NULL ) {
		op->o_tmpfree( old_der->bv_val, op->o_tmpmemctx );
		BER_BVZERO( old_der );
	}
}

/* What a delete's response callback would have told them: dn holding
 * der is gone. */
static void
truststore_repl_tell_gone( Operation *op, truststore_info *ti,
	struct berval *dn, struct berval *ndn, struct berval *der )
{
	struct berval none = BER_BVNULL, alias;
	Operation op2;

	op2 = *op;
	op2.o_tag = LDAP_REQ_DELETE;
	op2.o_req_dn = *dn;
	op2.o_req_ndn = *ndn;
	truststore_alias( &op2, dn, &alias );
	truststore_index_changed( &op2, ti, der, &none );
	truststore_export_changed( &op2, ti, der, &none, &alias, &none );
	truststore_export_wake( ti );
	if ( alias.bv_val != NULL )
		op->o_tmpfree( alias.bv_val, op->o_tmpmemctx );
}

/*
 * Remove the entry dn/ndn holding der below accesslog and syncprov, and
 * take it out of the lookup index and the export.
 */
static int
truststore_repl_remove( Operation *op, struct berval *dn, struct berval *ndn,
	struct berval *der )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	int rc;

	rc = truststore_repl_below( op, on, LDAP_REQ_DELETE, dn, ndn, NULL );
	if ( rc == LDAP_SUCCESS )
		truststore_repl_tell_gone( op, on->on_bi.bi_private, dn, ndn,
			der );
	return rc;
}

/*
 * One alias given to two certificate entries at once on two nodes, by a
 * rename racing an add or another rename.  When the rename is replayed
 * where the other entry holds the name, slapd 2.5 answers alreadyExists
 * and the consumer retries the same change for ever: replication between
 * those nodes stops, deletes included (tests/slapd/t545-repl-rename.sh).
 *
 * The later write wins, as for two adds.  If the entry holding the name
 * here is older, it is removed below accesslog and syncprov and the
 * rename goes ahead.  If it is as new or newer, the renamed entry lost:
 * it is removed here (der is its certificate) and the rename is to be
 * dropped, which -1 says.  The node that made the losing write removes
 * its entry when the winning write reaches it, here or in
 * truststore_repl_add(), so every node ends with the winner's entry.
 */
int
truststore_repl_modrdn( Operation *op, struct berval *newndn,
	struct berval *der )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	struct berval dn = BER_BVNULL, ndn = BER_BVNULL, loser = BER_BVNULL;
	Entry *e = NULL;
	Attribute *a;
	int older, rc;

	if ( BER_BVISNULL( &op->o_csn ) || BER_BVISNULL( newndn ) ||
		dn_match( newndn, &op->o_req_ndn ) )
		return 0;
	if ( overlay_entry_get_ov( op, newndn, NULL, NULL, 0, &e, on )
			!= LDAP_SUCCESS || e == NULL )
		return 0;	/* nothing in the way: the usual case */
	if ( !is_entry_objectclass_or_sub( e, ts_oc_cert ) ) {
		overlay_entry_release_ov( op, e, 0, on );
		return 0;	/* not ours to judge */
	}
	older = truststore_repl_csncmp( attr_find( e->e_attrs,
		slap_schema.si_ad_entryCSN ), &op->o_csn ) < 0;
	if ( older ) {
		ber_dupbv_x( &dn, &e->e_name, op->o_tmpmemctx );
		ber_dupbv_x( &ndn, &e->e_nname, op->o_tmpmemctx );
		a = attr_find( e->e_attrs, ts_ad_cert );
		if ( a != NULL && a->a_numvals > 0 )
			ber_dupbv_x( &loser, &a->a_vals[0], op->o_tmpmemctx );
	}
	overlay_entry_release_ov( op, e, 0, on );

	/* the renamed entry lost: truststore_repl_lost() deletes it */
	rc = older ? truststore_repl_remove( op, &dn, &ndn, &loser ) :
		LDAP_SUCCESS;
	Debug( rc == LDAP_SUCCESS ? LDAP_DEBUG_SYNC : LDAP_DEBUG_ANY,
		"%s truststore: replicated rename of %s onto %s, which holds "
		"%s entry: %s removed (%d)\n", op->o_log_prefix,
		op->o_req_dn.bv_val, newndn->bv_val,
		older ? "an older" : "a newer", older ? "the older entry" :
		"the renamed entry", rc );
	if ( dn.bv_val != NULL )
		op->o_tmpfree( dn.bv_val, op->o_tmpmemctx );
	if ( ndn.bv_val != NULL )
		op->o_tmpfree( ndn.bv_val, op->o_tmpmemctx );
	if ( loser.bv_val != NULL )
		op->o_tmpfree( loser.bv_val, op->o_tmpmemctx );
	return older ? 0 : -1;
}

/*
 * The renamed entry lost (truststore_repl_modrdn() said -1).  It is
 * deleted, not below the other overlays but through them, as a delete
 * with the rename's CSN: accesslog logs it, so that this node relays it.
 * Dropped unlogged, a third node that took the winner's side first
 * relayed the loser's later writes without it; a peer that then heard of
 * them through it moved its cookie past the rename, ignored the rename
 * when it came ("CSN too old"), and kept the renamed entry for good
 * (t546).  Peers that already removed it find nothing to delete, which
 * syncrepl ignores.  Returns what the bi_op_modrdn hook returns.
 */
int
truststore_repl_lost( Operation *op, SlapReply *rs, struct berval *der )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	ber_tag_t tag = op->o_tag;
	int rc;

	op->o_tag = LDAP_REQ_DELETE;
	rc = overlay_op_walk( op, rs, op_delete, on->on_info, on->on_next );
	op->o_tag = tag;
	op->o_bd->bd_info = (BackendInfo *)on;
	Debug( rs->sr_err == LDAP_SUCCESS ? LDAP_DEBUG_SYNC : LDAP_DEBUG_ANY,
		"%s truststore: replicated rename of %s lost: deleted, "
		"logged with the rename's CSN (%d)\n", op->o_log_prefix,
		op->o_req_dn.bv_val, rs->sr_err );
	if ( rs->sr_err == LDAP_SUCCESS )
		truststore_repl_tell_gone( op, ti, &op->o_req_dn,
			&op->o_req_ndn, der );
	return rc;
}

/*
 * A modify on one node racing a rename of the same entry on another:
 * delta-syncrepl replays the modify by its old name, which the rename has
 * emptied here; the modify was dropped as if the entry were deleted, and
 * the nodes kept different certificates under the new name for good
 * (t545, round A).  So the last renames are remembered, and such a modify
 * follows the entry to its new name.  Renames and modifies commute, so
 * every node ends with both.
 */
/* A name given to an entry again: renames away from it are history. */
static void
truststore_repl_forget( truststore_info *ti, struct berval *ndn )
{
	int i;

	/* every add comes here under the gates' mutex: most find none */
	for ( i = 0; i < TS_RENAMES && ti->ti_renames_live > 0; i++ ) {
		if ( !BER_BVISNULL( &ti->ti_renames[i][0] ) &&
			dn_match( &ti->ti_renames[i][0], ndn ) ) {
			ch_free( ti->ti_renames[i][0].bv_val );
			ch_free( ti->ti_renames[i][1].bv_val );
			BER_BVZERO( &ti->ti_renames[i][0] );
			BER_BVZERO( &ti->ti_renames[i][1] );
			ti->ti_renames_live--;
		}
	}
}

void
truststore_repl_named( Operation *op, truststore_info *ti )
{
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	truststore_repl_forget( ti, &op->o_req_ndn );
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
}

void
truststore_repl_renamed( Operation *op, truststore_info *ti )
{
	struct berval newndn;
	struct berval *slot;

	truststore_new_ndn( op, &newndn );
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	/* a modify of the new name is no longer one of the entry there */
	truststore_repl_forget( ti, &newndn );
	slot = ti->ti_renames[ti->ti_renames_next];
	if ( BER_BVISNULL( &slot[0] ) )
		ti->ti_renames_live++;
	ch_free( slot[0].bv_val );
	ch_free( slot[1].bv_val );
	ber_dupbv( &slot[0], &op->o_req_ndn );
	ber_dupbv( &slot[1], &newndn );
	ti->ti_renames_next = ( ti->ti_renames_next + 1 ) % TS_RENAMES;
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	if ( newndn.bv_val != op->o_req_ndn.bv_val )
		op->o_tmpfree( newndn.bv_val, op->o_tmpmemctx );
}

int
truststore_repl_follow( Operation *op, truststore_info *ti,
	struct berval *dn, struct berval *ndn )
{
	struct berval cur = op->o_req_ndn;
	int i, k, hops, found = 0;

	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	/* newest first; a chain a -> b -> c is followed, a few steps */
	for ( hops = 0; hops < 8 && ti->ti_renames_live > 0; hops++ ) {
		for ( k = 1; k <= TS_RENAMES; k++ ) {
			i = ( ti->ti_renames_next - k + TS_RENAMES ) % TS_RENAMES;
			if ( !BER_BVISNULL( &ti->ti_renames[i][0] ) &&
				dn_match( &ti->ti_renames[i][0], &cur ) )
				break;
		}
		if ( k > TS_RENAMES )
			break;
		cur = ti->ti_renames[i][1];
		found = 1;
	}
	if ( found )
		ber_dupbv_x( ndn, &cur, op->o_tmpmemctx );
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	if ( !found )
		return 0;
	/* the normalized name serves as the name too: it is only logged */
	ber_dupbv_x( dn, ndn, op->o_tmpmemctx );
	return 1;
}

void
truststore_repl_renames_free( truststore_info *ti )
{
	int i;

	for ( i = 0; i < TS_RENAMES; i++ ) {
		ch_free( ti->ti_renames[i][0].bv_val );
		ch_free( ti->ti_renames[i][1].bv_val );
	}
}

/*
 * A replicated rename or modify older than the entry it changes (the two
 * replayed in either order, t545 round A) would set the entry's stamps
 * back: each node would end with the stamps of whichever came last.  So
 * the stamps the entry has before such a write are kept in stamps[] and
 * put back after it (truststore_repl_stamps_restore).
 */
static AttributeDescription **
truststore_repl_stamp_ads( void )
{
	static AttributeDescription *ads[TS_REPL_STAMPS];

	ads[0] = slap_schema.si_ad_entryCSN;
	ads[1] = slap_schema.si_ad_modifyTimestamp;
	ads[2] = slap_schema.si_ad_modifiersName;
	return ads;
}

void
truststore_repl_stamps_keep( Operation *op, Entry *e, BerVarray stamps )
{
	AttributeDescription **ads = truststore_repl_stamp_ads();
	Attribute *a;
	int i;

	if ( BER_BVISNULL( &op->o_csn ) )
		return;
	a = attr_find( e->e_attrs, slap_schema.si_ad_entryCSN );
	if ( a == NULL || truststore_repl_csncmp( a, &op->o_csn ) <= 0 )
		return;		/* the write is newer: its stamps are right */
	/* the value and its normalized form: modifiersName's differ */
	for ( i = 0; i < TS_REPL_STAMPS; i++ ) {
		if ( ( a = attr_find( e->e_attrs, ads[i] ) ) == NULL )
			continue;
		ber_dupbv_x( &stamps[2 * i], &a->a_vals[0], op->o_tmpmemctx );
		ber_dupbv_x( &stamps[2 * i + 1], &a->a_nvals[0],
			op->o_tmpmemctx );
	}
}

void
truststore_repl_stamps_restore( Operation *op, slap_overinst *on,
	struct berval *ndn, BerVarray stamps )
{
	AttributeDescription **ads = truststore_repl_stamp_ads();
	Modifications mods[TS_REPL_STAMPS], *ml = NULL;
	struct berval vals[TS_REPL_STAMPS][2], nvals[TS_REPL_STAMPS][2];
	int i, rc;

	for ( i = TS_REPL_STAMPS - 1; i >= 0; i-- ) {
		if ( BER_BVISNULL( &stamps[2 * i] ) )
			continue;
		vals[i][0] = stamps[2 * i];
		BER_BVZERO( &vals[i][1] );
		nvals[i][0] = stamps[2 * i + 1];
		BER_BVZERO( &nvals[i][1] );
		memset( &mods[i], 0, sizeof( mods[i] ) );
		mods[i].sml_op = LDAP_MOD_REPLACE;
		mods[i].sml_flags = SLAP_MOD_INTERNAL;
		mods[i].sml_desc = ads[i];
		mods[i].sml_type = ads[i]->ad_cname;
		mods[i].sml_values = vals[i];
		mods[i].sml_nvalues = nvals[i];
		mods[i].sml_numvals = 1;
		mods[i].sml_next = ml;
		ml = &mods[i];
	}
	if ( ml == NULL )
		return;

	rc = truststore_repl_below( op, on, LDAP_REQ_MODIFY, ndn, ndn, ml );
	Debug( rc == LDAP_SUCCESS ? LDAP_DEBUG_SYNC : LDAP_DEBUG_ANY,
		"%s truststore: replicated write to %s older than the entry: "
		"its later stamps kept (%d)\n", op->o_log_prefix, ndn->bv_val,
		rc );
}
