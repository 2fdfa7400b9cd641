/* cmd_import.c - ldaptrust import: certificates from PEM, DER or PKCS#7 */
/*
 * The file's content decides its format (ts_decode_certs), never its name.
 * One certificate is one add, and its refusal is reported as the server
 * worded it.  A bundle (--all) is sent as a stream of asynchronous adds
 * with up to WINDOW operations in flight, so the server's worker threads
 * stay busy and a bundle of hundreds of CAs takes about as long as ldapadd
 * of the same entries; refusals do not stop the stream, and the summary
 * says what became of each certificate.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <lber.h>
#include <ldap.h>

#include "ldaptrust.h"
#include "tscert.h"

#define WINDOW		32
#define ALIAS_ROOM	(ALIAS_MAX - 4)	/* room for a "-NNN" suffix */

enum { OPT_ALL = 256, OPT_ALIAS_FROM, OPT_DESCRIPTION };

static const struct option longopts[] = {
	{ "all",		no_argument,		NULL,	OPT_ALL },
	{ "alias-from",		required_argument,	NULL,	OPT_ALIAS_FROM },
	{ "description",	required_argument,	NULL,	OPT_DESCRIPTION },
	{ NULL,			0,			NULL,	0 }
};

/* ST_COPY: the file held the certificate before; it shares that one's fate */
enum state { ST_PENDING, ST_SENT, ST_IMPORTED, ST_PRESENT, ST_REFUSED,
	ST_COPY };

struct item {
	const struct ts_blob *der;
	char		*alias;
	char		*subject;	/* RFC 4514, see item_subject() */
	char		*shown;		/* the same for people, see item_shown() */
	int		 parsed;	/* subject looked for */
	char		 sha256[65];
	enum state	 state;
	int		 rc;		/* the server's result code */
	char		*text;		/* its diagnostic, or why not sent */
	const char	*present_as;
	const struct item *copy_of;	/* ST_COPY: the first in the file */
};

struct import {
	struct ctx	*ctx;
	const char	*file;
	const char	*alias;
	const char	*description;
	int		 all, from_subject;
	struct ts_blob	*certs;
	size_t		 n;
	struct item	*items;
	/* the store's certificates before we began: sha256 -> alias */
	struct cert_list existing;
};

/*
 * The subject, for aliases and messages, or NULL when the certificate has
 * none (the server judges the rest).  Read only when first needed, and
 * only the name: an import of a whole bundle names few of its
 * certificates, and parsing each one cost more than everything else
 * ldaptrust does.
 */
static const char *
item_subject(struct import *im, struct item *it)
{
	if (it->parsed)
		return it->subject;
	it->parsed = 1;
	it->subject = ts_der_subject(it->der->data, it->der->len);
	return it->subject;
}

/* The subject as it may be printed (text_safe()), or NULL. */
static const char *
item_shown(struct import *im, struct item *it)
{
	if (it->shown == NULL && item_subject(im, it) != NULL)
		it->shown = text_safe(it->subject);
	return it->shown;
}

/* The subject, or the fingerprint when there is none to show. */
static const char *
item_name(struct import *im, struct item *it)
{
	const char *subject = item_shown(im, it);

	/* an empty subject (a certificate named by its SAN only) says nothing */
	return subject != NULL && *subject != '\0' ? subject : it->sha256;
}

/* Fingerprints as the server may write them (colons, capitals) -> ours. */
static void
fp_norm(const char *in, char out[65])
{
	size_t o = 0;

	for (; in != NULL && *in != '\0' && o < 64; in++)
		if (*in != ':')
			out[o++] = (char)(*in >= 'A' && *in <= 'F' ?
			    *in - 'A' + 'a' : *in);
	out[o] = '\0';
}

