/* truststore.c - certificate trust store overlay: schema, config, lifecycle */

#include "portable.h"

#include <stdio.h>

#include <ac/string.h>

#include "slap.h"
#include "slap-config.h"
#include "ldap_rq.h"

#include "truststore.h"
#include "ts_repl.h"

/*
 * The truststore overlay owns one or more subtrees ("bases", by default
 * the database suffix) of certificate entries: one X.509 certificate per
 * entry of class tsCertificate, named cn=<alias>.  On every client add
 * and modify it checks that the entry holds exactly one well-formed
 * certificate that passes the configured policy, and decorates the entry
 * with the facts an administrator searches by (subject, expiry,
 * fingerprints, ...).  The decorations are operational attributes that
 * replicate with the entry, so consumers never re-parse; tsStatus is
 * computed on read.  Parsing and policy live in lib/ (tscert.h); this
 * file holds the schema, configuration and lifecycle, ts_write.c the
 * write hooks and ts_read.c the read hook.
 */

#define TS_AT_OID( n )	TS_OID_ARC ".1." #n
#define TS_CFG_AT( n )	TS_OID_ARC ".3.1." #n
#define TS_CFG_OC( n )	TS_OID_ARC ".3.2." #n

#define SYN_DSTRING	"1.3.6.1.4.1.1466.115.121.1.15"
#define SYN_IA5		"1.3.6.1.4.1.1466.115.121.1.26"
#define SYN_GENTIME	"1.3.6.1.4.1.1466.115.121.1.24"
#define SYN_INTEGER	"1.3.6.1.4.1.1466.115.121.1.27"
#define SYN_BOOLEAN	"1.3.6.1.4.1.1466.115.121.1.7"

/* Decorations replicate with the entry, hence directoryOperation. */
#define TS_DECORATION	"NO-USER-MODIFICATION USAGE directoryOperation )"

#define TS_AT_STRING( n, name, desc, single ) \
	"( " TS_AT_OID( n ) " NAME '" name "' DESC '" desc "' " \
	"EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch " \
	"SYNTAX " SYN_DSTRING " " single TS_DECORATION
#define TS_AT_HEX( n, name, desc ) \
	"( " TS_AT_OID( n ) " NAME '" name "' DESC '" desc "' " \
	"EQUALITY caseIgnoreIA5Match SUBSTR caseIgnoreIA5SubstringsMatch " \
	"SYNTAX " SYN_IA5 " SINGLE-VALUE " TS_DECORATION
#define TS_AT_TIME( n, name, desc ) \
	"( " TS_AT_OID( n ) " NAME '" name "' DESC '" desc "' " \
	"EQUALITY generalizedTimeMatch " \
	"ORDERING generalizedTimeOrderingMatch " \
	"SYNTAX " SYN_GENTIME " SINGLE-VALUE " TS_DECORATION
#define TS_AT_INT( n, name, desc ) \
	"( " TS_AT_OID( n ) " NAME '" name "' DESC '" desc "' " \
	"EQUALITY integerMatch ORDERING integerOrderingMatch " \
	"SYNTAX " SYN_INTEGER " SINGLE-VALUE " TS_DECORATION
#define TS_AT_BOOL( n, name, desc ) \
	"( " TS_AT_OID( n ) " NAME '" name "' DESC '" desc "' " \
	"EQUALITY booleanMatch " \
	"SYNTAX " SYN_BOOLEAN " SINGLE-VALUE " TS_DECORATION

AttributeDescription	*ts_ad_decoration[TS_NDECORATIONS];
unsigned		ts_stored_mask;
AttributeDescription	*ts_ad_status;
AttributeDescription	*ts_ad_cert;
AttributeDescription	*ts_ad_pem;
ObjectClass		*ts_oc_cert;

/* In enum ts_decoration order; names are what lib/ reports facts as. */
static struct {
	const char	*name;
	const char	*def;
} truststore_ats[TS_NDECORATIONS] = {
	{ "tsSubject", TS_AT_STRING( 2, "tsSubject",
		"Subject name of the certificate (RFC 4514 string)",
		"SINGLE-VALUE " ) },
	{ "tsIssuer", TS_AT_STRING( 3, "tsIssuer",
		"Issuer name of the certificate (RFC 4514 string)",
		"SINGLE-VALUE " ) },
	{ "tsSerialNumber", TS_AT_HEX( 4, "tsSerialNumber",
		"Serial number in uppercase hex, as openssl x509 -serial prints it" ) },
	{ "tsNotBefore", TS_AT_TIME( 5, "tsNotBefore",
		"Start of the validity period" ) },
	{ "tsNotAfter", TS_AT_TIME( 6, "tsNotAfter",
		"End of the validity period: search (tsNotAfter<=...) for what expires" ) },
	{ "tsFingerprintSHA256", TS_AT_HEX( 7, "tsFingerprintSHA256",
		"SHA-256 fingerprint of the DER certificate, lowercase hex" ) },
	{ "tsFingerprintSHA1", TS_AT_HEX( 8, "tsFingerprintSHA1",
		"SHA-1 fingerprint of the DER certificate, lowercase hex" ) },
	{ "tsSubjectHash", TS_AT_HEX( 9, "tsSubjectHash",
		"OpenSSL subject name hash: the file name in a hashed CA directory" ) },
	{ "tsKeyAlgorithm", TS_AT_STRING( 10, "tsKeyAlgorithm",
		"Public key algorithm (rsaEncryption, id-ecPublicKey, ED25519, ...)",
		"SINGLE-VALUE " ) },
	{ "tsKeyBits", TS_AT_INT( 11, "tsKeyBits",
		"Public key size in bits" ) },
	{ "tsSignatureAlgorithm", TS_AT_STRING( 12, "tsSignatureAlgorithm",
		"Algorithm the issuer signed the certificate with",
		"SINGLE-VALUE " ) },
	{ "tsIsCA", TS_AT_BOOL( 13, "tsIsCA",
		"TRUE when basicConstraints marks the certificate as a CA" ) },
	{ "tsSelfSigned", TS_AT_BOOL( 14, "tsSelfSigned",
		"TRUE when the certificate is signed by its own key" ) },
	{ "tsKeyUsage", TS_AT_STRING( 15, "tsKeyUsage",
		"Key usage bits the certificate allows (one value each)", "" ) },
	{ "tsExtKeyUsage", TS_AT_STRING( 16, "tsExtKeyUsage",
		"Extended key usages (serverAuth, clientAuth, ...; one value each)",
		"" ) },
	{ "tsDNSName", TS_AT_STRING( 17, "tsDNSName",
		"DNS names in the subject alternative name", "" ) },
	{ "tsIPAddress", TS_AT_STRING( 18, "tsIPAddress",
		"IP addresses in the subject alternative name", "" ) },
	{ "tsEmail", TS_AT_STRING( 19, "tsEmail",
		"E-mail addresses in the subject alternative name", "" ) },
	{ "tsURI", TS_AT_STRING( 20, "tsURI",
		"URIs in the subject alternative name", "" ) },
	{ "tsSubjectKeyIdentifier", TS_AT_HEX( 21, "tsSubjectKeyIdentifier",
		"Subject key identifier, lowercase hex" ) },
	{ "tsAuthorityKeyIdentifier", TS_AT_HEX( 22,
		"tsAuthorityKeyIdentifier",
		"Key identifier of the issuer key, lowercase hex" ) },
	{ "tsVersion", TS_AT_INT( 23, "tsVersion",
		"X.509 version (1, 2 or 3)" ) },
};

