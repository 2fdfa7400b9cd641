/* loadgen.c - LDAP load generator: many connections, many operations in flight */
/*
 * The benchmarks must measure slapd, not the client, so the client does
 * as little as possible per operation: everything is read into memory
 * before the clock starts, each connection is a thread with its own LDAP
 * handle, and each keeps a window of asynchronous requests in flight.
 * Operations are handed out from one shared counter, so a slow connection
 * never holds back the others.
 *
 *   loadgen -H URI [-D DN -w PW] -m MODE -f FILE [options]
 *   -m add      FILE is a DER list; adds cn=PREFIXi,BASE for i in
 *               START..START+COUNT-1 with userCertificate;binary
 *   -m delete   deletes cn=PREFIXi,BASE (FILE not needed)
 *   -m search   FILE has lines "scope<TAB>base<TAB>filter"; COUNT searches
 *               cycling through the lines, each must return >= 1 entry
 *   -c N        connections (1)        -a W  operations in flight each (1)
 *   -b BASE     (ou=certs,o=ts)        -p PREFIX  alias prefix (c)
 *   -s START    first index (0)        -l COUNT   number of operations
 *   -o OC       object class, repeatable (tsCertificate)
 *   -A ATTR     attribute to return on search, repeatable (1.1)
 *
 * Prints one line: mode, connections, window, ops, errors, seconds,
 * ops_per_s, latency percentiles in microseconds and the CPU the load
 * generator itself used (cpu_us, user and system: on a machine it shares
 * with slapd, the CPU an operation costs the whole machine is slapd's
 * plus this).  Exit status 1 if
 * any operation failed (the first failure is shown on stderr).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <ldap.h>

#include "derlist.h"

#define MAX_WINDOW	256
#define MAX_ATTRS	16
#define MAX_OCS		8

enum mode { MODE_ADD, MODE_DELETE, MODE_SEARCH };

struct query {
	int	 scope;
	char	*base;
	char	*filter;
};

static struct {
	const char	*uri, *binddn, *passwd, *base, *prefix;
	enum mode	 mode;
	int		 conns, window;
	long		 start, count;
	char		*ocs[MAX_OCS + 1];
	int		 nocs;
	char		*attrs[MAX_ATTRS + 1];
	int		 nattrs;
	struct derlist	 ders;
	struct query	*queries;
	long		 nqueries;
} cfg;

static long		 next_op;	/* shared work counter */
static long		 done_ops, failed_ops, empty_results;
static double		*latency;	/* microseconds, by operation index */
static pthread_barrier_t start_line;
static pthread_mutex_t	 report_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 reported;

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void
report_failure(const char *what, int rc, const char *text)
{
	pthread_mutex_lock(&report_lock);
	if (!reported++)
		fprintf(stderr, "loadgen: %s: %s (%d)%s%s\n", what,
		    ldap_err2string(rc), rc, text && *text ? ": " : "",
		    text ? text : "");
	pthread_mutex_unlock(&report_lock);
}

/* Send operation number idx; returns the message id or -1. */
static int
send_op(LDAP *ld, long idx)
{
	char dn[512], cn[128];
	int msgid = -1, rc = LDAP_OTHER;
	long i = cfg.start + idx;

	snprintf(cn, sizeof(cn), "%s%ld", cfg.prefix, i);
	snprintf(dn, sizeof(dn), "cn=%s,%s", cn, cfg.base);
	switch (cfg.mode) {
	case MODE_ADD: {
		struct berval cert, *certs[2];
		char *cns[2] = { cn, NULL };
		LDAPMod oc = { LDAP_MOD_ADD, "objectClass", { .modv_strvals = cfg.ocs } };
		LDAPMod cnm = { LDAP_MOD_ADD, "cn", { .modv_strvals = cns } };
		LDAPMod crt = { LDAP_MOD_ADD | LDAP_MOD_BVALUES,
		    "userCertificate;binary", { .modv_bvals = certs } };
		LDAPMod *mods[4] = { &oc, &cnm, &crt, NULL };

		cert.bv_val = (char *)cfg.ders.item[i].der;
		cert.bv_len = cfg.ders.item[i].len;
		certs[0] = &cert;
		certs[1] = NULL;
		rc = ldap_add_ext(ld, dn, mods, NULL, NULL, &msgid);
		break;
	}
	case MODE_DELETE:
		rc = ldap_delete_ext(ld, dn, NULL, NULL, &msgid);
		break;
	case MODE_SEARCH: {
		struct query *q = &cfg.queries[i % cfg.nqueries];

		rc = ldap_search_ext(ld, q->base, q->scope, q->filter,
		    cfg.attrs, 0, NULL, NULL, NULL, 0, &msgid);
		break;
	}
	}
	if (rc != LDAP_SUCCESS) {
		report_failure("sending", rc, NULL);
		return -1;
	}
	return msgid;
}

