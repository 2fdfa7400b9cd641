/* cmd_verify.c - ldaptrust verify: does the store trust that server? */
/*
 * Fetches the chain a server presents and verifies it, and the host name,
 * against an X509_STORE made of the store's certificates only: the answer
 * is what a client using the exported directory would conclude, and
 * OpenSSL's own reason is shown when it would refuse.
 *
 * Every certificate of the store is a trust anchor, self-signed or not
 * (X509_V_FLAG_PARTIAL_CHAIN): that is how GnuTLS, which Debian's slapd
 * and libldap use, treats a certificate found in its CA directory, so an
 * administrator who imported a server's leaf certificate sees it trusted
 * here as slapd would trust it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "ldaptrust.h"
#include "tlsfetch.h"

static char *der_attrs[] = { "userCertificate;binary", NULL };

/*
 * The store's certificates, read into list and loaded into a new
 * X509_STORE.  Returns an exit status (0 on success), the error shown.
 */
int
store_trust(struct ctx *ctx, struct cert_list *list, X509_STORE **out)
{
	X509_STORE *st = NULL;
	X509 *x;
	const unsigned char *p;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = store_list(ctx, NULL, der_attrs, list)) != 0)
		return exit_status(rc);
	if ((st = X509_STORE_new()) == NULL) {
		warnx_("out of memory");
		return EXIT_LOCAL;
	}
	X509_STORE_set_flags(st, X509_V_FLAG_PARTIAL_CHAIN);
	for (i = 0; i < list->n; i++) {
		p = list->recs[i].der;
		if (p == NULL ||
		    (x = d2i_X509(NULL, &p, (long)list->recs[i].der_len)) == NULL)
			continue;	/* the server checked it; we cannot read it */
		X509_STORE_add_cert(st, x);	/* a duplicate is harmless */
		X509_free(x);
	}
	ERR_clear_error();
	*out = st;
	return 0;
}

/* The record of the store holding exactly this certificate, or NULL. */
struct cert_rec *
store_find_cert(struct cert_list *list, X509 *x)
{
	unsigned char *der = NULL;
	int len;
	size_t i;
	struct cert_rec *found = NULL;

	if ((len = i2d_X509(x, &der)) <= 0)
		return NULL;
	for (i = 0; i < list->n && found == NULL; i++)
		if (list->recs[i].der_len == (size_t)len &&
		    memcmp(list->recs[i].der, der, (size_t)len) == 0)
			found = &list->recs[i];
	OPENSSL_free(der);
	return found;
}

/* 1 if the store of vctx holds exactly this certificate. */
static int
in_store(X509_STORE_CTX *vctx, X509 *x)
{
	STACK_OF(X509) *same;
	int i, found = 0;

	if ((same = X509_STORE_CTX_get1_certs(vctx,
	    X509_get_subject_name(x))) == NULL)
		return 0;
	for (i = 0; i < sk_X509_num(same) && !found; i++)
		found = X509_cmp(sk_X509_value(same, i), x) == 0;
	sk_X509_pop_free(same, X509_free);
	return found;
}

/*
 * Verify chain (leaf first) for a TLS server called name.  0 and the
 * anchor the chain ended at, or -1 and OpenSSL's reason in why.
 */
int
chain_verify(X509_STORE *st, STACK_OF(X509) *chain, const char *name,
    X509 **anchor, char *why, size_t whylen)
{
	X509_STORE_CTX *vctx = NULL;
	X509_VERIFY_PARAM *param;
	STACK_OF(X509) *untrusted = NULL, *built;
	X509 *cur;
	char subj[256];
	int err, depth, rc = -1;

	*anchor = NULL;
	if ((vctx = X509_STORE_CTX_new()) == NULL ||
	    (untrusted = sk_X509_dup(chain)) == NULL) {
		snprintf(why, whylen, "out of memory");
		goto done;
	}
	(void)sk_X509_shift(untrusted);
	if (!X509_STORE_CTX_init(vctx, st, sk_X509_value(chain, 0),
	    untrusted)) {
		snprintf(why, whylen, "cannot set up verification");
		goto done;
	}
	X509_STORE_CTX_set_purpose(vctx, X509_PURPOSE_SSL_SERVER);
	param = X509_STORE_CTX_get0_param(vctx);
	if (name != NULL) {
		if (tls_host_is_ip(name))
			X509_VERIFY_PARAM_set1_ip_asc(param, name);
		else
			X509_VERIFY_PARAM_set1_host(param, name, 0);
	}
	if (X509_verify_cert(vctx) == 1) {
		/*
		 * The anchor is the highest certificate of the chain that the
		 * store holds, not the chain's top: when only the leaf is in
		 * the store, OpenSSL's partial-chain match keeps the chain
		 * the server sent above it, up to a root the store lacks.
		 */
		built = X509_STORE_CTX_get0_chain(vctx);
		for (depth = sk_X509_num(built) - 1; depth > 0 &&
		    !in_store(vctx, sk_X509_value(built, depth)); depth--)
			;
		*anchor = sk_X509_value(built, depth);
		rc = 0;
		goto done;
	}
	err = X509_STORE_CTX_get_error(vctx);
	depth = X509_STORE_CTX_get_error_depth(vctx);
	cur = X509_STORE_CTX_get_current_cert(vctx);
	subj[0] = '\0';
	if (cur != NULL)
		cert_name(cur, 0, subj, sizeof(subj));
	if (err == X509_V_ERR_HOSTNAME_MISMATCH ||
	    err == X509_V_ERR_IP_ADDRESS_MISMATCH)
		snprintf(why, whylen, "%s (the certificate does not name %s)",
		    X509_verify_cert_error_string(err), name);
	else
		snprintf(why, whylen, "%s (depth %d%s%s)",
		    X509_verify_cert_error_string(err), depth,
		    subj[0] ? ": " : "", subj);
done:
	/* *anchor belongs to the store or the chain, both outlive vctx */
	if (*anchor != NULL)
		X509_up_ref(*anchor);
	sk_X509_free(untrusted);
	X509_STORE_CTX_free(vctx);
	ERR_clear_error();
	return rc;
}

