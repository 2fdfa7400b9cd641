#!/bin/sh
# t335-client-controls.sh - ldaptrust takes the ldap tools' -P, -M/-MM,
# -e, -c and -f, and refuses -E: each control is shown by what the server
# did with it (a referral answered or managed, an assertion failing with
# 122, a proxied identity in the ACL results and in modifiersName, relax
# asking manage access, noop leaving the store as it was, a critical
# unknown control refused with 12); -c goes on after a refusal and exits
# with the last one's code, as ldapdelete -c and ldapmodify -c.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }

C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
cat > "$T/acl.conf" <<EOF
access to attrs=userPassword by anonymous auth by * none
access to dn.exact="cn=locked,$BASE" by * read
access to dn.subtree="$BASE" attrs=entry,children,objectClass,cn,description,userCertificate,tsCertificatePEM
	by dn.exact="cn=writer,$SUFFIX" write by * read
access to * by * read
EOF
node_conf 1 "$T/acl.conf"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF || die "users"
dn: cn=writer,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: writer
userPassword: w

dn: cn=reader,$SUFFIX
objectClass: organizationalRole
objectClass: simpleSecurityObject
cn: reader
userPassword: r
EOF

# the client as the rootdn, and as the writer; stdin is never a terminal
lt() { "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" "$@" </dev/null; }
lw() { "$LDAPTRUST" -x -H "$(uri 1)" -D "cn=writer,$SUFFIX" -w w -b "$BASE" "$@" </dev/null; }
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
not_contains() { ! contains "$@"; }
there() { lsearch 1 -b "$BASE" "(cn=$1)" 1.1 | grep -q '^dn:'; }
gone() { ! there "$1"; }
for n in good a1 a2 a3 locked w1 w2 w3 r1 r2 new; do mkcert $n $ec; done
mkcert weak -newkey rsa:1024
for n in good a1 a2 a3 locked w1 w2 w3 r1 r2; do
	lt import $n "$C/$n.pem" >/dev/null || die "import $n"
done
unchanged() { snapshot 1 > "$T/after"; check "store unchanged ($1)" cmp -s "$T/before" "$T/after"; }

# --- -P: version 3 only -----------------------------------------------------------
out=$(lt -P 3 list 2>&1) || fail "-P 3 list: $out"
check "-P 3: the store is listed" contains "good" "$out"
expect_ldap 1 "LDAPv2 carries no controls" lt -P 2 list
expect_ldap 1 "-P 4: only LDAP version 3" lt -P 4 list
# a monitoring check's usage error is "unknown", the option before the command
expect_ldap 3 "LDAPv2" "$LDAPTRUST" -x -H "$(uri 1)" -P 2 -b "$BASE" expiring

# --- -M, -MM, -e manageDSAit: a store whose base is a referral ---------------------
# a container with a certificate in it, made a referral afterwards (slapd
# adds nothing below a referral; relax lets the container's class change):
# without manageDSAit slapd answers any search based on it with a referral
mkcert far $ec
{ printf 'dn: ou=elsewhere,%s\nobjectClass: organizationalUnit\nou: elsewhere\n\n' "$BASE"
  cert_ldif far "$C/far.der" | sed "s/^dn: cn=far,/dn: cn=far,ou=elsewhere,/"; } |
	ladd 1 >/dev/null || die "container"
printf 'dn: ou=elsewhere,%s\nchangetype: modify\nreplace: objectClass\nobjectClass: referral\nobjectClass: extensibleObject\n-\nadd: ref\nref: ldap://127.0.0.1:%s/ou=elsewhere,%s\n' \
    "$BASE" "$(port 9)" "$BASE" | lmodify 1 -e relax >/dev/null || die "referral"
