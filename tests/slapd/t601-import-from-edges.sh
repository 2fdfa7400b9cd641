#!/bin/sh
# t601-import-from-edges.sh - import --from and verify against servers that
# are not laid out as the book says: chains holding a stranger or in the
# wrong order, certificates chosen by SNI, slow answers, an alias taken.
# The TLS servers are openssl s_server, which sends its -cert_chain file
# as it is.
. "$(dirname "$0")/lib.sh"
ts_init
"$LDAPTRUST" verify --help >/dev/null 2>&1 ||
	{ echo "skip: $LDAPTRUST (with verify) not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

node_conf 1
node_start 1
add_base 1

C="$T/certs"
SAN="subjectAltName=DNS:localhost,IP:127.0.0.1"
CA="basicConstraints=critical,CA:TRUE"
KU="keyUsage=critical,keyCertSign,cRLSign"
mkcert root -subj "/CN=t601 Root CA" -addext "$CA" -addext "$KU"
mkcert other -subj "/CN=t601 Other Root" -addext "$CA" -addext "$KU"
# issue NAME CA SUBJECT EXT: NAME.pem/.key/.der signed by CA
issue() {
	openssl req -nodes -newkey rsa:2048 -keyout "$C/$1.key" \
	    -out "$C/$1.csr" -subj "$3" 2>/dev/null || die "CSR $1"
	printf '%s\n' "$4" > "$C/$1.ext"
	openssl x509 -req -in "$C/$1.csr" -CA "$C/$2.pem" -CAkey "$C/$2.key" \
	    -CAcreateserial -days 30 -extfile "$C/$1.ext" -out "$C/$1.pem" \
	    2>/dev/null || die "certificate $1"
	openssl x509 -in "$C/$1.pem" -outform DER -out "$C/$1.der"
}
issue int root "/CN=t601 Intermediate" "$CA
$KU"
issue srv int "/CN=localhost" "$SAN"

# wait_port N: something listens on port N
wait_port() {
	python3 -c "
import socket, sys, time
for i in range(100):
    try:
        socket.create_connection(('127.0.0.1', $(port "$1")), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)" || die "nothing listens on port $(port "$1")"
}
# s_server N ARGS...: openssl s_server on port N
s_server() {
	_n=$1; shift
	openssl s_server -quiet -accept "$(port "$_n")" -naccept 1000 "$@" \
	    > "$T/s$_n.log" 2>&1 < /dev/null &
	_ts_pids="$_ts_pids $!"
	wait_port "$_n"
}

lt() { "$LDAPTRUST" -H "$(uri 1)" -x -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@"; }
stored() {
	got=$(lsearch 1 -b "cn=$1,$BASE" -s base 'userCertificate;binary' |
	    sed -n 's/^userCertificate;binary:: //p')
	[ -n "$got" ] && [ "$got" = "$(base64 -w0 < "$2")" ]
}

# --- the root to pick is the one the server's certificate leads to ---------
# s2: leaf, intermediate and a self-signed root of another CA left at the
# end of the chain file; s3: leaf, root, intermediate (wrong order)
cat "$C/int.pem" "$C/other.pem" > "$C/stranger.pem"
cat "$C/root.pem" "$C/int.pem" > "$C/misordered.pem"
s_server 2 -cert "$C/srv.pem" -key "$C/srv.key" -cert_chain "$C/stranger.pem"
s_server 3 -cert "$C/srv.pem" -key "$C/srv.key" -cert_chain "$C/misordered.pem"
snapshot 1 > "$T/before"
expect_ldap 0 "Would import [0] CN=localhost as \"s\"" lt -n import s \
    --from "127.0.0.1:$(port 2)"
expect_ldap 0 "[2] CN=t601 Other Root (self-signed, not the root" lt -n \
    import s --from "127.0.0.1:$(port 2)"
expect_ldap 1 "[2] is self-signed but did not issue it" lt import s \
    --from "127.0.0.1:$(port 2)" --pick root --yes
snapshot 1 > "$T/after"
check "a stranger root is not imported" cmp -s "$T/before" "$T/after"
lt import m --from "127.0.0.1:$(port 3)" --yes > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --from a misordered chain"; }
check "misordered chain: the default pick is the root it leads to" \
    stored m "$C/root.der"
expect_ldap 0 "OK: chain verified by \"m\"" lt verify "127.0.0.1:$(port 3)"
ldelete 1 "cn=m,$BASE" || die "delete m"

# --- verify names the store's entry the trust came from ----------------------
# only the leaf is in the store; the server sends its root too, which
# OpenSSL's partial-chain match leaves at the top of the chain it built
lt import leaf "$C/srv.pem" > /dev/null || die "import leaf"
expect_ldap 0 "OK: chain verified by \"leaf\" (CN=localhost)" \
    lt verify "127.0.0.1:$(port 3)"
ldelete 1 "cn=leaf,$BASE" || die "delete leaf"

# --- SNI: a server with a certificate per name ----------------------------------
# s4 shows a self-signed default to a client that names nothing, and
# ldap.example's certificate (issued by the root) to one that asks for it
mkcert dflt -subj "/CN=t601 default"
issue named root "/CN=ldap.example" "subjectAltName=DNS:ldap.example"
s_server 4 -cert "$C/dflt.pem" -key "$C/dflt.key" -servername ldap.example \
    -cert2 "$C/named.pem" -key2 "$C/named.key"
lt import sni-root "$C/root.pem" > /dev/null || die "import root"
expect_ldap 0 "OK: chain verified by \"sni-root\"" lt verify \
    --name ldap.example "127.0.0.1:$(port 4)"
lt -n import sni --name ldap.example --pick leaf \
    --from "127.0.0.1:$(port 4)" > "$T/out" 2>&1 ||
	{ cat "$T/out"; die "import --from --name"; }
check "import --from --name: the named certificate is shown" \
    grep -q '^  \[0\] CN=ldap.example (leaf)' "$T/out"
check "import --from --name: the store's check uses the name" \
    grep -q "already trusts this server" "$T/out"
ldelete 1 "cn=sni-root,$BASE" || die "delete sni-root"

# --- StartTLS answered a byte at a time ---------------------------------------------
# each byte comes within the timeout, the answer (4 kB) never would: the
# exchange is bounded as a whole, as the handshake is (timeout(1) only
# keeps a hang from hanging the test)
python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', $(port 5))); s.listen(5); open('$T/drip', 'w').close()
c, _ = s.accept(); c.recv(100)
for b in b'\\x30\\x82\\x10\\x00' + b'\\x04' * 4096:
    c.send(bytes([b])); time.sleep(0.5)" &
_ts_pids="$_ts_pids $!"
i=0
while [ ! -e "$T/drip" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || die "drip listener"; sleep 0.1
done
expect_ldap 255 "StartTLS: no answer within 2 s" timeout 20 "$LDAPTRUST" -x \
    -H "$(uri 1)" -b "$BASE" verify --timeout 2 --starttls ldap \
    "127.0.0.1:$(port 5)"

# --- handshakes a TLS server refuses: said as such, not "not a TLS port?" ----
# s6 offers only anonymous ciphers, which a client never takes, and
# answers with an alert; s7's certificate (2200 names) is larger than
# OpenSSL takes
s_server 6 -nocert -tls1_2 -cipher 'aNULL:@SECLEVEL=0'
python3 -c "print('subjectAltName=' + ','.join('DNS:h%05d.a-long-name-to-fill-the-certificate.example' % i for i in range(2200)))" \
    > "$C/big.ext"
mkcert big -addext "$(cat "$C/big.ext")"
s_server 7 -cert "$C/big.pem" -key "$C/big.key"
expect_ldap 255 "the server ended it with an alert: sslv3 alert handshake failure" \
    lt verify "127.0.0.1:$(port 6)"
check "an alert: no plain-port hint" not_contains "not a TLS port" "$out"
expect_ldap 255 "excessive message size (the server's certificates take more" \
    lt import big --yes --from "127.0.0.1:$(port 7)"
check "too large a chain: no plain-port hint" not_contains "not a TLS port" "$out"

# --- an alias taken: said as import of a file says it ------------------------
lt import taken "$C/other.pem" > /dev/null || die "import taken"
snapshot 1 > "$T/before"
expect_ldap 68 "additional info: the alias is taken" lt import taken --pick leaf \
    --yes --from "127.0.0.1:$(port 3)"
check "the holder is named" contains '"taken" holds CN=t601 Other Root' "$out"
snapshot 1 > "$T/after"
check "a taken alias changed nothing" cmp -s "$T/before" "$T/after"

# --- an expired certificate is marked as such before anyone is asked ------
mkcert_dates gone 20200101000000Z 20200301000000Z
s_server 8 -cert "$C/gone.pem" -key "$C/gone.key"
lt -n import gone --from "127.0.0.1:$(port 8)" > "$T/gone.out" 2>&1
check "an expired certificate is marked expired in the chain shown" \
    grep -qE 'not after  2020-03-01 00:00:00 UTC \(expired [0-9]+ days ago\)' "$T/gone.out"

# --- an alias stored past the overlay, shown escaped ----------------------
# The overlay refuses control characters in an alias; slapadd (a restore)
# does not.  Where import --from and verify name the store's certificate,
# the alias is the directory's text, shown as list and show show it.
node_stop 1
a=$(printf 'z\033[2J\033[31mq')
printf 'dn: cn=z\\1B[2J\\1B[31mq,%s\nobjectClass: tsCertificate\ncn:: %s\nuserCertificate;binary:< file://%s\n\n' \
    "$BASE" "$(printf '%s' "$a" | base64 -w0)" "$C/int.der" > "$T/esc.ldif"
slapadd -q -f "$T/n1/slapd.conf" -l "$T/esc.ldif" > "$T/slapadd.log" 2>&1 ||
	{ cat "$T/slapadd.log"; die "slapadd"; }
node_start 1
lt -n import z2 --pick leaf --from "127.0.0.1:$(port 3)" > "$T/esc.out" 2>&1
check "import --from: the stored alias escaped" \
    grep -qF 'in store   yes, as "z\1B[2J\1B[31mq"' "$T/esc.out"
check "import --from: no ESC written" not grep -q "$(printf '\033')" "$T/esc.out"

exit 0
