/* cmd_list.c - ldaptrust list: one line per certificate */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldaptrust.h"
#include "tscert.h"

enum { OPT_SORT = 256, OPT_EXPIRING, OPT_EXPIRED, OPT_CA, OPT_JSON };

static const struct option longopts[] = {
	{ "sort",	required_argument,	NULL,	OPT_SORT },
	{ "expiring",	required_argument,	NULL,	OPT_EXPIRING },
	{ "expired",	no_argument,		NULL,	OPT_EXPIRED },
	{ "ca",		no_argument,		NULL,	OPT_CA },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ NULL,		0,			NULL,	0 }
};

#define STR_(x)		#x
#define STR(x)		STR_(x)

/*
 * A number of days, 0 to DAYS_MAX (list --expiring, expiring --days),
 * into *days: NULL, or what is wrong with it, for "--days S: ...".
 */
const char *
days_arg(const char *s, long *days)
{
	char *end;

	*days = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0')
		return "a number of days is needed (0 to " STR(DAYS_MAX) ")";
	if (*days < 0 || *days > DAYS_MAX)
		return "0 to " STR(DAYS_MAX) " days";
	return NULL;
}

/* The server's tsStatus, or the same computed here if it was not sent. */
const char *
rec_status(const struct cert_rec *r, int64_t now)
{
	if (r->status != NULL)
		return r->status;
	if (r->not_after == INT64_MIN)
		return NULL;
	return ts_status_name(ts_status_at(r->not_before, r->not_after, now,
	    30 * 86400));
}

/* The fields list and expiring share; their names are an interface. */
void
json_rec(struct json *j, const struct cert_rec *r, int64_t now)
{
	char buf[32];

	json_begin(j, '{');
	json_kv_str(j, "alias", r->alias);
	json_kv_str(j, "dn", r->dn);
	json_kv_str(j, "container", r->container);
	json_kv_str(j, "subject", r->subject);
	json_kv_str(j, "issuer", r->issuer);
	json_key(j, "notBefore");
	if (r->not_before == INT64_MIN)
		json_null(j);
	else {
		fmt_iso(r->not_before, buf, sizeof(buf));
		json_str(j, buf);
	}
	json_key(j, "notAfter");
	if (r->not_after == INT64_MIN)
		json_null(j);
	else {
		fmt_iso(r->not_after, buf, sizeof(buf));
		json_str(j, buf);
	}
	json_key(j, "daysLeft");
	if (r->not_after == INT64_MIN)
		json_null(j);
	else
		json_int(j, days_left(r->not_after, now));
	json_kv_str(j, "status", rec_status(r, now));
	json_key(j, "isCA");
	if (r->is_ca < 0)
		json_null(j);
	else
		json_bool(j, r->is_ca);
	json_kv_str(j, "sha256", r->sha256);
	json_kv_str(j, "description", r->description);
	json_end(j, '}');
}

static int
by_alias(const void *a, const void *b)
{
	const struct cert_rec *x = a, *y = b;
	int c = strcasecmp(x->alias, y->alias);

	return c ? c : strcmp(x->alias, y->alias);
}

static int
by_expiry(const void *a, const void *b)
{
	const struct cert_rec *x = a, *y = b;

	if (x->not_after != y->not_after)
		return x->not_after < y->not_after ? -1 : 1;
	return by_alias(a, b);
}

void
sort_recs(struct cert_list *list, int expiry)
{
	if (list->n > 1)
		qsort(list->recs, list->n, sizeof(list->recs[0]),
		    expiry ? by_expiry : by_alias);
}

/*
 * The human table of list and expiring.  A CONTAINER column (the entry's
 * parent relative to the base) is added only when a certificate listed is
 * kept in one, so that the lines of a flat store keep their six fields.
 */
void
print_recs(struct ctx *ctx, const struct cert_list *list,
    const unsigned char *keep)
{
	static const char *const head[] = {
		"ALIAS", "SUBJECT", "ISSUER", "EXPIRES", "DAYS", "STATUS",
		"CONTAINER"
	};
	const char *row[7];
	struct table *t;
	char date[16], days[24];
	size_t i;
	int ncols = 6;

	for (i = 0; i < list->n; i++)
		if ((keep == NULL || keep[i]) && list->recs[i].container)
			ncols = 7;
	t = table_new(ncols, head);
	for (i = 0; i < list->n; i++) {
		const struct cert_rec *r = &list->recs[i];

		if (keep != NULL && !keep[i])
			continue;
		fmt_date(r->not_after, date, sizeof(date));
		if (r->not_after == INT64_MIN)
			snprintf(days, sizeof(days), "-");
		else
			snprintf(days, sizeof(days), "%lld",
			    (long long)days_left(r->not_after, ctx->now));
		row[0] = r->alias;
		row[1] = r->subject;
		row[2] = r->issuer;
		row[3] = date;
		row[4] = days;
		row[5] = rec_status(r, ctx->now);
		row[6] = r->container ? r->container : "-";
		table_row(t, row);
	}
	table_print(t, stdout, ctx->tty_out);
	table_free(t);
}

int
cmd_list(struct ctx *ctx, int argc, char **argv)
{
	struct cert_list list = { NULL, 0, 0 };
	unsigned char *keep = NULL;
	struct json j;
	const char *why;
	long expiring = -1;
	int c, rc, expiry = 0, expired = 0, ca = 0, json = 0;
	size_t i;

	while ((c = opt_next(ctx, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_SORT:
			if (strcmp(optarg, "alias") == 0)
				expiry = 0;
			else if (strcmp(optarg, "expiry") == 0)
				expiry = 1;
			else
				return usage_error(ctx, "--sort %s: use alias "
				    "or expiry", optarg);
			break;
		case OPT_EXPIRING:
			if ((why = days_arg(optarg, &expiring)) != NULL)
				return usage_error(ctx, "--expiring %s: %s",
				    text_shown(optarg), why);
			break;
		case OPT_EXPIRED: expired = 1; break;
		case OPT_CA: ca = 1; break;
		case OPT_JSON: json = 1; break;
		default:
			return usage_error(ctx, "unexpected option");
		}
	}
	if (optind != argc)
		return usage_error(ctx, "unexpected argument '%s'",
		    text_shown(argv[optind]));
	if ((rc = conn_open(ctx)) != 0)
		goto done;
	if ((rc = store_list(ctx, NULL, NULL, &list)) != 0)
		goto done;
	sort_recs(&list, expiry);
	if ((keep = calloc(list.n + 1, 1)) == NULL) {
		warnx_("out of memory");
		rc = EXIT_LOCAL;
		goto done;
	}
	/* --expiring and --expired widen each other; --ca narrows */
	for (i = 0; i < list.n; i++) {
		const struct cert_rec *r = &list.recs[i];
		int known = r->not_after != INT64_MIN;
		/* valid through notAfter itself (RFC 5280), as tsStatus */
		int gone = known && r->not_after < ctx->now;

		keep[i] = 1;
		if (expiring >= 0 || expired)
			keep[i] = (expired && gone) || (expiring >= 0 && known &&
			    !gone && r->not_after - ctx->now <= expiring * 86400);
		if (ca && r->is_ca != 1)
			keep[i] = 0;
	}
	if (json) {
		json_init(&j, stdout);
		json_begin(&j, '[');
		for (i = 0; i < list.n; i++)
			if (keep[i])
				json_rec(&j, &list.recs[i], ctx->now);
		json_end(&j, ']');
		json_finish(&j);
	} else
		print_recs(ctx, &list, keep);
done:
	free(keep);
	cert_list_free(&list);
	return rc;
}
