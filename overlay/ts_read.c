/* ts_read.c - truststore: tsStatus, computed when an entry is read */

#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "truststore.h"

/*
 * tsStatus depends on the clock, so it is never stored (a stored value
 * would go stale and replicate for nothing): it is added to search
 * results from tsNotBefore and tsNotAfter when asked for by name or by
 * "+".  Being computed, it cannot be used in search filters; filter on
 * tsNotAfter instead.
 */

int
truststore_operational( Operation *op, SlapReply *rs )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	Entry *e = rs->sr_entry;
	Attribute *nb, *na, **ap;
	int64_t not_before, not_after, window;
	enum ts_status status;
	struct berval bv;

	if ( e == NULL || ts_ad_status == NULL )
		return SLAP_CB_CONTINUE;
	if ( !SLAP_OPATTRS( rs->sr_attr_flags ) &&
		!( rs->sr_attrs != NULL &&
			ad_inlist( ts_ad_status, rs->sr_attrs ) ) )
		return SLAP_CB_CONTINUE;
	if ( !truststore_in_base( op, ti, &e->e_nname ) )
		return SLAP_CB_CONTINUE;

	nb = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_NOT_BEFORE] );
	na = attr_find( e->e_attrs, ts_ad_decoration[TS_AT_NOT_AFTER] );
	if ( nb == NULL || na == NULL ||
		ts_gentime_parse( nb->a_vals[0].bv_val, nb->a_vals[0].bv_len,
			&not_before ) != 0 ||
		ts_gentime_parse( na->a_vals[0].bv_val, na->a_vals[0].bv_len,
			&not_after ) != 0 )
		return SLAP_CB_CONTINUE;

	for ( ap = &rs->sr_operational_attrs; *ap != NULL; ap = &( *ap )->a_next ) {
		if ( ( *ap )->a_desc == ts_ad_status )
			return SLAP_CB_CONTINUE;
	}

	window = (int64_t)ti->ti_expiring_days * 24 * 60 * 60;
	status = ts_status_at( not_before, not_after,
		(int64_t)slap_get_time(), window );
	ber_str2bv( ts_status_name( status ), 0, 0, &bv );
	*ap = attr_alloc( ts_ad_status );
	attr_valadd( *ap, &bv, NULL, 1 );
	return SLAP_CB_CONTINUE;
}
