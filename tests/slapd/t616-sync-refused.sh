#!/bin/sh
# t616-sync-refused.sh - `ldaptrust sync` writes only what this host's
# library takes, as the overlay exports only what its parse takes
#
# A store can hold a certificate this version refuses (an older or newer
# provider accepted it, or a restore put it there; t548).  GnuTLS drops a
# whole PEM bundle for one certificate it cannot read, so a synced bundle
# holding it would trust nothing.  The sync says which entry it leaves out
# and why, goes on, and exits 0; the files hold the rest, the same as the
# node's own export, one-shot and --watch alike.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
command -v certtool >/dev/null || die "certtool (gnutls-bin) is missing"
X400="$TOP/tests/unit/fixtures/gnutls-san-x400.der"
gnutls_reads() { certtool -i --infile "$1" >/dev/null 2>&1; }
WHY="\"x400\": not synced: its certificate is refused: the certificate has a subjectAltName with an x400Address"

repl_cluster 1
mkcert a; mkcert b
import 1 a "$T/certs/a.der" >/dev/null || die "import a"

# past node 1's overlay, as t548 puts it there
node_stop 1
{ store_ldif x400 "$X400"; store_ldif x400b "$X400"; } > "$T/x400.ldif"
slapadd -q $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/x400.ldif" \
    > "$T/slapadd.log" 2>&1 || { cat "$T/slapadd.log"; die "slapadd"; }
node_start 1
check "node 1 does not export it" not in_export 1 "$X400"

LT="$LDAPTRUST -H $(uri 1) -x -D $SVC_DN -w $SVC_PW -b $BASE"
lt() { $LT "$@"; }
# synced DIR DERFILE: DIR holds that certificate
synced() { holds_cert "$@"; }

# one-shot
mkdir -p "$T/once" "$T/w"
expect_ldap 0 "$WHY" lt sync --dir "$T/once/certs" --bundle "$T/once.pem"
check "one-shot: a is synced" synced "$T/once/certs" "$T/certs/a.der"
check "one-shot: x400 is not in the directory" not synced "$T/once/certs" "$X400"
check "one-shot: nor in the bundle" not grep -q '^# x400$' "$T/once.pem"
check "one-shot: GnuTLS reads the bundle" gnutls_reads "$T/once.pem"
check "one-shot: the state does not hold it" \
    not grep -qi "$(od -An -tx1 "$X400" | tr -d ' \n' | cut -c1-200)" \
    "$T/once/certs/.ldaptrust-sync/state"

# --watch: the refresh, then a certificate mended in place and another added
$LT sync --dir "$T/w/certs" --bundle "$T/w.pem" --watch > "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
check "--watch: a is synced" wait_for 15 synced "$T/w/certs" "$T/certs/a.der"
check "--watch: x400 is said" wait_for 5 grep -qF "$WHY" "$T/follower.log"
check "--watch: x400 is not in the directory" not synced "$T/w/certs" "$X400"
check "--watch: GnuTLS reads the bundle" gnutls_reads "$T/w.pem"
import 1 b "$T/certs/b.der" >/dev/null || die "import b"
check "--watch: a later import still flows" wait_for 15 synced "$T/w/certs" "$T/certs/b.der"
mkcert c
printf 'dn: cn=x400,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n-\n' \
    "$BASE" "$T/certs/c.der" > "$T/mend.ldif"
almodify 1 -f "$T/mend.ldif" > "$T/mend.log" 2>&1 || { cat "$T/mend.log"; die "mend x400"; }
check "--watch: the mended entry is synced" wait_for 15 synced "$T/w/certs" "$T/certs/c.der"
check "--watch: under its alias" wait_for 5 grep -q '^# x400$' "$T/w.pem"
check "--watch: still running" kill -0 "$FOLLOWER"
check "--watch: GnuTLS reads the bundle" gnutls_reads "$T/w.pem"

# an entry left out is still known: a present phase naming it (the
# follower restarted, a change meanwhile) is not taken for a restore
kill "$FOLLOWER"; wait "$FOLLOWER" 2>/dev/null
check "the state knows x400b is left out" grep -q '^skip ' "$T/w/certs/.ldaptrust-sync/state"
mkcert d
import 1 d "$T/certs/d.der" >/dev/null || die "import d"
$LT sync --dir "$T/w/certs" --bundle "$T/w.pem" --watch -v > "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
check "restarted: d is synced" wait_for 15 synced "$T/w/certs" "$T/certs/d.der"
check "restarted: resumed from the cookie, no full refresh" \
    not grep -q "refreshing in full" "$T/follower.log"
check "restarted: x400b is not said again (unchanged)" \
    not grep -qF '"x400b": not synced' "$T/follower.log"
exit 0
