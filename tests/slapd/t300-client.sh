#!/bin/sh
# t300-client.sh - ldaptrust: every command on success against a real slapd
# (PEM, DER and PKCS#7 input, a real CA bundle with --all, byte-identical
# export round trips, --json through jq, rename, delete).
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }

node_conf 1
node_start 1
add_base 1

# the client as the rootdn of node 1; stdin is never a terminal here
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
count() { lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' 1.1 | grep -c '^dn:'; }
# contains TEXT STRING: STRING holds TEXT
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
jqe() { jq -e "$@" >/dev/null; }
has_alias() { lt list | cut -f1 | grep -qxF -- "$1"; }

nonca="basicConstraints=critical,CA:FALSE"
mkcert pem1 -subj "/CN=pem one/O=ts test" -addext "$nonca"
mkcert der1 -addext "$nonca"
mkcert p7a -addext "$nonca"
mkcert p7b -addext "basicConstraints=critical,CA:TRUE" -addext "subjectAltName=DNS:p7b.example,IP:192.0.2.7"
C=$T/certs

# --- import: PEM, DER, PKCS#7 (DER and PEM) ---------------------------------
out=$(lt import --description "first one" pem1 "$C/pem1.pem") || fail "import PEM: $out"
check "import PEM says so" contains 'imported "pem1"' "$out"
lt import der1 "$C/der1.der" >/dev/null || fail "import DER"
# a certificate named by its SAN only: the message names its fingerprint
mkcert sanonly -subj "/" -addext "subjectAltName=DNS:sanonly.example" -addext "$nonca"
out=$(lt import sanonly "$C/sanonly.pem") || fail "import an empty subject: $out"
check "import of an empty subject names the fingerprint" contains \
	"imported \"sanonly\": $(openssl x509 -in "$C/sanonly.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f)" "$out"
out=$(lt show sanonly) || fail "show sanonly: $out"
check "show of an empty subject says so" contains "Subject:              (empty)" "$out"
# the rest of the entry is decorated: each fact once, not the server's
# and then the client's own parse of the certificate after them
check "show of an empty subject: its DNS name once" test \
	"$(printf '%s\n' "$out" | sed -n 's/^DNS names: *//p')" = sanonly.example
out=$(lt show --json sanonly) || fail "show --json sanonly: $out"
check "show --json of an empty subject: dnsNames once" test \
	"$(printf '%s' "$out" | jq -c .dnsNames)" = '["sanonly.example"]'
lt delete --yes sanonly >/dev/null || fail "delete sanonly"
openssl crl2pkcs7 -nocrl -certfile "$C/p7a.pem" -outform DER -out "$C/p7a.p7b"
lt import p7a "$C/p7a.p7b" >/dev/null || fail "import PKCS#7 DER"
cat "$C/p7a.pem" "$C/p7b.pem" > "$C/two.pem"
openssl crl2pkcs7 -nocrl -certfile "$C/two.pem" -out "$C/two.p7c"
out=$(lt import --all seven "$C/two.p7c") || fail "import --all PKCS#7 PEM: $out"
check "PKCS#7 bundle: 1 imported, 1 already present" contains '2 certificates: 1 imported, 1 already present, 0 refused' "$out"
check "4 entries in the store" test "$(count)" = 4
check "description stored" contains "description: first one" "$(lsearch 1 -b "cn=pem1,$BASE" -s base description)"
# the bundle's second certificate got ALIAS-2
check "--all names ALIAS-2" contains "dn: cn=seven-2," "$(lsearch 1 -b "cn=seven-2,$BASE" -s base 1.1)"

