#!/bin/sh
# t063-config-convert: a slapd.conf with every keyword of the overlay
# (export paths holding spaces, quoted as slapd.conf wants) runs, converts
# with slaptest to a cn=config that slapd loads and reads back as
# configured, and cn=config takes such paths live.  (slaptest wrote the
# paths unquoted and cn=config split them: "extra cruft after
# <directory>", and slapd refused to start from the converted slapd.d.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
mkcert a
S="$T/with space"
mkdir -p "$S"
cat > "$T/overlay.conf" <<EOF
truststore-base "ou=certs,o=ts"
truststore-base "ou=more, o=ts"
truststore-refuse-expired off
truststore-refuse-not-yet-valid on
truststore-min-rsa-bits 1024
truststore-refuse-weak-signature off
truststore-require-ca off
truststore-refuse-duplicates off
truststore-max-size 40000
truststore-expiring-days 10
truststore-export-dir "$S/certs"
truststore-export-bundle "$S/bundle.pem"
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || fail "add a"
check "slapd.conf: a path with a space is exported to" \
	wait_export 1 "$S/certs" "$S/bundle.pem"
node_stop 1

# slapd.conf to cn=config, and slapd started from it
d="$T/n1"
mkdir -p "$d/slapd.d"
slaptest -f "$d/slapd.conf" -F "$d/slapd.d" >"$T/slaptest.out" 2>&1 &&
	pass "slaptest -f converts" || { cat "$T/slaptest.out"; fail "slaptest -f"; }
slaptest -F "$d/slapd.d" >"$T/slaptest2.out" 2>&1 &&
	pass "slaptest -F reads the conversion" ||
	{ cat "$T/slaptest2.out"; fail "slaptest -F: $(tail -n 1 "$T/slaptest2.out")"; }
echo "-F $d/slapd.d" > "$d/confarg"
rm -rf "$S/certs" "$S/bundle.pem"
node_start 1
check "cn=config: the files are written again" \
	wait_export 1 "$S/certs" "$S/bundle.pem"
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 1)" -o ldif-wrap=no -b "$OV" -s base \
	'*' | grep '^olcTrustStore' > "$T/read.out"
cat > "$T/want.out" <<EOF
olcTrustStoreBase: ou=certs,o=ts
olcTrustStoreBase: ou=more,o=ts
olcTrustStoreRefuseExpired: FALSE
olcTrustStoreRefuseNotYetValid: TRUE
olcTrustStoreMinRSABits: 1024
olcTrustStoreRefuseWeakSignature: FALSE
olcTrustStoreRequireCA: FALSE
olcTrustStoreRefuseDuplicates: FALSE
olcTrustStoreMaxSize: 40000
olcTrustStoreExpiringDays: 10
olcTrustStoreExportDir: $S/certs
olcTrustStoreExportBundle: $S/bundle.pem
EOF
check "cn=config reads back every setting as slapd.conf had it" \
	diff "$T/want.out" "$T/read.out"

# live: another path with a space, as an administrator types it
lcf() { printf 'dn: %s\nchangetype: modify\n%s\n' "$OV" "$1" | lconfig 1 2>&1 >/dev/null; }
out=$(lcf "replace: olcTrustStoreExportDir
olcTrustStoreExportDir: $S/certs 2")
check "cn=config takes a directory with a space live: ${out:-ok}" test -z "$out"
out=$(lcf "replace: olcTrustStoreExportBundle
olcTrustStoreExportBundle: $S/bundle 2.pem")
check "and a bundle: ${out:-ok}" test -z "$out"
check "the files are written there" wait_export 1 "$S/certs 2" "$S/bundle 2.pem"
node_stop 1
node_start 1
[ "$(ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 1)" -o ldif-wrap=no -b "$OV" -s base \
	olcTrustStoreExportDir | sed -n 's/^olcTrustStoreExportDir: //p')" = "$S/certs 2" ] &&
	pass "and kept across a restart" || fail "the path after a restart"
check "node still running" node_alive 1
