#!/bin/sh
# t061-overlay-live-add: the overlay added through cn=config to a running
# database that already holds certificates writes the export files for
# them at once, and runs its lookup index, without a restart (a new node
# whose entries replication brought before the overlay, say).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
for c in a b c; do mkcert $c; done
node_conf_cn 1
d="$T/n1"
# the same node without the overlay
awk 'BEGIN { RS = ""; ORS = "\n\n" } !/olcOverlay: \{0\}truststore/' \
	"$d/config.ldif" > "$d/plain.ldif"
rm -rf "$d/slapd.d"; mkdir -p "$d/slapd.d"
slapadd -n0 -F "$d/slapd.d" -l "$d/plain.ldif" >/dev/null 2>&1 || die "slapadd -n0"
node_start 1
add_base 1
for c in a b; do
	cert_ldif $c "$T/certs/$c.der" | ladd 1 >/dev/null || die "add $c without the overlay"
done
pid=$(cat "$d/pid")

mkdir -p "$T/export"
printf 'dn: olcOverlay=truststore,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\nobjectClass: olcTrustStoreConfig\nolcOverlay: truststore\nolcTrustStoreExportDir: %s\nolcTrustStoreExportBundle: %s\n' \
	"$T/export" "$T/bundle.pem" | lconfig 1 -a >/dev/null &&
	pass "the overlay added through cn=config" || die "live add of the overlay"
wait_export 1 "$T/export" "$T/bundle.pem" &&
	pass "the certificates already stored are exported at once" ||
	fail "the export lacks the certificates stored before the overlay"
cert_ldif c "$T/certs/c.der" | ladd 1 >/dev/null || fail "add c with the overlay"
lsearch 1 -b "cn=c,$BASE" -s base tsFingerprintSHA256 | grep -q '^tsFingerprintSHA256:' &&
	pass "a new certificate is decorated" || fail "c not decorated"
wait_export 1 "$T/export" "$T/bundle.pem" && pass "and exported with the others" ||
	fail "c not exported"
# the lookup index holds the old ones: a duplicate of a is refused
printf 'dn: cn=a2,%s\nobjectClass: tsCertificate\ncn: a2\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$T/certs/a.der" > "$T/dup.ldif"
expect_ldap 19 "certificate already stored under alias \"a\"" ladd 1 -f "$T/dup.ldif"
[ "$pid" = "$(cat "$d/pid")" ] && pass "no restart: the same slapd process" || fail "slapd restarted"
