/* ts_read.c - truststore: what is computed when an entry is read */

#include "portable.h"

#include <ac/ctype.h>
#include <ac/string.h>

#include "slap.h"

#include "truststore.h"

/*
 * Two kinds of attributes are computed here instead of stored:
 *
 * tsStatus depends on the clock, so it is never stored (a stored value
 * would go stale and replicate for nothing): it is added to search
 * results from tsNotBefore and tsNotAfter when asked for by name or by
 * "+".  Filters and compares on it work as on the decorations below,
 * from the same two stored times: an administrator's first try is
 * (tsStatus=expired), and a filter slapd evaluated on the stored entry
 * alone would quietly match nothing, and its negation everything.
 *
 * The decorations lib/ does not mark as stored (key, signature
 * algorithm, key usages, alternative names, key identifiers, SHA-1
 * fingerprint, version) are parsed from the entry's certificate when
 * asked for.  Storing all 22 decorations made an entry too large for
 * LMDB's leaf pages, which doubled the cost of an add and the size of the
 * database; few searches select on these.  Filters and compares on them
 * still work: the backend gets the filter with those parts made TRUE
 * (FALSE under a NOT), which can only return more entries, and each
 * entry is tested against the real filter once its computed
 * decorations are known; the size limit is counted on what matches.
 * No index can serve them.
 */

/*
 * The computed decorations of e as a list of attributes (ch_malloc()ed,
 * free with attrs_free()), or NULL: not in the store, no certificate,
 * or one that no longer parses.  A decoration the entry stores itself
 * (loaded by slapadd) is not computed again.
 */
static Attribute *
truststore_computed( Operation *op, truststore_info *ti, Entry *e )
{
	Entry scratch = { 0 };
	struct ts_cert *cert;
	const struct ts_fact *facts;
	size_t nfacts, i;
	struct berval bv;
	Attribute *a;
	int idx, hint = 0;

	/* an inetOrgPerson with a certificate under the base is not ours */
	if ( !truststore_in_base( op, ti, &e->e_nname ) ||
		!is_entry_objectclass_or_sub( e, ts_oc_cert ) )
		return NULL;
	a = attr_find( e->e_attrs, ts_ad_cert );
	if ( a == NULL || a->a_numvals == 0 )
		return NULL;
	cert = truststore_thread_cert_read( op );
	if ( cert == NULL ||
		ts_cert_parse( cert, a->a_vals[0].bv_val, a->a_vals[0].bv_len ) ||
		ts_cert_facts( cert, &facts, &nfacts ) ) {
		Debug( LDAP_DEBUG_TRACE, "%s truststore: \"%s\": no computed "
			"decorations: %s\n", op->o_log_prefix, e->e_name.bv_val,
			cert ? ts_cert_error( cert ) : "out of memory" );
		return NULL;
	}
	for ( i = 0; i < nfacts; i++ ) {
		idx = truststore_fact_index( facts[i].name, &hint );
		if ( idx < 0 || facts[i].len == 0 || TS_STORED( idx ) ||
			attr_find( e->e_attrs, ts_ad_decoration[idx] ) != NULL )
			continue;
		bv.bv_val = (char *)facts[i].value;
		bv.bv_len = facts[i].len;
		/* NULL memctx: these go to sr_operational_attrs, freed by ch_free */
		if ( attr_merge_normalize_one( &scratch, ts_ad_decoration[idx],
				&bv, NULL ) != LDAP_SUCCESS ) {
			Debug( LDAP_DEBUG_ANY, "%s truststore: \"%s\": cannot "
				"show %s: \"%s\"\n", op->o_log_prefix,
				e->e_name.bv_val, facts[i].name, facts[i].value );
		}
	}
	return scratch.e_attrs;
}

/* Does the request name computed decorations, or all operational ones? */
static int
truststore_wants_computed( SlapReply *rs )
{
	int i;

	if ( SLAP_OPATTRS( rs->sr_attr_flags ) )
		return 1;
	if ( rs->sr_attrs == NULL )
		return 0;
	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		if ( !TS_STORED( i ) &&
			ad_inlist( ts_ad_decoration[i], rs->sr_attrs ) )
			return 1;
	}
	return 0;
}

/* Does a search for attrs ask for computed attributes, by name or "+"? */
static int
truststore_asks_computed( AttributeName *attrs )
{
	int i;

	if ( attrs == NULL )
		return 0;
	if ( SLAP_OPATTRS( slap_attr_flags( attrs ) ) ||
		ad_inlist( ts_ad_status, attrs ) )
		return 1;
	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		if ( !TS_STORED( i ) && ad_inlist( ts_ad_decoration[i], attrs ) )
			return 1;
	}
	return 0;
}

