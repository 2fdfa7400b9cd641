#!/bin/sh
# t600-import-from.sh - import --from and verify against real TLS servers:
# a slapd on ldaps with a self-signed certificate, a slapd presenting a
# two-level chain (root CA -> server) on ldaps and on a plain port with
# StartTLS.  The right certificate is imported for each --pick, a wrong
# --fingerprint is refused, unreachable and non-TLS ports fail clearly,
# and verify fails before the import (with OpenSSL's reason) and passes
# after it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsserver.sh"
ts_init
"$LDAPTRUST" verify --help >/dev/null 2>&1 ||
	{ echo "skip: $LDAPTRUST (with verify) not built"; exit 77; }

node_conf 1
node_start 1
add_base 1

# the TLS servers: n2 self-signed on ldaps; n3 root CA -> server, sending
# both, on ldaps and (port 4) plain LDAP with StartTLS
SAN="subjectAltName=DNS:localhost,IP:127.0.0.1"
mkcert self -addext "$SAN"
mkcert root -subj "/CN=t600 Root CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
C="$T/certs"
openssl req -nodes -newkey rsa:2048 -keyout "$C/srv.key" -out "$C/srv.csr" \
    -subj "/CN=localhost" 2>/dev/null || die "server CSR"
printf '%s\n' "$SAN" > "$C/srv.ext"
openssl x509 -req -in "$C/srv.csr" -CA "$C/root.pem" -CAkey "$C/root.key" \
    -CAcreateserial -days 30 -extfile "$C/srv.ext" -out "$C/srv.pem" 2>/dev/null ||
	die "server certificate"
openssl x509 -in "$C/srv.pem" -outform DER -out "$C/srv.der"
cat "$C/srv.pem" "$C/root.pem" > "$C/chain.pem"
tls_server 2 "$C/self.pem" "$C/self.key" "ldaps://127.0.0.1:$(port 2)"
tls_server 3 "$C/chain.pem" "$C/srv.key" \
    "ldaps://127.0.0.1:$(port 3) ldap://127.0.0.1:$(port 4)"
# n5: mutual TLS (TLS 1.2), the server ends the handshake without a client
# certificate, after it sent its own
tls_server 5 "$C/self.pem" "$C/self.key" "ldaps://127.0.0.1:$(port 5)" \
    "TLSVerifyClient demand
TLSCACertificateFile $C/root.pem
TLSCipherSuite NORMAL:-VERS-TLS1.3"

