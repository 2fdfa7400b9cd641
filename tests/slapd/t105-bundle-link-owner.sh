#!/bin/sh
# t105-bundle-link-owner: a bundle path is written through a symbolic
# link only when root or slapd's own user made the link.  The bundle's
# directory here is a sticky, world-writable spool (as a shared volume
# or /tmp would be) and user nobody plants a link at the bundle path
# before slapd first writes it: to a file of root's, and to a file not
# made yet in root's own directory.  Before, slapd (root) followed the
# link and replaced root's file by the bundle, or made the new file:
# any local user could have slapd overwrite /etc/shadow or its own
# database.  Now the link is replaced by the bundle, never followed, and
# a link of root's is still written through (t104).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
need_nobody
D="$T/export"
S="$T/spool"			# sticky and world-writable
V="$T/private"			# root's alone
mkdir -p "$S" "$V"
chmod 755 "$T"
chmod 1777 "$S"
chmod 700 "$V"
echo precious > "$V/victim"
chmod 600 "$V/victim"
as_nobody ln -s "$V/victim" "$S/one.pem" || die "nobody's link"
as_nobody ln -s "$V/created" "$S/two.pem" || die "nobody's dangling link"
[ "$(stat -c %U "$S/one.pem")" = nobody ] || die "the link is nobody's"
cat > "$T/overlay.conf" <<EOF2
truststore-export-dir $D
truststore-export-bundle $S/one.pem
EOF2
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
mkcert alpha
cert_ldif alpha "$T/certs/alpha.der" | ladd 1 >/dev/null || die "add alpha"
check "another user's link: the bundle replaces it and equals the database" \
    wait_export 1 "$D" "$S/one.pem"
check "the bundle is a regular file now" test -f "$S/one.pem" -a ! -L "$S/one.pem"
check "root's file the link named is untouched" \
    test "$(cat "$V/victim")" = precious
check "no temporary left beside root's file" \
    test "$(ls -A "$V")" = victim

# a link to a file not made yet (read again at start-up)
node_stop 1
cat > "$T/overlay.conf" <<EOF2
truststore-export-dir $D
truststore-export-bundle $S/two.pem
EOF2
node_conf 1 "$T/overlay.conf"
node_start 1
check "another user's dangling link: replaced by the bundle" \
    wait_export 1 "$D" "$S/two.pem"
check "no file made where it pointed" test ! -e "$V/created"
check "two.pem is a regular file" test -f "$S/two.pem" -a ! -L "$S/two.pem"

# root's own link in the same spool is still written through
: > "$V/shared.pem"
chmod 644 "$V/shared.pem"
rm -f "$S/two.pem"
ln -s "$V/shared.pem" "$S/two.pem"
mkcert beta
cert_ldif beta "$T/certs/beta.der" | ladd 1 >/dev/null || fail "add beta"
check "root's link: the file it names follows the store" \
    wait_export 1 "$D" "$V/shared.pem"
check "root's link stays a link" test -L "$S/two.pem"

# ldaptrust sync --bundle: nobody's link to a file of root's that is no
# bundle is replaced as slapd replaces it; the sync judged the file the
# link named as one it would lose, and refused to run at all
echo "root:x:0:0:root:/root:/bin/sh" > "$V/passwd"
as_nobody ln -s "$V/passwd" "$S/three.pem" || die "nobody's third link"
"$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
    sync --bundle "$S/three.pem" > "$T/three.log" 2>&1
check "sync through nobody's link: it runs" test $? = 0
check "sync: the link is replaced by the bundle" \
    test -f "$S/three.pem" -a ! -L "$S/three.pem"
check "sync: root's file is untouched" \
    test "$(cat "$V/passwd")" = "root:x:0:0:root:/root:/bin/sh"
node_alive 1 && pass "slapd still running"