static void
truststore_status( Operation *op, truststore_info *ti, Entry *e,
	Attribute ***tail )
{
	Attribute *nb, *na;
	int64_t not_before, not_after, window;
	enum ts_status status;
	struct berval bv, nbv;
	char norm[16];
	ber_len_t i;

	nb = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_NOT_BEFORE] );
	na = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_NOT_AFTER] );
	if ( nb == NULL || na == NULL ||
		ts_gentime_parse( nb->a_vals[0].bv_val, nb->a_vals[0].bv_len,
			&not_before ) != 0 ||
		ts_gentime_parse( na->a_vals[0].bv_val, na->a_vals[0].bv_len,
			&not_after ) != 0 )
		return;

	window = (int64_t)ti->ti_expiring_days * 24 * 60 * 60;
	status = ts_status_at( not_before, not_after,
		(int64_t)slap_get_time(), window );
	ber_str2bv( ts_status_name( status ), 0, 0, &bv );
	/* caseIgnoreMatch's form, which filters and compares test */
	for ( i = 0; i < bv.bv_len && i < sizeof( norm ) - 1; i++ )
		norm[i] = TOLOWER( (unsigned char)bv.bv_val[i] );
	nbv.bv_val = norm;
	nbv.bv_len = i;
	**tail = attr_alloc( ts_ad_status );
	attr_valadd( **tail, &bv, &nbv, 1 );
	*tail = &( **tail )->a_next;
}

/* Which of the two kinds: TS_FILTER_STATUS, TS_FILTER_FACTS. */
#define TS_FILTER_STATUS	1
#define TS_FILTER_FACTS		2

/*
 * A computed attribute tells what its source tells: the facts what the
 * certificate says, tsStatus what its two times say.  So of the kinds
 * asked for, only those whose source op may read are computed, whatever
 * the computed attribute's own ACL allows (slapd applies that one too,
 * as to any attribute): an ACL that hides the certificate hides what is
 * parsed from it.
 */
static int
truststore_source_readable( Operation *op, Entry *e, int kinds )
{
	if ( ( kinds & TS_FILTER_FACTS ) &&
		!access_allowed( op, e, ts_ad_cert, NULL, ACL_READ, NULL ) )
		kinds &= ~TS_FILTER_FACTS;
	if ( ( kinds & TS_FILTER_STATUS ) && ( !access_allowed( op, e,
			ts_ad_decoration[TS_AT_NOT_BEFORE], NULL, ACL_READ,
			NULL ) || !access_allowed( op, e,
			ts_ad_decoration[TS_AT_NOT_AFTER], NULL, ACL_READ,
			NULL ) ) )
		kinds &= ~TS_FILTER_STATUS;
	return kinds;
}

int
truststore_operational( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	Entry *e = rs->sr_entry;
	Attribute **tail, *list, *a, *next;
	int want_status, want_computed, have_status = 0, kinds;

	if ( e == NULL || ts_ad_status == NULL )
		return SLAP_CB_CONTINUE;
	want_status = SLAP_OPATTRS( rs->sr_attr_flags ) ||
		( rs->sr_attrs != NULL && ad_inlist( ts_ad_status, rs->sr_attrs ) );
	/*
	 * A syncrepl provider sends what is stored: consumers compute.  And
	 * a consumer's own read of its copy (which it compares with the
	 * provider's entry, to apply the difference) gets what is stored:
	 * a computed value there is one the provider's entry lacks, so the
	 * difference would delete it, back-mdb would answer noSuchAttribute
	 * and the consumer retry that change for ever (t568).
	 */
	if ( SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) )
		return SLAP_CB_CONTINUE;
	want_computed = op->o_sync == SLAP_CONTROL_NONE &&
		truststore_wants_computed( rs );
	if ( !want_status && !want_computed )
		return SLAP_CB_CONTINUE;
	if ( !truststore_in_base( op, ti, &e->e_nname ) )
		return SLAP_CB_CONTINUE;
	kinds = truststore_source_readable( op, e,
		( want_status ? TS_FILTER_STATUS : 0 ) |
		( want_computed ? TS_FILTER_FACTS : 0 ) );
	want_status = kinds & TS_FILTER_STATUS;
	want_computed = kinds & TS_FILTER_FACTS;

	for ( tail = &rs->sr_operational_attrs; *tail != NULL;
			tail = &( *tail )->a_next ) {
		if ( ( *tail )->a_desc == ts_ad_status )
			have_status = 1;
	}
	if ( want_status && !have_status )
		truststore_status( op, ti, e, &tail );
	if ( !want_computed )
		return SLAP_CB_CONTINUE;

	list = truststore_computed( op, ti, e );
	for ( a = list; a != NULL; a = next ) {
		next = a->a_next;
		a->a_next = NULL;
		if ( SLAP_OPATTRS( rs->sr_attr_flags ) ||
			ad_inlist( a->a_desc, rs->sr_attrs ) ) {
			*tail = a;
			tail = &a->a_next;
		} else {
			attr_free( a );
		}
	}
	return SLAP_CB_CONTINUE;
}

