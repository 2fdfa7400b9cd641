#!/bin/sh
# t069-config-unwritable: a live change of an export path to a place
# slapd cannot write (here a read-only file system) is refused with the
# reason, and the export goes on where it was.  (It was accepted, and the
# export failed from then on, once a second, as the missing parent
# directory did before t060.)  Needs root for mount(8).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
umount "$TOP/tests/.run/t069-config-unwritable/ro" 2>/dev/null
ts_init
mkdir -p "$T/ro"
if ! mount -t tmpfs -o size=64k,mode=0755 ts-t069 "$T/ro" 2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/ro" 2>/dev/null; }
ts_atexit unmount
mkdir -p "$T/ro/certs"
mount -o remount,ro "$T/ro" || die "remount ro"
mkcert a
mkcert b
D="$T/export"
TS_OVERLAY_CN="olcTrustStoreExportDir: $D
olcTrustStoreExportBundle: $T/bundle.pem" node_conf_cn 1
node_start 1
add_base 1
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || fail "add a"
check "exported" wait_export 1 "$D" "$T/bundle.pem"
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
refused() {
	out=$(printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n' \
	    "$OV" "$1" "$1" "$2" | lconfig 1 2>&1 >/dev/null)
	case $out in *"$3"*) pass "$1 $2 refused: $(echo "$out" | sed -n 's/.*: //p' | tail -n 1)";;
	*) fail "$1 $2 not refused with '$3': ${out:-accepted}";; esac
}
refused olcTrustStoreExportDir "$T/ro/new" "slapd cannot write to its directory"
refused olcTrustStoreExportDir "$T/ro/certs" "slapd cannot write to it"
refused olcTrustStoreExportBundle "$T/ro/bundle.pem" "slapd cannot write to its directory"
cert_ldif b "$T/certs/b.der" | ladd 1 >/dev/null || fail "add b"
check "the export goes on where it was" wait_export 1 "$D" "$T/bundle.pem"
grep -q "truststore: export of .* failed" "$T/n1.log" &&
	fail "an export failed" || pass "no export failed"
check "node still running" node_alive 1
