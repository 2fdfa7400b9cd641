/* cmd_from.c - ldaptrust import ALIAS --from HOST:PORT */
/*
 * "This back end's certificate is not trusted; trust it" in one step: the
 * chain the server presents is fetched (never verified: we are about to
 * decide what to trust), each certificate is shown with what the store
 * already knows of it, and the one the administrator picks is added.  The
 * default pick is the server's self-signed root when it sends one, since
 * trusting the root survives the renewal of the server's own certificate,
 * else the leaf.  A pinned --fingerprint, a --yes or a "y" on a terminal
 * is required before anything is written.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ldaptrust.h"
#include "tlsfetch.h"

/* SHA-256 of a certificate: "AB:CD:..." for people, "abcd..." to compare. */
static void
cert_sha256(X509 *x, char colons[96], char plain[65])
{
	static const char digits[] = "0123456789ABCDEF";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;

	X509_digest(x, EVP_sha256(), md, &len);
	for (i = 0; i < len && i < 32; i++) {
		colons[3 * i] = digits[md[i] >> 4];
		colons[3 * i + 1] = digits[md[i] & 15];
		colons[3 * i + 2] = i + 1 < len ? ':' : '\0';
		plain[2 * i] = (char)tolower((unsigned char)digits[md[i] >> 4]);
		plain[2 * i + 1] = (char)tolower((unsigned char)digits[md[i] & 15]);
	}
	plain[2 * i] = '\0';
}

/* An administrator's fingerprint: colons, spaces and case do not matter. */
static int
fingerprint_norm(const char *in, char out[65])
{
	size_t n = 0;

	for (; *in != '\0'; in++) {
		if (*in == ':' || *in == ' ')
			continue;
		if (!isxdigit((unsigned char)*in) || n == 64)
			return -1;
		out[n++] = (char)tolower((unsigned char)*in);
	}
	out[n] = '\0';
	return n == 64 ? 0 : -1;
}

static int
self_signed(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
}

/*
 * The index of the self-signed root the server's own certificate leads
 * to, or -1.  The walk goes from the leaf to the certificate among those
 * sent that issued it (names, key identifiers and the signature itself),
 * in whatever order they came: a chain file often holds a stale root of a
 * former CA, or another CA's, and importing that one trusts nothing this
 * server shows.
 */
static int
chain_root(STACK_OF(X509) *chain)
{
	int n = sk_X509_num(chain), cur = 0, next, steps, i;
	X509 *x, *y;

	/* at most n steps: a cross-signed pair would otherwise loop */
	for (steps = 0; steps < n; steps++) {
		x = sk_X509_value(chain, cur);
		if (self_signed(x))
			return cur;
		for (next = -1, i = 0; i < n && next < 0; i++) {
			y = sk_X509_value(chain, i);
			if (i != cur && X509_check_issued(y, x) == X509_V_OK &&
			    X509_verify(x, X509_get0_pubkey(y)) == 1)
				next = i;
		}
		if (next < 0)
			break;
		cur = next;
	}
	ERR_clear_error();
	return -1;
}

/* A date of the chain, with the days until it when it is to come. */
static void
print_time(const char *label, int start, const ASN1_TIME *t, int64_t now)
{
	struct tm tm;
	char buf[32];
	int64_t when;

	if (!ASN1_TIME_to_tm(t, &tm)) {
		printf("      %-10s (unreadable)\n", label);
		return;
	}
	when = (int64_t)timegm(&tm);
	strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
	if (now > when && !start)
		/* the server refuses it: said before anyone is asked */
		printf("      %-10s %s (expired %lld days ago)\n", label, buf,
		    (long long)-days_left(when, now));
	else if (now > when)
		printf("      %-10s %s\n", label, buf);
	else
		printf(start ? "      %-10s %s (valid in %lld days)\n" :
		    "      %-10s %s (%lld days left)\n", label, buf,
		    (long long)days_left(when, now));
}

static void
show_chain(struct ctx *ctx, STACK_OF(X509) *chain, int root,
    struct cert_list *list)
{
	struct cert_rec *rec;
	char name[512], fp[96], plain[65];
	int i;

	for (i = 0; i < sk_X509_num(chain); i++) {
		X509 *x = sk_X509_value(chain, i);

		cert_name(x, 0, name, sizeof(name));
		printf("  [%d] %s%s\n", i, name, i == 0 ? " (leaf)" :
		    i == root ? " (self-signed root)" : self_signed(x) ?
		    " (self-signed, not the root of the server's certificate)" :
		    "");
		cert_name(x, 1, name, sizeof(name));
		printf("      %-10s %s\n", "issuer", name);
		print_time("not before", 1, X509_get0_notBefore(x), ctx->now);
		print_time("not after", 0, X509_get0_notAfter(x), ctx->now);
		cert_sha256(x, fp, plain);
		printf("      %-10s %s\n", "SHA-256", fp);
		rec = store_find_cert(list, x);
		printf("      %-10s %s%s%s\n", "in store", rec ? "yes, as \"" :
		    "no", rec ? text_shown(rec->alias) : "", rec ? "\"" : "");
	}
}