/* ---- filters on computed decorations ---------------------------------- */

/* The attribute a simple filter tests, NULL for AND, OR, NOT and others. */
static AttributeDescription *
truststore_filter_ad( Filter *f )
{
	switch ( f->f_choice & SLAPD_FILTER_MASK ) {
	case LDAP_FILTER_EQUALITY:
	case LDAP_FILTER_GE:
	case LDAP_FILTER_LE:
	case LDAP_FILTER_APPROX:
		return f->f_av_desc;
	case LDAP_FILTER_SUBSTRINGS:
		return f->f_sub_desc;
	case LDAP_FILTER_PRESENT:
		return f->f_desc;
	case LDAP_FILTER_EXT:
		return f->f_mr_desc;
	}
	return NULL;
}

/* Whether a filter on ad needs what is computed on read. */
static int
truststore_filter_reads( AttributeDescription *ad )
{
	return ad != NULL && ( ad == ts_ad_status ||
		truststore_computed_index( ad ) >= 0 );
}

/* Which of the two kinds f tests: TS_FILTER_STATUS, TS_FILTER_FACTS. */
static int
truststore_filter_computed( Filter *f )
{
	AttributeDescription *ad;
	int kinds = 0;

	for ( ; f != NULL; f = f->f_next ) {
		switch ( f->f_choice & SLAPD_FILTER_MASK ) {
		case LDAP_FILTER_AND:
		case LDAP_FILTER_OR:
		case LDAP_FILTER_NOT:
			kinds |= truststore_filter_computed( f->f_list );
			break;
		case LDAP_FILTER_EXT:
			/* no attribute named: every attribute, ours too */
			if ( f->f_mr_desc == NULL ) {
				kinds |= TS_FILTER_STATUS | TS_FILTER_FACTS;
				break;
			}
			/* FALLTHROUGH */
		default:
			ad = truststore_filter_ad( f );
			if ( ad == ts_ad_status )
				kinds |= TS_FILTER_STATUS;
			else if ( truststore_computed_index( ad ) >= 0 )
				kinds |= TS_FILTER_FACTS;
		}
	}
	return kinds;
}

/*
 * What reads the entries where computed attributes are missing, named in
 * the log when the overlay opens and when it changes (cn=config):
 *
 * - slapd tests an access rule's filter= on the entry as stored (acl.c,
 *   test_filter without an operation): a rule selecting by tsStatus or
 *   tsKeyBits never applies, and the access it means to deny falls
 *   through to the next rules.  Nothing here can change that.
 * - slapo-sssvlv and slapo-dynlist read each result in their response
 *   callbacks.  Above this overlay they find the computed attributes in
 *   the entry (truststore_entry_computed); below it, a sort by them is
 *   no sort and a virtual list counts entries a computed filter drops.
 */
static uintptr_t
truststore_readers_sig( BackendDB *be )
{
	slap_overinst *on = (slap_overinst *)be->bd_info, *o;
	AccessControl *a;
	uintptr_t sig = 0;
	int l;

	/* the rules, their filters and the overlays, by address and place */
	for ( l = 0; l < 2; l++ ) {
		a = l == 0 ? be->be_acl : frontendDB->be_acl;
		for ( ; a != NULL; a = a->acl_next )
			sig = sig * 31 + (uintptr_t)a + (uintptr_t)a->acl_filter;
	}
	for ( o = on->on_info->oi_list; o != NULL; o = o->on_next )
		sig = sig * 31 + (uintptr_t)o;
	return sig;
}

