#!/bin/sh
# t113-live-tls-asyncmeta: the end-to-end proof of t110 with a
# back-asyncmeta database (target TLS settings) instead of back-ldap.
#
# A "back end" slapd serves ldaps with a self-signed certificate the store
# does not hold.  A trust-store node has a back-meta database whose target
# is the back end over TLS with tls_cacertdir = the export directory.
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate into the store, with no
#      restart, a search through the proxy succeeds within seconds;
#   3. after deleting it, a new connection through the proxy fails again.
#      The store does not cut back-asyncmeta's target connections (see
#      docs/export-and-live-tls.md); the database has the idle-timeout an
#      administrator is advised to set, so none outlives the wait.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend

LT_REBUILT_DESC="the target's TLS context was rebuilt (log)"
LT_REBUILT_LOG="back-asyncmeta target tls: TLS context rebuilt"
# no cut check (LT_CUT_LOG empty): idle-timeout closes the connections

D1="$T/export1"
live_tls back-asyncmeta 1 conf "moduleload back_ldap
moduleload back_asyncmeta" "database asyncmeta
suffix \"$BE_SUFFIX\"
max-timeout-ops 10
uri \"ldaps://127.0.0.1:$(port 2)/$BE_SUFFIX\"
tls ldaps tls_cacertdir=$D1 tls_reqcert=demand
idle-timeout 2"
