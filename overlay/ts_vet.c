/* ts_vet.c - truststore: what the read of the store finds, checked */

#include "portable.h"

#include <ac/string.h>

#include "slap.h"

#include "truststore.h"

/*
 * Every write through the overlay is checked and decorated, but entries
 * can reach the database past it: slapadd (a restore, a migration), a
 * base widened to take in entries that were outside it, the overlay
 * configured on a database that already holds certificates.  The read of
 * the store at start-up (and after a reconfiguration) is where the
 * overlay meets them, before they are exported and trusted.
 *
 * Every entry is parsed as an add would parse it, by this version's
 * rules: a certificate an older version stored and this one refuses (a
 * rule added since, such as the refusal of what GnuTLS cannot read, which
 * would make GnuTLS drop a whole PEM bundle) is not exported.  A parse takes ~2.5 us (the fast path of lib/tsfast.c), a
 * quarter of a second for 100,000 entries: cheap enough to trust nothing
 * stored, where a digest of the certificate compared with the stored
 * fingerprint would miss both a new rule and an edit of another
 * decoration.  If the entry's decorations are exactly those of its
 * certificate it passes; if not (undecorated, decorations of another
 * certificate or edited, a stored tsStatus or computed decoration) it is
 * judged as an add would be judged now, by the policy: refused, it is not
 * exported; accepted, it is, its lookup keys taken from the certificate
 * rather than from what is stored.  Either way the log says what was
 * found and how to mend it.  An entry with no certificate or several is
 * never exported.  Every entry is indexed, exported or not (truststore.c:
 * the index narrows searches, and must not hide what is stored).  The
 * messages are limited to TS_VET_LOG entries a read, then counted.
 */

#define TS_VET_LOG	20

void
truststore_vet_begin( truststore_vet *tv, truststore_info *ti,
	const char *who )
{
	memset( tv, 0, sizeof( *tv ) );
	tv->tv_ti = ti;
	tv->tv_who = who;
	tv->tv_cert = ts_cert_new();
}

static void
truststore_vet_say( truststore_vet *tv, Entry *e, const char *what,
	const char *outcome )
{
	if ( tv->tv_say != NULL ) {
		snprintf( tv->tv_say, tv->tv_saylen, "\"%s\": %s; %s",
			e->e_name.bv_val, what, outcome );
		return;
	}
	if ( ++tv->tv_logged > TS_VET_LOG )
		return;
	Debug( LDAP_DEBUG_ANY, "truststore: %s: \"%s\": %s; %s\n", tv->tv_who,
		e->e_name.bv_val, what, outcome );
}

/* Whether e stores any decoration at all (some but not all: edited). */
static int
truststore_vet_some( Entry *e )
{
	int idx;

	for ( idx = 0; idx < TS_NDECORATIONS; idx++ ) {
		if ( attr_find( e->e_attrs, ts_ad_decoration[idx] ) != NULL )
			return 1;
	}
	return 0;
}

/* Whether e stores exactly the decorations cert gives, and nothing else. */
static int
truststore_vet_same( Entry *e, struct ts_cert *cert, const char **what )
{
	const struct ts_fact *facts;
	size_t nfacts, i;
	unsigned seen = 0;
	Attribute *a;
	int idx, hint = 0;

	if ( attr_find( e->e_attrs, ts_ad_status ) != NULL ) {
		*what = "it stores tsStatus, which is computed when read";
		return 0;
	}
	if ( ts_cert_facts( cert, &facts, &nfacts ) != 0 ) {
		*what = ts_cert_error( cert );
		return 0;
	}
	for ( i = 0; i < nfacts; i++ ) {
		idx = truststore_fact_index( facts[i].name, &hint );
		if ( idx < 0 || facts[i].len == 0 || !TS_STORED( idx ) )
			continue;
		a = attr_find( e->e_attrs, ts_ad_decoration[idx] );
		if ( a == NULL ) {
			*what = truststore_vet_some( e ) ? "its decorations are "
				"not those of its certificate" :
				"it is not decorated";
			return 0;
		}
		/* the stored facts are single-valued: one value, that one */
		if ( a->a_numvals != 1 || a->a_vals[0].bv_len != facts[i].len ||
			memcmp( a->a_vals[0].bv_val, facts[i].value,
				facts[i].len ) != 0 ) {
			*what = "its decorations are not those of its "
				"certificate";
			return 0;
		}
		seen |= 1U << idx;
	}
	for ( idx = 0; idx < TS_NDECORATIONS; idx++ ) {
		if ( !( seen & ( 1U << idx ) ) &&
			attr_find( e->e_attrs, ts_ad_decoration[idx] ) != NULL ) {
			*what = "it stores a decoration that is computed "
				"when read, or that its certificate does not "
				"give";
			return 0;
		}
	}
	return 1;
}

