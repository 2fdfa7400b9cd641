/* store.c - certificates as entries: aliases, DNs, searches and files */
/*
 * An entry of the store is cn=<alias>,<base> with objectClass
 * tsCertificate, the DER in userCertificate;binary and the overlay's
 * operational decorations (tsSubject, tsNotAfter, tsStatus, ...).  The
 * alias is the cn of the RDN.  Aliases are checked here before anything is
 * sent, so an administrator learns at once what the rules are.
 */
#define _GNU_SOURCE		/* renameat2(), RENAME_NOREPLACE */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <lber.h>
#include <ldap.h>

#include "ldaptrust.h"
#include "tscert.h"

#define FILE_MAX	(64 * 1024 * 1024)
#define PAGE_SIZE	500

static void cert_recs_free(struct cert_list *);

/* What list-like commands need of each entry. */
char *list_attrs[] = {
	"cn", "description", "tsSubject", "tsIssuer", "tsNotBefore",
	"tsNotAfter", "tsStatus", "tsIsCA", "tsFingerprintSHA256", NULL
};

/* The alias rules are the overlay's: see lib/tsalias.c. */
int
alias_check(const char *alias, char *msg, size_t msglen)
{
	return ts_alias_check(alias, strlen(alias), msg, msglen);
}

/* cn=<alias> with the value escaped as RFC 4514 asks. */
char *
alias_rdn(const char *alias)
{
	size_t len = strlen(alias), i, o;
	char *rdn;

	if ((rdn = malloc(3 + 2 * len + 1)) == NULL)
		return NULL;
	memcpy(rdn, "cn=", 3);
	o = 3;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)alias[i];

		if (strchr("\"+,;<>\\=", c) != NULL ||
		    (i == 0 && (c == '#' || c == ' ')) ||
		    (i == len - 1 && c == ' '))
			rdn[o++] = '\\';
		rdn[o++] = (char)c;
	}
	rdn[o] = '\0';
	return rdn;
}

/* cn=<alias>,<base> */
char *
alias_dn(const char *alias, const char *base)
{
	char *rdn, *dn = NULL;
	size_t len;

	if ((rdn = alias_rdn(alias)) == NULL)
		return NULL;
	len = strlen(rdn) + 1 + strlen(base) + 1;
	if ((dn = malloc(len)) != NULL)
		snprintf(dn, len, "%s,%s", rdn, base);
	free(rdn);
	return dn;
}

/* The alias (the RDN's value) of an entry's DN, malloc()ed. */
char *
dn_alias(const char *dn)
{
	LDAPDN ldn = NULL;
	char *alias = NULL;
	LDAPAVA *ava;

	if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return strdup(dn);
	if (ldn != NULL && ldn[0] != NULL && ldn[0][0] != NULL) {
		ava = ldn[0][0];
		alias = strndup(ava->la_value.bv_val, ava->la_value.bv_len);
	}
	ldap_dnfree(ldn);
	return alias ? alias : strdup(dn);
}

/* First value of an attribute as a string, malloc()ed; NULL if none. */
char *
entry_str(LDAP *ld, LDAPMessage *e, const char *attr)
{
	struct berval **vals;
	char *s = NULL;

	if ((vals = ldap_get_values_len(ld, e, attr)) == NULL)
		return NULL;
	if (vals[0] != NULL)
		s = strndup(vals[0]->bv_val, vals[0]->bv_len);
	ldap_value_free_len(vals);
	return s;
}

/*
 * Search and hand each entry to fn.  Pages of PAGE_SIZE entries (RFC 2696)
 * keep a store larger than the server's size limit listable.  Returns the
 * LDAP result code, the error already shown (labelled with what).
 */
/*
 * The store's base is not there.  Servers say the same (32) when it is
 * only hidden by the access rules, most often from a forgotten -D: say
 * both, once, so that the alias looked for is not blamed instead.
 */
