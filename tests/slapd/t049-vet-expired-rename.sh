#!/bin/sh
# t049-vet-expired-rename: an undecorated certificate (a slapadd restore)
# that the start-up read exported while it was valid expires; a rename
# then keeps it out of the export (it no longer passes the policy), and
# must take its old name's files with it: left there, they stayed
# trusted after the entry was deleted, until the next read of the store.
. "$(dirname "$0")/lib.sh"
ts_init
. "$(dirname "$0")/export.sh"
export_node
node_stop 1
C=$T/certs
now=$(date -u +%s)
# valid for a few seconds more than the start takes
mkcert_dates soon "$(date -u -d @$((now - 3600)) +%Y%m%d%H%M%SZ)" \
    "$(date -u -d @$((now + 8)) +%Y%m%d%H%M%SZ)"
slapcat -f "$T/n1/slapd.conf" -b "$SUFFIX" -l "$T/backup.ldif" 2>/dev/null || die "slapcat"
{ cat "$T/backup.ldif"; echo; cert_ldif soon "$C/soon.der"; } > "$T/restore.ldif"
rm -rf "$T/n1/db"/*
slapadd -q -f "$T/n1/slapd.conf" -l "$T/restore.ldif" >/dev/null 2>&1 || die "slapadd"
: > "$T/n1.log"
node_start 1
h=$(openssl x509 -in "$C/soon.pem" -noout -hash)
[ "$(date -u +%s)" -lt $((now + 8)) ] ||
	die "the node took too long to start: the certificate expired first"
check "undecorated and valid: exported at start-up" until_ok 5 test -e "$T/export/$h.0"
while [ "$(date -u +%s)" -le $((now + 9)) ]; do sleep 1; done
lmodrdn 1 -r "cn=soon,$BASE" cn=soon2 >/dev/null || fail "rename"
check "the rename says it keeps the certificate out" grep -qF \
    "rename: \"cn=soon,$BASE\": it is not decorated; not exported: an add would be refused: certificate expired" "$T/n1.log"
# the files follow in order: once a later add is out, so is the rename
mkcert after
cert_ldif after "$C/after.der" | ladd 1 >/dev/null || die "add after"
check "a later add is exported" until_ok 10 test -e "$T/export/$(openssl x509 -in "$C/after.pem" -noout -hash).0"
check "the expired certificate left the export with the rename" not test -e "$T/export/$h.0"
check "and the bundle" not grep -q '^# soon$' "$T/bundle.pem"
ldapdelete -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" "cn=soon2,$BASE" || fail "delete"
check "node still running" node_alive 1
