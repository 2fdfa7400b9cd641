/* conn.c - the ldap tools' options, connection, bind and error reporting */
/*
 * ldaptrust takes the connection options of ldapsearch with the same
 * letters and meanings, anywhere on the command line, and lets libldap read
 * ldap.conf, ldaprc and the LDAP* environment variables: only the -H URI is
 * handed to ldap_initialize(), every other default comes from libldap.
 * SASL binds use our own interaction callback (no liblutil): values given
 * with -U/-R/-X/-w win, otherwise the user is asked on the terminal unless
 * -Q; EXTERNAL over ldapi:/// needs no answer at all.  The tools' -M and
 * -e controls are kept here and handed to each request by conn_ctrls();
 * -c and -f are only read here, the commands that act on lists use them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>
#include <sasl/sasl.h>

#include "ldaptrust.h"

/*
 * libldap's reader of one ldap.conf line, which the ldap tools' -o hands
 * every option it does not know itself (clients/tools/common.c): exported
 * by libldap (OPENLDAP_2.5) but declared in no installed header.
 */
extern int ldap_pvt_conf_option(char *, char *, int);

/* The ldap tools' letters plus -h for help; a leading ':' lets us word errors. */
#define COMMON_SHORT	"H:D:w:Wy:xY:X:U:R:O:QNZd:vnb:o:hp:P:Me:E:cf:"
/* the ldap tools' letters that take a value, ours or not */
#define TOOLS_VALUED	"abdDeEfhHlosOpPRsSTUwXyYz"

static const struct option common_long[] = {
	{ "uri",	required_argument,	NULL,	'H' },
	{ "binddn",	required_argument,	NULL,	'D' },
	{ "base",	required_argument,	NULL,	'b' },
	{ "dry-run",	no_argument,		NULL,	'n' },
	{ "verbose",	no_argument,		NULL,	'v' },
	{ "help",	no_argument,		NULL,	'h' },
	{ NULL,		0,			NULL,	0 }
};

void
warnx_(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", PROGNAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The last usage error's words, for a monitoring check's UNKNOWN line. */
static char usage_said[1024];

const char *
usage_last(void)
{
	return usage_said;
}

int
usage_error(struct ctx *ctx, const char *fmt, ...)
{
	char *msg = usage_said;
	va_list ap;

	fprintf(stderr, "%s: ", PROGNAME);
	if (ctx->cmd != NULL)
		fprintf(stderr, "%s: ", ctx->cmd);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(usage_said), fmt, ap);
	va_end(ap);
	/* it quotes what the user typed: no control character goes out */
	put_safe(msg, stderr);
	fprintf(stderr, "\nTry '%s%s%s --help'.\n", PROGNAME,
	    ctx->cmd ? " " : "", ctx->cmd ? ctx->cmd : "");
	return EXIT_LOCAL;
}

void
opt_usage_common(FILE *fp)
{
	fputs(
"Connection options (as in ldapsearch(1)):\n"
"  -H URI         LDAP URI (default: URI from ldap.conf)\n"
"  -b BASE        base DN of the store (default: BASE from ldap.conf)\n"
"  -D BINDDN      bind DN\n"
"  -w PASSWD      bind password\n"
"  -W             prompt for the bind password\n"
"  -y FILE        read the bind password from FILE (entire contents)\n"
"  -x             simple bind (default: SASL)\n"
"  -Y MECH        SASL mechanism        -U AUTHCID  SASL authentication id\n"
"  -X AUTHZID     SASL authorization id -R REALM    SASL realm\n"
"  -O PROPS       SASL security properties\n"
"  -Q             quiet SASL: never prompt\n"
"  -Z             StartTLS (-ZZ: require it)\n"
"  -n             show what would be done, change nothing\n"
"  -v             verbose\n"
"  -d LEVEL       libldap debug level\n"
"  -o OPT=VALUE   an ldap.conf option (tls_reqcert=demand, ...), or\n"
"                 nettimeout=SECONDS|none|max: give up connecting after it\n"
"  -N             no reverse DNS to canonicalize the SASL host name\n"
"  -P 3           LDAP version 3 (the only one)\n"
"  -M             ManageDsaIT control (-MM: critical)\n"
"  -e [!]EXT[=PARAM]  a control on the requests (! : critical):\n"
"                 [!]manageDSAit, [!]relax, [!]noop (writes),\n"
"                 [!]assert=FILTER (writes), !authzid=AUTHZID,\n"
"                 [!]OID[=:VALUE|::BASE64]\n"
"  -c             go on after a refusal (delete, redecorate, import)\n"
"  -f FILE        the aliases of delete or redecorate, the FILEs of\n"
"                 import --alias-from subject, one a line\n"
"  --help         this help\n", fp);
}

/* --- -e and -M: the general controls, as the ldap tools parse them ------- */

static int
b64_val(int c)
{
	const char *abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p = c ? strchr(abc, c) : NULL;

	return p ? (int)(p - abc) : -1;
}