lt() { "$LDAPTRUST" -H "$(uri 1)" -x -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@"; }
# stored ALIAS DERFILE: the store holds exactly that certificate as ALIAS
stored() {
	got=$(lsearch 1 -b "cn=$1,$BASE" -s base 'userCertificate;binary' |
	    sed -n 's/^userCertificate;binary:: //p')
	[ -n "$got" ] && [ "$got" = "$(base64 -w0 < "$2")" ]
}
fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'; }

# --- self-signed server ---------------------------------------------------------
expect_ldap 1 "FAILED: self-signed certificate" lt verify "127.0.0.1:$(port 2)"
snapshot 1 > "$T/before"
expect_ldap 1 "give --yes" lt import self --from "127.0.0.1:$(port 2)" < /dev/null
expect_ldap 1 "fingerprint mismatch" lt import self --from "127.0.0.1:$(port 2)" \
    --fingerprint "$(fp "$C/root.pem")"
snapshot 1 > "$T/after"
check "refusals changed nothing" cmp -s "$T/before" "$T/after"

# the pin as people copy it: lower case, colons kept
pin=$(fp "$C/self.pem" | tr 'A-F' 'a-f')
lt import self --from "127.0.0.1:$(port 2)" --fingerprint "$pin" > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --from with the right fingerprint"; }
check "the listing shows the SHA-256 fingerprint" grep -qF "$(fp "$C/self.pem")" "$T/out"
check "the listing says the store did not trust the server" \
    grep -q "does not trust this server" "$T/out"
check "self-signed server: its certificate imported" stored self "$C/self.der"
expect_ldap 0 "OK: chain verified by \"self\"" lt verify "127.0.0.1:$(port 2)"
expect_ldap 0 "OK" lt verify "localhost:$(port 2)"
expect_ldap 1 "hostname mismatch" lt verify --name other.example "127.0.0.1:$(port 2)"
expect_ldap 0 "already in the store as \"self\"" lt import again \
    --from "127.0.0.1:$(port 2)" --yes

# --- a chain: root CA -> server -------------------------------------------------------
expect_ldap 1 "FAILED: self-signed certificate in certificate chain" \
    lt verify "127.0.0.1:$(port 3)"
lt import b-root --from "127.0.0.1:$(port 3)" --yes > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --from a chain, default pick"; }
check "chain: both certificates listed" grep -q '^  \[1\] CN=t600 Root CA' "$T/out"
check "chain: the default pick is the self-signed root" stored b-root "$C/root.der"
expect_ldap 0 "OK: chain verified by \"b-root\"" lt verify "127.0.0.1:$(port 3)"
lt import b-leaf --from "127.0.0.1:$(port 3)" --pick leaf --yes > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --pick leaf"; }
check "chain: --pick leaf imports the server's certificate" stored b-leaf "$C/srv.der"
expect_ldap 0 "already in the store as \"b-leaf\"" lt import b-0 \
    --from "127.0.0.1:$(port 3)" --pick 0 --yes
expect_ldap 1 "the server sent 2 certificates" lt import b-5 \
    --from "127.0.0.1:$(port 3)" --pick 5 --yes
# numbers past an int were cut to one: 4294967296 picked 0, the leaf,
# and a --timeout of 4294967297 was 1 second
snapshot 1 > "$T/before"
expect_ldap 1 "--pick 4294967296: leaf, root or a number" lt import b-big \
    --from "127.0.0.1:$(port 3)" --pick 4294967296 --yes
expect_ldap 1 "--timeout 4294967297: a number of seconds, 1 to 86400" \
    lt import b-big --from "127.0.0.1:$(port 3)" --timeout 4294967297 --yes
expect_ldap 1 "--timeout 86401: a number of seconds, 1 to 86400" \
    lt verify --timeout 86401 "127.0.0.1:$(port 3)"
snapshot 1 > "$T/after"
check "numbers out of range changed nothing" cmp -s "$T/before" "$T/after"
ldelete 1 "cn=b-root,$BASE" "cn=b-leaf,$BASE" || die "delete"
expect_ldap 1 "FAILED" lt verify "127.0.0.1:$(port 3)"

# --- StartTLS on a plain port ---------------------------------------------------------
lt import c-root --from "127.0.0.1:$(port 4)" --starttls ldap --pick 1 --yes \
    > "$T/out" 2>&1 || { cat "$T/out"; die "import --from with StartTLS"; }
check "StartTLS: --pick 1 imports the root" stored c-root "$C/root.der"
expect_ldap 0 "OK" lt verify --starttls ldap "127.0.0.1:$(port 4)"
expect_ldap 0 "OK" lt verify "localhost:$(port 3)"
# the URIs -H takes: ldap:// means StartTLS on a plain port, ldaps:// TLS;
# a DN after the host names no endpoint
expect_ldap 0 "OK" lt verify "ldap://127.0.0.1:$(port 4)/"
expect_ldap 0 "OK" lt verify "LDAPS://localhost:$(port 3)/o=ts??base"
expect_ldap 0 "already in the store as \"c-root\"" lt import c-2 \
    --from "ldap://127.0.0.1:$(port 4)" --pick 1 --yes
expect_ldap 1 "an ldaps:// URI is TLS from the start" lt verify \
    --starttls ldap "ldaps://127.0.0.1:$(port 3)"
expect_ldap 1 "ldaps://: expected HOST:PORT" lt verify "ldaps://"
ldelete 1 "cn=c-root,$BASE" || die "delete"
lt import c-leaf --from "localhost:$(port 4)" --starttls ldap --pick root --yes \
    --fingerprint "$(fp "$C/root.pem" | tr -d :)" > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --pick root with a colon-less pin"; }
check "StartTLS: --pick root with a pin imports the root" stored c-leaf "$C/root.der"

# --- on a terminal: asked, and a "no" is respected (script(1)'s pty) ----------
if command -v script >/dev/null; then
	LT="$LDAPTRUST -H $(uri 1) -x -D $ROOTDN -w $ROOTPW -b $BASE"
	on_tty() { printf "$1" | script -qec "$2" /dev/null | tr -d '\r'; }
	snapshot 1 > "$T/before"
	out=$(on_tty 'n\n' "$LT import tty --pick leaf --from 127.0.0.1:$(port 3)")
	check "terminal: the question is asked" eval 'printf "%s" "$out" | grep -qF "Import [0] CN=localhost as \"tty\"? [y/N]"'
	check "terminal: no means nothing imported" eval 'printf "%s" "$out" | grep -q "Nothing imported"'
	snapshot 1 > "$T/after"
	check "terminal: a no changed nothing" cmp -s "$T/before" "$T/after"
	out=$(on_tty 'y\n' "$LT import tty --pick leaf --from 127.0.0.1:$(port 3)")
	check "terminal: yes imports" stored tty "$C/srv.der"
	ldelete 1 "cn=tty,$BASE" || die "delete tty"
fi

# --- a server that demands a client certificate ----------------------------------------
expect_ldap 0 "already in the store as \"self\"" lt import mtls --yes \
    --from "127.0.0.1:$(port 5)"
expect_ldap 0 "failed after the server sent its certificates" \
    lt verify "127.0.0.1:$(port 5)"

# --- what cannot work -----------------------------------------------------------------
snapshot 1 > "$T/before"
expect_ldap 255 "Connection refused" lt import x --from "127.0.0.1:$(port 9)" --yes
expect_ldap 255 "TLS handshake failed" lt import x --from "127.0.0.1:$(port 1)" --yes
expect_ldap 255 "not a TLS port?" lt verify "127.0.0.1:$(port 1)"
expect_ldap 255 "drop --starttls" lt import x --from "127.0.0.1:$(port 2)" \
    --starttls ldap --yes
expect_ldap 1 "expected HOST:PORT" lt import x --from "::1:636" --yes
expect_ldap 1 "bad alias" lt import "a/b" --from "127.0.0.1:$(port 2)" --yes
expect_ldap 1 "expected 64 hex digits" lt import x --from "127.0.0.1:$(port 2)" \
    --fingerprint abcd
expect_ldap 0 "Would import [0] CN=localhost as \"dry\"" lt -n import dry \
    --from "127.0.0.1:$(port 3)" --pick leaf
# sync --watch needs Content Synchronization: this node has no syncprov
# (a one-shot sync does without: t615)
expect_ldap 12 "syncprov overlay" lt sync --dir "$T/sync" --watch
# a port that accepts and then says nothing (a hung or filtered service)
if command -v python3 >/dev/null; then
	python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $(port 8))); s.listen(5); open('$T/silent', 'w').close()
