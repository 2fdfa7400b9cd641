#!/bin/sh
# t349-client-conventions.sh - ldaptrust keeps the ldap tools' conventions
# where a reviewer found it did not: -W off a terminal reads the password
# before the data on standard input (as ldapmodify -W) and says so when
# there is none; delete names every alias not found and says nothing was
# deleted, and with -c deletes the others (as ldapdelete -c); an alias
# quoted in a message is escaped (control characters, invalid UTF-8), from
# the command line or a -f list; an unparsable -H is a usage error (as
# ldapsearch's "Could not parse LDAP URI(s)"); "help NOSUCH" is an unknown
# command; too many arguments are named as such.
. "$(dirname "$0")/lib.sh"
ts_init
command -v setsid >/dev/null || { echo "skip: no setsid(1)"; exit 77; }

client_node

C=$T/certs
ESC=$(printf '\033')
# -W with no terminal to ask on (setsid: no controlling terminal), stdin as given
ltw() { setsid "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -W -b "$BASE" "$@"; }
there() { lsearch 1 -b "$BASE" "(cn=$1)" 1.1 | grep -q '^dn:'; }
gone() { ! there "$1"; }
for n in alpha keep delme d1 d2 piped; do mkcert $n; done
for n in alpha keep; do lt import $n "$C/$n.pem" >/dev/null || die "import $n"; done

# Each check below fails without the fix it is about; what only guards
# against a fix going too far is folded into such a check, and what the
# ldap tools do is a precondition (die), not a check.

# --- -W off a terminal --------------------------------------------------------
expect_ldap 1 "ldaptrust: -W: no password read (end of input)" ltw list </dev/null
# the password first, then the certificate, as ldapmodify -W reads them
out=$( (printf '%s\n' "$ROOTPW"; cat "$C/piped.pem") | ltw import piped - 2>&1); rc=$?
check "-W with FILE -: the password line, then the certificate (exit 0)" test $rc = 0
check "-W with FILE -: imported" contains 'imported "piped": CN=piped' "$out"
check "-W with FILE -: the entry is there" there piped
# and before a -f - list (piped is there, whatever became of the import)
there piped || lt import piped "$C/piped.pem" >/dev/null || die "import piped"
out=$( (printf '%s\n' "$ROOTPW"; echo piped) | ltw delete --yes -f - 2>&1); rc=$?
check "-W with -f -: the password line, then the list (exit 0)" test $rc = 0
check "-W with -f -: deleted" gone piped

# --- delete: every alias not found, -c as ldapdelete -c ------------------------
lt import delme "$C/delme.pem" >/dev/null || die "import delme"
# ldapdelete -c: a DN not there is reported, the next still deleted, exit 32
ldapdelete -c -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" "cn=nothere1,$BASE" "cn=delme,$BASE" >/dev/null 2>&1
tools_rc=$?
[ "$tools_rc" = 32 ] && gone delme || die "precondition: ldapdelete -c exits 32 and deletes the other DN"
lt import delme "$C/delme.pem" >/dev/null || die "import delme again"

snapshot 1 > "$T/before"
expect_ldap 32 "nothing deleted: 2 of the 3 aliases not found" lt delete --yes nothere1 delme nothere2
snapshot 1 > "$T/after"
named_all() { contains '"nothere1": No such object (32)' "$out" && contains '"nothere2": No such object (32)' "$out"; }
check "without -c: every alias not found is named, and nothing is deleted" \
    eval 'named_all && cmp -s "$T/before" "$T/after"'
out=$(lt -c delete --yes nothere1 delme 2>&1); rc=$?
check "-c: the alias that exists is deleted, the missing one named, exit 32 (as ldapdelete -c)" \
    eval 'test $rc = 32 && contains "\"nothere1\": No such object (32)" "$out" && contains "deleted \"delme\"" "$out" && gone delme && there keep'
lt import d1 "$C/d1.pem" >/dev/null || die "import d1"
lt import d2 "$C/d2.pem" >/dev/null || die "import d2"
printf 'd1\nnothere3\nd2\nnothere4\n' > "$T/list"
expect_ldap 32 '"nothere4": No such object (32)' lt -c delete --yes -f "$T/list"
check "-c -f: nothere3 named too, d1 and d2 deleted" \
    eval 'contains "\"nothere3\": No such object (32)" "$out" && test "$(printf "%s\n" "$out" | grep -c "^deleted \"d[12]\"")" = 2 && gone d1 && gone d2'
# -n names them too, and deletes nothing
expect_ldap 32 "nothing deleted: 2 of the 3 aliases not found" lt -n delete nothere1 keep nothere2

# --- aliases are escaped in messages -------------------------------------------
out=$(lt import "$(printf 'esc\033[31mred')" "$C/alpha.pem" 2>&1)
check "command-line alias: ESC escaped" contains '"esc\1B[31mred": bad alias' "$out"
check "command-line alias: no raw ESC" not_contains "$ESC" "$out"
printf 'x\033[2Jy\n' > "$T/dlesc"
out=$(lt -n delete -f "$T/dlesc" 2>&1)
check "-f alias: ESC escaped" contains '"x\1B[2Jy": bad alias' "$out"
check "-f alias: no raw ESC" not_contains "$ESC" "$out"
out=$(lt import "$(printf 'bad\377')" "$C/alpha.pem" 2>&1)
check "invalid UTF-8 alias: the byte escaped" contains '"bad\FF": bad alias: an alias must be UTF-8 text' "$out"
check "invalid UTF-8 alias: no raw 0xFF" test "$(printf '%s' "$out" | LC_ALL=C grep -c "$(printf '\377')")" = 0
out=$(lt rename alpha "$(printf 'n\302\233ew')" 2>&1)
check "rename: a C1 control escaped" contains '"n\C2\9Bew": bad alias' "$out"

# --- an -H libldap cannot parse: a usage error, as ldapsearch ------------------
ldapsearch -x -H foo://x -b "$BASE" >/dev/null 2>&1
tools_rc=$?
[ "$tools_rc" = 1 ] || die "precondition: ldapsearch -H foo://x exits 1, not $tools_rc"
expect_ldap 1 "-H foo://x: could not parse the LDAP URI(s)" "$LDAPTRUST" -x -H foo://x -b "$BASE" list
check "-H foo://x: a usage error" contains "Try 'ldaptrust list --help'." "$out"
# a monitoring check's usage error is UNKNOWN
expect_ldap 3 "-H foo://x: could not parse" "$LDAPTRUST" -x -H foo://x -b "$BASE" expiring
# checked before anything is read, once: import -c said it once a FILE
# (the connection is made by the first FILE that needs one), after the
# error of a FILE that was not there
ldapmodify -c -x -H foo://x -f /dev/null >/dev/null 2>&1
tools_rc=$?
[ "$tools_rc" = 1 ] || die "precondition: ldapmodify -c -H foo://x exits 1, not $tools_rc"
out=$("$LDAPTRUST" -x -H foo://x -b "$BASE" -c import --alias-from subject \
    "$T/nosuchfile" "$C/alpha.pem" "$C/keep.pem" 2>&1); rc=$?
check "import -c -H foo://x: exit 1, as ldapmodify -c" test $rc = 1
check "import -c -H foo://x: said once, not once a FILE" \
    test "$(printf '%s\n' "$out" | grep -c 'could not parse')" = 1
check "import -c -H foo://x: names the URI and why" contains \
    "-H foo://x: could not parse the LDAP URI(s): the scheme is not ldap://, ldaps:// or ldapi:// (URL error 3)" "$out"
check "import -c -H foo://x: up front, no FILE read" not_contains "nosuchfile" "$out"
# in a list, the URI at fault
expect_ldap 1 "could not parse the LDAP URI(s): foo://x: the scheme is not" \
    "$LDAPTRUST" -x -H "$(uri 1) foo://x" -b "$BASE" list

# --- help NOSUCH ------------------------------------------------------------------
contains "--sort alias|expiry" "$("$LDAPTRUST" help list)" || die "help list: the command's usage"
expect_ldap 1 "unknown command 'nosuch'" "$LDAPTRUST" help nosuch
check "help nosuch: no usage on stdout" test -z "$("$LDAPTRUST" help nosuch 2>/dev/null)"

# --- wording of usage errors ------------------------------------------------------
printf 'keep\n' > "$T/dl"
expect_ldap 1 "delete: aliases on the command line or in -f $T/dl, not both" lt -n delete -f "$T/dl" extra
expect_ldap 1 "export: unexpected argument 'extra'" lt export alpha "$T/out.pem" extra
expect_ldap 1 "show: unexpected argument 'extra'" lt show alpha extra
expect_ldap 1 "rename: unexpected argument 'extra'" lt rename alpha beta extra
