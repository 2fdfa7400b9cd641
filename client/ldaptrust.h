/* ldaptrust.h - shared declarations of the ldaptrust client */
/*
 * The client is a thin layer over libldap: conn.c speaks the ldap tools'
 * options and binds, store.c knows how certificates are laid out in the
 * directory, out.c formats for people and for programs, monitor.c has
 * what the monitoring commands (expiring, status) share, and each command
 * lives in its own cmd_*.c file.  A new command is a new file plus one
 * line in the table in ldaptrust.c.
 */
#ifndef LDAPTRUST_H
#define LDAPTRUST_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <ldap.h>

#define PROGNAME	"ldaptrust"

/* Exit status for errors found on this side (usage, files, aliases). */
#define EXIT_LOCAL	1
/* An exchange not completed: a TLS server not reached, a code too large. */
#define EXIT_CLIENT	255
/* expiring and status, as monitoring plugins: 0 OK ... 3 UNKNOWN */
#define EXIT_OK		0
#define EXIT_WARNING	1
#define EXIT_CRITICAL	2
#define EXIT_UNKNOWN	3

/* Connection and bind settings, named after the ldap tools' options. */
struct conn_opts {
	char		*uri;		/* -H */
	char		*binddn;	/* -D */
	char		*passwd;	/* -w, -W, -y */
	int		 prompt_passwd;	/* -W */
	int		 passwd_asked;	/* -W answered already */
	int		 passwd_opt;	/* -w was given */
	char		*passwd_file;	/* -y */
	int		 simple;	/* -x */
	int		 sasl_opt;	/* the last of -Y -X -U -R given */
	char		*mech;		/* -Y */
	char		*authzid;	/* -X */
	char		*authcid;	/* -U */
	char		*realm;		/* -R */
	char		*secprops;	/* -O */
	int		 quiet;		/* -Q */
	int		 starttls;	/* -Z count */
	int		 debug;		/* -d */
	int		 nettimeout;	/* -o nettimeout=, seconds (0: none) */
	int		 nettimeout_set;
	int		 nocanon;	/* -N */
	int		 verbose;	/* -v */
	int		 dry_run;	/* -n */
	char		*base;		/* -b */
	int		 contoper;	/* -c: go on after a refusal */
	char		*infile;	/* -f: aliases, one a line */
	/* -M and -e: 0 not asked, 1 non-critical, 2 critical (the "!") */
	int		 managedsait;
	int		 managedsait_e;	/* it came from -e, not -M */
	int		 relax;
	int		 noop;
	int		 assert_crit;
	char		*assertion;	/* -e assert=FILTER */
	struct berval	 assert_val;	/* its BER encoding */
	int		 authz_crit;
	char		*proxy_authzid;	/* -e !authzid=dn:... */
	LDAPControl	*ctl_oid;	/* -e [!]OID[=value] */
	size_t		 n_oid;
};

/* Which requests a control of -M/-e goes with. */
enum { CTL_READ, CTL_WRITE };

struct ctx {
	struct conn_opts co;
	LDAP		*ld;		/* NULL until conn_open() */
	const char	*cmd;		/* the command's name, for messages */
	int		 tty_out;	/* stdout is a terminal */
	int		 tty_err;
	int		 tty_in;
	int		 usage_status;	/* exit status of a usage error (0: EXIT_LOCAL) */
	int		 base_told;	/* a missing base was reported */
	int		 alias_twice;	/* store_get(): two had the alias */
	int		 nobase_mine;	/* the caller words a missing search base */
	int64_t		 now;
};

/* One command: its name, its entry point, its synopsis and one line. */
struct command {
	const char	*name;
	int		(*run)(struct ctx *, int, char **);
	const char	*synopsis;
	const char	*summary;
	const char	*help;		/* the command's own options */
	int		 usage_status;	/* exit status of a usage error (0: EXIT_LOCAL) */
	int		 takes_list;	/* reads -f FILE: aliases, one a line */
};

/* conn.c */
int	 opt_next(struct ctx *, int, char **, const char *,
	    const struct option *);