/*
 * Computed on read and never stored, so it does not replicate either:
 * dSAOperation keeps it out of syncrepl's view of the entry.  Its values
 * sort the most urgent first (expired, expiring, notYetValid, valid),
 * so a server-side sort or (tsStatus<=expiring) needs no rule named.
 * A SUBSTR rule, for the (tsStatus=exp*) an administrator writes first:
 * without one slapd takes it as Undefined and finds nothing, silently.
 */
static const char truststore_status_at[] =
	"( " TS_AT_OID( 24 ) " NAME 'tsStatus' "
	"DESC 'Computed when read: valid, expiring, expired or notYetValid' "
	"EQUALITY caseIgnoreMatch ORDERING caseIgnoreOrderingMatch "
	"SUBSTR caseIgnoreSubstringsMatch "
	"SYNTAX " SYN_DSTRING " SINGLE-VALUE "
	"NO-USER-MODIFICATION USAGE dSAOperation )";

AttributeDescription *
truststore_decoration_ad( const char *name )
{
	int i;

	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		if ( strcmp( truststore_ats[i].name, name ) == 0 )
			return ts_ad_decoration[i];
	}
	return NULL;
}

int
truststore_is_decoration( AttributeDescription *ad )
{
	int i;

	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		if ( ad->ad_type == ts_ad_decoration[i]->ad_type )
			return 1;
	}
	return 0;
}

/* Index of ad if it is a computed (not stored) decoration, else -1. */
int
truststore_computed_index( AttributeDescription *ad )
{
	int i;

	if ( ad == NULL )
		return -1;
	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		if ( !TS_STORED( i ) && ad->ad_type == ts_ad_decoration[i]->ad_type )
			return i;
	}
	return -1;
}

/*
 * Index of a decoration by the name lib/ reports it under, or -1.  The
 * facts come in enum order, so the search starts where the previous one
 * ended (*hint): one comparison per fact instead of a scan.
 */
int
truststore_fact_index( const char *name, int *hint )
{
	int i, j;

	for ( j = 0; j < TS_NDECORATIONS; j++ ) {
		i = ( *hint + j ) % TS_NDECORATIONS;
		if ( strcmp( ts_ad_decoration[i]->ad_cname.bv_val, name ) == 0 ) {
			*hint = i;
			return i;
		}
	}
	return -1;
}

/* Is ndn strictly below one of the bases? */
int
truststore_in_base( Operation *op, truststore_info *ti, struct berval *ndn )
{
	BerVarray bases = ti->ti_bases ? ti->ti_bases : op->o_bd->be_nsuffix;
	int i;

	if ( bases == NULL )
		return 0;
	for ( i = 0; !BER_BVISNULL( &bases[i] ); i++ ) {
		if ( ndn->bv_len > bases[i].bv_len &&
			dnIsSuffix( ndn, &bases[i] ) )
			return 1;
	}
	return 0;
}

/*
 * Is ndn a base or below one?  A rename keeps an entry in the store when
 * its new parent passes this, and the lookup index narrows only searches
 * whose base does (it knows nothing above the bases).
 */
/*
 * Whether the client has access to the entry ndn itself (its "entry"
 * pseudo-attribute), read through the rest of the stack: 0 if it is not
 * there.
 */
int
truststore_entry_allowed( Operation *op, struct berval *ndn,
	slap_access_t access )
{
	slap_overinst *on = (slap_overinst *)op->o_bd->bd_info;
	Entry *e = NULL;
	int ok = 0;

	if ( overlay_entry_get_ov( op, ndn, NULL, NULL, 0, &e, on ) ==
			LDAP_SUCCESS && e != NULL ) {
		ok = access_allowed( op, e, slap_schema.si_ad_entry, NULL,
			access, NULL );
		overlay_entry_release_ov( op, e, 0, on );
	}
	return ok;
}

int
truststore_at_or_below_base( Operation *op, truststore_info *ti,
	struct berval *ndn )
{
	BerVarray bases = ti->ti_bases ? ti->ti_bases : op->o_bd->be_nsuffix;
	int i;

	for ( i = 0; bases != NULL && !BER_BVISNULL( &bases[i] ); i++ ) {
		if ( dnIsSuffix( ndn, &bases[i] ) )
			return 1;
	}
	return 0;
}

/*
 * The entry's normalized DN after op: o_req_ndn itself but for a rename
 * (then tmp memory: free it when it is not o_req_ndn's).
 */
void
truststore_new_ndn( Operation *op, struct berval *newdn )
{
	struct berval parent;

	*newdn = op->o_req_ndn;
	if ( op->o_tag != LDAP_REQ_MODRDN )
		return;
	if ( op->orr_nnewSup )
		parent = *op->orr_nnewSup;
	else
		dnParent( &op->o_req_ndn, &parent );
	build_new_dn( newdn, &parent, &op->orr_nnewrdn, op->o_tmpmemctx );
}

static int truststore_load( BackendDB *be, truststore_info *ti,
	const char *who );
static int truststore_schema( void );

/*
 * After a cn=config change on a running server to what the lookup index
 * or the export depends on (bases, export paths): read the database
 * again under the new settings.
 */
int
truststore_reopen( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	truststore_info *ti = on->on_bi.bi_private;
	BackendDB db;

	if ( !( slapMode & SLAP_SERVER_MODE ) || !SLAP_DBOPEN( c->be ) )
		return 0;
	/* as over_db_func() would call us: the overlay as bd_info */
	db = *c->be;
	db.bd_info = c->bi;
	truststore_export_close( &db, ti );
	return truststore_load( &db, ti, "re-read (cn=config change)" );
}

/*
 * Take one of our run queue tasks off for good, with slapd_rq.rq_mutex
 * held (on return too), so that its job never runs on what the caller
 * frees next; *taskp is NULL then.  Handed to the pool, it waits there
 * while cn=config pauses the pool: its job is retracted.  It may also be
 * running: an overlay's removal closes it after the pause
 * (overlay_remove_cb()); then it is waited for (and may take itself off
 * meanwhile).  At shutdown the pool is closed and runs nothing.
 */
void
truststore_task_remove( struct re_s **taskp )
{
	while ( *taskp != NULL &&
		ldap_pvt_runqueue_isrunning( &slapd_rq, *taskp ) ) {
		if ( slapd_shutdown ||
			ldap_pvt_thread_pool_retract( (*taskp)->pool_cookie ) > 0 ) {
			ldap_pvt_runqueue_stoptask( &slapd_rq, *taskp );
			break;
		}
		ldap_pvt_thread_mutex_unlock( &slapd_rq.rq_mutex );
		ldap_pvt_thread_yield();
		ldap_pvt_thread_mutex_lock( &slapd_rq.rq_mutex );
	}
	if ( *taskp != NULL )
		ldap_pvt_runqueue_remove( &slapd_rq, *taskp );
	*taskp = NULL;
}

