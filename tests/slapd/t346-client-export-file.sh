#!/bin/sh
# t346-client-export-file: ldaptrust export writes its file whole beside
# the name and puts it in place in one step, as the overlay's exports: a
# full disk leaves the old bundle as it was (in-place writing truncated it
# first, and the TLS services reading it lost every certificate), and no
# temporary is left.  Without --force an existing file is never replaced;
# with it the old file's mode and owner are kept and a symbolic link is
# written through.  Needs root for mount(8) and chown.
. "$(dirname "$0")/lib.sh"
umount "$TOP/tests/.run/t346-client-export-file/fs" 2>/dev/null
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=16k,mode=0755 ts-t346 "$T/fs" 2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/fs" 2>/dev/null; }
ts_atexit unmount

node_conf 1
node_start 1
add_base 1
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
C=$T/certs
for n in a b c d e; do
	mkcert "$n"
	lt import "$n" "$C/$n.pem" >/dev/null || die "import $n"
done
tmps() { ls -A "$1" | grep -c '\.ldaptrust-'; }

# --- a new file, an existing one, --force ---------------------------------------
(umask 022; lt export a "$T/a.pem") || die "export a"
check "new file: the certificate" cmp -s "$T/a.pem" "$C/a.pem"
check "new file: 0644 under umask 022" test "$(stat -c %a "$T/a.pem")" = 644
cp "$C/b.pem" "$T/b.pem"
expect_ldap 1 "file exists (use --force" lt export a "$T/b.pem"
check "without --force the file is as it was" cmp -s "$T/b.pem" "$C/b.pem"
# a directory where the file goes: said as such, with --force or without
# (it said "file exists (use --force to overwrite it)", and --force then
# failed with "Is a directory")
mkdir -p "$T/adir"
expect_ldap 1 "$T/adir: Is a directory" lt export a "$T/adir"
expect_ldap 1 "$T/adir: Is a directory" lt export --force a "$T/adir"
expect_ldap 1 "$T/adir: Is a directory" lt export --all "$T/adir"
check "the directory is as it was" test -z "$(ls -A "$T/adir")"
chmod 600 "$T/b.pem"
chown nobody "$T/b.pem"
lt export --force a "$T/b.pem" || die "export --force"
check "--force: replaced" cmp -s "$T/b.pem" "$C/a.pem"
check "--force: the old mode kept" test "$(stat -c %a "$T/b.pem")" = 600
check "--force: the old owner kept" test "$(stat -c %U "$T/b.pem")" = nobody
ln -s b.pem "$T/link.pem"
lt export --force c "$T/link.pem" || die "export --force through a link"
check "a symbolic link stays one" test -L "$T/link.pem"
check "the file it names is written" cmp -s "$T/b.pem" "$C/c.pem"
check "no temporary left in the directory" test "$(tmps "$T")" = 0
lt export --force a /dev/null || die "export --force to /dev/null"
check "a device is written in place" test -c /dev/null

# --- a full file system --------------------------------------------------------------
# the old bundle takes one page, a filler all the rest; the new one needs two
lt export a "$T/fs/bundle.pem" || die "export to the small file system"
dd if=/dev/zero of="$T/fs/filler" bs=1k count=64 2>/dev/null
cp "$T/fs/bundle.pem" "$T/old.pem"
check "the new bundle needs more than a page" \
    test "$(lt export --all | wc -c)" -gt 4096
expect_ldap 1 "No space left on device" lt export --all --force "$T/fs/bundle.pem"
check "full disk: the old bundle is whole" cmp -s "$T/fs/bundle.pem" "$T/old.pem"
check "full disk: no temporary left" test "$(tmps "$T/fs")" = 0
rm "$T/fs/filler"
lt export --all --force "$T/fs/bundle.pem" || die "export --all once there is room"
check "with room: the whole bundle" test "$(grep -c 'BEGIN CERTIFICATE' "$T/fs/bundle.pem")" = 5