/* The first CN (else OU, else O) of an RFC 4514 name, malloc()ed. */
static char *
subject_name(const char *subject)
{
	static const char *const pref[] = { "CN", "OU", "O" };
	LDAPDN dn = NULL;
	char *found = NULL;
	size_t p;
	int r, a;

	if (subject == NULL ||
	    ldap_str2dn(subject, &dn, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
		return NULL;
	for (p = 0; p < 3 && found == NULL; p++)
		for (r = 0; dn != NULL && dn[r] != NULL && found == NULL; r++)
			for (a = 0; dn[r][a] != NULL; a++) {
				LDAPAVA *ava = dn[r][a];

				if (strncasecmp(ava->la_attr.bv_val, pref[p],
				    ava->la_attr.bv_len) != 0 ||
				    strlen(pref[p]) != ava->la_attr.bv_len ||
				    (ava->la_flags & LDAP_AVA_BINARY))
					continue;
				found = strndup(ava->la_value.bv_val,
				    ava->la_value.bv_len);
				break;
			}
	ldap_dnfree(dn);
	return found;
}

/*
 * An alias made from a name: control characters (C0 and C1) and '/'
 * become spaces, runs of spaces one space, no space at the ends, at most
 * ALIAS_ROOM characters (cut on a character boundary).
 */
static char *
sanitize(const char *name, const char *sha256)
{
	char *out, *o;
	const unsigned char *p;
	size_t chars = 0;
	int space = 0;

	if (name == NULL || (out = malloc(strlen(name) + 1)) == NULL)
		goto fallback;
	o = out;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		int c = *p;

		/* C1 controls too (U+0080..U+009F): the alias rules refuse them */
		if (c == 0xc2 && p[1] >= 0x80 && p[1] < 0xa0) {
			space = o != out;
			p++;
			continue;
		}
		if (c < 0x20 || c == 0x7f || c == '/' || c == ' ') {
			space = o != out;
			continue;
		}
		if ((c & 0xc0) != 0x80) {
			if (chars + space >= ALIAS_ROOM)
				break;
			if (space) {
				*o++ = ' ';
				chars++;
			}
			space = 0;
			chars++;
		}
		*o++ = (char)c;
	}
	*o = '\0';
	if (*out != '\0')
		return out;
	free(out);
fallback:
	/* a name with nothing usable: the fingerprint is unique enough */
	if ((out = malloc(16)) != NULL)
		snprintf(out, 16, "cert-%.8s", sha256);
	return out;
}

/* name, or name-2, name-3 ... not yet used (ignoring case) by this batch. */
static char *
unique_alias(struct import *im, size_t upto, const char *name)
{
	char buf[ALIAS_MAX * 4 + 16];
	size_t i, k;

	for (k = 1; k < 100000; k++) {
		if (k == 1)
			snprintf(buf, sizeof(buf), "%s", name);
		else
			snprintf(buf, sizeof(buf), "%s-%zu", name, k);
		for (i = 0; i < upto; i++)
			if (strcasecmp(im->items[i].alias, buf) == 0)
				break;
		if (i == upto) {
			/* an alias the store gives another certificate */
			for (i = 0; i < im->existing.n; i++)
				if (strcasecmp(im->existing.recs[i].alias, buf)
				    == 0)
					break;
			if (i == im->existing.n)
				return strdup(buf);
		}
	}
	return NULL;
}

static int
make_aliases(struct import *im)
{
	char msg[128], *name;
	size_t i;

	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i];

		if (im->from_subject) {
			char *cn = subject_name(item_subject(im, it));

			name = sanitize(cn, it->sha256);
			free(cn);
			it->alias = name ? unique_alias(im, i, name) : NULL;
			free(name);
		} else if (i == 0)
			it->alias = strdup(im->alias);
		else {
			size_t len = strlen(im->alias) + 24;

			if ((it->alias = malloc(len)) != NULL)
				snprintf(it->alias, len, "%s-%zu", im->alias,
				    i + 1);
		}
		if (it->alias == NULL) {
			warnx_("out of memory");
			return -1;
		}
		if (alias_check(it->alias, msg, sizeof(msg)) == -1) {
			warnx_("\"%s\": bad alias: %s", text_shown(it->alias),
			    msg);
			return -1;
		}
	}
	return 0;
}