void
truststore_check_readers( BackendDB *be, truststore_info *ti )
{
	slap_overinst *on = (slap_overinst *)be->bd_info, *o;
	const char *suffix = be->be_suffix ? be->be_suffix[0].bv_val : "";
	AccessControl *a;
	struct berval fbv;
	int l, n, mine = 0;

	ti->ti_readers_sig = truststore_readers_sig( be );
	for ( l = 0; l < 2; l++ ) {
		a = l == 0 ? be->be_acl : frontendDB->be_acl;
		for ( n = 0; a != NULL; a = a->acl_next, n++ ) {
			if ( a->acl_filter == NULL ||
				!truststore_filter_computed( a->acl_filter ) )
				continue;
			filter2bv( a->acl_filter, &fbv );
			Debug( LDAP_DEBUG_ANY, "truststore: %s: access rule "
				"{%d}%s never applies: its filter %s names an "
				"attribute computed when read, and slapd tests "
				"access filters on the entry as stored (select "
				"by stored decorations such as tsNotAfter or "
				"tsIsCA)\n", suffix, n,
				l == 0 ? "" : " of the frontend",
				fbv.bv_val ? fbv.bv_val : "" );
			ch_free( fbv.bv_val );
		}
	}
	/* the list runs from the last configured: below us comes after */
	for ( o = on->on_info->oi_list; o != NULL; o = o->on_next ) {
		if ( o == on )
			mine = 1;
		else if ( mine && ( strcmp( o->on_bi.bi_type, "sssvlv" ) == 0 ||
				strcmp( o->on_bi.bi_type, "dynlist" ) == 0 ) )
			Debug( LDAP_DEBUG_ANY, "truststore: %s: %s is "
				"configured before truststore and reads the "
				"entries as stored, without their computed "
				"attributes (a sort by tsKeyBits does not sort): "
				"configure it after truststore, or as a global "
				"overlay\n", suffix, o->on_bi.bi_type );
	}
}

/*
 * Changed through cn=config after the overlay opened: looked at again by
 * the next search.  cn=config changes rules and overlays with the thread
 * pool paused, so reading them here races with nothing; two searches
 * that both see the change both log it, which is harmless.
 */
void
truststore_watch_readers( Operation *op, truststore_info *ti )
{
	if ( truststore_readers_sig( op->o_bd ) != ti->ti_readers_sig )
		truststore_check_readers( op->o_bd, ti );
}

/*
 * Make every test of a computed decoration in f (a copy) TRUE where it
 * counts positively and FALSE under an odd number of NOTs: what the
 * backend then returns is a superset of what the real filter matches.
 */
static void
truststore_filter_widen( Operation *op, Filter *f, int positive )
{
	for ( ; f != NULL; f = f->f_next ) {
		switch ( f->f_choice & SLAPD_FILTER_MASK ) {
		case LDAP_FILTER_AND:
		case LDAP_FILTER_OR:
			truststore_filter_widen( op, f->f_list, positive );
			continue;
		case LDAP_FILTER_NOT:
			truststore_filter_widen( op, f->f_not, !positive );
			continue;
		}
		if ( !truststore_filter_reads( truststore_filter_ad( f ) ) &&
			!( ( f->f_choice & SLAPD_FILTER_MASK ) ==
				LDAP_FILTER_EXT && f->f_mr_desc == NULL ) )
			continue;
		/* frees the assertion, keeps the node and its f_next */
		filter_free_x( op, f, 0 );
		f->f_choice = SLAPD_FILTER_COMPUTED;
		f->f_result = positive ? LDAP_COMPARE_TRUE : LDAP_COMPARE_FALSE;
	}
}

/*
 * What a filter or a compare on e needs besides its stored attributes:
 * tsStatus (TS_FILTER_STATUS), the computed decorations
 * (TS_FILTER_FACTS), as one list (free with attrs_free()), or NULL.  The
 * status costs no parse: it is read off the two stored times.
 */
static Attribute *
truststore_read_attrs( Operation *op, truststore_info *ti, Entry *e,
	int kinds )
{
	Attribute *list = NULL, **tail = &list;

	kinds = truststore_source_readable( op, e, kinds );
	if ( ( kinds & TS_FILTER_STATUS ) &&
		truststore_in_base( op, ti, &e->e_nname ) &&
		is_entry_objectclass_or_sub( e, ts_oc_cert ) )
		truststore_status( op, ti, e, &tail );
	if ( kinds & TS_FILTER_FACTS )
		*tail = truststore_computed( op, ti, e );
	return list;
}

/*
 * test_filter() on e as it reads with what it computes (kinds): a
 * scratch head in front of the backend's attributes, which stay
 * untouched.
 */
static int
truststore_test_computed( Operation *op, truststore_info *ti, Entry *e,
	int kinds, Filter *f )
{
	Entry scratch = *e;
	Attribute *list, *last = NULL;
	int rc;

	list = truststore_read_attrs( op, ti, e, kinds );
	if ( list != NULL ) {
		for ( last = list; last->a_next != NULL; last = last->a_next )
			;
		last->a_next = e->e_attrs;
		scratch.e_attrs = list;
	}
	rc = test_filter( op, &scratch, f );
	if ( list != NULL ) {
		last->a_next = NULL;
		attrs_free( list );
	}
	return rc;
}

