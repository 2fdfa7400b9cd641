#!/bin/sh
# t120-export-fail: a failed write to the export directory or bundle does
# not fail the LDAP operation, is logged with the path and errno, and the
# files come back in line afterwards: by the periodic retry alone, and
# after the next change.  The failure is made by putting a file where the
# directory should be (chmod does not stop root).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
B="$T/bdir/bundle.pem"
mkdir -p "$T/bdir"

cat > "$T/overlay.conf" <<EOF
truststore-export-dir $D
truststore-export-bundle $B
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
mkcert one
mkcert two
mkcert three
cert_ldif one "$T/certs/one.der" | ladd 1 >/dev/null || fail "add one"
check "in line before the failure" wait_export 1 "$D" "$B"

# the directory becomes a file, the bundle's directory a file too
mv "$D" "$D.away"
echo "in the way" > "$D"
mv "$T/bdir" "$T/bdir.away"
echo "in the way" > "$T/bdir"
cert_ldif two "$T/certs/two.der" > "$T/two.ldif"
expect_ldap 0 "" ldapadd -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -f "$T/two.ldif"
expect_ldap 0 "" ldapdelete -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" "cn=one,$BASE"
check "the entries changed all the same" test "$(lsearch 1 -b "$BASE" '(|(cn=one)(cn=two))' dn)" = "dn: cn=two,$BASE"
i=0
while ! grep -q "truststore: export of o=ts failed: .*$D.*Not a directory" "$T/n1.log"; do
	i=$((i + 1)); [ $i -lt 50 ] || break; sleep 0.1
done
check "failure logged with path and errno" \
	grep -q "truststore: export of o=ts failed: .*$D.*Not a directory" "$T/n1.log"
check "slapd still running" node_alive 1

# put_back DIR: DIR.away back in the place of the file in the way, in
# one step (renameat2 RENAME_EXCHANGE, then the file removed).  The
# export's retry runs every second: in the gap of an rm and an mv it
# would make the missing directory and fill it, and that directory,
# replaced by the test, would take what the exporter last wrote with it.
put_back() {
	python3 - "$1.away" "$1" <<'PY' || fail "cannot put $1 back"
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
AT_FDCWD, RENAME_EXCHANGE = -100, 2
a, b = (os.fsencode(p) for p in sys.argv[1:3])
if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
    sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
os.unlink(sys.argv[1])
PY
}

# recovery by the retry alone, no further change
put_back "$D"
put_back "$T/bdir"
check "retry alone brings the files in line" wait_export 1 "$D" "$B"
check "recovery logged" grep -q "truststore: export of o=ts recovered" "$T/n1.log"

# again, recovered by the next change this time (the retry also runs)
mv "$D" "$D.away"
echo "in the way" > "$D"
cert_ldif three "$T/certs/three.der" > "$T/three.ldif"
expect_ldap 0 "" ldapadd -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -f "$T/three.ldif"
sleep 1
put_back "$D"
cert_ldif one "$T/certs/one.der" | ladd 1 >/dev/null || fail "add one again"
check "the next change brings the files in line" wait_export 1 "$D" "$B"

# the export directory removed while running: rebuilt from the catalogue
rm -rf "$D"
ldelete 1 "cn=two,$BASE" || fail "delete two"
check "a vanished directory is created again and filled" wait_export 1 "$D" "$B"