/* Strict base64 (padding required), into a malloc()ed berval. */
static int
b64_decode(const char *in, struct berval *out)
{
	size_t len = strlen(in), i, o = 0;
	unsigned char *buf;
	int v[4], k;

	if (len % 4 != 0 || (buf = malloc(len / 4 * 3 + 1)) == NULL)
		return -1;
	for (i = 0; i < len; i += 4) {
		for (k = 0; k < 4; k++) {
			v[k] = b64_val((unsigned char)in[i + k]);
			/* '=' only as the last one or two of the last group */
			if (v[k] == -1 && !(in[i + k] == '=' && i + 4 == len &&
			    k >= 2 && (k == 3 || in[i + 3] == '=')))
				goto bad;
		}
		buf[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (v[2] >= 0)
			buf[o++] = (unsigned char)((v[1] & 0xf) << 4 | v[2] >> 2);
		if (v[3] >= 0)
			buf[o++] = (unsigned char)((v[2] & 0x3) << 6 | v[3]);
	}
	out->bv_val = (char *)buf;
	out->bv_len = o;
	return 0;
bad:
	free(buf);
	return -1;
}

/* A numeric OID (1.2.3...), as the ldap tools accept for any control. */
static int
is_oid(const char *s)
{
	int dots = 0, digits = 0;

	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			digits++;
		else if (*s == '.' && digits > 0) {
			digits = 0;
			dots++;
		} else
			return 0;
	}
	return dots > 0 && digits > 0;
}

static void __attribute__((__noreturn__)) usage_exit(struct ctx *);

#define CTL_OID_MAX	32

/*
 * -e [!]NAME[=VALUE].  The names the ldap tools know that make sense for
 * a store's requests are taken; the others they know are refused with
 * why, anything else as the tools do.  Each may be given once.
 */
static int
general_control(struct ctx *ctx, char *arg)
{
	struct conn_opts *co = &ctx->co;
	char *name = arg, *val;
	int crit = 0, *flag = NULL;
	LDAP *ld = NULL;
	LDAPControl *c;
	size_t i;

	while (*name == '!') {
		crit++;
		name++;
	}
	if ((val = strchr(name, '=')) != NULL)
		*val++ = '\0';
	if (strcasecmp(name, "manageDSAit") == 0)
		flag = &co->managedsait;
	else if (strcasecmp(name, "relax") == 0 ||
	    strcasecmp(name, "manageDIT") == 0)
		flag = &co->relax;
	else if (strcasecmp(name, "noop") == 0)
		flag = &co->noop;
	if (flag != NULL) {
		if (*flag) {
			usage_error(ctx, "-e %s: given twice%s", name,
			    flag == &co->managedsait ? " (-M is manageDSAit "
			    "too)" : "");
			usage_exit(ctx);
		}
		if (val != NULL) {
			usage_error(ctx, "-e %s: no value expected", name);
			usage_exit(ctx);
		}
		*flag = crit ? 2 : 1;
		co->managedsait_e |= flag == &co->managedsait;
		return 0;
	}
	if (strcasecmp(name, "assert") == 0) {
		if (co->assertion != NULL || val == NULL || *val == '\0') {
			usage_error(ctx, "-e assert%s", co->assertion ?
			    ": given twice" : "=FILTER: a filter is needed");
			usage_exit(ctx);
		}
		/* encoded now, so that a bad filter is a usage error */
		if (ldap_initialize(&ld, NULL) != LDAP_SUCCESS ||
		    ldap_create_assertion_control_value(ld, val,
		    &co->assert_val) != LDAP_SUCCESS) {
			if (ld != NULL)
				ldap_unbind_ext(ld, NULL, NULL);
			usage_error(ctx, "-e assert=%s: not an LDAP filter "
			    "(RFC 4515)", val);
			usage_exit(ctx);
		}
		ldap_unbind_ext(ld, NULL, NULL);
		co->assertion = val;
		co->assert_crit = crit ? 2 : 1;
		return 0;
	}
	if (strcasecmp(name, "authzid") == 0) {
		if (co->proxy_authzid != NULL || val == NULL || !crit) {
			usage_error(ctx, "-e authzid: %s", co->proxy_authzid ?
			    "given twice" : val == NULL ?
			    "an authzid is needed (dn:DN or u:USER)" :
			    "must be marked critical (-e '!authzid=...'), "
			    "as RFC 4370 asks");
			usage_exit(ctx);
		}
		co->proxy_authzid = val;
		/* "!!" sends it non-critical, to test a server, as the tools */
		co->authz_crit = crit > 1 ? 1 : 2;
		return 0;
	}
	if (strcasecmp(name, "bauthzid") == 0 ||
	    strcasecmp(name, "ppolicy") == 0 ||
	    strcasecmp(name, "preread") == 0 ||
	    strcasecmp(name, "postread") == 0 ||
	    strcasecmp(name, "chaining") == 0 ||
	    strcasecmp(name, "sessiontracking") == 0 ||
	    strcasecmp(name, "abandon") == 0 ||
	    strcasecmp(name, "cancel") == 0 ||
	    strcasecmp(name, "ignore") == 0 ||
	    strcasecmp(name, "backlog") == 0 ||
	    strcasecmp(name, "proxydn") == 0) {
		usage_error(ctx, "-e %s: an ldap tools extension ldaptrust "
		    "does not take (it shows no bind response, read entry "
		    "or chaining, and interrupts nothing); give it by OID "
		    "if the server must see it", name);
		usage_exit(ctx);
	}
	if (!is_oid(name)) {
		usage_error(ctx, "-e %s: invalid general control name", name);
		usage_exit(ctx);
	}
	for (i = 0; i < co->n_oid; i++)
		if (strcmp(co->ctl_oid[i].ldctl_oid, name) == 0) {
			usage_error(ctx, "-e %s: given twice", name);
			usage_exit(ctx);
		}
	if (co->n_oid == CTL_OID_MAX) {
		usage_error(ctx, "-e %s: more than %d controls by OID", name,
		    CTL_OID_MAX);
		usage_exit(ctx);
	}
	if ((c = reallocarray(co->ctl_oid, co->n_oid + 1, sizeof(*c))) == NULL)
		return -1;
	co->ctl_oid = c;
	c = &c[co->n_oid];
	memset(c, 0, sizeof(*c));
	c->ldctl_oid = name;
	c->ldctl_iscritical = crit ? 1 : 0;
	if (val == NULL)
		;
	else if (val[0] == ':' && val[1] != ':') {
		/* =:VALUE, as ldapsearch -E takes it */
		if ((c->ldctl_value.bv_val = strdup(val + 1)) == NULL)
			return -1;
		c->ldctl_value.bv_len = strlen(val + 1);
	} else if (b64_decode(val + (val[0] == ':' ? 2 : 0),
	    &c->ldctl_value) == -1) {
		/* =::BASE64, or =BASE64 as the tools' -e took it */
		usage_error(ctx, "-e %s: the value is not base64 (=:TEXT "
		    "gives it as text)", name);
		usage_exit(ctx);
	}
	co->n_oid++;
	return 0;
}