# --- export round trips --------------------------------------------------------
lt export pem1 > "$T/pem1.out.pem" || fail "export PEM to stdout"
openssl x509 -in "$T/pem1.out.pem" -outform DER -out "$T/pem1.out.der"
check "exported PEM holds the original DER" cmp -s "$T/pem1.out.der" "$C/pem1.der"
check "exported PEM is openssl's PEM" cmp -s "$T/pem1.out.pem" "$C/pem1.pem"
lt export --der der1 "$T/der1.out" || fail "export --der to a file"
check "exported DER is the original DER" cmp -s "$T/der1.out" "$C/der1.der"
lt export p7a "$T/p7a.out.pem" || fail "export to a file"
openssl x509 -in "$T/p7a.out.pem" -outform DER | cmp -s - "$C/p7a.der" &&
    pass "PKCS#7 import exports the original DER" || fail "PKCS#7 round trip"
echo keep > "$T/exists"
expect_ldap 1 "file exists" lt export pem1 "$T/exists"
check "existing file untouched" test "$(cat "$T/exists")" = keep
lt export --force --der pem1 "$T/exists" || fail "export --force"
check "--force overwrote" cmp -s "$T/exists" "$C/pem1.der"
lt export --all "$T/all.pem" || fail "export --all"
check "--all bundle holds 4 certificates" test "$(grep -c 'BEGIN CERTIFICATE' "$T/all.pem")" = 4

# --- list and show -----------------------------------------------------------
lt list > "$T/list" || fail "list"
check "list: one line per certificate" test "$(wc -l < "$T/list")" = 4
check "list: tab-separated alias, subject, ..." grep -q '^pem1	[^	]*CN=pem one	' "$T/list"
check "list: sorted by alias" test "$(cut -f1 "$T/list" | tr '\n' ' ')" = "der1 p7a pem1 seven-2 "
lt list --json > "$T/list.json" || fail "list --json"
check "list --json parses, 4 items" test "$(jq length "$T/list.json")" = 4
check "list --json fields" jqe 'all(.[]; (.alias|type)=="string" and (.daysLeft|type)=="number" and .status=="valid" and (.sha256|length)==64)' "$T/list.json"
check "list --ca keeps the CA" test "$(lt list --ca --json | jq -r '.[].alias')" = seven-2
check "list --expiring 400 keeps all" test "$(lt list --expiring 400 | wc -l)" = 4
check "list --expired keeps none" test "$(lt list --expired | wc -l)" = 0
lt list --sort expiry >/dev/null || fail "list --sort expiry"

lt show pem1 > "$T/show" || fail "show"
for want in "Alias: *pem1" "Description: *first one" "Subject: .*CN=pem one" \
    "SHA-256 fingerprint:" "Key size: *2048 bits" "Status: *valid" \
    "Valid until: .*days left" "Added by: *cn=admin,o=ts"; do
	check "show: $want" grep -q "$want" "$T/show"
done
lt show --json seven-2 > "$T/show.json" || fail "show --json"
check "show --json facts" jqe '.alias=="seven-2" and .isCA==true and .keyBits==2048 and (.dnsNames|index("p7b.example"))!=null and (.ipAddresses|length)==1 and .createdBy=="cn=admin,o=ts"' "$T/show.json"
fp=$(openssl x509 -in "$C/p7b.pem" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f)
check "show --json sha256 is openssl's" test "$(jq -r .sha256 "$T/show.json" | tr -d : | tr A-F a-f)" = "$fp"

# JSON escaping and DN escaping: quotes, backslashes, UTF-8, RFC 4514 specials
mkcert odd -subj "$(printf '/CN=say "hi" \\\\ caf\303\251/O=x')" -utf8 -addext "$nonca"
odd_alias='#1 "odd", a+b=c; <d>'
lt import "$odd_alias" "$C/odd.pem" >/dev/null || fail "import with RFC 4514 specials in the alias"
check "odd alias listed" has_alias "$odd_alias"
lt show --json "$odd_alias" > "$T/odd.json" || fail "show odd alias"
check "odd alias in JSON" test "$(jq -r .alias "$T/odd.json")" = "$odd_alias"
got=$(jq -r .subject "$T/odd.json")
check "JSON subject with quotes, backslash, UTF-8 ($got)" contains 'say \"hi\" \\ café' "$got"
lt export "$odd_alias" > "$T/odd.out" && cmp -s "$T/odd.out" "$C/odd.pem" &&
    pass "export by odd alias" || fail "export by odd alias"
