#!/bin/sh
# t548-repl-refused-cert.sh - a certificate this version refuses, reaching
# a node by replication, is stored as sent and never exported
#
# In a rolling upgrade a provider still running an older version can
# accept a certificate this version refuses: one GnuTLS (slapd's TLS
# library) cannot read, which makes GnuTLS drop a whole PEM bundle and
# with it every certificate of the store.  Here the provider gets such a
# certificate past its overlay (slapadd, as a restore or an older version
# would leave it), and a replica running this version refreshes from it:
#   - the replica stores the entry as sent (refusing it would make the
#     nodes' databases diverge) and logs why it is not exported;
#   - neither node exports it, on the replicated add nor at start-up;
#   - the replica's bundle holds the rest of the store, and GnuTLS reads it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
command -v certtool >/dev/null || die "certtool (gnutls-bin) is missing"
X400="$TOP/tests/unit/fixtures/gnutls-san-x400.der"
gnutls_reads() { certtool -i --infile "$1" >/dev/null 2>&1; }
WHY="its certificate is refused: the certificate has a subjectAltName with an x400Address, which GnuTLS"

repl_cluster 1
mkcert a
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
check "node 1 exports a" wait_for 20 in_export 1 "$T/certs/a.der"

# past node 1's overlay: what an older version would have accepted
FP_A=$(lsearch 1 -b "cn=a,$BASE" -s base tsFingerprintSHA256 |
    sed -n 's/^tsFingerprintSHA256: //p')
[ -n "$FP_A" ] || die "a's fingerprint"
node_stop 1
store_ldif x400 "$X400" > "$T/x400.ldif"
# and one the policy refuses, undecorated: no overlay ever took it
mkcert weak -newkey rsa:1024
store_ldif weak "$T/certs/weak.der" >> "$T/x400.ldif"
# and one the policy refuses, wearing another certificate's fingerprint:
# a decoration is no proof that an overlay took it
mkcert forged -newkey rsa:1024
store_ldif forged "$T/certs/forged.der" | sed '/^$/d' >> "$T/x400.ldif"
printf 'tsFingerprintSHA256: %s\n\n' "$FP_A" >> "$T/x400.ldif"
slapadd -q $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/x400.ldif" \
    > "$T/slapadd.log" 2>&1 || { cat "$T/slapadd.log"; die "slapadd"; }
node_start 1
check "node 1: the start-up read names it" wait_for 20 \
    grep -qF "\"cn=x400,$BASE\": $WHY" "$T/n1.log"
check "node 1 does not export it" not in_export 1 "$X400"
check "node 1 does not export weak" not in_export 1 "$T/certs/weak.der"
check "node 1 does not export forged" not in_export 1 "$T/certs/forged.der"
check "node 1: the start-up read says why" grep -qF \
    "\"cn=forged,$BASE\": its decorations are not those of its certificate; not exported: an add would be refused: RSA key of 1024 bits" "$T/n1.log"

# a replica of this version, the overlay in place before its first refresh
repl_boot 5
repl_store 5
# a monitor database before the overlay (ldif/45-monitor.ldif): the
# overlay's entry counts the refusals
repl_apply 5 "$LDIF/45-monitor.ldif"
refused5() {
	ldapsearch -x -H "$(uri 5)" -D "$ADMIN_DN" -w "$ADMIN_PW" -LLL \
	    -b cn=Monitor "(objectClass=tsMonitor)" \
	    tsMonitorReplicatedNotExported 2>/dev/null |
	    sed -n 's/^tsMonitorReplicatedNotExported: //p'
}
repl_apply 5 "$LDIF/50-overlay.ldif" "$LDIF/41-replica.ldif"
check "the replica received the entry" wait_for 30 has_entry 5 "cn=x400,$BASE"
check "the replica exports a" wait_for 20 in_export 5 "$T/certs/a.der"
check "the replica says why it does not export x400" wait_for 20 \
    grep -qF "replicated \"cn=x400,$BASE\": not exported: $WHY" "$T/n5.log"
check "the replica's directory lacks x400" not in_export 5 "$X400"
check "the replica says why it does not export weak" wait_for 20 \
    grep -qF "replicated add: \"cn=weak,$BASE\": it is not decorated; not exported: an add would be refused: RSA key of 1024 bits" "$T/n5.log"
check "the replica's directory lacks weak" not in_export 5 "$T/certs/weak.der"
check "the replica says why it does not export forged" wait_for 20 \
    grep -qF "replicated add: \"cn=forged,$BASE\": its decorations are not those of its certificate; not exported: an add would be refused: RSA key of 1024 bits" "$T/n5.log"
check "the replica's directory lacks forged" not in_export 5 "$T/certs/forged.der"
check "cn=Monitor counts the three" test "$(refused5)" = 3
check "cn=Monitor is not for anonymous" test -z "$(ldapsearch -x -H "$(uri 5)" -LLL -b cn=Monitor '(objectClass=tsMonitor)' 1.1 2>/dev/null)"
same_entries "the replica holds what the provider holds" 1 5
check "the replica's bundle holds a" wait_for 20 \
    grep -qF "$(openssl x509 -inform DER -in "$T/certs/a.der" | sed -n 3p)" "$T/n5/bundle.pem"
check "GnuTLS reads the replica's bundle" gnutls_reads "$T/n5/bundle.pem"

# renamed on the provider: still not exported under the new name
ldapmodrdn -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" -r "cn=x400,$BASE" "cn=x400b" \
    > "$T/modrdn.log" 2>&1 || { cat "$T/modrdn.log"; die "rename on node 1"; }