static void *
connection(void *arg)
{
	struct { int msgid; long idx; double t0; int entries; } slot[MAX_WINDOW];
	struct berval cred;
	LDAPMessage *msg;
	LDAP *ld = NULL;
	int version = LDAP_VERSION3, rc, inflight = 0, k, type, msgid, err;
	char *text;
	long idx;
	int ok = 0;

	(void)arg;
	if ((rc = ldap_initialize(&ld, cfg.uri)) != LDAP_SUCCESS) {
		report_failure("ldap_initialize", rc, NULL);
		goto ready;
	}
	ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
	if (cfg.binddn != NULL) {
		cred.bv_val = (char *)cfg.passwd;
		cred.bv_len = strlen(cfg.passwd);
		rc = ldap_sasl_bind_s(ld, cfg.binddn, LDAP_SASL_SIMPLE, &cred,
		    NULL, NULL, NULL);
		if (rc != LDAP_SUCCESS) {
			report_failure("bind", rc, NULL);
			goto ready;
		}
	}
	ok = 1;
ready:
	/* Every connection is up before the clock starts. */
	pthread_barrier_wait(&start_line);
	if (!ok)
		goto done;
	for (k = 0; k < cfg.window; k++)
		slot[k].msgid = -1;
	for (;;) {
		while (inflight < cfg.window) {
			idx = __atomic_fetch_add(&next_op, 1, __ATOMIC_RELAXED);
			if (idx >= cfg.count)
				break;
			for (k = 0; slot[k].msgid != -1; k++)
				;
			slot[k].idx = idx;
			slot[k].entries = 0;
			slot[k].t0 = now_us();
			if ((slot[k].msgid = send_op(ld, idx)) == -1) {
				__atomic_fetch_add(&failed_ops, 1, __ATOMIC_RELAXED);
				goto done;
			}
			inflight++;
		}
		if (inflight == 0)
			break;
		rc = ldap_result(ld, LDAP_RES_ANY, LDAP_MSG_ONE, NULL, &msg);
		if (rc <= 0) {
			ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &err);
			report_failure("ldap_result", err, NULL);
			__atomic_fetch_add(&failed_ops, inflight, __ATOMIC_RELAXED);
			goto done;
		}
		type = ldap_msgtype(msg);
		msgid = ldap_msgid(msg);
		for (k = 0; k < cfg.window && slot[k].msgid != msgid; k++)
			;
		if (k == cfg.window) {
			ldap_msgfree(msg);
			continue;
		}
		if (type == LDAP_RES_SEARCH_ENTRY || type == LDAP_RES_SEARCH_REFERENCE) {
			slot[k].entries++;
			ldap_msgfree(msg);
			continue;
		}
		latency[slot[k].idx] = now_us() - slot[k].t0;
		text = NULL;
		rc = ldap_parse_result(ld, msg, &err, NULL, &text, NULL, NULL, 1);
		if (rc != LDAP_SUCCESS || err != LDAP_SUCCESS) {
			report_failure(cfg.mode == MODE_ADD ? "add" :
			    cfg.mode == MODE_DELETE ? "delete" : "search",
			    rc != LDAP_SUCCESS ? rc : err, text);
			__atomic_fetch_add(&failed_ops, 1, __ATOMIC_RELAXED);
		} else if (cfg.mode == MODE_SEARCH && slot[k].entries == 0)
			__atomic_fetch_add(&empty_results, 1, __ATOMIC_RELAXED);
		ldap_memfree(text);
		__atomic_fetch_add(&done_ops, 1, __ATOMIC_RELAXED);
		slot[k].msgid = -1;
		inflight--;
	}
done:
	if (ld != NULL)
		ldap_unbind_ext_s(ld, NULL, NULL);
	return NULL;
}

static int
read_queries(const char *path)
{
	char line[4096], *scope, *base, *filter, *nl;
	long cap = 0;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		scope = line;
		if ((base = strchr(scope, '\t')) == NULL)
			continue;
		*base++ = '\0';
		if ((filter = strchr(base, '\t')) == NULL)
			continue;
		*filter++ = '\0';
		if (cfg.nqueries == cap) {
			struct query *nq;

			cap = cap ? cap * 2 : 1024;
			if ((nq = realloc(cfg.queries, cap * sizeof(*nq))) == NULL)
				return -1;
			cfg.queries = nq;
		}
		cfg.queries[cfg.nqueries].scope =
		    strcmp(scope, "base") == 0 ? LDAP_SCOPE_BASE :
		    strcmp(scope, "one") == 0 ? LDAP_SCOPE_ONELEVEL :
		    LDAP_SCOPE_SUBTREE;
		if ((cfg.queries[cfg.nqueries].base = strdup(base)) == NULL ||
		    (cfg.queries[cfg.nqueries].filter = strdup(filter)) == NULL)
			return -1;
		cfg.nqueries++;
	}
	fclose(f);
	return cfg.nqueries > 0 ? 0 : -1;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
percentile(const double *v, long n, double p)
{
	long i;

	if (n == 0)
		return 0;
	i = (long)(p / 100.0 * (n - 1) + 0.5);
	return v[i];
}