static int
decode(struct import *im)
{
	unsigned char *buf = NULL;
	enum ts_kind found = TS_KIND_UNKNOWN;
	char msg[256];
	size_t len, i;
	int rc = -1;

	if (read_file(im->file, &buf, &len) == -1)
		return -1;
	if (ts_decode_certs(buf, len, &im->certs, &im->n, &found, msg,
	    sizeof(msg)) == -1 || im->n == 0) {
		if (im->n == 0 && msg[0] == '\0')
			snprintf(msg, sizeof(msg), "no certificate found");
		warnx_("%s: %s", im->file, msg);
		goto done;
	}
	if ((im->items = calloc(im->n, sizeof(*im->items))) == NULL) {
		warnx_("out of memory");
		goto done;
	}
	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i];

		it->der = &im->certs[i];
		ts_sha256_hex(it->der->data, it->der->len, it->sha256);
	}
	rc = 0;
done:
	free(buf);
	return rc;
}

/* Several certificates and no --all: name them and stop. */
static void
refuse_many(struct import *im)
{
	size_t i;

	warnx_("%s holds %zu certificates; import them all with --all:",
	    im->file, im->n);
	for (i = 0; i < im->n; i++)
		fprintf(stderr, "  %zu. %s\n     SHA-256 %s\n", i + 1,
		    item_shown(im, &im->items[i]) ? im->items[i].shown :
		    "(unreadable)",
		    im->items[i].sha256);
}

static int
send_add(struct import *im, struct item *it, const char *base, int *msgid)
{
	char *oc[] = { "tsCertificate", NULL };
	char *cn[] = { it->alias, NULL };
	char *desc[] = { (char *)im->description, NULL };
	struct berval der, *certv[] = { &der, NULL };
	LDAPMod m_oc, m_cn, m_cert, m_desc, *mods[5];
	char *dn;
	int rc, k = 0;

	m_oc.mod_op = LDAP_MOD_ADD;
	m_oc.mod_type = "objectClass";
	m_oc.mod_values = oc;
	m_cn.mod_op = LDAP_MOD_ADD;
	m_cn.mod_type = "cn";
	m_cn.mod_values = cn;
	der.bv_val = (char *)it->der->data;
	der.bv_len = it->der->len;
	m_cert.mod_op = LDAP_MOD_ADD | LDAP_MOD_BVALUES;
	m_cert.mod_type = "userCertificate;binary";
	m_cert.mod_bvalues = certv;
	m_desc.mod_op = LDAP_MOD_ADD;
	m_desc.mod_type = "description";
	m_desc.mod_values = desc;
	mods[k++] = &m_oc;
	mods[k++] = &m_cn;
	mods[k++] = &m_cert;
	if (im->description != NULL)
		mods[k++] = &m_desc;
	mods[k] = NULL;
	if ((dn = alias_dn(it->alias, base)) == NULL)
		return LDAP_NO_MEMORY;
	if (im->ctx->co.verbose)
		fprintf(stderr, "%s: adding %s\n", PROGNAME, dn);
	rc = ldap_add_ext(im->ctx->ld, dn, mods,
	    conn_ctrls(im->ctx, CTL_WRITE, NULL), NULL, msgid);
	free(dn);
	return rc;
}

/*
 * The alias is taken.  An import is often run again (a script, a second
 * try after a timeout): holding this very certificate, the store is
 * already as asked and that is success; holding another, the message
 * names it and the ways out.  What the add ran into may also be an entry
 * this identity cannot read, wholly or its certificate only: the access
 * rules of the store need not let a writer read what it may not replace.
 * That is said as such, and a look-up the server refuses outright (a
 * limit, say) ends with the server's code, as ldapsearch would.  sha256
 * is the certificate's fingerprint in lower-case hex, name its subject for
 * people; import --from says the same.
 */
