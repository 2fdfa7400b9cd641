#!/bin/sh
# t742-export-fail-tls.sh - trust removed while the export cannot be written,
# and an export directory that cannot be read at start-up
#
# 1. A back-ldap proxy trusts the export directory, on a tmpfs that turns
#    read-only.  The back end's certificate is deleted meanwhile: the files
#    still hold it, so the proxy may still connect, and may cache that
#    session.  Once the filesystem is writable again the file goes, and the
#    cached session must be cut then; while the writes fail, the proxy's
#    TLS context is not rebuilt at every retry.
# 2. At start-up the export directory is not a directory (a restore gone
#    wrong).  When the administrator puts the directory back, holding the
#    file of a certificate the store no longer has, that file must go: the
#    directory is read again before anything is written.  Needs root.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
umount "$T/fs" 2>/dev/null
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=1m,mode=0755 ts-t742 "$T/fs" 2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/fs" 2>/dev/null; }
ts_atexit unmount
live_tls_backend

# --- 1. a removal the files could not take at once ---------------------------
D="$T/fs/export"
printf 'moduleload back_ldap\n' > "$T/global.conf"
printf 'truststore-export-dir %s\n%s\n' "$D" "database ldap
suffix \"$BE_SUFFIX\"
uri \"ldaps://127.0.0.1:$(port 2)/\"
tls ldaps tls_cacertdir=$D tls_reqcert=demand" > "$T/extra1.conf"
node_conf 1 "$T/extra1.conf" "$T/global.conf"
node_start 1
add_base 1
cert_ldif backend "$T/certs/backend.der" | ladd 1 >/dev/null || die "add the back end's certificate"
check "1. the proxy trusts the back end" until_ok 10 _lt_through 1

mount -o remount,ro "$T/fs" || die "remount read-only"
ldelete 1 "cn=backend,$BASE" || fail "delete while the export fails"
until_ok 10 grep -q "truststore: export of .* failed" "$T/n1.log" ||
	fail "1. the failed export is logged"
rebuilt=$(grep -c "$LT_REBUILT_LOG" "$T/n1.log")
# a session made now trusts the file still there, and is cached
_lt_through 1 && echo "# the proxy connected again while the file was still there"
sleep 3
check "1. no TLS rebuild at each retry while the export fails" \
    test "$(grep -c "$LT_REBUILT_LOG" "$T/n1.log")" -le $((rebuilt + 1))
mount -o remount,rw "$T/fs" || die "remount read-write"
check "1. the file goes once the filesystem is writable" \
    until_ok 10 sh -c "[ -z \"\$(ls '$D')\" ]"
check "1. the cached session is cut: the proxy no longer reaches the back end" \
    until_ok 10 not _lt_through 1
check "1. and keeps failing" not _lt_through 1
check "1. node still running" node_alive 1
node_stop 1

# --- 2. an export directory unreadable at start-up ---------------------------
mkcert kept
mkcert gone
D3="$T/export3"
: > "$D3"	# not a directory
printf 'truststore-export-dir %s\n' "$D3" > "$T/extra3.conf"
node_conf 3 "$T/extra3.conf"
node_start 3
add_base 3
cert_ldif kept "$T/certs/kept.der" | ladd 3 >/dev/null || die "add kept"
check "2. the unreadable directory is logged" \
    until_ok 10 grep -q "nothing is written until the directory can be read" "$T/n3.log"
# the administrator restores the directory, from a time 'gone' was stored
rm -f "$D3"
mkdir "$D3"
h=$(openssl x509 -in "$T/certs/gone.pem" -noout -hash)
cp "$T/certs/gone.pem" "$D3/$h.0"
check "2. the certificate no longer stored loses its file" \
    until_ok 10 sh -c "[ ! -e '$D3/$h.0' ]"
check "2. the stored certificate gets its file" \
    until_ok 10 sh -c "ls '$D3' | grep -q \"^$(openssl x509 -in "$T/certs/kept.pem" -noout -hash)\\.0\$\""
check "2. node still running" node_alive 3
