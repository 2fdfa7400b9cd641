#!/bin/sh
# t060-config-live: cn=config changes to the overlay apply to the next
# operation without a restart, bad values are refused, and the settings
# survive a restart.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
mkcert rsa1024 -newkey rsa:1024
mkcert rsa1024b -newkey rsa:1024
mkcert ec -newkey ec -pkeyopt ec_paramgen_curve:P-256
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"

node_conf_cn 1
node_start 1
add_base 1
lconf() { printf 'dn: %s\nchangetype: modify\n%s\n' "$OV" "$1" | lconfig 1 >/dev/null; }
readback() { ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 1)" -b "$OV" -s base "$1" | sed -n "s/^$1: //p"; }

expect_ldap 19 "truststore: RSA key of 1024 bits is below the minimum of 2048" \
	sh -c "printf 'dn: cn=r,$BASE\nobjectClass: tsCertificate\ncn: r\nuserCertificate;binary:< file://$C/rsa1024.der\n' | ldapadd -x -H '$(uri 1)' -D '$ROOTDN' -w '$ROOTPW'"
lconf "replace: olcTrustStoreMinRSABits
olcTrustStoreMinRSABits: 1024" && pass "olcTrustStoreMinRSABits lowered over ldapi" ||
	fail "cn=config modify"
[ "$(readback olcTrustStoreMinRSABits)" = 1024 ] && pass "cn=config reads back 1024" ||
	fail "read back: $(readback olcTrustStoreMinRSABits)"
cert_ldif r "$C/rsa1024.der" | ladd 1 >/dev/null &&
	pass "the RSA-1024 add succeeds at once, no restart" || fail "RSA-1024 still refused"

# a bad value is refused by cn=config with the overlay's message
out=$(lconf "replace: olcTrustStoreMinRSABits
olcTrustStoreMinRSABits: -5" 2>&1)
case $out in *"must be between 0 (no minimum) and 16384"*)
	pass "a bad value is refused: $(printf '%s' "$out" | grep -o 'must be.*' | head -n 1)";;
*) fail "bad value not refused or no message: $out";; esac
[ "$(readback olcTrustStoreMinRSABits)" = 1024 ] && pass "the refused change left 1024" ||
	fail "value after refused change: $(readback olcTrustStoreMinRSABits)"

# deleting the value restores the default at once
lconf "delete: olcTrustStoreMinRSABits" || fail "delete"
expect_ldap 19 "below the minimum of 2048" \
	sh -c "printf 'dn: cn=r2,$BASE\nobjectClass: tsCertificate\ncn: r2\nuserCertificate;binary:< file://$C/rsa1024b.der\n' | ldapadd -x -H '$(uri 1)' -D '$ROOTDN' -w '$ROOTPW'"

# the base: narrowing it leaves other subtrees alone
ladd 1 >/dev/null <<EOF2 || fail "add ou=elsewhere"
dn: ou=elsewhere,$SUFFIX
objectClass: organizationalUnit
ou: elsewhere
EOF2
lconf "add: olcTrustStoreBase
olcTrustStoreBase: $BASE" && pass "olcTrustStoreBase added live" || fail "add base"
printf 'dn: cn=x,ou=elsewhere,%s\nobjectClass: tsCertificate\ncn: x\nuserCertificate;binary:< file://%s\n' \
	"$SUFFIX" "$C/rsa1024b.der" | ladd 1 >/dev/null &&
	pass "outside the new base the RSA-1024 certificate is not judged" ||
	fail "outside the new base: refused"
lconf "add: olcTrustStoreBase
olcTrustStoreBase: ou=elsewhere,$SUFFIX" || fail "second base"
[ "$(readback olcTrustStoreBase | wc -l)" = 2 ] && pass "two bases read back" || fail "bases: $(readback olcTrustStoreBase)"
printf 'dn: cn=y,ou=elsewhere,%s\nobjectClass: tsCertificate\ncn: y\nuserCertificate;binary:< file://%s\n' \
	"$SUFFIX" "$C/ec.der" | ladd 1 >/dev/null || fail "add y in second base"
lsearch 1 -b "cn=y,ou=elsewhere,$SUFFIX" -s base tsSubject | grep -q '^tsSubject: CN=ec' &&
	pass "entries in the second base are decorated" || fail "second base not decorated"
# bases are disjoint: one within or above another is refused (slapd
# itself refuses an equal one: 20)
for b in "cn=y,ou=elsewhere,$SUFFIX" "$SUFFIX"; do
	out=$(printf 'dn: %s\nchangetype: modify\nadd: olcTrustStoreBase\nolcTrustStoreBase: %s\n' \
	    "$OV" "$b" | lconfig 1 2>&1 >/dev/null)
	case $out in *"overlaps the base"*"bases are disjoint subtrees"*)
		pass "a base overlapping another refused: $b";;
	*) fail "a base overlapping another not refused: $b: ${out:-accepted}";; esac