static void
base_missing(struct ctx *ctx, const char *what, const char *matched)
{
	int anonymous = ctx->co.simple &&
	    (ctx->co.binddn == NULL || *ctx->co.binddn == '\0');

	ldap_fail(what, LDAP_NO_SUCH_OBJECT, matched, anonymous ?
	    "the base does not exist, or is hidden from anonymous users: "
	    "bind with -D (and -W, -w or -y)" :
	    "the base does not exist, or is hidden from this identity: "
	    "check -b (or BASE in ldap.conf)");
	ctx->base_told = 1;
}

int
store_search(struct ctx *ctx, const char *base, int scope, const char *filter,
    char **attrs, entry_fn fn, void *arg)
{
	struct berval cookie = { 0, NULL };
	LDAPControl *page = NULL, **srvctrls = NULL;
	LDAPControl *resp;
	LDAPMessage *msg = NULL;
	char *matched = NULL, *text = NULL;
	ber_int_t total;
	char what[300];
	int rc, err = LDAP_SUCCESS, msgid, type;

	snprintf(what, sizeof(what), "search %s", base);

	do {
		rc = ldap_create_page_control(ctx->ld, PAGE_SIZE, &cookie, 0,
		    &page);
		if (rc != LDAP_SUCCESS) {
			err = ld_fail(ctx, "paged results control", rc);
			goto done;
		}
		rc = ldap_search_ext(ctx->ld, base, scope, filter, attrs, 0,
		    conn_ctrls(ctx, CTL_READ, page), NULL, NULL,
		    LDAP_NO_LIMIT, &msgid);
		if (rc != LDAP_SUCCESS) {
			err = rc;
			ld_fail(ctx, what, rc);
			goto done;
		}
		for (;;) {
			rc = ldap_result(ctx->ld, msgid, LDAP_MSG_ONE, NULL, &msg);
			if (rc <= 0) {
				ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE,
				    &err);
				if (err == LDAP_SUCCESS)
					err = LDAP_OTHER;
				ld_fail(ctx, what, err);
				goto done;
			}
			type = ldap_msgtype(msg);
			if (type == LDAP_RES_SEARCH_ENTRY) {
				if ((rc = fn(ctx, msg, arg)) != 0) {
					err = rc;
					ldap_abandon_ext(ctx->ld, msgid, NULL,
					    NULL);
					goto done;
				}
			} else if (type == LDAP_RES_SEARCH_RESULT)
				break;
			ldap_msgfree(msg);
			msg = NULL;
		}
		rc = ldap_parse_result(ctx->ld, msg, &err, &matched, &text,
		    NULL, &srvctrls, 0);
		if (rc != LDAP_SUCCESS)
			err = rc;
		if (err != LDAP_SUCCESS) {
			/* a missing alias is the caller's to word */
			if (err == LDAP_NO_SUCH_OBJECT &&
			    scope != LDAP_SCOPE_BASE && !ctx->nobase_mine)
				base_missing(ctx, what, matched);
			else if (err != LDAP_NO_SUCH_OBJECT)
				ldap_fail(what, err, matched, text);
			goto done;
		}
		ber_memfree(cookie.bv_val);
		cookie.bv_val = NULL;
		cookie.bv_len = 0;
		resp = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, srvctrls,
		    NULL);
		if (resp != NULL)
			ldap_parse_pageresponse_control(ctx->ld, resp, &total,
			    &cookie);
		ldap_controls_free(srvctrls);
		srvctrls = NULL;
		ldap_control_free(page);
		page = NULL;
		ldap_msgfree(msg);
		msg = NULL;
		ldap_memfree(matched);
		ldap_memfree(text);
		matched = text = NULL;
	} while (cookie.bv_val != NULL && cookie.bv_len > 0);
done:
	ber_memfree(cookie.bv_val);
	ldap_controls_free(srvctrls);
	ldap_control_free(page);
	ldap_msgfree(msg);
	ldap_memfree(matched);
	ldap_memfree(text);
	return err;
}

static int64_t
entry_time(LDAP *ld, LDAPMessage *e, const char *attr)
{
	char *s = entry_str(ld, e, attr);
	int64_t t = INT64_MIN;

	if (s != NULL && gentime_to_epoch(s, &t) == -1)
		t = INT64_MIN;
	free(s);
	return t;
}