/* ---- reading the whole store ------------------------------------------ */

typedef struct truststore_scan_ctx {
	truststore_scan_fn	*sc_fn;
	void			*sc_arg;
	truststore_info		*sc_ti;
	int			sc_err;
	int			sc_stop;
} truststore_scan_ctx;

static int
truststore_scan_cb( Operation *op, SlapReply *rs )
{
	truststore_scan_ctx *sc = op->o_callback->sc_private;

	if ( rs->sr_type == REP_RESULT )
		sc->sc_err = rs->sr_err;
	/* a lookup by key may no longer be a base search (ts_index.c) */
	else if ( rs->sr_type == REP_SEARCHREF )
		truststore_referral_seen( sc->sc_ti );
	/*
	 * A base itself is no part of the store: the writes to it are not
	 * checked (truststore_in_base), so a certificate entry there would
	 * be exported unchecked and kept exported after its delete.
	 */
	else if ( rs->sr_type == REP_SEARCH && !sc->sc_stop &&
		truststore_in_base( op, sc->sc_ti, &rs->sr_entry->e_nname ) &&
		sc->sc_fn( op, rs->sr_entry, sc->sc_arg ) != 0 )
		sc->sc_stop = 1;
	return 0;
}

int
truststore_scan( BackendDB *be, BackendInfo *bi, truststore_info *ti,
	struct berval *dn, const char *who, truststore_scan_fn *fn, void *arg )
{
	Connection conn = { 0 };
	OperationBuffer opbuf;
	Operation *op;
	slap_callback cb = { 0 };
	BackendDB db;
	BerVarray bases;
	truststore_scan_ctx sc = { fn, arg, ti, LDAP_SUCCESS, 0 };
	int i, rc = LDAP_SUCCESS;

	connection_fake_init2( &conn, &opbuf, ldap_pvt_thread_pool_context(), 0 );
	op = &opbuf.ob_op;
	/* our own copy: the overlay stack is bypassed, ACLs too (as root) */
	db = *be;
	db.bd_info = bi;
	db.be_rootndn = *dn;
	op->o_bd = &db;
	op->o_dn = op->o_ndn = *dn;
	op->o_tag = LDAP_REQ_SEARCH;
	op->o_time = slap_get_time();
	op->ors_scope = LDAP_SCOPE_SUBTREE;
	op->ors_deref = LDAP_DEREF_NEVER;
	op->ors_slimit = SLAP_NO_LIMIT;
	op->ors_tlimit = SLAP_NO_LIMIT;
	op->ors_limit = NULL;
	op->ors_attrs = slap_anlist_all_attributes;
	op->ors_attrsonly = 0;
	ber_str2bv_x( "(objectClass=tsCertificate)", 0, 1, &op->ors_filterstr,
		op->o_tmpmemctx );
	op->ors_filter = str2filter_x( op, op->ors_filterstr.bv_val );
	cb.sc_response = truststore_scan_cb;
	cb.sc_private = &sc;
	op->o_callback = &cb;

	bases = ti->ti_bases ? ti->ti_bases : be->be_nsuffix;
	for ( i = 0; bases && !BER_BVISNULL( &bases[i] ) && !sc.sc_stop; i++ ) {
		SlapReply rs = { REP_RESULT };

		op->o_req_dn = op->o_req_ndn = bases[i];
		sc.sc_err = LDAP_SUCCESS;
		bi->bi_op_search( op, &rs );
		/*
		 * A base not created yet holds no certificate: fine on a new
		 * node (the examples add the base entries last), but a base
		 * mistyped in the configuration looks the same and empties the
		 * export: say which.
		 */
		if ( sc.sc_err == LDAP_NO_SUCH_OBJECT )
			Debug( LDAP_DEBUG_ANY, "truststore: %s: the base \"%s\" "
				"does not exist (yet): no certificate is under "
				"it\n", who, bases[i].bv_val );
		if ( sc.sc_err != LDAP_SUCCESS &&
			sc.sc_err != LDAP_NO_SUCH_OBJECT ) {
			Debug( LDAP_DEBUG_ANY, "truststore: %s: reading \"%s\" "
				"failed (%d)\n", who, bases[i].bv_val, sc.sc_err );
			rc = sc.sc_err;
			break;
		}
	}
	filter_free_x( op, op->ors_filter, 1 );
	op->o_tmpfree( op->ors_filterstr.bv_val, op->o_tmpmemctx );
	return rc;
}

/*
 * The overlay's one read of the database, at db_open and after a
 * reconfiguration: every certificate entry goes to the lookup index and
 * to the exporter's catalogue (reading 100,000 entries takes about a
 * second; each used to read them on its own).  be as db_open gets it.
 */
typedef struct truststore_load_ctx {
	truststore_iload	tl_index;
	truststore_info		*tl_ti;
	truststore_vet		tl_vet;
} truststore_load_ctx;

static int
truststore_load_entry( Operation *op, Entry *e, void *arg )
{
	truststore_load_ctx *tl = arg;
	int v;

	/* what came past the overlay is checked first (ts_vet.c) */
	v = truststore_vet_entry( op, &tl->tl_vet, e );
	/*
	 * Indexed all the same: the index narrows equality searches, and an
	 * entry missing from it would be missing from their results while
	 * it is stored (as a replicated one this node refused is, ts_write.c).
	 */
	truststore_index_load_entry( op, e, &tl->tl_index, v == TS_VET_DER );
	if ( v == TS_VET_SKIP )
		return 0;
	return truststore_export_load_entry( op, e, tl->tl_ti );
}

static int
truststore_load( BackendDB *be, truststore_info *ti, const char *who )
{
	static struct berval dn = BER_BVC( "cn=truststore" );
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_load_ctx tl;
	int ok;

	if ( truststore_schema() )
		return 1;
	tl.tl_ti = ti;
	truststore_index_load_begin( &tl.tl_index );
	if ( truststore_export_open( be, ti ) ) {
		truststore_index_load_end( ti, &tl.tl_index, 0 );
		return 1;
	}
	truststore_vet_begin( &tl.tl_vet, ti, who );
	ok = truststore_scan( be, on->on_info->oi_orig, ti, &dn, who,
		truststore_load_entry, &tl ) == LDAP_SUCCESS;
	truststore_vet_end( &tl.tl_vet );
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	ti->ti_read_skipped = tl.tl_vet.tv_skipped;
	ti->ti_read_mended = tl.tl_vet.tv_mended;
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	truststore_index_load_end( ti, &tl.tl_index, ok );
	truststore_export_loaded( ti, ok );
	return 0;
}

