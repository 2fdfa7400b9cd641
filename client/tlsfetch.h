/* tlsfetch.h - collect the certificate chain a TLS server presents */
/*
 * Used by `import --from` and `verify`.  The fetch never verifies: it
 * reports what the server sent, and the caller decides what to trust.
 * libldap on Debian is GnuTLS-linked and cannot hand out OpenSSL objects,
 * so the TLS handshake (and LDAP StartTLS, when asked) is done here with
 * OpenSSL directly.
 */
#ifndef TLSFETCH_H
#define TLSFETCH_H

#include <stddef.h>
#include <openssl/x509.h>

struct tls_target {
	char	*host;		/* without brackets; malloc()ed */
	char	*port;		/* malloc()ed */
	int	 starttls;	/* 1: plain LDAP port, StartTLS first */
	int	 timeout;	/* seconds for connect, StartTLS, handshake */
	const char *sni;	/* the name to send; NULL: host, unless an address */
};

/*
 * Split HOST:PORT, [V6ADDR]:PORT or HOST (the port then defaults to 636,
 * or 389 with StartTLS).  0 or -1 with a message in err.
 */
int	tls_target_parse(struct tls_target *t, const char *arg, int starttls,
	    char *err, size_t errlen);
void	tls_target_clear(struct tls_target *t);

/* 1 if host is an IPv4 or IPv6 address literal. */
int	tls_host_is_ip(const char *host);

/*
 * Connect, optionally StartTLS, complete a TLS handshake (with SNI: sni,
 * else host when it is a name) and return the presented chain, leaf first, as a new
 * stack the caller frees with sk_X509_pop_free(chain, X509_free).
 * 0 or -1 with a message for people in err.
 */
int	tls_fetch_chain(const struct tls_target *t, STACK_OF(X509) **chain,
	    char *err, size_t errlen);

/*
 * Checking a chain against the store (cmd_verify.c), shared with
 * import --from.
 */
struct ctx;
struct cert_list;
struct cert_rec;

/* The store's certificates into list and a new X509_STORE; exit status. */
int	store_trust(struct ctx *ctx, struct cert_list *list, X509_STORE **st);
/* The store's record of exactly this certificate, or NULL. */
struct cert_rec *store_find_cert(struct cert_list *list, X509 *x);
/* 0 and the anchor (to X509_free), or -1 and OpenSSL's reason. */
int	chain_verify(X509_STORE *st, STACK_OF(X509) *chain, const char *name,
	    X509 **anchor, char *why, size_t whylen);
/* A subject (or issuer) name as RFC 4514 text in UTF-8. */
void	cert_name(X509 *x, int issuer, char *buf, size_t len);

#endif /* TLSFETCH_H */