typedef struct truststore_search_cb {
	slap_callback	ts_cb;
	slap_overinst	*ts_on;
	truststore_info	*ts_ti;
	Filter		*ts_filter;	/* the client's, or NULL */
	Filter		*ts_wide;	/* what the backend got */
	int		ts_slimit;	/* the size limit, enforced here */
	int		ts_kinds;	/* TS_FILTER_STATUS, TS_FILTER_FACTS */
	int		ts_into_entry;	/* computed attributes join the entry */
	int		ts_sort_status;	/* a sort key is tsStatus */
	unsigned	ts_sort_facts;	/* computed sort keys, by index */
} truststore_search_cb;

/*
 * The computed attributes of a search result reach the client through
 * the operational hook (truststore_operational), which slapd runs before
 * the response callbacks, into a list of its own.  Overlays above ours
 * that read entries in their callbacks look at the entry's attributes
 * only: slapo-sssvlv took its sort keys there, so a sort by tsKeyBits or
 * tsStatus came back unsorted, and slapo-dynlist copied a list's
 * attributes from there, leaving tsStatus out.  So the computed
 * attributes a search asks for, and those it sorts by, are moved into
 * (a copy of) the entry here, as if stored; what is sent is the same.
 */

/*
 * The attribute types of the server-side sort control (RFC 2891) of
 * op that are computed here: tsStatus in *status, the decorations as a
 * mask of their indexes.  The control's value is parsed by whoever
 * registered it (slapo-sssvlv), privately: read the keys again.  That
 * parse ended each type it read with a NUL in place, over the tag of
 * what follows (an ordering rule, the next key): take each key whole
 * and its first element, by position, and write nothing.
 */
static unsigned
truststore_sort_keys( Operation *op, int *status )
{
	BerElementBuffer berbuf, keybuf;
	BerElement *ber = (BerElement *)&berbuf;
	BerElement *kber = (BerElement *)&keybuf;
	struct berval key, type;
	AttributeDescription *ad;
	const char *text;
	ber_tag_t tag;
	ber_len_t len;
	char *last;
	unsigned facts = 0;
	int i, idx;

	*status = 0;
	for ( i = 0; op->o_ctrls != NULL && op->o_ctrls[i] != NULL; i++ ) {
		if ( strcmp( op->o_ctrls[i]->ldctl_oid,
				LDAP_CONTROL_SORTREQUEST ) == 0 )
			break;
	}
	if ( op->o_ctrls == NULL || op->o_ctrls[i] == NULL ||
		BER_BVISNULL( &op->o_ctrls[i]->ldctl_value ) )
		return 0;

	ber_init2( ber, &op->o_ctrls[i]->ldctl_value, LBER_USE_DER );
	for ( tag = ber_first_element( ber, &len, &last );
			tag != LBER_DEFAULT;
			tag = ber_next_element( ber, &len, last ) ) {
		if ( ber_get_stringbv( ber, &key, LBER_BV_NOTERM ) ==
				LBER_DEFAULT )
			break;
		ber_init2( kber, &key, LBER_USE_DER );
		ad = NULL;
		if ( ber_get_stringbv( kber, &type, LBER_BV_NOTERM ) ==
				LBER_DEFAULT ||
			slap_bv2ad( &type, &ad, &text ) != LDAP_SUCCESS )
			continue;
		if ( ad == ts_ad_status )
			*status = 1;
		else if ( ( idx = truststore_computed_index( ad ) ) >= 0 )
			facts |= 1U << idx;
	}
	return facts;
}

/* Is ad one of the attributes computed here? */
static int
truststore_is_computed( AttributeDescription *ad )
{
	return ad == ts_ad_status || truststore_computed_index( ad ) >= 0;
}

/*
 * Move the computed attributes of rs into its entry, made modifiable,
 * and add the computed sort keys that were not asked for (not sent).
 */