/* Is ndn a base or one of its ancestors (renaming it moves the store)? */
int
truststore_is_base_or_above( Operation *op, truststore_info *ti,
	struct berval *ndn )
{
	BerVarray bases = ti->ti_bases ? ti->ti_bases : op->o_bd->be_nsuffix;
	int i;

	if ( bases == NULL )
		return 0;
	for ( i = 0; !BER_BVISNULL( &bases[i] ); i++ ) {
		if ( dnIsSuffix( &bases[i], ndn ) )
			return 1;
	}
	return 0;
}

/*
 * The alias is the value of the entry's RDN (cn=<alias>), unescaped, in
 * o_tmpmemctx memory; an empty berval when the DN does not parse.
 */
void
truststore_alias( Operation *op, struct berval *dn, struct berval *alias )
{
	LDAPRDN rdn = NULL;
	char *next;

	BER_BVZERO( alias );
	if ( BER_BVISEMPTY( dn ) )
		return;
	if ( ldap_bv2rdn_x( dn, &rdn, &next, LDAP_DN_FORMAT_LDAP,
			op->o_tmpmemctx ) != LDAP_SUCCESS )
		return;
	ber_dupbv_x( alias, &rdn[0]->la_value, op->o_tmpmemctx );
	ldap_rdnfree_x( rdn, op->o_tmpmemctx );
}

/*
 * Parsing handle per worker thread: the library keeps its buffers
 * between certificates, which keeps the add path free of allocations.
 */
static void
truststore_thread_cert_free( void *key, void *data )
{
	ts_cert_free( data );
}

static struct ts_cert *
truststore_thread_handle( Operation *op, void *key )
{
	void *data = NULL;
	struct ts_cert *cert;

	if ( op->o_threadctx != NULL &&
		ldap_pvt_thread_pool_getkey( op->o_threadctx, key, &data,
			NULL ) == 0 &&
		data != NULL )
		return data;

	cert = ts_cert_new();
	/* a write stores some facts; a read may ask for any */
	if ( cert != NULL && key == (void *)truststore_thread_cert )
		ts_cert_set_stored_only( cert, 1 );
	if ( cert != NULL && op->o_threadctx != NULL ) {
		if ( ldap_pvt_thread_pool_setkey( op->o_threadctx, key, cert,
				truststore_thread_cert_free, NULL, NULL ) != 0 ) {
			ts_cert_free( cert );
			cert = NULL;
		}
	}
	return cert;
}

/* For writes: the parsed certificate lives until the entry is decorated. */
struct ts_cert *
truststore_thread_cert( Operation *op )
{
	return truststore_thread_handle( op, (void *)truststore_thread_cert );
}

/*
 * For reads, a handle of its own: a search run from inside a write (the
 * duplicate search) must not overwrite the certificate being written.
 */
struct ts_cert *
truststore_thread_cert_read( Operation *op )
{
	return truststore_thread_handle( op,
		(void *)truststore_thread_cert_read );
}

/* ---- configuration ---------------------------------------------------- */

enum {
	TS_CF_BASE = 1,
	TS_CF_REFUSE_EXPIRED,
	TS_CF_REFUSE_NOT_YET_VALID,
	TS_CF_MIN_RSA_BITS,
	TS_CF_REFUSE_WEAK_SIGNATURE,
	TS_CF_REQUIRE_CA,
	TS_CF_REFUSE_DUPLICATES,
	TS_CF_MAX_SIZE,
	TS_CF_EXPIRING_DAYS
};

#define TS_MAX_RSA_BITS		16384
#define TS_MAX_MAX_SIZE		( 16UL * 1024 * 1024 )

