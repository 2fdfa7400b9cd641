#!/bin/sh
# t091-duprace-modify.sh - replacing certificates races adds of the same
#
# The duplicate rule holds for modify-replace too: 8 clients each replace
# the certificate of their own entry m-K-C with certificate d-K while a
# ninth client adds d-K as a-K, all at once.  The overlay claims a
# fingerprint before its duplicate search and keeps the claim until the
# backend has answered, so for every K exactly one write wins; the others
# get constraintViolation naming the alias that holds (or is storing) it,
# and their entries keep their old certificate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
race_init
N=30

node_conf 1
node_start 1
add_base 1

bulk_keys
$MKDER bulk "$H/issuer.der" "$H/c" d $N 0 "$H/subject.der" &&
$MKDER bulk "$H/issuer.der" "$H/c" o $((N * CLIENTS)) 0 "$H/subject.der" ||
	die "mkder"

# m-K-C starts with its own certificate o-(K*CLIENTS+C)
k=0
while [ $k -lt $N ]; do
	c=0
	while [ $c -lt $CLIENTS ]; do
		add_ldif "m-$k-$c" 'userCertificate;binary' "$H/c/o-$((k * CLIENTS + c)).der"
		c=$((c + 1))
	done
	k=$((k + 1))
done > "$T/setup.ldif"
ladd 1 -f "$T/setup.ldif" > "$T/setup.out" 2>&1 || die "setup adds: $(tail -n 3 "$T/setup.out")"

replacements_of() {
	for k in $(seq 0 $((N - 1))); do
		replace_ldif "cn=m-$k-$1,$BASE" 'userCertificate;binary' "$H/c/d-$k.der"
	done
}
client_ldifs replacements_of
k=0
while [ $k -lt $N ]; do
	add_ldif "a-$k" 'userCertificate;binary' "$H/c/d-$k.der"
	k=$((k + 1))
done > "$T/adder.ldif"

# the adder first, so that it races every client from their start
ladd 1 -c -f "$T/adder.ldif" > "$T/adder.out" 2>&1 &
adder=$!
run_clients $CLIENTS lmodify 1 -c
wait $adder
node_alive 1 && pass "slapd alive after the race" || die "slapd died"

cat "$T"/client-*.out "$T/adder.out" > "$T/all.out"
nref=$(grep -c 'Constraint violation (19)' "$T/all.out")
nother=$(grep -E 'ldap_(add|modify): ' "$T/all.out" | grep -vc 'Constraint violation (19)')
[ "$nother" = 0 ] && pass "$nref writes refused, all with constraintViolation" ||
	fail "$nother writes failed with another error: $(grep -E 'ldap_(add|modify): ' "$T/all.out" | grep -v 'Constraint violation' | sort | uniq -c | head -3)"
nbad=$(grep 'additional info:' "$T/all.out" |
	grep -Evc 'certificate (already|is being) stored under alias "(a|m)-[0-9]+(-[0-9]+)?" \(cn=')
[ "$nbad" = 0 ] && pass "every refusal names the alias holding the certificate" ||
	fail "$nbad refusals without the holder's alias: $(grep 'additional info:' "$T/all.out" | head -n 2)"

lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' cn \
    'userCertificate;binary' > "$T/db.ldif"
python3 "$HOSTILE/concur.py" dups "$T/db.ldif" > "$T/dups.out"
rc=$?
tail -n 1 "$T/dups.out"
[ $rc = 0 ] && pass "no certificate stored under two aliases" ||
	{ fail "duplicate check raced: $(tail -n 1 "$T/dups.out")"; head -n 5 "$T/dups.out" >&2; }

# every d-K won exactly once; the losing entries kept their o- certificate
python3 - "$T/db.ldif" "$H/c" $N $CLIENTS <<'EOF' && pass "each d-K stored once, losers unchanged" ||
import base64, hashlib, os, sys
db, cdir, n, clients = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fp = lambda p: hashlib.sha256(open(p, 'rb').read()).hexdigest()
held = {}
for block in open(db, 'rb').read().split(b'\n\n'):
	cn = cert = None
	for line in block.split(b'\n'):
		if line.startswith(b'cn: '):
			cn = line[4:].decode()
		elif line.startswith(b'userCertificate;binary::'):
			cert = base64.b64decode(line.split(b'::', 1)[1].strip())
	if cn:
		held[cn] = hashlib.sha256(cert).hexdigest()
bad = 0
for k in range(n):
	d = fp(os.path.join(cdir, 'd-%d.der' % k))
	owners = [cn for cn, f in held.items() if f == d]
	if len(owners) != 1:
		print('d-%d held by %s' % (k, owners), file=sys.stderr); bad += 1
	for c in range(clients):
		cn = 'm-%d-%d' % (k, c)
		o = fp(os.path.join(cdir, 'o-%d.der' % (k * clients + c)))
		if held.get(cn) not in (o, d):
			print('%s holds neither its old nor d-%d' % (cn, k), file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
EOF
	fail "the race left a wrong state"

# decorations follow the winning replacements
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' \
    'userCertificate;binary' tsFingerprintSHA256 > "$T/fp.ldif"
fingerprints_match "$T/fp.ldif" && pass "every tsFingerprintSHA256 matches its certificate" ||
	fail "stale decorations after concurrent replacements"

# the claims are gone: a refused certificate can be stored once free
lsearch 1 -b "$BASE" -s one "(tsFingerprintSHA256=$(python3 -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$H/c/d-0.der"))" 1.1 |
	grep '^dn:' | sed 's/^dn: //' > "$T/d0.holders"
while read -r dn; do
	ldelete 1 "$dn" > /dev/null 2>&1 || fail "delete $dn"
done < "$T/d0.holders"
add_ldif "again" 'userCertificate;binary' "$H/c/d-0.der" > "$T/again.ldif"
expect_ldap 0 "" ladd 1 -f "$T/again.ldif"
