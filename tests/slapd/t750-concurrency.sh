#!/bin/sh
# t750-concurrency.sh - 8 clients add, replace, rename and delete 2000
# certificates at once on one node
#
# Each client owns a slice of the entries (see hostile/concur.py), so the
# final state is known exactly: any lost or misapplied update shows as a
# difference.  Afterwards no certificate may be stored under two aliases,
# and the export directory and bundle must equal the database.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
race_init
N=${TS_T750_N:-2000}

export_node

# certificates c-j, and r-j to replace them with (signed by a 1024-bit
# issuer key: six times faster to make; the certified keys are 2048-bit)
bulk_keys
half=$((N / 2))
# (wait for these by pid: a bare `wait` would wait for slapd too)
$MKDER bulk "$H/issuer.der" "$H/c" c $half 0 "$H/subject.der" & p1=$!
$MKDER bulk "$H/issuer.der" "$H/c" c $((N - half)) $half "$H/subject.der" & p2=$!
$MKDER bulk "$H/issuer.der" "$H/c" r $N 0 "$H/subject.der" & p3=$!
wait $p1; wait $p2; wait $p3
[ "$(ls "$H/c" | wc -l)" = $((2 * N)) ] || die "certificate generation"
python3 "$HOSTILE/concur.py" plan "$H/c" "$BASE" $CLIENTS $N "$T" || die "plan"

run_clients $CLIENTS lmodify 1
failed=$?
[ $failed = 0 ] && pass "$CLIENTS clients: every operation succeeded" ||
	{ fail "$failed clients saw an operation fail"
	  grep -h -A2 '^ldap_modify: ' "$T"/client-*.out | head -n 9 >&2; }
node_alive 1 && pass "slapd alive after the storm" || die "slapd died"

lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' cn \
    'userCertificate;binary' description > "$T/db.ldif"
python3 "$HOSTILE/concur.py" check "$T/db.ldif" "$T/expected" > "$T/check.out"
rc=$?
tail -n 1 "$T/check.out"
[ $rc = 0 ] && pass "final state as planned: no lost update, no duplicate" ||
	{ fail "final state differs"; head -n 20 "$T/check.out" >&2; }

# decorations follow replacements: the fingerprint is the new certificate's
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' \
    'userCertificate;binary' tsFingerprintSHA256 > "$T/fp.ldif"
fingerprints_match "$T/fp.ldif" && pass "every tsFingerprintSHA256 matches its certificate" ||
	fail "stale decorations after concurrent replacements"
wait_export 1 "$T/export" "$T/bundle.pem"