static int
truststore_cf( ConfigArgs *c )
{
	slap_overinst *on = (slap_overinst *)c->bi;
	truststore_info *ti = on->on_bi.bi_private;
	struct ts_policy defaults;
	int rc = 0, i;

	ts_policy_defaults( &defaults );

	switch ( c->op ) {
	case SLAP_CONFIG_EMIT:
		switch ( c->type ) {
		case TS_CF_BASE:
			if ( ti->ti_bases == NULL )
				return 1;
			for ( i = 0; !BER_BVISNULL( &ti->ti_bases[i] ); i++ ) {
				value_add_one( &c->rvalue_vals,
					&ti->ti_bases_pretty[i] );
				value_add_one( &c->rvalue_nvals,
					&ti->ti_bases[i] );
			}
			break;
		case TS_CF_REFUSE_EXPIRED:
			c->value_int = ti->ti_policy.refuse_expired;
			break;
		case TS_CF_REFUSE_NOT_YET_VALID:
			c->value_int = ti->ti_policy.refuse_not_yet_valid;
			break;
		case TS_CF_MIN_RSA_BITS:
			c->value_int = ti->ti_policy.min_rsa_bits;
			break;
		case TS_CF_REFUSE_WEAK_SIGNATURE:
			c->value_int = ti->ti_policy.refuse_weak_signature;
			break;
		case TS_CF_REQUIRE_CA:
			c->value_int = ti->ti_policy.require_ca;
			break;
		case TS_CF_REFUSE_DUPLICATES:
			c->value_int = ti->ti_refuse_duplicates;
			break;
		case TS_CF_MAX_SIZE:
			c->value_ulong = ti->ti_policy.max_size;
			break;
		case TS_CF_EXPIRING_DAYS:
			c->value_int = ti->ti_expiring_days;
			break;
		}
		break;

	case LDAP_MOD_DELETE:
		/* Deleting a value restores the default. */
		switch ( c->type ) {
		case TS_CF_BASE:
			if ( ti->ti_bases == NULL )
				break;
			if ( c->valx < 0 ) {
				ber_bvarray_free( ti->ti_bases );
				ber_bvarray_free( ti->ti_bases_pretty );
				ti->ti_bases = ti->ti_bases_pretty = NULL;
				config_push_cleanup( c, truststore_reopen );
				break;
			}
			for ( i = 0; !BER_BVISNULL( &ti->ti_bases[i] ); i++ )
				;
			if ( c->valx >= i )
				break;
			ch_free( ti->ti_bases[c->valx].bv_val );
			ch_free( ti->ti_bases_pretty[c->valx].bv_val );
			for ( ; c->valx < i; c->valx++ ) {
				ti->ti_bases[c->valx] = ti->ti_bases[c->valx + 1];
				ti->ti_bases_pretty[c->valx] =
					ti->ti_bases_pretty[c->valx + 1];
			}
			if ( BER_BVISNULL( &ti->ti_bases[0] ) ) {
				ber_bvarray_free( ti->ti_bases );
				ber_bvarray_free( ti->ti_bases_pretty );
				ti->ti_bases = ti->ti_bases_pretty = NULL;
			}
			/* the exported files follow the new bases */
			config_push_cleanup( c, truststore_reopen );
			break;
		case TS_CF_REFUSE_EXPIRED:
			ti->ti_policy.refuse_expired = defaults.refuse_expired;
			break;
		case TS_CF_REFUSE_NOT_YET_VALID:
			ti->ti_policy.refuse_not_yet_valid =
				defaults.refuse_not_yet_valid;
			break;
		case TS_CF_MIN_RSA_BITS:
			ti->ti_policy.min_rsa_bits = defaults.min_rsa_bits;
			break;
		case TS_CF_REFUSE_WEAK_SIGNATURE:
			ti->ti_policy.refuse_weak_signature =
				defaults.refuse_weak_signature;
			break;
		case TS_CF_REQUIRE_CA:
			ti->ti_policy.require_ca = defaults.require_ca;
			break;
		case TS_CF_REFUSE_DUPLICATES:
			ti->ti_refuse_duplicates = TS_DEFAULT_REFUSE_DUPLICATES;
			break;
		case TS_CF_MAX_SIZE:
			ti->ti_policy.max_size = defaults.max_size;
			break;
		case TS_CF_EXPIRING_DAYS:
			ti->ti_expiring_days = TS_DEFAULT_EXPIRING_DAYS;
			break;
		}
		break;

	case SLAP_CONFIG_ADD:
	case LDAP_MOD_ADD:
		switch ( c->type ) {
		case TS_CF_BASE:
			if ( c->be->be_nsuffix == NULL ||
				!be_issubordinate( c->be, &c->value_ndn ) ) {
				snprintf( c->cr_msg, sizeof( c->cr_msg ),
					"<%s> \"%s\" is not within the database suffix",
					c->argv[0], c->value_dn.bv_val );
				rc = ARG_BAD_CONF;
				break;
			}
			/*
			 * Bases are disjoint subtrees: one within another would
			 * manage an entry twice, and a base's own entry, which
			 * is not managed (a certificate entry named as a base
			 * included), would be managed after all.
			 */
			for ( i = 0; ti->ti_bases != NULL &&
					!BER_BVISNULL( &ti->ti_bases[i] ); i++ ) {
				if ( dnIsSuffix( &c->value_ndn, &ti->ti_bases[i] ) ||
					dnIsSuffix( &ti->ti_bases[i], &c->value_ndn ) )
					break;
			}
			if ( ti->ti_bases != NULL &&
					!BER_BVISNULL( &ti->ti_bases[i] ) ) {
				snprintf( c->cr_msg, sizeof( c->cr_msg ),
					"<%s> \"%s\" overlaps the base \"%s\": bases "
					"are disjoint subtrees", c->argv[0],
					c->value_dn.bv_val,
					ti->ti_bases_pretty[i].bv_val );
				rc = ARG_BAD_CONF;
				break;
			}
			ber_bvarray_add( &ti->ti_bases, &c->value_ndn );
			ber_bvarray_add( &ti->ti_bases_pretty, &c->value_dn );
			BER_BVZERO( &c->value_ndn );
			BER_BVZERO( &c->value_dn );
			config_push_cleanup( c, truststore_reopen );
			break;
		case TS_CF_REFUSE_EXPIRED:
			ti->ti_policy.refuse_expired = c->value_int;
			break;
		case TS_CF_REFUSE_NOT_YET_VALID:
			ti->ti_policy.refuse_not_yet_valid = c->value_int;
			break;
		case TS_CF_MIN_RSA_BITS:
			if ( c->value_int < 0 || c->value_int > TS_MAX_RSA_BITS ) {
				snprintf( c->cr_msg, sizeof( c->cr_msg ),
					"<%s> must be between 0 (no minimum) and %d",
					c->argv[0], TS_MAX_RSA_BITS );
				rc = ARG_BAD_CONF;
				break;
			}
			ti->ti_policy.min_rsa_bits = c->value_int;
			break;
		case TS_CF_REFUSE_WEAK_SIGNATURE:
			ti->ti_policy.refuse_weak_signature = c->value_int;
			break;
		case TS_CF_REQUIRE_CA:
			ti->ti_policy.require_ca = c->value_int;
			break;
		case TS_CF_REFUSE_DUPLICATES:
			ti->ti_refuse_duplicates = c->value_int;
			break;
		case TS_CF_MAX_SIZE:
			if ( c->value_ulong == 0 ||
				c->value_ulong > TS_MAX_MAX_SIZE ) {
				snprintf( c->cr_msg, sizeof( c->cr_msg ),
					"<%s> must be between 1 and %lu bytes",
					c->argv[0], TS_MAX_MAX_SIZE );
				rc = ARG_BAD_CONF;
				break;
			}
			ti->ti_policy.max_size = c->value_ulong;
			break;
		case TS_CF_EXPIRING_DAYS:
			if ( c->value_int < 0 ) {
				snprintf( c->cr_msg, sizeof( c->cr_msg ),
					"<%s> must not be negative", c->argv[0] );
				rc = ARG_BAD_CONF;
				break;
			}
			ti->ti_expiring_days = c->value_int;
			break;
		}
		/*
		 * Read from slapd.conf, cr_msg goes to no client: at the
		 * config level alone (slapd's own refusals' level), slapd and
		 * slaptest refused the file without a reason.
		 */
		if ( rc != 0 )
			Debug( LDAP_DEBUG_ANY, "%s: %s\n", c->log, c->cr_msg );
		break;
	}
	/*
	 * The read of the store judges by the policy what the overlay did
	 * not decorate (ts_vet.c): read it again, so that the export follows
	 * the new policy now, as it would after a restart.
	 */
	if ( rc == 0 && c->op != SLAP_CONFIG_EMIT &&
		c->type != TS_CF_BASE && c->type != TS_CF_REFUSE_DUPLICATES &&
		c->type != TS_CF_EXPIRING_DAYS )
		config_push_cleanup( c, truststore_reopen );
	return rc;
}

