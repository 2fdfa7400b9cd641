#!/bin/sh
# t112-live-tls-meta: the end-to-end proof of t110 with a back-meta
# database (target TLS settings) instead of back-ldap.
#
# A "back end" slapd serves ldaps with a self-signed certificate the store
# does not hold.  A trust-store node has a back-meta database whose target
# is the back end over TLS with tls_cacertdir = the export directory.
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate into the store, with no
#      restart, a search through the proxy succeeds within seconds;
#   3. after deleting it, a new connection through the proxy fails again
#      (back-meta pools its connections: the cached one is cut).
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend

LT_REBUILT_DESC="the target's TLS context was rebuilt (log)"
LT_REBUILT_LOG="back-meta target tls: TLS context rebuilt"
# back-meta had the session cached: it was cut, not left trusted
LT_CUT_DESC="the cached back-meta session was shut down"
LT_CUT_LOG="cached back-meta connection(s) to target 0 shut down"

D1="$T/export1"
live_tls back-meta 1 conf "moduleload back_ldap
moduleload back_meta" "database meta
suffix \"$BE_SUFFIX\"
uri \"ldaps://127.0.0.1:$(port 2)/$BE_SUFFIX\"
tls ldaps tls_cacertdir=$D1 tls_reqcert=demand"