int
alias_taken(struct ctx *ctx, const char *alias, const char *sha256,
    const char *name, const char *base, const char *what)
{
	static char *attrs[] = { "cn", "tsFingerprintSHA256", "tsSubject",
	    NULL };
	static char *no_attrs[] = { LDAP_NO_ATTRS, NULL };
	struct cert_list held = { NULL, 0, 0 }, any = { NULL, 0, 0 };
	struct cert_rec *r;
	char fp[65], *dn = alias_dn(alias, base), *held_by = NULL;
	int rc = exit_status(LDAP_ALREADY_EXISTS), err;

	if (dn == NULL) {
		warnx_("out of memory");
		rc = EXIT_LOCAL;
		goto done;
	}
	/*
	 * The entry the add ran into, found by the add's own DN: the server
	 * matches its cn as it refused the add (case beyond ASCII, runs of
	 * spaces), which no comparison of ours would; and a namesake in a
	 * container is not the one.
	 */
	err = store_collect(ctx, dn, LDAP_SCOPE_BASE,
	    "(objectClass=tsCertificate)", attrs, &held);
	/* the add saw it, so a noSuchObject here is the access rules' */
	if (err == LDAP_NO_SUCH_OBJECT) {
		ldap_fail(what, LDAP_ALREADY_EXISTS, NULL, "an entry of that "
		    "name exists, hidden from this identity by the access "
		    "rules");
		goto done;
	}
	/* the server's error is shown: its code is the run's */
	if (err != LDAP_SUCCESS) {
		ldap_fail(what, LDAP_ALREADY_EXISTS, NULL, "the alias is "
		    "taken, and the entry holding it could not be read (the "
		    "error above)");
		rc = exit_status(err);
		goto done;
	}
	if (held.n != 1) {
		/* no objectClass to read leaves the filter undefined too */
		err = store_collect(ctx, dn, LDAP_SCOPE_BASE,
		    "(objectClass=*)", no_attrs, &any);
		if (err != LDAP_SUCCESS && err != LDAP_NO_SUCH_OBJECT) {
			rc = exit_status(err);
			goto done;
		}
		ldap_fail(what, LDAP_ALREADY_EXISTS, NULL, any.n == 1 ?
		    "an entry of that name exists and is not a certificate "
		    "of the store" : "an entry of that name exists, and "
		    "this identity cannot read what it is (the access "
		    "rules)");
		goto done;
	}
	if ((r = &held.recs[0])->sha256 == NULL) {
		ldap_fail(what, LDAP_ALREADY_EXISTS, NULL, "a certificate of "
		    "the store holds the alias, but this identity cannot read "
		    "which (the access rules hide its fingerprint)");
		goto done;
	}
	fp_norm(r->sha256, fp);
	if (strcmp(fp, sha256) == 0) {
		/* the stored spelling, when the server's matching made the
		 * given one equal to it */
		if (strcmp(r->alias, alias) != 0)
			printf("\"%s\" (stored as \"%s\") already holds this "
			    "certificate: %s\n", text_shown(alias),
			    text_shown(r->alias), name);
		else
			printf("\"%s\" already holds this certificate: %s\n",
			    text_shown(alias), name);
		rc = 0;
		goto done;
	}
	ldap_fail(what, LDAP_ALREADY_EXISTS, NULL, "the alias is taken");
	held_by = text_safe(r->subject);
	fprintf(stderr, "\t\"%s\" holds %s (SHA-256 %s): choose another "
	    "alias, or rename or delete that one first\n", text_shown(r->alias),
	    held_by ? held_by : "another certificate", fp);
done:
	free(held_by);
	free(dn);
	cert_list_free(&held);
	cert_list_free(&any);
	return rc;
}

static int
import_one(struct import *im, const char *base)
{
	struct item *it = &im->items[0];
	char what[300];
	int rc, msgid;

	snprintf(what, sizeof(what), "import \"%s\"", text_shown(it->alias));
	if ((rc = send_add(im, it, base, &msgid)) != LDAP_SUCCESS)
		return ld_fail(im->ctx, what, rc);
	rc = op_result_but(im->ctx, msgid, what, NULL, LDAP_ALREADY_EXISTS);
	if (rc == LDAP_ALREADY_EXISTS)
		return alias_taken(im->ctx, it->alias, it->sha256,
		    item_name(im, it), base, what);
	if (rc != LDAP_SUCCESS)
		return exit_status(rc);
	printf("imported \"%s\": %s%s\n", text_shown(it->alias),
	    item_name(im, it), noop_note(im->ctx));
	return 0;
}

