#!/bin/sh
# t068-config-disable: olcDisabled on the overlay's entry.  Disabled, the
# overlay checks, decorates and exports nothing; enabled again with
# "replace: olcDisabled / olcDisabled: FALSE" it reads the store, judges
# what was written meanwhile as it judges a slapadd restore, and works as
# before.  (Deleting olcDisabled leaves the overlay disabled in slapd
# 2.5.13: slapo-truststore(5), docs/hardening.md; not tested here.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
mkcert a
mkcert b
mkcert c
mkcert weak -newkey rsa:1024
TS_OVERLAY_CN="olcTrustStoreExportDir: $D" node_conf_cn 1
node_start 1
add_base 1
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
lconf() { printf 'dn: %s\nchangetype: modify\n%s\n' "$OV" "$1" | lconfig 1 >/dev/null; }
hashes() { for c in "$@"; do openssl x509 -in "$T/certs/$c.pem" -noout -subject_hash; done | sort | tr '\n' ' '; }
files() { ls "$D" | sed 's/\..*//' | sort | tr '\n' ' '; }
is_files() { [ "$(files)" = "$(hashes "$@")" ]; }
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || fail "add a"
check "a exported" until_ok 10 is_files a
pid=$(cat "$T/n1/pid")

lconf "replace: olcDisabled
olcDisabled: TRUE" || fail "disable"
check "disabled: the log says the files are no longer kept in line" \
	grep -qF "truststore: \"$SUFFIX\": the overlay is disabled or removed: $D are no longer kept in line with the store" "$T/n1.log"
cert_ldif b "$T/certs/b.der" | ladd 1 >/dev/null || fail "add b"
cert_ldif weak "$T/certs/weak.der" | ladd 1 >/dev/null &&
	pass "disabled: a 1024-bit certificate is not refused" || fail "weak refused while disabled"
lsearch 1 -b "cn=b,$BASE" -s base tsSubject | grep -q '^tsSubject:' &&
	fail "disabled: b decorated" || pass "disabled: nothing is decorated"
sleep 1
check "disabled: nothing is exported" is_files a

lconf "replace: olcDisabled
olcDisabled: FALSE" || fail "enable"
check "enabled: what passes the policy is exported, the 1024-bit one is not" \
	until_ok 10 is_files a b
grep -q 'cn=weak,ou=certs,o=ts": it is not decorated; not exported' "$T/n1.log" &&
	pass "enabled: the log names what was left out" || fail "no log line for weak"
cert_ldif c "$T/certs/c.der" | ladd 1 >/dev/null || fail "add c"
lsearch 1 -b "cn=c,$BASE" -s base tsSubject | grep -q '^tsSubject: CN=c' &&
	pass "enabled: adds are decorated again" || fail "c not decorated"
check "enabled: and exported" until_ok 10 is_files a b c
printf 'dn: cn=a2,%s\nobjectClass: tsCertificate\ncn: a2\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$T/certs/a.der" > "$T/dup.ldif"
expect_ldap 19 'certificate already stored under alias "a"' ladd 1 -f "$T/dup.ldif"
# the read after enabling is not called a start-up
check "enabled: the read is named as such" \
	grep -qF "truststore: read (overlay added or enabled): \"cn=weak,$BASE\"" "$T/n1.log"
check "enabled: not as a start-up" not grep -q 'start-up read: "cn=' "$T/n1.log"

# the overlay's entry deleted: the files stay as they are, and the log
# says that nothing keeps them in line any more
ldapdelete -Q -Y EXTERNAL -H "$(ldapi 1)" "$OV" > "$T/del.log" 2>&1
check "the overlay's entry can be deleted" test $? = 0
check "deleted: the log says the files are no longer kept in line" \
	until_ok 10 sh -c "grep -c 'the overlay is disabled or removed: $D are no longer kept in line' '$T/n1.log' | grep -qx 2"
aldelete() { ldapdelete -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" "$@"; }
aldelete "cn=c,$BASE" || fail "delete c"
sleep 1
check "deleted: the files stay as they were" is_files a b c
check "the same slapd process" test "$pid" = "$(cat "$T/n1/pid")"
check "node still running" node_alive 1
