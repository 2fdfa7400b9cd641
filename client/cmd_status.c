/* cmd_status.c - ldaptrust status: the store's machinery, from cn=Monitor */
/*
 * expiring watches the certificates; this watches what serves them.  The
 * overlay shows its state under cn=Monitor (slapo-truststore(5),
 * MONITORING) on the monitor entry of the store's database.  Exit status
 * as monitoring plugins have it: 0 OK, 1 WARNING (entries the last read
 * of the store left out or found undecorated, replicated certificates not
 * exported, a TLS context rebuild that failed), 2 CRITICAL (the export is
 * failing: what slapd's outgoing TLS trusts no longer follows the store),
 * 3 UNKNOWN (no such entry to read: no monitor database, no access, the
 * overlay disabled or not on the database holding the base, or a
 * connection or search error), said on the status line too (monitor.c).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldaptrust.h"

enum { OPT_JSON = 256 };

static const struct option status_longopts[] = {
	{ "json",	no_argument,	NULL,	OPT_JSON },
	{ NULL,		0,		NULL,	0 }
};

enum {
	M_CERTS, M_EXPORTED, M_STATE, M_ERROR, M_FAILING_SINCE, M_INLINE,
	M_TLS_REBUILDS, M_TLS_FAILURES, M_TLS_TIME, M_TLS_ERROR,
	M_READ_SKIPPED, M_READ_UNDECORATED, M_REPL_REFUSED, M_N
};

static char *mon_attrs[] = {
	"tsMonitorCertificates", "tsMonitorExported", "tsMonitorExportState",
	"tsMonitorExportError", "tsMonitorExportFailingSince",
	"tsMonitorExportInLineTime", "tsMonitorTLSRebuilds",
	"tsMonitorTLSRebuildFailures", "tsMonitorTLSRebuildTime",
	"tsMonitorTLSError", "tsMonitorReadNotExported",
	"tsMonitorReadUndecorated", "tsMonitorReplicatedNotExported",
	"namingContexts", NULL
};

struct status {
	const char	*base;
	char		*v[M_N];	/* of the entry found */
	char		*suffix;	/* its database's naming context */
	size_t		 best;		/* length of that suffix */
	/* without one: the monitor entry of the database holding the base */
	char		*db_suffix;
	size_t		 db_best;
	int		 db_overlay;	/* it lists the truststore overlay */
};

static char *db_attrs[] = { "namingContexts", "monitorOverlay", NULL };

/* Whether dn is suffix or below it (DNs as the server writes them). */
static int
dn_within(const char *dn, const char *suffix)
{
	size_t n = strlen(dn), m = strlen(suffix);

	if (m == 0 || m > n || strcasecmp(dn + n - m, suffix) != 0)
		return 0;
	return m == n || dn[n - m - 1] == ',';
}

/* One tsMonitor entry: kept if its database holds the base, the deepest. */
static int
status_entry(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct status *st = arg;
	struct berval **nc;
	char *dn, *mine = NULL;
	size_t i, best = 0;
	int k, rc = 0;

	if ((nc = ldap_get_values_len(ctx->ld, e, "namingContexts")) == NULL)
		return 0;
	for (i = 0; nc[i] != NULL; i++) {
		if ((dn = strndup(nc[i]->bv_val, nc[i]->bv_len)) == NULL) {
			rc = LDAP_NO_MEMORY;
			goto done;
		}
		if (dn_within(st->base, dn) && strlen(dn) > best) {
			best = strlen(dn);
			free(mine);
			mine = dn;
		} else
			free(dn);
	}
	if (best <= st->best)
		goto done;
	st->best = best;
	free(st->suffix);
	st->suffix = mine;
	mine = NULL;
	for (k = 0; k < M_N; k++) {
		free(st->v[k]);
		st->v[k] = entry_str(ctx->ld, e, mon_attrs[k]);
	}
done:
	free(mine);
	ldap_value_free_len(nc);
	return rc;
}

/*
 * One database's monitor entry (cn=Database N,cn=Databases,cn=Monitor):
 * kept if it holds the base, the deepest, with whether the truststore
 * overlay is configured on it (disabled or not: slapd lists both).
 */
