#!/bin/sh
# t064-config-path-spellings: one path has one writer whatever its
# spelling ("//", a trailing "/.", a symbolic link), and a live change is
# refused with the reason when the bundle names a directory or the export
# directory names a file or is the system's CA directory.  (Paths were compared as strings: a second store
# could export into the first one's directory, each removing the other's
# files, and a bundle over a directory was accepted and failed for ever.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
mkcert a
mkcert b
D="$T/export"
TS_OVERLAY_CN="olcTrustStoreExportDir: $D
olcTrustStoreExportBundle: $T/bundle.pem" node_conf_cn 1
node_start 1
add_base 1
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || fail "add a"
check "the first store exports" wait_export 1 "$D" "$T/bundle.pem"

# a second database with the overlay
mkdir -p "$T/db2"
printf 'dn: olcDatabase={2}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {2}mdb
olcSuffix: o=second
olcRootDN: cn=admin,o=second
olcRootPW: %s
olcDbDirectory: %s/db2
olcDbMaxSize: 104857600

dn: olcOverlay={0}truststore,olcDatabase={2}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcTrustStoreConfig
olcOverlay: {0}truststore
' "$ROOTPW" "$T" | ldapadd -Q -Y EXTERNAL -H "$(ldapi 1)" >/dev/null 2>&1 ||
	die "a second database with the overlay"
OV1="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
OV2="olcOverlay={0}truststore,olcDatabase={2}mdb,cn=config"
# refused OV ATTR VALUE REASON: the change is refused with the reason
refused() {
	out=$(printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n' \
	    "$1" "$2" "$2" "$3" | lconfig 1 2>&1 >/dev/null)
	case $out in *"$4"*) pass "$2 $3 refused: $4";;
	*) fail "$2 $3 not refused with '$4': ${out:-accepted}";; esac
}
T2=$(dirname "$T")//$(basename "$T")
refused "$OV2" olcTrustStoreExportDir "$T2/export" "a trust store exports to it already"
refused "$OV2" olcTrustStoreExportDir "$D/." "a trust store exports to it already"
ln -s "$D" "$T/link"
refused "$OV2" olcTrustStoreExportDir "$T/link" "a trust store exports to it already"
refused "$OV2" olcTrustStoreExportBundle "$T/./bundle.pem" "a trust store exports to it already"
ln -s "$T/bundle.pem" "$T/bundle-link.pem"
refused "$OV2" olcTrustStoreExportBundle "$T/bundle-link.pem" "a trust store exports to it already"
# the store's own bundle onto its directory
refused "$OV1" olcTrustStoreExportBundle "$T2/export" "a trust store exports to it already"
# a file where the directory goes, and the other way round
mkdir -p "$T/adir"
echo "not a directory" > "$T/afile"
refused "$OV2" olcTrustStoreExportBundle "$T/adir" "it is a directory"
refused "$OV2" olcTrustStoreExportBundle "/" "a directory"
# a name that can only be a directory's, although none is there yet (it
# was taken, and the export failed on it for ever)
refused "$OV2" olcTrustStoreExportBundle "$T/new.pem/" "it names a directory"
refused "$OV2" olcTrustStoreExportBundle "$T/adir/.." "a directory"
refused "$OV2" olcTrustStoreExportDir "$T/afile" "it is not a directory"
# a directory the system keeps: the export owns every hash-named file in it
refused "$OV2" olcTrustStoreExportDir / "it is a system directory"
refused "$OV2" olcTrustStoreExportDir /tmp/. "it is a system directory"
refused "$OV2" olcTrustStoreExportDir /etc//ldap "it is a system directory"
# the system's CA directory, whose hash-named links the export would remove
if [ -d /etc/ssl/certs ]; then
	refused "$OV2" olcTrustStoreExportDir /etc/ssl/certs "it is the system's CA directory"
	refused "$OV2" olcTrustStoreExportDir /usr/lib/ssl/certs "it is the system's CA directory"
fi
# nor the system's CA bundle, nor a file in a system CA directory: every
# TLS client of the host reads them, and the export replaces the file
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	refused "$OV2" olcTrustStoreExportBundle /etc/ssl/certs/ca-certificates.crt "it is the system's CA bundle"
	refused "$OV2" olcTrustStoreExportBundle /etc/ssl/certs//./ca-certificates.crt "it is the system's CA bundle"
	refused "$OV2" olcTrustStoreExportBundle /etc/ssl/certs/store.pem "it is in a system CA directory"
fi
[ -e /usr/lib/ssl/cert.pem ] &&
	refused "$OV2" olcTrustStoreExportBundle /usr/lib/ssl/cert.pem "it is the system's CA bundle"
# nor a file of someone else's (it would be lost), while a bundle's is fine
refused "$OV2" olcTrustStoreExportBundle "$T/afile" "it holds something other than certificates (line 1)"
# nor one of the export directory's own names, which its writer replaces
refused "$OV1" olcTrustStoreExportBundle "$D/0f2816ac.0" "it is a name of a trust store's export directory"
refused "$OV2" olcTrustStoreExportBundle "$D/./12345678.1" "it is a name of a trust store's export directory"

# what was refused changed nothing: the first store's files follow it
cert_ldif b "$T/certs/b.der" | ladd 1 >/dev/null || fail "add b"
check "the first store still exports, to the same files" \
	wait_export 1 "$D" "$T/bundle.pem"
ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 1)" -b "$OV2" -s base \
	olcTrustStoreExportDir olcTrustStoreExportBundle | grep -q '^olcTrustStoreExport' &&
	fail "the second store kept a refused path" ||
	pass "the second store kept no refused path"
# a path of its own is fine
printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreExportDir\nolcTrustStoreExportDir: %s\n' \
	"$OV2" "$T/export2" | lconfig 1 >/dev/null 2>&1 &&
	pass "the second store takes a directory of its own" || fail "export2 refused"
# a bundle of the export's names, then the directory around it
mkdir -p "$T/export3"
cp "$T/bundle.pem" "$T/export3/bundle-copy.pem"
printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreExportBundle\nolcTrustStoreExportBundle: %s\n' \
	"$OV2" "$T/export3/abcdef01.0" | lconfig 1 >/dev/null 2>&1 &&
	pass "a bundle may take any name while no store exports there" ||
	fail "bundle in export3 refused"
refused "$OV2" olcTrustStoreExportDir "$T/export3" "a trust store's bundle is in it under a name of the export's own"
# a file that holds certificates, as a bundle of an earlier run does, is taken
printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreExportBundle\nolcTrustStoreExportBundle: %s\n' \
	"$OV2" "$T/export3/bundle-copy.pem" | lconfig 1 >/dev/null 2>&1 &&
	pass "an existing bundle is taken over" || fail "an existing bundle refused"
check "node still running" node_alive 1
