/* tlsfetch.c - collect the certificate chain a TLS server presents */
/*
 * A TCP connection, an optional LDAP StartTLS extended operation encoded
 * with lber, and an OpenSSL handshake that accepts whatever the server
 * shows: verification is the caller's business (verify builds its own
 * X509_STORE from the trust store, import --from only reports).  Every
 * wait is bounded by the target's timeout so a silent port cannot hang a
 * monitoring job.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <lber.h>
#include <ldap.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "tlsfetch.h"

void
tls_target_clear(struct tls_target *t)
{
	free(t->host);
	free(t->port);
	t->host = t->port = NULL;
}

int
tls_host_is_ip(const char *host)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, host, buf) == 1 ||
	    inet_pton(AF_INET6, host, buf) == 1;
}

int
tls_target_parse(struct tls_target *t, const char *arg, int starttls,
    char *err, size_t errlen)
{
	const char *given = arg, *host, *hend, *port = NULL;
	char *end, *uri = NULL;
	long n;
	int ok = 0, rc = -1;

	memset(t, 0, sizeof(*t));
	t->timeout = 10;
	/*
	 * An LDAP URI, as -H takes one: ldaps:// is TLS from the start (636),
	 * ldap:// a plain port where StartTLS comes first (389).  What
	 * follows the host and port (a DN, attributes) names no endpoint.
	 */
	if (strncasecmp(arg, "ldaps://", 8) == 0 ||
	    strncasecmp(arg, "ldap://", 7) == 0) {
		int tls = arg[4] == 's' || arg[4] == 'S';

		if (tls && starttls) {
			snprintf(err, errlen, "%s: an ldaps:// URI is TLS from "
			    "the start: no --starttls", arg);
			goto done;
		}
		starttls = !tls;
		arg += tls ? 8 : 7;
		if ((uri = strndup(arg, strcspn(arg, "/?"))) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		arg = uri;
	}
	t->starttls = starttls;
	if (arg[0] == '[') {
		/* [v6addr]:port, the usual way to write an IPv6 endpoint */
		host = arg + 1;
		hend = strchr(host, ']');
		if (hend != NULL && hend[1] == ':') {
			port = hend + 2;
			ok = 1;
		} else if (hend != NULL && hend[1] == '\0')
			ok = 1;
	} else {
		host = arg;
		hend = strrchr(arg, ':');
		/* a bare IPv6 address needs brackets */
		ok = hend == NULL || strchr(arg, ':') == hend;
		if (hend != NULL)
			port = hend + 1;
		else
			hend = arg + strlen(arg);
	}
	if (ok && hend == host)
		ok = 0;
	if (ok && port != NULL) {
		n = strtol(port, &end, 10);
		ok = *port != '\0' && *end == '\0' && n >= 1 && n <= 65535;
	}
	if (!ok) {
		snprintf(err, errlen, "%s: expected HOST:PORT, [ADDRESS]:PORT "
		    "or an ldap:// or ldaps:// URI", given);
		goto done;
	}
	if ((t->host = strndup(host, hend - host)) == NULL ||
	    (t->port = strdup(port ? port : starttls ? "389" : "636")) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	rc = 0;
done:
	if (rc != 0)
		tls_target_clear(t);
	free(uri);
	return rc;
}

static void
set_timeouts(int fd, int seconds)
{
	struct timeval tv = { seconds, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* Non-blocking connect so that a black-holed address fails in time. */
static int
connect_one(const struct addrinfo *ai, int timeout, int *fdp)
{
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, flags, soerr = 0, rc = -1;

	if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol)) == -1)
		return -1;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			goto done;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, timeout * 1000) != 1) {
			errno = ETIMEDOUT;
			goto done;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1)
			goto done;
		if (soerr != 0) {
			errno = soerr;
			goto done;
		}
	}
	fcntl(fd, F_SETFL, flags);
	set_timeouts(fd, timeout);
	*fdp = fd;
	fd = -1;
	rc = 0;
done:
	if (fd != -1) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return rc;
}

static int
tcp_connect(const struct tls_target *t, int *fdp, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int gai, saved = 0, rc = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(t->host, t->port, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", t->host, gai_strerror(gai));
		goto done;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(ai, t->timeout, fdp) == 0) {
			rc = 0;
			goto done;
		}
		saved = errno;
	}
	snprintf(err, errlen, "connect to %s port %s: %s", t->host, t->port,
	    strerror(saved));
done:
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

/* Milliseconds until end (CLOCK_MONOTONIC), 0 once it has passed. */
static int
ms_left(const struct timespec *end)
{
	struct timespec now;
	long left;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
	return left > 0 ? (int)left : 0;
}

/*
 * len bytes by the deadline end, or -1 (errno EAGAIN when the time ran
 * out): each read's own timeout would let a server that sends a byte now
 * and then hold us for hours.
 */
