#!/bin/sh
# t765-samedn-race.sh - 8 clients replace the certificate of the same two
# entries at once
#
# The export catalogue and the lookup index are updated after each write
# commits.  Two writes of one entry commit in some order; if their updates
# were applied in the other order, the files and the index would keep the
# certificate the entry no longer holds, trusting it until the next start.
# Afterwards the export must equal the database, every fingerprint search
# must find exactly the entry holding that certificate, and the duplicate
# check must still know each entry's current certificate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
race_init
ROUNDS=${TS_T765_ROUNDS:-150}
K=12

export_node

bulk_keys
$MKDER bulk "$H/issuer.der" "$H/c" d $K 0 "$H/subject.der" || die "mkder"
for k in $(seq 0 $((K - 1))); do
	openssl x509 -inform DER -in "$H/c/d-$k.der" -noout -fingerprint -sha256 |
	    cut -d= -f2 | tr -d : | tr 'A-F' 'a-f' > "$H/c/d-$k.fp"
done

# hot-a cycles through d-0..5, hot-b through d-6..11: never each other's
{ add_ldif hot-a 'userCertificate;binary' "$H/c/d-0.der"
  add_ldif hot-b 'userCertificate;binary' "$H/c/d-6.der"; } > "$T/base.ldif"
ladd 1 -f "$T/base.ldif" > /dev/null || die "adding the two entries"

# client C, round R: hot-a gets d-((C+R) % 6), hot-b d-(6 + (C+2R) % 6)
replacements_of() {
	for r in $(seq 0 $((ROUNDS - 1))); do
		replace_ldif "cn=hot-a,$BASE" 'userCertificate;binary' \
		    "$H/c/d-$(( ($1 + r) % 6 )).der"
		replace_ldif "cn=hot-b,$BASE" 'userCertificate;binary' \
		    "$H/c/d-$(( 6 + ($1 + 2 * r) % 6 )).der"
	done
}
client_ldifs replacements_of
run_clients $CLIENTS lmodify 1 -c
node_alive 1 && pass "slapd alive after the race" || die "slapd died"
nerr=$(cat "$T"/client-*.out | grep -c '^ldap_modify: ')
[ "$nerr" = 0 ] && pass "$((CLIENTS * ROUNDS * 2)) replacements, none refused" ||
	fail "$nerr replacements failed: $(cat "$T"/client-*.out | grep -A1 '^ldap_modify: ' | head -n 4)"

wait_export 1 "$T/export" "$T/bundle.pem" &&
	pass "export directory and bundle equal the database" ||
	fail "the export kept a certificate an entry no longer holds"

# the lookup index: each fingerprint finds the entry holding it, or none
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' \
    'userCertificate;binary' tsFingerprintSHA256 > "$T/fp.ldif"
fingerprints_match "$T/fp.ldif" && pass "decorations match the final certificates" ||
	fail "stale decorations"
bad=0
for k in $(seq 0 $((K - 1))); do
	fp=$(cat "$H/c/d-$k.fp")
	want=$(grep -B2 "^tsFingerprintSHA256: $fp\$" "$T/fp.ldif" | sed -n 's/^dn: //p')
	got=$(lsearch 1 -b "$BASE" "(tsFingerprintSHA256=$fp)" 1.1 | sed -n 's/^dn: //p')
	if [ "$got" != "$want" ]; then
		fail "d-$k: search by fingerprint found '$got', the database '$want'"
		bad=$((bad + 1))
	fi
done
[ $bad = 0 ] && pass "every fingerprint search finds the entry holding it"

# the duplicate check: each final certificate is refused under a new alias
for e in hot-a hot-b; do
	fp=$(sed -n "/^dn: cn=$e,/,/^\$/s/^tsFingerprintSHA256: //p" "$T/fp.ldif")
	k=$(grep -l "^$fp\$" "$H"/c/d-*.fp | head -n 1 | sed 's/.*d-\([0-9]*\)\.fp/\1/')
	add_ldif "copy-of-$e" 'userCertificate;binary' "$H/c/d-$k.der" > "$T/copy-$e.ldif"
	out=$(ladd 1 -f "$T/copy-$e.ldif" 2>&1)
	echo "$out" | grep -q 'Constraint violation (19)' &&
		pass "$e's certificate (d-$k) refused under a second alias" ||
		fail "$e's certificate (d-$k) accepted twice: $out"
done
