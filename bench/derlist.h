/* derlist.h - a file of DER certificates back to back, read into memory */
/*
 * DER is self-delimiting: each certificate is a SEQUENCE whose header
 * gives its length, so a list needs no separators.  Shared by certgen,
 * mkldif and loadgen; header-only so each stays one compile command.
 */
#ifndef BENCH_DERLIST_H
#define BENCH_DERLIST_H

#include <stdio.h>
#include <stdlib.h>

struct der_item {
	const unsigned char	*der;
	size_t			 len;
};

struct derlist {
	unsigned char		*buf;
	size_t			 size;
	struct der_item		*item;
	size_t			 n;
};

/* Length of the DER element at p (header included), 0 if malformed. */
static inline size_t
der_element_len(const unsigned char *p, size_t avail)
{
	size_t len = 0, hdr, k, nb;

	if (avail < 2 || p[0] != 0x30)
		return 0;
	if (p[1] < 0x80) {
		len = p[1];
		hdr = 2;
	} else {
		nb = p[1] & 0x7f;
		if (nb == 0 || nb > 4 || avail < 2 + nb)
			return 0;
		for (k = 0; k < nb; k++)
			len = len << 8 | p[2 + k];
		hdr = 2 + nb;
	}
	if (len > avail - hdr)
		return 0;
	return hdr + len;
}

static inline int
derlist_open(struct derlist *dl, const char *path)
{
	size_t off, len, cap = 0;
	FILE *f;
	long sz;

	dl->buf = NULL;
	dl->item = NULL;
	dl->n = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) == -1 || (sz = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (dl->buf = malloc(sz ? (size_t)sz : 1)) == NULL ||
	    fread(dl->buf, 1, (size_t)sz, f) != (size_t)sz) {
		fclose(f);
		free(dl->buf);
		return -1;
	}
	fclose(f);
	dl->size = (size_t)sz;
	for (off = 0; off < dl->size; off += len) {
		if ((len = der_element_len(dl->buf + off, dl->size - off)) == 0)
			break;
		if (dl->n == cap) {
			struct der_item *ni;

			cap = cap ? cap * 2 : 1024;
			if ((ni = realloc(dl->item, cap * sizeof(*ni))) == NULL)
				return -1;
			dl->item = ni;
		}
		dl->item[dl->n].der = dl->buf + off;
		dl->item[dl->n].len = len;
		dl->n++;
	}
	return off == dl->size ? 0 : -1;
}

static inline void
derlist_close(struct derlist *dl)
{
	free(dl->buf);
	free(dl->item);
	dl->buf = NULL;
	dl->item = NULL;
	dl->n = 0;
}

#endif /* BENCH_DERLIST_H */