ltf() { lt -b "ou=elsewhere,$BASE" "$@"; }
expect_ldap 10 "Referral (10)" ltf list
expect_ldap 10 "Referral (10)" ltf export --all
out=$(ltf -M list 2>&1) || fail "-M list: $out"
check "-M: the referral's certificate is listed" contains "far" "$out"
out=$(ltf -MM list 2>&1) || fail "-MM list: $out"
check "-MM: listed" contains "far" "$out"
out=$(ltf -e manageDSAit export --all 2>&1) || fail "-e manageDSAit export --all: $out"
check "-e manageDSAit: exported" contains "BEGIN CERTIFICATE" "$out"
out=$(ltf -e '!manageDSAit' list 2>&1) || fail "-e !manageDSAit list: $out"
check "-e !manageDSAit: listed" contains "far" "$out"
expect_ldap 1 "-e manageDSAit: given twice (-M is manageDSAit too)" ltf -M -e manageDSAit list
expect_ldap 1 "-M: given twice (-e manageDSAit is -M too)" ltf -e manageDSAit -M list
expect_ldap 1 "-M: given twice (-MM is critical)" ltf -MMM list
# the writes carry it too (slapd refers no write below a referral)
out=$(ltf -M delete --yes far 2>&1) || fail "-M delete: $out"
check "-M delete: deleted" contains 'deleted "far"' "$out"
ldelete 1 -M "ou=elsewhere,$BASE" || fail "delete the referral"

# --- -e noop: the server checks, nothing changes --------------------------------
snapshot 1 > "$T/before"
out=$(lt -e noop delete --yes good 2>&1); rc=$?
check "noop delete: exit 0" test $rc = 0
check "noop delete: says nothing changed" contains 'deleted "good" (noop: the server would have, nothing changed)' "$out"
check "noop delete: good is still there" there good
out=$(lt -e '!noop' import new "$C/new.pem" 2>&1) || fail "noop import: $out"
check "noop import: says so" contains '(noop: the server would have' "$out"
check "noop import: new is not there" gone new
out=$(lt -e noop rename good good2 2>&1) || fail "noop rename: $out"
check "noop rename: good keeps its name" there good
expect_ldap 19 "RSA key of 1024 bits" lt -e noop import weak "$C/weak.pem"
unchanged "noop"

# --- -e assert: tested by the server on the entry written -------------------------
expect_ldap 122 "Assertion Failed (122)" lt -e 'assert=(tsStatus=expired)' delete --yes good
check "assert failed: good is still there" there good
unchanged "assertion failed"
# on the computed tsStatus, and only on writes: the lookups are not tested
out=$(lt -e 'assert=(tsStatus=valid)' rename good good2 2>&1) || fail "assert rename: $out"
check "assert true: renamed" there good2
lt rename good2 good >/dev/null || fail "rename back"
out=$(lt -e 'assert=(cn=nothing-is-called-so)' list 2>&1) || fail "assert list: $out"
check "assert: reads are not tested" contains "good" "$out"
expect_ldap 1 "not an LDAP filter" lt -e 'assert=(cn=x' list
expect_ldap 1 "a filter is needed" lt -e assert list

# --- -e relax: the server asks manage access for the entry ------------------------
expect_ldap 50 'delete "r1": Insufficient access (50)' lw -e relax delete --yes r1
check "relax: the writer (write, not manage) deleted nothing" there r1
out=$(lw delete --yes r1 2>&1) || fail "writer delete: $out"
check "without relax the writer deletes" gone r1
expect_ldap 1 "no value expected" lt -e relax=yes list

# --- -e !authzid: the proxied identity is the one the ACLs judge ------------------
expect_ldap 50 'delete "r2": Insufficient access (50)' lt -e '!authzid=dn:cn=reader,o=ts' delete --yes r2
check "as the reader: r2 stays" there r2
out=$(lt -e '!authzid=dn:cn=writer,o=ts' redecorate r2 2>&1) || fail "as the writer: $out"
check "as the writer: modifiersName is the writer" test \
    "$(lsearch 1 -b "cn=r2,$BASE" -s base modifiersName | sed -n 's/^modifiersName: //p')" = "cn=writer,o=ts"
out=$(lt -e '!authzid=dn:cn=reader,o=ts' list 2>&1) || fail "as the reader, list: $out"
check "the reader lists" contains "r2" "$out"
expect_ldap 1 "must be marked critical" lt -e 'authzid=dn:cn=reader,o=ts' list
# "!!" sends it non-critical, as the tools do to test a server (slapd 2.5
# takes it so)
expect_ldap 50 'delete "r2": Insufficient access (50)' lt -e '!!authzid=dn:cn=reader,o=ts' delete --yes r2
expect_ldap 1 "an authzid is needed" lt -e '!authzid' list

