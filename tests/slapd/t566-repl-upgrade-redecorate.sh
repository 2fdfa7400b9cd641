#!/bin/sh
# t566-repl-upgrade-redecorate: after a rolling upgrade across the
# stored/computed split, one `ldaptrust redecorate --all` on one node mends
# every node, as slapo-truststore(5) UPGRADING says.
#
# A version before the split stored all 22 decorations; this one stores 8
# and computes the rest when read.  Both nodes of a two-node
# multi-provider cluster here hold such a store (the same entries, CSNs
# and contextCSN, loaded with slapadd, as two nodes upgraded one after the
# other keep theirs).  The sweep on node 1 rewrites the entries there; the
# rewrite must replicate as a removal of the stored copies, or node 2
# keeps them and its start-up read keeps warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"

repl_cluster 2
mkcert a -addext subjectAltName=DNS:a.example
mkcert b -newkey ec -pkeyopt ec_paramgen_curve:P-256
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
import 1 b "$T/certs/b.der" >/dev/null || die "import b"
wait_sync 30 1 2 || die "not in sync after the imports"
# the store as a pre-split module left it: every decoration stored
lsearch 1 -b "$SUFFIX" '*' '+' |
    grep -v '^\(tsStatus\|entryDN\|subschemaSubentry\|hasSubordinates\):' \
    > "$T/old.ldif" || die "read"
grep -q '^tsKeyBits:' "$T/old.ldif" || die "the old store holds no computed decoration"
node_stop 1
node_stop 2
for n in 1 2; do
	rm -rf "$T/n$n/db"/* "$T/n$n/db-accesslog"/* "$T/n$n/export"/*
	slapadd -F "$T/n$n/slapd.d" -b "$SUFFIX" -l "$T/old.ldif" \
	    > "$T/n$n/slapadd.log" 2>&1 || { cat "$T/n$n/slapadd.log"; die "slapadd on node $n"; }
done
stored_computed() {
	slapcat -F "$T/n$1/slapd.d" -b "$SUFFIX" -a '(objectClass=tsCertificate)' \
	    -o ldif-wrap=no 2>/dev/null |
	    grep -c '^\(tsKeyBits\|tsKeyAlgorithm\|tsDNSName\|tsFingerprintSHA1\|tsVersion\):'
}
check "node 1 stores computed decorations" test "$(stored_computed 1)" -ge 9
check "node 2 stores computed decorations" test "$(stored_computed 2)" -ge 9
: > "$T/n1.log"; : > "$T/n2.log"
node_start 1
node_start 2
wait_sync 30 1 2 || die "not in sync after the restart"
check "node 2's start-up read names both entries" \
    grep -q "2 exported without their decorations" "$T/n2.log"
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@"; }
lt redecorate --all > "$T/all.out" 2>&1
check "redecorate --all on node 1 rewrites both" \
    grep -q '2 certificates: 2 redecorated' "$T/all.out"
sleep 0.2
wait_sync 30 1 2 || fail "not in sync after the sweep"
reads_computed() { lsearch 2 -b "cn=a,$BASE" -s base tsDNSName | grep -q '^tsDNSName: a.example'; }
check "node 2 still reads the computed decorations" reads_computed
node_stop 1
node_stop 2
check "node 1 stores no computed decoration any more" test "$(stored_computed 1)" = 0
check "node 2 stores none either: the sweep replicated" test "$(stored_computed 2)" = 0
: > "$T/n2.log"
node_start 2
check "node 2's next start-up read logs nothing undecorated" \
    test "$(grep -c "without their decorations\|stores a decoration" "$T/n2.log")" = 0
node_alive 2 && pass "node 2 running"
