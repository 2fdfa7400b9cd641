/*
 * tsalias.c - the rules for an alias, the cn that names a certificate
 * entry: one copy for the overlay, which enforces them on every write,
 * and for ldaptrust, which checks them before anything is sent.
 */

#include <stdio.h>
#include <string.h>

#include "tscert.h"

/*
 * Length in characters of len bytes of UTF-8, or -1 if they are not.
 * Strict, as RFC 3629 has it: no overlong form (C0, C1; E0 80..9F;
 * F0 80..8F), no surrogate (ED A0..BF: not characters, and what a strict
 * reader of the bundle or of ldaptrust --json refuses), nothing above
 * U+10FFFF (F4 90.., F5..).  slapd itself takes the last two in a DN.
 */
static long
ts_utf8_chars(const unsigned char *s, size_t len)
{
	const unsigned char *end = s + len;
	unsigned char lo, hi;
	long n = 0;
	int follow, i;

	while (s < end) {
		lo = 0x80;
		hi = 0xbf;
		if (*s < 0x80)
			follow = 0;
		else if (*s >= 0xc2 && *s <= 0xdf)
			follow = 1;
		else if (*s >= 0xe0 && *s <= 0xef) {
			follow = 2;
			if (*s == 0xe0)
				lo = 0xa0;
			else if (*s == 0xed)
				hi = 0x9f;
		} else if (*s >= 0xf0 && *s <= 0xf4) {
			follow = 3;
			if (*s == 0xf0)
				lo = 0x90;
			else if (*s == 0xf4)
				hi = 0x8f;
		} else
			return -1;
		if (end - s <= follow)
			return -1;
		/* the first continuation byte carries the range limits */
		if (follow > 0 && (s[1] < lo || s[1] > hi))
			return -1;
		for (i = 1; i <= follow; i++)
			if ((s[i] & 0xc0) != 0x80)
				return -1;
		s += follow + 1;
		n++;
	}
	return n;
}

/*
 * 1 to TS_ALIAS_MAX characters (X.520's upper bound for a common name),
 * UTF-8, no control characters (C0, DEL and C1, a NUL included), no '/'
 * (aliases end up in file names), no space at either end (invisible, and
 * LDAP would trim it).  Everything else, even ',' '+' '=', is allowed and escaped in
 * the DN.
 */
int
ts_alias_check(const char *alias, size_t len, char *msg, size_t msglen)
{
	const unsigned char *p = (const unsigned char *)alias;
	long chars;
	size_t i;

	if (len == 0) {
		snprintf(msg, msglen, "an alias cannot be empty");
		return -1;
	}
	if ((chars = ts_utf8_chars(p, len)) < 0) {
		snprintf(msg, msglen, "an alias must be UTF-8 text");
		return -1;
	}
	if (chars > TS_ALIAS_MAX) {
		snprintf(msg, msglen, "an alias has at most %d characters "
		    "(this one has %ld)", TS_ALIAS_MAX, chars);
		return -1;
	}
	for (i = 0; i < len; i++) {
		/* C0, DEL and C1 (U+0080..U+009F, which terminals obey too) */
		if (p[i] < 0x20 || p[i] == 0x7f ||
		    (p[i] == 0xc2 && i + 1 < len && p[i + 1] < 0xa0)) {
			snprintf(msg, msglen,
			    "an alias cannot hold control characters");
			return -1;
		}
		if (p[i] == '/') {
			snprintf(msg, msglen, "an alias cannot hold '/'");
			return -1;
		}
	}
	if (p[0] == ' ' || p[len - 1] == ' ') {
		snprintf(msg, msglen,
		    "an alias cannot begin or end with a space");
		return -1;
	}
	return 0;
}