lt delete --yes "$odd_alias" >/dev/null || fail "delete odd alias"
check "odd alias deleted" test "$(count)" = 4

# --- rename and delete ---------------------------------------------------------
lt rename pem1 "pem, renamed" >/dev/null || fail "rename"
check "renamed entry listed" has_alias "pem, renamed"
check "renamed entry shows" contains "CN=pem one" "$(lt show 'pem, renamed')"
expect_ldap 32 "No such object" lt show pem1
check "one cn after rename" test "$(lsearch 1 -b "$BASE" '(cn=pem*)' cn | grep -c '^cn:')" = 1
check "options after the arguments (rename OLD NEW -n)" contains 'would rename "der1" to "x"' "$(lt rename der1 x -n)"
lt -n delete der1 >/dev/null || fail "delete -n"
check "delete -n deleted nothing" test "$(count)" = 4
lt delete --yes der1 p7a >/dev/null || fail "delete --yes"
check "two entries deleted" test "$(count)" = 2

# --- a real CA bundle ----------------------------------------------------------
# the first 20 unexpired certificates of the system's bundle; slapd itself
# refuses (21, normalization failed) a name with organizationIdentifier,
# an attribute type its schema lacks, so those are left out
bundle=/etc/ssl/certs/ca-certificates.crt
[ -r "$bundle" ] || die "no $bundle (ca-certificates)"
mkdir -p "$T/split"
awk -v d="$T/split" '/BEGIN CERT/{n++} n{print > (d "/" n ".pem")}' "$bundle"
: > "$T/bundle20.pem"
k=0
for f in $(ls "$T/split" | sort -n); do
	openssl x509 -in "$T/split/$f" -noout -checkend 86400 >/dev/null 2>&1 || continue
	openssl x509 -in "$T/split/$f" -noout -subject -issuer -nameopt sname |
	    grep -q organizationIdentifier && continue
	cat "$T/split/$f" >> "$T/bundle20.pem"
	k=$((k + 1)); [ $k = 20 ] && break
done
out=$(lt import --all --alias-from subject "$T/bundle20.pem"); rc=$?
check "bundle: exit 0" test $rc = 0
check "bundle: 20 imported" contains '20 certificates: 20 imported, 0 already present, 0 refused' "$out"
check "bundle: 22 entries" test "$(count)" = 22
out=$(lt import --all --alias-from subject "$T/bundle20.pem"); rc=$?
check "bundle again: exit 0" test $rc = 0
check "bundle again: all already present" contains '0 imported, 20 already present, 0 refused' "$out"
check "bundle again: still 22 entries" test "$(count)" = 22
# aliases are the subjects' CNs
cn1=$(openssl x509 -in "$T/bundle20.pem" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p' | head -1)
check "alias from subject CN ($cn1)" has_alias "$cn1"
lt export --all "$T/store.pem" || fail "export --all after bundle"
check "exported bundle has 22 certificates" test "$(grep -c 'BEGIN CERTIFICATE' "$T/store.pem")" = 22

# an entry loaded offline (slapadd runs no overlay): show still has the facts
mkcert offline -addext "$nonca"
node_stop 1
cert_ldif offline "$C/offline.der" > "$T/offline.ldif"
slapadd -q -f "$T/n1/slapd.conf" -b "$SUFFIX" -l "$T/offline.ldif" >"$T/slapadd.log" 2>&1 ||
	{ cat "$T/slapadd.log"; fail "slapadd offline entry"; }
node_start 1
lt show offline > "$T/offline.show" || fail "show offline entry"
check "show of an undecorated entry: subject" grep -q "Subject: *CN=offline" "$T/offline.show"
check "show of an undecorated entry: fingerprint" grep -q "SHA-256 fingerprint: *[0-9a-f]" "$T/offline.show"
