/* tspolicy.c - acceptance policy, validity status and GeneralizedTime */
/*
 * The rules an administrator can switch: each refusal names its reason
 * with the numbers involved, on one line, for an LDAP diagnostic.
 */
#include <stdio.h>
#include <string.h>

#include "tscert.h"

void
ts_policy_defaults(struct ts_policy *p)
{
	p->refuse_expired = 1;
	p->refuse_not_yet_valid = 0;
	p->min_rsa_bits = 2048;
	p->refuse_weak_signature = 1;
	p->require_ca = 0;
	p->max_size = 65536;
}

/* "YYYY-MM-DD HH:MM:SS UTC" for messages. */
static void
ts_human_time(int64_t t, char *out, size_t len)
{
	char g[16];

	ts_gentime_format(t, g);
	snprintf(out, len, "%.4s-%.2s-%.2s %.2s:%.2s:%.2s UTC", g, g + 4,
	    g + 6, g + 8, g + 10, g + 12);
}

static int
ts_refuse(enum ts_reason *why, enum ts_reason r)
{
	if (why != NULL)
		*why = r;
	return -1;
}

int
ts_policy_check(const struct ts_policy *p, const struct ts_cert *cert,
    int64_t now, enum ts_reason *why, char *msg, size_t msglen)
{
	char when[40], dummy[1];
	size_t derlen;
	const char *weak;

	if (msg == NULL || msglen == 0) {
		msg = dummy;
		msglen = sizeof(dummy);
	}
	msg[0] = '\0';
	if (why != NULL)
		*why = TS_OK;
	if (ts_cert_der(cert, &derlen) == NULL) {
		snprintf(msg, msglen, "no certificate was parsed");
		return ts_refuse(why, TS_ERR_SYNTAX);
	}
	if (p->max_size > 0 && derlen > p->max_size) {
		snprintf(msg, msglen, "certificate is %zu bytes, more than the "
		    "%zu allowed", derlen, p->max_size);
		return ts_refuse(why, TS_ERR_TOO_LARGE);
	}
	if (p->refuse_expired && ts_cert_not_after(cert) < now) {
		ts_human_time(ts_cert_not_after(cert), when, sizeof(when));
		snprintf(msg, msglen, "certificate expired on %s", when);
		return ts_refuse(why, TS_ERR_EXPIRED);
	}
	if (p->refuse_not_yet_valid && ts_cert_not_before(cert) > now) {
		ts_human_time(ts_cert_not_before(cert), when, sizeof(when));
		snprintf(msg, msglen, "certificate is not valid before %s",
		    when);
		return ts_refuse(why, TS_ERR_NOT_YET_VALID);
	}
	if (p->min_rsa_bits > 0 && ts_cert_key_type(cert) == TS_KEY_RSA &&
	    ts_cert_key_bits(cert) < p->min_rsa_bits) {
		snprintf(msg, msglen, "RSA key of %d bits is below the minimum "
		    "of %d", ts_cert_key_bits(cert), p->min_rsa_bits);
		return ts_refuse(why, TS_ERR_WEAK_KEY);
	}
	/* A root's self-signature is never checked by TLS libraries, so its
	 * digest does not matter. */
	if (p->refuse_weak_signature && !ts_cert_self_signed(cert) &&
	    (weak = ts_cert_weak_digest(cert)) != NULL) {
		const struct ts_fact *f;
		const char *alg = "?";
		size_t n, i;

		if (ts_cert_facts(cert, &f, &n) == 0)
			for (i = 0; i < n; i++)
				if (strcmp(f[i].name, "tsSignatureAlgorithm") == 0)
					alg = f[i].value;
		snprintf(msg, msglen, "signature uses %s (%s)",
		    strcmp(weak, "sha1") == 0 ? "SHA-1" :
		    strcmp(weak, "md5") == 0 ? "MD5" :
		    strcmp(weak, "md4") == 0 ? "MD4" : "MD2", alg);
		return ts_refuse(why, TS_ERR_WEAK_SIGNATURE);
	}
	if (p->require_ca && !ts_cert_is_ca(cert)) {
		snprintf(msg, msglen, "certificate is not a CA "
		    "(basicConstraints cA is not set)");
		return ts_refuse(why, TS_ERR_NOT_CA);
	}
	return 0;
}

enum ts_status
ts_status_at(int64_t not_before, int64_t not_after, int64_t now,
    int64_t window)
{
	if (now < not_before)
		return TS_STATUS_NOT_YET_VALID;
	if (now > not_after)
		return TS_STATUS_EXPIRED;
	if (not_after - now <= window)
		return TS_STATUS_EXPIRING;
	return TS_STATUS_VALID;
}

const char *
ts_status_name(enum ts_status status)
{
	switch (status) {
	case TS_STATUS_VALID:
		return "valid";
	case TS_STATUS_EXPIRING:
		return "expiring";
	case TS_STATUS_EXPIRED:
		return "expired";
	case TS_STATUS_NOT_YET_VALID:
		return "notYetValid";
	}
	return "valid";
}

/* Days since 1970-01-01 for a proleptic Gregorian date. */
static int64_t
ts_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
ts_digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

int
ts_gentime_parse(const char *s, size_t len, int64_t *t)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int y, mo, d, h, mi, sec, leap;

	if (len != 15 || s[14] != 'Z' ||
	    ts_digits(s, 4, &y) || ts_digits(s + 4, 2, &mo) ||
	    ts_digits(s + 6, 2, &d) || ts_digits(s + 8, 2, &h) ||
	    ts_digits(s + 10, 2, &mi) || ts_digits(s + 12, 2, &sec))
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 || sec > 59)
		return -1;
	*t = ts_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
	return 0;
}

void
ts_gentime_format(int64_t t, char out[16])
{
	int64_t days = t / 86400, secs = t % 86400, z, era, doe, yoe, y, doy,
	    mp, d, m;
	char buf[64];

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days, the inverse of ts_days_from_civil */
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999) {
		/* Not representable; certificates cannot hold such dates. */
		memcpy(out, "00000101000000Z", 16);
		return;
	}
	snprintf(buf, sizeof(buf), "%04d%02d%02d%02d%02d%02dZ", (int)y,
	    (int)m, (int)d, (int)(secs / 3600), (int)(secs / 60 % 60),
	    (int)(secs % 60));
	memcpy(out, buf, 16);
}

static const char *const ts_stored[] = {
	"tsSubject", "tsIssuer", "tsSerialNumber", "tsNotBefore",
	"tsNotAfter", "tsFingerprintSHA256", "tsSubjectHash", "tsIsCA", NULL
};

int
ts_fact_stored(const char *name)
{
	size_t i;

	for (i = 0; ts_stored[i] != NULL; i++)
		if (strcmp(name, ts_stored[i]) == 0)
			return 1;
	return 0;
}

const char *const *
ts_fact_stored_names(void)
{
	return ts_stored;
}

/* Stored by versions before the split, computed on read since. */
static const char *const ts_computed[] = {
	"tsFingerprintSHA1", "tsKeyAlgorithm", "tsKeyBits",
	"tsSignatureAlgorithm", "tsSelfSigned", "tsKeyUsage", "tsExtKeyUsage",
	"tsDNSName", "tsIPAddress", "tsEmail", "tsURI",
	"tsSubjectKeyIdentifier", "tsAuthorityKeyIdentifier", "tsVersion", NULL
};

const char *const *
ts_fact_computed_names(void)
{
	return ts_computed;
}