static ConfigTable truststore_cfg[] = {
	{ "truststore-base", "dn", 2, 2, 0,
	  ARG_DN|ARG_QUOTE|ARG_MAGIC|TS_CF_BASE, truststore_cf,
	  "( " TS_CFG_AT( 1 ) " NAME 'olcTrustStoreBase' "
	  "DESC 'Subtree holding the certificate entries (default: suffix)' "
	  "EQUALITY distinguishedNameMatch "
	  "SYNTAX OMsDN )", NULL, { 0 } },
	{ "truststore-refuse-expired", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_MAGIC|TS_CF_REFUSE_EXPIRED, truststore_cf,
	  "( " TS_CFG_AT( 2 ) " NAME 'olcTrustStoreRefuseExpired' "
	  "DESC 'Refuse certificates whose validity has ended' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-refuse-not-yet-valid", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_MAGIC|TS_CF_REFUSE_NOT_YET_VALID, truststore_cf,
	  "( " TS_CFG_AT( 3 ) " NAME 'olcTrustStoreRefuseNotYetValid' "
	  "DESC 'Refuse certificates whose validity has not begun' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-min-rsa-bits", "bits", 2, 2, 0,
	  ARG_INT|ARG_MAGIC|TS_CF_MIN_RSA_BITS, truststore_cf,
	  "( " TS_CFG_AT( 4 ) " NAME 'olcTrustStoreMinRSABits' "
	  "DESC 'Smallest RSA key accepted, in bits; 0 accepts any' "
	  "EQUALITY integerMatch "
	  "SYNTAX OMsInteger SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-refuse-weak-signature", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_MAGIC|TS_CF_REFUSE_WEAK_SIGNATURE, truststore_cf,
	  "( " TS_CFG_AT( 5 ) " NAME 'olcTrustStoreRefuseWeakSignature' "
	  "DESC 'Refuse MD5 and SHA-1 signatures (not on self-signed roots)' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-require-ca", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_MAGIC|TS_CF_REQUIRE_CA, truststore_cf,
	  "( " TS_CFG_AT( 6 ) " NAME 'olcTrustStoreRequireCA' "
	  "DESC 'Accept only CA certificates' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-refuse-duplicates", "on|off", 2, 2, 0,
	  ARG_ON_OFF|ARG_MAGIC|TS_CF_REFUSE_DUPLICATES, truststore_cf,
	  "( " TS_CFG_AT( 7 ) " NAME 'olcTrustStoreRefuseDuplicates' "
	  "DESC 'Refuse a certificate already stored under another alias' "
	  "EQUALITY booleanMatch "
	  "SYNTAX OMsBoolean SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-max-size", "bytes", 2, 2, 0,
	  ARG_ULONG|ARG_MAGIC|TS_CF_MAX_SIZE, truststore_cf,
	  "( " TS_CFG_AT( 8 ) " NAME 'olcTrustStoreMaxSize' "
	  "DESC 'Largest DER certificate accepted, in bytes' "
	  "EQUALITY integerMatch "
	  "SYNTAX OMsInteger SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-expiring-days", "days", 2, 2, 0,
	  ARG_INT|ARG_MAGIC|TS_CF_EXPIRING_DAYS, truststore_cf,
	  "( " TS_CFG_AT( 9 ) " NAME 'olcTrustStoreExpiringDays' "
	  "DESC 'tsStatus says expiring this many days before the end' "
	  "EQUALITY integerMatch "
	  "SYNTAX OMsInteger SINGLE-VALUE )", NULL, { 0 } },
	/*
	 * ARG_QUOTE: cn=config takes the value whole, as slaptest writes it
	 * (unquoted), so that a path may hold spaces.
	 */
	{ "truststore-export-dir", "directory", 2, 2, 0,
	  ARG_STRING|ARG_QUOTE|ARG_MAGIC|TS_EXPORT_CF_DIR, truststore_export_cf,
	  "( " TS_CFG_AT( 10 ) " NAME 'olcTrustStoreExportDir' "
	  "DESC 'Directory kept equal to the store as a hashed CA directory' "
	  "EQUALITY caseExactMatch "
	  "SYNTAX OMsDirectoryString SINGLE-VALUE )", NULL, { 0 } },
	{ "truststore-export-bundle", "file", 2, 2, 0,
	  ARG_STRING|ARG_QUOTE|ARG_MAGIC|TS_EXPORT_CF_BUNDLE, truststore_export_cf,
	  "( " TS_CFG_AT( 11 ) " NAME 'olcTrustStoreExportBundle' "
	  "DESC 'File kept equal to the store as a PEM bundle' "
	  "EQUALITY caseExactMatch "
	  "SYNTAX OMsDirectoryString SINGLE-VALUE )", NULL, { 0 } },
	{ NULL, NULL, 0, 0, 0, ARG_IGNORED, NULL, NULL, NULL, { 0 } }
};

static ConfigOCs truststore_ocs[] = {
	{ .co_def = "( " TS_CFG_OC( 1 ) " "
	  "NAME 'olcTrustStoreConfig' "
	  "DESC 'Certificate trust store overlay configuration' "
	  "SUP olcOverlayConfig "
	  "MAY ( olcTrustStoreBase $ olcTrustStoreRefuseExpired $ "
	  "olcTrustStoreRefuseNotYetValid $ olcTrustStoreMinRSABits $ "
	  "olcTrustStoreRefuseWeakSignature $ olcTrustStoreRequireCA $ "
	  "olcTrustStoreRefuseDuplicates $ olcTrustStoreMaxSize $ "
	  "olcTrustStoreExpiringDays $ olcTrustStoreExportDir $ "
	  "olcTrustStoreExportBundle ) )",
	  .co_type = Cft_Overlay, .co_table = truststore_cfg },
	{ .co_def = NULL }
};

/* ---- lifecycle -------------------------------------------------------- */

static int
truststore_db_init( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti;

	ti = ch_calloc( 1, sizeof( truststore_info ) );
	ts_policy_defaults( &ti->ti_policy );
	ti->ti_refuse_duplicates = TS_DEFAULT_REFUSE_DUPLICATES;
	ti->ti_expiring_days = TS_DEFAULT_EXPIRING_DAYS;
	ldap_pvt_thread_mutex_init( &ti->ti_gates_mutex );
	ldap_pvt_thread_cond_init( &ti->ti_gates_cond );
	ldap_pvt_thread_rdwr_init( &ti->ti_index_rw );
	ldap_pvt_thread_mutex_init( &ti->ti_based_mutex );
	ldap_pvt_thread_cond_init( &ti->ti_based_cond );
	on->on_bi.bi_private = ti;
	return 0;
}

/*
 * cn=config loads modules before schema: the schema file's items are
 * resolved at the first open, or at the first read of the store, which
 * a live add of the overlay makes from its attribute handlers, before
 * slapd opens it (truststore_reopen).
 */
static int
truststore_schema( void )
{
	const char *text;

	if ( ts_ad_cert == NULL &&
		slap_str2ad( "userCertificate;binary", &ts_ad_cert, &text ) ) {
		Debug( LDAP_DEBUG_ANY, "truststore: userCertificate;binary: %s\n",
			text );
		return 1;
	}
	if ( ts_ad_pem == NULL &&
		slap_str2ad( "tsCertificatePEM", &ts_ad_pem, &text ) ) {
		Debug( LDAP_DEBUG_ANY, "truststore: tsCertificatePEM: %s "
			"(is truststore.schema loaded?)\n", text );
		return 1;
	}
	if ( ts_oc_cert == NULL ) {
		ts_oc_cert = oc_find( "tsCertificate" );
		if ( ts_oc_cert == NULL ) {
			Debug( LDAP_DEBUG_ANY, "truststore: objectClass "
				"tsCertificate undefined "
				"(is truststore.schema loaded?)\n" );
			return 1;
		}
	}

	return 0;
}

/*
 * A schema installed with an earlier version stays in cn=config (or in an
 * old copy of truststore.schema) when only the module is replaced, and
 * slapd applies it before any overlay runs: tsCertificatePEM as an
 * IA5String refuses PEM files with a UTF-8 comment ("invalid per
 * syntax"), and without organizationIdentifier slapd cannot normalize
 * the names of CAs that use it ("normalization failed").  Both refusals
 * are slapd's generic ones, so name the old schema here, at each open.
 */