time.sleep(60)" &
	_ts_pids="$_ts_pids $!"
	i=0
	while [ ! -e "$T/silent" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || die "silent listener"; sleep 0.1
	done
	expect_ldap 255 "no answer within 1 s" lt import x --timeout 1 --yes \
	    --from "127.0.0.1:$(port 8)"
	expect_ldap 255 "StartTLS: no answer within 1 s" lt verify --timeout 1 \
	    --starttls ldap "127.0.0.1:$(port 8)"
	# one that answers a byte a second: each read is in time, the
	# handshake never is (timeout(1) only keeps a hang from hanging us)
	python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $(port 7))); s.listen(5); open('$T/drip', 'w').close()
c, _ = s.accept()
for b in b'\\x16\\x03\\x03\\x40\\x00' + b'\\x02' * 60:
    c.send(bytes([b])); time.sleep(0.5)" &
	_ts_pids="$_ts_pids $!"
	i=0
	while [ ! -e "$T/drip" ]; do
		i=$((i + 1)); [ $i -lt 200 ] || die "drip listener"; sleep 0.1
	done
	expect_ldap 255 "TLS handshake: no answer within 2 s" timeout 25 \
	    "$LDAPTRUST" -x -H "$(uri 1)" -b "$BASE" verify --timeout 2 "127.0.0.1:$(port 7)"
fi
snapshot 1 > "$T/after"
check "failures changed nothing" cmp -s "$T/before" "$T/after"
exit 0