static int
db_entry(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct status *st = arg;
	struct berval **nc, **ov;
	size_t i, n;
	char *dn;

	if ((nc = ldap_get_values_len(ctx->ld, e, "namingContexts")) == NULL)
		return 0;
	for (i = 0; nc[i] != NULL; i++) {
		if ((dn = strndup(nc[i]->bv_val, nc[i]->bv_len)) == NULL) {
			ldap_value_free_len(nc);
			return LDAP_NO_MEMORY;
		}
		if (!dn_within(st->base, dn) || (n = strlen(dn)) <= st->db_best) {
			free(dn);
			continue;
		}
		st->db_best = n;
		free(st->db_suffix);
		st->db_suffix = dn;
		st->db_overlay = 0;
		ov = ldap_get_values_len(ctx->ld, e, "monitorOverlay");
		for (n = 0; ov != NULL && ov[n] != NULL; n++)
			if (ov[n]->bv_len == strlen("truststore") &&
			    strncasecmp(ov[n]->bv_val, "truststore",
			    ov[n]->bv_len) == 0)
				st->db_overlay = 1;
		ldap_value_free_len(ov);
	}
	ldap_value_free_len(nc);
	return 0;
}

static long
num(const char *s)
{
	return s != NULL ? strtol(s, NULL, 10) : 0;
}

/* A monitor time (YYYYmmddHHMMSSZ) as the other commands print times. */
static void
print_time(const char *label, const char *s)
{
	char buf[64];
	int64_t t;

	if (s == NULL || gentime_to_epoch(s, &t) == -1)
		return;
	fmt_datetime(t, buf, sizeof(buf));
	printf("%s%s\n", label, buf);
}

