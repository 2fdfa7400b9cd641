#!/bin/sh
# t545-repl-rename.sh - one alias given to two certificate entries at once
# on the two sides of a network partition, where at least one of the
# writes is a rename (ldaptrust rename makes that as easy as an import):
#   A. a certificate replaced on one side, its entry renamed on the other
#      (both orders): slapd replays the replacement by the old name, and
#      the overlay dropped it as if the entry were deleted, so the nodes
#      kept different certificates under the new name; now it follows the
#      rename, and every node has both changes;
#   B. two renames onto one alias;
#   D. an import of an alias on one side, a rename onto it on the other,
#      the rename later;
#   E. the same, the import later.
# slapd 2.5 alone answers the replayed rename with alreadyExists and
# retries it for ever: replication between the two sides stops, deletes
# included.  The overlay applies the rule it applies to two imports: the
# later write wins, the other entry goes, on every node.  Afterwards the
# nodes hold the same entries and files, and writes flow again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_netns "1" "2 3"
repl_cluster 3
for c in a a2 k k2 b c e f g h n; do mkcert $c; done

# cert_of N ALIAS: which of our certificates the node holds under ALIAS
cert_of() {
	lsearch "$1" -b "cn=$2,$BASE" -s base 'userCertificate;binary' 2>/dev/null |
	    sed -n 's/^userCertificate;binary:: //p' > "$T/got.b64"
	[ -s "$T/got.b64" ] || { echo none; return; }
	for _c in "$T"/certs/*.der; do
		[ "$(base64 -w0 < "$_c")" = "$(cat "$T/got.b64")" ] &&
			{ basename "$_c" .der; return; }
	done
	echo unknown
}
# holds DESC ALIAS WANT: every node holds certificate WANT under ALIAS
holds() {
	_got="$(cert_of 1 "$2") $(cert_of 2 "$2") $(cert_of 3 "$2")"
	[ "$_got" = "$3 $3 $3" ] && pass "$1" || fail "$1: nodes 1 2 3 hold $_got"
}
exports_agree() {
	export_list 1 > "$T/ea.1"; export_list 2 > "$T/ea.2"; export_list 3 > "$T/ea.3"
	cmp -s "$T/ea.1" "$T/ea.2" && cmp -s "$T/ea.1" "$T/ea.3"
}
settle() {
	wait_sync 60 1 2 3 || return 1
	same_entries "$1: entries equal on every node" 1 2 3
	# the files follow the entries a moment later (the export task)
	wait_for 10 exports_agree
	same_exports "$1: export files equal on every node" 1 2 3
}

cert_mod() {
	printf 'dn: cn=%s,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	    "$1" "$BASE" "$T/certs/$2.der" > "$T/mod.ldif"
}
for c in a k b c e g; do import 1 "$c" "$T/certs/$c.der" >/dev/null || die "import $c"; done
wait_sync 60 1 2 3 || die "initial sync"

repl_cut
# A: node 1 replaces a's certificate, then node 2 renames a to a9;
# node 2 renames k to k9, then node 1 replaces k's certificate
cert_mod a a2
expect_ldap 0 "" almodify 1 -f "$T/mod.ldif"
sleep 0.01
expect_ldap 0 "" almodrdn 2 -r "cn=a,$BASE" cn=a9
expect_ldap 0 "" almodrdn 2 -r "cn=k,$BASE" cn=k9
sleep 0.01
cert_mod k k2
expect_ldap 0 "" almodify 1 -f "$T/mod.ldif"
# B: node 1 renames b to x, then node 2 renames c to x
expect_ldap 0 "" almodrdn 1 -r "cn=b,$BASE" cn=x
sleep 0.01
expect_ldap 0 "" almodrdn 2 -r "cn=c,$BASE" cn=x
# D: node 1 imports y, then node 2 renames e to y
expect_ldap 0 "" import 1 y "$T/certs/f.der"
sleep 0.01
expect_ldap 0 "" almodrdn 2 -r "cn=e,$BASE" cn=y
# E: node 2 renames g to z, then node 1 imports z
expect_ldap 0 "" almodrdn 2 -r "cn=g,$BASE" cn=z
sleep 0.01
expect_ldap 0 "" import 1 z "$T/certs/h.der"
repl_heal

settle "after the partition"
holds "A: the rename keeps the earlier replacement" a9 a2
holds "A: the rename keeps the later replacement" k9 k2
holds "B: the later rename wins x" x c
holds "D: the later rename wins y over the import" y e
holds "E: the later import wins z over the rename" z h
for a in a k b c e g; do
	[ "$(cert_of 1 $a) $(cert_of 2 $a) $(cert_of 3 $a)" = "none none none" ] ||
		fail "$a is still on some node"
done
pass "the renamed entries left their old names everywhere"
grep -h "rc 68 retrying" "$T"/n*.log > "$T/retry" 2>/dev/null
[ ! -s "$T/retry" ] && pass "no consumer retries an alreadyExists for ever" ||
	{ fail "consumers retry alreadyExists:"; head -3 "$T/retry" >&2; }

# replication flows again, both ways
import 1 n "$T/certs/n.der" >/dev/null || fail "import n on node 1"
aldelete 2 "cn=x,$BASE" || fail "delete x on node 2"
settle "after later writes"
holds "an import on node 1 reaches every node" n n
holds "a delete on node 2 reaches every node" x none
node_alive 1 && node_alive 2 && node_alive 3 && pass "all nodes still running"
