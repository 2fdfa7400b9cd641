#!/bin/sh
# t104-bundle-symlink: a bundle path that is a symbolic link is written
# through, as the export directory's is: the link stays, and the file it
# names (on another file system here, a tmpfs, as a shared volume would
# be) follows the store, so TLS settings that read it see every change.
# Before, the first write renamed a regular file over the link: the file
# it named kept the old store for good (a removed certificate trusted),
# and slapd no longer rebuilt the TLS contexts of settings naming it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
umount "$TOP/tests/.run/t104-bundle-symlink/vol" 2>/dev/null
ts_init
mkdir -p "$T/vol" "$T/etc"
if ! mount -t tmpfs -o size=1m,mode=0755 ts-t104 "$T/vol" 2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/vol" 2>/dev/null; }
ts_atexit unmount
D="$T/export"
R="$T/vol/bundle.pem"		# the file the readers are given
L="$T/etc/bundle.pem"		# the configured path: a link to it
: > "$R"
ln -s "$R" "$L"
mkdir -p "$D"
cat > "$T/overlay.conf" <<EOF
truststore-export-dir $D
truststore-export-bundle $L
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
mkcert alpha
mkcert beta
for c in alpha beta; do cert_ldif $c "$T/certs/$c.der"; done |
	ladd 1 >/dev/null || die "adds"
check "adds: the file the link names equals the database" wait_export 1 "$D" "$R"
check "the configured path is still a symbolic link to it" \
    test -L "$L" -a "$(readlink "$L")" = "$R"
ldelete 1 "cn=beta,$BASE" || fail "delete beta"
check "delete: the linked file follows" wait_export 1 "$D" "$R"
check "beta left the linked file" not grep -q '^# beta$' "$R"
check "still a link" test -L "$L"
# no temporary left in either directory
check "no temporary beside the link or the file" \
    test -z "$(ls -A "$T/etc" "$T/vol" | grep -v -e '^bundle.pem$' -e '^$' -e ':$')"

# a restart reads it through the link, and a relative link works too
node_stop 1
rm -f "$L"
ln -s ../vol/bundle.pem "$L"
node_start 1
mkcert gamma
cert_ldif gamma "$T/certs/gamma.der" | ladd 1 >/dev/null || fail "add gamma"
check "restart, relative link: the linked file follows" wait_export 1 "$D" "$R"
check "the relative link stays" test "$(readlink "$L")" = ../vol/bundle.pem
