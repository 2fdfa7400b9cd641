#!/bin/sh
# t075-stack-sort.sh - overlays above truststore that read the entries of
# a search in their response callbacks see its computed attributes:
# slapo-sssvlv sorts by tsKeyBits or tsStatus (before, their values were
# missing from the entry it took its keys from: unsorted), also when the
# key is not asked for and with sssvlv as a global overlay; slapo-dynlist
# copies tsStatus and tsKeyBits into a dynamic list (before: left out).
# What is sent is unchanged: each computed attribute once, only when
# asked for.
. "$(dirname "$0")/lib.sh"
ts_init
ec="-newkey ec -pkeyopt ec_paramgen_curve"
printf 'moduleload sssvlv\nmoduleload dynlist\n' > "$T/global.conf"
printf 'truststore-base "%s"\ntruststore-refuse-expired off\noverlay sssvlv\noverlay dynlist\ndynlist-attrset labeledURIObject labeledURI\naccess to * by * read\n' \
    "$BASE" > "$T/extra.conf"
node_conf 1 "$T/extra.conf" "$T/global.conf"
node_start 1
# node 2: sssvlv for every database (the frontend's overlay)
printf 'moduleload sssvlv\noverlay sssvlv\n' > "$T/global2.conf"
printf 'truststore-base "%s"\ntruststore-refuse-expired off\n' "$BASE" > "$T/extra2.conf"
node_conf 2 "$T/extra2.conf" "$T/global2.conf"
node_start 2

# key sizes and states whose order is not the aliases' order
mkcert alpha -newkey rsa:3072
mkcert bravo $ec:P-521 -days 10
mkcert charlie -newkey rsa:2048
mkcert delta $ec:P-384
mkcert_dates echo 20200101000000Z 20210101000000Z
for n in 1 2; do
	add_base $n
	for c in alpha bravo charlie delta echo; do
		cert_ldif $c "$T/certs/$c.der" | ladd $n >/dev/null || die "add $c on node $n"
	done
done

# order N SORT FILTER ATTR...: the aliases in the order node N sends them
order() {
	n=$1 sort=$2 f=$3; shift 3
	lsearch "$n" -b "$BASE" -s one -E "!sss=$sort" "$f" "$@" </dev/null |
		sed -n 's/^dn: cn=\([^,]*\),.*/\1/p' | tr '\n' ' ' | sed 's/ $//'
}
expect_order() {
	got=$(order "$@")
	[ "$got" = "$want" ] && pass "node $1: sort $2, $3 $4: $want" ||
		fail "node $1: sort $2, $3 $4: got '$got', want '$want'"
}
for n in 1 2; do
	want="echo delta bravo charlie alpha"
	expect_order $n tsKeyBits '(objectClass=tsCertificate)' tsKeyBits
	expect_order $n tsKeyBits '(objectClass=tsCertificate)' 1.1
	want="alpha charlie bravo delta echo"
	expect_order $n -tsKeyBits '(objectClass=tsCertificate)' '+'
	want="charlie alpha"
	expect_order $n tsKeyBits '(tsKeyBits>=2048)' cn
	# tsStatus orders the most urgent first, by its own rule or one named
	want="echo bravo delta charlie alpha"
	expect_order $n tsStatus/tsKeyBits '(objectClass=tsCertificate)' 1.1
	want="echo bravo"
	expect_order $n tsStatus/tsKeyBits '(tsStatus<=expiring)' 1.1
	expect_order $n tsStatus:caseIgnoreOrderingMatch/tsKeyBits \
		'(&(objectClass=tsCertificate)(!(tsStatus=valid)))' 1.1
	want="echo bravo delta charlie alpha"
	expect_order $n tsStatus:caseIgnoreOrderingMatch/tsKeyBits \
		'(objectClass=tsCertificate)' tsStatus
done

# what is sent: asked for, once; not asked for, not at all
lsearch 1 -b "$BASE" -s one -E '!sss=tsKeyBits' '(cn=alpha)' tsKeyBits tsStatus \
	</dev/null > "$T/sorted"
