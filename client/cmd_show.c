/* cmd_show.c - ldaptrust show: every fact about one certificate */
/*
 * The facts are the overlay's decorations as the server sends them.  If
 * an entry has none (the overlay was added after the entry was), they are
 * computed here from userCertificate with the same library, so show always
 * has something to say.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "ldaptrust.h"
#include "tscert.h"

enum { OPT_JSON = 256 };

static const struct option longopts[] = {
	{ "json",	no_argument,	NULL,	OPT_JSON },
	{ NULL,		0,		NULL,	0 }
};

struct kv {
	char	*name;
	char	*value;
};

struct facts {
	struct kv	*kv;
	size_t		 n, cap;
	char		*dn;
	int		 found;
};

static int
facts_add(struct facts *f, const char *name, const char *value, size_t len)
{
	struct kv *nkv;

	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 64;

		if ((nkv = reallocarray(f->kv, cap, sizeof(*nkv))) == NULL)
			return -1;
		f->kv = nkv;
		f->cap = cap;
	}
	f->kv[f->n].name = strdup(name);
	f->kv[f->n].value = strndup(value, len);
	if (f->kv[f->n].name == NULL || f->kv[f->n].value == NULL)
		return -1;
	f->n++;
	return 0;
}

/* The i-th value of attribute name (case-insensitive), or NULL. */
static const char *
fact(const struct facts *f, const char *name, size_t nth)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (strcasecmp(f->kv[i].name, name) == 0 && nth-- == 0)
			return f->kv[i].value;
	return NULL;
}

/* Whether one of the first n facts (the server's) is of attribute name. */
static int
fact_sent(const struct facts *f, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n && i < f->n; i++)
		if (strcasecmp(f->kv[i].name, name) == 0)
			return 1;
	return 0;
}

static int
local_facts(struct facts *f, const struct berval *der)
{
	const struct ts_fact *tf;
	struct ts_cert *cert;
	size_t n, i, sent = f->n;
	int rc = -1;

	if ((cert = ts_cert_new()) == NULL)
		return -1;
	if (ts_cert_parse(cert, der->bv_val, der->bv_len) == -1 ||
	    ts_cert_facts(cert, &tf, &n) == -1)
		goto done;
	/*
	 * Only what the server did not send: it computes some facts on read
	 * even for an undecorated entry, and an empty subject leaves a fully
	 * decorated one without tsSubject; adding all of them listed each
	 * DNS name (each list) twice.
	 */
	for (i = 0; i < n; i++)
		if (!fact_sent(f, sent, tf[i].name) &&
		    facts_add(f, tf[i].name, tf[i].value, tf[i].len) == -1)
			goto done;
	rc = 0;
done:
	ts_cert_free(cert);
	return rc;
}

static int
collect(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct facts *f = arg;
	struct berval **vals, **der = NULL;
	BerElement *ber = NULL;
	char *a, *dn;
	int i, rc = 0;

	if ((dn = ldap_get_dn(ctx->ld, e)) != NULL) {
		f->dn = strdup(dn);
		ldap_memfree(dn);
	}
	for (a = ldap_first_attribute(ctx->ld, e, &ber); a != NULL;
	    a = ldap_next_attribute(ctx->ld, e, ber)) {
		/* binary values are handled apart, text values kept */
		if (strncasecmp(a, "userCertificate", 15) == 0) {
			if (der == NULL)
				der = ldap_get_values_len(ctx->ld, e, a);
			ldap_memfree(a);
			continue;
		}
		if ((vals = ldap_get_values_len(ctx->ld, e, a)) != NULL) {
			for (i = 0; vals[i] != NULL && rc == 0; i++)
				if (facts_add(f, a, vals[i]->bv_val,
				    vals[i]->bv_len) == -1)
					rc = LDAP_NO_MEMORY;
			ldap_value_free_len(vals);
		}
		ldap_memfree(a);
	}
	ber_free(ber, 0);
	if (rc == 0 && fact(f, "tsSubject", 0) == NULL && der != NULL &&
	    der[0] != NULL)
		local_facts(f, der[0]);
	if (der != NULL)
		ldap_value_free_len(der);
	f->found = 1;
	return rc;
}

