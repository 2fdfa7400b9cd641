#!/bin/sh
# t336-client-options.sh - ldaptrust takes -o as OpenLDAP 2.5's ldap tools
# do: any ldap.conf option (tls_cacert, tls_reqcert, sasl_mech, ...) for
# this run, over what ldap.conf and the LDAP* variables say;
# nettimeout=SECONDS, none or max; ldif_wrap (checked, then of no use: no
# LDIF is written); an unknown name refused as the tools refuse it.  And
# -N (no reverse DNS for the SASL host name), which the tools take too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsserver.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }

node_conf 1
node_start 1
add_base 1

C=$T/certs
mkcert srv -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
mkcert pem1
# a TLS server whose certificate no CA of the machine vouches for
tls_server 2 "$C/srv.pem" "$C/srv.key" "ldaps://127.0.0.1:$(port 2)"
TLSURI="ldaps://127.0.0.1:$(port 2)"
# nothing in the environment may decide for the command line
unset LDAPTLS_REQCERT LDAPTLS_CACERT LDAPTLS_CACERTDIR LDAPSASL_MECH LDAPNOINIT

lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
lt import pem1 "$C/pem1.pem" >/dev/null || die "import"

# --- TLS settings of ldap.conf, given with -o ------------------------------------
# the server's root DSE holds no store: 32 is an answer, 255 no connection
ldapsearch -x -H "$TLSURI" -b "" -s base 1.1 >/dev/null 2>&1
check "ldapsearch: the server's certificate is not trusted" test $? = 255
ldapsearch -o tls_cacert="$C/srv.pem" -x -H "$TLSURI" -b "" -s base 1.1 >/dev/null 2>&1
check "ldapsearch -o tls_cacert=FILE trusts it" test $? = 0
expect_ldap 255 "Can't contact LDAP server (-1)" \
    "$LDAPTRUST" -x -H "$TLSURI" -b "o=nothing" list
expect_ldap 32 "No such object (32)" \
    "$LDAPTRUST" -o tls_cacert="$C/srv.pem" -x -H "$TLSURI" -b "o=nothing" list
expect_ldap 32 "No such object (32)" \
    "$LDAPTRUST" -x -H "$TLSURI" -b "o=nothing" list -o TLS_REQCERT=never
expect_ldap 32 "No such object (32)" \
    "$LDAPTRUST" -o tls-reqcert=allow -x -H "$TLSURI" -b "o=nothing" list

# --- a SASL setting: sasl_mech, so no -Y ----------------------------------------
out=$("$LDAPTRUST" -Q -o sasl_mech=EXTERNAL -H "$(ldapi 1)" -b "$BASE" list 2>&1 </dev/null)
check "-o sasl_mech=EXTERNAL binds over ldapi:// (${out%%	*})" \
    test "$(printf '%s\n' "$out" | cut -f1)" = pem1

# --- the tools' own: nettimeout, ldif_wrap --------------------------------------
for v in 5 none max NONE; do
	out=$(lt -o nettimeout=$v list 2>&1)
	check "-o nettimeout=$v" test "$(printf '%s\n' "$out" | cut -f1)" = pem1
done
expect_ldap 255 "Can't contact LDAP server (-1)" "$LDAPTRUST" -x -o nettimeout=2 \
    -H "ldap://127.0.0.1:$(port 9)/" -b "$BASE" list
for v in ldif-wrap=no ldif_wrap=200 ldif_wrap; do
	out=$(lt -o $v list 2>&1)
	check "-o $v (no LDIF here: no effect)" test "$(printf '%s\n' "$out" | cut -f1)" = pem1
done

# --- refusals, as the tools refuse ----------------------------------------------
expect_ldap 1 "-o bogus=1: invalid general option name" lt -o bogus=1 list
expect_ldap 1 "-o nettimeout=soon: nettimeout=SECONDS" lt -o nettimeout=soon list
expect_ldap 1 "-o nettimeout: given twice" lt -o nettimeout=1 -o nettimeout=2 list
expect_ldap 1 "-o ldif_wrap=wide: ldif_wrap=COLUMNS" lt -o ldif_wrap=wide list
expect_ldap 1 "-o tls_reqcert: -o NAME=VALUE" lt -o tls_reqcert list
# a second value of these is refused, as the tools refuse it (it was
# taken silently: a script with a stray -D bound as someone else)
expect_ldap 1 "-D previously specified" lt -D "cn=nobody,$SUFFIX" list
expect_ldap 1 "-H previously specified" lt -H "ldap://127.0.0.1:$(port 9)/" list
expect_ldap 1 "-Y previously specified" "$LDAPTRUST" -Y EXTERNAL -Y PLAIN \
    -H "$(ldapi 1)" -b "$BASE" list
# expiring's usage errors are its UNKNOWN, 3
expect_ldap 3 "invalid general option name" lt -o bogus=1 expiring

# --- -N: no reverse lookup of the SASL host -------------------------------------
out=$("$LDAPTRUST" -N -Q -Y EXTERNAL -H "$(ldapi 1)" -b "$BASE" list 2>&1 </dev/null)
check "-N taken (${out%%	*})" test "$(printf '%s\n' "$out" | cut -f1)" = pem1
