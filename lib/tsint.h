/* tsint.h - helpers shared by the library's own files, not part of the API */
#ifndef TSINT_H
#define TSINT_H

#include <stddef.h>

#include "tscert.h"

/* 1 if der starts with something shaped like an X.509 certificate. */
int		 ts_der_is_cert(const unsigned char *der, size_t len);

/* 1 if s[0..len) is valid UTF-8 (no overlongs, no surrogates) and has no NUL. */
int		 ts_utf8_valid(const char *s, size_t len);

/* 1 if buf is PEM text (a "-----BEGIN " line somewhere in it). */
int		 ts_is_pem(const unsigned char *buf, size_t len);

/* A short, human reason for the oldest OpenSSL error queued, then clear it. */
const char	*ts_openssl_reason(void);

#endif /* TSINT_H */