# --- -e OID: any control, text or base64 value, critical or not ------------------
expect_ldap 12 "Critical extension is unavailable (12)" lt -e '!1.2.3.4.5' list
out=$(lt -e 1.2.3.4.5 list 2>&1) || fail "non-critical unknown control: $out"
check "a non-critical unknown control is ignored" contains "good" "$out"
# the proxied authorization control by its OID, its value as text and base64
expect_ldap 50 "Insufficient access (50)" lt -e '!2.16.840.1.113730.3.4.18=:dn:cn=reader,o=ts' delete --yes r2
b64=$(printf 'dn:cn=reader,o=ts' | base64)
expect_ldap 50 "Insufficient access (50)" lt -e "!2.16.840.1.113730.3.4.18=::$b64" delete --yes r2
expect_ldap 50 "Insufficient access (50)" lt -e "!2.16.840.1.113730.3.4.18=$b64" delete --yes r2
check "r2 stays" there r2
expect_ldap 1 "not base64" lt -e '1.2.3.4.5=::a' list
expect_ldap 1 "1.2.3.4.5: given twice" lt -e 1.2.3.4.5 -e '!1.2.3.4.5' list
expect_ldap 1 "invalid general control name" lt -e frobnicate list
expect_ldap 1 "-e preread: an ldap tools extension ldaptrust does not take" lt -e preread list

# --- -E: refused, with why --------------------------------------------------------
expect_ldap 1 "-E pr=10: ldaptrust takes no search extensions" lt -E pr=10 list
expect_ldap 3 "no search extensions" lt -E pr=10 expiring

# --- -c: delete --------------------------------------------------------------------
# without -c the first refusal stops, as ldapdelete; a1 goes, locked is
# refused (the writer may only read it), a2 is not tried
out=$(lw delete --yes a1 locked a2 2>&1); rc=$?
check "delete: exit 50" test $rc = 50
check "delete: the refusal is shown" contains 'delete "locked": Insufficient access (50)' "$out"
check "delete: says it stopped" contains "stopped at the first refusal: 1 not deleted (-c goes on)" "$out"
check "delete: a1 deleted" gone a1
check "delete: a2 not tried" there a2
# with -c it goes on; the exit status is the last refusal's (122, not 50)
out=$(lw -c -e 'assert=(!(cn=a3))' delete --yes a2 locked a3 2>&1); rc=$?
check "delete -c: exit 122, the last refusal's" test $rc = 122
check "delete -c: a2 deleted" gone a2
check "delete -c: locked refused" contains 'delete "locked": Insufficient access (50)' "$out"
check "delete -c: a3 refused by the assertion" contains 'delete "a3": Assertion Failed (122)' "$out"
check "delete -c: a3 stays" there a3

# --- -c: redecorate ALIAS... --------------------------------------------------------
out=$(lw redecorate w1 locked w2 2>&1); rc=$?
check "redecorate: exit 50" test $rc = 50
check "redecorate: w1 done" contains 'redecorated "w1"' "$out"
check "redecorate: stopped" contains "stopped at the first refusal: 1 not rewritten (-c goes on)" "$out"
check "redecorate: w2 not tried" not_contains 'redecorated "w2"' "$out"
out=$(lw -c -e 'assert=(!(cn=w3))' redecorate locked w2 w3 2>&1); rc=$?
check "redecorate -c: exit 122, the last refusal's" test $rc = 122
check "redecorate -c: w2 done" contains 'redecorated "w2"' "$out"

# --- -c: import --all goes through its bundle either way; -c: the last code ------
mkcert m1 $ec; mkcert m3 $ec
cat "$C/m1.pem" "$C/weak.pem" "$C/m3.pem" > "$C/mix.pem"
out=$(lt -e 'assert=(!(cn=mix-3))' import --all mix "$C/mix.pem" 2>&1); rc=$?
check "import --all: exit 19, the first refusal's" test $rc = 19
check "import --all: went on" contains "3 certificates: 1 imported, 0 already present, 2 refused" "$out"
lt delete --yes mix >/dev/null || fail "delete mix"
# a bundle under noop: the server checks each, the summary says so
out=$(lt -e noop import --all nb "$C/mix.pem" 2>&1); rc=$?
check "noop import --all: exit 19 (weak is refused all the same)" test $rc = 19
check "noop import --all: the summary says noop" contains "3 certificates: 2 imported, 0 already present, 1 refused (noop: the server would have, nothing changed)" "$out"
check "noop import --all: nothing added" gone nb
out=$(lt -c -e 'assert=(!(cn=mix-3))' import --all mix "$C/mix.pem" 2>&1); rc=$?
check "import --all -c: exit 122, the last refusal's" test $rc = 122
check "import --all -c: the same summary" contains "3 certificates: 1 imported, 0 already present, 2 refused" "$out"

