#!/bin/sh
# t047-subordinate.sh - a database whose suffix lies inside the trust
# store's base holds entries the overlay never sees (their writes go to
# that database; the store's read does not reach them): slapd says so at
# start-up, naming both, and its certificates are not exported.
. "$(dirname "$0")/lib.sh"
ts_init
mkdir -p "$T/export" "$T/db2"
# slapd wants the inner database first
printf 'database mdb\nsuffix "ou=sub,%s"\nsubordinate\nrootdn "%s"\nrootpw %s\ndirectory %s\nmaxsize 104857600\n' \
    "$BASE" "cn=admin,ou=sub,$BASE" "$ROOTPW" "$T/db2" > "$T/global.conf"
printf 'truststore-base "%s"\ntruststore-export-dir %s\n' "$BASE" "$T/export" > "$T/extra.conf"
node_conf 1 "$T/extra.conf" "$T/global.conf"
node_start 1
add_base 1
check "the inner database is named at start-up" \
    grep -q "truststore: \"$BASE\": the database of \"ou=sub,$BASE\" lies inside this trust store" "$T/n1.log"
mkcert weak -newkey rsa:1024
printf 'dn: ou=sub,%s\nobjectClass: organizationalUnit\nou: sub\n\n' "$BASE" |
    ldapadd -x -H "$(uri 1)" -D "cn=admin,ou=sub,$BASE" -w "$ROOTPW" >/dev/null || fail "inner suffix"
printf 'dn: cn=w,ou=sub,%s\nobjectClass: tsCertificate\ncn: w\nuserCertificate;binary:< file://%s\n\n' "$BASE" "$T/certs/weak.der" |
    ldapadd -x -H "$(uri 1)" -D "cn=admin,ou=sub,$BASE" -w "$ROOTPW" >/dev/null &&
	echo "# the inner database took a 1024-bit certificate, unchecked, as warned"
sleep 1
check "its certificate is not exported" test -z "$(ls "$T/export")"
check "node still running" node_alive 1