/*
 * The controls of -M and -e for one request, after `extra' (a paged
 * results or sync request of our own; NULL if none).  Reads carry
 * manageDSAit, the proxied identity and the controls given by OID;
 * writes (add, modify, delete, rename) also relax, noop and the
 * assertion, which a search of the store's base would test on the base
 * entry.  The array is ours and good until the next call.
 */
LDAPControl **
conn_ctrls(struct ctx *ctx, int kind, LDAPControl *extra)
{
	static LDAPControl fixed[5], *list[1 + 5 + CTL_OID_MAX + 1];
	struct conn_opts *co = &ctx->co;
	size_t n = 0, f = 0, i;

	if (extra != NULL)
		list[n++] = extra;
#define CTL(oid, crit, val, len) do {					\
		fixed[f].ldctl_oid = (oid);				\
		fixed[f].ldctl_iscritical = (crit) > 1;			\
		fixed[f].ldctl_value.bv_val = (val);			\
		fixed[f].ldctl_value.bv_len = (len);			\
		list[n++] = &fixed[f++];				\
	} while (0)
	if (co->managedsait)
		CTL(LDAP_CONTROL_MANAGEDSAIT, co->managedsait, NULL, 0);
	if (co->proxy_authzid != NULL)
		CTL(LDAP_CONTROL_PROXY_AUTHZ, co->authz_crit, co->proxy_authzid,
		    strlen(co->proxy_authzid));
	if (kind == CTL_WRITE) {
		if (co->relax)
			CTL(LDAP_CONTROL_RELAX, co->relax, NULL, 0);
		if (co->noop)
			CTL(LDAP_CONTROL_NOOP, co->noop, NULL, 0);
		if (co->assertion != NULL)
			CTL(LDAP_CONTROL_ASSERT, co->assert_crit,
			    co->assert_val.bv_val, co->assert_val.bv_len);
	}
#undef CTL
	for (i = 0; i < co->n_oid; i++)
		list[n++] = &co->ctl_oid[i];
	list[n] = NULL;
	return n > 0 ? list : NULL;
}

/*
 * The server's answer to a write sent with noop: "No Operation" (16654)
 * is its "this would have been done", a success here.
 */
int
noop_result(struct ctx *ctx, int err)
{
	if (ctx->co.noop && err == LDAP_X_NO_OPERATION)
		return LDAP_SUCCESS;
	return err;
}

/* After a success line: what noop made of it. */
const char *
noop_note(struct ctx *ctx)
{
	return ctx->co.noop ? " (noop: the server would have, nothing changed)" :
	    "";
}

/*
 * -o NAME=VALUE, as the ldap tools of OpenLDAP 2.5 take it: nettimeout
 * (seconds, "none" or "max") and ldif_wrap are the tools' own; any other
 * NAME is an ldap.conf option (tls_reqcert, tls_cacert, sasl_nocanon,
 * network_timeout, ...), set for this run over what ldap.conf, ldaprc and
 * the LDAP* variables say.  A '-' in NAME is a '_', as for the tools.
 */
static int
general_option(struct ctx *ctx, const char *arg)
{
	struct conn_opts *co = &ctx->co;
	char *name, *val, *p, *end;
	long v;

	if ((name = strdup(arg)) == NULL)
		return -1;
	if ((val = strchr(name, '=')) != NULL)
		*val++ = '\0';
	for (p = name; *p != '\0'; p++)
		if (*p == '-')
			*p = '_';
	if (strcasecmp(name, "nettimeout") == 0) {
		if (co->nettimeout_set) {
			usage_error(ctx, "-o nettimeout: given twice");
			usage_exit(ctx);
		}
		if (val != NULL && strcasecmp(val, "none") == 0)
			v = 0;
		else if (val != NULL && strcasecmp(val, "max") == 0)
			v = LDAP_MAXINT;
		else if (val == NULL || *val == '\0' ||
		    (v = strtol(val, &end, 10), *end != '\0') || v < 0 ||
		    v > LDAP_MAXINT) {
			usage_error(ctx, "-o %s: nettimeout=SECONDS (or none, "
			    "or max) is needed", arg);
			usage_exit(ctx);
		}
		co->nettimeout = (int)v;
		co->nettimeout_set = 1;
	} else if (strcasecmp(name, "ldif_wrap") == 0) {
		/* checked as the tools do; ldaptrust writes no LDIF */
		if (val != NULL && strcasecmp(val, "no") != 0 &&
		    (*val == '\0' || *val == '-' ||
		    (strtoul(val, &end, 10), *end != '\0'))) {
			usage_error(ctx, "-o %s: ldif_wrap=COLUMNS (or no) is "
			    "needed", arg);
			usage_exit(ctx);
		}
	} else if (val == NULL) {
		usage_error(ctx, "-o %s: -o NAME=VALUE (an ldap.conf option, "
		    "or nettimeout=SECONDS)", arg);
		usage_exit(ctx);
	} else if (ldap_pvt_conf_option(name, val, 1) != 0) {
		usage_error(ctx, "-o %s: invalid general option name (neither "
		    "an ldap.conf option nor nettimeout or ldif_wrap)", arg);
		usage_exit(ctx);
	}
	free(name);
	return 1;
}

