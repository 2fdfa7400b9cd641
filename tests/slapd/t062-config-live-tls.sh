#!/bin/sh
# t062-config-live-tls: a cn=config change that re-reads the store
# (olcTrustStoreBase, olcTrustStoreExportDir) rewrites the files at once,
# and slapd's outgoing TLS follows them at once too, as after any write:
#   1. the export moved to the directory a proxy reads makes the proxy
#      trust what the store holds;
#   2. a base narrowed away from the back end's certificate makes a new
#      connection through the proxy fail, and its cached session is cut;
#   3. the base widened over it again makes the proxy trust it again;
#   4. a re-read that changes nothing rewrites no file (the bundle was
#      rewritten at every read, which would now cut its readers'
#      connections) and rebuilds no context.
# (The files followed, the TLS contexts did not: until the next write to
# the store, the proxy kept trusting a certificate no longer exported.)
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
live_tls_backend
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
lconf() { printf 'dn: %s\nchangetype: modify\n%s\n' "$OV" "$1" | lconfig 1 >/dev/null; }
D="$T/export"
D2="$T/export2"
mkdir -p "$D2"

proxy_ldif() {
	cat <<EOF
dn: cn=module{1},cn=config
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
olcDbStartTLS: ldaps tls_cacertdir=$1 tls_reqcert=demand

EOF
}
# the proxy reads D2, empty; the store exports to D at first
proxy_ldif "$D2" > "$T/proxy.ldif"
TS_OVERLAY_CN="olcTrustStoreExportDir: $D
olcTrustStoreExportBundle: $T/bundle.pem" node_conf_cn 1 "$T/proxy.ldif"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF || die "ou=other"
dn: ou=other,$SUFFIX
objectClass: organizationalUnit
ou: other
EOF
cert_ldif backend "$T/certs/backend.der" | ladd 1 >/dev/null || die "add backend"
check "the files hold the back end's certificate" \
	until_ok 10 sh -c "[ \$(ls '$D' | wc -l) = 1 ]"
check "the proxy reads another, empty directory: not trusted" not _lt_through 1
pid=$(cat "$T/n1/pid")

# 1. the export moved to the directory the proxy reads
lconf "replace: olcTrustStoreExportDir
olcTrustStoreExportDir: $D2" || fail "move the export"
check "1. moved: the files are written" until_ok 10 sh -c "[ \$(ls '$D2' | wc -l) = 1 ]"
check "1. moved: the proxy trusts the back end within 10 s" until_ok 10 _lt_through 1

# 2. narrowed: the certificate leaves the store, the files and the proxy
lconf "add: olcTrustStoreBase
olcTrustStoreBase: ou=other,$SUFFIX" || fail "add a base"
check "2. narrowed: the file is removed" until_ok 10 sh -c "[ \$(ls '$D2' | wc -l) = 0 ]"
check "2. narrowed: a new connection through the proxy fails within 10 s" \
	until_ok 10 not _lt_through 1
check "2. and keeps failing" not _lt_through 1
check "2. the cached back-ldap session was cut" \
	grep -q "cached back-ldap connection(s) shut down" "$T/n1.log"

# 3. widened again: the certificate is back in the store, the files, the proxy
lconf "delete: olcTrustStoreBase" || fail "delete the base"
check "3. widened: the file is written" until_ok 10 sh -c "[ \$(ls '$D2' | wc -l) = 1 ]"
check "3. widened: the proxy trusts the back end within 10 s" until_ok 10 _lt_through 1
# 4. a re-read that changes nothing: no file rewritten, no context rebuilt
ino=$(stat -c %i "$T/bundle.pem")
n=$(grep -c "TLS context rebuilt" "$T/n1.log")
lconf "add: olcTrustStoreBase
olcTrustStoreBase: $SUFFIX" || fail "the suffix as the base"
sleep 1.5
check "4. the same store read again: the bundle is not rewritten" \
	test "$ino" = "$(stat -c %i "$T/bundle.pem")"
check "4. and no TLS context is rebuilt" \
	test "$n" = "$(grep -c "TLS context rebuilt" "$T/n1.log")"
check "the same slapd process" test "$pid" = "$(cat "$T/n1/pid")"
check "node still running" node_alive 1
