#!/bin/sh
# t106-dir-link-owner: an export directory's path is followed through a
# symbolic link only when root or slapd's own user made the link, as a
# bundle's is (t105).  The directory holding it here is a sticky,
# world-writable spool and user nobody plants a link at the configured
# path before slapd first writes it, to a directory of root's that holds
# another program's hash-named file.  Before, slapd (root) followed the
# link, removed that file as none of the store's and wrote the store's
# certificates there.  Now the export is refused with an error naming the
# link's owner, nothing there is touched, and a link of root's (also
# spelt with a trailing slash) is still followed.  ldaptrust sync refuses
# such a link before it makes its state inside the directory.  A link of
# root's whose target names nobody's link with a trailing slash is not
# a way round (it was).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
need_nobody
S="$T/spool"			# sticky and world-writable
V="$T/private"			# root's alone: another program's CA directory
R="$T/root-export"		# where root's own link points
mkdir -p "$S" "$V" "$R"
chmod 755 "$T"
chmod 1777 "$S"
chmod 700 "$V"
echo "another program's" > "$V/deadbeef.0"
as_nobody ln -s "$V" "$S/export" || die "nobody's link"
[ "$(stat -c %U "$S/export")" = nobody ] || die "the link is nobody's"
alpha_node "truststore-export-dir $S/export/"
refused_logged() {
	grep -q "truststore: export of o=ts.*: $S/export/: a symbolic link of another user's (uid $(id -u nobody))" "$T/n1.log"
}
check "another user's link: the export fails, naming the link's owner" \
    until_ok $((TS_SLOW * 15)) refused_logged
check "the add itself succeeded" alpha_stored
check "the other program's file is untouched" \
    test "$(cat "$V/deadbeef.0" 2>/dev/null)" = "another program's"
check "nothing of the store's written there" test "$(ls -A "$V")" = deadbeef.0
check "the link is left as it was" \
    test -L "$S/export" -a "$(readlink "$S/export")" = "$V"

# root's own link at the same path is followed, at the next change
rm -f "$S/export"
ln -s "$R" "$S/export"
mkcert beta
cert_ldif beta "$T/certs/beta.der" | ladd 1 >/dev/null || fail "add beta"
check "root's link: the directory it names follows the store" \
    wait_export 1 "$R"
check "recovery logged" grep -q "truststore: export of o=ts recovered" "$T/n1.log"

# root's link whose target ends in a slash, naming nobody's link: the
# kernel follows "link/" whatever O_NOFOLLOW says, and lstat() did too, so
# the walk took nobody's link for a directory and wrote through it
as_nobody ln -s "$V" "$S/evil" || die "nobody's link in the spool"
ln -s "$S/evil/" "$T/via-root"
cat > "$T/overlay2.conf" <<EOF2
truststore-export-dir $T/via-root
EOF2
node_stop 1
node_conf 1 "$T/overlay2.conf"
node_start 1
via_root_refused() {
	grep -q "truststore: export of o=ts.*: $T/via-root: it leads to $S/evil, a symbolic link of another user's (uid $(id -u nobody))" "$T/n1.log"
}
check "root's link to nobody's link spelt with a slash: refused, naming it" \
    until_ok $((TS_SLOW * 15)) via_root_refused
check "through it, the other program's file is untouched" \
    test "$(ls -A "$V")" = deadbeef.0

# ldaptrust sync writes through the same code, as the user running it
as_nobody ln -s "$V" "$S/synced" || die "nobody's second link"
LT="$LDAPTRUST -x -H $(uri 1) -D $ROOTDN -w $ROOTPW -b $BASE"
expect_ldap 1 "$S/synced: a symbolic link of another user's" \
    $LT sync --dir "$S/synced"
check "sync: the other program's directory is untouched" \
    test "$(ls -A "$V")" = deadbeef.0
expect_ldap 1 "$T/via-root: it leads to $S/evil, a symbolic link of another user's" \
    $LT sync --dir "$T/via-root"
check "sync through root's slash link: the directory is untouched" \
    test "$(ls -A "$V")" = deadbeef.0
node_alive 1 && pass "slapd still running"
