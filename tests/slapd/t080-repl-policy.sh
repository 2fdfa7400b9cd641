#!/bin/sh
# t080-repl-policy: replicated writes are not validated or decorated again.
# A node whose own policy is stricter still takes what a peer accepted, and
# the decorations it stores are byte for byte the peer's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
. "$(dirname "$0")/facts.sh"
ts_init
REPL_OVERLAY=yes
repl_cluster 2
C=$T/certs
mkcert rsa2048
mkcert rsa2048b
mkcert rsa2048c

# node 2 demands 4096-bit RSA keys
ov=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 2)" -b cn=config '(objectClass=olcTrustStoreConfig)' 1.1 |
	sed -n 's/^dn: //p')
[ -n "$ov" ] || die "no truststore overlay in node 2's cn=config"
printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreMinRSABits\nolcTrustStoreMinRSABits: 4096\n' "$ov" |
	lconfig 2 >/dev/null || die "cn=config on node 2"

printf 'dn: cn=direct,%s\nobjectClass: tsCertificate\ncn: direct\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/rsa2048b.der" > "$T/direct.ldif"
expect_ldap 19 "truststore: RSA key of 2048 bits is below the minimum of 4096" \
	aladd 2 -f "$T/direct.ldif"

import 1 rsa "$C/rsa2048.der" >/dev/null || die "import on node 1"
wait_sync 30 1 2
check "node 2 took the replicated RSA-2048 certificate its policy refuses" \
	has_entry 2 "cn=rsa,$BASE"
ldap_facts 1 "cn=rsa,$BASE" > "$T/facts.1"
ldap_facts 2 "cn=rsa,$BASE" > "$T/facts.2"
[ -s "$T/facts.1" ] && cmp -s "$T/facts.1" "$T/facts.2" &&
	pass "node 2 stores node 1's decorations byte for byte" ||
	{ fail "decorations differ between nodes"; diff "$T/facts.1" "$T/facts.2" >&2; }

# a replicated modify replacing the certificate: same story
printf 'dn: cn=rsa,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/rsa2048c.der" | almodify 1 >/dev/null || fail "modify on node 1"
wait_sync 30 1 2
ldap_facts 1 "cn=rsa,$BASE" > "$T/facts.1"
ldap_facts 2 "cn=rsa,$BASE" > "$T/facts.2"
openssl_facts "$C/rsa2048c.pem" > "$T/want"
cmp -s "$T/want" "$T/facts.1" && cmp -s "$T/facts.1" "$T/facts.2" &&
	pass "a replicated certificate replacement arrives re-decorated as on node 1" ||
	{ fail "after the replicated modify"; diff "$T/facts.1" "$T/facts.2" >&2; }
same_entries "nodes 1 and 2 hold identical entries" 1 2