/* The alias under which the store held this certificate before, if any. */
static const char *
present_as(struct import *im, size_t idx)
{
	char fp[65];
	size_t i;

	for (i = 0; i < im->existing.n; i++) {
		fp_norm(im->existing.recs[i].sha256, fp);
		if (strcmp(fp, im->items[idx].sha256) == 0)
			return im->existing.recs[i].alias;
	}
	return NULL;
}

/*
 * The same certificate earlier in the file, if any: not sent again, it
 * is what became of that one, known once its answer is in (it may be
 * refused, and then this copy is not "already present").
 */
static const struct item *
earlier_copy(struct import *im, size_t idx)
{
	size_t i;

	for (i = 0; i < idx; i++)
		if (strcmp(im->items[i].sha256, im->items[idx].sha256) == 0)
			return &im->items[i];
	return NULL;
}

/* Record the result of one of our adds; 0 if the message was not one. */
static int
collect(struct import *im, LDAPMessage *res, int *msgids, size_t *inflight)
{
	struct item *it = NULL;
	char *matched = NULL, *text = NULL;
	int id = ldap_msgid(res), err = LDAP_OTHER;
	size_t k;

	for (k = 0; k < WINDOW; k++)
		if (msgids[2 * k] == id && msgids[2 * k + 1] >= 0) {
			it = &im->items[msgids[2 * k + 1]];
			msgids[2 * k + 1] = -1;
			(*inflight)--;
			break;
		}
	if (it == NULL)
		return 0;
	if (ldap_parse_result(im->ctx->ld, res, &err, &matched, &text, NULL,
	    NULL, 0) != LDAP_SUCCESS)
		err = LDAP_OTHER;
	it->rc = err = noop_result(im->ctx, err);
	if (err == LDAP_SUCCESS)
		it->state = ST_IMPORTED;
	else {
		it->state = ST_REFUSED;
		it->text = text ? strdup(text) : NULL;
	}
	ldap_memfree(matched);
	ldap_memfree(text);
	return 1;
}

static int
import_many(struct import *im, const char *base)
{
	struct ctx *ctx = im->ctx;
	LDAPMessage *res;
	int msgids[2 * WINDOW], rc, first_rc = 0, msgid;
	size_t i, k, inflight = 0, done = 0, imported = 0, present = 0,
	    refused = 0;

	for (k = 0; k < WINDOW; k++)
		msgids[2 * k + 1] = -1;
	for (i = 0; i < im->n || inflight > 0; ) {
		/* fill the window, then wait for one answer */
		while (i < im->n && inflight < WINDOW) {
			struct item *it = &im->items[i];

			if ((it->present_as = present_as(im, i)) != NULL)
				it->state = ST_PRESENT;
			else if ((it->copy_of = earlier_copy(im, i)) != NULL)
				it->state = ST_COPY;
			if (it->state != ST_PENDING) {
				done++;
				i++;
				continue;
			}
			rc = send_add(im, it, base, &msgid);
			if (rc != LDAP_SUCCESS) {
				progress_done(ctx);
				return ld_fail(ctx, "import", rc);
			}
			for (k = 0; msgids[2 * k + 1] >= 0; k++)
				;
			msgids[2 * k] = msgid;
			msgids[2 * k + 1] = (int)i;
			it->state = ST_SENT;
			inflight++;
			i++;
		}
		if (inflight == 0)
			continue;
		rc = ldap_result(ctx->ld, LDAP_RES_ANY, LDAP_MSG_ALL, NULL, &res);
		if (rc <= 0) {
			progress_done(ctx);
			ldap_get_option(ctx->ld, LDAP_OPT_RESULT_CODE, &rc);
			return ld_fail(ctx, "import", rc ? rc : LDAP_OTHER);
		}
		if (collect(im, res, msgids, &inflight))
			done++;
		ldap_msgfree(res);
		progress(ctx, done, im->n);
	}
	progress(ctx, im->n, im->n);
	progress_done(ctx);
	for (i = 0; i < im->n; i++) {
		struct item *it = &im->items[i];

		/* a server refusal of a certificate it already holds */
		if (it->state == ST_REFUSED &&
		    (it->present_as = present_as(im, i)) != NULL)
			it->state = ST_PRESENT;
		/* the first copy's fate is settled: lower index */
		if (it->state == ST_COPY) {
			const struct item *first = it->copy_of;

			if (first->state == ST_REFUSED) {
				refused++;
				if (first_rc == 0 || ctx->co.contoper)
					first_rc = first->rc;
				warnx_("import \"%s\" (%s): the same certificate "
				    "as \"%s\" earlier in the file, refused",
				    text_shown(it->alias), item_name(im, it),
				    text_shown(first->alias));
				continue;
			}
			it->state = ST_PRESENT;
			it->present_as = first->state == ST_PRESENT ?
			    first->present_as : first->alias;
		}
		switch (it->state) {
		case ST_IMPORTED:
			imported++;
			if (ctx->co.verbose)
				printf("imported \"%s\": %s\n",
				    text_shown(it->alias), item_name(im, it));
			break;
		case ST_PRESENT:
			present++;
			if (ctx->co.verbose)
				printf("already present as \"%s\": %s\n",
				    text_shown(it->present_as),
				    item_name(im, it));
			break;
		default:
			refused++;
			/* the first refusal's code; with -c the last's, as
			 * ldapmodify -c (the bundle goes on either way) */
			if (first_rc == 0 || ctx->co.contoper)
				first_rc = it->rc;
			fprintf(stderr, "%s: import \"%s\" (%s): %s (%d)\n",
			    PROGNAME, text_shown(it->alias), item_name(im, it),
			    ldap_err2string(it->rc), it->rc);
			if (it->text != NULL && *it->text != '\0')
				fprintf(stderr, "\tadditional info: %s\n",
				    text_shown(it->text));
		}
	}
	printf("%s: %zu certificate%s: %zu imported, %zu already present, "
	    "%zu refused%s\n", im->file, im->n, im->n == 1 ? "" : "s", imported,
	    present, refused, noop_note(ctx));
	return exit_status(first_rc);
}

