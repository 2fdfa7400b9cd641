#!/bin/sh
# t108-bundle-dir-owner: the bundle is written only into a directory no
# other user can replace it in: root's or slapd's own user's, and one
# others may write to only if it is sticky (a spool, where t105 and
# t620-t622 keep theirs).  Before, slapd (root) wrote the bundle into a
# directory of user nobody's, or into one anyone may write to, and
# nobody then replaced it with a bundle of its own, trusted by every
# reader.  Now the write fails with an error naming the owner or the
# mode, nothing is written, and a chmod mends the second.  ldaptrust
# sync --bundle the same.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
need_nobody
N="$T/nobodys"			# nobody's own directory
W="$T/open"			# root's, anyone may write, not sticky
mkdir -p "$W"
chmod 755 "$T"
chmod 777 "$W"
as_nobody mkdir "$N" 2>/dev/null || { chmod 777 "$T"; as_nobody mkdir "$N"; \
    chmod 755 "$T"; }
[ "$(stat -c %U "$N")" = nobody ] || die "nobody's directory"
alpha_node "truststore-export-bundle $N/bundle.pem"
owner_logged() {
	grep -q "truststore: export of o=ts.*: $N: a directory of another user's (uid $(id -u nobody))" "$T/n1.log"
}
check "another user's directory: the bundle is not written, its owner named" \
    until_ok $((TS_SLOW * 15)) owner_logged
check "the add itself succeeded" alpha_stored
check "nothing written there" test -z "$(ls -A "$N")"

node_stop 1
cat > "$T/overlay.conf" <<EOF2
truststore-export-bundle $W/bundle.pem
EOF2
node_conf 1 "$T/overlay.conf"
node_start 1
mode_logged() {
	grep -q "truststore: export of o=ts.*: $W: other users may write to it (mode 0777)" "$T/n1.log"
}
check "a directory anyone may write to: not written, the mode named" \
    until_ok $((TS_SLOW * 15)) mode_logged
check "nothing written there" test -z "$(ls -A "$W")"
chmod 1777 "$W"
mkcert beta
cert_ldif beta "$T/certs/beta.der" | ladd 1 >/dev/null || fail "add beta"
written() { grep -q '^# beta$' "$W/bundle.pem" 2>/dev/null; }
check "chmod +t: the bundle follows the store" until_ok $((TS_SLOW * 15)) written

LT="$LDAPTRUST -x -H $(uri 1) -D $ROOTDN -w $ROOTPW -b $BASE"
expect_ldap 1 "$N: a directory of another user's" \
    $LT sync --bundle "$N/synced.pem"
check "sync: no bundle in nobody's directory" test ! -e "$N/synced.pem"
node_alive 1 && pass "slapd still running"