static void
truststore_entry_computed( Operation *op, truststore_search_cb *sc,
	SlapReply *rs )
{
	Attribute *list = NULL, **tail = &list, **ap, *a, *more, *next;
	int kinds = 0, idx;

	for ( ap = &rs->sr_operational_attrs; *ap != NULL; ) {
		if ( truststore_is_computed( ( *ap )->a_desc ) ) {
			*tail = *ap;
			*ap = ( *ap )->a_next;
			tail = &( *tail )->a_next;
			*tail = NULL;
		} else {
			ap = &( *ap )->a_next;
		}
	}
	if ( sc->ts_sort_status && attr_find( list, ts_ad_status ) == NULL &&
		attr_find( rs->sr_entry->e_attrs, ts_ad_status ) == NULL )
		kinds |= TS_FILTER_STATUS;
	for ( idx = 0; idx < TS_NDECORATIONS; idx++ ) {
		if ( ( sc->ts_sort_facts >> idx ) & 1U &&
			attr_find( list, ts_ad_decoration[idx] ) == NULL )
			kinds |= TS_FILTER_FACTS;
	}
	more = kinds ? truststore_read_attrs( op, sc->ts_ti, rs->sr_entry,
		kinds ) : NULL;
	for ( a = more; a != NULL; a = next ) {
		next = a->a_next;
		a->a_next = NULL;
		idx = truststore_computed_index( a->a_desc );
		if ( attr_find( list, a->a_desc ) == NULL &&
			( a->a_desc == ts_ad_status ? sc->ts_sort_status :
				idx >= 0 && ( sc->ts_sort_facts >> idx ) & 1U ) ) {
			*tail = a;
			tail = &a->a_next;
		} else {
			attr_free( a );
		}
	}
	if ( list == NULL )
		return;

	rs_entry2modifiable( op, rs, sc->ts_on );
	for ( ap = &rs->sr_entry->e_attrs; *ap != NULL; ap = &( *ap )->a_next )
		;
	*ap = list;
}

static int
truststore_search_response( Operation *op, SlapReply *rs )
{
	truststore_search_cb *sc = op->o_callback->sc_private;
	int rc;

	if ( rs->sr_type != REP_SEARCH || rs->sr_entry == NULL )
		return SLAP_CB_CONTINUE;

	if ( sc->ts_filter != NULL ) {
		rc = truststore_test_computed( op, sc->ts_ti, rs->sr_entry,
			sc->ts_kinds, sc->ts_filter );
		/* not sent; the backend still owns and releases the entry */
		if ( rc != LDAP_COMPARE_TRUE )
			return 0;
		/* one more match than allowed: the backend stops, says so */
		if ( sc->ts_slimit >= 0 && rs->sr_nentries >= sc->ts_slimit )
			return LDAP_SIZELIMIT_EXCEEDED;
	}
	if ( sc->ts_into_entry &&
		truststore_in_base( op, sc->ts_ti, &rs->sr_entry->e_nname ) )
		truststore_entry_computed( op, sc, rs );
	return SLAP_CB_CONTINUE;
}

static int
truststore_search_cleanup( Operation *op, SlapReply *rs )
{
	truststore_search_cb *sc = op->o_callback->sc_private;

	/* played after every entry too: only the end counts */
	if ( rs->sr_type != REP_RESULT && !op->o_abandon &&
		rs->sr_err != SLAPD_ABANDON )
		return SLAP_CB_CONTINUE;
	if ( sc->ts_filter != NULL ) {
		op->ors_filter = sc->ts_filter;
		op->ors_slimit = sc->ts_slimit;
		filter_free_x( op, sc->ts_wide, 1 );
	}
	op->o_callback = sc->ts_cb.sc_next;
	op->o_tmpfree( sc, op->o_tmpmemctx );
	return SLAP_CB_CONTINUE;
}

