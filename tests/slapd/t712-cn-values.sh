#!/bin/sh
# t712-cn-values: a certificate entry has one cn value, the alias its name
# gives, whatever form a second one takes.  An add whose cn differs from
# the RDN's value got both (slapd's naming check adds the RDN's value, the
# Relax control included), and a cn subtype (cn;lang-en) was a second cn
# value at add and modify: a search (cn=x) finds an entry by either, never
# checked by the alias rules.  A replace of cn by the value it holds, as
# consoles send, passes whatever characters the alias has.  A subtype
# slapadd brought in can be removed.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
for x in a b c d e f; do mkcert $x $ec; done
node_conf 1
# a restore with a cn subtype on a certificate entry
cat > "$T/restore.ldif" <<EOF
dn: $SUFFIX
objectClass: organization
o: ts

dn: $BASE
objectClass: organizationalUnit
ou: certs

dn: cn=old,$BASE
objectClass: tsCertificate
cn: old
cn;lang-en: restored/alias
userCertificate;binary:< file://$C/e.der

dn: cn=two,$BASE
objectClass: tsCertificate
cn: two
cn: second
userCertificate;binary:< file://$C/f.der
EOF
slapadd -q -f "$T/n1/slapd.conf" -l "$T/restore.ldif" >/dev/null 2>&1 || die "slapadd"
node_start 1
cert_ldif a "$C/a.der" | ladd 1 >/dev/null || die "add a"
printf 'dn: cn=x\\2Cy\\2Bz,%s\nobjectClass: tsCertificate\ncn: x,y+z\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/b.der" | ladd 1 >/dev/null || die "add x,y+z"

ONECN="truststore: a certificate entry has one cn value, its alias"
mod() { printf 'dn: %s\nchangetype: modify\n%s\n' "$1" "$2" > "$T/req.ldif"; }
# refused CODE TEXT CMD...: refused, and nothing changed
refused() {
	snapshot 1 > "$T/before"
	expect_ldap "$@"
	snapshot 1 > "$T/after"
	cmp -s "$T/before" "$T/after" && pass "nothing changed" ||
		{ fail "the store changed after a refusal ($2)"; diff "$T/before" "$T/after" >&2; }
}
nobody() {	# nobody ALIAS: no entry is found by (cn=ALIAS)
	[ -z "$(lsearch 1 -b "$BASE" "(cn=$1)" 1.1)" ]
}

# add: a cn other than the RDN's value, plain and with the Relax control
printf 'dn: cn=c,%s\nobjectClass: tsCertificate\ncn: evil/alias\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/c.der" > "$T/add.ldif"
refused 19 "$ONECN" ladd 1 -f "$T/add.ldif"
refused 19 "$ONECN" ladd 1 -e relax -f "$T/add.ldif"
check "no entry answers to the refused second cn" nobody "evil/alias"
# add: a cn subtype
printf 'dn: cn=c,%s\nobjectClass: tsCertificate\ncn: c\ncn;lang-en: bad/alias\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/c.der" > "$T/add.ldif"
refused 19 "truststore: cn;lang-en: a certificate entry has one cn value, its alias" \
	ladd 1 -f "$T/add.ldif"
check "no entry answers to the refused subtype" nobody "bad/alias"
# add: the RDN's value in another case or spacing is the same value
printf 'dn: cn=c,%s\nobjectClass: tsCertificate\ncn: C\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/c.der" | ladd 1 >/dev/null &&
	pass "an add whose cn differs from the RDN in case only is stored" ||
	fail "cn: C refused for cn=c"
[ "$(lsearch 1 -b "cn=c,$BASE" -s base cn | grep -c '^cn:')" = 1 ] &&
	pass "and holds one cn value" || fail "cn=c holds more than one cn value"
printf 'dn: cn=d,%s\nobjectClass: tsCertificate\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/d.der" | ladd 1 >/dev/null &&
	pass "an add without cn gets the RDN's" || fail "an add without cn refused"

# modify: subtypes of cn, by add and by replace
mod "cn=a,$BASE" "add: cn;lang-en
cn;lang-en: other/alias"
refused 19 "$ONECN" lmodify 1 -f "$T/req.ldif"
mod "cn=a,$BASE" "replace: cn;lang-de
cn;lang-de: other"
refused 19 "$ONECN" lmodify 1 -f "$T/req.ldif"
check "no entry answers to the refused subtypes" nobody "other/alias"
# a replace of cn by its own value, whatever the alias holds
mod "cn=x\\2Cy\\2Bz,$BASE" "replace: cn
cn: X,Y+Z"
lmodify 1 -f "$T/req.ldif" >/dev/null &&
	pass "cn replaced by its own value (an alias with ',' and '+')" ||
	fail "cn replaced by its own value refused for x,y+z"
mod "cn=a,$BASE" "replace: cn
cn: b"
refused 19 "rename it to change its alias" lmodify 1 -f "$T/req.ldif"
# the restored subtype: removed, by delete or by an empty replace
# a delete of cn gets slapd's own answers: a value the entry does not
# hold is noSuchAttribute, the alias (the RDN's value) a naming violation
mod "cn=a,$BASE" "delete: cn
cn: nosuch"
refused 16 "modify/delete: cn: no such value" lmodify 1 -f "$T/req.ldif"
mod "cn=a,$BASE" "delete: cn
cn: A"
refused 64 "naming attribute 'cn' is not present in entry" lmodify 1 -f "$T/req.ldif"
mod "cn=a,$BASE" "delete: cn"
refused 64 "naming attribute 'cn' is not present in entry" lmodify 1 -f "$T/req.ldif"
# a second cn a restore brought in can be deleted (slapd takes it)
mod "cn=two,$BASE" "delete: cn
cn: second"
lmodify 1 -f "$T/req.ldif" >/dev/null &&
	pass "a restored second cn can be deleted" || fail "delete: cn: second refused"
check "and the entry keeps its alias alone" test \
	"$(lsearch 1 -b "cn=two,$BASE" -s base cn | grep -c '^cn:')" = 1
# and a delete of a certificate the entry does not hold, with an add
mod "cn=a,$BASE" "delete: userCertificate;binary
userCertificate;binary:< file://$C/c.der
-
add: userCertificate;binary
userCertificate;binary:< file://$C/d.der"
refused 16 "modify/delete: userCertificate;binary: no such value" lmodify 1 -f "$T/req.ldif"
mod "cn=old,$BASE" "delete: cn;lang-en"
lmodify 1 -f "$T/req.ldif" >/dev/null &&
	pass "a restored cn subtype can be deleted" || fail "delete: cn;lang-en refused"
check "the restored subtype is gone" nobody "restored/alias"
node_alive 1 && pass "slapd still running"
