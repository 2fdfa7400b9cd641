/* cmd_expiring.c - ldaptrust expiring: the store's health for monitoring */
/*
 * Exit status as monitoring plugins have it: 0 OK, 1 WARNING (something
 * expires within the window), 2 CRITICAL (something has expired), 3
 * UNKNOWN (we could not tell: usage, connection, server error).  The
 * first line of text output is the plugin-style status line, an UNKNOWN
 * one too (monitor.c).
 */
#include <stdlib.h>
#include <string.h>

#include "ldaptrust.h"

enum { OPT_DAYS = 256, OPT_JSON };

static const struct option longopts[] = {
	{ "days",	required_argument,	NULL,	OPT_DAYS },
	{ "json",	no_argument,		NULL,	OPT_JSON },
	{ NULL,		0,			NULL,	0 }
};

int
cmd_expiring(struct ctx *ctx, int argc, char **argv)
{
	struct cert_list list = { NULL, 0, 0 };
	unsigned char *keep = NULL;
	struct json j;
	const char *base, *w, *why = NULL, *bad = NULL;
	long days = 30;
	int c, rc, json = 0;
	size_t i, expired = 0, expiring = 0;

	while ((c = opt_next(ctx, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_DAYS:
			/* said once --json is known: it may come after */
			if ((w = days_arg(optarg, &days)) != NULL &&
			    bad == NULL) {
				bad = optarg;
				why = w;
			}
			break;
		case OPT_JSON: json = 1; break;
		default:
			usage_error(ctx, "unexpected option");
			return monitor_unknown(json, "unexpected option");
		}
	}
	if (bad != NULL) {
		usage_error(ctx, "--days %s: %s", text_shown(bad), why);
		return monitor_unknown(json, "--days %s: %s", bad, why);
	}
	if ((rc = monitor_open(ctx, argc, argv, json, &base)) != 0)
		goto done;
	if ((rc = store_list(ctx, NULL, NULL, &list)) != 0) {
		rc = monitor_search_failed(ctx, json, base, rc);
		goto done;
	}
	sort_recs(&list, 1);
	if ((keep = calloc(list.n + 1, 1)) == NULL) {
		warnx_("out of memory");
		rc = monitor_unknown(json, "out of memory");
		goto done;
	}
	for (i = 0; i < list.n; i++) {
		int64_t t = list.recs[i].not_after;

		if (t == INT64_MIN)
			continue;
		/* valid through notAfter itself (RFC 5280), as tsStatus */
		if (t < ctx->now) {
			keep[i] = 1;
			expired++;
		} else if (t - ctx->now <= days * 86400) {
			keep[i] = 1;
			expiring++;
		}
	}
	rc = expired ? EXIT_CRITICAL : expiring ? EXIT_WARNING : EXIT_OK;
	if (json) {
		json_init(&j, stdout);
		json_begin(&j, '{');
		json_kv_str(&j, "status", rc == EXIT_CRITICAL ? "expired" :
		    rc == EXIT_WARNING ? "expiring" : "ok");
		json_key(&j, "days");
		json_int(&j, days);
		json_key(&j, "total");
		json_int(&j, (int64_t)list.n);
		json_key(&j, "expired");
		json_int(&j, (int64_t)expired);
		json_key(&j, "expiring");
		json_int(&j, (int64_t)expiring);
		json_key(&j, "certificates");
		json_begin(&j, '[');
		for (i = 0; i < list.n; i++)
			if (keep[i])
				json_rec(&j, &list.recs[i], ctx->now);
		json_end(&j, ']');
		json_end(&j, '}');
		json_finish(&j);
		goto done;
	}
	if (rc == EXIT_OK)
		printf("OK: no certificate expires within %ld day%s "
		    "(%zu in the store)\n", days, days == 1 ? "" : "s", list.n);
	else if (rc == EXIT_WARNING)
		printf("WARNING: %zu certificate%s expire%s within %ld day%s\n",
		    expiring, expiring == 1 ? "" : "s",
		    expiring == 1 ? "s" : "", days, days == 1 ? "" : "s");
	else
		printf("CRITICAL: %zu certificate%s expired, %zu expire%s "
		    "within %ld day%s\n", expired, expired == 1 ? " has" :
		    "s have", expiring, expiring == 1 ? "s" : "", days,
		    days == 1 ? "" : "s");
	if (rc != EXIT_OK)
		print_recs(ctx, &list, keep);
done:
	free(keep);
	cert_list_free(&list);
	return rc;
}
