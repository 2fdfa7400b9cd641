/* pagein.c - read a file into the page cache one 4 KiB page at a time */
/*
 *   pagein FILE
 *
 * Why: on kernels whose ext4 caches files in large folios, a page brought
 * in by readahead sits in a folio of up to 2 MiB, and every 4 KiB write
 * LMDB later makes into it walks all of the folio's block buffers.  With
 * readahead off for the file (POSIX_FADV_RANDOM) each read brings in its
 * own small folio, so benchmark 2 can run with `envflags nordahead` on a
 * database that is wholly in the cache, as a long-running slapd's would
 * be, without a cold fault on every page it touches first.
 */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	char buf[4096];
	off_t off = 0;
	ssize_t n;
	int fd, rc = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: pagein FILE\n");
		return 2;
	}
	if ((fd = open(argv[1], O_RDONLY)) == -1) {
		fprintf(stderr, "pagein: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	if ((errno = posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM)) != 0) {
		fprintf(stderr, "pagein: %s: fadvise: %s\n", argv[1],
		    strerror(errno));
		goto done;
	}
	while ((n = pread(fd, buf, sizeof(buf), off)) > 0)
		off += n;
	if (n == -1) {
		fprintf(stderr, "pagein: %s: %s\n", argv[1], strerror(errno));
		goto done;
	}
	rc = 0;
 done:
	close(fd);
	return rc;
}
