/* cmd_redecorate.c - ldaptrust redecorate */
/*
 * The overlay decorates an entry when its certificate is written.  An
 * entry that reached the database past it (slapadd of an edited or old
 * backup) or was decorated by a version that wrote a fact differently
 * keeps what it holds until its certificate is written again; the
 * server's start-up read logs such entries and says to replace the
 * certificate with itself.  This command does that replace, for the
 * aliases named or, with --all, for every certificate whose stored facts
 * differ from what this client's parser (the overlay's, lib/) makes of
 * its certificate.  The server decorates; this side only chooses which
 * entries to write, so a client of another version costs at most a
 * rewrite too many.
 *
 * A decoration the server computes when read may also be stored: by a
 * version that stored every decoration, or replicated from a node still
 * running one.  A plain read cannot tell it from the computed one, so
 * --all reads the entries as stored, through a refresh of the Content
 * Synchronization control (RFC 4533), which the overlay answers with what
 * is stored, as it does its syncrepl consumers.  A server without syncprov
 * refuses that control: then such entries go unnoticed, and we say so.
 */
#include <stdlib.h>
#include <string.h>

#include <ldap.h>

#include "tscert.h"
#include "ldaptrust.h"

enum { OPT_ALL = 256 };

static const struct option redecorate_longopts[] = {
	{ "all",	no_argument,	NULL,	OPT_ALL },
	{ NULL,		0,		NULL,	0 }
};

struct redecorate {
	struct ts_cert	*cert;
	size_t		 seen;
	size_t		 done;
	size_t		 unchecked;
	int		 rc;		/* the failure's exit status (-c: the last) */
	int		 stopped;	/* a failure without -c ended the run */
	int		 all;		/* --all: a sweep goes on regardless */
	int		 as_stored;	/* entries come as stored (sync control) */
};

/* Replace the certificate of dn with itself: the server decorates it. */
static int
rewrite(struct ctx *ctx, const char *dn, const char *alias,
    struct berval *der, const char *why, struct redecorate *rd)
{
	struct berval *vals[2] = { der, NULL };
	LDAPMod mod, *mods[2] = { &mod, NULL };
	char what[300];
	int rc, msgid;

	if (ctx->co.dry_run) {
		printf("would redecorate \"%s\"%s%s%s\n", text_shown(alias),
		    why ? " (" : "", why ? why : "", why ? ")" : "");
		rd->done++;
		return 0;
	}
	mod.mod_op = LDAP_MOD_REPLACE | LDAP_MOD_BVALUES;
	mod.mod_type = "userCertificate;binary";
	mod.mod_bvalues = vals;
	snprintf(what, sizeof(what), "redecorate \"%s\"", text_shown(alias));
	rc = ldap_modify_ext(ctx->ld, dn, mods,
	    conn_ctrls(ctx, CTL_WRITE, NULL), NULL, &msgid);
	if (rc != LDAP_SUCCESS)
		return ld_fail(ctx, what, rc);
	if ((rc = op_result(ctx, msgid, what, NULL)) != LDAP_SUCCESS) {
		/*
		 * Reported.  Named aliases stop here as with delete, unless
		 * -c; the --all sweep goes on and counts.  The exit status
		 * is the first refusal's, with -c the last's (ldapmodify -c).
		 */
		if (rd->rc == 0 || ctx->co.contoper)
			rd->rc = exit_status(rc);
		if (ctx->co.contoper || rd->all)
			return 0;
		rd->stopped = 1;
		return rd->rc;
	}
	rd->done++;
	printf("redecorated \"%s\"%s%s%s%s\n", text_shown(alias),
	    why ? " (" : "", why ? why : "", why ? ")" : "", noop_note(ctx));
	return 0;
}

/*
 * Why the stored facts of e are not those of its certificate, or NULL
 * when they are: each stored fact once with the parser's value, none
 * that the certificate does not give.
 */
