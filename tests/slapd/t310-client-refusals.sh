#!/bin/sh
# t310-client-refusals.sh - ldaptrust: every refusal gives a clear message,
# the documented exit status, and leaves the store as it was.
. "$(dirname "$0")/lib.sh"
ts_init
client_node
C=$T/certs

mkcert good
mkcert other
mkcert weak -newkey rsa:1024
mkcert_dates old 20200101000000Z 20200201000000Z
lt import good "$C/good.pem" >/dev/null || die "import good"
snapshot 1 > "$T/before"
unchanged() { snapshot 1 > "$T/after"; check "store unchanged ($1)" cmp -s "$T/before" "$T/after"; }

# --- server refusals: the server's words and its result code -------------------
expect_ldap 19 "already" lt import good-again "$C/good.pem"
expect_ldap 19 "Constraint violation (19)" lt import good-again "$C/good.der"
unchanged "duplicate"
expect_ldap 19 "expired" lt import old "$C/old.pem"
unchanged "expired"
expect_ldap 19 "1024" lt import weak "$C/weak.pem"
unchanged "weak key"
expect_ldap 68 "Already exists (68)" lt import good "$C/other.pem"
unchanged "alias taken"
expect_ldap 68 'holds CN=good' lt import good "$C/other.pem"
expect_ldap 68 "rename or delete that one first" lt import good "$C/other.pem"
# the name held by an entry that is not a certificate
printf 'dn: cn=role,%s\nobjectClass: organizationalRole\ncn: role\n' "$BASE" |
	ladd 1 >/dev/null || die "add cn=role"
expect_ldap 68 "an entry of that name exists and is not a certificate of the store" \
	lt import role "$C/other.pem"
ldelete 1 "cn=role,$BASE" || die "delete cn=role"
# the same certificate under the same alias again: already as asked
expect_ldap 0 '"good" already holds this certificate' lt import good "$C/good.der"
unchanged "same import again"
out=$(lt import good-again "$C/good.pem" 2>&1)
check "refusal names the operation" contains 'ldaptrust: import "good-again": Constraint violation (19)' "$out"
check "refusal shows the server's text" contains '	additional info: ' "$out"

# --- local refusals: nothing is sent -------------------------------------------
openssl genpkey -algorithm ed25519 -out "$C/key.pem" 2>/dev/null
expect_ldap 1 "private key" lt import k "$C/key.pem"
printf 'hello\n' > "$C/text"
expect_ldap 1 "$C/text:" lt import t "$C/text"
expect_ldap 1 "No such file or directory" lt import m "$C/missing.pem"
cat "$C/good.pem" "$C/other.pem" > "$C/two.pem"
out=$(lt import two "$C/two.pem" 2>&1); rc=$?
check "two certificates without --all: exit 1" test $rc = 1
check "...lists them by subject" contains "CN=other" "$out"
check "...with SHA-256" contains "$(openssl x509 -in "$C/other.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)" "$out"
check "...and says --all" contains "--all" "$out"
long=$(printf 'a%.0s' $(seq 1 65))
for bad in "" "a/b" " lead" "trail " "$long" "$(printf 'tab\there')"; do
	expect_ldap 1 "bad alias" lt import "$bad" "$C/other.pem"
done
expect_ldap 1 "at most 64 characters" lt import "$long" "$C/other.pem"
expect_ldap 1 "cannot hold '/'" lt delete --yes "a/b"
expect_ldap 1 "cannot hold '/'" lt rename good "x/y"
unchanged "local refusals"
grep -q "cn=k,\|cn=t,\|cn=m,\|cn=two" "$T/n1.log" &&
    fail "a refused import reached the server" || pass "nothing sent for local refusals"

