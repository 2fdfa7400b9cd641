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
 * the later write wins.  -1: the renamed entry (certificate der) lost,
 * and the rename is to become its delete (truststore_repl_lost).
 */
int	truststore_repl_modrdn( Operation *op, struct berval *newndn,
	struct berval *der );
int	truststore_repl_lost( Operation *op, SlapReply *rs, struct berval *der );

/*
 * A certificate entry was renamed here (a committed modrdn): remember it,
 * so that a replicated modify of the old name can find the entry.
 */
void	truststore_repl_renamed( Operation *op, struct truststore_info *ti );
/* An add gave the name op->o_req_ndn to an entry: forget renames from it. */
void	truststore_repl_named( Operation *op, struct truststore_info *ti );

/*
 * A replicated modify whose entry is not here: if a recent rename moved
 * it, point the operation at the new name (o_tmpmemctx memory in *ndn and
 * *dn) and return 1.
 */
int	truststore_repl_follow( Operation *op, struct truststore_info *ti,
	struct berval *dn, struct berval *ndn );

void	truststore_repl_renames_free( struct truststore_info *ti );

/*
 * A replicated write older than its entry: stamps[2 * TS_REPL_STAMPS]
 * gets copies (o_tmpmemctx) of the entry's entryCSN, modifyTimestamp and
 * modifiersName, each value then its normalized form, which the response puts back on ndn after the write
 * (on: the overlay, which a response no longer finds in op->o_bd).
 */
#define TS_REPL_STAMPS	3
void	truststore_repl_stamps_keep( Operation *op, Entry *e,
	BerVarray stamps );
void	truststore_repl_stamps_restore( Operation *op, slap_overinst *on,
	struct berval *ndn, BerVarray stamps );

#endif /* TS_REPL_H */
