/* ldaptrust.c - manage the truststore overlay's certificates over LDAP */
/*
 * ldaptrust [connection options] COMMAND [options] [arguments]
 *
 * The server checks every certificate; this client makes the common jobs
 * short and safe and shows the server's own diagnostics.  main() reads the
 * options that come before the command, then hands the rest of argv to the
 * command, which reads its own options and the connection options again
 * (they may come anywhere).  To add a command, write cmd_NAME.c with
 * "int cmd_NAME(struct ctx *, int, char **)", declare it in ldaptrust.h
 * and add its line to the table below.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ldaptrust.h"

static const struct command commands[] = {
	{ "list", cmd_list,
	    "list [--sort alias|expiry] [--expiring DAYS] [--expired] [--ca] [--json]",
	    "one line per certificate",
	    "  --sort alias|expiry  order of the lines (default: alias)\n"
	    "  --expiring DAYS      only certificates expiring within DAYS days\n"
	    "                       (at most 36500)\n"
	    "  --expired            only expired certificates\n"
	    "  --ca                 only CA certificates\n"
	    "  --json               a JSON array instead of a table\n", 0, 0 },
	{ "show", cmd_show,
	    "show [--json] ALIAS",
	    "every fact about one certificate",
	    "  --json               a JSON object instead of text\n", 0, 0 },
	{ "import", cmd_import,
	    "import [--all] [--description TEXT] [-n] ALIAS FILE\n"
	    "   or: ldaptrust [options] import --alias-from subject [--all]\n"
	    "       [--description TEXT] [-n] [-c] FILE... | -f LIST",
	    "add certificates from a PEM, DER or PKCS#7 file",
	    "  --all                import every certificate of a bundle\n"
	    "  --alias-from subject name each certificate after its subject's CN\n"
	    "  --description TEXT   description of the entries\n"
	    "  -n, --dry-run        show what would be imported\n"
	    "  -f LIST              the FILEs, one a line (with --alias-from)\n"
	    "  -c                   go on after a FILE with a refusal\n"
	    "FILE may be - for standard input.\n"
	    "\nimport [--starttls ldap] [--name NAME] [--pick leaf|root|N]\n"
	    "       [--fingerprint SHA256] [--description TEXT] [--timeout SECONDS]\n"
	    "       [--yes] [-n] ALIAS --from HOST:PORT\n"
	    "  --from HOST:PORT     fetch the chain a TLS server presents, show it, import one\n"
	    "  --starttls ldap      HOST:PORT is a plain LDAP port: StartTLS first\n"
	    "  --name NAME          the server's name, sent as SNI (default: HOST)\n"
	    "  --pick leaf|root|N   which certificate (default: the self-signed root\n"
	    "                       if the server sent one, else the leaf)\n"
	    "  --fingerprint SHA256 import only if the pick has this SHA-256 fingerprint\n"
	    "  --description TEXT   description of the entry\n"
	    "  --yes                do not ask (required when not on a terminal)\n"
	    "  --timeout SECONDS    for connecting, StartTLS and the handshake, each\n"
	    "                       (default 10)\n", 0, 1 },
	{ "export", cmd_export,
	    "export [--der] [--force] ALIAS [FILE] | export --all [--force] [FILE]",
	    "write a certificate (or the whole store) to a file",
	    "  --der                DER instead of PEM (one certificate only)\n"
	    "  --all                every certificate as one PEM bundle\n"
	    "  --force              overwrite FILE if it exists\n"
	    "Without FILE (or with -) the output goes to standard output.\n", 0, 0 },
	{ "delete", cmd_delete,
	    "delete [--yes] [-n] [-c] ALIAS... | delete [--yes] [-n] [-c] -f FILE",
	    "remove certificates",
	    "  --yes                do not ask (required when not on a terminal)\n"
	    "  -n, --dry-run        show what would be deleted\n"
	    "  -f FILE              the aliases, one a line (- : standard input)\n"
	    "  -c                   go on after a refusal\n", 0, 1 },
	{ "rename", cmd_rename,
	    "rename [-n] OLD NEW",
	    "change a certificate's alias",
	    "  -n, --dry-run        show what would be renamed\n", 0, 0 },
	{ "redecorate", cmd_redecorate,
	    "redecorate [-n] [-c] ALIAS... | -f FILE | --all",
	    "have the server decorate certificates again",
	    "  --all                every certificate whose stored facts are not\n"
	    "                       those of its certificate\n"
	    "  -n, --dry-run        show what would be rewritten\n"
	    "  -f FILE              the aliases, one a line (- : standard input)\n"
	    "  -c                   go on after a refusal\n", 0, 1 },
	{ "expiring", cmd_expiring,
	    "expiring [--days N] [--json]",
	    "for monitoring: exit 0 ok, 1 expiring, 2 expired, 3 unknown",
	    "  --days N             the warning window in days (default 30,\n"
	    "                       at most 36500)\n"
	    "  --json               a JSON object instead of text\n",
	    /* a monitoring plugin: a usage error is "unknown", not "warning" */
	    EXIT_UNKNOWN, 0 },
	{ "status", cmd_status,
	    "status [--json]",
	    "for monitoring: the store's export and TLS, from cn=Monitor",
	    "  --json               a JSON object instead of text\n"
	    "Exit 0 OK, 1 WARNING (entries left out or undecorated, replicated\n"
	    "certificates not exported, a TLS rebuild failed), 2 CRITICAL (the\n"
	    "export is failing), 3 UNKNOWN.\n",
	    EXIT_UNKNOWN, 0 },
	{ "verify", cmd_verify,
	    "verify [--starttls ldap] [--name NAME] [--timeout SECONDS] HOST:PORT",
	    "does the store trust that TLS server? exit 0 yes, 1 no",
	    "  --starttls ldap      a plain LDAP port: StartTLS first\n"
	    "  --name NAME          the host name to send as SNI and check\n"
	    "                       (default: HOST)\n"
	    "  --timeout SECONDS    for connecting, StartTLS and the handshake, each\n"
	    "                       (default 10)\n", 0, 0 },
	{ "sync", cmd_sync,
	    "sync [--dir DIR] [--bundle FILE] [--exec CMD] [--state FILE] [--watch] [--keepalive SECONDS]",
	    "write the store to a hashed CA directory and/or a PEM bundle",
	    "  --dir DIR            hashed CA directory (as openssl rehash names it)\n"
	    "  --bundle FILE        one PEM file with every certificate\n"
	    "  --exec CMD           run CMD (with /bin/sh) after the files changed\n"
	    "  --state FILE         where the sync state is kept (default:\n"
	    "                       DIR/.ldaptrust-sync/state or FILE.sync-state)\n"
	    "  --watch              stay connected and follow changes (RFC 4533)\n"
	    "  --keepalive SECONDS  --watch: after SECONDS of silence ask the\n"
	    "                       server; no answer in SECONDS more: reconnect,\n"
	    "                       to the next URI of -H (default 60; 0: never)\n", 0, 0 },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0 }
};

