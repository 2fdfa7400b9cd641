#!/bin/sh
# t740-fullfs.sh - the export directory on a full, then read-only, tmpfs
#
# The database is the source of truth: LDAP writes must succeed while the
# export cannot be written, the failure must be logged with path and errno,
# and the files must come back in line once space (or write access)
# returns and the next change happens.  Needs root for mount(8).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
# a mount left behind by an interrupted run would stop ts_init's rm -rf
umount "$TOP/tests/.run/t740-fullfs/fs" 2>/dev/null
ts_init
H="$T/h"
mkdir -p "$H" "$T/fs"
# export dir and bundle both live on the small filesystem
if ! mount -t tmpfs -o size=16k,mode=0755 ts-t740 "$T/fs" 2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/fs" 2>/dev/null; }
ts_atexit unmount
mkdir -p "$T/fs/export"

cat > "$T/overlay.conf" <<EOF
truststore-export-dir $T/fs/export
truststore-export-bundle $T/fs/bundle.pem
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out "$H/subject.der" 2>/dev/null &&
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -outform DER -out "$H/issuer.der" 2>/dev/null ||
	die "keys"
$MKDER bulk "$H/issuer.der" "$H/c" fs 40 0 "$H/subject.der" || die "mkder"

# add_n FIRST LAST: add certificates fs-FIRST..fs-LAST, each must succeed
add_n() {
	ok=1
	for i in $(seq "$1" "$2"); do
		add_ldif "fs-$i" 'userCertificate;binary' "$H/c/fs-$i.der" > "$T/case.ldif"
		ladd 1 -f "$T/case.ldif" > "$T/add.out" 2>&1 || { ok=0; cat "$T/add.out" >&2; }
	done
	[ $ok = 1 ]
}

# 16 KiB hold four files (a page each): the rest meets ENOSPC
check "20 adds succeed on a 16 KiB export filesystem" add_n 0 19
df -k "$T/fs" | tail -n 1
# the export follows the adds asynchronously, in paced rounds: wait for it
logged() { grep -F "$T/fs/" "$T/n1.log" | grep -Eiq "$1"; }
waitlog() {
	_i=0
	while ! logged "$1"; do
		_i=$((_i + 1)); [ $_i -lt 100 ] || return 1
		sleep 0.1
	done
}
waitlog "No space left|ENOSPC|errno 28|\(28\)" &&
	pass "the write failure is logged with the export path" ||
	fail "no ENOSPC message naming the path in the log"
check "a delete succeeds while the disk is full" ldelete 1 "cn=fs-0,$BASE"
check "a rename succeeds while the disk is full" \
    lmodrdn 1 -r "cn=fs-1,$BASE" "cn=fs-1-renamed"

# space returns: the next change brings the whole export back in line
mount -o remount,size=4m "$T/fs" || die "remount larger"
check "an add after space returned" add_n 20 20
wait_export 1 "$T/fs/export" "$T/fs/bundle.pem"

# read-only: writes still succeed; files recover once writable again
mount -o remount,ro "$T/fs" || die "remount ro"
check "adds succeed on a read-only export filesystem" add_n 21 30
check "a delete succeeds on a read-only export filesystem" ldelete 1 "cn=fs-2,$BASE"
waitlog "Read-only file system|EROFS|errno 30|\(30\)" &&
	pass "the read-only failure is logged" || fail "no EROFS message in the log"
mount -o remount,rw "$T/fs" || die "remount rw"
check "an add after the filesystem is writable again" add_n 31 31
wait_export 1 "$T/fs/export" "$T/fs/bundle.pem"

# a restart reconciles too
node_stop 1
node_start 1
wait_export 1 "$T/fs/export" "$T/fs/bundle.pem"