# --- -f: the aliases of delete and redecorate, one a line --------------------------
printf 'w1\n\nw2\r\n' > "$T/list"
out=$(lt -f "$T/list" redecorate 2>&1) || fail "redecorate -f: $out"
check "redecorate -f: w1" contains 'redecorated "w1"' "$out"
check "redecorate -f: w2 (CRLF line)" contains 'redecorated "w2"' "$out"
out=$(lt delete --yes -f "$T/list" 2>&1) || fail "delete -f: $out"
check "delete -f: w1 deleted" gone w1
check "delete -f: w2 deleted" gone w2
printf 'w3\n' | "$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
    delete --yes -f - >/dev/null 2>&1 && pass "delete -f - reads standard input" ||
	fail "delete -f -"
check "delete -f -: w3 deleted" gone w3
printf 'a3\nnosuch\n' > "$T/list2"
expect_ldap 32 "nosuch" lt delete --yes -f "$T/list2"
check "delete -f: all or nothing, a3 stays" there a3
printf 'a/b\n' > "$T/list3"
expect_ldap 1 '"a/b": bad alias' lt delete --yes -f "$T/list3"
: > "$T/empty"
expect_ldap 1 "no alias in it" lt delete --yes -f "$T/empty"
expect_ldap 1 "not both" lt delete --yes -f "$T/list2" a3
expect_ldap 1 "-f previously specified" lt -f "$T/list2" -f "$T/list2" delete --yes
expect_ldap 1 "$T/nothere" lt delete --yes -f "$T/nothere"
expect_ldap 1 "a list of FILEs to import with --alias-from subject" lt -f "$T/list" import x "$C/new.pem"
expect_ldap 1 "import --from imports one certificate" lt -f "$T/list" import x --from 127.0.0.1:1 --yes
expect_ldap 1 "list reads no list" lt list -f "$T/list"
check "a3 still there" there a3

# --- several FILEs: import --alias-from subject FILE... | -f LIST ------------------
for n in s1 s2 s3 s4; do mkcert $n $ec; done
# without -c the first FILE refused stops the run, as ldapmodify
out=$(lt import --alias-from subject "$C/s1.pem" "$C/weak.pem" "$C/s2.pem" 2>&1); rc=$?
check "import FILE...: exit 19" test $rc = 19
check "import FILE...: s1 imported" there s1
check "import FILE...: the refusal shown" contains "RSA key of 1024 bits" "$out"
check "import FILE...: says it stopped" contains "import: stopped at $C/weak.pem: 1 file not read (-c goes on)" "$out"
check "import FILE...: s2 not read" gone s2
# with -c every FILE is tried; the exit status is the last refusal's
out=$(lt -c -e 'assert=(!(cn=s3))' import --alias-from subject "$C/weak.pem" "$C/s2.pem" "$C/s3.pem" 2>&1); rc=$?
check "import -c FILE...: exit 122, the last refusal's" test $rc = 122
check "import -c FILE...: s2 imported" there s2
check "import -c FILE...: s3 refused by the assertion" gone s3
printf '%s\n' "$C/s3.pem" "$C/s4.pem" > "$T/files"
out=$(lt -f "$T/files" import --alias-from subject 2>&1) || fail "import -f: $out"
check "import -f: s3 imported" there s3
check "import -f: s4 imported" there s4
expect_ldap 1 "files on the command line or in -f" lt -f "$T/files" import --alias-from subject "$C/s1.pem"
expect_ldap 1 "several FILEs take --alias-from subject" lt import x "$C/s1.pem" "$C/s2.pem"
