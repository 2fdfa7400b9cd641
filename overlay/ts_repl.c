/* ts_repl.c - truststore: the conflict rule for multi-provider replication */

#include "portable.h"

#include <stdio.h>

#include "slap.h"

#include "truststore.h"
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
 * and syncprov (configured after them): no result is sent, so no overlay
 * below may have queued per-operation state.
 */
int
truststore_repl_gone( Operation *op, SlapReply *rs )
{
	Debug( LDAP_DEBUG_SYNC, "%s truststore: replicated modify of %s, "
		"deleted here meanwhile: dropped (delete wins)\n",
		op->o_log_prefix, op->o_req_dn.bv_val );
	slap_graduate_commit_csn( op );
	rs->sr_err = LDAP_SUCCESS;
	return LDAP_SUCCESS;
}
