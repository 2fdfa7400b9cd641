#!/bin/sh
# t084-upgrade-old-schema: the module replaced under a schema installed
# with an earlier version names that schema, and the man page's changes
# mend it live.
#
# cn=config keeps the schema it was given when the node was set up, and a
# slapd.conf node keeps its copy of truststore.schema: replacing the
# module changes neither.  Two old definitions make slapd refuse input
# before the overlay sees it, with its generic messages: tsCertificatePEM
# as an IA5String ("invalid per syntax" for a PEM file with a UTF-8
# comment) and a schema without organizationIdentifier ("normalization
# failed" for a CA whose name holds it).  The overlay now names each in
# the log when it opens the database.  Node 1 (cn=config) is then upgraded
# live with the two LDIFs of slapo-truststore(5) UPGRADING; node 2
# (slapd.conf) with the old file logs the same.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
C=$T/certs
mkcert oi -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
    -subj "/CN=oi/organizationIdentifier=VATHU-23584497"
mkcert u -newkey ec -pkeyopt ec_paramgen_curve:P-256
{ printf 'NetLock Arany (Class Gold) F\305\221tan\303\272s\303\255tv\303\241ny\n'; cat "$C/u.pem"; } > "$C/u-curl.pem"
printf 'dn: cn=u,%s\nobjectClass: tsCertificate\ncn: u\ntsCertificatePEM:< file://%s\n' \
    "$BASE" "$C/u-curl.pem" > "$T/u.ldif"
cert_ldif oi "$C/oi.der" > "$T/oi.ldif"

# the schema as the first versions shipped it
python3 - "$SCHEMA_LDIF" "$T/old.ldif" "$SCHEMA" "$T/old.schema" <<'PY'
import re, sys
for src, dst in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
	t = open(src).read()
	t = t.replace('EQUALITY octetStringMatch', 'EQUALITY caseExactIA5Match')
	t = t.replace('SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )', 'SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )')
	# the organizationIdentifier definition, in either form
	t = re.sub(r"(olcAttributeTypes:|attributetype) \( 2\.5\.4\.97\n(?:[ \t].*\n)*", '', t)
	open(dst, 'w').write(t)
PY
grep -q "2\.5\.4\.97" "$T/old.ldif" "$T/old.schema" && die "old schema still defines organizationIdentifier"
grep -q caseExactIA5Match "$T/old.ldif" || die "old schema"

SCHEMA_LDIF=$T/old.ldif node_conf_cn 1
node_start 1
add_base 1
check "cn=config: the log names the old tsCertificatePEM" \
    grep -q "the schema of an earlier version is loaded: tsCertificatePEM has syntax 1.3.6.1.4.1.1466.115.121.1.26" "$T/n1.log"
check "cn=config: the log names the missing organizationIdentifier" \
    grep -q "the schema of an earlier version is loaded: organizationIdentifier (2.5.4.97) is undefined" "$T/n1.log"
expect_ldap 21 "invalid per syntax" ladd 1 -f "$T/u.ldif"
expect_ldap 21 "" ladd 1 -f "$T/oi.ldif"

# the upgrade as the man page gives it, both LDIFs
dn=$(ldapsearch -Q -LLL -Y EXTERNAL -H "$(ldapi 1)" -b cn=schema,cn=config \
	'(cn=*truststore)' dn | sed -n 's/^dn: //p')
[ -n "$dn" ] || die "no truststore schema entry"
sed -n '/^\.SH UPGRADING/,/^\.SH /p' "$TOP/man/slapo-truststore.5" |
	sed -n '/^dn: cn={N}truststore/,/^\.fi/p' | sed 's/^\.fi$//; s/\\-/-/g' |
	sed "s/^dn: .*/dn: $dn/" > "$T/upgrade.ldif"
grep -q octetStringMatch "$T/upgrade.ldif" && grep -q "2.5.4.97" "$T/upgrade.ldif" ||
	die "no upgrade LDIFs in the man page"
expect_ldap 0 "" lconfig 1 -f "$T/upgrade.ldif"
expect_ldap 0 "" ladd 1 -f "$T/u.ldif"
expect_ldap 0 "" ladd 1 -f "$T/oi.ldif"
oi_decorated() { lsearch 1 -b "cn=oi,$BASE" -s base tsSubject | grep -q VATHU-23584497; }
check "the CA naming organizationIdentifier is stored and decorated" oi_decorated
node_stop 1
: > "$T/n1.log"
node_start 1
check "after the upgrade the log names no old schema" \
    not grep -q "schema of an earlier version" "$T/n1.log"
node_stop 1

# slapd.conf with the old truststore.schema
SCHEMA=$T/old.schema node_conf 2
node_start 2
check "slapd.conf: the log names the old tsCertificatePEM" \
    grep -q "the schema of an earlier version is loaded: tsCertificatePEM" "$T/n2.log"
check "slapd.conf: the log names the missing organizationIdentifier" \
    grep -q "organizationIdentifier (2.5.4.97) is undefined" "$T/n2.log"
node_stop 2