static int
add_rec(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct cert_list *list = arg;
	struct cert_rec *r, *recs;
	struct berval **der;
	char *dn, *ca;
	int rc = LDAP_NO_MEMORY;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;

		if ((recs = reallocarray(list->recs, cap, sizeof(*recs))) == NULL)
			goto done;
		list->recs = recs;
		list->cap = cap;
	}
	/* counted at once, so cert_list_free() frees a half-filled record */
	r = &list->recs[list->n++];
	memset(r, 0, sizeof(*r));
	r->not_before = r->not_after = INT64_MIN;
	if ((dn = ldap_get_dn(ctx->ld, e)) == NULL)
		goto done;
	r->dn = strdup(dn);
	ldap_memfree(dn);
	if (r->dn == NULL || (r->alias = dn_alias(r->dn)) == NULL)
		goto done;
	r->description = entry_str(ctx->ld, e, "description");
	r->subject = entry_str(ctx->ld, e, "tsSubject");
	r->issuer = entry_str(ctx->ld, e, "tsIssuer");
	r->status = entry_str(ctx->ld, e, "tsStatus");
	r->sha256 = entry_str(ctx->ld, e, "tsFingerprintSHA256");
	r->not_before = entry_time(ctx->ld, e, "tsNotBefore");
	r->not_after = entry_time(ctx->ld, e, "tsNotAfter");
	ca = entry_str(ctx->ld, e, "tsIsCA");
	r->is_ca = ca ? strcasecmp(ca, "TRUE") == 0 : -1;
	free(ca);
	if ((der = ldap_get_values_len(ctx->ld, e, "userCertificate;binary"))
	    != NULL) {
		if (der[0] != NULL && (r->der = malloc(der[0]->bv_len)) != NULL) {
			memcpy(r->der, der[0]->bv_val, der[0]->bv_len);
			r->der_len = der[0]->bv_len;
		}
		ldap_value_free_len(der);
	}
	rc = 0;
done:
	if (rc != 0)
		warnx_("out of memory");
	return rc;
}

/*
 * Each entry a search finds, appended to list as a record; the LDAP
 * result code as the server gave it (a noSuchObject included), the other
 * errors shown.  For who must tell "no such entry" from "no such
 * certificate", which store_get_dn() does not.
 */
int
store_collect(struct ctx *ctx, const char *base, int scope,
    const char *filter, char **attrs, struct cert_list *list)
{
	return store_search(ctx, base, scope, filter, attrs, add_rec, list);
}

/*
 * The container of an entry below base, as a DN relative to base
 * ("ou=sub"), malloc()ed; NULL when the entry is directly below base (or
 * the DNs do not parse).  RDNs are counted, not strings compared, so the
 * server's spelling of the DN and the user's of the base may differ.
 */
