#!/bin/sh
# t320-client-expiring.sh - ldaptrust expiring: exit 0 (ok), 1 (expiring),
# 2 (expired), 3 (unknown), text and JSON.  The node takes expired
# certificates (truststore-refuse-expired off) so the store can hold one.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq"; exit 77; }

echo "truststore-refuse-expired off" > "$T/overlay.conf"
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1

lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
jqe() { jq -e "$@" >/dev/null; }
C=$T/certs

out=$(lt expiring); rc=$?
check "empty store: exit 0" test $rc = 0
check "empty store: OK line" contains "OK: no certificate expires within 30 days" "$out"

mkcert year
lt import year "$C/year.pem" >/dev/null || die "import year"
expect_ldap 0 "OK:" lt expiring

mkcert soon -days 2
lt import soon "$C/soon.pem" >/dev/null || die "import soon"
out=$(lt expiring); rc=$?
check "expiring: exit 1" test $rc = 1
check "expiring: WARNING line" contains "WARNING: 1 certificate expires within 30 days" "$out"
check "expiring: names it" contains "soon" "$out"
check "expiring: not the other" test "$(printf '%s\n' "$out" | grep -c year)" = 0
expect_ldap 0 "OK:" lt expiring --days 1
expect_ldap 1 "WARNING:" lt expiring --days 2
lt expiring --json > "$T/e1.json"; rc=$?
check "expiring --json: exit 1" test $rc = 1
check "expiring --json: fields" jqe '.status=="expiring" and .days==30 and .total==2 and .expiring==1 and .expired==0 and (.certificates|length)==1 and .certificates[0].alias=="soon" and .certificates[0].daysLeft<=2' "$T/e1.json"

mkcert_dates old 20200101000000Z 20200201000000Z
lt import old "$C/old.pem" >/dev/null || die "import old (refuse-expired off)"
out=$(lt expiring); rc=$?
check "expired: exit 2" test $rc = 2
check "expired: CRITICAL line" contains "CRITICAL: 1 certificate has expired, 1 expires within 30 days" "$out"
lt expiring --json > "$T/e2.json"; rc=$?
check "expired --json: exit 2" test $rc = 2
check "expired --json: fields" jqe '.status=="expired" and .expired==1 and .expiring==1 and ([.certificates[].alias]==["old","soon"]) and .certificates[0].daysLeft<0' "$T/e2.json"
check "list --expired" test "$(lt list --expired | cut -f1)" = old
check "list --expiring 30" test "$(lt list --expiring 30 | cut -f1)" = soon
check "list status column" test "$(lt list --sort expiry | cut -f6 | tr '\n' ' ')" = "expired expiring valid "
check "show says expired" contains "expired " "$(lt show old | grep 'Valid until')"

# An entry loaded past the overlay (a slapadd restore) stores no dates
# until it is redecorated: expiring and list judge it by its certificate,
# not leave it out (slapd exports it: refuse-expired is off here).
mkcert_dates restored 20200101000000Z 20200301000000Z
node_stop 1
cert_ldif restored "$C/restored.der" |
    slapadd -q -f "$T/n1/slapd.conf" >/dev/null 2>&1 || die "slapadd restored"
node_start 1
check "restored: no tsNotAfter stored" test -z \
    "$(lsearch 1 -b "cn=restored,$BASE" -s base tsNotAfter | grep '^tsNotAfter')"
out=$(lt expiring); rc=$?
check "restored: expiring counts it: exit 2" test $rc = 2
check "restored: CRITICAL counts it" contains "CRITICAL: 2 certificates have expired" "$out"
check "restored: expiring names it" contains "restored" "$out"
check "restored: list --expired" test "$(lt list --expired | cut -f1 | sort | tr '\n' ' ')" = "old restored "
check "restored: list --json has its dates" sh -c "'$LDAPTRUST' -x -H '$(uri 1)' -D '$ROOTDN' -w '$ROOTPW' -b '$BASE' list --json </dev/null | jq -e '.[] | select(.alias==\"restored\") | (.daysLeft | type) == \"number\" and .daysLeft < 0' >/dev/null"
ldelete 1 "cn=restored,$BASE" || die "delete restored"

# unknown: the check could not be made
expect_ldap 3 "Can't contact LDAP server" "$LDAPTRUST" -x -H "ldap://127.0.0.1:$(port 9)/" -b "$BASE" expiring
expect_ldap 3 "--days" lt expiring --days soon
# a usage error is "unknown" wherever the bad option stands: the monitoring
# example puts the connection options before the command
expect_ldap 3 "-P 2: only LDAP version 3" "$LDAPTRUST" -x -H "$(uri 1)" -P 2 -b "$BASE" expiring
expect_ldap 3 "-o foo" "$LDAPTRUST" -o foo -x -H "$(uri 1)" expiring
expect_ldap 3 "dropped -h HOST" "$LDAPTRUST" -h localhost -x expiring
expect_ldap 3 "unknown option -a" "$LDAPTRUST" -a never -x expiring
expect_ldap 1 "-o foo" "$LDAPTRUST" -o foo -x -H "$(uri 1)" list