int
truststore_vet_entry( Operation *op, truststore_vet *tv, Entry *e )
{
	struct ts_policy policy = tv->tv_ti->ti_policy;
	const char *what = NULL;
	enum ts_reason why;
	Attribute *a;
	char text[256], buf[300];

	a = attr_find( e->e_attrs, ts_ad_cert );
	if ( a == NULL || a->a_numvals != 1 ) {
		snprintf( buf, sizeof( buf ), "it holds %u certificates",
			a ? a->a_numvals : 0 );
		truststore_vet_say( tv, e, buf, "not exported: an entry holds "
			"exactly one userCertificate;binary" );
		tv->tv_skipped++;
		return TS_VET_SKIP;
	}
	if ( tv->tv_cert == NULL ||
		ts_cert_parse( tv->tv_cert, a->a_vals[0].bv_val,
			a->a_vals[0].bv_len ) != 0 ) {
		snprintf( buf, sizeof( buf ), "its certificate is refused: %s",
			tv->tv_cert ? ts_cert_error( tv->tv_cert ) :
			"out of memory" );
		truststore_vet_say( tv, e, buf, "not exported" );
		tv->tv_skipped++;
		return TS_VET_SKIP;
	}
	if ( truststore_vet_same( e, tv->tv_cert, &what ) )
		return TS_VET_OK;

	/* never passed the checks, or no longer shows that it did */
	text[0] = '\0';
	if ( ts_policy_check( &policy, tv->tv_cert, (int64_t)slap_get_time(),
			&why, text, sizeof( text ) ) != 0 ) {
		snprintf( buf, sizeof( buf ), "not exported: an add would be "
			"refused: %s", text[0] ? text : "refused by policy" );
		truststore_vet_say( tv, e, what, buf );
		tv->tv_skipped++;
		return TS_VET_SKIP;
	}
	/*
	 * A consumer stores what its syncrepl sends: the decorations are
	 * operational, so attrs="*" or an exattrs= naming them drops them
	 * on the way, and a redecorate (referred or replicated back) only
	 * comes back stripped again.
	 */
	if ( SLAP_SYNC_SHADOW( op->o_bd ) &&
		!truststore_vet_some( e ) ) {
		truststore_vet_say( tv, e, what, "exported (it passes the "
			"policy); this database is a syncrepl consumer: if its "
			"provider holds the entry decorated, this node's "
			"olcSyncrepl attrs= or exattrs= keeps the decorations "
			"out (they are operational: attrs=\"*,+\" lets them "
			"through), else run ldaptrust redecorate --all against "
			"the provider" );
		tv->tv_mended++;
		return TS_VET_DER;
	}
	truststore_vet_say( tv, e, what, "exported (it passes the policy); "
		"replace its userCertificate;binary with the same value to "
		"have it decorated (ldaptrust redecorate --all does)" );
	tv->tv_mended++;
	return TS_VET_DER;
}

/*
 * An entry that a write keeps the certificate of (another attribute
 * modified, a rename): the verdict the read of the store would give it,
 * and in say why, should it be left out.  What the read leaves out, such
 * a write must not bring into the export: only a write of the
 * certificate itself, checked as an add, does (ts_write.c).  The parse
 * uses the write's handle, which stores what the vet compares.
 */
int
truststore_vet_write( Operation *op, truststore_info *ti, Entry *e,
	char *say, size_t saylen )
{
	truststore_vet tv;

	memset( &tv, 0, sizeof( tv ) );
	tv.tv_ti = ti;
	tv.tv_say = say;
	tv.tv_saylen = saylen;
	say[0] = '\0';
	/* no handle: nothing known against it, as the write itself */
	if ( ( tv.tv_cert = truststore_thread_cert( op ) ) == NULL )
		return TS_VET_OK;
	return truststore_vet_entry( op, &tv, e );
}

void
truststore_vet_end( truststore_vet *tv )
{
	if ( tv->tv_logged > TS_VET_LOG ) {
		Debug( LDAP_DEBUG_ANY, "truststore: %s: %lu more entries as "
			"above\n", tv->tv_who,
			(unsigned long)( tv->tv_logged - TS_VET_LOG ) );
	}
	if ( tv->tv_skipped || tv->tv_mended ) {
		Debug( LDAP_DEBUG_ANY, "truststore: %s: %lu certificate entries "
			"not exported, %lu exported without their decorations\n",
			tv->tv_who, (unsigned long)tv->tv_skipped,
			(unsigned long)tv->tv_mended );
	}
	ts_cert_free( tv->tv_cert );
	tv->tv_cert = NULL;
}