static int
add_cert(struct ctx *ctx, const char *alias, X509 *x, const char *desc,
    const char *sha256, const char *name)
{
	struct berval der = { 0, NULL }, *dervals[2] = { &der, NULL };
	char *ocvals[] = { "tsCertificate", NULL };
	char *cnvals[] = { (char *)alias, NULL };
	char *descvals[] = { (char *)desc, NULL };
	LDAPMod oc, cn, cert, dsc, *mods[5];
	unsigned char *buf = NULL;
	const char *base;
	char *dn = NULL, what[300];
	int len, msgid, n = 0, rc = EXIT_LOCAL;

	if ((base = conn_base(ctx)) == NULL)
		goto done;
	if ((len = i2d_X509(x, &buf)) <= 0 ||
	    (dn = alias_dn(alias, base)) == NULL) {
		warnx_("out of memory");
		goto done;
	}
	der.bv_val = (char *)buf;
	der.bv_len = (ber_len_t)len;
	oc.mod_op = cn.mod_op = dsc.mod_op = LDAP_MOD_ADD;
	cert.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	oc.mod_type = "objectClass";
	oc.mod_values = ocvals;
	cn.mod_type = "cn";
	cn.mod_values = cnvals;
	cert.mod_type = "userCertificate;binary";
	cert.mod_bvalues = dervals;
	dsc.mod_type = "description";
	dsc.mod_values = descvals;
	mods[n++] = &oc;
	mods[n++] = &cn;
	mods[n++] = &cert;
	if (desc != NULL)
		mods[n++] = &dsc;
	mods[n] = NULL;
	if ((rc = ldap_add_ext(ctx->ld, dn, mods,
	    conn_ctrls(ctx, CTL_WRITE, NULL), NULL, &msgid)) !=
	    LDAP_SUCCESS) {
		rc = ld_fail(ctx, "add", rc);
		goto done;
	}
	snprintf(what, sizeof(what), "import \"%s\"", text_shown(alias));
	/* as import of a file: which certificate holds the alias, or what */
	rc = op_result_but(ctx, msgid, what, NULL, LDAP_ALREADY_EXISTS);
	if (rc == LDAP_ALREADY_EXISTS)
		rc = alias_taken(ctx, alias, sha256, name, base, what);
	else
		rc = exit_status(rc);
done:
	free(dn);
	OPENSSL_free(buf);
	return rc;
}

