#!/bin/sh
# t760-duprace.sh - the same certificate added under 8 aliases at once
#
# With truststore-refuse-duplicates on (the default), a certificate may be
# stored under one alias only.  The check is a search before the add; two
# adds of one certificate that both search before either commits would both
# pass unless the overlay serialises check and commit.  8 clients race on
# 60 certificates; afterwards each certificate must be stored exactly once,
# and every losing add must have been refused with constraintViolation.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
race_init
N=60

export_node

bulk_keys
$MKDER bulk "$H/issuer.der" "$H/c" d $N 0 "$H/subject.der" || die "mkder"

# client C adds certificate k as dup-k-C, all clients in the same order
adds_of() {
	for k in $(seq 0 $((N - 1))); do
		add_ldif "dup-$k-$1" 'userCertificate;binary' "$H/c/d-$k.der"
	done
}
client_ldifs adds_of
# the losers' refusals make their clients fail: counted below instead
run_clients $CLIENTS ladd 1 -c
node_alive 1 && pass "slapd alive after the race" || die "slapd died"

# the losers: every refusal is constraintViolation naming the winner
nref=$(cat "$T"/client-*.out | grep -c 'Constraint violation (19)')
nother=$(cat "$T"/client-*.out | grep 'ldap_add: ' | grep -vc 'Constraint violation (19)')
[ "$nother" = 0 ] && pass "$nref adds refused, all with constraintViolation" ||
	fail "$nother adds failed with another error: $(cat "$T"/client-*.out | grep 'ldap_add: ' | grep -v 'Constraint violation' | sort | uniq -c | head -3)"

lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' cn \
    'userCertificate;binary' > "$T/db.ldif"
python3 "$HOSTILE/concur.py" dups "$T/db.ldif" > "$T/dups.out"
rc=$?
tail -n 1 "$T/dups.out"
n=$(grep -c '^dn:' "$T/db.ldif")
if [ $rc = 0 ] && [ "$n" = $N ]; then
	pass "each of the $N certificates stored exactly once"
else
	fail "duplicate check raced: $(tail -n 1 "$T/dups.out")"
	head -n 5 "$T/dups.out" >&2
fi
wait_export 1 "$T/export" "$T/bundle.pem"
