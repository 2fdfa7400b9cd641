#!/bin/sh
# t103-export-umask: slapd, and `ldaptrust sync`, run under a strict
# umask (077, as a hardened unit sets it) still export files that the
# host's other TLS readers can read: certificates are public, and the
# files are as `openssl rehash` and update-ca-certificates leave them
# (0644, a directory made by the exporter 0755).  Before, every file was
# 0600 and the directory 0700: a daemon running as another user found no
# certificate at all.  A reader is checked as user nobody.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
need_nobody
D="$T/out/export"
B="$T/out/bundle.pem"
mkdir -p "$T/out"
chmod 755 "$T" "$T/out"
cat > "$T/overlay.conf" <<EOF
truststore-export-dir $D
truststore-export-bundle $B
EOF
node_conf 1 "$T/overlay.conf"
umask 077
node_start 1
umask 022
add_base 1
mkcert alpha
mkcert beta
for c in alpha beta; do cert_ldif $c "$T/certs/$c.der"; done |
	ladd 1 >/dev/null || die "adds"
check "files equal the database" wait_export 1 "$D" "$B"
chmod 755 "$T/certs"
chmod 644 "$T/certs/alpha.pem"

# as_nobody CMD...: CMD run as user nobody
# readable WHAT DIR BUNDLE: nobody finds alpha through DIR and reads BUNDLE
readable() {
	check "$1: the directory is 0755" \
	    test "$(stat -c %a "$2")" = 755
	h=$(openssl x509 -in "$T/certs/alpha.pem" -noout -subject_hash)
	check "$1: a certificate file is 0644" \
	    test "$(stat -c %a "$2/$h.0")" = 644
	check "$1: the bundle is 0644" test "$(stat -c %a "$3")" = 644
	check "$1: another user's OpenSSL finds the certificate in the directory" \
	    as_nobody openssl verify -CApath "$2" -no-CAfile -no-CAstore \
	    "$T/certs/alpha.pem"
	check "$1: another user reads the bundle" \
	    as_nobody grep -q '^# alpha$' "$3"
}
readable "slapd, umask 077" "$D" "$B"

# a restart re-reads the directory: files an older version left 0600
# are rewritten (alpha's file is not touched by the changes below)
node_stop 1
chmod 600 "$D"/* "$B"
umask 077
node_start 1
umask 022
mkcert gamma -subj "/CN=alpha"
cert_ldif gamma "$T/certs/gamma.der" | ladd 1 >/dev/null || fail "add gamma"
ldelete 1 "cn=beta,$BASE" || fail "delete beta"
check "after a restart and changes: files equal the database" \
    wait_export 1 "$D" "$B"
readable "slapd, umask 077, after a restart" "$D" "$B"

# the follower on another host, run from a strict cron or unit
"$LDAPTRUST" sync --help >/dev/null 2>&1 ||
	{ echo "skip: $LDAPTRUST (with sync) not built"; exit 77; }
(umask 077; "$LDAPTRUST" -H "$(uri 1)" -x -D "$ROOTDN" -w "$ROOTPW" \
    -b "$BASE" sync --dir "$T/out/s" --bundle "$T/out/s.pem") ||
	fail "ldaptrust sync"
readable "ldaptrust sync, umask 077" "$T/out/s" "$T/out/s.pem"
check "ldaptrust sync: its state stays private" \
    test "$(stat -c %a "$T/out/s/.ldaptrust-sync")" = 700
