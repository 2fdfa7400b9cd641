#!/bin/sh
# schema-upgrade.sh LDAPI-URI - bring the truststore schema of a running
# cn=config slapd up to this version's, as slapo-truststore(5) UPGRADING
# describes, and say what was changed.
#
# cn=config keeps the schema it was given when the node was set up:
# rebuilding or replacing the module changes nothing there.  Two old
# definitions make slapd refuse input before the overlay sees it:
# tsCertificatePEM as an IA5String (a PEM file with a UTF-8 comment) and
# no organizationIdentifier (a CA whose name holds it).  Both are mended
# live, over ldapi as root (SASL EXTERNAL); tsCertificatePEM is never
# stored, so its definition can be replaced.  Run it on each node of a
# cluster: cn=config does not replicate here.  Exit 0 when the schema is
# current (changed or not), 1 when it cannot be read or changed.
set -u
uri=${1:?usage: schema-upgrade.sh LDAPI-URI}

schema=$(ldapsearch -Q -LLL -o ldif-wrap=no -Y EXTERNAL -H "$uri" \
    -b cn=schema,cn=config '(objectClass=olcSchemaConfig)' \
    olcAttributeTypes 2>&1) || {
	echo "schema-upgrade: cannot read cn=schema,cn=config: $schema" >&2
	exit 1
}
dn=$(printf '%s\n' "$schema" |
    sed -n 's/^dn: \(cn={[0-9]*}truststore,cn=schema,cn=config\)$/\1/p')
if [ -z "$dn" ]; then
	echo "schema-upgrade: no truststore schema in cn=config: load schema/truststore.ldif" >&2
	exit 1
fi
# the values of the truststore entry only
ours=$(printf '%s\n' "$schema" | awk -v dn="dn: $dn" '
	/^dn: / { in_ours = ($0 == dn) }
	in_ours && /^olcAttributeTypes: / { print }')

ldif=""
what=""
# {N} of the old tsCertificatePEM (IA5String), if that is what is loaded
old=$(printf '%s\n' "$ours" | grep "NAME 'tsCertificatePEM'" |
    grep 'SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.26' |
    sed -n 's/^olcAttributeTypes: \({[0-9]*}\).*/\1/p')
if [ -n "$old" ]; then
	ldif="${ldif}delete: olcAttributeTypes
olcAttributeTypes: $old
-
add: olcAttributeTypes
olcAttributeTypes: $old( tsAttributeType:1 NAME 'tsCertificatePEM'
  DESC 'A certificate as PEM text, input only: stored as userCertificate;binary'
  EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
-
"
	what="$what tsCertificatePEM (IA5String -> Octet String);"
fi
# organizationIdentifier, unless any loaded schema defines it
if ! printf '%s\n' "$schema" | grep -q "^olcAttributeTypes: \({[0-9]*}\)\{0,1\}( *2\.5\.4\.97 "; then
	ldif="${ldif}add: olcAttributeTypes
olcAttributeTypes: ( 2.5.4.97 NAME 'organizationIdentifier'
  DESC 'X.520: an identification of an organization, such as a VAT number, as found in certificate names'
  EQUALITY caseIgnoreMatch SUBSTR caseIgnoreSubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.15 SINGLE-VALUE )
-
"
	what="$what organizationIdentifier added;"
fi
[ -n "$ldif" ] || exit 0

out=$(printf 'dn: %s\nchangetype: modify\n%s' "$dn" "$ldif" |
    ldapmodify -Q -Y EXTERNAL -H "$uri" 2>&1) || {
	echo "schema-upgrade: $dn: cannot be changed: $out" >&2
	exit 1
}
echo "schema-upgrade: $dn upgraded:${what%;}"
