#!/bin/sh
# t766-container-race.sh - a container moves out of the store and back
# while clients add and delete certificates below it
#
# A container may leave the store only with no certificate below it.  The
# overlay checks that before the move; a certificate added below the
# container between that check and the move's commit would leave with it,
# still exported and trusted, outside every check.  The move waits for the
# writes below it that are in flight, and they wait for it.  Afterwards no
# certificate may be outside the base, and the export must equal what is
# inside it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
race_init
ROUNDS=${TS_T766_ROUNDS:-300}
CLIENTS=6

export_node
ladd 1 >/dev/null <<EOF || die "containers"
dn: ou=box,$BASE
objectClass: organizationalUnit
ou: box

dn: ou=outside,$SUFFIX
objectClass: organizationalUnit
ou: outside
EOF

bulk_keys
$MKDER bulk "$H/issuer.der" "$H/c" k $CLIENTS 0 "$H/subject.der" || die "mkder"

# client 0 moves the box out and back; the others add a certificate below
# it and delete it again (each its own, so duplicates play no part)
client_ops() {
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		if [ "$1" = 0 ]; then
			printf 'dn: ou=box,%s\nchangetype: modrdn\nnewrdn: ou=box\ndeleteoldrdn: 1\nnewsuperior: ou=outside,%s\n\n' "$BASE" "$SUFFIX"
			printf 'dn: ou=box,ou=outside,%s\nchangetype: modrdn\nnewrdn: ou=box\ndeleteoldrdn: 1\nnewsuperior: %s\n\n' "$SUFFIX" "$BASE"
		else
			printf 'dn: cn=k%s,ou=box,%s\nchangetype: add\nobjectClass: tsCertificate\ncn: k%s\nuserCertificate;binary:< file://%s\n\n' \
			    "$1" "$BASE" "$1" "$H/c/k-$1.der"
			printf 'dn: cn=k%s,ou=box,%s\nchangetype: delete\n\n' "$1" "$BASE"
		fi
		r=$((r + 1))
	done
}
client_ldifs client_ops
run_clients $CLIENTS lmodify 1 -c
node_alive 1 && pass "slapd alive after the race" || die "slapd died"
moves=$(grep -c '^modifying rdn' "$T/client-0.out")
refused=$(grep -c 'Server is unwilling to perform (53)' "$T/client-0.out")
adds=$(cat "$T"/client-[1-9].out | grep -c '^adding new entry')
echo "# $moves moves tried, $refused refused (certificates below); $adds adds tried"
check "some moves were refused: the race was run" test "$refused" -gt 0
check "some moves went through: the race was run" test "$refused" -lt "$moves"

# nothing may have left the store with a certificate below it
out=$(lsearch 1 -b "ou=outside,$SUFFIX" '(objectClass=tsCertificate)' 1.1 | grep '^dn:')
check "no certificate outside the store" test -z "$out"
[ -z "$out" ] || echo "outside: $out" >&2

# the export holds exactly the store's certificates (containers included)
i=0 ok=0
while [ $i -lt 100 ]; do
	lsearch 1 -b "$BASE" '(objectClass=tsCertificate)' cn \
	    'userCertificate;binary' tsSubjectHash > "$T/db.ldif" 2>/dev/null &&
	    $CHECKEXPORT -q "$T/db.ldif" "$T/export" "$T/bundle.pem" && { ok=1; break; }
	sleep 0.2
	i=$((i + 1))
done
[ $ok = 1 ] && pass "export files equal the store" ||
	{ $CHECKEXPORT "$T/db.ldif" "$T/export" "$T/bundle.pem"; fail "export files differ from the store"; }
