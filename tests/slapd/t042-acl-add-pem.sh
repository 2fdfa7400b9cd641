#!/bin/sh
# t042-acl-add-pem: where add content ACLs are on (add_content_acl), a
# client the rules keep from adding userCertificate cannot add the
# certificate as tsCertificatePEM, which the overlay stores as
# userCertificate;binary: the backend tests the attributes the request
# named, and never saw the certificate's.  A modify was tested so
# already; an add was not.  A client allowed both still adds by PEM.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
mkcert one
mkcert two
W="cn=writer,$SUFFIX"
P="cn=pemmer,$SUFFIX"
cat > "$T/acl.conf" <<EOF
truststore-base "$BASE"
add_content_acl on
access to attrs=userPassword by anonymous auth by * none
access to dn.subtree="$BASE" attrs=userCertificate
	by dn.exact="$P" write by * read
access to dn.subtree="$BASE" by dn.exact="$W" write by dn.exact="$P" write by * read
access to * by * read
EOF
node_conf 1 "$T/acl.conf"
node_start 1
add_base 1
ladd 1 >/dev/null <<EOF || die "users"
dn: $W
objectClass: person
cn: writer
sn: w
userPassword: pw

dn: $P
objectClass: person
cn: pemmer
sn: p
userPassword: pw
EOF
# as USER: ldapadd bound as that user
as() { u=$1; shift; ldapadd -x -H "$(uri 1)" -D "$u" -w pw "$@"; }
pem_ldif() {
	printf 'dn: cn=%s,%s\nobjectClass: tsCertificate\ncn: %s\ntsCertificatePEM:< file://%s\n' \
		"$1" "$BASE" "$1" "$2"
}
snapshot 1 > "$T/before"
cert_ldif der "$C/one.der" > "$T/der.ldif"
expect_ldap 50 "no write access to attribute" as "$W" -f "$T/der.ldif"
pem_ldif pem "$C/one.pem" > "$T/pem.ldif"
expect_ldap 50 "no write access to attribute" as "$W" -f "$T/pem.ldif"
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "nothing was stored" ||
	{ fail "a refused add stored something"; diff "$T/before" "$T/after" >&2; }
pem_ldif pem "$C/two.pem" > "$T/pem2.ldif"
as "$P" -f "$T/pem2.ldif" >/dev/null &&
	pass "a client who may add userCertificate adds it by PEM" ||
	fail "a client who may add userCertificate could not add it by PEM"
node_alive 1 && pass "slapd still running"
