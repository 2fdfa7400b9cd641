#!/bin/sh
# t617-sync-restore.sh - the followed server's database is restored from
# an older backup: `ldaptrust sync` starts over with a full refresh
#
# The follower's cookie is then ahead of the provider's contextCSN, and
# syncprov refuses it ("consumer state is newer than provider!",
# unwillingToPerform).  Retrying with the same cookie can never succeed
# and would keep trusting what the restore took away: the follower drops
# its cookie, refreshes in full, and its files equal the restored store,
# a one-shot run with a saved state and --watch across the restore alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 1
mkcert a; mkcert b; mkcert c
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
import 1 b "$T/certs/b.der" >/dev/null || die "import b"
# the backup: a and b
slapcat $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/backup.ldif" \
    > "$T/slapcat.log" 2>&1 || { cat "$T/slapcat.log"; die "slapcat"; }
# after it: c added, a deleted
import 1 c "$T/certs/c.der" >/dev/null || die "import c"
aldelete 1 "cn=a,$BASE" || die "delete a"

LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
lt() { $LT "$@"; }
# synced DIR DERFILE: DIR holds that certificate
synced() { holds_cert "$@"; }
# holds DIR A B C: which of a, b, c DIR holds, as "y"/"n" each
holds() {
	_d=$1 _r=""
	for _x in a b c; do
		if synced "$_d" "$T/certs/$_x.der"; then _r="${_r}y"; else _r="${_r}n"; fi
	done
	echo "$_r"
}
is() { [ "$(holds "$1")" = "$2" ]; }

mkdir -p "$T/once" "$T/w"
expect_ldap 0 "" lt sync --dir "$T/once/certs" --bundle "$T/once.pem"
check "before: the one-shot holds b and c" is "$T/once/certs" nyy
$LT sync --dir "$T/w/certs" --bundle "$T/w.pem" --watch -v > "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
check "before: the follower holds b and c" wait_for 15 is "$T/w/certs" nyy

# the restore: the database (and its log) replaced by the backup's
node_stop 1
rm -rf "$T/n1/db" "$T/n1/db-accesslog"
mkdir -p "$T/n1/db" "$T/n1/db-accesslog"
slapadd -q $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/backup.ldif" \
    > "$T/slapadd.log" 2>&1 || { cat "$T/slapadd.log"; die "slapadd"; }
node_start 1

check "after: the follower holds a and b" wait_for 40 is "$T/w/certs" yyn
check "after: its bundle names a and b only" eval \
    '[ "$(grep "^# " "$T/w.pem" | tr "\n" " ")" = "# a # b " ]'
check "after: it said why" grep -qF "consumer state is newer than provider" "$T/follower.log"
check "after: the follower is still running" kill -0 "$FOLLOWER"
import 1 c "$T/certs/c.der" >/dev/null || die "import c again"
check "after: live changes flow again" wait_for 15 is "$T/w/certs" yyy

aldelete 1 "cn=c,$BASE" || die "delete c again"
expect_ldap 0 "unchanged since our cookie that we never received" lt sync --dir "$T/once/certs" --bundle "$T/once.pem"
check "after: the one-shot holds a and b" is "$T/once/certs" yyn
check "after: its bundle names a and b only" eval \
    '[ "$(grep "^# " "$T/once.pem" | tr "\n" " ")" = "# a # b " ]'
out=$(lt sync --dir "$T/once/certs" --bundle "$T/once.pem" 2>&1); rc=$?
check "the next run exits 0" test "$rc" = 0
check "and resumes from the new cookie, silently" test -z "$out"
exit 0
