/* monitor.c - what expiring and status share as monitoring plugins */
/*
 * Nagios and Icinga show the first line of a plugin's standard output and
 * act on its exit status: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.  So an
 * UNKNOWN says why on that line ("UNKNOWN: REASON"), or with --json in
 * the one JSON document ({"status":"unknown","reason":REASON}); the
 * details stay on standard error, as for every command.  A usage error
 * among the options (an -H that does not parse included) ends the run
 * inside opt_next() with the command's usage status, 3: an exit handler
 * armed by main() writes the line then, with the error's own words.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ldaptrust.h"

static const char *guard_cmd;	/* armed: the command, for the hint */
static int guard_json;		/* --json among the arguments */

static void
guard_at_exit(void)
{
	const char *said = usage_last();

	if (guard_cmd == NULL)
		return;
	/* the error itself, so that the line alone says what to mend */
	if (*said != '\0')
		monitor_unknown(guard_json, "usage error: %s (%s %s --help)",
		    said, PROGNAME, guard_cmd);
	else
		monitor_unknown(guard_json, "usage error (see standard error, "
		    "or %s %s --help)", PROGNAME, guard_cmd);
}

/*
 * From here until monitor_unguard(), an exit says UNKNOWN on standard
 * output.  Whether --json was asked for is read from argv itself: the
 * error may stand before it (getopt_long() takes "--js" for it too).
 */
void
monitor_guard(const char *cmd, int argc, char **argv)
{
	static int registered;
	size_t n;
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if ((n = strlen(argv[i])) >= 3 &&
		    strncmp(argv[i], "--json", n) == 0)
			guard_json = 1;
	guard_cmd = cmd;
	if (!registered && atexit(guard_at_exit) == 0)
		registered = 1;
}

/* The command has written its own status (or its --help): no more. */
void
monitor_unguard(void)
{
	guard_cmd = NULL;
}

/* "UNKNOWN: REASON" or its JSON document on standard output; returns 3. */
int
monitor_unknown(int json, const char *fmt, ...)
{
	struct json j;
	char reason[1024];
	va_list ap;

	monitor_unguard();
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (json) {
		json_init(&j, stdout);
		json_begin(&j, '{');
		json_kv_str(&j, "status", "unknown");
		json_kv_str(&j, "reason", reason);
		json_end(&j, '}');
		json_finish(&j);
	} else {
		/* -b, -D and -H are the user's, but this is text for people */
		fputs("UNKNOWN: ", stdout);
		put_safe(reason, stdout);
		fputc('\n', stdout);
	}
	return EXIT_UNKNOWN;
}

/*
 * The UNKNOWN of a conn_open() that failed (its error already shown):
 * the step that failed, where to, and libldap's code, as in
 * "bind as "cn=admin,o=example" to ldap://ldap.example/: Invalid
 * credentials (49)" or "... Can't contact LDAP server (-1)".
 */
int
monitor_conn_failed(struct ctx *ctx, int json)
{
	const struct conn_opts *co = &ctx->co;
	char *uri = NULL, *mech = NULL, step[300];
	int err = LDAP_SUCCESS, rc;

	/* refused before any exchange: options, password file, -H */
	if (ctx->ld != NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE, &err);
	if (err == LDAP_SUCCESS)
		return monitor_unknown(json, "the connection options or the "
		    "password could not be used (see standard error)");
	ldap_get_option(ctx->ld, LDAP_OPT_URI, &uri);
	/* StartTLS stops the run under -ZZ, or when its handshake broke */
	if (co->starttls && !ldap_tls_inplace(ctx->ld) &&
	    (co->starttls > 1 || err < 0))
		snprintf(step, sizeof(step), "StartTLS with");
	else if (co->simple && (co->binddn == NULL || *co->binddn == '\0'))
		snprintf(step, sizeof(step), "anonymous bind to");
	else if (co->simple)
		snprintf(step, sizeof(step), "bind as \"%s\" to", co->binddn);
	else {
		if (co->mech == NULL)
			ldap_get_option(ctx->ld, LDAP_OPT_X_SASL_MECH, &mech);
		snprintf(step, sizeof(step), "SASL bind%s%s to",
		    co->mech || mech ? " with " : "",
		    co->mech ? co->mech : mech ? mech : "");
		ldap_memfree(mech);
	}
	rc = monitor_unknown(json, "%s %s: %s (%d)", step,
	    uri != NULL ? uri : "the default server", ldap_err2string(err),
	    err);
	ldap_memfree(uri);
	return rc;
}

/*
 * The UNKNOWN of a search that failed (its error already shown): the
 * server's or libldap's code, or EXIT_LOCAL when memory ran out here.
 */
int
monitor_search_failed(struct ctx *ctx, int json, const char *base, int err)
{
	int said = LDAP_SUCCESS;

	ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE, &said);
	if (err == LDAP_NO_MEMORY || (err == EXIT_LOCAL && said != err))
		return monitor_unknown(json, "search %s: out of memory", base);
	return monitor_unknown(json, "search %s: %s (%d)", base,
	    ldap_err2string(err), err);
}

/*
 * What expiring and status do once their options are read: no argument
 * may be left, then the connection and the base.  0 with *base set, else
 * the UNKNOWN status, its line written.
 */
int
monitor_open(struct ctx *ctx, int argc, char **argv, int json,
    const char **base)
{
	if (optind != argc) {
		usage_error(ctx, "unexpected argument '%s'",
		    text_shown(argv[optind]));
		return monitor_unknown(json, "unexpected argument '%s'",
		    argv[optind]);
	}
	if (conn_open(ctx) != 0)
		return monitor_conn_failed(ctx, json);
	if ((*base = conn_base(ctx)) == NULL)
		return monitor_unknown(json, "no base DN: give -b BASE or set "
		    "BASE in ldap.conf");
	return 0;
}