static void
truststore_schema_age( BackendDB *be )
{
	if ( ts_ad_pem != NULL && ts_ad_pem->ad_type->sat_syntax != NULL &&
		strcmp( ts_ad_pem->ad_type->sat_syntax->ssyn_oid,
			"1.3.6.1.4.1.1466.115.121.1.40" ) != 0 ) {
		Debug( LDAP_DEBUG_ANY, "truststore: \"%s\": the schema of an "
			"earlier version is loaded: tsCertificatePEM has syntax "
			"%s, not Octet String, so slapd refuses PEM text holding "
			"a byte outside ASCII before the overlay reads it; "
			"replace its definition (slapo-truststore(5), "
			"UPGRADING)\n", be->be_suffix[0].bv_val,
			ts_ad_pem->ad_type->sat_syntax->ssyn_oid );
	}
	if ( at_find( "organizationIdentifier" ) == NULL ) {
		Debug( LDAP_DEBUG_ANY, "truststore: \"%s\": the schema of an "
			"earlier version is loaded: organizationIdentifier "
			"(2.5.4.97) is undefined, so slapd refuses certificates "
			"whose names hold it (\"normalization failed\"); add "
			"its definition (slapo-truststore(5), UPGRADING)\n",
			be->be_suffix[0].bv_val );
	}
}

typedef struct truststore_late {
	BackendDB	*tl_be;
	slap_overinst	*tl_on;
} truststore_late;

static void *
truststore_late_load( void *ctx, void *arg )
{
	truststore_late *tl = arg;
	truststore_info *ti;
	BackendDB db;

	/*
	 * Writes run meanwhile: the read pauses them, as the cn=config
	 * write it follows did, so that no change falls between the
	 * snapshot and the index and export it fills.  A close before the
	 * pause is over (the overlay disabled, or removed: that closes it
	 * once its own pause is over, while this one waits) retracts the
	 * task while it is queued, or else leaves tl_on NULL: the overlay
	 * and its state may be gone, there is nothing to read.
	 */
	slap_pause_server();
	if ( tl->tl_on == NULL ) {
		slap_unpause_server();
		ch_free( tl );
		return NULL;
	}
	ti = tl->tl_on->on_bi.bi_private;
	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	ti->ti_late = NULL;
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	db = *tl->tl_be;
	db.bd_info = (BackendInfo *)tl->tl_on;
	truststore_export_close( &db, ti );
	truststore_load( &db, ti, "read (overlay added or enabled)" );
	slap_unpause_server();
	ch_free( tl );
	return NULL;
}

/*
 * The replication rules (ts_repl.c) end some replicated writes before the
 * backend, with a result for the callbacks only, which only overlays that
 * have not seen the write yet tolerate (accesslog would log it, syncprov
 * send it): they must run after truststore, so come before it in the
 * configuration (the list runs from the last configured).  And slapd's
 * own overlay for multi-provider consumers ("syncrepl", which slapd puts
 * first) must run before it: placed above that one (olcOverlay={0}), the
 * overlay sees replicated modifies before slapd has resolved them, and
 * nodes diverge (a modify racing a rename).  What is out of place, or
 * NULL.
 */
static const char *
truststore_order_bad( slap_overinst *on )
{
	slap_overinst *o;
	int mine = 0;

	for ( o = on->on_info->oi_list; o != NULL; o = o->on_next ) {
		if ( o == on )
			mine = 1;
		else if ( !mine && ( strcmp( o->on_bi.bi_type, "accesslog" ) == 0 ||
				strcmp( o->on_bi.bi_type, "syncprov" ) == 0 ) )
			return o->on_bi.bi_type;
		else if ( mine && strcmp( o->on_bi.bi_type, "syncrepl" ) == 0 )
			return "slapd's syncrepl overlay";
	}
	return NULL;
}

static void
truststore_order_say( BackendDB *be, const char *other )
{
	Debug( LDAP_DEBUG_ANY, "truststore: out of order with %s on %s: "
		"configure it after accesslog and syncprov, without an index "
		"(ldif/50-overlay.ldif: delete its olcOverlay entry and add "
		"it again), or replication conflicts can leave the nodes with "
		"different stores\n", other,
		be->be_suffix ? be->be_suffix[0].bv_val : "" );
}

static void
truststore_check_order( BackendDB *be )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;
	const char *other = truststore_order_bad( on );

	if ( other != NULL )
		truststore_order_say( be, other );
	ti->ti_order_told = other != NULL;
}

/*
 * The same for overlays added while slapd runs (cn=config), looked at
 * when a replicated write comes, where the order matters: said once, and
 * again if the order is mended and then broken.  A plain int: at worst
 * two threads say it twice.
 */
void
truststore_order_watch( Operation *op, truststore_info *ti )
{
	const char *other = truststore_order_bad(
		(slap_overinst *)op->o_bd->bd_info );

	if ( other != NULL && !ti->ti_order_told )
		truststore_order_say( op->o_bd, other );
	ti->ti_order_told = other != NULL;
}

/*
 * A database whose suffix lies inside a base (a glued subordinate, say)
 * holds entries the overlay never sees: their writes go to that database,
 * unchecked, and the store's read does not reach them, so they are not
 * exported, yet clients searching the base find them.  Said once, at
 * open; the overlay configured on that database too makes it a store of
 * its own.
 */
static void
truststore_check_subordinates( BackendDB *be, truststore_info *ti )
{
	BerVarray bases = ti->ti_bases ? ti->ti_bases : be->be_nsuffix;
	BackendDB *other;
	int i, j;

	LDAP_STAILQ_FOREACH( other, &backendDB, be_next ) {
		if ( other->bd_self == be->bd_self || other->be_nsuffix == NULL )
			continue;
		for ( i = 0; bases && !BER_BVISNULL( &bases[i] ); i++ ) {
			for ( j = 0; !BER_BVISNULL( &other->be_nsuffix[j] ); j++ ) {
				if ( dn_match( &other->be_nsuffix[j], &bases[i] ) ||
					!dnIsSuffix( &other->be_nsuffix[j],
						&bases[i] ) )
					continue;
				Debug( LDAP_DEBUG_ANY, "truststore: \"%s\": the "
					"database of \"%s\" lies inside this "
					"trust store: its certificate entries are "
					"not checked, decorated or exported here "
					"(configure the overlay on it too, or "
					"narrow truststore-base)\n",
					bases[i].bv_val,
					other->be_suffix[j].bv_val );
			}
		}
	}
}

