/* ts_tls.h - make slapd's outgoing TLS see a changed trust store */
#ifndef TS_TLS_H
#define TS_TLS_H

/*
 * Rebuild the TLS context of every outgoing connection setting (back-ldap,
 * back-meta, back-asyncmeta, syncrepl) whose CA directory is dir or whose
 * CA file is bundle (either may be NULL).  Call from a pool thread, after
 * the files changed.  removed: a certificate left the store, so back-ldap
 * connections set up with the old trust are shut down as well.  Returns
 * how many contexts were replaced.
 */
int	truststore_tls_refresh( const char *dir, const char *bundle,
		int removed );
/*
 * What the rebuilds came to since slapd started, for cn=Monitor: contexts
 * rebuilt, rebuilds that failed (the old context stayed), the time of
 * the last rebuild (0: none) and the last failure's text ("" if none,
 * or if a later round rebuilt every context it tried).
 */
void	truststore_tls_stats( unsigned long *rebuilt, unsigned long *failed,
		time_t *last, char *error, size_t errlen );
/* Once, from the first db_open. */
void	truststore_tls_init( void );
/* Free replaced contexts older than the grace period (all: at close). */
void	truststore_tls_reap( int all );

/* ts_tls_asyncmeta.c: the same walk over one back-asyncmeta database */
typedef int (ts_tls_bc_f)( slap_bindconf *bc, const char *what, void *arg );
int	truststore_tls_asyncmeta( BackendDB *be, ts_tls_bc_f *fn, void *arg );

#endif /* TS_TLS_H */