/*
 * Why ldap_url_parse() refused a URI, in words: ldapsearch gives only the
 * number ("Could not parse LDAP URI(s)=foo://x (3)"), which says nothing
 * to whoever reads a monitoring system's UNKNOWN line.
 */
static const char *
url_err_text(int rc)
{
	switch (rc) {
	case LDAP_URL_ERR_MEM: return "out of memory";
	case LDAP_URL_ERR_PARAM: return "no URI";
	case LDAP_URL_ERR_BADSCHEME: return "the scheme is not ldap://, "
	    "ldaps:// or ldapi://";
	case LDAP_URL_ERR_BADENCLOSURE: return "a '<' without its '>'";
	case LDAP_URL_ERR_BADURL: return "malformed";
	case LDAP_URL_ERR_BADHOST: return "bad host or port";
	case LDAP_URL_ERR_BADATTRS: return "bad attribute list";
	case LDAP_URL_ERR_BADSCOPE: return "bad scope";
	case LDAP_URL_ERR_BADFILTER: return "bad filter";
	case LDAP_URL_ERR_BADEXTS: return "bad extensions";
	}
	return "not understood";
}

/*
 * -H as ldapsearch checks it, before any file is read or password asked:
 * each of its URIs (separated by spaces or commas, as libldap splits
 * them) must parse.  Checked once the options are read rather than at
 * the connection, which import -c makes for each FILE in turn and sync
 * --watch at each reconnect: either would say it again and again.  The
 * URI that failed is named, and why.  A usage error ends the run.
 */
static void
uri_check(struct ctx *ctx)
{
	const char *uri = ctx->co.uri, *p;
	LDAPURLDesc *lud;
	char *one;
	size_t n;
	int rc;

	/* "" leaves the URI to ldap.conf, as ldap_initialize() takes it */
	if (uri == NULL || *uri == '\0')
		return;
	for (p = uri; *p != '\0'; p += n) {
		p += strspn(p, ", ");
		if ((n = strcspn(p, ", ")) == 0)
			continue;
		if ((one = strndup(p, n)) == NULL) {
			warnx_("out of memory");
			exit(EXIT_LOCAL);
		}
		if ((rc = ldap_url_parse(one, &lud)) == LDAP_URL_SUCCESS) {
			ldap_free_urldesc(lud);
			free(one);
			continue;
		}
		/* the one at fault, when -H holds several */
		if (n == strlen(uri))
			usage_error(ctx, "-H %s: could not parse the LDAP "
			    "URI(s): %s (URL error %d)", uri,
			    url_err_text(rc), rc);
		else
			usage_error(ctx, "-H %s: could not parse the LDAP "
			    "URI(s): %s: %s (URL error %d)", uri, one,
			    url_err_text(rc), rc);
		free(one);
		usage_exit(ctx);
	}
}

/* Whether option c was given before (its value is set): said if so. */
static int
once_given(struct ctx *ctx, int c, const char *set)
{
	if (set == NULL)
		return 0;
	usage_error(ctx, "-%c previously specified", c);
	return 1;
}

/* A usage error ends the run: EXIT_LOCAL, or what the command asked. */
static void __attribute__((__noreturn__))
usage_exit(struct ctx *ctx)
{
	exit(ctx->usage_status ? ctx->usage_status : EXIT_LOCAL);
}

static int
common_opt(struct ctx *ctx, int c, char *arg)
{
	struct conn_opts *co = &ctx->co;
	char *end;

	/* as the tools: a second value of these is a mistake, not a choice */
	if (once_given(ctx, c, c == 'H' ? co->uri : c == 'D' ? co->binddn :
	    c == 'Y' ? co->mech : c == 'X' ? co->authzid : c == 'U' ?
	    co->authcid : c == 'R' ? co->realm : c == 'O' ? co->secprops :
	    c == 'f' ? co->infile : NULL))
		usage_exit(ctx);
	switch (c) {
	case 'H': co->uri = arg; break;
	case 'D': co->binddn = arg; break;
	case 'w':
		free(co->passwd);
		if ((co->passwd = strdup(arg)) == NULL)
			return -1;
		co->passwd_opt = 1;
		/* keep the password out of ps(1), as the ldap tools do */
		memset(arg, '*', strlen(arg));
		break;
	case 'W': co->prompt_passwd = 1; break;
	case 'y': co->passwd_file = arg; break;
	case 'x': co->simple = 1; break;
	case 'Y': co->mech = arg; co->sasl_opt = 'Y'; break;
	case 'X': co->authzid = arg; co->sasl_opt = 'X'; break;
	case 'U': co->authcid = arg; co->sasl_opt = 'U'; break;
	case 'R': co->realm = arg; co->sasl_opt = 'R'; break;
	case 'O': co->secprops = arg; break;
	case 'Q': co->quiet = 1; break;
	case 'N': co->nocanon = 1; break;
	case 'Z': co->starttls++; break;
	case 'd':
		co->debug = (int)strtol(arg, &end, 0);
		if (*arg == '\0' || *end != '\0') {
			usage_error(ctx, "-d %s: not a number", arg);
			usage_exit(ctx);
		}
		break;
	case 'v': co->verbose++; break;
	case 'n': co->dry_run = 1; break;
	case 'b': co->base = arg; break;
	case 'P':
		/* the tools' v2 is gone here: no controls, no paging, no
		 * StartTLS in LDAPv2, and the store needs all three */
		if (strcmp(arg, "3") != 0) {
			usage_error(ctx, "-P %s: only LDAP version 3 is spoken"
			    "%s", arg, strcmp(arg, "2") == 0 ? " (LDAPv2 "
			    "carries no controls, so no paged search, no "
			    "sync, no StartTLS: the store needs them)" : "");
			usage_exit(ctx);
		}
		break;
	case 'M':
		if (co->managedsait >= 2 || co->managedsait_e) {
			usage_error(ctx, "-M: given twice%s", co->managedsait_e ?
			    " (-e manageDSAit is -M too)" : " (-MM is critical)");
			usage_exit(ctx);
		}
		co->managedsait++;
		break;
	case 'e':
		return general_control(ctx, arg) == -1 ? -1 : 1;
	case 'E':
		usage_error(ctx, "-E %s: ldaptrust takes no search extensions: "
		    "it pages its searches itself, sorts and filters what it "
		    "shows, and syncs with sync; -e gives a control to every "
		    "request", arg);
		usage_exit(ctx);
	case 'c': co->contoper = 1; break;
	case 'f': co->infile = arg; break;
	case 'o':
		return general_option(ctx, arg);
	default: return 0;
	}
	return 1;
}

