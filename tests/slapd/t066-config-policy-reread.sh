#!/bin/sh
# t066-config-policy-reread: the policy changed through cn=config judges
# the entries the read of the store judges by it (loaded by slapadd,
# undecorated) at once, as a restart with that policy would: the export
# after the change equals the export after a restart.  Entries decorated
# by the overlay stay exported whatever the policy (slapo-truststore(5)).
# (The change applied to the next write only: lowering
# olcTrustStoreMinRSABits, the mend an administrator reads in the log for
# a restored 1024-bit certificate the start-up left out, exported nothing
# until a restart; raising it left exported until a restart what the
# restart then dropped.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
mkcert weak -newkey rsa:1024
mkcert plain
mkcert added
TS_OVERLAY_CN="olcTrustStoreExportDir: $D" node_conf_cn 1
{
	printf 'dn: %s\nobjectClass: organization\no: ts\n\n' "$SUFFIX"
	printf 'dn: %s\nobjectClass: organizationalUnit\nou: certs\n\n' "$BASE"
	cert_ldif weak "$T/certs/weak.der"
	cert_ldif plain "$T/certs/plain.der"
} > "$T/restore.ldif"
slapadd -q -n1 -F "$T/n1/slapd.d" -l "$T/restore.ldif" >/dev/null 2>&1 ||
	die "slapadd of the restore"
node_start 1
cert_ldif added "$T/certs/added.der" | ladd 1 >/dev/null || fail "add added"
hashes() { for c in "$@"; do openssl x509 -in "$T/certs/$c.pem" -noout -subject_hash; done | sort | tr '\n' ' '; }
files() { ls "$D" | sed 's/\..*//' | sort | tr '\n' ' '; }
check "start-up: the 1024-bit restore is left out" \
	until_ok 10 sh -c "[ \"\$(ls '$D' | sed 's/\\..*//' | sort | tr '\\n' ' ')\" = '$(hashes plain added)' ]"
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
lconf() { printf 'dn: %s\nchangetype: modify\n%s\n' "$OV" "$1" | lconfig 1 >/dev/null; }
pid=$(cat "$T/n1/pid")

lconf "replace: olcTrustStoreMinRSABits
olcTrustStoreMinRSABits: 1024" || fail "lower the minimum"
check "lowered: the 1024-bit restore is exported at once" \
	until_ok 10 sh -c "[ \"\$(ls '$D' | sed 's/\\..*//' | sort | tr '\\n' ' ')\" = '$(hashes weak plain added)' ]"
live=$(files)
node_stop 1
node_start 1
check "and a restart exports the same" \
	until_ok 10 sh -c "[ \"\$(ls '$D' | sed 's/\\..*//' | sort | tr '\\n' ' ')\" = '$live' ]"

lconf "replace: olcTrustStoreMinRSABits
olcTrustStoreMinRSABits: 4096" || fail "raise the minimum"
check "raised: the undecorated restores are left out, the decorated add stays" \
	until_ok 10 sh -c "[ \"\$(ls '$D' | sed 's/\\..*//' | sort | tr '\\n' ' ')\" = '$(hashes added)' ]"
live=$(files)
node_stop 1
node_start 1
check "and a restart exports the same" \
	until_ok 10 sh -c "[ \"\$(ls '$D' | sed 's/\\..*//' | sort | tr '\\n' ' ')\" = '$live' ]"
check "node still running" node_alive 1
