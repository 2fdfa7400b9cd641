#!/bin/sh
# t074-acl-filter-computed.sh - access rules that select by a computed
# attribute are named in the log when the overlay opens
#
# slapd tests an access rule's filter= on the entry as stored, where
# tsStatus and the other computed attributes never are: such a rule never
# applies, and what it means to deny falls through to the next rules (here
# anonymous still reads the expired certificate a rule meant to hide).
# The overlay cannot change that; it says so, naming each such rule of
# the database and of the frontend, and not the rules that select by
# stored decorations.
. "$(dirname "$0")/lib.sh"
ts_init
mkcert_dates exp 20200101000000Z 20210101000000Z
cat > "$T/acl.conf" <<EOF2
truststore-refuse-expired off
access to dn.subtree="$BASE" filter=(tsStatus=expired) by anonymous none by * read
access to dn.subtree="$BASE" filter=(&(objectClass=tsCertificate)(tsKeyBits>=3072)) by anonymous none by * read
access to dn.subtree="$BASE" filter=(tsNotAfter<=20300101000000Z) attrs=description by anonymous none by * read
access to * by * read
EOF2
printf 'access to filter=(tsSelfSigned=TRUE) attrs=description by anonymous none by * break\n' > "$T/global.conf"
node_conf 1 "$T/acl.conf" "$T/global.conf"
node_start 1
add_base 1
cert_ldif exp "$T/certs/exp.der" | ladd 1 >/dev/null || die "add exp"

said() { grep -F "truststore: $SUFFIX: access rule {$1}$2 never applies: its filter $3 names" "$T/n1.log" >/dev/null; }
check "rule {0} (tsStatus) named" said 0 "" "(tsStatus=expired)"
check "rule {1} (tsKeyBits, inside an AND) named" said 1 "" "(&(objectClass=tsCertificate)(tsKeyBits>=3072))"
check "the frontend's rule {0} (tsSelfSigned) named" said 0 " of the frontend" "(tsSelfSigned=TRUE)"
check "rule {2} (tsNotAfter, stored) not named" test "$(grep -c 'access rule {2} never applies' "$T/n1.log")" = 0
check "three rules named, no more" test "$(grep -c 'never applies: its filter' "$T/n1.log")" = 3
# what the warning says: the rule meant to hide it does not
check "as said: anonymous still reads the expired certificate" \
    test "$(ldapsearch -x -H "$(uri 1)" -LLL -b "cn=exp,$BASE" -s base cn 2>/dev/null | grep -c '^cn: exp')" = 1
check "node still running" node_alive 1
exit 0