static const char *
stale(LDAP *ld, LDAPMessage *e, struct ts_cert *cert, int as_stored,
    char *buf, size_t len)
{
	const char *const *names = ts_fact_stored_names();
	const char *const *computed = ts_fact_computed_names();
	const struct ts_fact *facts;
	struct berval **vals;
	const char *why = NULL;
	size_t nfacts, i, k, missing = 0, n;

	if (ts_cert_facts(cert, &facts, &nfacts) != 0)
		return ts_cert_error(cert);
	for (n = 0; names[n] != NULL; n++)
		;
	for (k = 0; names[k] != NULL && why == NULL; k++) {
		for (i = 0; i < nfacts; i++)
			if (strcmp(facts[i].name, names[k]) == 0 &&
			    facts[i].len > 0)
				break;
		vals = ldap_get_values_len(ld, e, names[k]);
		if (vals == NULL || vals[0] == NULL) {
			if (i < nfacts)
				missing++;
		} else if (i == nfacts) {
			snprintf(buf, len, "%s is stored, its certificate "
			    "has none", names[k]);
			why = buf;
		} else if (vals[1] != NULL || vals[0]->bv_len != facts[i].len ||
		    memcmp(vals[0]->bv_val, facts[i].value, facts[i].len) != 0) {
			snprintf(buf, len, "%s is not its certificate's",
			    names[k]);
			why = buf;
		}
		ldap_value_free_len(vals);
	}
	/* seen as stored, a computed decoration is one an older version left */
	for (k = 0; as_stored && computed[k] != NULL && why == NULL; k++) {
		vals = ldap_get_values_len(ld, e, computed[k]);
		if (vals != NULL && vals[0] != NULL) {
			snprintf(buf, len, "%s is stored, the server computes "
			    "it", computed[k]);
			why = buf;
		}
		ldap_value_free_len(vals);
	}
	if (why == NULL && missing > 0) {
		if (missing == n)
			snprintf(buf, len, "not decorated");
		else
			snprintf(buf, len, "%zu decorations missing", missing);
		why = buf;
	}
	return why;
}

/* --all: one entry of the search, rewritten if its facts are stale. */
static int
redecorate_entry(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct redecorate *rd = arg;
	struct berval **der = NULL;
	char *dn = NULL, *alias = NULL, buf[160];
	const char *why;
	int rc = LDAP_NO_MEMORY, n;

	rd->seen++;
	if ((dn = ldap_get_dn(ctx->ld, e)) == NULL ||
	    (alias = dn_alias(dn)) == NULL)
		goto done;
	der = ldap_get_values_len(ctx->ld, e, "userCertificate;binary");
	n = der ? ldap_count_values_len(der) : 0;
	rc = 0;
	if (n != 1) {
		/* the server exports none of these: nothing to decorate */
		warnx_("\"%s\": not checked: it holds %d certificates, an "
		    "entry holds one", text_shown(alias), n);
		rd->unchecked++;
		goto done;
	}
	if (ts_cert_parse(rd->cert, der[0]->bv_val, der[0]->bv_len) != 0) {
		warnx_("\"%s\": not checked: its certificate is refused: %s",
		    text_shown(alias), ts_cert_error(rd->cert));
		rd->unchecked++;
		goto done;
	}
	if ((why = stale(ctx->ld, e, rd->cert, rd->as_stored, buf,
	    sizeof(buf))) != NULL)
		rc = rewrite(ctx, dn, alias, der[0], why, rd);
done:
	if (rc == LDAP_NO_MEMORY)
		warnx_("out of memory");
	ldap_value_free_len(der);
	ldap_memfree(dn);
	free(alias);
	return rc;
}

/*
 * The --all sweep over the entries as stored: a refreshOnly search with
 * the Content Synchronization control and no cookie, which syncprov
 * answers with every entry and the overlay with its stored attributes
 * only.  Not paged (syncprov takes no paging): the identity needs a size
 * limit above the store, as for ldaptrust sync.  Returns the search's
 * result code, or -1 when the server would not answer it so (no
 * syncprov on the database, a limit): the caller then reads the usual way.
 */