/*
 * getopt_long() over the common options and a command's own.  Common
 * options are consumed here; the command sees only its own, -1 at the end.
 * --help prints the command's usage and exits, as does a usage error.
 */
/*
 * The command word of argv, without reading the options before it: the
 * first argument that is neither an option nor an option's value (as
 * getopt will take them: "-bBASE", "-b BASE", "--base BASE",
 * "--base=BASE"), or the one after "--".  NULL if there is none.
 * Letters the ldap tools give a value are taken with one here even where
 * ldaptrust refuses them (-h HOST, -P 3): the word after is theirs.
 */
const char *
opt_command_word(int argc, char **argv)
{
	const char *a, *p;
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		a = argv[i];
		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] != '-' || a[1] == '\0')
			return a;
		if (a[1] == '-') {
			for (k = 0; common_long[k].name != NULL; k++)
				if (common_long[k].has_arg == required_argument &&
				    strcmp(a + 2, common_long[k].name) == 0)
					i++;
			continue;
		}
		for (p = a + 1; *p != '\0'; p++) {
			if (strchr(TOOLS_VALUED, *p) != NULL) {
				if (p[1] == '\0')
					i++;
				break;
			}
		}
	}
	return NULL;
}

int
opt_next(struct ctx *ctx, int argc, char **argv, const char *shortopts,
    const struct option *longopts)
{
	static const struct option *cached;
	static const char *cached_short;
	static char sopts[128];
	static struct option lopts[64];
	size_t i, n;
	int c;

	if (cached != longopts || cached_short != shortopts ||
	    sopts[0] == '\0') {
		const char *s = shortopts ? shortopts : "";
		int stop = (*s == '+');

		snprintf(sopts, sizeof(sopts), "%s:%s%s", stop ? "+" : "",
		    COMMON_SHORT, s + stop);
		n = 0;
		for (i = 0; common_long[i].name != NULL; i++)
			lopts[n++] = common_long[i];
		for (i = 0; longopts && longopts[i].name != NULL &&
		    n < sizeof(lopts) / sizeof(lopts[0]) - 1; i++)
			lopts[n++] = longopts[i];
		memset(&lopts[n], 0, sizeof(lopts[n]));
		cached = longopts;
		cached_short = shortopts;
	}
	opterr = 0;
	for (;;) {
		c = getopt_long(argc, argv, sopts, lopts, NULL);
		if (c == -1) {
			const struct command *cmd;

			/* -f is a list of aliases: only for who reads one */
			if (ctx->co.infile != NULL && ctx->cmd != NULL &&
			    (cmd = command_find(ctx->cmd)) != NULL &&
			    !cmd->takes_list) {
				usage_error(ctx, "-f %s: -f gives the aliases of "
				    "delete and redecorate, the FILEs of import; "
				    "%s reads no list (LDIF goes to ldapadd -f)",
				    ctx->co.infile, ctx->cmd);
				usage_exit(ctx);
			}
			/* the command's options are read: -H is complete */
			if (ctx->cmd != NULL)
				uri_check(ctx);
			return -1;
		}
		if (c == 'p' || (c == 'h' && strcmp(argv[optind - 1], "--help") != 0)) {
			usage_error(ctx, "-%c: the ldap tools dropped -h HOST and "
			    "-p PORT in OpenLDAP 2.5: use -H ldap://HOST:PORT "
			    "(--help for help)", c);
			usage_exit(ctx);
		}
		if (c == 'h') {
			command_usage(ctx->cmd ? command_find(ctx->cmd) : NULL,
			    stdout);
			exit(0);
		}
		if (c == '?' || c == ':') {
			const char *what = argv[optind - 1];

			if (c == ':')
				usage_error(ctx, "option %s needs a value", what);
			else if (optopt != 0 && strncmp(what, "--", 2) != 0)
				usage_error(ctx, "unknown option -%c", optopt);
			else
				usage_error(ctx, "unknown option %s", what);
			usage_exit(ctx);
		}
		switch (common_opt(ctx, c, optarg)) {
		case 1:
			continue;
		case -1:
			warnx_("out of memory");
			exit(EXIT_LOCAL);
		}
		return c;
	}
}

