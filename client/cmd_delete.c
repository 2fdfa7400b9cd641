/* cmd_delete.c - ldaptrust delete and rename */
/*
 * Deleting trust is the dangerous operation of a trust store, so delete
 * looks every alias up first (nothing is deleted if one is missing, unless
 * -c), shows what will go and asks on a terminal; from a script it wants
 * --yes.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ldap.h>

#include "ldaptrust.h"

enum { OPT_YES = 256 };

static const struct option delete_longopts[] = {
	{ "yes",	no_argument,	NULL,	OPT_YES },
	{ NULL,		0,		NULL,	0 }
};

int
cmd_delete(struct ctx *ctx, int argc, char **argv)
{
	struct cert_list list = { NULL, 0, 0 };
	const char *base;
	char msg[160], what[300], **aliases = NULL;
	int c, i, n, rc = EXIT_LOCAL, yes = 0, err, msgid, unfound;
	size_t k;

	while ((c = opt_next(ctx, argc, argv, "", delete_longopts)) != -1) {
		if (c == OPT_YES)
			yes = 1;
	}
	if (optind >= argc && ctx->co.infile == NULL)
		return usage_error(ctx, "which ALIAS? (or -f FILE)");
	/* -W before the list on standard input, as ldapdelete -W */
	if (ctx->co.infile != NULL && strcmp(ctx->co.infile, "-") == 0 &&
	    (rc = conn_password(ctx)) != 0)
		return rc;
	if ((rc = read_list(ctx, argc - optind, argv + optind, &aliases,
	    &n, "alias")) != 0)
		return rc;
	rc = EXIT_LOCAL;
	for (i = 0; i < n; i++)
		if (alias_check(aliases[i], msg, sizeof(msg)) == -1) {
			warnx_("\"%s\": bad alias: %s", text_shown(aliases[i]),
			    msg);
			goto done;
		}
	if (!yes && !ctx->co.dry_run && !ctx->tty_in) {
		warnx_("delete: not on a terminal, so nothing is asked: "
		    "add --yes to delete");
		goto done;
	}
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if ((base = conn_base(ctx)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	/*
	 * Every alias is looked up before one is deleted, and each one not
	 * found is named.  Without -c that is all: a list with a mistake in
	 * it is not half carried out.  With -c the others go, as ldapdelete
	 * -c goes on past a DN that is not there.
	 */
	rc = store_get_each(ctx, base, aliases, n, NULL, &list, &unfound);
	if (unfound == -1)
		goto done;
	if (unfound > 0 && !ctx->co.contoper) {
		/* one alias: its "No such object" says it all */
		if (unfound < n)
			warnx_("delete: nothing deleted: %d of the %d aliases "
			    "not found (-c deletes the others)", unfound, n);
		else if (n > 1)
			warnx_("delete: nothing deleted: none of the %d "
			    "aliases found", n);
		goto done;
	}
	/* rc is now the status of the alias last not found (-c), which a
	 * refusal below replaces: it comes later */
	if (list.n == 0)
		goto done;
	if (ctx->co.dry_run || (!yes && ctx->tty_in)) {
		printf("%s:\n", ctx->co.dry_run ? "would delete" :
		    "about to delete");
		for (k = 0; k < list.n; k++) {
			/* what the question is about, as the store has it */
			char *subject = text_safe(list.recs[k].subject);

			printf("  \"%s\"%s%s: %s\n\tSHA-256 %s\n",
			    text_shown(list.recs[k].alias),
			    list.recs[k].container ? " in " : "",
			    list.recs[k].container ?
			    text_shown(list.recs[k].container) : "",
			    subject ? subject : "-",
			    list.recs[k].sha256 ? list.recs[k].sha256 : "-");
			free(subject);
		}
		if (ctx->co.dry_run)
			goto done;
		snprintf(msg, sizeof(msg), "Delete %zu certificate%s from %s?",
		    list.n, list.n == 1 ? "" : "s", base);
		if (!confirm(msg)) {
			warnx_("nothing deleted");
			rc = EXIT_LOCAL;
			goto done;
		}
	}
	/*
	 * As ldapdelete: the first refusal stops the run; with -c the
	 * others still go and the exit status is the last refusal's.
	 */
	for (k = 0; k < list.n; k++) {
		snprintf(what, sizeof(what), "delete \"%s\"",
		    text_shown(list.recs[k].alias));
		err = ldap_delete_ext(ctx->ld, list.recs[k].dn,
		    conn_ctrls(ctx, CTL_WRITE, NULL), NULL, &msgid);
		if (err != LDAP_SUCCESS) {
			rc = ld_fail(ctx, what, err);
			goto done;
		}
		if ((err = op_result(ctx, msgid, what, NULL)) != LDAP_SUCCESS) {
			rc = exit_status(err);
			if (ctx->co.contoper)
				continue;
			if (k + 1 < list.n)
				warnx_("delete: stopped at the first refusal: "
				    "%zu not deleted (-c goes on)",
				    list.n - k - 1);
			break;
		}
		printf("deleted \"%s\"%s\n", text_shown(list.recs[k].alias),
		    noop_note(ctx));
	}
done:
	cert_list_free(&list);
	free_list(ctx, aliases);
	return rc;
}

int
cmd_rename(struct ctx *ctx, int argc, char **argv)
{
	const char *from, *to, *base;
	char msg[128], what[600], *dn = NULL, *rdn = NULL;
	int c, rc = EXIT_LOCAL, msgid;

	while ((c = opt_next(ctx, argc, argv, "", NULL)) != -1)
		;
	if (argc - optind > 2)
		return usage_error(ctx, "unexpected argument '%s'",
		    text_shown(argv[optind + 2]));
	if (argc - optind != 2)
		return usage_error(ctx, "OLD and NEW are needed");
	from = argv[optind];
	to = argv[optind + 1];
	if (alias_check(from, msg, sizeof(msg)) == -1) {
		warnx_("\"%s\": bad alias: %s", text_shown(from), msg);
		return EXIT_LOCAL;
	}
	if (alias_check(to, msg, sizeof(msg)) == -1) {
		warnx_("\"%s\": bad alias: %s", text_shown(to), msg);
		return EXIT_LOCAL;
	}
	if (ctx->co.dry_run) {
		printf("would rename \"%s\" to \"%s\"\n", text_shown(from),
		    text_shown(to));
		return 0;
	}
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if ((base = conn_base(ctx)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	/* the certificate may be in a container: the rename keeps it there */
	if ((rc = store_locate(ctx, from, &dn)) != LDAP_SUCCESS) {
		if (rc == LDAP_NO_SUCH_OBJECT)
			rc = no_such_alias(ctx, from, base);
		goto done;
	}
	if ((rdn = alias_rdn(to)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	snprintf(what, sizeof(what), "rename \"%s\" to \"%s\"",
	    text_shown(from), text_shown(to));
	/* the old cn goes: an entry has one alias */
	rc = ldap_rename(ctx->ld, dn, rdn, NULL, 1,
	    conn_ctrls(ctx, CTL_WRITE, NULL), NULL, &msgid);
	if (rc != LDAP_SUCCESS) {
		rc = ld_fail(ctx, what, rc);
		goto done;
	}
	rc = exit_status(op_result(ctx, msgid, what, NULL));
	if (rc == 0)
		printf("renamed \"%s\" to \"%s\"%s\n", text_shown(from),
		    text_shown(to), noop_note(ctx));
done:
	free(dn);
	free(rdn);
	return rc;
}