int
cmd_status(struct ctx *ctx, int argc, char **argv)
{
	struct status st;
	struct json j;
	const char *state, *base;
	char *const *v;
	int c, k, rc, json = 0;

	memset(&st, 0, sizeof(st));
	while ((c = opt_next(ctx, argc, argv, "", status_longopts)) != -1)
		if (c == OPT_JSON)
			json = 1;
	if ((rc = monitor_open(ctx, argc, argv, json, &base)) != 0)
		goto done;
	st.base = base;
	/*
	 * No monitor database, or one hidden from us, answers noSuchObject:
	 * that is the UNKNOWN below, not a search error (nor a wrong -b).
	 */
	ctx->nobase_mine = 1;
	rc = store_search(ctx, "cn=Monitor", LDAP_SCOPE_SUBTREE,
	    "(objectClass=tsMonitor)", mon_attrs, status_entry, &st);
	ctx->nobase_mine = 0;
	if (rc != 0 && rc != LDAP_NO_SUCH_OBJECT && st.best == 0) {
		rc = monitor_search_failed(ctx, json, "cn=Monitor", rc);
		goto done;
	}
	if (st.best == 0) {
		char why[512];

		/*
		 * The database's own monitor entry, if it can be read, tells
		 * an overlay that is disabled, or not there, from no monitor
		 * database at all.
		 */
		ctx->nobase_mine = 1;
		rc = store_search(ctx, "cn=Databases,cn=Monitor",
		    LDAP_SCOPE_ONELEVEL, "(objectClass=monitoredObject)",
		    db_attrs, db_entry, &st);
		ctx->nobase_mine = 0;
		if (st.db_best != 0 && st.db_overlay)
			snprintf(why, sizeof(why), "the monitor entry of the "
			    "store's database (%s) shows no truststore state: "
			    "the overlay is disabled there (olcDisabled: TRUE), "
			    "monitoring is off for the database (olcMonitoring: "
			    "FALSE), or the monitor database was added in the "
			    "last few seconds", st.db_suffix);
		else if (st.db_best != 0)
			snprintf(why, sizeof(why), "the store's database (%s) "
			    "runs no truststore overlay (check -b, or BASE in "
			    "ldap.conf)", st.db_suffix);
		else
			snprintf(why, sizeof(why), "no cn=Monitor entry for %s "
			    "(no monitor database, monitoring off for the "
			    "store's database, or no read access to it)", base);
		/* with --json the reason goes to stderr too, as it did */
		if (json)
			warnx_("%s", why);
		rc = monitor_unknown(json, "%s", why);
		goto done;
	}
	v = st.v;
	state = v[M_STATE] != NULL ? v[M_STATE] : "none";
	if (strcasecmp(state, "failing") == 0)
		rc = EXIT_CRITICAL;
	else if (num(v[M_READ_SKIPPED]) || num(v[M_READ_UNDECORATED]) ||
	    num(v[M_REPL_REFUSED]) || v[M_TLS_ERROR] != NULL)
		rc = EXIT_WARNING;
	else
		rc = EXIT_OK;

	if (json) {
		json_init(&j, stdout);
		json_begin(&j, '{');
		json_kv_str(&j, "status", rc == EXIT_CRITICAL ? "critical" :
		    rc == EXIT_WARNING ? "warning" : "ok");
		json_kv_str(&j, "database", st.suffix);
		for (k = 0; k < M_N; k++) {
			if (v[k] == NULL)
				continue;
			json_key(&j, mon_attrs[k]);
			/* the counts as numbers, the rest as text */
			if (k == M_CERTS || k == M_EXPORTED ||
			    k == M_TLS_REBUILDS || k == M_TLS_FAILURES ||
			    k == M_READ_SKIPPED || k == M_READ_UNDECORATED ||
			    k == M_REPL_REFUSED)
				json_int(&j, num(v[k]));
			else
				json_str(&j, v[k]);
		}
		json_end(&j, '}');
		json_finish(&j);
		goto done;
	}

	if (rc == EXIT_CRITICAL)
		printf("CRITICAL: the export is failing: %s\n",
		    v[M_ERROR] != NULL ? v[M_ERROR] : "(no reason given)");
	else if (rc == EXIT_WARNING)
		printf("WARNING: %ld entries not exported and %ld undecorated "
		    "at the last read, %ld replicated writes not exported%s\n",
		    num(v[M_READ_SKIPPED]), num(v[M_READ_UNDECORATED]),
		    num(v[M_REPL_REFUSED]), v[M_TLS_ERROR] != NULL ?
		    ", a TLS context rebuild failed" : "");
	else
		printf("OK: %ld certificate%s, the export %s\n",
		    num(v[M_CERTS]), num(v[M_CERTS]) == 1 ? "" : "s",
		    v[M_STATE] == NULL ? "off" :
		    strcasecmp(state, "inLine") == 0 ? "in line" :
		    "being written");
	printf("database:             %s\n", st.suffix);
	if (v[M_CERTS] != NULL)
		printf("certificates:         %s\n", v[M_CERTS]);
	if (v[M_STATE] != NULL) {
		printf("exported:             %s (%s)\n",
		    v[M_EXPORTED] != NULL ? v[M_EXPORTED] : "?", state);
		print_time("  in line since:      ", v[M_INLINE]);
		print_time("  failing since:      ", v[M_FAILING_SINCE]);
		if (v[M_ERROR] != NULL)
			printf("  error:              %s\n", v[M_ERROR]);
	}
	printf("TLS contexts rebuilt: %ld, %ld failed\n",
	    num(v[M_TLS_REBUILDS]), num(v[M_TLS_FAILURES]));
	print_time("  last rebuilt:       ", v[M_TLS_TIME]);
	if (v[M_TLS_ERROR] != NULL)
		printf("  last failure:       %s\n", v[M_TLS_ERROR]);
	printf("last read of the store: %ld not exported, %ld undecorated "
	    "(see slapd's log; ldaptrust redecorate --all)\n",
	    num(v[M_READ_SKIPPED]), num(v[M_READ_UNDECORATED]));
	printf("replicated writes not exported: %ld\n",
	    num(v[M_REPL_REFUSED]));
done:
	for (k = 0; k < M_N; k++)
		free(st.v[k]);
	free(st.suffix);
	free(st.db_suffix);
	return rc;
}
