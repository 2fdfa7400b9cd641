#!/bin/sh
# t101-export-cn: the export with the node configured by cn=config, and
# olcTrustStoreExportDir / olcTrustStoreExportBundle changed on the
# running server: the new files are written at once, no restart.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
OVL="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"

TS_OVERLAY_CN="olcTrustStoreExportDir: $D" node_conf_cn 1
node_start 1
add_base 1
mkcert one
mkcert two
mkcert same1 -subj "/CN=same"
mkcert same2 -subj "/CN=same"
for c in one two same1 same2; do cert_ldif "$c" "$T/certs/$c.der"; done > "$T/add.ldif"
ladd 1 -f "$T/add.ldif" >/dev/null || fail "adds"
check "cn=config: files equal the database" wait_export 1 "$D"
our_names "$D" > "$T/ours"
rehash_names "$D" > "$T/rehash"
check "cn=config: names equal openssl rehash" cmp -s "$T/ours" "$T/rehash"
ldelete 1 "cn=same1,$BASE" || fail "delete"
check "cn=config: delete" wait_export 1 "$D"

# a new directory and a bundle, set on the running server
D2="$T/export2"
B2="$T/bundle.pem"
lconfig 1 >/dev/null <<EOF || fail "modify cn=config"
dn: $OVL
changetype: modify
replace: olcTrustStoreExportDir
olcTrustStoreExportDir: $D2
-
add: olcTrustStoreExportBundle
olcTrustStoreExportBundle: $B2
EOF
check "new directory and bundle written at once" wait_export 1 "$D2" "$B2"
check "the configuration reads back" sh -c "ldapsearch -Q -Y EXTERNAL -H '$(ldapi 1)' -b '$OVL' -s base -LLL olcTrustStoreExportDir olcTrustStoreExportBundle | grep -c '$T' | grep -qx 2"
ldelete 1 "cn=two,$BASE" || fail "delete two"
check "changes follow into the new directory" wait_export 1 "$D2" "$B2"

# the bases changed on the running server: the files follow them
mkcert outside
ladd 1 >/dev/null <<EOF || fail "add ou=other"
dn: ou=other,$SUFFIX
objectClass: organizationalUnit
ou: other

dn: cn=outside,ou=other,$SUFFIX
objectClass: tsCertificate
cn: outside
userCertificate;binary:< file://$T/certs/outside.der
EOF
ho=$(openssl x509 -in "$T/certs/outside.pem" -noout -subject_hash)
i=0; while [ ! -f "$D2/$ho.0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "a certificate anywhere under the suffix (default base) is exported" test -f "$D2/$ho.0"
lconfig 1 >/dev/null <<EOF || fail "set olcTrustStoreBase"
dn: $OVL
changetype: modify
add: olcTrustStoreBase
olcTrustStoreBase: $BASE
EOF
check "base narrowed: the files equal the new base" wait_export 1 "$D2" "$B2"
check "the certificate outside the base left the export" test ! -e "$D2/$ho.0"

expect_ldap 80 "absolute path" lconfig 1 <<EOF
dn: $OVL
changetype: modify
replace: olcTrustStoreExportDir
olcTrustStoreExportDir: relative/dir
EOF

# the directory setting removed: the bundle alone goes on
lconfig 1 >/dev/null <<EOF || fail "delete olcTrustStoreExportDir"
dn: $OVL
changetype: modify
delete: olcTrustStoreExportDir
EOF
cert_ldif two "$T/certs/two.der" | ladd 1 >/dev/null || fail "add two again"
i=0
while ! grep -q "^# two\$" "$B2" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "bundle alone follows the store" grep -q "^# two\$" "$B2"
h=$(openssl x509 -in "$T/certs/two.pem" -noout -subject_hash)
check "the directory is no longer written" test ! -e "$D2/$h.0"
check "the log says the directory is no longer kept, and that it stays" \
	grep -qF "truststore: export of $BASE: $D2 is no longer kept in line with the store; what it holds stays as it is" "$T/n1.log"

# restart keeps the configuration
node_stop 1
node_start 1
check "after restart the bundle is in line" sh -c "grep -c '^# ' '$B2' | grep -qx 3"
check "slapd still running" node_alive 1