static int
sweep_as_stored(struct ctx *ctx, const char *base, char **attrs,
    struct redecorate *rd)
{
	LDAPControl ctrl;
	LDAPMessage *msg = NULL;
	BerElement *ber;
	char *text = NULL, what[300];
	int rc, err = LDAP_SUCCESS, msgid, type;

	snprintf(what, sizeof(what), "search %s", base);
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL)
		return LDAP_NO_MEMORY;
	memset(&ctrl, 0, sizeof(ctrl));
	if (ber_printf(ber, "{eN}", LDAP_SYNC_REFRESH_ONLY) == -1 ||
	    ber_flatten2(ber, &ctrl.ldctl_value, 0) == -1) {
		ber_free(ber, 1);
		return LDAP_ENCODING_ERROR;
	}
	ctrl.ldctl_oid = LDAP_CONTROL_SYNC;
	ctrl.ldctl_iscritical = 1;
	rd->as_stored = 1;
	rc = ldap_search_ext(ctx->ld, base, LDAP_SCOPE_SUBTREE,
	    "(objectClass=tsCertificate)", attrs, 0,
	    conn_ctrls(ctx, CTL_READ, &ctrl), NULL, NULL, LDAP_NO_LIMIT,
	    &msgid);
	ber_free(ber, 1);
	if (rc != LDAP_SUCCESS) {
		ld_fail(ctx, what, rc);
		return rc;
	}
	for (;;) {
		if (ldap_result(ctx->ld, msgid, LDAP_MSG_ONE, NULL, &msg) <= 0) {
			ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE, &err);
			if (err == LDAP_SUCCESS)
				err = LDAP_OTHER;
			ld_fail(ctx, what, err);
			return err;
		}
		type = ldap_msgtype(msg);
		if (type == LDAP_RES_SEARCH_RESULT)
			break;
		if (type == LDAP_RES_SEARCH_ENTRY &&
		    (rc = redecorate_entry(ctx, msg, rd)) != 0) {
			ldap_abandon_ext(ctx->ld, msgid, NULL, NULL);
			ldap_msgfree(msg);
			return rc;
		}
		ldap_msgfree(msg);
		msg = NULL;
	}
	rc = ldap_parse_result(ctx->ld, msg, &err, NULL, &text, NULL, NULL, 1);
	if (rc != LDAP_SUCCESS)
		err = rc;
	switch (err) {
	case LDAP_SUCCESS:
		break;
	case LDAP_UNAVAILABLE_CRITICAL_EXTENSION:
	case LDAP_UNWILLING_TO_PERFORM:
	case LDAP_SIZELIMIT_EXCEEDED:
	case LDAP_ADMINLIMIT_EXCEEDED:
		warnx_("redecorate: the server would not send the entries as "
		    "stored (%s%s%s): a decoration it computes but an older "
		    "version stored goes unnoticed; name such entries, or "
		    "run this where the database has syncprov and the "
		    "identity a size limit above the store",
		    ldap_err2string(err), text && *text ? ": " : "",
		    text ? text : "");
		err = -1;
		break;
	default:
		ldap_fail(what, err, NULL, text);
		break;
	}
	ldap_memfree(text);
	rd->as_stored = 0;
	return err;
}