static char *
dn_container(const char *dn, const char *base)
{
	LDAPDN ldn = NULL, lbase = NULL;
	LDAPRDN saved;
	char *out = NULL;
	int n, nb, keep;

	if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldap_str2dn(base, &lbase, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		goto done;
	for (n = 0; ldn != NULL && ldn[n] != NULL; n++)
		;
	for (nb = 0; lbase != NULL && lbase[nb] != NULL; nb++)
		;
	/* the alias's RDN, then the container's, then base's */
	if ((keep = n - 1 - nb) <= 0)
		goto done;
	saved = ldn[1 + keep];
	ldn[1 + keep] = NULL;
	if (ldap_dn2str(ldn + 1, &out, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		out = NULL;
	ldn[1 + keep] = saved;
done:
	ldap_dnfree(ldn);
	ldap_dnfree(lbase);
	return out;
}

/* Each record's container, for those in one (see dn_container). */
static int
set_containers(struct cert_list *list, size_t from, const char *base)
{
	size_t i;
	char *c;

	for (i = from; i < list->n; i++) {
		if ((c = dn_container(list->recs[i].dn, base)) == NULL)
			continue;
		list->recs[i].container = strdup(c);
		ldap_memfree(c);
		if (list->recs[i].container == NULL) {
			warnx_("out of memory");
			return EXIT_LOCAL;
		}
	}
	return 0;
}

/* take_times(): the validity of the certificate one entry holds. */
static int
take_times(struct ctx *ctx, LDAPMessage *e, void *arg)
{
	struct cert_rec *r = arg;
	struct berval **der;
	struct ts_cert *cert = NULL;

	der = ldap_get_values_len(ctx->ld, e, "userCertificate;binary");
	if (der == NULL || der[0] == NULL || (cert = ts_cert_new()) == NULL)
		goto done;
	if (ts_cert_parse(cert, der[0]->bv_val, der[0]->bv_len) == 0) {
		r->not_before = ts_cert_not_before(cert);
		r->not_after = ts_cert_not_after(cert);
	}
done:
	ts_cert_free(cert);
	ldap_value_free_len(der);
	return 0;
}

/*
 * An entry loaded past the overlay (a slapadd restore, a database that
 * held certificates before the overlay) stores no tsNotBefore and
 * tsNotAfter until it is redecorated.  Its dates are read from its
 * certificate, so that expiring and list --expired judge it too instead of
 * leaving it out: a monitoring check must not miss an expired certificate
 * that slapd exports.  One base search each; such entries are few.
 */
static int
fill_times(struct ctx *ctx, struct cert_list *list, size_t from)
{
	static char *der_attrs[] = { "userCertificate;binary", NULL };
	size_t i;
	int rc;

	for (i = from; i < list->n; i++) {
		if (list->recs[i].not_after != INT64_MIN)
			continue;
		rc = store_search(ctx, list->recs[i].dn, LDAP_SCOPE_BASE,
		    "(objectClass=*)", der_attrs, take_times, &list->recs[i]);
		/* gone since the listing: as if it had not been listed */
		if (rc != LDAP_SUCCESS && rc != LDAP_NO_SUCH_OBJECT)
			return rc;
	}
	return 0;
}

/*
 * Every certificate of the store matching filter (NULL: all of them): the
 * whole subtree, as the overlay exports and trusts it, containers below
 * the base included.  With the listing's attributes (attrs NULL), the
 * dates of undecorated entries are read from their certificates.
 */
int
store_list(struct ctx *ctx, const char *filter, char **attrs,
    struct cert_list *list)
{
	const char *base;
	char f[1024];
	size_t from = list->n;
	int rc;

	if ((base = conn_base(ctx)) == NULL)
		return EXIT_LOCAL;
	snprintf(f, sizeof(f), "(&(objectClass=tsCertificate)%s)",
	    filter ? filter : "");
	rc = store_search(ctx, base, LDAP_SCOPE_SUBTREE, f,
	    attrs ? attrs : list_attrs, add_rec, list);
	if (rc == LDAP_SUCCESS)
		rc = set_containers(list, from, base);
	if (rc == LDAP_SUCCESS && attrs == NULL)
		rc = fill_times(ctx, list, from);
	return rc;
}

/* Forget record i of list, keeping the others in order. */
static void
cert_list_drop(struct cert_list *list, size_t i)
{
	struct cert_list one;

	one.recs = list->recs + i;
	one.n = 1;
	one.cap = 0;
	cert_recs_free(&one);
	memmove(list->recs + i, list->recs + i + 1,
	    (list->n - i - 1) * sizeof(*list->recs));
	list->n--;
}

/* Forget the records of list from index from on. */
void
cert_list_trim(struct cert_list *list, size_t from)
{
	struct cert_list tail;

	if (list->n <= from)
		return;
	tail.recs = list->recs + from;
	tail.n = list->n - from;
	tail.cap = 0;
	cert_recs_free(&tail);
	list->n = from;
}

/*
 * Whether the entry dn is named by alias (its RDN's value), as the server
 * compares cn values: case folded beyond ASCII, runs of spaces as one
 * (caseIgnoreMatch).  The same bytes but for ASCII case are; otherwise the
 * server is asked for cn=<alias> under dn's parent, which is dn itself
 * exactly when alias names it.  1 yes, 0 no, or an LDAP error (shown).
 */
static int
rdn_is_alias(struct ctx *ctx, const char *dn, const char *alias)
{
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	struct cert_list found = { NULL, 0, 0 };
	LDAPDN ldn = NULL;
	char *a, *parent = NULL, *named = NULL;
	int rc, same;

	a = dn_alias(dn);
	same = a != NULL && strcasecmp(a, alias) == 0;
	free(a);
	if (same)
		return 1;
	if (ldap_str2dn(dn, &ldn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS ||
	    ldn == NULL || ldn[0] == NULL || ldn[1] == NULL ||
	    ldap_dn2str(ldn + 1, &parent, LDAP_DN_FORMAT_LDAPV3) !=
	    LDAP_SUCCESS || (named = alias_dn(alias, parent)) == NULL) {
		rc = 0;
		goto done;
	}
	rc = store_search(ctx, named, LDAP_SCOPE_BASE,
	    "(objectClass=tsCertificate)", no_attrs, add_rec, &found);
	if (rc == LDAP_SUCCESS)
		rc = found.n == 1 && strcmp(found.recs[0].dn, dn) == 0;
	else if (rc == LDAP_NO_SUCH_OBJECT)
		rc = 0;
	else if (rc == 1)
		rc = LDAP_OPERATIONS_ERROR;	/* 1 is "yes" here */
done:
	cert_list_free(&found);
	ldap_dnfree(ldn);
	ldap_memfree(parent);
	free(named);
	return rc;
}

/*
 * The certificate entry named dn, appended to list; LDAP_NO_SUCH_OBJECT
 * (not shown) if there is none, or the entry of that name is no
 * certificate.  The server finds it as it matches DNs: an alias in dn
 * that differs from the stored one in case beyond ASCII, or in runs of
 * spaces, names the same entry, which comes back under its stored DN.
 */
int
store_get_dn(struct ctx *ctx, const char *dn, char **attrs,
    struct cert_list *list)
{
	size_t from = list->n;
	int rc;

	rc = store_search(ctx, dn, LDAP_SCOPE_BASE,
	    "(objectClass=tsCertificate)", attrs ? attrs : list_attrs,
	    add_rec, list);
	/* an entry that is not a certificate is not in the store */
	if (rc == LDAP_SUCCESS && list->n == from)
		rc = LDAP_NO_SUCH_OBJECT;
	if (rc != LDAP_SUCCESS)
		cert_list_trim(list, from);
	return rc;
}

/*
 * One certificate by alias, appended to list; LDAP_NO_SUCH_OBJECT (not
 * shown) if absent.  cn=ALIAS,BASE is asked first, as most stores keep
 * their certificates there; failing that the alias is looked for in the
 * containers below the base, and an alias that two of them hold is
 * refused with their DNs, for -b to choose between them.
 */
int
store_get(struct ctx *ctx, const char *alias, char **attrs,
    struct cert_list *list)
{
	struct berval bv, esc = { 0, NULL };
	const char *base;
	char *dn = NULL, *f = NULL;
	size_t from = list->n, i, len;
	int rc;

	ctx->alias_twice = 0;
	if ((base = conn_base(ctx)) == NULL)
		return EXIT_LOCAL;
	if ((dn = alias_dn(alias, base)) == NULL) {
		rc = LDAP_NO_MEMORY;
		goto done;
	}
	rc = store_get_dn(ctx, dn, attrs, list);
	if (rc != LDAP_NO_SUCH_OBJECT)
		goto done;

	bv.bv_val = (char *)alias;
	bv.bv_len = strlen(alias);
	if (ldap_bv2escaped_filter_value(&bv, &esc) != 0) {
		rc = LDAP_NO_MEMORY;
		goto done;
	}
	len = esc.bv_len + 64;
	if ((f = malloc(len)) == NULL) {
		rc = LDAP_NO_MEMORY;
		goto done;
	}
	snprintf(f, len, "(&(objectClass=tsCertificate)(cn=%s))", esc.bv_val);
	rc = store_search(ctx, base, LDAP_SCOPE_SUBTREE, f,
	    attrs ? attrs : list_attrs, add_rec, list);
	if (rc != LDAP_SUCCESS)
		goto done;
	/*
	 * The alias is the RDN: an entry that holds it only as a second cn
	 * value (stored before the overlay refused those) is not it.
	 */
	for (i = from; i < list->n; ) {
		int same = rdn_is_alias(ctx, list->recs[i].dn, alias);

		if (same == 1) {
			i++;
			continue;
		}
		if (same != 0) {
			rc = same;
			goto done;
		}
		cert_list_drop(list, i);
	}
	if (list->n == from) {
		rc = LDAP_NO_SUCH_OBJECT;
		goto done;
	}
	if (list->n - from > 1) {
		warnx_("\"%s\": %zu certificates have this alias below %s; "
		    "give -b the container of the one meant:",
		    text_shown(alias), list->n - from, base);
		for (i = from; i < list->n; i++)
			fprintf(stderr, "  %s\n", list->recs[i].dn);
		cert_list_trim(list, from);
		ctx->alias_twice = 1;
		rc = EXIT_LOCAL;
		goto done;
	}
	rc = set_containers(list, from, base);
done:
	if (rc != LDAP_SUCCESS)
		cert_list_trim(list, from);
	ber_memfree(esc.bv_val);
	free(f);
	free(dn);
	return rc;
}

/*
 * The records of n aliases, for commands that change several.  Each alias
 * that names no certificate (or two) is reported and the others are still
 * looked up, so that one run names every mistake; *unfound counts them.
 * Whether the others go ahead is the caller's: without -c nothing is
 * changed unless every alias was found, with -c the ones found are, as
 * ldapdelete -c goes on past a DN that is not there.  Returns 0 when
 * every alias was found; the exit status of the first alias not found
 * (with -c the last's); or, with *unfound set to -1, that of an error
 * that ended the look-ups (the base missing, the server failing).  The
 * same certificate named twice is listed once.
 */
int
store_get_each(struct ctx *ctx, const char *base, char **aliases, int n,
    char **attrs, struct cert_list *list, int *unfound)
{
	size_t before, k;
	int i, rc, ret = 0;

	*unfound = 0;
	for (i = 0; i < n; i++) {
		before = list->n;
		rc = store_get(ctx, aliases[i], attrs, list);
		if (rc == LDAP_NO_SUCH_OBJECT)
			rc = no_such_alias(ctx, aliases[i], base);
		/*
		 * One alias's: not there, or held by two containers.  Not
		 * any other 1: that is the server's operationsError, which
		 * ends the look-ups as every other failure does.
		 */
		if ((rc == exit_status(LDAP_NO_SUCH_OBJECT) ||
		    (rc == EXIT_LOCAL && ctx->alias_twice)) && !ctx->base_told) {
			(*unfound)++;
			if (ret == 0 || ctx->co.contoper)
				ret = rc;
			continue;
		}
		if (rc != 0) {
			*unfound = -1;
			return rc;
		}
		for (k = 0; k < before; k++)
			if (strcmp(list->recs[k].dn, list->recs[before].dn) == 0)
				break;
		if (k < before)
			cert_list_trim(list, before);
	}
	return ret;
}

/* The DN of the certificate named alias, as store_get() finds it. */
int
store_locate(struct ctx *ctx, const char *alias, char **dnp)
{
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	struct cert_list list = { NULL, 0, 0 };
	int rc;

	*dnp = NULL;
	rc = store_get(ctx, alias, no_attrs, &list);
	if (rc == LDAP_SUCCESS) {
		*dnp = list.recs[0].dn;
		list.recs[0].dn = NULL;
	}
	cert_list_free(&list);
	return rc;
}

/* The strings of each record of list (not the array). */
static void
cert_recs_free(struct cert_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++) {
		struct cert_rec *r = &list->recs[i];

		free(r->dn);
		free(r->alias);
		free(r->container);
		free(r->description);
		free(r->der);
		free(r->subject);
		free(r->issuer);
		free(r->status);
		free(r->sha256);
	}
}

void
cert_list_free(struct cert_list *list)
{
	cert_recs_free(list);
	free(list->recs);
	memset(list, 0, sizeof(*list));
}

/* Whole file (or standard input for "-"); -1 with the reason shown. */
int
read_file(const char *path, unsigned char **buf, size_t *len)
{
	unsigned char *b = NULL, *nb;
	size_t n = 0, cap = 0;
	ssize_t r;
	int fd, ret = -1;

	if (strcmp(path, "-") == 0)
		fd = STDIN_FILENO;
	else if ((fd = open(path, O_RDONLY)) == -1) {
		warnx_("%s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			if (cap > FILE_MAX) {
				warnx_("%s: larger than %d MiB", path,
				    FILE_MAX >> 20);
				goto done;
			}
			if ((nb = realloc(b, cap)) == NULL) {
				warnx_("%s: out of memory", path);
				goto done;
			}
			b = nb;
		}
		r = read(fd, b + n, cap - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			warnx_("%s: %s", path, strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*buf = b;
	*len = n;
	b = NULL;
	ret = 0;
done:
	free(b);
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

/* write(2) all of len, through EINTR and short writes. */
static int
write_all(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t w;

	while (len > 0) {
		if ((w = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/*
 * Give tmp the name path unless one exists, even one made meanwhile.
 * link(2) where the file system cannot rename without replacing.
 */
static int
put_new(const char *tmp, const char *path)
{
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	if (link(tmp, path) == -1)
		return -1;
	unlink(tmp);
	return 0;
}

/*
 * Write a file, or standard output for NULL or "-".
 *
 * A file is written whole beside its name first and then put in place in
 * one step, as the overlay writes its exports: a reader (a TLS service
 * reading the bundle) sees the old file or the new one, never a part, and
 * a full disk leaves the old one as it was.  Without force the new file
 * gets the name only if none exists, even one that appears meanwhile;
 * with force it replaces the file, keeping its mode (and owner, where we
 * may), and a symbolic link is written through, as cp would.  What is not
 * a regular file (a device, a FIFO) is written in place.
 */
int
write_file(const char *path, const void *data, size_t len, int force)
{
	struct stat st;
	char *real = NULL, *tmp = NULL, *slash;
	const char *target = path;
	size_t n;
	mode_t mask;
	int fd = -1, rc = -1, exists;

	if (path == NULL || strcmp(path, "-") == 0) {
		if ((rc = write_all(STDOUT_FILENO, data, len)) == -1)
			warnx_("standard output: %s", strerror(errno));
		return rc;
	}
	exists = stat(path, &st) == 0;
	/* --force would not mend that: say what is in the way */
	if (exists && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto done;
	}
	if (exists && !force) {
		errno = EEXIST;
		goto done;
	}
	if (exists && !S_ISREG(st.st_mode)) {
		/* a device or a FIFO has no name to replace */
		if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) != -1 &&
		    write_all(fd, data, len) == 0)
			rc = 0;
		goto done;
	}
	/* through a symbolic link: the file it names is the one replaced */
	if (exists && (real = realpath(path, NULL)) != NULL)
		target = real;
	n = strlen(target) + 40;
	if ((tmp = malloc(n)) == NULL)
		goto done;
	slash = strrchr(target, '/');
	snprintf(tmp, n, "%.*s.ldaptrust-%ld-XXXXXX",
	    slash ? (int)(slash - target + 1) : 0, target, (long)getpid());
	if ((fd = mkstemp(tmp)) == -1) {
		free(tmp);
		tmp = NULL;
		goto done;
	}
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, exists ? st.st_mode & 07777 : 0644 & ~mask) == -1 ||
	    write_all(fd, data, len) == -1 || fsync(fd) == -1)
		goto done;
	/* the owner too where we may (root); else it becomes ours, as rm+cp */
	if (exists && (st.st_uid != geteuid() || st.st_gid != getegid()))
		(void)fchown(fd, st.st_uid, st.st_gid);
	if (close(fd) == -1) {
		fd = -1;
		goto done;
	}
	fd = -1;
	if ((force ? rename(tmp, target) : put_new(tmp, target)) == -1)
		goto done;
	free(tmp);
	tmp = NULL;
	rc = 0;
done:
	if (rc == -1 && errno == EEXIST)
		warnx_("%s: file exists (use --force to overwrite it)", path);
	else if (rc == -1)
		warnx_("%s: %s", path, strerror(errno));
	if (fd != -1)
		close(fd);
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(real);
	return rc;
}

/* "ldaptrust: ALIAS: No such object (32)" with where we looked. */
int
no_such_alias(struct ctx *ctx, const char *alias, const char *base)
{
	char what[256], info[512];

	/* the base itself is missing, and that was said */
	if (ctx->base_told)
		return exit_status(LDAP_NO_SUCH_OBJECT);
	snprintf(what, sizeof(what), "\"%s\"", text_shown(alias));
	snprintf(info, sizeof(info), "no certificate with this alias under %s",
	    base);
	return ldap_fail(what, LDAP_NO_SUCH_OBJECT, NULL, info);
}

/*
 * The aliases (or files: what) a command acts on: its arguments, or with
 * -f FILE the lines of FILE (- : standard input), one a line as
 * ldapdelete -f reads DNs, empty lines skipped.  Not both: a delete of
 * "these and those" is one slip from the wrong list.  *aliases is
 * malloc()ed, with the file's text before it when -f was given: the
 * caller frees it with free_list().  0 or an exit status.
 */
int
read_list(struct ctx *ctx, int argc, char **argv, char ***aliases, int *n,
    const char *what)
{
	unsigned char *buf = NULL;
	char *p, *end, *nl, **list, whats[32];
	size_t len, lines = 0;
	int i;

	*aliases = NULL;
	*n = 0;
	/* "aliases", "files" */
	len = strlen(what);
	snprintf(whats, sizeof(whats), "%s%s", what,
	    len > 0 && what[len - 1] == 's' ? "es" : "s");
	if (ctx->co.infile == NULL) {
		if ((list = calloc((size_t)argc + 1, sizeof(*list))) == NULL)
			goto nomem;
		for (i = 0; i < argc; i++)
			list[i] = argv[i];
		*aliases = list;
		*n = argc;
		return 0;
	}
	if (argc > 0)
		return usage_error(ctx, "%s on the command line or in -f %s, "
		    "not both", whats, ctx->co.infile);
	if (read_file(ctx->co.infile, &buf, &len) == -1)
		return EXIT_LOCAL;
	/* room for the last line's NUL when the file ends without '\n' */
	if ((p = realloc(buf, len + 1)) == NULL) {
		free(buf);
		goto nomem;
	}
	buf = (unsigned char *)p;
	if (memchr(buf, '\0', len) != NULL) {
		warnx_("%s: holds a NUL byte: not a list of %s",
		    ctx->co.infile, whats);
		free(buf);
		return EXIT_LOCAL;
	}
	for (p = (char *)buf; p < (char *)buf + len; p++)
		if (*p == '\n')
			lines++;
	if ((list = calloc(lines + 3, sizeof(*list))) == NULL) {
		free(buf);
		goto nomem;
	}
	end = (char *)buf + len;
	for (p = (char *)buf, i = 1; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p != '\0')
			list[i++] = p;
	}
	/* slot 0 keeps the buffer, the aliases start at slot 1 */
	list[0] = (char *)buf;
	*aliases = list + 1;
	*n = i - 1;
	if (*n == 0) {
		warnx_("%s: no %s in it", ctx->co.infile, what);
		free_list(ctx, *aliases);
		*aliases = NULL;
		return EXIT_LOCAL;
	}
	return 0;
nomem:
	warnx_("out of memory");
	return EXIT_LOCAL;
}

void
free_list(struct ctx *ctx, char **aliases)
{
	if (aliases == NULL)
		return;
	if (ctx->co.infile != NULL) {
		free(aliases[-1]);
		aliases--;
	}
	free(aliases);
}