done
[ "$(readback olcTrustStoreBase | wc -l)" = 2 ] && pass "still two bases" || fail "bases: $(readback olcTrustStoreBase)"
# a base that names no entry is taken (the examples add the base entries
# after the overlay), and the log says so: a mistyped one empties the export
lconf "add: olcTrustStoreBase
olcTrustStoreBase: ou=nothere,$SUFFIX" || fail "a base not there yet"
check "the log names a base that does not exist" grep -qF \
	're-read (cn=config change): the base "ou=nothere,o=ts" does not exist (yet)' "$T/n1.log"
lconf "delete: olcTrustStoreBase
olcTrustStoreBase: ou=nothere,$SUFFIX" || fail "delete ou=nothere"
# a certificate entry holds no entries
mkcert below -newkey ec -pkeyopt ec_paramgen_curve:P-256
printf 'dn: cn=z,cn=y,ou=elsewhere,%s\nobjectClass: tsCertificate\ncn: z\nuserCertificate;binary:< file://%s\n' \
	"$SUFFIX" "$C/below.der" > "$T/below.ldif"
expect_ldap 53 "a certificate entry holds no entries" ladd 1 -f "$T/below.ldif"
# nor containers, whose certificates would be below it all the same
printf 'dn: ou=box,cn=y,ou=elsewhere,%s\nobjectClass: organizationalUnit\nou: box\n' \
	"$SUFFIX" > "$T/box.ldif"
expect_ldap 53 "a certificate entry holds no entries" ladd 1 -f "$T/box.ldif"
lconf "delete: olcTrustStoreBase
olcTrustStoreBase: ou=elsewhere,$SUFFIX" && [ "$(readback olcTrustStoreBase)" = "$BASE" ] &&
	pass "one base deleted by value" || fail "delete one base"

# settings survive a restart
lconf "replace: olcTrustStoreRequireCA
olcTrustStoreRequireCA: TRUE" || fail "require CA"
node_stop 1
node_start 1
[ "$(readback olcTrustStoreRequireCA)" = TRUE ] && [ "$(readback olcTrustStoreBase)" = "$BASE" ] &&
	pass "settings persist across a restart" || fail "settings lost on restart"
mkcert leaf -newkey ec -pkeyopt ec_paramgen_curve:P-256 -addext basicConstraints=CA:FALSE
expect_ldap 19 "truststore: certificate is not a CA" \
	sh -c "printf 'dn: cn=leaf,$BASE\nobjectClass: tsCertificate\ncn: leaf\nuserCertificate;binary:< file://$C/leaf.der\n' | ldapadd -x -H '$(uri 1)' -D '$ROOTDN' -w '$ROOTPW'"

# export paths: the overlay creates the last component only, and two
# trust stores of one slapd cannot share a path (each would remove the
# other's files)
expect_path() {
	out=$(lconf "replace: $1
$1: $2" 2>&1)
	case $out in *"$3"*) pass "$1 $2 refused: $3";;
	*) fail "$1 $2 not refused with '$3': $out";; esac
}
expect_path olcTrustStoreExportDir "$T/no/such/certs" "its parent directory does not exist"
expect_path olcTrustStoreExportBundle "$T/no/such/bundle.pem" "its directory does not exist"
lconf "replace: olcTrustStoreExportDir
olcTrustStoreExportDir: $T/export-a" && pass "an export directory whose parent exists" ||
	fail "export directory refused"
expect_path olcTrustStoreExportBundle "$T/export-a" "a trust store exports to it already"
mkdir -p "$T/db2"
printf 'dn: olcDatabase={2}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {2}mdb
olcSuffix: o=second
olcDbDirectory: %s/db2
olcDbMaxSize: 104857600

dn: olcOverlay={0}truststore,olcDatabase={2}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcTrustStoreConfig
olcOverlay: {0}truststore
' "$T" | ldapadd -Q -Y EXTERNAL -H "$(ldapi 1)" >/dev/null 2>&1 ||
	fail "a second database with the overlay"
out=$(printf 'dn: olcOverlay={0}truststore,olcDatabase={2}mdb,cn=config\nchangetype: modify\nreplace: olcTrustStoreExportDir\nolcTrustStoreExportDir: %s/export-a/\n' "$T" |
	lconfig 1 2>&1)
case $out in *"a trust store exports to it already"*)
	pass "a second store cannot export to the first one's directory";;
*) fail "shared export directory not refused: $out";; esac
# a path longer than PATH_MAX: the reason survives the message's length
long=/$(head -c 5000 /dev/zero | tr '\0' x)
expect_path olcTrustStoreExportDir "$long" "the path is too long"
node_alive 1 && pass "slapd still running" || fail "slapd died"
