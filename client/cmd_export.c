/* cmd_export.c - ldaptrust export: one certificate, or the store as a bundle */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "ldaptrust.h"
#include "tscert.h"

enum { OPT_DER = 256, OPT_FORCE, OPT_ALL };

static const struct option longopts[] = {
	{ "der",	no_argument,	NULL,	OPT_DER },
	{ "force",	no_argument,	NULL,	OPT_FORCE },
	{ "all",	no_argument,	NULL,	OPT_ALL },
	{ NULL,		0,		NULL,	0 }
};

static char *cert_attrs[] = { "cn", "userCertificate;binary", NULL };

/* Append the PEM of one certificate to a growing buffer. */
static int
append_pem(char **buf, size_t *len, const struct cert_rec *r)
{
	char *pem, *nb;
	size_t plen;

	if ((pem = ts_pem_encode(r->der, r->der_len, &plen)) == NULL)
		return -1;
	if ((nb = realloc(*buf, *len + plen + 1)) == NULL) {
		free(pem);
		return -1;
	}
	memcpy(nb + *len, pem, plen);
	*len += plen;
	nb[*len] = '\0';
	*buf = nb;
	free(pem);
	return 0;
}

int
cmd_export(struct ctx *ctx, int argc, char **argv)
{
	struct cert_list list = { NULL, 0, 0 };
	const char *alias = NULL, *file = NULL, *base;
	struct stat st;
	char msg[128], *out = NULL;
	size_t outlen = 0, i;
	int c, rc = EXIT_LOCAL, der = 0, force = 0, all = 0;

	while ((c = opt_next(ctx, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_DER: der = 1; break;
		case OPT_FORCE: force = 1; break;
		case OPT_ALL: all = 1; break;
		default:
			return usage_error(ctx, "unexpected option");
		}
	}
	if (all) {
		if (argc - optind > 1)
			return usage_error(ctx, "--all takes at most a FILE");
		if (der)
			return usage_error(ctx, "--der holds one certificate; "
			    "--all writes PEM");
		file = optind < argc ? argv[optind] : NULL;
	} else {
		if (argc - optind > 2)
			return usage_error(ctx, "unexpected argument '%s'",
			    text_shown(argv[optind + 2]));
		if (argc - optind < 1)
			return usage_error(ctx, "ALIAS [FILE] is needed");
		alias = argv[optind];
		file = optind + 1 < argc ? argv[optind + 1] : NULL;
		if (alias_check(alias, msg, sizeof(msg)) == -1) {
			warnx_("\"%s\": bad alias: %s", text_shown(alias),
			    msg);
			return EXIT_LOCAL;
		}
	}
	if (file != NULL && strcmp(file, "-") == 0)
		file = NULL;
	/* say it before asking the server anything; O_EXCL still decides */
	if (file != NULL && stat(file, &st) == 0 && S_ISDIR(st.st_mode)) {
		warnx_("%s: %s", file, strerror(EISDIR));
		return EXIT_LOCAL;
	}
	if (file != NULL && !force && access(file, F_OK) == 0) {
		warnx_("%s: file exists (use --force to overwrite it)", file);
		return EXIT_LOCAL;
	}
	if (ctx->co.dry_run) {
		printf("would export %s%s%s to %s\n", all ? "every certificate" :
		    "\"", all ? "" : text_shown(alias), all ? "" : "\"",
		    file ? file : "standard output");
		return 0;
	}
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if (all)
		rc = store_list(ctx, NULL, cert_attrs, &list);
	else {
		rc = store_get(ctx, alias, cert_attrs, &list);
		if (rc == LDAP_NO_SUCH_OBJECT && (base = conn_base(ctx)) != NULL)
			rc = no_such_alias(ctx, alias, base);
	}
	if (rc != 0)
		goto done;
	sort_recs(&list, 0);
	rc = EXIT_LOCAL;
	for (i = 0; i < list.n; i++) {
		const struct cert_rec *r = &list.recs[i];

		if (r->der == NULL) {
			/* the schema makes it a must: it is there, unread */
			warnx_("\"%s\": this identity cannot read the "
			    "certificate (userCertificate) of %s: the access "
			    "rules hide it", text_shown(r->alias),
			    text_shown(r->dn));
			goto done;
		}
		if (der) {
			if (write_file(file, r->der, r->der_len, force) == -1)
				goto done;
			rc = 0;
			goto done;
		}
		if (append_pem(&out, &outlen, r) == -1) {
			warnx_("out of memory");
			goto done;
		}
	}
	if (write_file(file, out ? out : "", outlen, force) == -1)
		goto done;
	if (all && ctx->co.verbose)
		fprintf(stderr, "%s: exported %zu certificate%s\n", PROGNAME,
		    list.n, list.n == 1 ? "" : "s");
	rc = 0;
done:
	free(out);
	cert_list_free(&list);
	return rc;
}
