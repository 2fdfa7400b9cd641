/* mkldif.c - LDIF of certificate entries with the overlay's decorations */
/*
 * slapadd loads a large store in seconds where LDAP adds take minutes,
 * but slapadd runs no overlay, so the decorations an add would have
 * produced are computed here with the same library the overlay uses and
 * written into the LDIF.  The result is the store an LDAP import would
 * have built, which is what the lookup, latency and memory benchmarks
 * need.
 *
 *   mkldif DERLIST BASE PREFIX START COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "tscert.h"
#include "derlist.h"

/* RFC 2849 SAFE-STRING: otherwise the value goes base64. */
static int
ldif_safe(const char *v, size_t len)
{
	size_t i;

	if (len == 0)
		return 1;
	if (v[0] == ' ' || v[0] == ':' || v[0] == '<' || v[len - 1] == ' ')
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] >= 0x80 || v[i] == '\0' ||
		    v[i] == '\n' || v[i] == '\r')
			return 0;
	return 1;
}

static void
put_b64(const char *name, const void *v, size_t len)
{
	unsigned char *b64;

	if ((b64 = malloc(len / 3 * 4 + 8)) == NULL) {
		perror("mkldif");
		exit(1);
	}
	EVP_EncodeBlock(b64, v, (int)len);
	printf("%s:: %s\n", name, b64);
	free(b64);
}

int
main(int argc, char **argv)
{
	const struct ts_fact *facts;
	struct ts_cert *cert;
	struct derlist dl;
	size_t nfacts, k;
	long start, count, i;
	int bad = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: mkldif DERLIST BASE PREFIX START COUNT\n");
		return 2;
	}
	start = atol(argv[4]);
	count = atol(argv[5]);
	if (derlist_open(&dl, argv[1]) == -1 || (cert = ts_cert_new()) == NULL) {
		fprintf(stderr, "mkldif: cannot read %s\n", argv[1]);
		return 1;
	}
	if (start + count > (long)dl.n)
		count = (long)dl.n - start;
	for (i = start; i < start + count; i++) {
		if (ts_cert_parse(cert, dl.item[i].der, dl.item[i].len) == -1 ||
		    ts_cert_facts(cert, &facts, &nfacts) == -1) {
			fprintf(stderr, "mkldif: certificate %ld: %s\n", i,
			    ts_cert_error(cert));
			bad++;
			continue;
		}
		printf("dn: cn=%s%ld,%s\nobjectClass: tsCertificate\ncn: %s%ld\n",
		    argv[3], i, argv[2], argv[3], i);
		put_b64("userCertificate;binary", dl.item[i].der, dl.item[i].len);
		for (k = 0; k < nfacts; k++) {
			/* what an add through the overlay stores, no more */
			if (!ts_fact_stored(facts[k].name))
				continue;
			if (ldif_safe(facts[k].value, facts[k].len))
				printf("%s: %s\n", facts[k].name, facts[k].value);
			else
				put_b64(facts[k].name, facts[k].value, facts[k].len);
		}
		printf("\n");
	}
	ts_cert_free(cert);
	derlist_close(&dl);
	return bad || fflush(stdout) != 0;
}