int
exit_status(int rc)
{
	if (rc == LDAP_SUCCESS)
		return 0;
	if (rc > 0 && rc < 256)
		return rc;
	/*
	 * libldap's own codes are negative and the ldap tools exit with them
	 * as they are: 255 for -1, 245 for -11.  A code above 255 would wrap
	 * to a success or a server's code: it stays 255.
	 */
	if (rc < 0 && rc > -256)
		return rc & 0xff;
	return EXIT_CLIENT;
}

/*
 * "ldaptrust: WHAT: Invalid credentials (49)" and the server's details,
 * which are the server's to choose: shown without control characters
 * (text_safe()), as everything else from a server is.
 */
int
ldap_fail(const char *what, int rc, const char *matched, const char *text)
{
	fprintf(stderr, "%s: %s: %s (%d)\n", PROGNAME, what,
	    ldap_err2string(rc), rc);
	if (matched != NULL && *matched != '\0') {
		fputs("\tmatched DN: ", stderr);
		put_safe(matched, stderr);
		fputc('\n', stderr);
	}
	if (text != NULL && *text != '\0') {
		fputs("\tadditional info: ", stderr);
		put_safe(text, stderr);
		fputc('\n', stderr);
	}
	return exit_status(rc);
}

/* As ldap_fail(), with the details libldap kept from the last exchange. */
int
ld_fail(struct ctx *ctx, const char *what, int rc)
{
	char *text = NULL, *matched = NULL;
	int ret;

	if (ctx->ld != NULL) {
		ldap_get_option(ctx->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text);
		ldap_get_option(ctx->ld, LDAP_OPT_MATCHED_DN, &matched);
	}
	ret = ldap_fail(what, rc, matched, text);
	ldap_memfree(text);
	ldap_memfree(matched);
	return ret;
}

/*
 * Wait for the result of one operation and report a refusal.  Returns the
 * LDAP result code; *resp (if asked for) keeps the message for the caller.
 */
int
op_result(struct ctx *ctx, int msgid, const char *what, LDAPMessage **resp)
{
	return op_result_but(ctx, msgid, what, resp, LDAP_SUCCESS);
}

/* As op_result(), silent when the server answers `quiet': the caller says. */
int
op_result_but(struct ctx *ctx, int msgid, const char *what,
    LDAPMessage **resp, int quiet)
{
	LDAPMessage *res = NULL;
	char *matched = NULL, *text = NULL;
	int rc, err = LDAP_OTHER;

	rc = ldap_result(ctx->ld, msgid, LDAP_MSG_ALL, NULL, &res);
	if (rc <= 0) {
		ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE, &err);
		ld_fail(ctx, what, err);
		goto done;
	}
	rc = ldap_parse_result(ctx->ld, res, &err, &matched, &text, NULL,
	    NULL, 0);
	if (rc != LDAP_SUCCESS) {
		err = rc;
		ld_fail(ctx, what, err);
		goto done;
	}
	err = noop_result(ctx, err);
	if (err != LDAP_SUCCESS && err != quiet)
		ldap_fail(what, err, matched, text);
done:
	ldap_memfree(matched);
	ldap_memfree(text);
	if (resp != NULL)
		*resp = res;
	else
		ldap_msgfree(res);
	return err;
}

/* --- passwords ------------------------------------------------------------ */

static char *
prompt_tty(const char *prompt, int echo)
{
	struct termios old, quiet;
	char buf[1024], *ret = NULL, c = '\0';
	FILE *tty;
	int restore = 0;
	size_t len;

	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		/*
		 * No terminal: the first line of standard input, as
		 * lutil_getpass() reads it.  A byte at a time, so that what
		 * follows the line (import's FILE -, a -f - list) is left
		 * for the command, as ldapmodify -W leaves the LDIF.
		 */
		fputs(prompt, stderr);
		len = 0;
		for (;;) {
			ssize_t r = read(STDIN_FILENO, &c, 1);

			if (r == -1 && errno == EINTR)
				continue;
			if (r <= 0 || c == '\n')
				break;
			if (len < sizeof(buf) - 1)
				buf[len++] = c;
		}
		/* the prompt's line ends, for the log that stderr is here */
		fputc('\n', stderr);
		/* nothing at all before the end: no password, not "" */
		if (len == 0 && c != '\n')
			return NULL;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
		buf[len] = '\0';
		ret = strdup(buf);
		memset(buf, 0, sizeof(buf));
		return ret;
	}
	fputs(prompt, tty);
	fflush(tty);
	if (!echo && tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		restore = tcsetattr(fileno(tty), TCSAFLUSH, &quiet) == 0;
	}
	if (fgets(buf, sizeof(buf), tty) != NULL) {
		len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		ret = strdup(buf);
		memset(buf, 0, sizeof(buf));
	}
	if (restore) {
		tcsetattr(fileno(tty), TCSAFLUSH, &old);
		fputc('\n', tty);
	}
	fclose(tty);
	return ret;
}

