/* ts_repl.h - truststore: the conflict rule for multi-provider replication */
#ifndef TS_REPL_H
#define TS_REPL_H

/*
 * A replicated modify found its entry gone (a concurrent delete won):
 * drop it as a success.  Returns the value the bi_op_modify hook returns.
 */
int	truststore_repl_gone( Operation *op, SlapReply *rs );

/*
 * A replicated add whose DN holds an older entry (an alias imported on two
 * nodes at once): remove the older one below accesslog and syncprov so the
 * add applies.  old_der gets its certificate, or stays empty.
 */
void	truststore_repl_add( Operation *op, struct berval *old_der );

#endif /* TS_REPL_H */
