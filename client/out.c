/* out.c - output for people (tables, dates, progress) and programs (JSON) */
/*
 * People get aligned columns on a terminal, fitted to its width; a pipe
 * gets the same rows tab-separated with no header, so cut(1) and awk(1)
 * work.  Programs ask for --json, whose field names are part of the
 * interface.  The two are never mixed on standard output.
 */
#define _GNU_SOURCE		/* wcwidth() */
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include "ldaptrust.h"
#include "tscert.h"

/* --- text for people ---------------------------------------------------------- */

/*
 * The length of the UTF-8 character at s, within avail bytes, or 0 when
 * s starts none: a stray continuation byte, a lead byte cut short, 0xF5
 * and up, and the forms RFC 3629 forbids although they have the shape of
 * one: an overlong encoding (C0 AF or E0 80 AF for '/'), a surrogate (ED
 * A0 80) or a code point above U+10FFFF (F4 90 80 80).  A lax decoder
 * down the line (a terminal, a log reader) would make a '/', a control
 * character or a half pair of them, so they are escaped as invalid.
 */
static size_t
utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t follow, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		follow = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		follow = 2;
		/* below U+0800 is overlong; ED A0..BF are the surrogates */
		if (s[0] == 0xe0)
			lo = 0xa0;
		else if (s[0] == 0xed)
			hi = 0x9f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		follow = 3;
		/* below U+10000 is overlong; above U+10FFFF is no Unicode */
		if (s[0] == 0xf0)
			lo = 0x90;
		else if (s[0] == 0xf4)
			hi = 0x8f;
	} else
		return 0;
	/* a NUL ends a string before avail does: it fails both tests */
	if (avail <= follow || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i <= follow; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return follow + 1;
}

/* The bytes of s that a terminal obeys or a field reader splits on. */
static size_t
ctl_len(const unsigned char *s)
{
	if (s[0] < 0x20 || s[0] == 0x7f)
		return 1;
	/* C1 (U+0080..U+009F) as UTF-8: CSI, OSC ... to many terminals */
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] < 0xa0)
		return 2;
	return 0;
}

/*
 * Text from the directory or a certificate (a description, a subject, a
 * server's chain) or from the user (an alias, perhaps from a -f list
 * written elsewhere) as it may be printed for people: each byte of a
 * control character, C0, DEL or C1, as a \XX escape, the form OpenSSL's
 * RFC 2253 printing gives C0 in names, and so each byte that is not
 * UTF-8 (a terminal set to an 8-bit encoding obeys 0x9B as CSI).  So no
 * value can clear the screen, retitle the terminal, draw a forged line
 * or split a tab-separated field.  malloc()ed; NULL for NULL (or out of
 * memory).
 */
char *
text_safe(const char *s)
{
	const unsigned char *p;
	char *out, *o;
	size_t n, k;

	if (s == NULL || (out = malloc(strlen(s) * 3 + 1)) == NULL)
		return NULL;
	for (p = (const unsigned char *)s, o = out; *p != '\0'; ) {
		if ((n = ctl_len(p)) == 0 && (n = utf8_len(p, SIZE_MAX)) > 0) {
			memcpy(o, p, n);
			o += n;
			p += n;
			continue;
		}
		for (k = 0; k < (n ? n : 1); k++, p++)
			o += sprintf(o, "\\%02X", *p);
	}
	*o = '\0';
	return out;
}

/*
 * text_safe() for a message that quotes what the user gave (an alias, a
 * URI), kept for the next three calls, so that one message may quote
 * two or three without a free() for each.  Never NULL.
 */
const char *
text_shown(const char *s)
{
	static char *ring[4];
	static size_t next;
	char *t;

	next = (next + 1) % (sizeof(ring) / sizeof(ring[0]));
	free(ring[next]);
	ring[next] = t = text_safe(s);
	return t != NULL ? t : "?";
}

/* fputs() of text_safe(s). */
void
put_safe(const char *s, FILE *fp)
{
	char *t = text_safe(s);

	fputs(t != NULL ? t : "?", fp);
	free(t);
}

/* --- tables ------------------------------------------------------------------ */

struct table {
	int	  ncols;
	char	**cells;	/* nrows * ncols, row 0 is the header */
	size_t	  nrows;
	size_t	  cap;
};

struct table *
table_new(int ncols, const char *const *header)
{
	struct table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	table_row(t, header);
	return t;
}

void
table_row(struct table *t, const char *const *cells)
{
	char **nc;
	int i;

	if (t == NULL)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 32;

		nc = reallocarray(t->cells, cap * (size_t)t->ncols,
		    sizeof(*nc));
		if (nc == NULL)
			return;
		t->cells = nc;
		t->cap = cap;
	}
	/* every cell is text for people (or for cut(1): no tab inside) */
	for (i = 0; i < t->ncols; i++)
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] =
		    text_safe(cells[i] ? cells[i] : "-");
	t->nrows++;
}

