#!/bin/sh
# t305-client-containers.sh - ldaptrust on a store that keeps certificates
# in containers below its base (ou=sub,BASE), which the overlay allows and
# exports: list, expiring, export --all and verify see the whole subtree;
# show, export, rename and delete find an alias in a container, prefer the
# one directly below the base, and refuse an alias two containers hold.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsserver.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }

node_conf 1
node_start 1
add_base 1

lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
jqe() { jq -e "$@" >/dev/null; }
exists() { lsearch 1 -b "$1" -s base 1.1 2>/dev/null | grep -q '^dn:'; }

nonca="basicConstraints=critical,CA:FALSE"
SAN="subjectAltName=DNS:localhost,IP:127.0.0.1"
for c in flat inner twina twinb shadowtop shadowsub; do
	mkcert "$c" -subj "/CN=t305 $c" -addext "$nonca"
done
mkcert srv -subj "/CN=localhost" -addext "$SAN"
C=$T/certs

ladd 1 >/dev/null <<EOF || die "containers"
dn: ou=sub,$BASE
objectClass: organizationalUnit
ou: sub

dn: ou=a,$BASE
objectClass: organizationalUnit
ou: a

dn: ou=b,ou=a,$BASE
objectClass: organizationalUnit
ou: b
EOF
# add DN DERFILE: a certificate entry with plain ldapadd
add() {
	printf 'dn: %s\nobjectClass: tsCertificate\ncn: %s\nuserCertificate;binary:< file://%s\n' \
	    "$1" "$(printf '%s' "$1" | sed 's/^cn=\([^,]*\),.*/\1/')" "$2" |
	    ladd 1 >/dev/null || fail "add $1"
}
add "cn=flat,$BASE" "$C/flat.der"
add "cn=inner,ou=sub,$BASE" "$C/inner.der"
add "cn=twin,ou=a,$BASE" "$C/twina.der"
add "cn=twin,ou=b,ou=a,$BASE" "$C/twinb.der"
add "cn=shadow,$BASE" "$C/shadowtop.der"
add "cn=shadow,ou=sub,$BASE" "$C/shadowsub.der"
add "cn=server,ou=sub,$BASE" "$C/srv.der"

# --- list, expiring, export --all: the whole subtree ------------------------
out=$(lt list) || fail "list: $out"
check "list shows all seven certificates" test "$(printf '%s\n' "$out" | wc -l)" = 7
check "list shows a container's certificate with its container" \
    contains "$(printf 'inner\tCN=t305 inner')" "$out"
check "a certificate in a container: seventh field ou=sub" test \
    "$(printf '%s\n' "$out" | awk -F'\t' '$1 == "inner" { print $7 }')" = "ou=sub"
check "a nested container is named relative to the base" test \
    "$(printf '%s\n' "$out" | awk -F'\t' '$2 == "CN=t305 twinb" { print $7 }')" = "ou=b,ou=a"
check "a certificate directly below the base: container -" test \
    "$(printf '%s\n' "$out" | awk -F'\t' '$1 == "flat" { print $7 }')" = "-"
lt list --json > "$T/list.json" || fail "list --json"
check "JSON: container of inner" jqe '.[] | select(.alias == "inner") | .container == "ou=sub"' "$T/list.json"
check "JSON: container of flat is null" jqe '.[] | select(.alias == "flat") | .container == null' "$T/list.json"
lt export --all "$T/all.pem" || fail "export --all"
check "export --all holds all seven" test "$(grep -c 'BEGIN CERTIFICATE' "$T/all.pem")" = 7
out=$(lt -b "ou=sub,$BASE" list) || fail "list of a container: $out"
check "-b a container lists it alone, as before" test "$(printf '%s\n' "$out" | wc -l)" = 3
check "-b a container: its certificates are directly below, six fields" \
    test "$(printf '%s\n' "$out" | awk -F'\t' '{ print NF }' | sort -u)" = 6

# a flat store keeps six fields (ou=sub's certificates are gone from it)
out=$(lt -b "ou=b,ou=a,$BASE" list) || fail "list of a flat container"
check "a flat store: six fields a line" test "$(printf '%s\n' "$out" | awk -F'\t' '{ print NF }')" = 6

# --- show and export find an alias in a container -----------------------------
out=$(lt show inner) || fail "show inner: $out"
check "show finds the alias in ou=sub" contains "cn=inner,ou=sub,$BASE" "$out"
lt export --der inner "$T/inner.der" || fail "export inner"
check "export of a container's certificate is its DER" cmp -s "$T/inner.der" "$C/inner.der"
out=$(lt show shadow) || fail "show shadow: $out"
check "the alias directly below the base wins" contains "cn=shadow,$BASE" "$out"
check "... and not the container's" test "$(printf '%s' "$out" | grep -c 'ou=sub')" = 0