const char *opt_command_word(int, char **);
void	 opt_usage_common(FILE *);
int	 conn_password(struct ctx *);
int	 conn_open(struct ctx *);
void	 conn_close(struct ctx *);
const char *conn_base(struct ctx *);
int	 ldap_fail(const char *, int, const char *, const char *);
int	 ld_fail(struct ctx *, const char *, int);
int	 exit_status(int);
int	 op_result(struct ctx *, int, const char *, LDAPMessage **);
int	 op_result_but(struct ctx *, int, const char *, LDAPMessage **, int);
LDAPControl **conn_ctrls(struct ctx *, int, LDAPControl *);
int	 noop_result(struct ctx *, int);
const char *noop_note(struct ctx *);
void	 warnx_(const char *, ...) __attribute__((format(printf, 1, 2)));
int	 usage_error(struct ctx *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
const char *usage_last(void);

/* store.c: certificates as directory entries */
#define ALIAS_MAX	TS_ALIAS_MAX

struct cert_rec {
	char		*dn;
	char		*alias;
	char		*container;	/* DN relative to the base; NULL: none */
	char		*description;
	unsigned char	*der;
	size_t		 der_len;
	char		*subject;
	char		*issuer;
	char		*status;
	char		*sha256;
	int64_t		 not_before;	/* INT64_MIN when unknown */
	int64_t		 not_after;
	int		 is_ca;		/* -1 unknown */
	LDAPMessage	*entry;		/* only while the search result lives */
};

struct cert_list {
	struct cert_rec	*recs;
	size_t		 n;
	size_t		 cap;
};

int	 alias_check(const char *, char *, size_t);
char	*alias_rdn(const char *);
char	*alias_dn(const char *, const char *);
char	*dn_alias(const char *);
typedef int (*entry_fn)(struct ctx *, LDAPMessage *, void *);
int	 store_search(struct ctx *, const char *, int, const char *,
	    char **, entry_fn, void *);
int	 store_collect(struct ctx *, const char *, int, const char *,
	    char **, struct cert_list *);
int	 store_list(struct ctx *, const char *, char **, struct cert_list *);
int	 no_such_alias(struct ctx *, const char *, const char *);
int	 store_get(struct ctx *, const char *, char **, struct cert_list *);
int	 store_get_dn(struct ctx *, const char *, char **, struct cert_list *);
int	 store_locate(struct ctx *, const char *, char **);
int	 store_get_each(struct ctx *, const char *, char **, int, char **,
	    struct cert_list *, int *);
void	 cert_list_free(struct cert_list *);
void	 cert_list_trim(struct cert_list *, size_t);
char	*entry_str(LDAP *, LDAPMessage *, const char *);
int	 read_file(const char *, unsigned char **, size_t *);
int	 write_file(const char *, const void *, size_t, int);
int	 read_list(struct ctx *, int, char **, char ***, int *,
	    const char *);
void	 free_list(struct ctx *, char **);
extern char *list_attrs[];

/* out.c: tables, JSON and dates */
char	*text_safe(const char *);
const char *text_shown(const char *);
void	 put_safe(const char *, FILE *);
struct table;
struct table *table_new(int, const char *const *);
void	 table_row(struct table *, const char *const *);
void	 table_print(struct table *, FILE *, int);
void	 table_free(struct table *);

struct json {
	FILE	*fp;
	int	 depth;
	int	 need_comma[32];
	int	 after_key;
};
void	 json_init(struct json *, FILE *);
void	 json_begin(struct json *, int);
void	 json_end(struct json *, int);
void	 json_key(struct json *, const char *);
void	 json_str(struct json *, const char *);
void	 json_strn(struct json *, const char *, size_t);
void	 json_int(struct json *, int64_t);
void	 json_bool(struct json *, int);
void	 json_null(struct json *);
void	 json_kv_str(struct json *, const char *, const char *);
void	 json_finish(struct json *);

void	 fmt_date(int64_t, char *, size_t);
void	 fmt_datetime(int64_t, char *, size_t);
void	 fmt_iso(int64_t, char *, size_t);
int64_t	 days_left(int64_t, int64_t);
int	 gentime_to_epoch(const char *, int64_t *);

/* progress bar on stderr (a terminal only) */
void	 progress(struct ctx *, size_t, size_t);
void	 progress_done(struct ctx *);

/* cmd_list.c, shared with expiring */
#define DAYS_MAX	36500	/* --expiring, expiring --days: 100 years */
const char *days_arg(const char *, long *);
const char *rec_status(const struct cert_rec *, int64_t);
void	 json_rec(struct json *, const struct cert_rec *, int64_t);
void	 sort_recs(struct cert_list *, int);
int	 confirm(const char *);	/* y/yes on /dev/tty */
void	 print_recs(struct ctx *, const struct cert_list *,
	    const unsigned char *);

/* monitor.c: expiring and status as monitoring plugins */
void	 monitor_guard(const char *, int, char **);
void	 monitor_unguard(void);
int	 monitor_unknown(int, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 monitor_conn_failed(struct ctx *, int);
int	 monitor_open(struct ctx *, int, char **, int, const char **);
int	 monitor_search_failed(struct ctx *, int, const char *, int);

/* the commands */
int	 cmd_list(struct ctx *, int, char **);
int	 cmd_show(struct ctx *, int, char **);
int	 cmd_import(struct ctx *, int, char **);
int	 cmd_export(struct ctx *, int, char **);
int	 cmd_delete(struct ctx *, int, char **);
int	 cmd_rename(struct ctx *, int, char **);
int	 cmd_redecorate(struct ctx *, int, char **);
int	 cmd_expiring(struct ctx *, int, char **);
int	 cmd_import_from(struct ctx *, int, char **);	/* cmd_from.c */
/* cmd_import.c: an add of ALIAS answered 68; says why, exit status */
int	 alias_taken(struct ctx *, const char *alias, const char *sha256,
	    const char *name, const char *base, const char *what);
int	 cmd_verify(struct ctx *, int, char **);
int	 cmd_status(struct ctx *, int, char **);
int	 cmd_sync(struct ctx *, int, char **);

const struct command *command_find(const char *);
void	 command_usage(const struct command *, FILE *);

#endif /* LDAPTRUST_H */
