#!/bin/sh
# t347-client-server-text: what a server says in its refusals (the
# diagnostic message and matched DN of an LDAP result, the text of a
# StartTLS refusal from the server import --from and verify examine) is
# the server's to choose, and ldaptrust shows it without control
# characters, as it shows values from the directory (t345).  Before, a
# hostile server (or one ldaptrust is pointed at to look at its chain)
# wrote ESC sequences to the administrator's terminal as they were:
# retitling it, clearing it, drawing a forged line.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }

node_conf 1
node_start 1
add_base 1

# a server that answers every request with an error: a bind with
# invalidCredentials (49), StartTLS with protocolError (2), anything else
# with unwillingToPerform (53), each with ESC sequences, a C1 CSI and a
# newline in its matched DN and diagnostic message
python3 - "$(port 5)" "$T/hostile.up" <<'PY' &
import socket, sys
def ln(n):
    if n < 128: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([0x80 | len(b)]) + b
def tlv(t, v): return bytes([t]) + ln(len(v)) + v
def integer(n): return tlv(0x02, n.to_bytes(max(1, (n.bit_length() + 8) // 8), 'big'))
def read_msg(c):
    h = c.recv(2)
    if len(h) < 2: return None
    n = h[1]
    if n & 0x80:
        k = n & 0x7f; lb = c.recv(k); n = int.from_bytes(lb, 'big')
    body = b''
    while len(body) < n:
        d = c.recv(n - len(body))
        if not d: return None
        body += d
    return body
evil = b'\x1b]0;owned\x07\x1b[2J\xc2\x9b31mforged\nldaptrust: all good'
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('127.0.0.1', int(sys.argv[1]))); s.listen(5)
open(sys.argv[2], 'w').close()
while True:
    c, _ = s.accept()
    c.settimeout(5)
    try:
        while True:
            body = read_msg(c)
            if body is None: break
            # messageID INTEGER, then the operation's tag
            idlen = body[1]; msgid = body[2:2 + idlen]; op = body[2 + idlen]
            if op == 0x42: break                      # unbind
            code, rtag = {0x60: (49, 0x61), 0x77: (2, 0x78)}.get(op, (53, 0x65))
            res = tlv(0x0a, bytes([code])) + tlv(0x04, b'cn=\x1b[31mevil') + tlv(0x04, evil)
            c.sendall(tlv(0x30, tlv(0x02, msgid) + tlv(rtag, res)))
    except Exception:
        pass
    c.close()
PY
_ts_pids="$_ts_pids $!"
i=0
while [ ! -e "$T/hostile.up" ]; do
	i=$((i + 1)); [ $i -lt 200 ] || die "hostile server"; sleep 0.1
done

# raw FILE: FILE holds a C0 (other than tab and newline), DEL or C1 byte
raw() { LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]\|\302[\200-\237]')" "$1"; }
clean() { ! raw "$1"; }

"$LDAPTRUST" -x -H "ldap://127.0.0.1:$(port 5)/" -D cn=x -w y -b "$BASE" list \
    > "$T/bind.out" 2>&1 </dev/null
check "a refused bind: ldaptrust exits with the server's code" test $? = 49
check "a refused bind: the server's text is shown" grep -qF 'owned' "$T/bind.out"
check "a refused bind: no control character printed" clean "$T/bind.out"
check "a refused bind: ESC shown escaped" grep -qF '\1B]0;owned\07\1B[2J\C2\9B31mforged\0Aldaptrust: all good' "$T/bind.out"
check "a refused bind: the matched DN escaped" grep -qF 'matched DN: cn=\1B[31mevil' "$T/bind.out"
check "no forged line of its own" not grep -q '^ldaptrust: all good' "$T/bind.out"

lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
lt verify --starttls ldap "127.0.0.1:$(port 5)" > "$T/verify.out" 2>&1
check "verify: a StartTLS refusal is reported" grep -qF 'StartTLS refused' "$T/verify.out"
check "verify: no control character printed" clean "$T/verify.out"
check "verify: ESC shown escaped" grep -qF '\1B]0;owned' "$T/verify.out"
lt import x --from "127.0.0.1:$(port 5)" --starttls ldap --yes > "$T/from.out" 2>&1
check "import --from: a StartTLS refusal is reported" grep -qF 'StartTLS refused' "$T/from.out"
check "import --from: no control character printed" clean "$T/from.out"
node_alive 1 && pass "slapd still running"