int
cmd_import_from(struct ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from",	 required_argument,	NULL,	'F' + 256 },
		{ "starttls",	 required_argument,	NULL,	'S' + 256 },
		{ "pick",	 required_argument,	NULL,	'P' + 256 },
		{ "fingerprint", required_argument,	NULL,	'f' + 256 },
		{ "yes",	 no_argument,		NULL,	'y' + 256 },
		{ "description", required_argument,	NULL,	'd' + 256 },
		{ "timeout",	 required_argument,	NULL,	'T' + 256 },
		{ "name",	 required_argument,	NULL,	'N' + 256 },
		/* import's options for files: known, to say why not here */
		{ "all",	 no_argument,		NULL,	'a' + 256 },
		{ "alias-from",	 required_argument,	NULL,	'A' + 256 },
		{ NULL,		 0,			NULL,	0 }
	};
	struct tls_target t = { NULL, NULL, 0, 0, NULL };
	struct cert_list list = { NULL, 0, 0 };
	struct cert_rec *rec;
	STACK_OF(X509) *chain = NULL;
	X509_STORE *st = NULL;
	X509 *anchor = NULL, *x;
	int root;
	const char *from = NULL, *pick = NULL, *pin = NULL, *desc = NULL;
	const char *sni = NULL;
	const char *alias;
	char err[512], why[512], name[512], *safe = NULL, fp[96], plain[65], want[65];
	char question[700], *end;
	int c, starttls = 0, yes = 0, timeout = 10, idx = -1, last, i;
	long v;
	int rc = EXIT_LOCAL;

	while ((c = opt_next(ctx, argc, argv, "", opts)) != -1) {
		switch (c) {
		case 'F' + 256: from = optarg; break;
		case 'S' + 256:
			if (strcmp(optarg, "ldap") != 0)
				return usage_error(ctx, "--starttls %s: only "
				    "'ldap' is known", optarg);
			starttls = 1;
			break;
		case 'P' + 256: pick = optarg; break;
		case 'f' + 256:
			if (fingerprint_norm(optarg, want) == -1)
				return usage_error(ctx, "--fingerprint %s: "
				    "expected 64 hex digits (colons allowed)",
				    optarg);
			pin = optarg;
			break;
		case 'y' + 256: yes = 1; break;
		case 'N' + 256: sni = optarg; break;
		case 'd' + 256: desc = optarg; break;
		case 'T' + 256:
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 ||
			    v > 86400)
				return usage_error(ctx, "--timeout %s: a "
				    "number of seconds, 1 to 86400", optarg);
			timeout = (int)v;
			break;
		case 'a' + 256:
			return usage_error(ctx, "--all does not go with --from: "
			    "import --from imports one certificate of the "
			    "server's chain (--pick chooses which)");
		case 'A' + 256:
			return usage_error(ctx, "--alias-from does not go with "
			    "--from: the certificate takes the ALIAS given");
		default:
			return usage_error(ctx, "unknown option");
		}
	}
	if (from == NULL || optind != argc - 1)
		return usage_error(ctx, "usage: import ALIAS --from HOST:PORT");
	if (ctx->co.infile != NULL)
		return usage_error(ctx, "-f %s: import --from imports one "
		    "certificate, from one server", ctx->co.infile);
	alias = argv[optind];
	if (alias_check(alias, err, sizeof(err)) == -1) {
		warnx_("\"%s\": bad alias: %s", text_shown(alias), err);
		return EXIT_LOCAL;
	}
	if (pick != NULL && strcmp(pick, "leaf") != 0 &&
	    strcmp(pick, "root") != 0) {
		/* a long first: 4294967296 must not become 0, the leaf */
		v = strtol(pick, &end, 10);
		if (*pick == '\0' || *end != '\0' || v < 0 || v > 9999)
			return usage_error(ctx, "--pick %s: leaf, root or a "
			    "number from the list", pick);
		idx = (int)v;
	}
	if (tls_target_parse(&t, from, starttls, err, sizeof(err)) == -1)
		return usage_error(ctx, "%s", err);
	t.timeout = timeout;
	t.sni = sni;

	if (tls_fetch_chain(&t, &chain, err, sizeof(err)) == -1) {
		/* it may quote the server (a StartTLS refusal) */
		warnx_("import: %s", (safe = text_safe(err)) ? safe : err);
		free(safe);
		/* not the user's mistake: the exchange failed, as -1 does */
		rc = EXIT_CLIENT;
		goto done;
	}
	if ((rc = conn_open(ctx)) != 0 ||
	    (rc = store_trust(ctx, &list, &st)) != 0)
		goto done;
	rc = EXIT_LOCAL;

	root = chain_root(chain);
	printf("Certificates presented by %s port %s:\n", t.host, t.port);
	show_chain(ctx, chain, root, &list);
	if (chain_verify(st, chain, sni ? sni : t.host, &anchor, why,
	    sizeof(why)) == 0)
		printf("The store already trusts this server.\n");
	else
		printf("The store does not trust this server: %s\n", why);

	last = sk_X509_num(chain) - 1;
	if (pick == NULL)
		idx = root > 0 ? root : 0;
	else if (strcmp(pick, "leaf") == 0)
		idx = 0;
	else if (strcmp(pick, "root") == 0) {
		if ((idx = root) < 0) {
			for (i = last; i > 0 && !self_signed(
			    sk_X509_value(chain, i)); i--)
				;
			if (i > 0)
				warnx_("import: the server sent no self-signed "
				    "root of its certificate's chain ([%d] is "
				    "self-signed but did not issue it); use "
				    "--pick leaf or a number", i);
			else
				warnx_("import: the server sent no self-signed "
				    "root; use --pick leaf or a number");
			goto done;
		}
	} else if (idx > last) {
		warnx_("import: --pick %d: the server sent %d certificate%s "
		    "(0 to %d)", idx, last + 1, last ? "s" : "", last);
		goto done;
	}
	x = sk_X509_value(chain, idx);
	cert_name(x, 0, name, sizeof(name));
	cert_sha256(x, fp, plain);

	if (pin != NULL && strcmp(plain, want) != 0) {
		warnx_("import: fingerprint mismatch: [%d] %s has SHA-256 %s; "
		    "nothing imported", idx, name, fp);
		goto done;
	}
	if ((rec = store_find_cert(&list, x)) != NULL) {
		printf("[%d] %s is already in the store as \"%s\"; nothing to "
		    "do.\n", idx, name, text_shown(rec->alias));
		rc = 0;
		goto done;
	}
	if (ctx->co.dry_run) {
		printf("Would import [%d] %s as \"%s\".\n", idx, name,
		    text_shown(alias));
		rc = 0;
		goto done;
	}
	/* a matching pin is the strongest confirmation there is */
	if (!yes && pin == NULL) {
		if (!ctx->tty_in) {
			warnx_("import: not on a terminal: give --yes (or "
			    "--fingerprint) to import [%d] %s", idx, name);
			goto done;
		}
		snprintf(question, sizeof(question), "Import [%d] %s as "
		    "\"%s\"?", idx, name, text_shown(alias));
		if (!confirm(question)) {
			printf("Nothing imported.\n");
			goto done;
		}
	}
	if ((rc = add_cert(ctx, alias, x, desc, plain, name)) == 0)
		printf("Imported [%d] %s as \"%s\"%s.\n", idx, name,
		    text_shown(alias), noop_note(ctx));
done:
	X509_free(anchor);
	if (chain != NULL)
		sk_X509_pop_free(chain, X509_free);
	X509_STORE_free(st);
	cert_list_free(&list);
	tls_target_clear(&t);
	return rc;
}
