#!/bin/sh
# t569-repl-consumer-attrs.sh - a read-only replica whose olcSyncrepl
# sends attrs="*" (no operational attributes) receives the certificate
# entries without their decorations, which are operational.  It exports
# them (they pass its policy), but a fingerprint search there finds
# nothing, and "ldaptrust redecorate --all" cannot mend it: the write is
# referred to the provider, whose entries are decorated already, and the
# decorations are dropped again on the way.  The log must say so instead
# of sending the administrator to redecorate (docs/replication.md).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_overlay || die "this test needs the truststore overlay ($MODULE)"
repl_cluster 2
mkcert a
import 1 a "$T/certs/a.der" >/dev/null || die "import a"
wait_sync 60 1 2

repl_boot 3
repl_store 3
REPL_SED_EXTRA='s|attrs="\*,+"|attrs="*"|' \
    repl_apply 3 "$LDIF/41-replica.ldif" "$LDIF/50-overlay.ldif"
check "the replica received the store" wait_for 30 has_entry 3 "cn=a,$BASE"
check "and exports it" wait_for 20 in_export 3 "$T/certs/a.der"
fp=$(openssl x509 -inform DER -in "$T/certs/a.der" -noout -fingerprint -sha256 |
    sed 's/.*=//;s/://g' | tr A-F a-f)
n=$(lsearch 3 -b "$BASE" "(tsFingerprintSHA256=$fp)" 1.1 | grep -c '^dn:')
echo "# fingerprint search on the replica: $n entries"
check "without the decorations the replica's entry is undecorated" \
    eval "! lsearch 3 -b 'cn=a,$BASE' -s base tsSubjectHash | grep -q '^tsSubjectHash:'"

node_stop 3
node_start 3
wait_for 20 in_export 3 "$T/certs/a.der" || die "replica export after restart"
log=$(grep -a 'start-up read: "cn=a,' "$T/n3.log")
echo "# $log"
check "the start-up read names the consumer's attrs=, not only redecorate" \
    contains 'olcSyncrepl attrs= or exattrs=' "$log"
check "and says how to let the decorations through" contains 'attrs="*,+"' "$log"
exit 0
