#!/bin/sh
# t067-config-single: one trust store overlay per database.  A second
# instance on the same database is refused, in slapd.conf and through
# cn=config, and the store goes on working.  (Both were accepted, and
# from then on every add of a certificate failed: the second instance
# took the decorations the first one wrote for a client's, "tsSubject:
# no user modification allowed".)
. "$(dirname "$0")/lib.sh"
ts_init
mkcert a
mkcert b

printf 'overlay truststore\n' > "$T/twice.conf"
node_conf 2 "$T/twice.conf"
out=$(slaptest -u -f "$T/n2/slapd.conf" 2>&1)
case $out in *'overlay "truststore" already in list'*)
	pass "slapd.conf: a second instance is refused";;
*)	fail "slapd.conf: a second instance is not refused: $out";; esac

node_conf_cn 1
node_start 1
add_base 1
cert_ldif a "$T/certs/a.der" | ladd 1 >/dev/null || fail "add a"
out=$(printf 'dn: olcOverlay=truststore,olcDatabase={1}mdb,cn=config\nobjectClass: olcOverlayConfig\nobjectClass: olcTrustStoreConfig\nolcOverlay: truststore\n' |
	lconfig 1 -a 2>&1 >/dev/null)
case $out in *'already in list'*)
	pass "cn=config: a second instance is refused";;
*)	fail "cn=config: a second instance is not refused: ${out:-accepted}";; esac
cert_ldif b "$T/certs/b.der" | ladd 1 >/dev/null 2>"$T/add.err" &&
	pass "the store takes certificates as before" ||
	fail "add b: $(cat "$T/add.err")"
lsearch 1 -b "cn=b,$BASE" -s base tsSubject | grep -q '^tsSubject: CN=b' &&
	pass "and decorates them" || fail "b not decorated"
check "node still running" node_alive 1