/*
 * Columns on screen of the character at s, whose length in bytes goes to
 * *len.  A CJK ideograph or a fullwidth form takes two, a combining mark
 * none: counting code points put every column after a Japanese subject
 * two places off.  The widths are the C library's, asked in its built-in
 * C.UTF-8 whatever the user's locale is (the cells are UTF-8, escaped by
 * text_safe()); without that locale, one column a code point.
 */
static size_t
char_width(const char *s, size_t *len)
{
	static locale_t utf8;
	static int tried;
	locale_t old;
	mbstate_t st;
	wchar_t wc;
	size_t n;
	int w = 1;

	if (((unsigned char)*s & 0x80) == 0) {
		*len = 1;
		return 1;
	}
	for (n = 1; (((unsigned char)s[n]) & 0xc0) == 0x80; n++)
		;
	*len = n;
	if (!tried) {
		tried = 1;
		utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	if (utf8 == (locale_t)0)
		return 1;
	memset(&st, 0, sizeof(st));
	old = uselocale(utf8);
	if (mbrtowc(&wc, s, n, &st) == n)
		w = wcwidth(wc);
	uselocale(old);
	return w < 0 ? 1 : (size_t)w;
}

/* Width on screen, in columns. */
static size_t
width(const char *s)
{
	size_t n = 0, len;

	while (*s != '\0') {
		n += char_width(s, &len);
		s += len;
	}
	return n;
}

/* Print s in w columns: cut with "..." when longer, padded unless last. */
static void
cell(FILE *fp, const char *s, size_t w, int last)
{
	size_t sw = width(s), n = 0, cw, len;
	const char *p = s;

	if (sw > w && w > 3) {
		/* whole characters only: a wide one that would cross w - 3 waits */
		while (*p != '\0' && n + (cw = char_width(p, &len)) <= w - 3) {
			n += cw;
			p += len;
		}
		fwrite(s, 1, (size_t)(p - s), fp);
		fputs("...", fp);
		sw = n + 3;
	} else
		fputs(s, fp);
	if (!last)
		fprintf(fp, "%*s", (int)(w - sw + 2), "");
}

void
table_print(struct table *t, FILE *fp, int tty)
{
	size_t w[16], total, r, cols = 0;
	struct winsize ws;
	int i, widest;

	if (t == NULL)
		return;
	if (!tty) {
		for (r = 1; r < t->nrows; r++)
			for (i = 0; i < t->ncols; i++)
				fprintf(fp, "%s%c", t->cells[r * (size_t)t->ncols
				    + (size_t)i], i == t->ncols - 1 ? '\n' : '\t');
		return;
	}
	for (i = 0; i < t->ncols && i < 16; i++) {
		w[i] = 0;
		for (r = 0; r < t->nrows; r++) {
			size_t cw = width(t->cells[r * (size_t)t->ncols +
			    (size_t)i]);
			if (cw > w[i])
				w[i] = cw;
		}
	}
	if (ioctl(fileno(fp), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		cols = ws.ws_col;
	/* narrow the widest column until the table fits the terminal */
	while (cols > 0) {
		total = 0;
		widest = 0;
		for (i = 0; i < t->ncols; i++) {
			total += w[i] + 2;
			if (w[i] > w[widest])
				widest = i;
		}
		if (total - 2 <= cols || w[widest] <= 16)
			break;
		w[widest]--;
	}
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++)
			cell(fp, t->cells[r * (size_t)t->ncols + (size_t)i],
			    w[i], i == t->ncols - 1);
		fputc('\n', fp);
	}
}

void
table_free(struct table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

/* --- JSON -------------------------------------------------------------------- */

void
json_init(struct json *j, FILE *fp)
{
	memset(j, 0, sizeof(*j));
	j->fp = fp;
}

/* Separator before a value: none after a key, a comma between items. */
static void
json_sep(struct json *j)
{
	if (j->after_key)
		j->after_key = 0;
	else if (j->need_comma[j->depth])
		fputc(',', j->fp);
	j->need_comma[j->depth] = 1;
}

void
json_begin(struct json *j, int c)
{
	json_sep(j);
	fputc(c, j->fp);
	if (j->depth < 31)
		j->depth++;
	j->need_comma[j->depth] = 0;
}

void
json_end(struct json *j, int c)
{
	if (j->depth > 0)
		j->depth--;
	fputc(c, j->fp);
}

/*
 * A JSON string: quotes, backslashes and control characters escaped, UTF-8
 * passed through, and any byte that is not UTF-8 (as utf8_len() judges,
 * overlong forms and surrogates included) replaced by U+FFFD so the
 * output always parses, strict parsers included.
 */
static void
json_quote(FILE *fp, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	size_t n;

	fputc('"', fp);
	while (p < end) {
		unsigned char c = *p;

		if (c < 0x80) {
			switch (c) {
			case '"': fputs("\\\"", fp); break;
			case '\\': fputs("\\\\", fp); break;
			case '\b': fputs("\\b", fp); break;
			case '\f': fputs("\\f", fp); break;
			case '\n': fputs("\\n", fp); break;
			case '\r': fputs("\\r", fp); break;
			case '\t': fputs("\\t", fp); break;
			default:
				if (c < 0x20 || c == 0x7f)
					fprintf(fp, "\\u%04x", c);
				else
					fputc(c, fp);
			}
			p++;
			continue;
		}
		if ((n = utf8_len(p, (size_t)(end - p))) == 0) {
			fputs("\\ufffd", fp);
			p++;
			continue;
		}
		fwrite(p, 1, n, fp);
		p += n;
	}
	fputc('"', fp);
}

void
json_key(struct json *j, const char *k)
{
	json_sep(j);
	json_quote(j->fp, k, strlen(k));
	fputc(':', j->fp);
	j->after_key = 1;
}

void
json_strn(struct json *j, const char *s, size_t len)
{
	json_sep(j);
	json_quote(j->fp, s, len);
}

void
json_str(struct json *j, const char *s)
{
	if (s == NULL)
		json_null(j);
	else
		json_strn(j, s, strlen(s));
}

void
json_int(struct json *j, int64_t v)
{
	json_sep(j);
	fprintf(j->fp, "%lld", (long long)v);
}

void
json_bool(struct json *j, int v)
{
	json_sep(j);
	fputs(v ? "true" : "false", j->fp);
}

void
json_null(struct json *j)
{
	json_sep(j);
	fputs("null", j->fp);
}

void
json_kv_str(struct json *j, const char *k, const char *v)
{
	json_key(j, k);
	json_str(j, v);
}

void
json_finish(struct json *j)
{
	fputc('\n', j->fp);
}

/* --- dates ------------------------------------------------------------------- */

enum datefmt { DF_DATE, DF_DATETIME, DF_ISO };

static void
fmt_tm(int64_t t, enum datefmt f, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n = 0;

	if (t != INT64_MIN && gmtime_r(&tt, &tm) != NULL) {
		switch (f) {
		case DF_DATE:
			n = strftime(buf, len, "%Y-%m-%d", &tm);
			break;
		case DF_DATETIME:
			n = strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
			break;
		case DF_ISO:
			n = strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
			break;
		}
	}
	if (n == 0)
		snprintf(buf, len, "-");
}

void
fmt_date(int64_t t, char *buf, size_t len)
{
	fmt_tm(t, DF_DATE, buf, len);
}

void
fmt_datetime(int64_t t, char *buf, size_t len)
{
	fmt_tm(t, DF_DATETIME, buf, len);
}

void
fmt_iso(int64_t t, char *buf, size_t len)
{
	fmt_tm(t, DF_ISO, buf, len);
}

/* Whole days from now to t, rounded down: -1 means "expired today". */
int64_t
days_left(int64_t t, int64_t now)
{
	int64_t d = t - now;

	return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

int
gentime_to_epoch(const char *s, int64_t *t)
{
	return ts_gentime_parse(s, strlen(s), t);
}

/* --- progress ---------------------------------------------------------------- */

void
progress(struct ctx *ctx, size_t done, size_t total)
{
	static size_t last = (size_t)-1;
	size_t fill, pct;
	char bar[41];

	if (!ctx->tty_err || total == 0)
		return;
	pct = done * 100 / total;
	if (pct == last && done != total)
		return;
	last = pct;
	fill = done * 40 / total;
	memset(bar, '#', fill);
	memset(bar + fill, '.', 40 - fill);
	bar[40] = '\0';
	fprintf(stderr, "\r[%s] %zu/%zu %3zu%%", bar, done, total, pct);
	fflush(stderr);
}

void
progress_done(struct ctx *ctx)
{
	if (ctx->tty_err)
		fprintf(stderr, "\r%*s\r", 60, "");
}

/* Ask on the terminal itself, not stdin (which may carry data): y or yes
 * is yes, anything else, or no terminal, is no. */
int
confirm(const char *question)
{
	char line[64];
	FILE *tty;
	int yes = 0;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return 0;
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) != NULL)
		yes = strcasecmp(line, "y\n") == 0 ||
		    strcasecmp(line, "yes\n") == 0;
	fclose(tty);
	return yes;
}