/*
 * One FILE, as one run of "import" would take it; the connection is made
 * by the first FILE that needs one and kept for the others.  0 or an
 * exit status, the error shown.
 */
static int
import_file(struct ctx *ctx, const struct import *opts, const char *file)
{
	static char *fp_attrs[] = { "cn", "tsFingerprintSHA256", NULL };
	struct import im;
	const char *base;
	int rc = EXIT_LOCAL;
	size_t i;

	im = *opts;
	im.file = file;
	if (decode(&im) == -1)
		goto done;
	if (im.n > 1 && !im.all) {
		refuse_many(&im);
		goto done;
	}
	if (ctx->co.dry_run) {
		if (make_aliases(&im) == -1)
			goto done;
		for (i = 0; i < im.n; i++) {
			struct item *it = &im.items[i];
			const struct item *first = earlier_copy(&im, i);

			/* as import_many() would: a copy is not sent */
			if (first != NULL)
				printf("would not import \"%s\": the same "
				    "certificate as \"%s\" earlier in the "
				    "file: %s\n\tSHA-256 %s\n",
				    text_shown(it->alias),
				    text_shown(first->alias),
				    item_shown(&im, it) ? it->shown :
				    "(unreadable)", it->sha256);
			else
				printf("would import \"%s\": %s\n"
				    "\tSHA-256 %s\n", text_shown(it->alias),
				    item_shown(&im, it) ? it->shown :
				    "(unreadable)", it->sha256);
		}
		rc = 0;
		goto done;
	}
	if (ctx->ld == NULL && (rc = conn_open(ctx)) != 0)
		goto done;
	if ((base = conn_base(ctx)) == NULL) {
		rc = EXIT_LOCAL;
		goto done;
	}
	if (!im.all) {
		rc = EXIT_LOCAL;
		if (make_aliases(&im) == 0)
			rc = import_one(&im, base);
		goto done;
	}
	/* what the store holds already, to tell "present" from "refused" */
	if ((rc = store_list(ctx, NULL, fp_attrs, &im.existing)) != 0)
		goto done;
	rc = EXIT_LOCAL;
	if (make_aliases(&im) == -1)
		goto done;
	rc = import_many(&im, base);
done:
	for (i = 0; im.items != NULL && i < im.n; i++) {
		free(im.items[i].alias);
		free(im.items[i].subject);
		free(im.items[i].shown);
		free(im.items[i].text);
	}
	free(im.items);
	ts_blobs_free(im.certs, im.n);
	cert_list_free(&im.existing);
	return rc;
}

