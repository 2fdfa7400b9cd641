/* tsindex.c - the store's lookup keys in memory */
/*
 * One record per entry, on three chained hash tables at once: by entry
 * key (to replace and remove), by fingerprint and by subject hash (to
 * find).  Tables double when they hold more records than buckets, so a
 * chain stays about one record long; a fingerprint is random already and
 * serves as its own hash.  A record is one allocation, its key inline.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tscert.h"
#include "tsexport.h"
#include "tsindex.h"

#define TS_INDEX_MIN	64	/* buckets of a new table */

struct ts_irec {
	struct ts_irec	*next_key, *next_fp, *next_sh;
	uint32_t	 keyhash;
	uint32_t	 sh;
	unsigned char	 fp[32];
	unsigned char	 uuid[TS_INDEX_UUID_LEN];
	char		 key[];
};

struct ts_index {
	struct ts_irec	**by_key, **by_fp, **by_sh;
	size_t		 nbuckets;	/* of each table, a power of two */
	size_t		 count;
};

/* FNV-1a: DNs share long suffixes, so every byte has to count. */
static uint32_t
ts_index_strhash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static uint32_t
ts_index_fphash(const unsigned char *fp)
{
	return (uint32_t)fp[0] << 24 | (uint32_t)fp[1] << 16 |
	    (uint32_t)fp[2] << 8 | fp[3];
}

/* Subject hashes are OpenSSL's (SHA-1 based): spread them anyway. */
static uint32_t
ts_index_shhash(uint32_t sh)
{
	return sh * 2654435761u;
}

/*
 * A hex digit's value, 16 for anything else.  A table: every add and
 * every search by fingerprint decodes 64 digits, and a chain of tests per
 * digit cost more than the hash look-up itself (callgrind).
 */
static const unsigned char ts_index_hexval[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
	X16, X16, X16,
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 16, 16, 16, 16, 16, 16,		/* 0x30 */
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,	/* 0x40 */
	X16,
	16, 10, 11, 12, 13, 14, 15, 16, 16, 16, 16, 16, 16, 16, 16, 16,	/* 0x60 */
	X16, X16, X16, X16, X16, X16, X16, X16, X16				/* 0x70-0xff */
#undef X16
};

/* n hex digits (n even, either case) into n / 2 bytes; -1: not all hex. */
static int
ts_index_unhex(const char *s, size_t n, unsigned char *out)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned hi, lo, bad = 0;
	size_t i;

	for (i = 0; i < n; i += 2) {
		hi = ts_index_hexval[u[i]];
		lo = ts_index_hexval[u[i + 1]];
		bad |= hi | lo;
		out[i / 2] = (unsigned char)(hi << 4 | (lo & 15));
	}
	/* a value of 16 sets bit 4, which no digit has */
	return (bad & 16) ? -1 : 0;
}

static int
ts_index_parse_sh(const char *s, size_t len, uint32_t *sh)
{
	unsigned char b[4];

	if (len != 8 || ts_index_unhex(s, 8, b) == -1)
		return -1;
	*sh = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
	    (uint32_t)b[2] << 8 | b[3];
	return 0;
}

struct ts_index *
ts_index_new(void)
{
	struct ts_index *idx;

	if ((idx = calloc(1, sizeof(*idx))) == NULL)
		return NULL;
	idx->nbuckets = TS_INDEX_MIN;
	idx->by_key = calloc(idx->nbuckets, sizeof(*idx->by_key));
	idx->by_fp = calloc(idx->nbuckets, sizeof(*idx->by_fp));
	idx->by_sh = calloc(idx->nbuckets, sizeof(*idx->by_sh));
	if (idx->by_key == NULL || idx->by_fp == NULL || idx->by_sh == NULL) {
		ts_index_free(idx);
		return NULL;
	}
	return idx;
}