# --- an alias held by two containers is refused, naming both ------------------
expect_ldap 1 "2 certificates have this alias" lt show twin
out=$(lt show twin 2>&1)
check "the refusal names the first DN" contains "cn=twin,ou=a,$BASE" "$out"
check "the refusal names the second DN" contains "cn=twin,ou=b,ou=a,$BASE" "$out"
check "the refusal says how to choose" contains "give -b the container" "$out"
expect_ldap 1 "2 certificates have this alias" lt export twin "$T/twin.pem"
check "no file written for an ambiguous alias" test ! -e "$T/twin.pem"
expect_ldap 1 "2 certificates have this alias" lt delete --yes twin
check "ambiguous delete deleted nothing (a)" exists "cn=twin,ou=a,$BASE"
check "ambiguous delete deleted nothing (b)" exists "cn=twin,ou=b,ou=a,$BASE"
expect_ldap 1 "2 certificates have this alias" lt rename twin twin2
out=$(lt -b "ou=b,ou=a,$BASE" show twin) || fail "-b chooses: $out"
check "-b the container chooses" contains "CN=t305 twinb" "$out"

# --- rename keeps the container; delete finds it ------------------------------
lt rename inner inner2 >/dev/null || fail "rename in a container"
# with -c an ambiguous alias is one not found, and the others go ahead
out=$(lt -c delete --yes twin inner2 2>&1)
check "-c: an ambiguous alias is counted, exit 1" test $? = 1
check "-c: ... and the other is deleted" contains 'deleted "inner2"' "$out"
out=$(lt delete --yes twin flat 2>&1)
check "an ambiguous alias is one not found, exit 1" test $? = 1
check "... the count says so" contains "nothing deleted: 1 of the 2 aliases not found" "$out"
check "... and flat is still there" exists "cn=flat,$BASE"
add "cn=inner2,ou=sub,$BASE" "$C/inner.der"
check "renamed in its container" exists "cn=inner2,ou=sub,$BASE"
check "the old name is gone" sh -c "! $(command -v ldapsearch) -x -H '$(curi 1)' -D '$ROOTDN' -w '$ROOTPW' -b 'cn=inner,ou=sub,$BASE' -s base 1.1 >/dev/null 2>&1"
out=$(lt delete --yes inner2) || fail "delete in a container: $out"
check "delete says so" contains 'deleted "inner2"' "$out"
check "deleted from its container" sh -c "! $(command -v ldapsearch) -x -H '$(curi 1)' -D '$ROOTDN' -w '$ROOTPW' -b 'cn=inner2,ou=sub,$BASE' -s base 1.1 >/dev/null 2>&1"
expect_ldap 32 "no certificate with this alias" lt show inner2

# --- an alias in a container is matched as the server matches cn ---------------
# (case folded beyond ASCII, runs of spaces as one), as one directly below
# the base is found through its DN: the same spellings find both
mkcert etoile -subj "/CN=t305 etoile" -addext "$nonca"
mkcert etoile2 -subj "/CN=t305 etoile2" -addext "$nonca"
ladd 1 >/dev/null <<EOF || die "the étoile entries"
dn: cn=Étoile  Polaire,ou=sub,$BASE
objectClass: tsCertificate
cn: Étoile  Polaire
userCertificate;binary:< file://$C/etoile.der

dn: cn=Ärger Zwei,$BASE
objectClass: tsCertificate
cn: Ärger Zwei
userCertificate;binary:< file://$C/etoile2.der
EOF
for a in "Étoile  Polaire" "étoile  polaire" "ÉTOILE POLAIRE"; do
	out=$(lt show "$a" 2>&1)
	check "show \"$a\" finds it in its container" \
	    contains "Entry:                cn=Étoile  Polaire,ou=sub,$BASE" "$out"
done
for a in "ärger zwei" "ÄRGER  ZWEI"; do
	out=$(lt show "$a" 2>&1)
	check "show \"$a\" finds it below the base" \
	    contains "Entry:                cn=Ärger Zwei,$BASE" "$out"
done
# show names the entry's alias, not the spelling that found it
out=$(lt show "ärger  zwei" 2>&1)
check "show: Alias is the entry's" contains "Alias:                Ärger Zwei" "$out"
check "show --json: alias is the entry's" \
    test "$(lt show --json "ÉTOILE POLAIRE" | jq -r .alias)" = "Étoile  Polaire"
lt export "étoile polaire" "$T/etoile.out" || fail "export by another spelling"
check "export of a container's alias by another spelling" \
    sh -c "openssl x509 -in '$T/etoile.out' -outform DER | cmp -s - '$C/etoile.der'"
expect_ldap 32 "no certificate with this alias" lt show "Etoile Polaire"
out=$(lt delete --yes "étoile polaire" 2>&1) || fail "delete by another spelling: $out"
check "deleted from its container" sh -c "! $(command -v ldapsearch) -x -H '$(curi 1)' -D '$ROOTDN' -w '$ROOTPW' -b 'cn=Étoile  Polaire,ou=sub,$BASE' -s base 1.1 >/dev/null 2>&1"

# --- verify trusts what the store trusts, containers included -----------------
tls_server 2 "$C/srv.pem" "$C/srv.key" "ldaps://127.0.0.1:$(port 2)"
expect_ldap 0 "OK: chain verified by \"server\"" lt verify "127.0.0.1:$(port 2)"
ldelete 1 "cn=server,ou=sub,$BASE" || fail "delete the server's certificate"
expect_ldap 1 "FAILED" lt verify "127.0.0.1:$(port 2)"

node_alive 1 && pass "slapd still running"