static int
read_full(int fd, unsigned char *buf, size_t len, const struct timespec *end)
{
	struct pollfd pfd;
	ssize_t n;
	int r;

	while (len > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((r = ms_left(end)) == 0 || (r = poll(&pfd, 1, r)) == 0) {
			errno = EAGAIN;
			return -1;
		}
		if (r == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		n = read(fd, buf, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * Read one BER element (an LDAPMessage) without reading past it: the TLS
 * handshake starts on the very next byte, so no buffering layer may
 * swallow it.
 */
static int
read_ber_message(int fd, unsigned char *buf, size_t cap, size_t *len,
    const struct timespec *end)
{
	size_t n = 2, body = 0, i, nlen;

	if (read_full(fd, buf, 2, end) == -1)
		return -1;
	if (buf[0] != 0x30) {
		errno = EPROTO;
		return -1;
	}
	if (buf[1] & 0x80) {
		nlen = buf[1] & 0x7f;
		if (nlen == 0 || nlen > 4) {
			errno = EPROTO;
			return -1;
		}
		if (read_full(fd, buf + 2, nlen, end) == -1)
			return -1;
		for (i = 0; i < nlen; i++)
			body = body << 8 | buf[2 + i];
		n += nlen;
	} else
		body = buf[1];
	if (body > cap - n) {
		errno = EMSGSIZE;
		return -1;
	}
	if (read_full(fd, buf + n, body, end) == -1)
		return -1;
	*len = n + body;
	return 0;
}

/* RFC 4511 4.14: the StartTLS extended operation on a plain LDAP port. */
static int
ldap_starttls(int fd, const struct tls_target *t, char *err, size_t errlen)
{
	BerElement *ber = NULL;
	struct berval *req = NULL, resp, matched, text;
	unsigned char buf[8192];
	size_t len;
	ber_int_t msgid, code = -1;
	ber_tag_t tag;
	struct timespec end;
	int rc = -1;

	/* the whole exchange within the timeout, as the handshake */
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += t->timeout;
	if ((ber = ber_alloc_t(LBER_USE_DER)) == NULL ||
	    ber_printf(ber, "{it{ts}}", 1, LDAP_REQ_EXTENDED,
	    LDAP_TAG_EXOP_REQ_OID, LDAP_EXOP_START_TLS) == -1 ||
	    ber_flatten(ber, &req) == -1) {
		snprintf(err, errlen, "cannot encode the StartTLS request");
		goto done;
	}
	ber_free(ber, 1);
	ber = NULL;
	if (send(fd, req->bv_val, req->bv_len, MSG_NOSIGNAL) !=
	    (ssize_t)req->bv_len) {
		snprintf(err, errlen, "%s port %s: sending StartTLS: %s",
		    t->host, t->port, strerror(errno));
		goto done;
	}
	if (read_ber_message(fd, buf, sizeof(buf), &len, &end) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			snprintf(err, errlen, "%s port %s: StartTLS: no answer "
			    "within %d s", t->host, t->port, t->timeout);
			goto done;
		}
		snprintf(err, errlen, "%s port %s: no LDAP answer to StartTLS "
		    "(%s); a TLS port? then drop --starttls", t->host,
		    t->port, strerror(errno));
		goto done;
	}
	resp.bv_val = (char *)buf;
	resp.bv_len = len;
	if ((ber = ber_init(&resp)) == NULL ||
	    ber_scanf(ber, "{i", &msgid) == LBER_ERROR ||
	    (tag = ber_peek_tag(ber, &len)) != LDAP_RES_EXTENDED ||
	    ber_scanf(ber, "{emm", &code, &matched, &text) == LBER_ERROR) {
		snprintf(err, errlen, "%s port %s: unexpected answer to "
		    "StartTLS", t->host, t->port);
		goto done;
	}
	if (code != LDAP_SUCCESS) {
		snprintf(err, errlen, "%s port %s: StartTLS refused: %s (%d)%s%.*s",
		    t->host, t->port, ldap_err2string(code), (int)code,
		    text.bv_len ? ": " : "", (int)text.bv_len, text.bv_val);
		goto done;
	}
	rc = 0;
done:
	if (ber != NULL)
		ber_free(ber, 1);
	if (req != NULL)
		ber_bvfree(req);
	return rc;
}

/* OpenSSL's reason for the last failure, or the system's. */
static const char *
ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();

	if (e == 0)
		return errno ? strerror(errno) : "connection closed by peer";
	ERR_error_string_n(e, buf, len);
	/* "error:0A00010B:SSL routines::wrong version number" -> the tail */
	return ERR_reason_error_string(e) ? ERR_reason_error_string(e) : buf;
}

/*
 * SSL_connect() within `seconds' in all: the socket's timeouts bound each
 * read, and a server that sends a byte a second would keep a blocking
 * handshake going for ever.  1 done, else failed (errno ETIMEDOUT when
 * the time ran out).
 */
static int
handshake(SSL *ssl, int fd, int seconds)
{
	struct timespec end;
	struct pollfd pfd;
	int flags, r, e, left;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += seconds;
	flags = fcntl(fd, F_GETFL);
	fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	while ((r = SSL_connect(ssl)) != 1) {
		e = SSL_get_error(ssl, r);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
			break;
		left = ms_left(&end);
		pfd.fd = fd;
		pfd.events = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
		if (left == 0 || poll(&pfd, 1, left) == 0) {
			errno = ETIMEDOUT;
			r = 0;
			break;
		}
	}
	fcntl(fd, F_SETFL, flags);
	return r;
}

int
tls_fetch_chain(const struct tls_target *t, STACK_OF(X509) **chain,
    char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	STACK_OF(X509) *peer, *out = NULL;
	char why[256];
	int fd = -1, i, reason, rc = -1;

	*chain = NULL;
	/* A server that hangs up mid-handshake must give a message, not a
	 * silent death by SIGPIPE inside OpenSSL's write. */
	signal(SIGPIPE, SIG_IGN);
	if (tcp_connect(t, &fd, err, errlen) == -1)
		goto done;
	if (t->starttls && ldap_starttls(fd, t, err, errlen) == -1)
		goto done;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL) {
		snprintf(err, errlen, "cannot set up TLS: %s",
		    ssl_reason(why, sizeof(why)));
		goto done;
	}
	/* Report, never judge: the chain is shown to the administrator. */
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	/*
	 * A server with several certificates picks one by this name: the
	 * name a client would check is the one it connects with, even to an
	 * address.
	 */
	if (t->sni != NULL && !tls_host_is_ip(t->sni))
		SSL_set_tlsext_host_name(ssl, t->sni);
	else if (t->sni == NULL && !tls_host_is_ip(t->host))
		SSL_set_tlsext_host_name(ssl, t->host);
	SSL_set_fd(ssl, fd);
	errno = 0;
	if (handshake(ssl, fd, t->timeout) != 1) {
		if (ERR_peek_last_error() == 0 &&
		    (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ETIMEDOUT)) {
			snprintf(err, errlen, "%s port %s: TLS handshake: no "
			    "answer within %d s", t->host, t->port, t->timeout);
			goto done;
		}
		peer = SSL_get_peer_cert_chain(ssl);
		if (peer == NULL || sk_X509_num(peer) == 0) {
			reason = ERR_GET_REASON(ERR_peek_last_error());
			/*
			 * Only a peer that sent nothing TLS understands may
			 * be a plain port: an alert, or a chain too large,
			 * comes from a TLS server, which the hint would
			 * send looking for the wrong cause.
			 */
			if (reason >= SSL_AD_REASON_OFFSET)
				snprintf(err, errlen, "%s port %s: TLS "
				    "handshake failed: the server ended it "
				    "with an alert: %s", t->host, t->port,
				    ssl_reason(why, sizeof(why)));
			else if (reason == SSL_R_EXCESSIVE_MESSAGE_SIZE)
				snprintf(err, errlen, "%s port %s: TLS "
				    "handshake failed: %s (the server's "
				    "certificates take more than the %ld "
				    "bytes a TLS client accepts)", t->host,
				    t->port, ssl_reason(why, sizeof(why)),
				    SSL_get_max_cert_list(ssl));
			else
				snprintf(err, errlen, "%s port %s: TLS "
				    "handshake failed: %s%s", t->host, t->port,
				    ssl_reason(why, sizeof(why)),
				    t->starttls || SSL_get_state(ssl) !=
				    TLS_ST_CW_CLNT_HELLO ? "" : " (not a TLS "
				    "port? use --starttls ldap for a plain "
				    "LDAP port)");
			goto done;
		}
		/*
		 * A server that wants a client certificate (TLS 1.2) ends
		 * the handshake after it sent its own chain: that chain is
		 * still what the administrator asked about.
		 */
		fprintf(stderr, "ldaptrust: note: %s port %s: the TLS handshake "
		    "failed after the server sent its certificates (%s)\n",
		    t->host, t->port, ssl_reason(why, sizeof(why)));
	}
	if ((peer = SSL_get_peer_cert_chain(ssl)) == NULL ||
	    sk_X509_num(peer) == 0) {
		snprintf(err, errlen, "%s port %s: the server presented no "
		    "certificate", t->host, t->port);
		goto done;
	}
	/* The handshake is all we need: close without a TLS goodbye. */
	if ((out = sk_X509_new_null()) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	for (i = 0; i < sk_X509_num(peer); i++) {
		X509 *x = sk_X509_value(peer, i);

		if (!sk_X509_push(out, x)) {
			snprintf(err, errlen, "out of memory");
			goto done;
		}
		X509_up_ref(x);
	}
	*chain = out;
	out = NULL;
	rc = 0;
done:
	if (out != NULL)
		sk_X509_pop_free(out, X509_free);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd != -1)
		close(fd);
	return rc;
}