static int
truststore_db_open( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;

	if ( truststore_schema() )
		return 1;
	if ( slapMode & SLAP_TOOL_MODE )
		return 0;
	/*
	 * LDAP transactions (RFC 5805) are refused on this database, when
	 * queued, with slapd's own "backend doesn't support transactions":
	 * back-mdb sends each operation's result before the commit, so the
	 * export and the lookup index would follow operations that a later
	 * one then rolls back; and the commit holds LMDB's write lock while
	 * each operation waits for its entry's gate, which a plain write
	 * holds while it waits for that lock: all writes stopped.
	 */
	on->on_info->oi_bi.bi_flags &= ~SLAP_BFLAG_TXNS;
	truststore_schema_age( be );
	truststore_check_order( be );
	truststore_check_subordinates( be, ti );
	truststore_check_readers( be, ti );
	if ( SLAP_DBOPEN( be ) ) {
		/*
		 * The overlay added to a running database through cn=config:
		 * read the store once the cn=config write is over (during it
		 * the read sees no entry), on a thread of the pool.
		 */
		truststore_late *tl = ch_calloc( 1, sizeof( *tl ) );

		tl->tl_be = be->bd_self;
		tl->tl_on = on;
		ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
		ti->ti_late = tl;
		if ( ldap_pvt_thread_pool_submit2( &connection_pool,
				truststore_late_load, tl, &ti->ti_late_cookie ) ) {
			ti->ti_late = NULL;
			ch_free( tl );	/* no task to be had: read it now */
			tl = NULL;
		}
		ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
		if ( tl != NULL )
			return truststore_monitor_db_open( be );
	}
	if ( truststore_load( be, ti, "start-up read" ) )
		return 1;
	return truststore_monitor_db_open( be );
}

static int
truststore_db_close( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;

	ldap_pvt_thread_mutex_lock( &ti->ti_gates_mutex );
	if ( ti->ti_late != NULL ) {
		truststore_late *tl = ti->ti_late;

		/* closed before the read a live add queued: it never runs */
		if ( ldap_pvt_thread_pool_retract( ti->ti_late_cookie ) > 0 )
			ch_free( tl );
		else
			tl->tl_on = NULL;	/* started: it frees tl */
		ti->ti_late = NULL;
	}
	ldap_pvt_thread_mutex_unlock( &ti->ti_gates_mutex );
	/*
	 * Closed while slapd runs: the overlay disabled, or its entry
	 * deleted from cn=config.  The files stay as they are, and every TLS
	 * setting reading them goes on trusting what they hold, deleted
	 * certificates too: the administrator must hear of it.
	 */
	if ( ( slapMode & SLAP_SERVER_MODE ) && !slapd_shutdown &&
		( ti->ti_export_dir != NULL || ti->ti_export_bundle != NULL ) ) {
		Debug( LDAP_DEBUG_ANY, "truststore: \"%s\": the overlay is "
			"disabled or removed: %s%s%s are no longer kept in line "
			"with the store; what they hold stays trusted as it is "
			"(certificates deleted from now on too) until it is "
			"enabled or added again\n", be->be_suffix[0].bv_val,
			ti->ti_export_dir ? ti->ti_export_dir : "",
			ti->ti_export_dir && ti->ti_export_bundle ? " and " : "",
			ti->ti_export_bundle ? ti->ti_export_bundle : "" );
	}
	if ( !( slapMode & SLAP_TOOL_MODE ) ) {
		truststore_monitor_db_close( be );
		truststore_export_close( be, ti );
		truststore_index_close( ti );
	}
	return 0;
}

static int
truststore_db_destroy( BackendDB *be, ConfigReply *cr )
{
	slap_overinst *on = (slap_overinst *)be->bd_info;
	truststore_info *ti = on->on_bi.bi_private;

	if ( ti == NULL )
		return 0;
	ber_bvarray_free( ti->ti_bases );
	ber_bvarray_free( ti->ti_bases_pretty );
	ch_free( ti->ti_export_dir );
	ch_free( ti->ti_export_bundle );
	/* every gate lives in an operation, and none runs any more */
	assert( ti->ti_gates == NULL );
	ldap_pvt_thread_mutex_destroy( &ti->ti_gates_mutex );
	ldap_pvt_thread_cond_destroy( &ti->ti_gates_cond );
	ldap_pvt_thread_rdwr_destroy( &ti->ti_index_rw );
	ldap_pvt_thread_mutex_destroy( &ti->ti_based_mutex );
	ldap_pvt_thread_cond_destroy( &ti->ti_based_cond );
	truststore_repl_renames_free( ti );
	ch_free( ti );
	on->on_bi.bi_private = NULL;
	return 0;
}

static slap_overinst truststore;

/*
 * The definition of a computed decoration: the same type with
 * dSAOperation usage, written into buf: a static buffer, which lives as
 * long as the module whatever slapd keeps of it, and leaves nothing to
 * free at exit.
 */
static const char *
truststore_at_computed( const char *def, char *buf, size_t len )
{
	static const char from[] = "USAGE directoryOperation";
	const char *p = strstr( def, from );

	if ( p == NULL || snprintf( buf, len, "%.*sUSAGE dSAOperation%s",
			(int)( p - def ), def, p + strlen( from ) ) >= (int)len )
		return def;
	return buf;
}

static int
truststore_initialize( void )
{
	int i, code;

	for ( i = 0; i < TS_NDECORATIONS; i++ ) {
		static char buf[TS_NDECORATIONS][512];
		const char *def = truststore_ats[i].def;

		if ( ts_fact_stored( truststore_ats[i].name ) ) {
			ts_stored_mask |= 1U << i;
		} else {
			/*
			 * Computed on read: dSAOperation, as tsStatus, so that
			 * syncrepl neither asks for them nor carries them.
			 */
			def = truststore_at_computed( def, buf[i],
				sizeof( buf[i] ) );
		}
		code = register_at( def, &ts_ad_decoration[i], 0 );
		if ( code ) {
			Debug( LDAP_DEBUG_ANY, "truststore: cannot register "
				"attribute type %s (%d)\n",
				truststore_ats[i].name, code );
			return code;
		}
	}
	/* the names' normalized copies, made without the normalizer */
	truststore_fold_check();
	code = register_at( truststore_status_at, &ts_ad_status, 0 );
	if ( code ) {
		Debug( LDAP_DEBUG_ANY, "truststore: cannot register "
			"attribute type tsStatus (%d)\n", code );
		return code;
	}
	code = truststore_monitor_initialize();
	if ( code )
		return code;

	truststore.on_bi.bi_type = "truststore";
	/*
	 * One per database: a second instance would take the first one's
	 * decorations for a client's and refuse every add.
	 */
	truststore.on_bi.bi_flags = SLAPO_BFLAG_SINGLE;
	truststore.on_bi.bi_db_init = truststore_db_init;
	truststore.on_bi.bi_db_open = truststore_db_open;
	truststore.on_bi.bi_db_close = truststore_db_close;
	truststore.on_bi.bi_db_destroy = truststore_db_destroy;
	truststore.on_bi.bi_op_add = truststore_add;
	truststore.on_bi.bi_op_modify = truststore_modify;
	truststore.on_bi.bi_op_modrdn = truststore_modrdn;
	truststore.on_bi.bi_op_delete = truststore_delete;
	truststore.on_bi.bi_operational = truststore_operational;
	truststore.on_bi.bi_op_search = truststore_search;
	truststore.on_bi.bi_op_compare = truststore_compare;
	truststore.on_bi.bi_cf_ocs = truststore_ocs;

	code = config_register_schema( truststore_cfg, truststore_ocs );
	if ( code )
		return code;
	return overlay_register( &truststore );
}

int
init_module( int argc, char *argv[] )
{
	return truststore_initialize();
}
