#!/bin/sh
# t530-repl-conflict.sh - concurrent writes to one entry on two providers
# converge to one state on all three nodes, files included:
#   1. the same alias imported with different certificates on nodes 1 and 2;
#   2. a delete on node 1 racing a modify on node 2 (both orders).
# "At once" is made certain, not left to timing: node 1 is cut off from
# nodes 2 and 3 (network namespaces) while both writes are acknowledged,
# then the link comes back.  A last round races two imports in parallel
# on a healthy cluster.  The rules (docs/replication.md): the write with
# the later CSN wins, except that a delete wins over a modify either way;
# the test reports every outcome.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_netns "1" "2 3"
repl_cluster 3

for c in x1 x2 y z r1 r2 w; do mkcert $c; done
# cert_of N ALIAS: which test certificate node N holds under ALIAS
cert_of() {
	lsearch "$1" -b "cn=$2,$BASE" -s base 'userCertificate;binary' 2>/dev/null |
	    sed -n 's/^userCertificate;binary:: //p' > "$T/got.b64"
	[ -s "$T/got.b64" ] || { echo none; return; }
	for _c in "$T"/certs/*.der; do
		if [ "$(base64 -w0 < "$_c")" = "$(cat "$T/got.b64")" ]; then
			basename "$_c" .der; return
		fi
	done
	echo unknown
}
# agree DESC ALIAS: all nodes agree on ALIAS (entries and files); prints it
agree() {
	wait_sync 60 1 2 3
	_w1=$(cert_of 1 "$2") _w2=$(cert_of 2 "$2") _w3=$(cert_of 3 "$2")
	echo "# $1: node 1 has $_w1, node 2 has $_w2, node 3 has $_w3"
	check "$1: one outcome on all nodes ($_w1)" \
	    test "$_w1" = "$_w2" -a "$_w2" = "$_w3" -a "$_w1" != unknown
	_cnt=$(lsearch 3 -b "$BASE" "(cn=$2)" 1.1 | grep -c '^dn:')
	check "$1: at most one entry named $2" test "$_cnt" -le 1
	same_entries "$1: entries identical" 1 2 3
	if repl_overlay; then
		same_exports "$1: export files identical" 1 2 3
	fi
}

# 1. one alias, two certificates, written on both sides of a partition
repl_cut
expect_ldap 0 "" import 1 x "$T/certs/x1.der"
sleep 0.01	# distinct CSN time stamps make the expected winner certain
expect_ldap 0 "" import 2 x "$T/certs/x2.der"
repl_heal
agree "same alias on nodes 1 and 2" x
check "the later import (x2, node 2) won" test "$(cert_of 1 x)" = x2

# 2a. delete on node 1, then modify on node 2, during a partition
import 1 y "$T/certs/y.der" >/dev/null || die "import y"
import 1 z "$T/certs/z.der" >/dev/null || die "import z"
wait_sync 60 1 2 3
repl_cut
expect_ldap 0 "" aldelete 1 "cn=y,$BASE"
cat > "$T/mod-y.ldif" <<EOF
dn: cn=y,$BASE
changetype: modify
replace: description
description: modified on node 2 after node 1 deleted it
EOF
expect_ldap 0 "" almodify 2 -f "$T/mod-y.ldif"
repl_heal
agree "delete (node 1) then modify (node 2)" y
check "the delete won although the modify was later" test "$(cert_of 1 y)" = none

# 2b. modify on node 2, then delete on node 1
repl_cut
sed 's/^dn: cn=y,/dn: cn=z,/' "$T/mod-y.ldif" > "$T/mod-z.ldif"
expect_ldap 0 "" almodify 2 -f "$T/mod-z.ldif"
sleep 0.01
expect_ldap 0 "" aldelete 1 "cn=z,$BASE"
repl_heal
agree "modify (node 2) then delete (node 1)" z
check "the later write (the delete) won" test "$(cert_of 1 z)" = none

# 3. a rename on node 2 racing a delete on node 1.  No rule of ours: the
# delete is replayed by name and misses the renamed entry, so the rename
# survives (seen so far); any outcome is accepted as long as all nodes
# agree, and a disagreement is reported as XFAIL (docs/replication.md).
import 1 w "$T/certs/w.der" >/dev/null || die "import w"
wait_sync 60 1 2 3
repl_cut
expect_ldap 0 "" aldelete 1 "cn=w,$BASE"
sleep 0.01
expect_ldap 0 "" almodrdn 2 -r "cn=w,$BASE" cn=w2
repl_heal
wait_sync 60 1 2 3
w1=$(cert_of 1 w2) w2=$(cert_of 2 w2) w3=$(cert_of 3 w2)
if [ "$w1" = "$w2" ] && [ "$w2" = "$w3" ]; then
	pass "rename racing a delete: one outcome on all nodes ($w1)"
else
	echo "XFAIL - rename (node 2) racing a delete (node 1): node 1 has $w1, node 2 has $w2, node 3 has $w3 under cn=w2 (known limitation)"
	# leave the nodes in agreement for the next round
	for k in 1 2 3; do
		ldelete $k "cn=w2,$BASE" >/dev/null 2>&1
	done
	wait_sync 60 1 2 3
fi

# 4. a parallel race on a healthy cluster: either both imports are
# acknowledged (a real conflict) or one is refused as a duplicate name
import 1 r "$T/certs/r1.der" > "$T/r1.out" 2>&1 &
p1=$!
import 3 r "$T/certs/r2.der" > "$T/r2.out" 2>&1 &
p3=$!
wait $p1; rc1=$?
wait $p3; rc3=$?
echo "# parallel imports of r: node 1 -> $rc1, node 3 -> $rc3"
check "each parallel import succeeded or found the name taken (68)" \
    test "$rc1" -eq 0 -o "$rc1" -eq 68 -a "$rc3" -eq 0 -o "$rc3" -eq 68
agree "parallel imports on nodes 1 and 3" r
exit 0