static int
get_password(struct ctx *ctx)
{
	struct conn_opts *co = &ctx->co;
	unsigned char *buf;
	size_t len;

	if (co->passwd_file != NULL) {
		struct stat sb;

		/* the ldap tools' warning, in our words */
		if (stat(co->passwd_file, &sb) == 0 && (sb.st_mode & 006))
			warnx_("warning: password file %s is readable or "
			    "writable by everyone", co->passwd_file);
		if (read_file(co->passwd_file, &buf, &len) == -1)
			return -1;
		/* the whole file is the password, as for ldapsearch -y */
		free(co->passwd);
		if ((co->passwd = malloc(len + 1)) == NULL) {
			free(buf);
			return -1;
		}
		memcpy(co->passwd, buf, len);
		co->passwd[len] = '\0';
		memset(buf, 0, len);
		free(buf);
		if (strlen(co->passwd) != len) {
			warnx_("%s: password file holds a NUL byte",
			    co->passwd_file);
			return -1;
		}
	} else if (co->prompt_passwd && !co->passwd_asked) {
		free(co->passwd);
		if ((co->passwd = prompt_tty("Enter LDAP Password: ", 0)) ==
		    NULL) {
			warnx_("-W: no password read (end of input)");
			return -1;
		}
		co->passwd_asked = 1;
	}
	return 0;
}

/*
 * The bind password, asked now if -W: for a command about to read data
 * on standard input (import's FILE -, -f -), which asks it first, as
 * ldapmodify -W and ldapdelete -W do.  With a terminal the password is
 * read there and standard input is all data; without one, the first line
 * of standard input is the password and the rest the data, so that
 * "(echo PASSWORD; cat cert.pem) | ldaptrust -W import ALIAS -" works as
 * it would for ldapmodify.  conn_open() does not ask again.  0 or an exit
 * status, the error shown.
 */
int
conn_password(struct ctx *ctx)
{
	struct conn_opts *co = &ctx->co;

	if (co->simple && co->sasl_opt) {
		warnx_("-x and -%c: a simple bind takes no SASL option",
		    co->sasl_opt);
		return EXIT_LOCAL;
	}
	/* not co->passwd: sync --watch reconnects with what -y read */
	if (co->passwd_opt && (co->passwd_file || co->prompt_passwd)) {
		warnx_("-w and -%c: give the password one way",
		    co->passwd_file ? 'y' : 'W');
		return EXIT_LOCAL;
	}
	/* -y wins over -W, as for the tools: read at each connection */
	if (co->prompt_passwd && co->passwd_file == NULL &&
	    get_password(ctx) == -1)
		return EXIT_LOCAL;
	return 0;
}

/* --- SASL -------------------------------------------------------------------- */

struct sasl_defaults {
	char	*mech, *realm, *authcid, *authzid, *passwd;
	char	*answers[16];
	int	 nanswers;
};

static int
sasl_interact(LDAP *ld, unsigned flags, void *defaults, void *in)
{
	struct sasl_defaults *sd = defaults;
	sasl_interact_t *it;
	const char *dflt;
	char prompt[256], *answer;
	int echo;

	for (it = in; it->id != SASL_CB_LIST_END; it++) {
		dflt = it->defresult;
		echo = 1;
		switch (it->id) {
		case SASL_CB_GETREALM: dflt = sd->realm; break;
		case SASL_CB_AUTHNAME: dflt = sd->authcid; break;
		case SASL_CB_USER: dflt = sd->authzid; break;
		case SASL_CB_PASS: dflt = sd->passwd; echo = 0; break;
		case SASL_CB_NOECHOPROMPT: echo = 0; break;
		}
		if (dflt != NULL && *dflt == '\0')
			dflt = NULL;
		/* an empty authorization id means "the authenticated one" */
		if (dflt != NULL || it->id == SASL_CB_USER) {
			it->result = dflt ? dflt : "";
			it->len = (unsigned)strlen(it->result);
			continue;
		}
		if (flags == LDAP_SASL_QUIET)
			return LDAP_OTHER;
		if (it->challenge != NULL)
			fprintf(stderr, "Challenge: %s\n", it->challenge);
		snprintf(prompt, sizeof(prompt), "%s: ",
		    it->prompt ? it->prompt : "Interact");
		if (sd->nanswers >= (int)(sizeof(sd->answers) /
		    sizeof(sd->answers[0])))
			return LDAP_OTHER;
		if ((answer = prompt_tty(prompt, echo)) == NULL)
			return LDAP_UNAVAILABLE;
		sd->answers[sd->nanswers++] = answer;
		it->result = answer;
		it->len = (unsigned)strlen(answer);
	}
	return LDAP_SUCCESS;
}

static int
bind_sasl(struct ctx *ctx)
{
	struct conn_opts *co = &ctx->co;
	struct sasl_defaults sd;
	char what[300];
	int rc, i;

	memset(&sd, 0, sizeof(sd));
	/* what ldap.conf (SASL_MECH, ...) says, unless the command line does */
	if ((sd.mech = co->mech) == NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_X_SASL_MECH, &sd.mech);
	if ((sd.realm = co->realm) == NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_X_SASL_REALM, &sd.realm);
	if ((sd.authcid = co->authcid) == NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_X_SASL_AUTHCID, &sd.authcid);
	if ((sd.authzid = co->authzid) == NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_X_SASL_AUTHZID, &sd.authzid);
	sd.passwd = co->passwd;

	if (co->secprops != NULL &&
	    (rc = ldap_set_option(ctx->ld, LDAP_OPT_X_SASL_SECPROPS,
	    co->secprops)) != LDAP_OPT_SUCCESS) {
		warnx_("-O %s: invalid SASL security properties", co->secprops);
		rc = EXIT_LOCAL;
		goto done;
	}
	rc = ldap_sasl_interactive_bind_s(ctx->ld, co->binddn, sd.mech, NULL,
	    NULL, co->quiet ? LDAP_SASL_QUIET : LDAP_SASL_AUTOMATIC,
	    sasl_interact, &sd);
	if (rc != LDAP_SUCCESS) {
		snprintf(what, sizeof(what), "SASL bind%s%s",
		    sd.mech ? " with " : "", sd.mech ? sd.mech : "");
		rc = ld_fail(ctx, what, rc);
		goto done;
	}
	/* libldap says "SASL/... authentication started", the username and
	 * the SSF itself, unless LDAP_SASL_QUIET (-Q) */
done:
	for (i = 0; i < sd.nanswers; i++) {
		memset(sd.answers[i], 0, strlen(sd.answers[i]));
		free(sd.answers[i]);
	}
	if (sd.mech != co->mech)
		ldap_memfree(sd.mech);
	if (sd.realm != co->realm)
		ldap_memfree(sd.realm);
	if (sd.authcid != co->authcid)
		ldap_memfree(sd.authcid);
	if (sd.authzid != co->authzid)
		ldap_memfree(sd.authzid);
	return rc;
}

