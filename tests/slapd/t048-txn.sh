#!/bin/sh
# t048-txn: LDAP transactions (RFC 5805) are refused on a trust store's
# database, when an operation is queued, with slapd's own "backend
# doesn't support transactions" (53).  back-mdb answers each operation of
# a transaction before the commit, so the export and the lookup index
# followed operations that a later one rolled back (a certificate never
# stored was exported, a stored one dropped), and a transaction beside a
# plain write could stop every write.  Node 2, the same database without
# the overlay, shows that the client does run transactions.
. "$(dirname "$0")/lib.sh"
ts_init
contains() { printf "%s" "$2" | grep -qF -- "$1"; }
C=$T/certs
mkcert one
mkcert two
cc -o "$T/txnadd" "$(dirname "$0")/tools/txnadd.c" -lldap -llber ||
	die "cannot build tools/txnadd.c"

node_conf 1
node_start 1
add_base 1
cert_ldif one "$C/one.der" | ladd 1 >/dev/null || die "add one"
node_conf 2
sed -i '/^overlay truststore$/d' "$T/n2/slapd.conf"
node_start 2
add_base 2

out=$("$T/txnadd" "$(uri 2)" "$ROOTDN" "$ROOTPW" "cn=two,$BASE" two "$C/two.der")
check "without the overlay a transaction commits (the tool works)" \
	[ "$(printf '%s\n' "$out" | cut -d' ' -f1-2 | tr '\n' ' ')" = "queue 0 end 0 " ]

snapshot 1 > "$T/before"
out=$("$T/txnadd" "$(uri 1)" "$ROOTDN" "$ROOTPW" "cn=two,$BASE" two "$C/two.der")
check "with the overlay the add is refused when queued" \
	contains "queue 53 backend doesn't support transactions" "$out"
snapshot 1 > "$T/after"
check "nothing stored" cmp -s "$T/before" "$T/after"
cert_ldif two "$C/two.der" | ladd 1 >/dev/null
check "a plain add works after it" [ $? = 0 ]
node_alive 1 && pass "slapd still running" || fail "slapd died"