/* The pieces of the text output and the JSON field names, in order. */
enum kind { K_STR, K_INT, K_BOOL, K_TIME, K_LIST };
static const struct field {
	const char	*attr;
	const char	*label;
	const char	*json;
	enum kind	 kind;
} fields[] = {
	{ "description",	"Description",		"description",	K_STR },
	{ "tsSubject",		"Subject",		"subject",	K_STR },
	{ "tsIssuer",		"Issuer",		"issuer",	K_STR },
	{ "tsSerialNumber",	"Serial number",	"serialNumber",	K_STR },
	{ "tsVersion",		"Version",		"version",	K_INT },
	{ "tsNotBefore",	"Valid from",		"notBefore",	K_TIME },
	{ "tsNotAfter",		"Valid until",		"notAfter",	K_TIME },
	{ "tsStatus",		"Status",		"status",	K_STR },
	{ "tsFingerprintSHA256", "SHA-256 fingerprint",	"sha256",	K_STR },
	{ "tsFingerprintSHA1",	"SHA-1 fingerprint",	"sha1",		K_STR },
	{ "tsSubjectHash",	"Subject hash",		"subjectHash",	K_STR },
	{ "tsKeyAlgorithm",	"Key algorithm",	"keyAlgorithm",	K_STR },
	{ "tsKeyBits",		"Key size",		"keyBits",	K_INT },
	{ "tsSignatureAlgorithm", "Signature algorithm", "signatureAlgorithm", K_STR },
	{ "tsIsCA",		"CA",			"isCA",		K_BOOL },
	{ "tsSelfSigned",	"Self-signed",		"selfSigned",	K_BOOL },
	{ "tsKeyUsage",		"Key usage",		"keyUsage",	K_LIST },
	{ "tsExtKeyUsage",	"Extended key usage",	"extKeyUsage",	K_LIST },
	{ "tsDNSName",		"DNS names",		"dnsNames",	K_LIST },
	{ "tsIPAddress",	"IP addresses",		"ipAddresses",	K_LIST },
	{ "tsEmail",		"Email addresses",	"emails",	K_LIST },
	{ "tsURI",		"URIs",			"uris",		K_LIST },
	{ "tsSubjectKeyIdentifier", "Subject key id",	"subjectKeyIdentifier", K_STR },
	{ "tsAuthorityKeyIdentifier", "Authority key id", "authorityKeyIdentifier", K_STR },
	{ "creatorsName",	"Added by",		"createdBy",	K_STR },
	{ "createTimestamp",	"Added on",		"createdAt",	K_TIME },
	{ "modifiersName",	"Modified by",		"modifiedBy",	K_STR },
	{ "modifyTimestamp",	"Modified on",		"modifiedAt",	K_TIME },
	{ NULL,			NULL,			NULL,		K_STR }
};

static void
show_text(struct ctx *ctx, const struct facts *f, const char *alias)
{
	const struct field *fl;
	const char *v;
	char buf[64];
	int64_t t;
	size_t k;

	/* the values are the directory's and the certificate's: escaped */
	printf("%-22s", "Alias:");
	put_safe(alias, stdout);
	printf("\n%-22s", "Entry:");
	put_safe(f->dn ? f->dn : "-", stdout);
	putchar('\n');
	for (fl = fields; fl->attr != NULL; fl++) {
		v = fact(f, fl->attr, 0);
		/* an empty subject (named by its SAN only) is no attribute */
		if (v == NULL && strcmp(fl->attr, "tsSubject") == 0 &&
		    f->found)
			v = "(empty)";
		if (v == NULL)
			continue;
		snprintf(buf, sizeof(buf), "%s:", fl->label);
		printf("%-22s", buf);
		switch (fl->kind) {
		case K_TIME:
			if (gentime_to_epoch(v, &t) == -1) {
				put_safe(v, stdout);
				putchar('\n');
				break;
			}
			fmt_datetime(t, buf, sizeof(buf));
			printf("%s", buf);
			if (strcmp(fl->attr, "tsNotAfter") == 0) {
				int64_t d = days_left(t, ctx->now);

				if (d >= 0)
					printf(" (%lld day%s left)", (long long)d,
					    d == 1 ? "" : "s");
				else
					printf(" (expired %lld day%s ago)",
					    (long long)-d, d == -1 ? "" : "s");
			}
			putchar('\n');
			break;
		case K_BOOL:
			printf("%s\n", strcasecmp(v, "TRUE") == 0 ? "yes" : "no");
			break;
		case K_LIST:
			for (k = 0; (v = fact(f, fl->attr, k)) != NULL; k++) {
				fputs(k ? ", " : "", stdout);
				put_safe(v, stdout);
			}
			putchar('\n');
			break;
		default:
			put_safe(v, stdout);
			fputs(strcmp(fl->attr, "tsKeyBits") == 0 ? " bits\n" :
			    "\n", stdout);
		}
	}
}

