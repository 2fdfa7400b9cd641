#!/bin/sh
# t078-pem-text: tsCertificatePEM takes a PEM file as the file is.
#
# PEM files carry text outside their blocks, in whatever encoding the
# tool that wrote them used: curl's cacert.pem heads each CA with its
# name in UTF-8 ("NetLock Arany (Class Gold) Főtanúsítvány"), others
# write Latin-1.  The overlay ignores that text, as OpenSSL does, but
# tsCertificatePEM had the IA5String syntax: slapd refused such a file
# before the overlay saw it, with its generic "value #0 invalid per
# syntax".  It is an Octet String now; what is not a certificate gets the
# overlay's own message.  Node 2 starts with the old schema in cn=config
# and is upgraded live as slapo-truststore(5) says.  A DER file given
# there is taken too (the overlay's decoder reads either).
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
for x in u l m n k; do mkcert $x $ec; done
# curl's layout: the name, a rule, the block
{ printf 'NetLock Arany (Class Gold) F\305\221tan\303\272s\303\255tv\303\241ny\n'
  printf '========================================\n'; cat "$C/u.pem"; } > "$C/u-curl.pem"
{ printf '# \351t\351 (Latin-1)\n'; cat "$C/l.pem"; } > "$C/l-latin1.pem"
{ printf 'NetLock \305\221\n'; cat "$C/m.pem"; } > "$C/m-curl.pem"
{ printf 'k\303\251y\n'; cat "$C/k.key"; } > "$C/k-key.pem"
# pem_ldif ALIAS FILE: an add with the certificate in tsCertificatePEM
pem_ldif() {
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\ntsCertificatePEM:< file://%s\n' \
	    "$1" "$BASE" "$1" "$2"
}
# stored_is N ALIAS DER: the entry holds that certificate
stored_is() {
	lsearch "$1" -b "cn=$2,$BASE" -s base 'userCertificate;binary' |
	    sed -n 's/^userCertificate;binary:: //p' | base64 -d > "$T/got.der"
	cmp -s "$T/got.der" "$3" && pass "node $1: cn=$2 holds the certificate" ||
		fail "node $1: cn=$2 does not hold $3"
}

node_conf 1
node_start 1
add_base 1
pem_ldif u "$C/u-curl.pem" > "$T/u.ldif"
expect_ldap 0 "" ladd 1 -f "$T/u.ldif"
stored_is 1 u "$C/u.der"
pem_ldif l "$C/l-latin1.pem" > "$T/l.ldif"
expect_ldap 0 "" ladd 1 -f "$T/l.ldif"
stored_is 1 l "$C/l.der"
# a modify too: cn=u gets m's certificate from a UTF-8 labelled file
printf 'dn: cn=u,%s\nchangetype: modify\nreplace: tsCertificatePEM\ntsCertificatePEM:< file://%s\n' \
	"$BASE" "$C/m-curl.pem" > "$T/m.ldif"
expect_ldap 0 "" lmodify 1 -f "$T/m.ldif"
stored_is 1 u "$C/m.der"
# the DER file itself, which the overlay reads as well
pem_ldif n "$C/n.der" > "$T/n.ldif"
expect_ldap 0 "" ladd 1 -f "$T/n.ldif"
stored_is 1 n "$C/n.der"
lsearch 1 -b "cn=u,$BASE" -s base tsCertificatePEM | grep -q tsCertificatePEM &&
	fail "tsCertificatePEM was stored" || pass "tsCertificatePEM is not stored"
# what is not a certificate gets the overlay's reason, not slapd's
snapshot 1 > "$T/before"
pem_ldif k "$C/k-key.pem" > "$T/k.ldif"
expect_ldap 21 "truststore: tsCertificatePEM: PEM block 1 holds a private key" \
	ladd 1 -f "$T/k.ldif"
printf 'garbage \377\376 no PEM here' > "$C/junk.bin"
pem_ldif j "$C/junk.bin" > "$T/j.ldif"
expect_ldap 21 "truststore: tsCertificatePEM: neither PEM text nor DER data" \
	ladd 1 -f "$T/j.ldif"
# OpenSSL's TRUSTED CERTIFICATE: trust settings that reject a use would
# be lost (the store trusts for every use): refused, naming them
mkcert r $ec
openssl x509 -in "$C/r.pem" -trustout -addreject serverAuth -out "$C/r-reject.pem"
pem_ldif r "$C/r-reject.pem" > "$T/r.ldif"
expect_ldap 21 "truststore: tsCertificatePEM: PEM block 1 is a TRUSTED CERTIFICATE whose trust settings reject some uses" \
	ladd 1 -f "$T/r.ldif"
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "the refusals changed nothing" ||
	fail "the store changed after a refusal"
# trusted only for other uses than TLS, it would become trusted for TLS
openssl x509 -in "$C/r.pem" -trustout -addtrust emailProtection -out "$C/r-email.pem"
pem_ldif r "$C/r-email.pem" > "$T/r.ldif"
expect_ldap 21 "is a TRUSTED CERTIFICATE trusted only for uses other than TLS" ladd 1 -f "$T/r.ldif"
# trusted for TLS, what the store does with it: the certificate is taken
openssl x509 -in "$C/r.pem" -trustout -addtrust serverAuth -out "$C/r-trust.pem"
pem_ldif r "$C/r-trust.pem" > "$T/r.ldif"
expect_ldap 0 "" ladd 1 -f "$T/r.ldif"
stored_is 1 r "$C/r.der"

# node 2: cn=config still holding the old definition, upgraded live
sed 's/EQUALITY octetStringMatch/EQUALITY caseExactIA5Match/
     s/SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.40 )/SYNTAX 1.3.6.1.4.1.1466.115.121.1.26 )/' \
	"$SCHEMA_LDIF" > "$T/old-schema.ldif"
grep -q caseExactIA5Match "$T/old-schema.ldif" || die "old schema"
SCHEMA_LDIF=$T/old-schema.ldif node_conf_cn 2
node_start 2
add_base 2
expect_ldap 21 "invalid per syntax" ladd 2 -f "$T/u.ldif"
dn=$(ldapsearch -Q -LLL -Y EXTERNAL -H "$(ldapi 2)" -b cn=schema,cn=config \
	'(cn=*truststore)' dn | sed -n 's/^dn: //p')
[ -n "$dn" ] || die "no truststore schema entry on node 2"
# the upgrade as the man page gives it (tsCertificatePEM is value {0})
sed -n '/^\.SH UPGRADING/,/^\.SH /p' "$TOP/man/slapo-truststore.5" |
	sed -n '/^dn: cn={N}truststore/,/^\.fi/{p;/^\.fi/q}' | sed '/^\.fi/d; s/\\-/-/g' |
	sed "s/^dn: .*/dn: $dn/" > "$T/upgrade.ldif"
grep -q octetStringMatch "$T/upgrade.ldif" || die "no upgrade LDIF in the man page"
expect_ldap 0 "" lconfig 2 -f "$T/upgrade.ldif"
expect_ldap 0 "" ladd 2 -f "$T/u.ldif"
stored_is 2 u "$C/u.der"
node_stop 2
node_start 2
expect_ldap 0 "" ladd 2 -f "$T/l.ldif"
stored_is 2 l "$C/l.der"
node_alive 1 && node_alive 2 && pass "slapd still running"
