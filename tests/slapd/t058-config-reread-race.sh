#!/bin/sh
# t058-config-reread-race: a cn=config change that reads the store again
# (here the base, back and forth), or that removes or disables the
# overlay, made right after a write, while the export task the write woke
# waits in the thread pool (cn=config pauses it).  slapd must survive, and
# the files must follow the store.  (The re-read freed the task and its
# state while the pool still held the job: slapd crashed when the pool
# ran it, a few rounds in.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
mkcert a
TS_OVERLAY_CN="olcTrustStoreExportDir: $D" node_conf_cn 1
node_start 1
add_base 1
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
# root over ldapi writes the store too: a write and a cn=config change on
# one connection, back to back
printf 'dn: olcDatabase={1}mdb,cn=config\nchangetype: modify\nadd: olcAccess\nolcAccess: to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * read\n' |
	lconfig 1 >/dev/null || die "access for root over ldapi"
# round I CHANGE: add or delete a, then CHANGE (LDIF) at once
round() {
	if [ $(($1 % 2)) = 1 ]; then
		w=$(cert_ldif a "$T/certs/a.der" | sed 's/^objectClass/changetype: add\nobjectClass/')
	else
		w=$(printf 'dn: cn=a,%s\nchangetype: delete\n' "$BASE")
	fi
	printf '%s\n\n%s\n' "$w" "$2" | ldapmodify -Q -Y EXTERNAL -H "$(ldapi 1)" >/dev/null 2>&1
}
i=1 alive=1
while [ $i -le 40 ] && [ $alive = 1 ]; do
	if [ $(($i % 4)) -lt 2 ]; then
		round $i "$(printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreBase\nolcTrustStoreBase: %s\n' "$OV" "$BASE")"
	else
		round $i "$(printf 'dn: %s\nchangetype: modify\ndelete: olcTrustStoreBase\n' "$OV")"
	fi
	node_alive 1 || alive=0
	i=$((i + 1))
done
check "40 writes, each followed at once by a change of the base: slapd runs" test $alive = 1
check "the files follow the store" wait_export 1 "$D"

# the same before the overlay is disabled, and before it is removed
round 1 "$(printf 'dn: %s\nchangetype: modify\nreplace: olcDisabled\nolcDisabled: TRUE\n' "$OV")"
check "a write, then the overlay disabled: slapd runs" node_alive 1
printf 'dn: %s\nchangetype: modify\nreplace: olcDisabled\nolcDisabled: FALSE\n' "$OV" | lconfig 1 >/dev/null ||
	fail "enable"
round 2 "$(printf 'dn: %s\nchangetype: delete\n' "$OV")"
check "a write, then the overlay removed: slapd runs" node_alive 1

# the overlay added and removed at once: the read its add queues is
# retracted, or, started, finds the overlay gone
OVN="olcOverlay=truststore,olcDatabase={1}mdb,cn=config"
i=0
while [ $i -lt 20 ]; do
	printf 'dn: %s\nchangetype: add\nobjectClass: olcOverlayConfig\nobjectClass: olcTrustStoreConfig\nolcOverlay: truststore\nolcTrustStoreExportDir: %s\n\ndn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config\nchangetype: delete\n\n' \
	    "$OVN" "$D"
	i=$((i + 1))
done | ldapmodify -Q -Y EXTERNAL -H "$(ldapi 1)" >/dev/null 2>"$T/addrm.err" ||
	fail "add and remove: $(tail -n 2 "$T/addrm.err")"
check "the overlay added and removed 20 times at once: slapd runs" node_alive 1
