/* ts_repl.h - truststore: the conflict rule for multi-provider replication */
#ifndef TS_REPL_H
#define TS_REPL_H

/*
 * A replicated modify found its entry gone (a concurrent delete won), or
 * a replicated rename lost: drop it as a success.  Returns the value the bi_op_modify hook returns.
 */
int	truststore_repl_gone( Operation *op, SlapReply *rs );

/*
 * A replicated add whose DN holds an older entry (an alias imported on two
 * nodes at once): remove the older one below accesslog and syncprov so the
 * add applies.  old_der gets its certificate, or stays empty.
 */
void	truststore_repl_add( Operation *op, struct berval *old_der );

/*
 * A replicated rename onto a name another certificate entry holds here:
 * the later write wins.  -1: the renamed entry (certificate der) lost and
 * was removed, and the rename is to be dropped (truststore_repl_gone).
 */
int	truststore_repl_modrdn( Operation *op, struct berval *newndn,
	struct berval *der );

#endif /* TS_REPL_H */
