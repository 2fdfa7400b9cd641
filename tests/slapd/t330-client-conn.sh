#!/bin/sh
# t330-client-conn.sh - ldaptrust's connection options: simple bind, -y,
# wrong password (49), SASL EXTERNAL over ldapi:/// with no prompt,
# StartTLS (-ZZ) against a TLS-enabled node, ldap.conf/ldaprc/LDAP* env.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }

C=$T/certs
mkdir -p "$C"
# a CA and a server certificate for 127.0.0.1 signed by it
mkcert tlsca -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
mkcert otherca
openssl req -new -nodes -newkey rsa:2048 -keyout "$C/server.key" -subj "/CN=127.0.0.1" \
    -out "$C/server.csr" 2>/dev/null || die "server csr"
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' > "$C/server.ext"
openssl x509 -req -in "$C/server.csr" -CA "$C/tlsca.pem" -CAkey "$C/tlsca.key" \
    -CAcreateserial -days 30 -extfile "$C/server.ext" -out "$C/server.pem" 2>/dev/null ||
	die "server certificate"
# TLS for StartTLS, and root over ldapi acting as the rootdn (an admin's usual set-up)
cat > "$T/global.conf" <<EOC
TLSCACertificateFile $C/tlsca.pem
TLSCertificateFile $C/server.pem
TLSCertificateKeyFile $C/server.key
sizelimit 3
authz-regexp "^gidNumber=$(id -g)\\\\+uidNumber=$(id -u),cn=peercred,cn=external,cn=auth\$" "$ROOTDN"
EOC
node_conf 1 "" "$T/global.conf"
node_start 1
add_base 1

