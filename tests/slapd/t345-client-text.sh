#!/bin/sh
# t345-client-text.sh - what ldaptrust prints for people holds no control
# character: a description with ESC sequences and a newline (any client
# with write access to description can store one), a subject with a C1
# control (U+009B, CSI to many terminals) and DEL, and a TLS server whose
# certificate names itself so, are shown with \XX escapes by list, show,
# import (-n, the result line, import --from's chain) and delete's
# question; a tab-separated line of list keeps its fields; --json still
# carries the values as they are.  The forms of UTF-8 RFC 3629 forbids
# (overlong, surrogates, above U+10FFFF) are escaped as invalid bytes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsserver.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }

node_conf 1
node_start 1
add_base 1

lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
C=$T/certs
CSI=$(printf '\302\233')
DEL=$(printf '\177')
ESC=$(printf '\033')
# raw FILE: FILE holds a C0 (other than tab and newline), DEL or C1 byte
raw() { LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]\|\302[\200-\237]')" "$1"; }
clean() { ! raw "$1"; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }

mkcert hostile -utf8 -subj "/CN=x${CSI}31mred${DEL}z/O=t345" \
    -addext "subjectAltName=DNS:localhost,IP:127.0.0.1"
check "the certificate's subject holds U+009B" \
    sh -c "openssl x509 -in '$C/hostile.pem' -noout -subject -nameopt RFC2253,-esc_msb | grep -qF '$CSI'"

# --- import -n and import: the subject in the lines printed ----------------------
lt -n import hostile "$C/hostile.pem" > "$T/dry" 2>&1 || fail "import -n"
check "import -n: no control character" clean "$T/dry"
check "import -n: C1 and DEL escaped" grep -qF 'CN=x\C2\9B31mred\7Fz' "$T/dry"
lt import hostile "$C/hostile.pem" > "$T/imp" 2>&1 || fail "import: $(cat "$T/imp")"
check "import: no control character" clean "$T/imp"
check "import: says so, escaped" grep -qF 'imported "hostile": O=t345,CN=x\C2\9B31mred\7Fz' "$T/imp"

# a description any writer of it can set: ESC sequences, BEL, a forged line
desc=$(printf 'ok%s[2J%s]0;pwned\007\nStatus:               valid\tx' "$ESC" "$ESC" | base64 -w0)
lmodify 1 >/dev/null <<EOF || die "set the description"
dn: cn=hostile,$BASE
changetype: modify
replace: description
description:: $desc
EOF

# --- list (tab-separated off a terminal) and show ---------------------------------
lt list > "$T/list" 2>&1 || fail "list"
check "list: no control character" clean "$T/list"
check "list: one line, six fields" test "$(awk -F '\t' '{ print NF }' "$T/list")" = 6
check "list: the subject escaped" grep -qF 'O=t345,CN=x\C2\9B31mred\7Fz' "$T/list"
lt show hostile > "$T/show" 2>&1 || fail "show"
check "show: no control character" clean "$T/show"
check "show: the description on one line, escaped" \
    grep -qxF 'Description:          ok\1B[2J\1B]0;pwned\07\0AStatus:               valid\09x' "$T/show"
check "show: one Status line (none forged)" test "$(grep -c '^Status:' "$T/show")" = 1
check "show: the subject escaped" grep -qF 'Subject:              O=t345,CN=x\C2\9B31mred\7Fz' "$T/show"
# programs get the values themselves
check "list --json: the subject as stored" \
    test "$(lt list --json | jq -r '.[0].subject')" = "O=t345,CN=x${CSI}31mred\\7Fz"
check "show --json: the description as stored" \
    test "$(lt show --json hostile | jq -j .description | base64 -w0)" = "$desc"

# --- delete -n: what would go ---------------------------------------------------------
lt -n delete hostile > "$T/del" 2>&1 || fail "delete -n"
check "delete -n: no control character" clean "$T/del"
check "delete -n: the subject escaped" grep -qF 'CN=x\C2\9B31mred\7Fz' "$T/del"

# --- import --from: a server names itself ------------------------------------------
tls_server 2 "$C/hostile.pem" "$C/hostile.key" "ldaps://127.0.0.1:$(port 2)"
lt delete --yes hostile >/dev/null || fail "delete"
lt import -n srv --from "127.0.0.1:$(port 2)" > "$T/from" 2>&1 ||
	fail "import -n --from: $(cat "$T/from")"
check "import --from: no control character" clean "$T/from"
check "import --from: the chain's names escaped" grep -qF '[0] O=t345,CN=x\C2\9B31mred\7Fz' "$T/from"
check "import --from: the pick escaped" grep -qF 'Would import [0] O=t345,CN=x\C2\9B31mred\7Fz' "$T/from"
lt verify "127.0.0.1:$(port 2)" > "$T/verify" 2>&1
check "verify: no control character" clean "$T/verify"

# --- the forms of UTF-8 that RFC 3629 forbids --------------------------------------
# They have the shape of a character, and a lax decoder (a terminal, a log
# reader) makes a '/' of an overlong form or half a pair of a surrogate:
# each of their bytes is escaped as an invalid one.  slapd refuses overlong
# forms in a directoryString but keeps a surrogate (ED A0 80) and a code
# point above U+10FFFF (F4 90 80 80); the alias check refuses all of
# them, and its message escapes the alias it quotes.
# forbidden FILE: FILE holds one of them as it is
forbidden() {
	LC_ALL=C grep -q "$(printf '\300\257\|\340[\200-\237]\|\355[\240-\277]\|\364[\220-\277]')" "$1"
}
mkcert bytes
lt import bytes "$C/bytes.pem" >/dev/null || die "import bytes"
d=$(printf 'a\355\240\200b\364\220\200\200c' | base64 -w0)
lmodify 1 >/dev/null <<EOF || die "a description with a surrogate and U+110000"
dn: cn=bytes,$BASE
changetype: modify
replace: description
description:: $d
EOF
lt show bytes > "$T/show2" 2>&1 || fail "show bytes"
check "show: a surrogate and a code point above U+10FFFF escaped" \
    grep -qxF 'Description:          a\ED\A0\80b\F4\90\80\80c' "$T/show2"
check "show: none of their bytes as they are" not forbidden "$T/show2"
lt show --json bytes > "$T/json2" 2>&1 || fail "show --json bytes"
check "show --json: U+FFFD for each byte, as for any byte not UTF-8" \
    test "$(jq -r .description "$T/json2")" = "$(printf 'a\357\277\275\357\277\275\357\277\275b\357\277\275\357\277\275\357\277\275\357\277\275c')"
check "show --json: none of their bytes as they are" not forbidden "$T/json2"
lt -n import "$(printf 'o\340\200\257v')" "$C/bytes.pem" > "$T/ovl" 2>&1
check "an alias with an overlong '/' (E0 80 AF): refused, escaped" \
    grep -qF '"o\E0\80\AFv": bad alias: an alias must be UTF-8 text' "$T/ovl"
lt -n rename bytes "$(printf 's\355\240\200r')" > "$T/sur" 2>&1
check "an alias with a surrogate (ED A0 80): refused, escaped" \
    grep -qF '"s\ED\A0\80r": bad alias: an alias must be UTF-8 text' "$T/sur"
lt -n import "$(printf 'o\300\257v')" "$C/bytes.pem" > "$T/ovl2" 2>&1
check "an alias with an overlong '/' (C0 AF): escaped" \
    grep -qF '"o\C0\AFv": bad alias' "$T/ovl2"
check "no message holds one of them as it is" \
    not eval 'forbidden "$T/ovl" || forbidden "$T/sur" || forbidden "$T/ovl2"'