void
ts_index_clear(struct ts_index *idx)
{
	struct ts_irec *r, *next;
	size_t i;

	for (i = 0; i < idx->nbuckets; i++) {
		for (r = idx->by_key[i]; r != NULL; r = next) {
			next = r->next_key;
			free(r);
		}
		idx->by_key[i] = idx->by_fp[i] = idx->by_sh[i] = NULL;
	}
	idx->count = 0;
}

void
ts_index_free(struct ts_index *idx)
{
	if (idx == NULL)
		return;
	if (idx->by_key != NULL && idx->by_fp != NULL && idx->by_sh != NULL)
		ts_index_clear(idx);
	free(idx->by_key);
	free(idx->by_fp);
	free(idx->by_sh);
	free(idx);
}

size_t
ts_index_count(const struct ts_index *idx)
{
	return idx->count;
}

static void
ts_index_link(struct ts_index *idx, struct ts_irec *r)
{
	size_t mask = idx->nbuckets - 1, b;

	b = r->keyhash & mask;
	r->next_key = idx->by_key[b];
	idx->by_key[b] = r;
	b = ts_index_fphash(r->fp) & mask;
	r->next_fp = idx->by_fp[b];
	idx->by_fp[b] = r;
	b = ts_index_shhash(r->sh) & mask;
	r->next_sh = idx->by_sh[b];
	idx->by_sh[b] = r;
}

/* Twice the buckets; on no memory the tables stay as they are (slower). */
static void
ts_index_grow(struct ts_index *idx)
{
	struct ts_irec **k, **f, **s, *r, *next, *all = NULL;
	size_t i, n = idx->nbuckets * 2;

	k = calloc(n, sizeof(*k));
	f = calloc(n, sizeof(*f));
	s = calloc(n, sizeof(*s));
	if (k == NULL || f == NULL || s == NULL) {
		free(k);
		free(f);
		free(s);
		return;
	}
	/* every record is on the key table exactly once */
	for (i = 0; i < idx->nbuckets; i++) {
		for (r = idx->by_key[i]; r != NULL; r = next) {
			next = r->next_key;
			r->next_key = all;
			all = r;
		}
	}
	free(idx->by_key);
	free(idx->by_fp);
	free(idx->by_sh);
	idx->by_key = k;
	idx->by_fp = f;
	idx->by_sh = s;
	idx->nbuckets = n;
	for (r = all; r != NULL; r = next) {
		next = r->next_key;
		ts_index_link(idx, r);
	}
}

static struct ts_irec *
ts_index_lookup(const struct ts_index *idx, const char *key, uint32_t h)
{
	struct ts_irec *r;

	for (r = idx->by_key[h & (idx->nbuckets - 1)]; r != NULL;
	    r = r->next_key)
		if (r->keyhash == h && strcmp(r->key, key) == 0)
			return r;
	return NULL;
}

/* Take r off its three chains (it is on them) and free it. */
static void
ts_index_unlink(struct ts_index *idx, struct ts_irec *r)
{
	struct ts_irec **p;
	size_t mask = idx->nbuckets - 1;

	for (p = &idx->by_key[r->keyhash & mask]; *p != r; p = &(*p)->next_key)
		;
	*p = r->next_key;
	for (p = &idx->by_fp[ts_index_fphash(r->fp) & mask]; *p != r;
	    p = &(*p)->next_fp)
		;
	*p = r->next_fp;
	for (p = &idx->by_sh[ts_index_shhash(r->sh) & mask]; *p != r;
	    p = &(*p)->next_sh)
		;
	*p = r->next_sh;
	free(r);
	idx->count--;
}

int
ts_index_remove(struct ts_index *idx, const char *key)
{
	struct ts_irec *r;

	if ((r = ts_index_lookup(idx, key, ts_index_strhash(key))) == NULL)
		return 0;
	ts_index_unlink(idx, r);
	return 1;
}

