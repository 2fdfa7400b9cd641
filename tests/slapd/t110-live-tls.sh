#!/bin/sh
# t110-live-tls: the end-to-end proof, with real processes only.
#
# A "back end" slapd serves ldaps with a self-signed certificate the store
# does not hold.  A trust-store node has a back-ldap database proxying to
# it over TLS with tls_cacertdir = the export directory.
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate into the store, with no
#      restart, a search through the proxy succeeds within seconds;
#   3. after deleting it, a new connection through the proxy fails again.
# Done with the node configured by slapd.conf and by cn=config.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend

# back-ldap had the session cached: it was cut, not left trusted
LT_CUT_DESC="the cached back-ldap session was shut down"
LT_CUT_LOG="cached back-ldap connection(s) shut down"

# --- slapd.conf -----------------------------------------------------------
D1="$T/export1"
live_tls slapd.conf 1 conf "moduleload back_ldap" "database ldap
suffix \"$BE_SUFFIX\"
uri \"ldaps://127.0.0.1:$(port 2)/\"
tls ldaps tls_cacertdir=$D1 tls_reqcert=demand"
node_stop 1

# --- cn=config --------------------------------------------------------------
D3="$T/export3"
live_tls cn=config 3 cn "dn: cn=module{1},cn=config
objectClass: olcModuleList
cn: module{1}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_ldap

dn: olcDatabase={2}ldap,cn=config
objectClass: olcDatabaseConfig
objectClass: olcLDAPConfig
olcDatabase: {2}ldap
olcSuffix: $BE_SUFFIX
olcDbURI: ldaps://127.0.0.1:$(port 2)/
olcDbStartTLS: ldaps tls_cacertdir=$D3 tls_reqcert=demand"
