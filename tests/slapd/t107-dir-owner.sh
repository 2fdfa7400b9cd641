#!/bin/sh
# t107-dir-owner: the export directory must be one only root, slapd's own
# user (and its group) may write to.  Another user who may write to it
# could put a CA of their own there, trusted by every reader of the
# directory, or replace the store's files.  User nobody makes the
# configured directory, in a sticky world-writable spool, before slapd
# first writes it (as t106 plants a link there).  Before, slapd (root)
# wrote the store's files into nobody's directory and nobody added its
# own CA beside them; a directory of root's that anyone may write was
# taken too.  Now the export fails with an error naming the owner or the
# mode, nothing is written there, and a chmod go-w mends the second.
# ldaptrust sync refuses such a directory before it makes its state in it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
need_nobody
S="$T/spool"			# sticky and world-writable
W="$T/open"			# root's, but anyone may write
mkdir -p "$S" "$W"
chmod 755 "$T"
chmod 1777 "$S"
chmod 777 "$W"
as_nobody sh -c "mkdir '$S/export' && chmod 777 '$S/export'" ||
    die "nobody's directory"
alpha_node "truststore-export-dir $S/export"
owner_logged() {
	grep -q "truststore: export of o=ts.*: $S/export: a directory of another user's (uid $(id -u nobody))" "$T/n1.log"
}
check "another user's directory: the export fails, naming its owner" \
    until_ok $((TS_SLOW * 15)) owner_logged
check "the add itself succeeded" alpha_stored
check "nothing of the store's written there" test -z "$(ls -A "$S/export")"

# a directory of root's that others may write to
node_stop 1
cat > "$T/overlay.conf" <<EOF2
truststore-export-dir $W
EOF2
node_conf 1 "$T/overlay.conf"
node_start 1
mode_logged() {
	grep -q "truststore: export of o=ts.*: $W: other users may write to it (mode 0777)" "$T/n1.log"
}
check "a directory anyone may write to: the export fails, naming the mode" \
    until_ok $((TS_SLOW * 15)) mode_logged
check "nothing of the store's written there" test -z "$(ls -A "$W")"
chmod go-w "$W"
mkcert beta
cert_ldif beta "$T/certs/beta.der" | ladd 1 >/dev/null || fail "add beta"
check "chmod go-w: the directory follows the store" wait_export 1 "$W"

# ldaptrust sync writes through the same code, as the user running it
LT="$LDAPTRUST -x -H $(uri 1) -D $ROOTDN -w $ROOTPW -b $BASE"
expect_ldap 1 "$S/export: a directory of another user's" \
    $LT sync --dir "$S/export"
check "sync: nothing made in nobody's directory, not even its state" \
    test -z "$(ls -A "$S/export")"
node_alive 1 && pass "slapd still running"
