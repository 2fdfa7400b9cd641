#!/bin/sh
# t713-alias-c1: "no control character" in an alias covers C1 too.
# U+0080..U+009F are control characters (NEL, CSI, OSC, ...) that
# terminals obey when ldaptrust prints the alias: CSI 2 J (U+009B) clears
# the screen of whoever lists the store.  They were accepted; they are
# refused like C0 controls, by the overlay and by ldaptrust alike.  A
# printable character next to them (U+00A0, U+00E9) stays allowed.
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
for x in a b c d; do mkcert $x $ec; done
node_conf 1
node_start 1
add_base 1
b64() { printf "$1" | base64 -w0; }
# add ALIAS(printf escapes) DER
add() {
	printf 'dn:: %s\nobjectClass: tsCertificate\ncn:: %s\nuserCertificate;binary:< file://%s\n' \
		"$(b64 "cn=$1,$BASE")" "$(b64 "$1")" "$2" > "$T/req.ldif"
}
CTRL="truststore: bad alias: an alias cannot hold control characters"
snapshot 1 > "$T/before"
add 'nel\302\205x' "$C/a.der"
expect_ldap 64 "$CTRL" ladd 1 -f "$T/req.ldif"
add 'csi\302\2332J' "$C/a.der"
expect_ldap 64 "$CTRL" ladd 1 -f "$T/req.ldif"
add 'pad\302\200' "$C/a.der"
expect_ldap 64 "$CTRL" ladd 1 -f "$T/req.ldif"
cert_ldif ok "$C/b.der" | ladd 1 >/dev/null || die "add ok"
snapshot 1 > "$T/before"
printf 'dn: cn=ok,%s\nchangetype: modrdn\nnewrdn:: %s\ndeleteoldrdn: 1\n' \
	"$BASE" "$(b64 'cn=osc\302\235x')" > "$T/req.ldif"
expect_ldap 64 "$CTRL" lmodify 1 -f "$T/req.ldif"
snapshot 1 > "$T/after"
cmp -s "$T/before" "$T/after" && pass "the refusals changed nothing" ||
	fail "the store changed after a refusal"
add 'nbsp\302\240x' "$C/c.der"
ladd 1 -f "$T/req.ldif" >/dev/null && pass "U+00A0 is no control character" ||
	fail "an alias with U+00A0 was refused"
add 'caf\303\251' "$C/d.der"
ladd 1 -f "$T/req.ldif" >/dev/null && pass "U+00E9 is allowed" ||
	fail "an alias with U+00E9 was refused"
# ldaptrust checks before sending anything
out=$("$LDAPTRUST" -x -H "$(uri 1)" -D "$ROOTDN" -w "$ROOTPW" -b "$BASE" \
	import "$(printf 'cli\302\233x')" "$C/a.pem" 2>&1)
rc=$?
[ $rc != 0 ] && printf '%s' "$out" | grep -q "control characters" &&
	pass "ldaptrust refuses it too ($rc)" || fail "ldaptrust: $rc: $out"
node_alive 1 && pass "slapd still running"