[ "$(grep -c '^tsKeyBits: 3072$' "$T/sorted")" = 1 ] &&
[ "$(grep -c '^tsStatus: valid$' "$T/sorted")" = 1 ] &&
	pass "a sorted search sends each computed attribute it asks for once" ||
	{ fail "sorted search attributes"; cat "$T/sorted" >&2; }
lsearch 1 -b "$BASE" -s one -E '!sss=tsKeyBits' '(cn=alpha)' cn </dev/null > "$T/sorted"
grep -q '^ts' "$T/sorted" && { fail "a sort key not asked for was sent"; cat "$T/sorted" >&2; } ||
	pass "a computed sort key not asked for is not sent"
lsearch 1 -b "$BASE" -s one '(cn=alpha)' '+' tsKeyBits > "$T/plain"
[ "$(grep -c '^tsKeyBits: ' "$T/plain")" = 1 ] && [ "$(grep -c '^tsStatus: ' "$T/plain")" = 1 ] &&
	pass "an unsorted search with + and a name sends each once" ||
	{ fail "+ and tsKeyBits"; cat "$T/plain" >&2; }

# a dynamic list of the largest keys, with their status and size (one
# member: dynlist keeps the first value of a single-valued attribute)
ladd 1 >/dev/null <<EOF || fail "add the dynamic list"
dn: cn=large,$SUFFIX
objectClass: applicationProcess
objectClass: labeledURIObject
cn: large
labeledURI: ldap:///$BASE?cn,tsStatus,tsKeyBits?one?(tsKeyBits>=3000)
EOF
lsearch 1 -b "cn=large,$SUFFIX" -s base '*' '+' > "$T/list"
got=$(grep '^\(cn\|tsStatus\|tsKeyBits\): ' "$T/list" | sort | tr '\n' ' ')
want="cn: alpha cn: large tsKeyBits: 3072 tsStatus: valid "
[ "$got" = "$want" ] && pass "a dynamic list holds the computed attributes of its members" ||
	fail "dynamic list: got '$got', want '$want'"

# node 3: sssvlv added live below truststore (olcOverlay={0}): named in
# the log at the next search, once; the overlays above it are not
check "nodes 1 and 2: no overlay named" \
    test "$(cat "$T/n1.log" "$T/n2.log" | grep -c 'configured before truststore')" = 0
node_conf_cn 3
node_start 3
add_base 3
printf 'dn: cn=module{0},cn=config\nchangetype: modify\nadd: olcModuleLoad\nolcModuleLoad: sssvlv\n' |
    lconfig 3 >/dev/null || die "load sssvlv on node 3"
printf 'dn: olcOverlay={0}sssvlv,olcDatabase={1}mdb,cn=config\nchangetype: add\nobjectClass: olcOverlayConfig\nobjectClass: olcSssVlvConfig\nolcOverlay: {0}sssvlv\n' |
    lconfig 3 >/dev/null || die "add sssvlv below truststore on node 3"
lsearch 3 -b "$BASE" -s base 1.1 >/dev/null
lsearch 3 -b "$BASE" -s base 1.1 >/dev/null
check "node 3: sssvlv below truststore named at the next search, once" \
    test "$(grep -c "truststore: $SUFFIX: sssvlv is configured before truststore" "$T/n3.log")" = 1
# what it says: there, a sort by tsKeyBits does not sort
for c in alpha bravo charlie delta; do
	cert_ldif $c "$T/certs/$c.der" | ladd 3 >/dev/null || die "add $c on node 3"
done
got=$(order 3 tsKeyBits '(objectClass=tsCertificate)' 1.1)
[ -n "$got" ] && [ "$got" != "delta bravo charlie alpha" ] &&
	pass "node 3: as said, sssvlv below does not sort by tsKeyBits ($got)" ||
	fail "node 3: sort below truststore gave '$got'"

check "node 1 still running" node_alive 1
check "node 2 still running" node_alive 2
check "node 3 still running" node_alive 3