# --- delete and rename ----------------------------------------------------------
expect_ldap 32 "No such object (32)" lt delete --yes missing
expect_ldap 32 "missing" lt delete --yes good missing
unchanged "delete with a missing alias deletes nothing"
expect_ldap 1 "--yes" lt delete good
unchanged "delete without --yes off a terminal"
expect_ldap 32 "No such object (32)" lt show missing
expect_ldap 32 "No such object (32)" lt export missing
expect_ldap 32 "No such object (32)" lt rename missing newname
lt import other "$C/other.pem" >/dev/null || fail "import other"
snapshot 1 > "$T/before"
expect_ldap 68 "Already exists (68)" lt rename good other
unchanged "rename onto an existing alias"
echo keep > "$T/exists"
expect_ldap 1 "--force" lt export good "$T/exists"
check "file kept" test "$(cat "$T/exists")" = keep

# --- bulk: keeps going, says what happened to each --------------------------------
mkcert fresh
cat "$C/fresh.pem" "$C/old.pem" "$C/weak.pem" "$C/good.pem" > "$C/mixed.pem"
out=$(lt import --all mix "$C/mixed.pem" 2>&1); rc=$?
check "bulk with refusals: exit 19" test $rc = 19
check "bulk summary" contains "4 certificates: 1 imported, 1 already present, 2 refused" "$out"
check "bulk names the expired one" contains 'import "mix-2" (CN=old): Constraint violation (19)' "$out"
check "bulk names the weak one" contains 'import "mix-3" (CN=weak)' "$out"
check "bulk imported the fresh one" contains "dn: cn=mix,$BASE" "$(lsearch 1 -b "$BASE" cn=mix 1.1)"
# a certificate twice in one bundle shares the first copy's fate: refused
# with it, not "already present" under an alias that was never stored
mkcert fresh2
cat "$C/weak.pem" "$C/fresh2.pem" "$C/weak.pem" "$C/fresh2.pem" > "$C/twice.pem"
out=$(lt -v import --all twice "$C/twice.pem" 2>&1); rc=$?
check "bundle with copies: exit 19, the refusal's" test "$rc" = 19
check "bundle with copies: 1 imported, 1 already present, 2 refused" \
    contains "twice.pem: 4 certificates: 1 imported, 1 already present, 2 refused" "$out"
check "bundle with copies: the refused one's copy is said refused" \
    contains 'import "twice-3" (CN=weak): the same certificate as "twice" earlier in the file, refused' "$out"
check "bundle with copies: no copy present as a refused alias" \
    not_contains 'already present as "twice": CN=weak' "$out"
check "bundle with copies: the imported one's copy is present" \
    contains 'already present as "twice-2": CN=fresh2' "$out"
check "bundle with copies: twice-2 alone stored" \
    test "$(lsearch 1 -b "$BASE" '(cn=twice*)' 1.1 | grep -c '^dn:')" = 1

# --- usage errors ---------------------------------------------------------------
expect_ldap 1 "unknown command" "$LDAPTRUST" frobnicate
expect_ldap 1 "unknown option" lt list --frob
expect_ldap 1 "--sort" lt list --sort size
expect_ldap 1 "needs a value" lt import --description

# a base that does not exist: the server's answer, with its matched DN
expect_ldap 32 "search ou=nope,o=ts: No such object (32)" lt -b "ou=nope,$SUFFIX" list
expect_ldap 32 "matched DN: o=ts" lt -b "ou=nope,$SUFFIX" list
expect_ldap 32 "the base does not exist, or is hidden from this identity" lt -b "ou=nope,$SUFFIX" list
# an alias looked for under a missing base: the base is named, once
out=$(lt -b "ou=nope,$SUFFIX" show good 2>&1)
check "missing base: said once" [ "$(printf '%s\n' "$out" | grep -c 'No such object')" = 1 ]
check "missing base: the alias is not blamed" not_contains "no certificate with this alias" "$out"
expect_ldap 32 "hidden from anonymous users: bind with -D" \
	"$LDAPTRUST" -x -H "$(uri 1)" -b "ou=nope,$SUFFIX" list