static int
bind_simple(struct ctx *ctx)
{
	struct conn_opts *co = &ctx->co;
	struct berval cred;
	char what[300];
	int rc;

	cred.bv_val = co->passwd ? co->passwd : "";
	cred.bv_len = strlen(cred.bv_val);
	rc = ldap_sasl_bind_s(ctx->ld, co->binddn, LDAP_SASL_SIMPLE, &cred,
	    NULL, NULL, NULL);
	if (rc != LDAP_SUCCESS) {
		if (co->binddn == NULL || *co->binddn == '\0')
			snprintf(what, sizeof(what), "anonymous bind");
		else
			snprintf(what, sizeof(what), "bind as \"%s\"",
			    co->binddn);
		return ld_fail(ctx, what, rc);
	}
	return 0;
}

/* Connect, StartTLS and bind; 0 or an exit status with the error shown. */
int
conn_open(struct ctx *ctx)
{
	struct conn_opts *co = &ctx->co;
	int rc, version = LDAP_VERSION3;
	char *uri = NULL;

	if (co->debug) {
		ber_set_option(NULL, LBER_OPT_DEBUG_LEVEL, &co->debug);
		ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &co->debug);
	}
	/* -W once (perhaps already), -y at each connection */
	if ((rc = conn_password(ctx)) != 0)
		return rc;
	if (get_password(ctx) == -1)
		return EXIT_LOCAL;
	rc = ldap_initialize(&ctx->ld, co->uri);
	if (rc != LDAP_SUCCESS) {
		ctx->ld = NULL;
		/* a usage error, as ldapsearch's "Could not parse LDAP URI" */
		if (rc == LDAP_PARAM_ERROR && co->uri != NULL) {
			usage_error(ctx, "-H %s: could not parse the LDAP "
			    "URI(s): ldap://, ldaps:// or ldapi:// URIs are "
			    "needed, separated by spaces or commas",
			    text_shown(co->uri));
			return ctx->usage_status ? ctx->usage_status :
			    EXIT_LOCAL;
		}
		return ldap_fail(co->uri ? co->uri : "ldap_initialize", rc,
		    NULL, NULL);
	}
	ldap_set_option(ctx->ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	if (co->nocanon)
		ldap_set_option(ctx->ld, LDAP_OPT_X_SASL_NOCANON, LDAP_OPT_ON);
	if (co->nettimeout > 0) {
		struct timeval tv = { co->nettimeout, 0 };

		ldap_set_option(ctx->ld, LDAP_OPT_NETWORK_TIMEOUT, &tv);
	}
	if (co->verbose) {
		ldap_get_option(ctx->ld, LDAP_OPT_URI, &uri);
		fprintf(stderr, "%s: connecting to %s\n", PROGNAME,
		    uri ? uri : "the default server");
		ldap_memfree(uri);
	}
	if (co->starttls) {
		rc = ldap_start_tls_s(ctx->ld, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			int broken = rc < 0;

			(void)ld_fail(ctx, "StartTLS", rc);
			/* -Z alone goes on in clear text if the server said
			 * no, as the ldap tools; a broken handshake stops,
			 * and they exit 1 then, whatever the code */
			if (co->starttls > 1 || broken)
				return EXIT_LOCAL;
		} else if (co->verbose)
			fprintf(stderr, "%s: StartTLS done\n", PROGNAME);
	}
	return co->simple ? bind_simple(ctx) : bind_sasl(ctx);
}

void
conn_close(struct ctx *ctx)
{
	if (ctx->ld != NULL)
		ldap_unbind_ext(ctx->ld, NULL, NULL);
	ctx->ld = NULL;
	if (ctx->co.passwd != NULL) {
		memset(ctx->co.passwd, 0, strlen(ctx->co.passwd));
		free(ctx->co.passwd);
		ctx->co.passwd = NULL;
	}
	/* the controls of -e, at the end of the run (sync reconnects) */
	while (ctx->co.n_oid > 0)
		free(ctx->co.ctl_oid[--ctx->co.n_oid].ldctl_value.bv_val);
	free(ctx->co.ctl_oid);
	ctx->co.ctl_oid = NULL;
	ber_memfree(ctx->co.assert_val.bv_val);
	ctx->co.assert_val.bv_val = NULL;
	ctx->co.assertion = NULL;
}

/* The store's base: -b, else BASE from ldap.conf; NULL (and told) if none. */
const char *
conn_base(struct ctx *ctx)
{
	static char *dflt;

	if (ctx->co.base != NULL)
		return ctx->co.base;
	if (dflt == NULL)
		ldap_get_option(ctx->ld, LDAP_OPT_DEFBASE, &dflt);
	if (dflt == NULL || *dflt == '\0') {
		warnx_("no base DN: give -b BASE or set BASE in ldap.conf");
		return NULL;
	}
	return dflt;
}
