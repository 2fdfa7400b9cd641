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
# stored decorations: when it opens, and (node 2, cn=config) when the
# rules change while slapd runs, at the next search.
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

# node 2: a rule added and one changed through cn=config while it runs
node_conf_cn 2
node_start 2
add_base 2
check "node 2: no rule named at start" test "$(grep -c 'never applies' "$T/n2.log")" = 0
DB="olcDatabase={1}mdb,cn=config"
printf 'dn: %s\nchangetype: modify\nadd: olcAccess\nolcAccess: to dn.subtree="%s" filter=(tsStatus=expired) by anonymous none by * read\nolcAccess: to * by * read\n' \
    "$DB" "$BASE" | lconfig 2 >/dev/null || die "cn=config add olcAccess"
lsearch 2 -b "$BASE" -s base 1.1 >/dev/null
lsearch 2 -b "$BASE" -s base 1.1 >/dev/null
said2() { grep -F "truststore: $SUFFIX: access rule {$1} never applies: its filter $2 names" "$T/n2.log" >/dev/null; }
check "node 2: the rule added live is named at the next search" said2 0 "(tsStatus=expired)"
check "node 2: named once, not at every search" \
    test "$(grep -c 'never applies: its filter' "$T/n2.log")" = 1
printf 'dn: olcDatabase={-1}frontend,cn=config\nchangetype: modify\nadd: olcAccess\nolcAccess: to filter=(tsKeyBits<=1024) by anonymous none by * break\n' |
    lconfig 2 >/dev/null || die "cn=config add a frontend olcAccess"
# a rule of the frontend's changes nothing in the database's own list
lsearch 2 -b "$BASE" -s base 1.1 >/dev/null
check "node 2: the frontend's rule added live is named" grep -F \
    "access rule {0} of the frontend never applies: its filter (tsKeyBits<=1024)" "$T/n2.log"
check "node 2 still running" node_alive 2
exit 0
