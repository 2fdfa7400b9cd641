#!/bin/sh
# t083-upgrade-stored-computed: a store decorated by a version that stored
# every decoration is mended by ldaptrust redecorate --all.
#
# Versions before the stored/computed split stored all 22 decorations;
# this one stores 8 and computes the rest when read.  An entry written by
# such a version (or replicated from a node still running one during a
# rolling upgrade) keeps the other 14 stored: the start-up read logs it as
# "exported without its decorations" at every start, and ldaptrust status
# warns, naming redecorate --all as the mend.  A plain read cannot tell a
# stored decoration from the computed one, and redecorate --all found
# nothing to do: the warning stayed for good.  It now reads the entries as
# stored (a refreshOnly sync search, which the overlay answers as it
# answers its consumers) and rewrites these.  Without syncprov the server
# refuses that search: the sweep says what it cannot see.
#
# The old store is made as the old module left it: the entries as read,
# computed decorations included, loaded with slapadd.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
mkdir -p "$T/export"
printf 'truststore-export-dir %s/export\n' "$T" > "$T/extra"
node_conf 1 "$T/extra"
# syncprov below the overlay, as on a node of ldif/
sed -i 's|^moduleload back_mdb|moduleload back_mdb\nmoduleload syncprov|
	s|^overlay truststore|overlay syncprov\noverlay truststore|' "$T/n1/slapd.conf"
node_start 1
add_base 1
mkcert a -addext subjectAltName=DNS:a.example -addext keyUsage=keyCertSign
mkcert b -newkey ec -pkeyopt ec_paramgen_curve:P-256
for c in a b; do cert_ldif $c "$T/certs/$c.der" | ladd 1 >/dev/null || die "add $c"; done
lsearch 1 -b "$BASE" '(objectClass=tsCertificate)' '*' '+' > "$T/read.ldif" || die "read"
lsearch 1 -b "$SUFFIX" -s one '(ou=certs)' '*' '+' > "$T/base.ldif" || die "base"
lsearch 1 -b "$SUFFIX" -s base '*' '+' > "$T/suffix.ldif" || die "suffix"
node_stop 1
# what an old version stored: every decoration; not what no version stores
cat "$T/suffix.ldif" "$T/base.ldif" "$T/read.ldif" |
    grep -v '^\(tsStatus\|entryDN\|subschemaSubentry\|hasSubordinates\):' > "$T/old.ldif"
grep -q '^tsKeyBits:' "$T/old.ldif" && grep -q '^tsDNSName: a.example' "$T/old.ldif" ||
	die "the old store holds no computed decoration"
rm -rf "$T/n1/db"/* "$T/export"/*
slapadd -f "$T/n1/slapd.conf" -l "$T/old.ldif" >/dev/null 2>&1 || die "slapadd"
stored_computed() {
	slapcat -f "$T/n1/slapd.conf" -b "$SUFFIX" -a "${1:-(objectClass=*)}" 2>/dev/null | unwrap |
	    grep -c '^\(tsKeyBits\|tsKeyAlgorithm\|tsDNSName\|tsFingerprintSHA1\|tsVersion\):'
}
unwrap() { sed -e ':a' -e 'N;$!ba' -e 's/\n //g'; }
check "the old store holds computed decorations" test "$(stored_computed)" -ge 9

: > "$T/n1.log"
node_start 1
check "the start-up read names both entries" \
    grep -q "2 exported without their decorations" "$T/n1.log"
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@"; }
lt redecorate -n --all > "$T/dry.out" 2>&1
check "redecorate -n --all names both (a computed decoration stored)" \
    grep -q "2 certificates: 2 would be redecorated" "$T/dry.out"
check "... and says why" grep -q 'would redecorate "a" (ts[A-Za-z0-9]* is stored, the server computes it)' "$T/dry.out"
lt redecorate --all > "$T/all.out" 2>&1; rc=$?
check "redecorate --all rewrites both, exit 0" sh -c "[ $rc = 0 ] && grep -q '2 certificates: 2 redecorated' '$T/all.out'"
lt redecorate --all > "$T/again.out" 2>&1
check "a second sweep finds nothing" grep -q "2 certificates: 0 redecorated" "$T/again.out"
lsearch 1 -b "cn=a,$BASE" -s base '*' '+' > "$T/after.ldif"
check "the entry still reads its computed decorations" \
    sh -c "grep -q '^tsDNSName: a.example' '$T/after.ldif' && grep -q '^tsKeyBits: 2048' '$T/after.ldif'"
node_stop 1
check "no computed decoration is stored any more" test "$(stored_computed)" = 0
: > "$T/n1.log"
node_start 1
check "the next start-up read logs nothing undecorated" \
    not grep -q "without their decorations\|stores a decoration" "$T/n1.log"
check "both exported" sh -c "[ \$(ls '$T/export' | wc -l) = 2 ]"
node_stop 1

# without syncprov the sweep cannot see what is stored, and says so
sed -i '/syncprov/d' "$T/n1/slapd.conf"
rm -rf "$T/n1/db"/*
slapadd -f "$T/n1/slapd.conf" -l "$T/old.ldif" >/dev/null 2>&1 || die "slapadd"
node_start 1
lt redecorate -n --all > "$T/plain.out" 2>&1; rc=$?
check "without syncprov: the sweep says what goes unnoticed" \
    grep -q "would not send the entries as stored" "$T/plain.out"
check "... and still sweeps the stored eight (exit 0)" \
    sh -c "[ $rc = 0 ] && grep -q '2 certificates: 0 would be redecorated' '$T/plain.out'"
lt redecorate a > /dev/null 2>&1
node_stop 1
check "... b still holds them" test "$(stored_computed '(cn=b)')" -ge 4
check "a named redecorate mends it there" test "$(stored_computed '(cn=a)')" = 0