static void
show_json(struct ctx *ctx, const struct facts *f, const char *alias)
{
	const struct field *fl;
	struct json j;
	const char *v;
	char buf[32];
	int64_t t;
	size_t k;

	json_init(&j, stdout);
	json_begin(&j, '{');
	json_kv_str(&j, "alias", alias);
	json_kv_str(&j, "dn", f->dn);
	for (fl = fields; fl->attr != NULL; fl++) {
		v = fact(f, fl->attr, 0);
		json_key(&j, fl->json);
		if (fl->kind == K_LIST) {
			json_begin(&j, '[');
			for (k = 0; (v = fact(f, fl->attr, k)) != NULL; k++)
				json_str(&j, v);
			json_end(&j, ']');
			continue;
		}
		if (v == NULL) {
			json_null(&j);
			continue;
		}
		switch (fl->kind) {
		case K_INT:
			json_int(&j, strtoll(v, NULL, 10));
			break;
		case K_BOOL:
			json_bool(&j, strcasecmp(v, "TRUE") == 0);
			break;
		case K_TIME:
			if (gentime_to_epoch(v, &t) == -1)
				json_str(&j, v);
			else {
				fmt_iso(t, buf, sizeof(buf));
				json_str(&j, buf);
				if (strcmp(fl->attr, "tsNotAfter") == 0) {
					json_key(&j, "daysLeft");
					json_int(&j, days_left(t, ctx->now));
				}
			}
			break;
		default:
			json_str(&j, v);
		}
	}
	json_end(&j, '}');
	json_finish(&j);
}

int
cmd_show(struct ctx *ctx, int argc, char **argv)
{
	static char *attrs[] = { "*", "+", NULL };
	struct facts f;
	const char *alias, *base;
	char msg[128], *dn = NULL, *stored = NULL;
	int c, rc, json = 0;
	size_t i;

	memset(&f, 0, sizeof(f));
	while ((c = opt_next(ctx, argc, argv, "", longopts)) != -1) {
		if (c == OPT_JSON)
			json = 1;
	}
	if (argc - optind > 1)
		return usage_error(ctx, "unexpected argument '%s'",
		    text_shown(argv[optind + 1]));
	if (argc - optind != 1)
		return usage_error(ctx, "one ALIAS is needed");
	alias = argv[optind];
	if (alias_check(alias, msg, sizeof(msg)) == -1) {
		warnx_("\"%s\": bad alias: %s", text_shown(alias), msg);
		return EXIT_LOCAL;
	}
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if ((base = conn_base(ctx)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	if ((dn = alias_dn(alias, base)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	rc = store_search(ctx, dn, LDAP_SCOPE_BASE,
	    "(objectClass=tsCertificate)", attrs, collect, &f);
	if (rc == LDAP_SUCCESS && !f.found)
		rc = LDAP_NO_SUCH_OBJECT;
	/* not directly below the base: in one of its containers? */
	if (rc == LDAP_NO_SUCH_OBJECT) {
		free(dn);
		if ((rc = store_locate(ctx, alias, &dn)) == LDAP_SUCCESS) {
			rc = store_search(ctx, dn, LDAP_SCOPE_BASE,
			    "(objectClass=tsCertificate)", attrs, collect, &f);
			if (rc == LDAP_SUCCESS && !f.found)
				rc = LDAP_NO_SUCH_OBJECT;
		}
	}
	if (rc == LDAP_NO_SUCH_OBJECT) {
		rc = no_such_alias(ctx, alias, base);
		goto done;
	}
	if (rc != 0)
		goto done;
	/* the entry's alias, not the spelling that found it ("WEB", "web") */
	if ((stored = f.dn ? dn_alias(f.dn) : strdup(alias)) == NULL) {
		warnx_("out of memory");
		rc = EXIT_LOCAL;
		goto done;
	}
	if (json)
		show_json(ctx, &f, stored);
	else
		show_text(ctx, &f, stored);
done:
	for (i = 0; i < f.n; i++) {
		free(f.kv[i].name);
		free(f.kv[i].value);
	}
	free(f.kv);
	free(f.dn);
	free(stored);
	free(dn);
	return rc;
}
