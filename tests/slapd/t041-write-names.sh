#!/bin/sh
# t041-write-names: a write names its entry as the client spells it, and
# the entry keeps its own spelling.  A modify through cn=myca of the
# entry cn=MyCA must leave the bundle labelled as the entry is named (as
# the read of the store at start-up labels it), not as the request spelt
# it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
C=$T/certs
mkcert one
mkcert two
export_node "$BASE"
cert_ldif MyCA "$C/one.der" | ladd 1 >/dev/null || die "add MyCA"
wait_export 1 "$T/export" "$T/bundle.pem" || die "export after the add"

# labels: the bundle's comment lines, in order
labels() { grep '^#' "$T/bundle.pem"; }
# relabelled WHAT: the bundle still says "# MyCA" once the files follow
relabelled() {
	wait_export 1 "$T/export" "$T/bundle.pem" &&
		test "$(labels)" = "# MyCA" &&
		pass "$1: the bundle labels the entry as it is named" ||
		fail "$1: the bundle labels it \"$(labels)\", the entry is cn=MyCA"
}

printf 'dn: cn=myca,%s\nchangetype: modify\nreplace: description\ndescription: d\n' \
	"$BASE" | lmodify 1 >/dev/null || fail "modify through cn=myca"
relabelled "a description modified through cn=myca"
printf 'dn: CN=MYCA,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
	"$BASE" "$C/two.der" | lmodify 1 >/dev/null || fail "replace through CN=MYCA"
relabelled "a certificate replaced through CN=MYCA"
cp "$T/bundle.pem" "$T/bundle.before"
node_stop 1
node_start 1
wait_export 1 "$T/export" "$T/bundle.pem" || fail "export after the restart"
cmp -s "$T/bundle.before" "$T/bundle.pem" &&
	pass "the read of the store at start-up writes the same bundle" ||
	fail "the bundle changed at start-up: $(labels)"