static void
usage(void)
{
	fprintf(stderr, "usage: loadgen -H URI [-D DN -w PW] -m add|delete|search"
	    " [-f FILE] [-c CONNS] [-a WINDOW] [-b BASE] [-p PREFIX]\n"
	    "               [-s START] [-l COUNT] [-o OC]... [-A ATTR]...\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *file = NULL, *mode = NULL;
	pthread_t *tid;
	struct rusage r0, ru;
	double t0, t1, secs;
	long i, n;
	int c;

	cfg.base = "ou=certs,o=ts";
	cfg.prefix = "c";
	cfg.conns = 1;
	cfg.window = 1;
	cfg.count = -1;
	while ((c = getopt(argc, argv, "H:D:w:m:f:c:a:b:p:s:l:o:A:")) != -1) {
		switch (c) {
		case 'H': cfg.uri = optarg; break;
		case 'D': cfg.binddn = optarg; break;
		case 'w': cfg.passwd = optarg; break;
		case 'm': mode = optarg; break;
		case 'f': file = optarg; break;
		case 'c': cfg.conns = atoi(optarg); break;
		case 'a': cfg.window = atoi(optarg); break;
		case 'b': cfg.base = optarg; break;
		case 'p': cfg.prefix = optarg; break;
		case 's': cfg.start = atol(optarg); break;
		case 'l': cfg.count = atol(optarg); break;
		case 'o':
			if (cfg.nocs < MAX_OCS)
				cfg.ocs[cfg.nocs++] = optarg;
			break;
		case 'A':
			if (cfg.nattrs < MAX_ATTRS)
				cfg.attrs[cfg.nattrs++] = optarg;
			break;
		default: usage();
		}
	}
	if (cfg.uri == NULL || mode == NULL || cfg.conns < 1 || cfg.window < 1 ||
	    cfg.window > MAX_WINDOW || (cfg.binddn != NULL && cfg.passwd == NULL))
		usage();
	if (cfg.nocs == 0)
		cfg.ocs[cfg.nocs++] = "tsCertificate";
	if (cfg.nattrs == 0)
		cfg.attrs[cfg.nattrs++] = LDAP_NO_ATTRS;
	if (strcmp(mode, "add") == 0) {
		cfg.mode = MODE_ADD;
		if (file == NULL || derlist_open(&cfg.ders, file) == -1) {
			fprintf(stderr, "loadgen: cannot read DER list %s\n", file ? file : "(none)");
			return 2;
		}
		n = (long)cfg.ders.n - cfg.start;
		if (cfg.count < 0 || cfg.count > n)
			cfg.count = n < 0 ? 0 : n;
	} else if (strcmp(mode, "delete") == 0) {
		cfg.mode = MODE_DELETE;
		if (cfg.count < 0)
			usage();
	} else if (strcmp(mode, "search") == 0) {
		cfg.mode = MODE_SEARCH;
		if (file == NULL || read_queries(file) == -1) {
			fprintf(stderr, "loadgen: cannot read queries %s\n", file ? file : "(none)");
			return 2;
		}
		if (cfg.count < 0)
			cfg.count = cfg.nqueries;
	} else
		usage();

	if ((latency = calloc(cfg.count ? cfg.count : 1, sizeof(*latency))) == NULL ||
	    (tid = calloc(cfg.conns, sizeof(*tid))) == NULL) {
		perror("loadgen");
		return 2;
	}
	pthread_barrier_init(&start_line, NULL, cfg.conns + 1);
	for (i = 0; i < cfg.conns; i++)
		if ((errno = pthread_create(&tid[i], NULL, connection, NULL)) != 0) {
			perror("loadgen: pthread_create");
			return 2;
		}
	pthread_barrier_wait(&start_line);
	t0 = now_us();
	/* the CPU of the run only, not of reading the values and binding */
	if (getrusage(RUSAGE_SELF, &r0) == -1)
		memset(&r0, 0, sizeof(r0));
	for (i = 0; i < cfg.conns; i++)
		pthread_join(tid[i], NULL);
	t1 = now_us();
	if (getrusage(RUSAGE_SELF, &ru) == -1)
		memset(&ru, 0, sizeof(ru));
	secs = (t1 - t0) / 1e6;

	n = done_ops;
	qsort(latency, cfg.count, sizeof(*latency), cmp_double);
	/* Operations never sent left zeros at the front: skip them. */
	i = cfg.count - n;
	if (i < 0)
		i = 0;
	printf("mode=%s conns=%d window=%d ops=%ld errors=%ld empty=%ld secs=%.3f"
	    " ops_per_s=%.1f p50_us=%.0f p90_us=%.0f p99_us=%.0f max_us=%.0f"
	    " cpu_us=%.0f\n",
	    mode, cfg.conns, cfg.window, n, failed_ops, empty_results, secs,
	    secs > 0 ? n / secs : 0.0,
	    percentile(latency + i, cfg.count - i, 50),
	    percentile(latency + i, cfg.count - i, 90),
	    percentile(latency + i, cfg.count - i, 99),
	    percentile(latency + i, cfg.count - i, 100),
	    (ru.ru_utime.tv_sec - r0.ru_utime.tv_sec +
	    ru.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e6 +
	    ru.ru_utime.tv_usec - r0.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec - r0.ru_stime.tv_usec);
	return failed_ops || empty_results || n < cfg.count ? 1 : 0;
}