int
truststore_search( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	truststore_search_cb *sc;
	unsigned sort_facts = 0;
	int kinds = 0, sort_status = 0, into = 0;

	truststore_watch_readers( op, ti );
	if ( truststore_assert( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;
	if ( op->ors_filter != NULL )
		kinds = truststore_filter_computed( op->ors_filter );
	/* a syncrepl provider sends what is stored: consumers compute; a
	 * consumer reads its own copy as stored (truststore_operational) */
	if ( op->o_sync == SLAP_CONTROL_NONE &&
		!SLAPD_SYNC_IS_SYNCCONN( op->o_connid ) ) {
		sort_facts = truststore_sort_keys( op, &sort_status );
		into = sort_facts != 0 || sort_status ||
			truststore_asks_computed( op->ors_attrs );
	}
	if ( kinds == 0 && !into )
		goto narrow;

	sc = op->o_tmpcalloc( 1, sizeof( *sc ), op->o_tmpmemctx );
	sc->ts_on = on;
	sc->ts_ti = ti;
	sc->ts_into_entry = into;
	sc->ts_sort_status = sort_status;
	sc->ts_sort_facts = sort_facts;
	sc->ts_cb.sc_response = truststore_search_response;
	sc->ts_cb.sc_cleanup = truststore_search_cleanup;
	sc->ts_cb.sc_private = sc;
	sc->ts_cb.sc_next = op->o_callback;
	op->o_callback = &sc->ts_cb;
	if ( kinds == 0 )
		goto narrow;

	sc->ts_kinds = kinds;
	sc->ts_filter = op->ors_filter;
	sc->ts_wide = filter_dup( op->ors_filter, op->o_tmpmemctx );
	truststore_filter_widen( op, sc->ts_wide, 1 );
	op->ors_filter = sc->ts_wide;
	/*
	 * slapd checks the size limit before an entry reaches us, so a
	 * candidate we would drop could end the search with
	 * sizeLimitExceeded after the last real match: the limit is counted
	 * here instead, on the entries that match.
	 */
	sc->ts_slimit = op->ors_slimit;
	op->ors_slimit = SLAP_NO_LIMIT;
narrow:
	/* on top of the widened filter: its stored tests are the client's */
	truststore_index_search( op, ti );
	return SLAP_CB_CONTINUE;
}

/* ---- the assertion control -------------------------------------------- */

/*
 * The assertion control (RFC 4528) makes an operation conditional on a
 * filter matching its target entry, and the backend tests it on the
 * stored entry, where a computed attribute is absent: true assertions
 * failed, and a compare answered here never tested one.  An assertion
 * that names a computed attribute is tested here, on the entry with what
 * it computes (the source ACLs apply), and the backend gets a widened
 * copy, as a search gets its filter: an entry that passes here passes
 * there.  An add's assertion concerns the entry as sent: left to slapd.
 * A write tests it inside its gate (ts_write.c), which no other write to
 * the entry passes until this one is done, so that the test holds when
 * the backend writes: before the gate, a change of the certificate
 * waiting in it came between, and a write asserting a 2048-bit key was
 * made to a 3072-bit one (t073).
 */
typedef struct truststore_assert_cb {
	slap_callback	ac_cb;
	Filter		*ac_orig;
	Filter		*ac_wide;
} truststore_assert_cb;

static int
truststore_assert_cleanup( Operation *op, SlapReply *rs )
{
	truststore_assert_cb *ac = op->o_callback->sc_private;

	if ( rs->sr_type != REP_RESULT && !op->o_abandon &&
		rs->sr_err != SLAPD_ABANDON )
		return SLAP_CB_CONTINUE;
	op->o_assertion = ac->ac_orig;
	filter_free_x( op, ac->ac_wide, 1 );
	op->o_callback = ac->ac_cb.sc_next;
	op->o_tmpfree( ac, op->o_tmpmemctx );
	return SLAP_CB_CONTINUE;
}

/* The backend gets f with its computed parts TRUE, to test the rest. */
static void
truststore_assert_widen( Operation *op, Filter *f )
{
	truststore_assert_cb *ac;

	ac = op->o_tmpcalloc( 1, sizeof( *ac ), op->o_tmpmemctx );
	ac->ac_orig = f;
	ac->ac_wide = filter_dup( f, op->o_tmpmemctx );
	truststore_filter_widen( op, ac->ac_wide, 1 );
	ac->ac_cb.sc_cleanup = truststore_assert_cleanup;
	ac->ac_cb.sc_private = ac;
	ac->ac_cb.sc_next = op->o_callback;
	op->o_callback = &ac->ac_cb;
	op->o_assertion = ac->ac_wide;
}

/*
 * The code a compare of e that cannot be answered TRUE or FALSE gets, as
 * slap_compare_entry() gives it: insufficientAccess where the client may
 * not compare the attribute, whatever else failed; and noSuchObject for
 * every failure where it may not know the entry exists.
 */
static int
truststore_compare_code( Operation *op, Entry *e, int rc )
{
	if ( !access_allowed( op, e, op->orc_ava->aa_desc,
			&op->orc_ava->aa_value, ACL_COMPARE, NULL ) )
		rc = LDAP_INSUFFICIENT_ACCESS;
	if ( !access_allowed( op, e, slap_schema.si_ad_entry, NULL,
			ACL_DISCLOSE, NULL ) )
		rc = LDAP_NO_SUCH_OBJECT;
	return rc;
}

/* SLAP_CB_CONTINUE, or the assertion failed and that was sent. */
int
truststore_assert( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	Filter *f;
	Entry *e = NULL;
	int kinds, rc;

	if ( !get_assert( op ) || ( f = get_assertion( op ) ) == NULL ||
		( kinds = truststore_filter_computed( f ) ) == 0 ||
		!truststore_in_base( op, ti, &op->o_req_ndn ) )
		return SLAP_CB_CONTINUE;
	/* no entry: the backend answers, with the right code */
	if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e,
			on ) != LDAP_SUCCESS || e == NULL )
		return SLAP_CB_CONTINUE;
	/*
	 * back-mdb tests a search's assertion only on a base the client may
	 * search, and answers noSuchObject or insufficientAccess (as
	 * disclose allows) for any other: a failed assertion sent here told
	 * anyone which hidden certificates exist.  Left to the backend.
	 */
	if ( op->o_tag == LDAP_REQ_SEARCH && !access_allowed( op, e,
			slap_schema.si_ad_entry, NULL, ACL_SEARCH, NULL ) ) {
		overlay_entry_release_ov( op, e, 0, on );
		return SLAP_CB_CONTINUE;
	}
	rc = truststore_test_computed( op, ti, e, kinds, f );
	if ( rc == LDAP_COMPARE_TRUE ) {
		overlay_entry_release_ov( op, e, 0, on );
		truststore_assert_widen( op, f );
		return SLAP_CB_CONTINUE;
	}
	rc = LDAP_ASSERTION_FAILED;
	if ( op->o_tag == LDAP_REQ_COMPARE )
		rc = truststore_compare_code( op, e, rc );
	overlay_entry_release_ov( op, e, 0, on );
	send_ldap_error( op, rs, rc, NULL );
	return rs->sr_err;
}