/*
 * "CN=x,O=y" of a certificate's subject, UTF-8, into buf, for people: the
 * server chose it, so its C1 controls are escaped too (text_safe()).
 */
void
cert_name(X509 *x, int issuer, char *buf, size_t len)
{
	X509_NAME *n = issuer ? X509_get_issuer_name(x) :
	    X509_get_subject_name(x);
	BIO *bio = BIO_new(BIO_s_mem());
	char *raw, *safe = NULL;
	long got;

	buf[0] = '\0';
	if (bio == NULL)
		return;
	if (X509_NAME_print_ex(bio, n, 0,
	    XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    BIO_write(bio, "", 1) == 1 &&
	    (got = BIO_get_mem_data(bio, &raw)) > 0)
		safe = text_safe(raw);
	if (safe != NULL)
		snprintf(buf, len, "%s", safe);
	free(safe);
	BIO_free(bio);
}

int
cmd_verify(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "starttls",	required_argument,	NULL,	'S' + 256 },
		{ "name",	required_argument,	NULL,	'N' + 256 },
		{ "timeout",	required_argument,	NULL,	'T' + 256 },
		{ NULL,		0,			NULL,	0 }
	};
	struct tls_target t = { NULL, NULL, 0, 0, NULL };
	struct cert_list list = { NULL, 0, 0 };
	struct cert_rec *rec;
	STACK_OF(X509) *chain = NULL;
	X509_STORE *st = NULL;
	X509 *anchor = NULL;
	const char *name = NULL;
	char err[512], why[512], subj[256], *end, *safe = NULL;
	int c, starttls = 0, timeout = 10, rc = EXIT_LOCAL;
	long v;

	while ((c = opt_next(ctx, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'S' + 256:
			if (strcmp(optarg, "ldap") != 0)
				return usage_error(ctx, "--starttls %s: only "
				    "'ldap' is known", optarg);
			starttls = 1;
			break;
		case 'N' + 256:
			name = optarg;
			break;
		case 'T' + 256:
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 86400)
				return usage_error(ctx, "--timeout %s: a "
				    "number of seconds, 1 to 86400", optarg);
			timeout = (int)v;
			break;
		default:
			return usage_error(ctx, "unknown option");
		}
	}
	if (optind != argc - 1)
		return usage_error(ctx, "give one HOST:PORT");
	if (tls_target_parse(&t, argv[optind], starttls, err,
	    sizeof(err)) == -1)
		return usage_error(ctx, "%s", err);
	t.timeout = timeout;
	t.sni = name;
	if (name == NULL)
		name = t.host;

	if ((rc = conn_open(ctx)) != 0 ||
	    (rc = store_trust(ctx, &list, &st)) != 0)
		goto done;
	if (tls_fetch_chain(&t, &chain, err, sizeof(err)) == -1) {
		/* it may quote the server (a StartTLS refusal) */
		warnx_("verify: %s", (safe = text_safe(err)) ? safe : err);
		free(safe);
		/* 1 says "not trusted": a server not asked is not that */
		rc = EXIT_CLIENT;
		goto done;
	}
	if (chain_verify(st, chain, name, &anchor, why, sizeof(why)) == -1) {
		printf("%s port %s: FAILED: %s\n", t.host, t.port, why);
		rc = 1;
		goto done;
	}
	cert_name(anchor, 0, subj, sizeof(subj));
	rec = store_find_cert(&list, anchor);
	printf("%s port %s: OK: chain verified by %s%s%s(%s), name %s "
	    "matches\n", t.host, t.port, rec ? "\"" : "",
	    rec ? text_shown(rec->alias) : "", rec ? "\" " : "", subj,
	    text_shown(name));
	rc = 0;
done:
	X509_free(anchor);
	if (chain != NULL)
		sk_X509_pop_free(chain, X509_free);
	X509_STORE_free(st);
	cert_list_free(&list);
	tls_target_clear(&t);
	return rc;
}