not_contains() { ! contains "$@"; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
mkcert a
mkcert b
mkcert c
mkcert d

# simple bind, and -y
lt import a "$C/a.pem" >/dev/null || fail "simple bind import"
printf '%s' "$ROOTPW" > "$T/pw"
chmod 644 "$T/pw"
out=$("$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -y "$T/pw" -b "$BASE" list 2>&1 >/dev/null </dev/null)
check "-y warns about a world-readable password file" contains "readable or writable by everyone" "$out"
chmod 600 "$T/pw"
"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -y "$T/pw" -b "$BASE" list </dev/null | grep -q '^a	' &&
    pass "-y password file" || fail "-y password file"

# wrong password: 49, nothing changed
snapshot 1 > "$T/before"
expect_ldap 49 "Invalid credentials (49)" "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -b "$BASE" import b "$C/b.pem"
out=$("$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -b "$BASE" list 2>&1 </dev/null)
check "wrong password names the bind" contains "ldaptrust: bind as \"$ROOTDN\": Invalid credentials (49)" "$out"
snapshot 1 > "$T/after"
check "store unchanged after a failed bind" cmp -s "$T/before" "$T/after"

# SASL EXTERNAL over ldapi: no prompt (stdin is /dev/null), with and without -Q
"$LDAPTRUST" -Q -Y EXTERNAL -H "$(ldapi 1)" -b "$BASE" import b "$C/b.pem" </dev/null >/dev/null 2>"$T/ext.err" &&
    pass "SASL EXTERNAL import" || { cat "$T/ext.err"; fail "SASL EXTERNAL import"; }
check "EXTERNAL wrote as the mapped rootdn" contains "creatorsName: $ROOTDN" "$(lsearch 1 -b "cn=b,$BASE" -s base creatorsName)"
out=$("$LDAPTRUST" -Y EXTERNAL -H "$(ldapi 1)" -b "$BASE" list 2>&1 </dev/null); rc=$?
check "EXTERNAL without -Q: exit 0" test $rc = 0
check "EXTERNAL without -Q says so on stderr" contains "SASL/EXTERNAL authentication started" "$out"

# StartTLS
LDAPTLS_CACERT="$C/tlsca.pem" LDAPTLS_REQCERT=demand lt -ZZ import c "$C/c.pem" >/dev/null 2>"$T/tls.err" &&
    pass "StartTLS -ZZ import" || { cat "$T/tls.err"; fail "StartTLS -ZZ import"; }
grep -q "STARTTLS" "$T/n1.log" && pass "server saw STARTTLS" || fail "server saw no STARTTLS"
snapshot 1 > "$T/before"
# the exit status of the ldap tools in the same case is ldaptrust's
LDAPTLS_CACERT="$C/otherca.pem" LDAPTLS_REQCERT=demand ldapsearch -x -ZZ -H "$(uri 1)" \
    -b "$BASE" -s base 1.1 >/dev/null 2>&1
tools_rc=$?
check "ldapsearch -ZZ, untrusted: the tools exit 1" [ "$tools_rc" = 1 ]
LDAPTLS_CACERT="$C/otherca.pem" LDAPTLS_REQCERT=demand expect_ldap "$tools_rc" "StartTLS: Connect error" lt -ZZ import d "$C/d.pem"
snapshot 1 > "$T/after"
check "untrusted StartTLS changed nothing" cmp -s "$T/before" "$T/after"

# libldap's configuration: LDAP* variables and ldaprc, no -H or -b given
LDAPURI="$(uri 1)" LDAPBASE="$BASE" "$LDAPTRUST" -x -D "$ROOTDN" -w "$ROOTPW" list </dev/null > "$T/env.list" &&
    check "LDAPURI/LDAPBASE from the environment" test "$(cut -f1 "$T/env.list" | tr '\n' ' ')" = "a b c " ||
    fail "LDAPURI/LDAPBASE from the environment"
mkdir -p "$T/home"
printf 'URI %s\nBASE %s\nBINDDN %s\n' "$(uri 1)" "$BASE" "$ROOTDN" > "$T/home/.ldaprc"
(cd / && HOME="$T/home" "$LDAPTRUST" -x -w "$ROOTPW" list </dev/null) > "$T/rc.list" &&
    check "~/.ldaprc URI, BASE and BINDDN" test "$(wc -l < "$T/rc.list")" = 3 ||
    fail "~/.ldaprc URI, BASE and BINDDN"
LDAPNOINIT=1 expect_ldap 1 "no base DN" "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" list
expect_ldap 255 "Can't contact LDAP server (-1)" "$LDAPTRUST" -x -H "ldap://127.0.0.1:$(port 9)/" -b "$BASE" list
expect_ldap 255 "Can't contact LDAP server (-1)" "$LDAPTRUST" -x -o nettimeout=2 -H "ldap://127.0.0.1:$(port 9)/" -b "$BASE" list
# libldap's other negative codes exit as the tools' do (the code & 255),
# not all as 255: -6 for a SASL mechanism nobody offers
ldapsearch -Q -Y BOGUS -H "$(ldapi 1)" -b "$BASE" -s base 1.1 >/dev/null 2>&1
tools_rc=$?
check "ldapsearch -Y BOGUS: the tools exit 250 (-6)" [ "$tools_rc" = 250 ]
expect_ldap "$tools_rc" "Unknown authentication method (-6)" \
    "$LDAPTRUST" -Q -Y BOGUS -H "$(ldapi 1)" -b "$BASE" list
expect_ldap 1 "invalid general option name" "$LDAPTRUST" -o no-such-option=1 list
out=$(lt -v list 2>&1 >/dev/null)
check "-v tells where it connects" contains "connecting to ldap://127.0.0.1:$(port 1)" "$out"

# a list larger than the size limit of the identity fails rather than
# showing part of the store (the rootdn has no limit)
mkcert e
lt import e "$C/e.pem" >/dev/null || fail "import e"
check "rootdn lists all 4" test "$(lt list | wc -l)" = 4
expect_ldap 4 "Size limit exceeded (4)" "$LDAPTRUST" -x -H "$(uri 1)" -b "$BASE" list

# help
out=$("$LDAPTRUST" --help); rc=$?
check "--help: exit 0" test $rc = 0
for c in list show import export delete rename expiring; do
	check "--help lists $c" contains "  $c " "$out"
done
check "CMD --help" contains "--alias-from subject" "$("$LDAPTRUST" import --help)"
check "help CMD" contains "--days N" "$("$LDAPTRUST" help expiring)"
# each command's usage says what ldaptrust(1)'s SYNOPSIS and EXIT STATUS say
from=$("$LDAPTRUST" import --help | sed -n '/^import \[/,/--from HOST:PORT$/p')
check "import --from usage: --starttls" contains "[--starttls ldap]" "$from"
check "import --from usage: -n" contains "[-n]" "$from"
check "import --alias-from usage: no ALIAS" contains \
    "import --alias-from subject [--all]" "$("$LDAPTRUST" import --help)"
check "status --help: replicated writes warn" contains "replicated" \
    "$("$LDAPTRUST" status --help)"

# as the ldap tools of 2.5: -h HOST and -p PORT are gone, not help
expect_ldap 1 "use -H ldap://HOST:PORT" "$LDAPTRUST" -x -h 127.0.0.1 -b "$BASE" list
expect_ldap 1 "use -H ldap://HOST:PORT" "$LDAPTRUST" -x -p "$(port 1)" -b "$BASE" list
# expiring is a monitoring check: its usage errors are "unknown" (3)
expect_ldap 3 "unknown option" "$LDAPTRUST" -x -H "$(uri 1)" -b "$BASE" expiring --bogus
# conflicting ways to authenticate are refused, as the tools do
expect_ldap 1 "a simple bind takes no SASL option" \
	"$LDAPTRUST" -x -Y EXTERNAL -H "$(ldapi 1)" -b "$BASE" list
printf '%s' "$ROOTPW" > "$T/pw"; chmod 600 "$T/pw"
expect_ldap 1 "give the password one way" \
	"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -y "$T/pw" -b "$BASE" list
expect_ldap 1 "-w and -W: give the password one way" \
	"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w wrong -W -b "$BASE" list
# -Z alone goes on in clear text when the server says no, but a handshake
# that broke (a certificate not trusted) stops there: no bind follows
out=$(LDAPTLS_CACERT="$C/otherca.pem" LDAPTLS_REQCERT=demand lt -Z list 2>&1); rc=$?
check "-Z, broken handshake: exit 1, as the tools" [ "$rc" = 1 ]
check "-Z, broken handshake: said" contains "StartTLS: Connect error" "$out"
check "-Z, broken handshake: no bind after it" not_contains "bind as" "$out"
# -W without a terminal reads standard input, as the tools do
if command -v setsid >/dev/null; then
	printf '%s\n' "$ROOTPW" | setsid -w "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -W \
	    -b "$BASE" list >/dev/null 2>"$T/w.err"
	check "-W with no terminal: the password from stdin" [ $? = 0 ]
fi
# libldap prints the SASL banner itself: once
n=$("$LDAPTRUST" -Y EXTERNAL -H "$(ldapi 1)" -b "$BASE" list 2>&1 >/dev/null </dev/null |
	grep -c "authentication started")
check "the SASL banner once" [ "$n" = 1 ]