/*
 * An add's assertion is tested by the backend on the entry to be added
 * (back-mdb, as slapd's other backends), where the computed attributes
 * never are: a true (tsKeyBits=2048) failed.  So it is tested here on
 * the decorated entry.
 */
int
truststore_assert_add( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Filter *f;
	int kinds;

	if ( !get_assert( op ) || ( f = get_assertion( op ) ) == NULL ||
		( kinds = truststore_filter_computed( f ) ) == 0 )
		return SLAP_CB_CONTINUE;
	if ( truststore_test_computed( op, on->on_bi.bi_private, op->ora_e,
			kinds, f ) != LDAP_COMPARE_TRUE ) {
		send_ldap_error( op, rs, LDAP_ASSERTION_FAILED, NULL );
		return rs->sr_err;
	}
	truststore_assert_widen( op, f );
	return SLAP_CB_CONTINUE;
}

/* ---- compare on computed decorations ---------------------------------- */

int
truststore_compare( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	AttributeDescription *ad = op->orc_ava->aa_desc;
	Entry *e = NULL;
	Attribute *list = NULL, *a;
	int rc = SLAP_CB_CONTINUE;
	int kinds = ad == ts_ad_status ? TS_FILTER_STATUS : TS_FILTER_FACTS;

	if ( truststore_assert( op, rs ) != SLAP_CB_CONTINUE )
		return rs->sr_err;
	if ( !truststore_filter_reads( ad ) ||
		!truststore_in_base( op, ti, &op->o_req_ndn ) )
		return SLAP_CB_CONTINUE;
	/* no entry: the backend answers, with the right code */
	if ( overlay_entry_get_ov( op, &op->o_req_ndn, NULL, NULL, 0, &e,
			on ) != LDAP_SUCCESS || e == NULL )
		return SLAP_CB_CONTINUE;
	if ( attr_find( e->e_attrs, ad ) != NULL )
		goto done;			/* stored: the backend compares */

	if ( !access_allowed( op, e, ad, &op->orc_ava->aa_value,
			ACL_COMPARE, NULL ) ) {
		rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
	} else if ( get_assert( op ) && test_filter( op, e,
			get_assertion( op ) ) != LDAP_COMPARE_TRUE ) {
		/* as slap_compare_entry(); computed parts were tested above */
		rs->sr_err = LDAP_ASSERTION_FAILED;
	} else if ( !truststore_source_readable( op, e, kinds ) ) {
		/* what it is computed from is hidden: so is it */
		rs->sr_err = LDAP_INSUFFICIENT_ACCESS;
	} else if ( ( list = truststore_read_attrs( op, ti, e,
				kinds ) ) == NULL ||
		( a = attr_find( list, ad ) ) == NULL ) {
		rs->sr_err = LDAP_NO_SUCH_ATTRIBUTE;
	} else {
		rs->sr_err = attr_valfind( a,
				SLAP_MR_ATTRIBUTE_VALUE_NORMALIZED_MATCH |
				SLAP_MR_ASSERTED_VALUE_NORMALIZED_MATCH,
				&op->orc_ava->aa_value, NULL,
				op->o_tmpmemctx ) == LDAP_SUCCESS ?
			LDAP_COMPARE_TRUE : LDAP_COMPARE_FALSE;
	}
	if ( rs->sr_err != LDAP_COMPARE_TRUE &&
		rs->sr_err != LDAP_COMPARE_FALSE )
		rs->sr_err = truststore_compare_code( op, e, rs->sr_err );
	overlay_entry_release_ov( op, e, 0, on );
	e = NULL;
	send_ldap_result( op, rs );
	rc = rs->sr_err;
done:
	if ( e != NULL )
		overlay_entry_release_ov( op, e, 0, on );
	if ( list != NULL )
		attrs_free( list );
	return rc;
}
