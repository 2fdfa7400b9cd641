#!/bin/sh
# t102-collision-fullfs: a certificate deleted from a subject-hash
# collision stops being trusted through the export directory even while
# its file system is full (no space, then no inodes left).
#
# A delete from the middle of a collision fills the gap with the last
# file of the hash (openssl rehash's dense numbering).  That file is on
# disk already: a rename moves it, where a rewrite needs space and an
# inode, and on a full disk left the deleted certificate in <hash>.0,
# trusted, until space came back.  Needs root for mount(8).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
umount "$TOP/tests/.run/t102-collision-fullfs/fs" 2>/dev/null
ts_init
mkdir -p "$T/fs"
if ! mount -t tmpfs -o size=1m,nr_inodes=200,mode=0755 ts-t102 "$T/fs" \
    2>/dev/null; then
	echo "cannot mount a tmpfs (not root?)"
	exit 77
fi
unmount() { umount -l "$T/fs" 2>/dev/null; }
ts_atexit unmount
D="$T/fs/export"
B="$T/fs/bundle.pem"
mkdir -p "$D"
cat > "$T/overlay.conf" <<EOF
truststore-export-dir $D
truststore-export-bundle $B
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1

mkcert alpha
for c in same1 same2 same3; do
	mkcert $c -subj "/CN=same subject"
done
for c in alpha same1 same2 same3; do
	cert_ldif "$c" "$T/certs/$c.der"
done > "$T/add.ldif"
ladd 1 -f "$T/add.ldif" >/dev/null || die "adds"
check "adds: files equal the database" wait_export 1 "$D" "$B"
h=$(openssl x509 -in "$T/certs/same1.pem" -noout -subject_hash)

fp() { openssl x509 -in "$1" -noout -fingerprint -sha256 2>/dev/null; }
# holder N: the alias whose certificate $h.N holds
holder() {
	for c in same1 same2 same3; do
		[ "$(fp "$T/certs/$c.pem")" = "$(fp "$D/$h.$1")" ] && echo $c
	done
}
# held C: some file of the directory holds C's certificate
held() {
	for f in "$D"/$h.*; do
		[ "$(fp "$f")" = "$(fp "$T/certs/$1.pem")" ] && return 0
	done
	return 1
}
# trusted C: OpenSSL's lookup in the directory accepts C
trusted() {
	openssl verify -CApath "$D" -no-CAfile -no-CAstore \
	    "$T/certs/$1.pem" >/dev/null 2>&1
}
# gone C N: C is no longer held and the hash's files are .0 to .N-1
gone() {
	! held "$1" && test -f "$D/$h.$(($2 - 1))" -a ! -e "$D/$h.$2"
}

# --- no space left ----------------------------------------------------------
first=$(holder 0)
dd if=/dev/zero of="$T/fs/filler" bs=4k 2>/dev/null
check "the file system is full" \
    sh -c "! dd if=/dev/zero of='$T/fs/more' bs=4k count=1 2>/dev/null"
rm -f "$T/fs/more"
ldelete 1 "cn=$first,$BASE" || fail "delete $first"
check "full disk: the deleted $first leaves the directory, two files stay" \
    until_ok 10 gone "$first" 2
check "full disk: OpenSSL no longer trusts $first" not trusted "$first"
for c in same1 same2 same3; do
	[ $c = "$first" ] && continue
	check "full disk: OpenSSL still trusts $c" trusted $c
done
check "full disk: alpha still trusted" trusted alpha
rm -f "$T/fs/filler"
check "space back: the files (bundle too) equal the database" \
    wait_export 1 "$D" "$B"

# --- no inode left ------------------------------------------------------------
second=$(holder 0)
i=0
while touch "$T/fs/inode.$i" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 400 ] || break
done
check "no inode left" not touch "$T/fs/one-more"
ldelete 1 "cn=$second,$BASE" || fail "delete $second"
check "no inode: the deleted $second leaves the directory, one file stays" \
    until_ok 10 gone "$second" 1
check "no inode: OpenSSL no longer trusts $second" not trusted "$second"
rm -f "$T/fs"/inode.*
check "inodes back: the files equal the database" wait_export 1 "$D" "$B"
our_names "$D" > "$T/ours"
rehash_names "$D" > "$T/rehash"
check "names equal openssl rehash" cmp -s "$T/ours" "$T/rehash"