int
cmd_redecorate(struct ctx *ctx, int argc, char **argv)
{
	static char *cert_attr[] = { "userCertificate;binary", NULL };
	struct cert_list list = { NULL, 0, 0 };
	struct redecorate rd = { NULL, 0, 0, 0, 0, 0, 0, 0 };
	const char *const *stored = ts_fact_stored_names();
	const char *const *computed = ts_fact_computed_names();
	const char *base;
	char **attrs = NULL, msg[160], **aliases = NULL;
	struct berval der;
	int c, i, n_alias = 0, all = 0, rc = EXIT_LOCAL, unfound;
	size_t k, n, m;

	while ((c = opt_next(ctx, argc, argv, "", redecorate_longopts)) != -1)
		if (c == OPT_ALL)
			all = 1;
	if (all == (optind < argc || ctx->co.infile != NULL))
		return usage_error(ctx, all ? "--all or ALIAS..., not both" :
		    "which ALIAS? (or -f FILE, or --all)");
	/* -W before the list on standard input, as ldapdelete -W */
	if (ctx->co.infile != NULL && strcmp(ctx->co.infile, "-") == 0 &&
	    (rc = conn_password(ctx)) != 0)
		return rc;
	if (!all && (rc = read_list(ctx, argc - optind, argv + optind,
	    &aliases, &n_alias, "alias")) != 0)
		return rc;
	rc = EXIT_LOCAL;
	for (i = 0; i < n_alias; i++)
		if (alias_check(aliases[i], msg, sizeof(msg)) == -1) {
			warnx_("\"%s\": bad alias: %s", text_shown(aliases[i]),
			    msg);
			goto done;
		}
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if ((base = conn_base(ctx)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	if (all) {
		rd.all = 1;
		for (n = 0; stored[n] != NULL; n++)
			;
		for (m = 0; computed[m] != NULL; m++)
			;
		if ((attrs = calloc(n + m + 2, sizeof(*attrs))) == NULL ||
		    (rd.cert = ts_cert_new()) == NULL) {
			warnx_("out of memory");
			rc = EXIT_LOCAL;
			goto done;
		}
		attrs[0] = cert_attr[0];
		for (k = 0; k < n; k++)
			attrs[k + 1] = (char *)stored[k];
		for (k = 0; k < m; k++)
			attrs[n + k + 1] = (char *)computed[k];
		rc = sweep_as_stored(ctx, base, attrs, &rd);
		if (rc == -1) {
			/* what that sweep saw is seen again */
			rd.seen = rd.unchecked = 0;
			attrs[n + 1] = NULL;
			rc = store_search(ctx, base, LDAP_SCOPE_SUBTREE,
			    "(objectClass=tsCertificate)", attrs,
			    redecorate_entry, &rd);
		}
		if (rc != LDAP_SUCCESS) {
			rc = exit_status(rc);
			goto done;
		}
		printf("%zu certificate%s: %zu %sredecorated, %zu not "
		    "checked\n", rd.seen, rd.seen == 1 ? "" : "s", rd.done,
		    ctx->co.dry_run ? "would be " : "", rd.unchecked);
		rc = rd.rc ? rd.rc : rd.unchecked ? EXIT_LOCAL : 0;
		goto done;
	}

	/* named: every alias is looked up before one is written, as delete */
	rc = store_get_each(ctx, base, aliases, n_alias, cert_attr, &list,
	    &unfound);
	if (unfound == -1)
		goto done;
	if (unfound > 0 && !ctx->co.contoper) {
		if (unfound < n_alias)
			warnx_("redecorate: nothing rewritten: %d of the %d "
			    "aliases not found (-c rewrites the others)",
			    unfound, n_alias);
		else if (n_alias > 1)
			warnx_("redecorate: nothing rewritten: none of the "
			    "%d aliases found", n_alias);
		goto done;
	}
	/* -c: the status of the alias last not found, unless a refusal */
	rd.rc = rc;
	for (k = 0; k < list.n && !rd.stopped; k++) {
		if (list.recs[k].der == NULL) {
			warnx_("\"%s\": no certificate to rewrite",
			    text_shown(list.recs[k].alias));
			rd.rc = EXIT_LOCAL;
			rd.stopped = !ctx->co.contoper;
			continue;
		}
		der.bv_val = (char *)list.recs[k].der;
		der.bv_len = list.recs[k].der_len;
		if ((rc = rewrite(ctx, list.recs[k].dn, list.recs[k].alias,
		    &der, NULL, &rd)) != 0 && !rd.stopped)
			goto done;
	}
	if (rd.stopped && k < list.n)
		warnx_("redecorate: stopped at the first refusal: %zu not "
		    "rewritten (-c goes on)", list.n - k);
	rc = rd.rc;
done:
	free_list(ctx, aliases);
	cert_list_free(&list);
	ts_cert_free(rd.cert);
	free(attrs);
	return rc;
}