int
cmd_import(struct ctx *ctx, int argc, char **argv)
{
	struct import im;
	char msg[128], **files = NULL;
	int c, k, n, rc = EXIT_LOCAL, rc_file;
	size_t i;

	/* import ALIAS --from HOST:PORT fetches from a server: cmd_from.c */
	for (i = 1; i < (size_t)argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--from") == 0 ||
		    strncmp(argv[i], "--from=", 7) == 0)
			return cmd_import_from(ctx, argc, argv);

	memset(&im, 0, sizeof(im));
	im.ctx = ctx;
	while ((c = opt_next(ctx, argc, argv, "", longopts)) != -1) {
		switch (c) {
		case OPT_ALL: im.all = 1; break;
		case OPT_ALIAS_FROM:
			if (strcmp(optarg, "subject") != 0)
				return usage_error(ctx, "--alias-from %s: only "
				    "'subject' is known", optarg);
			im.from_subject = 1;
			break;
		case OPT_DESCRIPTION: im.description = optarg; break;
		default:
			return usage_error(ctx, "unexpected option");
		}
	}
	/*
	 * ALIAS FILE, or with --alias-from subject FILE... (or -f LIST of
	 * FILEs): each certificate named after its subject, so that
	 * several files need no aliases.
	 */
	if (ctx->co.infile != NULL && !im.from_subject)
		return usage_error(ctx, "-f %s: a list of FILEs to import "
		    "with --alias-from subject (ALIAS FILE imports one)",
		    ctx->co.infile);
	if (im.from_subject) {
		/* every argument is a FILE: an ALIAS given by mistake is
		 * a file not found, and stops the run before the others */
		if (argc - optind < 1 && ctx->co.infile == NULL)
			return usage_error(ctx, "which FILE? (or -f LIST)");
	} else if (argc - optind == 2) {
		im.alias = argv[optind];
		optind++;
	} else
		return usage_error(ctx, "ALIAS and FILE are needed%s",
		    argc - optind > 2 ? " (several FILEs take --alias-from "
		    "subject)" : "");
	if (im.alias != NULL && alias_check(im.alias, msg, sizeof(msg)) == -1) {
		warnx_("\"%s\": bad alias: %s", text_shown(im.alias), msg);
		return EXIT_LOCAL;
	}
	if (im.description != NULL && *im.description == '\0')
		return usage_error(ctx, "--description needs some text");
	/*
	 * -W is asked before standard input is read (FILE -, -f -), as by
	 * ldapmodify -W: on a terminal the password comes from it and the
	 * certificate from the pipe; off one, the first line is the
	 * password and the rest the certificate.  Reading the certificate
	 * first would leave -W nothing, or take the password line for
	 * part of the file.  -n connects to nothing and asks nothing.
	 */
	if (!ctx->co.dry_run && ctx->co.infile != NULL &&
	    strcmp(ctx->co.infile, "-") == 0 &&
	    (rc = conn_password(ctx)) != 0)
		return rc;
	if ((rc = read_list(ctx, argc - optind, argv + optind, &files, &n,
	    "file")) != 0)
		return rc;
	/* a FILE - on the command line or in the -f list */
	for (k = 0; k < n && strcmp(files[k], "-") != 0; k++)
		;
	if (!ctx->co.dry_run && k < n && (rc = conn_password(ctx)) != 0) {
		free_list(ctx, files);
		return rc;
	}

	/* as ldapmodify: a FILE that fails stops the run, unless -c */
	rc = 0;
	for (k = 0; k < n; k++) {
		if ((rc_file = import_file(ctx, &im, files[k])) == 0)
			continue;
		rc = rc_file;
		if (ctx->co.contoper)
			continue;
		if (k + 1 < n)
			warnx_("import: stopped at %s: %d file%s not read "
			    "(-c goes on)", files[k], n - k - 1,
			    n - k - 1 == 1 ? "" : "s");
		break;
	}
	free_list(ctx, files);
	return rc;
}
