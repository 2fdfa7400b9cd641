#!/bin/sh
# t615-sync-plain: a one-shot `ldaptrust sync` against a server without
# the syncprov overlay reads the store with a plain search and writes the
# same files as the overlay's own export, certificates in containers
# below the base included; --watch, which needs syncprov, says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
"$LDAPTRUST" sync --help >/dev/null 2>&1 ||
	{ echo "skip: $LDAPTRUST (with sync) not built"; exit 77; }
C=$T/certs
for x in a b c d; do mkcert $x; done
export_node "$BASE"
printf 'dn: ou=sub,%s\nobjectClass: organizationalUnit\nou: sub\n' "$BASE" |
	ladd 1 >/dev/null || die "add ou=sub"
cert_ldif a "$C/a.der" | ladd 1 >/dev/null || die "add a"
cert_ldif b "$C/b.der" | ladd 1 >/dev/null || die "add b"
printf 'dn: cn=c,ou=sub,%s\nobjectClass: tsCertificate\ncn: c\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/c.der" | ladd 1 >/dev/null || die "add c"
mkdir -p "$T/s" "$T/w"
lt() { "$LDAPTRUST" -H "$(uri 1)" -x -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@"; }

# same WHAT: the synced files equal the overlay's export
same() {
	wait_export 1 "$T/export" "$T/bundle.pem" || fail "$1: the overlay's export lags"
	our_names "$T/export" > "$T/names.ov"
	our_names "$T/s/certs" > "$T/names.sync"
	if [ -s "$T/names.ov" ] && cmp -s "$T/names.ov" "$T/names.sync" &&
		cmp -s "$T/bundle.pem" "$T/s/bundle.pem"; then
		pass "$1: the synced directory and bundle equal the overlay's"
	else
		fail "$1: the synced files differ from the overlay's"
		diff "$T/names.ov" "$T/names.sync" >&2
	fi
}

expect_ldap 0 "" lt sync --dir "$T/s/certs" --bundle "$T/s/bundle.pem"
same "first run, no syncprov"
[ "$(wc -l < "$T/names.sync")" = 3 ] && grep -q '^# c$' "$T/s/bundle.pem" &&
	pass "the certificate in a container below the base is synced" ||
	fail "the certificate below ou=sub is missing"

# the directory a sync makes is readable by every TLS client, whatever
# the umask of whoever ran it
mkdir -p "$T/u"
(umask 077; lt sync --dir "$T/u/certs" > "$T/u.log" 2>&1) || fail "sync under umask 077: $(cat "$T/u.log")"
check "a directory made under umask 077 is 0755" test "$(stat -c %a "$T/u/certs")" = 755

ldelete 1 "cn=b,$BASE" || fail "delete b"
cert_ldif d "$C/d.der" | ladd 1 >/dev/null || fail "add d"
expect_ldap 0 "" lt sync --dir "$T/s/certs" --bundle "$T/s/bundle.pem"
same "second run, after a delete and an add"
[ -s "$T/s/bundle.pem" ] && ! grep -q '^# b$' "$T/s/bundle.pem" &&
	pass "the deleted certificate left the synced bundle" ||
	fail "b is still in the synced bundle, or there is none"

expect_ldap 12 "the server does not offer Content Synchronization (syncprov overlay)" \
	lt sync --dir "$T/w/certs" --watch
node_alive 1 && pass "slapd still running"

# files that cannot be written: said once (not at the scan, the flush
# after the search and the one at the session's end), exit 1; the system's
# CA directory is refused, and left as it was
out=$(lt sync --bundle "$T/nodir/bundle.pem" 2>&1); rc=$?
check "a bundle in a missing directory: exit 1" test "$rc" = 1
check "and said once" test "$(printf '%s\n' "$out" | grep -c 'nodir: No such file or directory')" = 1
if [ -d /etc/ssl/certs ]; then
	before=$(ls -la --time-style=+%s /etc/ssl/certs | md5sum)
	out=$(lt sync --dir /etc/ssl/certs 2>&1); rc=$?
	check "the system's CA directory refused: exit 1" test "$rc" = 1
	check "and said once, with why" test "$(printf '%s\n' "$out" | grep -c "it is the system's CA directory")" = 1
	check "and left as it was (no state made in it)" test "$(ls -la --time-style=+%s /etc/ssl/certs | md5sum)" = "$before"
fi
# a directory the system keeps: refused before a state is made inside it
if [ -d /mnt ] && [ ! -e /mnt/.ldaptrust-sync ]; then
	out=$(lt sync --dir /mnt 2>&1); rc=$?
	check "a system directory refused: exit 1" test "$rc" = 1
	check "and said, with why" contains "/mnt: it is a system directory" "$out"
	check "no state made inside it" test ! -e /mnt/.ldaptrust-sync
	rm -rf /mnt/.ldaptrust-sync
fi
# nor the system's CA bundle, nor a file that is no bundle: both would be lost
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
	sum=$(md5sum < /etc/ssl/certs/ca-certificates.crt)
	out=$(lt sync --bundle /etc/ssl/certs/ca-certificates.crt 2>&1); rc=$?
	check "the system's CA bundle refused: exit 1" test "$rc" = 1
	check "and said with why" grep -q "it is the system's CA bundle" <<EOF2
$out
EOF2
	check "and left as it was" test "$(md5sum < /etc/ssl/certs/ca-certificates.crt)" = "$sum"
fi
printf 'notes of mine\n' > "$T/notes.txt"
out=$(lt sync --bundle "$T/notes.txt" 2>&1); rc=$?
check "a file that is no bundle refused: exit 1" test "$rc" = 1
check "and said with why" grep -q "notes.txt: it holds something other than certificates (line 1)" <<EOF2
$out
EOF2
check "and left as it was" grep -qx 'notes of mine' "$T/notes.txt"
# a bundle path that can only name a directory (it ends in '/'): said
# with why, as the overlay refuses it (it said "No such file or directory"
# of the path without its '/')
out=$(lt sync --bundle "$T/new.pem/" 2>&1); rc=$?
check "a bundle path ending in '/' refused: exit 1" test "$rc" = 1
check "and said with why" grep -q "new.pem/: it names a directory" <<EOF2
$out
EOF2
# a --state naming a file that is no state (a slip of the command line):
# refused and left as it was (it was "damaged; starting afresh", and the
# state was written over it); an empty one is a state never written
printf 'notes of mine\n' > "$T/notes2.txt"
out=$(lt sync --bundle "$T/s2.pem" --state "$T/notes2.txt" 2>&1); rc=$?
check "a --state that is no state refused: exit 1" test "$rc" = 1
check "and said with why" grep -q "notes2.txt: not an ldaptrust sync state" <<EOF2
$out
EOF2
check "and left as it was" grep -qx 'notes of mine' "$T/notes2.txt"
check "and nothing was written" test ! -e "$T/s2.pem"
: > "$T/empty.state"
expect_ldap 0 "" lt sync --bundle "$T/s2.pem" --state "$T/empty.state"
check "an empty --state is taken, and written" grep -q '^# ldaptrust sync state' "$T/empty.state"