int
ts_index_put(struct ts_index *idx, const char *key,
    const unsigned char *uuid, const char *fp, const char *hash)
{
	struct ts_irec *r;
	uint32_t h = ts_index_strhash(key);
	size_t klen = strlen(key);
	int rc = -1;

	if ((r = ts_index_lookup(idx, key, h)) != NULL)
		ts_index_unlink(idx, r);
	if ((r = malloc(sizeof(*r) + klen + 1)) == NULL)
		goto done;
	if (strlen(fp) != 64 || ts_index_unhex(fp, 64, r->fp) == -1 ||
	    ts_index_parse_sh(hash, strlen(hash), &r->sh) == -1) {
		free(r);
		goto done;
	}
	r->keyhash = h;
	memcpy(r->uuid, uuid, TS_INDEX_UUID_LEN);
	memcpy(r->key, key, klen + 1);
	if (idx->count >= idx->nbuckets)
		ts_index_grow(idx);
	ts_index_link(idx, r);
	idx->count++;
	rc = 0;
 done:
	return rc;
}

int
ts_index_keys(const void *der, size_t len, char fp[65], char hash[9])
{
	unsigned long sh;

	if (ts_sha256_hex(der, len, fp) == -1 ||
	    ts_der_subject_hash(der, len, &sh) == -1)
		return -1;
	/* the name hash is 32 bits wide whatever unsigned long is */
	snprintf(hash, 9, "%08lx", sh & 0xffffffffUL);
	return 0;
}

int
ts_index_put_der(struct ts_index *idx, const char *key,
    const unsigned char *uuid, const void *der, size_t len)
{
	char fp[65], hash[9];

	if (ts_index_keys(der, len, fp, hash) == -1) {
		ts_index_remove(idx, key);
		return -1;
	}
	return ts_index_put(idx, key, uuid, fp, hash);
}

int
ts_index_rename(struct ts_index *idx, const char *key, const char *newkey)
{
	struct ts_irec *r, *n;
	size_t klen = strlen(newkey);

	if ((r = ts_index_lookup(idx, key, ts_index_strhash(key))) == NULL)
		return 0;
	/* a new spelling of the same normalized DN */
	if (strcmp(key, newkey) == 0)
		return 1;
	/* the new key inline: a record of its own, the rest copied */
	n = malloc(sizeof(*n) + klen + 1);
	ts_index_remove(idx, newkey);
	if (n != NULL) {
		memcpy(n, r, sizeof(*n));
		n->keyhash = ts_index_strhash(newkey);
		memcpy(n->key, newkey, klen + 1);
	}
	ts_index_unlink(idx, r);
	if (n == NULL)
		return -1;
	ts_index_link(idx, n);
	idx->count++;
	return 1;
}

int
ts_index_uuid(const struct ts_index *idx, const char *key,
    unsigned char *uuid)
{
	struct ts_irec *r;

	if ((r = ts_index_lookup(idx, key, ts_index_strhash(key))) == NULL)
		return -1;
	memcpy(uuid, r->uuid, TS_INDEX_UUID_LEN);
	return 0;
}

size_t
ts_index_find(const struct ts_index *idx, enum ts_index_key kind,
    const char *value, size_t len, ts_index_fn fn, void *arg)
{
	struct ts_irec *r;
	unsigned char fp[32];
	uint32_t sh;
	size_t n = 0;

	if (kind == TS_INDEX_FP) {
		if (len != 64 || ts_index_unhex(value, 64, fp) == -1)
			return 0;
		for (r = idx->by_fp[ts_index_fphash(fp) & (idx->nbuckets - 1)];
		    r != NULL; r = r->next_fp) {
			if (memcmp(r->fp, fp, sizeof(fp)) != 0)
				continue;
			n++;
			if (fn != NULL && fn(arg, r->key, r->uuid) != 0)
				break;
		}
	} else {
		if (ts_index_parse_sh(value, len, &sh) == -1)
			return 0;
		for (r = idx->by_sh[ts_index_shhash(sh) & (idx->nbuckets - 1)];
		    r != NULL; r = r->next_sh) {
			if (r->sh != sh)
				continue;
			n++;
			if (fn != NULL && fn(arg, r->key, r->uuid) != 0)
				break;
		}
	}
	return n;
}