const struct command *
command_find(const char *name)
{
	const struct command *c;

	for (c = commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* Usage of one command (with its own options text), or of the program. */
void
command_usage(const struct command *cmd, FILE *fp)
{
	const struct command *c;

	/* --help of expiring or status: help, not an UNKNOWN */
	monitor_unguard();
	if (cmd != NULL) {
		fprintf(fp, "usage: %s [options] %s\n  %s\n", PROGNAME,
		    cmd->synopsis, cmd->summary);
		if (cmd->help != NULL)
			fprintf(fp, "\n%s", cmd->help);
		fputc('\n', fp);
		opt_usage_common(fp);
		return;
	}
	fprintf(fp, "usage: %s [options] COMMAND [command options] "
	    "[arguments]\n\nCommands:\n", PROGNAME);
	for (c = commands; c->name != NULL; c++)
		fprintf(fp, "  %-10s %s\n", c->name, c->summary);
	fprintf(fp, "\n'%s COMMAND --help' describes a command; "
	    "ldaptrust(1) says more.\n\n", PROGNAME);
	opt_usage_common(fp);
}

int
main(int argc, char **argv)
{
	const struct command *cmd;
	const char *w;
	struct ctx ctx;
	int c, rc;

	memset(&ctx, 0, sizeof(ctx));
	ctx.tty_out = isatty(STDOUT_FILENO);
	ctx.tty_err = isatty(STDERR_FILENO);
	ctx.tty_in = isatty(STDIN_FILENO);
	ctx.now = (int64_t)time(NULL);

	/*
	 * A usage error among the options before the command ends the run
	 * with the command's status (expiring's 3), so the command is
	 * looked for first.
	 */
	if ((w = opt_command_word(argc, argv)) != NULL &&
	    (cmd = command_find(w)) != NULL) {
		ctx.usage_status = cmd->usage_status;
		/* a monitoring plugin's 3 says UNKNOWN on stdout (monitor.c) */
		if (cmd->usage_status == EXIT_UNKNOWN)
			monitor_guard(cmd->name, argc, argv);
	}
	/* options before the command: stop at the first word */
	while ((c = opt_next(&ctx, argc, argv, "+", NULL)) != -1)
		;
	monitor_unguard();
	if (optind >= argc)
		return usage_error(&ctx, "no command given");
	if (strcmp(argv[optind], "help") == 0) {
		cmd = NULL;
		/* as "ldaptrust NOSUCH --help": not the general usage and 0 */
		if (optind + 1 < argc &&
		    (cmd = command_find(argv[optind + 1])) == NULL)
			return usage_error(&ctx, "unknown command '%s'",
			    text_shown(argv[optind + 1]));
		command_usage(cmd, stdout);
		return 0;
	}
	if ((cmd = command_find(argv[optind])) == NULL)
		return usage_error(&ctx, "unknown command '%s'",
		    text_shown(argv[optind]));
	ctx.cmd = cmd->name;
	ctx.usage_status = cmd->usage_status;
	argc -= optind;
	argv += optind;
	if (cmd->usage_status == EXIT_UNKNOWN)
		monitor_guard(cmd->name, argc, argv);
	/* let getopt_long() start afresh on the command's arguments */
	optind = 0;
	rc = cmd->run(&ctx, argc, argv);
	monitor_unguard();
	conn_close(&ctx);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		warnx_("standard output: write error");
		if (rc == 0)
			rc = EXIT_LOCAL;
	}
	return rc;
}
