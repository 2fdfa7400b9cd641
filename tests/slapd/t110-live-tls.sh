#!/bin/sh
# t110-live-tls: the end-to-end proof, with real processes only.
#
# A "back end" slapd serves ldaps with a self-signed certificate the store
# does not hold.  A trust-store node has a back-ldap database proxying to
# it over TLS with tls_cacertdir = the export directory.
#   1. a search through the proxy fails on certificate verification;
#   2. after ldapadd of the back end's certificate into the store, with no
#      restart, a search through the proxy succeeds within seconds;
#   3. after deleting it, a new connection through the proxy fails again,
#      and the cached session is cut.
# Done with the node configured by slapd.conf and by cn=config, and with
# the proxy trusting the PEM bundle of a store of 1,000 certificates more,
# whose bundle is written later than the directory (the cut must follow
# the bundle, not the directory).
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
node_stop 3

# --- the bundle of a large store ---------------------------------------------
. "$(dirname "$0")/hostile/lib7.sh"
preload() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
	    -outform DER -out "$T/bulk.key" 2>/dev/null &&
		$MKDER bulk "$T/bulk.key" "$T/bulk" bulk 1000 >/dev/null ||
		die "1,000 certificates"
	{
		printf 'dn: %s\nobjectClass: organization\no: ts\n\n' "$SUFFIX"
		printf 'dn: %s\nobjectClass: organizationalUnit\nou: certs\n\n' "$BASE"
		i=0
		while [ $i -lt 1000 ]; do
			printf 'dn: cn=bulk%d,%s\nobjectClass: tsCertificate\ncn: bulk%d\nuserCertificate;binary:< file://%s\n\n' \
			    $i "$BASE" $i "$T/bulk/bulk-$i.der"
			i=$((i + 1))
		done
	} > "$T/bulk.ldif"
	slapadd -q -f "$T/n$1/slapd.conf" -l "$T/bulk.ldif" >/dev/null 2>&1 ||
		die "slapadd of 1,000 certificates"
}
mkdir -p "$T/bulk"
B5="$T/bundle5.pem"
LT_PRELOAD=preload live_tls "bundle of 1,000" 5 conf "moduleload back_ldap" \
"truststore-export-bundle $B5
database ldap
suffix \"$BE_SUFFIX\"
uri \"ldaps://127.0.0.1:$(port 2)/\"
tls ldaps tls_cacert=$B5 tls_reqcert=demand"
[ "$(grep -c 'BEGIN CERTIFICATE' "$B5")" -ge 1000 ] &&
	pass "bundle of 1,000: the bundle holds the store" ||
	fail "bundle of 1,000: the bundle is short"
