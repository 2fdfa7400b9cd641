#!/bin/sh
# t002-node-schema-upgrade: scripts/node.sh run again on a state an
# earlier version made brings that state's schema up to date before the
# node serves (scripts/schema-upgrade.sh, the changes of
# slapo-truststore(5) UPGRADING), once.
#
# cn=config keeps the schema it was given at the first run; rebuilding the
# module changes nothing there.  With tsCertificatePEM an IA5String and
# no organizationIdentifier (the first versions' schema), slapd refused a
# PEM file with a UTF-8 comment and a CA whose name holds an
# organizationIdentifier, with generic messages, for good.  The old state
# is made here by a first run whose schema entry is then rewritten as
# those versions wrote it.
. "$(dirname "$0")/lib.sh"
ts_init

. "$(dirname "$0")/nodesh.sh"
schema0() { slapcat -n0 -F "$state/slapd.d" -o ldif-wrap=no 2>/dev/null; }

start_node
stop_node || die "node.sh did not stop"
f=$(ls "$state"/slapd.d/cn=config/cn=schema/cn=\{*\}truststore.ldif)
[ -f "$f" ] || die "no truststore schema entry in the state"
# the schema as the first versions wrote it (the CRC goes with the edit)
python3 - "$f" <<'PY' || die "rewriting the schema entry"
import re, sys
t = open(sys.argv[1]).read()
t = re.sub(r'^# CRC32 .*\n', '', t, flags=re.M)
t = t.replace('\n ', '')	# unfolded: one value a line
t = t.replace('EQUALITY octetStringMatch', 'EQUALITY caseExactIA5Match')
t = t.replace('SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )', 'SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )')
t = re.sub(r"^olcAttributeTypes: \{1\}\( 2\.5\.4\.97 .*\n", '', t, flags=re.M)
open(sys.argv[1], 'w').write(t)
PY
schema0 | grep -q "NAME 'tsCertificatePEM'.*1\.26 )" || die "the old tsCertificatePEM is not in place"
schema0 | grep -q "2\.5\.4\.97" && die "the old schema still defines organizationIdentifier"

: > "$T/n1.log"
start_node
check "node.sh says it upgrades the schema" \
    grep -q "node.sh: the schema in .* is an earlier version's: upgrading it" "$T/n1.log"
check "... and what it changed" \
    grep -q "schema-upgrade: cn={[0-9]*}truststore,cn=schema,cn=config upgraded: tsCertificatePEM (IA5String -> Octet String); organizationIdentifier added" "$T/n1.log"
check "the node serving names no earlier schema" \
    not grep -q "the schema of an earlier version is loaded" "$T/n1.log"
pw="$state/admin.pw"
C="$T/certs"
mkcert u -newkey ec -pkeyopt ec_paramgen_curve:P-256
{ printf 'NetLock Arany (Class Gold) F\305\221tan\303\272s\303\255tv\303\241ny\n'; cat "$C/u.pem"; } > "$C/u-curl.pem"
mkcert oi -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -subj "/CN=oi/organizationIdentifier=VATHU-23584497"
nadd() { ldapadd -x -H "$nuri" -D cn=admin,o=truststore -y "$pw" "$@"; }
printf 'dn: cn=u,%s\nobjectClass: tsCertificate\ncn: u\ntsCertificatePEM:< file://%s\n' \
    "$base" "$C/u-curl.pem" > "$T/u.ldif"
expect_ldap 0 "" nadd -f "$T/u.ldif"
printf 'dn: cn=oi,%s\nobjectClass: tsCertificate\ncn: oi\nuserCertificate;binary:< file://%s\n' \
    "$base" "$C/oi.der" > "$T/oi.ldif"
expect_ldap 0 "" nadd -f "$T/oi.ldif"
stop_node || fail "node.sh did not stop"

: > "$T/n1.log"
start_node
check "a third run finds nothing to upgrade" not grep -q "is an earlier version.s: upgrading\\|schema-upgrade:" "$T/n1.log"
stop_node || fail "node.sh did not stop"
check "cn=config holds the current tsCertificatePEM" \
    sh -c "slapcat -n0 -F '$state/slapd.d' -o ldif-wrap=no 2>/dev/null | grep -q \"NAME 'tsCertificatePEM'.*1\.40 )\""
# the script refuses what it cannot read, naming it, exit 1
expect_ldap 1 "schema-upgrade: cannot read cn=schema,cn=config" \
    "$TOP/scripts/schema-upgrade.sh" "ldapi://$(printf '%s' "$T/none.sock" | sed 's|/|%2F|g')"
