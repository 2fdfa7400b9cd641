/* ts_tls_asyncmeta.c - the TLS settings of a back-asyncmeta database */

#include "portable.h"

#include "slap.h"
#include "slap-config.h"

/*
 * Apart from ts_tls.c because back-meta.h and back-asyncmeta.h define the
 * same names and cannot be included together.
 */
#include "back-ldap/back-ldap.h"
#include "back-asyncmeta/back-asyncmeta.h"

#include "ts_tls.h"

int
truststore_tls_asyncmeta( BackendDB *be, ts_tls_bc_f *fn, void *arg )
{
	a_metainfo_t *mi = be->be_private;
	int i;

	for ( i = 0; i < mi->mi_ntargets; i++ ) {
		fn( &mi->mi_targets[i]->mt_tls, "back-asyncmeta target tls", arg );
		fn( &mi->mi_targets[i]->mt_idassert.si_bc,
			"back-asyncmeta target idassert-bind", arg );
	}
	return 0;
}
