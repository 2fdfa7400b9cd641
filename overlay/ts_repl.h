/* ts_repl.h - truststore: the conflict rule for multi-provider replication */
#ifndef TS_REPL_H
#define TS_REPL_H

/*
 * A replicated modify found its entry gone (a concurrent delete won):
 * drop it as a success.  Returns the value the bi_op_modify hook returns.
 */
int	truststore_repl_gone( Operation *op, SlapReply *rs );

#endif /* TS_REPL_H */