wait_sync 30 1 5
check "the replica renamed it" wait_for 20 has_entry 5 "cn=x400b,$BASE"
check "the replica says why it does not export x400b" wait_for 20 \
    grep -qF "replicated \"cn=x400b,$BASE\": not exported: $WHY" "$T/n5.log"
check "the replica still lacks x400" not in_export 5 "$X400"
check "cn=Monitor counts the rename too" test "$(refused5)" = 4

# and at its next start
node_stop 5
: > "$T/n5.log"
node_start 5
check "the replica's start-up read names it" wait_for 20 \
    grep -qF "\"cn=x400b,$BASE\": $WHY" "$T/n5.log"
check "the replica still exports a" wait_for 20 in_export 5 "$T/certs/a.der"
check "the replica still lacks x400" not in_export 5 "$X400"
check "the replica still lacks weak" not in_export 5 "$T/certs/weak.der"
check "GnuTLS still reads the replica's bundle" gnutls_reads "$T/n5/bundle.pem"

check "the replica still lacks forged" not in_export 5 "$T/certs/forged.der"

# decorated while the policy took it, then its decorations edited past
# the overlay on the provider (a restore of an edited LDIF; slapmodify
# would give the entry a new entryUUID): the provider's read judges it by
# today's policy, and the replica, whose refresh brings the change as a
# modify, must judge it on the entry as the modify leaves it, not as it
# found it
OV1=$(ldapsearch -LLL -Q -Y EXTERNAL -H "$(ldapi 1)" -b cn=config \
    "(objectClass=olcTrustStoreConfig)" 1.1 | sed -n 's/^dn: //p')
[ -n "$OV1" ] || die "node 1's overlay entry"
minbits() {
	printf 'dn: %s\nchangetype: modify\nreplace: olcTrustStoreMinRSABits\nolcTrustStoreMinRSABits: %s\n' \
	    "$OV1" "$1" | lconfig 1 > "$T/minbits.log" 2>&1 ||
		{ cat "$T/minbits.log"; die "olcTrustStoreMinRSABits $1"; }
}
minbits 1024
mkcert old -newkey rsa:1024
import 1 old "$T/certs/old.der" >/dev/null || die "import old"
minbits 2048
check "the replica exports old" wait_for 20 in_export 5 "$T/certs/old.der"
check "node 1 exports old" wait_for 20 in_export 1 "$T/certs/old.der"
node_stop 1
slapcat $(cat "$T/n1/confarg") -b "$SUFFIX" -o ldif-wrap=no -l "$T/dump.ldif" \
    > "$T/slapcat.log" 2>&1 || { cat "$T/slapcat.log"; die "slapcat"; }
CSN=$(date -u +%Y%m%d%H%M%S.%6NZ#000000#001#000000)
awk -v dn="dn: cn=old,$BASE" -v csn="$CSN" '
	$0 == dn { e = 1 } /^$/ { e = 0 }
	e && /^tsSerialNumber: / { $0 = "tsSerialNumber: 01" }
	e && /^entryCSN: / { $0 = "entryCSN: " csn }
	/^contextCSN: .*#001#/ { $0 = "contextCSN: " csn }
	{ print }' "$T/dump.ldif" > "$T/edited.ldif"
grep -qx 'tsSerialNumber: 01' "$T/edited.ldif" || die "the edit"
grep -qx "contextCSN: $CSN" "$T/edited.ldif" || die "the contextCSN"
rm -f "$T/n1/db/"*.mdb
# not -w: with -q, Debian 12's slapadd frees a cursor twice updating the
# contextCSN (ASan); the dump's own contextCSN is moved on instead
slapadd -q $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/edited.ldif" \
    > "$T/slapadd2.log" 2>&1 || { cat "$T/slapadd2.log"; die "slapadd"; }
node_start 1
check "node 1: the start-up read leaves old out" wait_for 20 grep -qF \
    "\"cn=old,$BASE\": its decorations are not those of its certificate; not exported: an add would be refused: RSA key of 1024 bits" "$T/n1.log"
check "node 1 no longer exports old" not in_export 1 "$T/certs/old.der"
check "the replica receives the edit" wait_for 40 eval \
    "lsearch 5 -b 'cn=old,$BASE' -s base tsSerialNumber | grep -qx 'tsSerialNumber: 01'"
check "the replica says why old goes" wait_for 20 grep -qF \
    "modify: \"cn=old,$BASE\": its decorations are not those of its certificate; not exported: an add would be refused: RSA key of 1024 bits" "$T/n5.log"
check "the replica no longer exports old" wait_for 20 not in_export 5 "$T/certs/old.der"
same_entries "provider and replica hold the same old" 1 5

# mended on the provider, then deleted: the replica's files follow
mkcert b
printf 'dn: cn=x400b,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n-\n' \
    "$BASE" "$T/certs/b.der" > "$T/mend.ldif"
almodify 1 -f "$T/mend.ldif" > "$T/mend.log" 2>&1 || { cat "$T/mend.log"; die "mend on node 1"; }
check "the mended certificate reaches the replica's directory" wait_for 20 in_export 5 "$T/certs/b.der"
check "and its bundle" wait_for 20 \
    grep -qF "$(openssl x509 -inform DER -in "$T/certs/b.der" | sed -n 3p)" "$T/n5/bundle.pem"
same_entries "provider and replica still agree" 1 5
aldelete 1 "cn=x400b,$BASE" || die "delete on node 1"
check "the delete reaches the replica" wait_for 20 eval "! has_entry 5 'cn=x400b,$BASE'"
check "and its file goes" wait_for 20 not in_export 5 "$T/certs/b.der"
check "node 1 still running" node_alive 1
check "node 5 still running" node_alive 5
exit 0
