#!/bin/sh
# t010-schema: both schema forms load, every overlay keyword parses in
# slapd.conf, converts to cn=config and back, and bad values are refused.
. "$(dirname "$0")/lib.sh"
ts_init

# schema/truststore.schema in slapd.conf, with every keyword set
cat > "$T/ov.conf" <<EOF2
truststore-base "ou=certs,o=ts"
truststore-base "ou=more,o=ts"
truststore-refuse-expired off
truststore-refuse-not-yet-valid on
truststore-min-rsa-bits 3072
truststore-refuse-weak-signature off
truststore-require-ca on
truststore-refuse-duplicates off
truststore-max-size 4096
truststore-expiring-days 7
truststore-export-dir $T/export
truststore-export-bundle $T/export/bundle.pem
EOF2
node_conf 1 "$T/ov.conf"
check "slaptest loads truststore.schema and every keyword (slapd.conf)" \
	slaptest -Q -u -f "$T/n1/slapd.conf"

# slapd.conf -> cn=config: every value is emitted as olcTrustStore*
mkdir -p "$T/conv"
# (slaptest opens the database read-only: give it one)
printf 'dn: %s\nobjectClass: organization\no: ts\n' "$SUFFIX" |
	slapadd -q -f "$T/n1/slapd.conf" > "$T/slapadd.log" 2>&1 || fail "slapadd with the overlay"
check "slaptest converts the slapd.conf configuration to cn=config" \
	slaptest -Q -f "$T/n1/slapd.conf" -F "$T/conv"
slapcat -F "$T/conv" -n0 -o ldif-wrap=no 2>/dev/null |
	grep -i '^olcTrustStore\|^objectClass: olcTrustStoreConfig' > "$T/emitted"
cat > "$T/want" <<EOF2
objectClass: olcTrustStoreConfig
olcTrustStoreBase: ou=certs,o=ts
olcTrustStoreBase: ou=more,o=ts
olcTrustStoreRefuseExpired: FALSE
olcTrustStoreRefuseNotYetValid: TRUE
olcTrustStoreMinRSABits: 3072
olcTrustStoreRefuseWeakSignature: FALSE
olcTrustStoreRequireCA: TRUE
olcTrustStoreRefuseDuplicates: FALSE
olcTrustStoreMaxSize: 4096
olcTrustStoreExpiringDays: 7
olcTrustStoreExportDir: $T/export
olcTrustStoreExportBundle: $T/export/bundle.pem
EOF2
for l in $(seq 1 "$(wc -l < "$T/want")"); do
	w=$(sed -n "${l}p" "$T/want")
	grep -qxF "$w" "$T/emitted" || { fail "cn=config lacks '$w'"; cat "$T/emitted"; }
done
pass "cn=config emits every keyword's value"
check "slapd starts from the converted cn=config" \
	slaptest -Q -u -F "$T/conv"

# schema/truststore.ldif in cn=config
node_conf_cn 2
check "slaptest loads truststore.ldif (cn=config)" slaptest -Q -u -F "$T/n2/slapd.d"
check "the schema entry is in cn=config" \
	sh -c "slapcat -F '$T/n2/slapd.d' -n0 | grep -q '^dn: cn={[0-9]*}truststore,cn=schema,cn=config'"

# bad values are refused with a message naming the keyword
bad() {
	printf '%s\n' "$1" > "$T/bad.conf"
	node_conf 3 "$T/bad.conf"
	out=$(slaptest -u -d config -f "$T/n3/slapd.conf" 2>&1)
	if [ $? != 0 ] && printf '%s' "$out" | grep -q "$2"; then
		pass "refused: $1"
	else
		fail "not refused or no message: $1: $out"
	fi
}
bad "truststore-base ou=x,o=elsewhere" "not within the database suffix"
bad "truststore-min-rsa-bits -1" "must be between 0"
bad "truststore-max-size 0" "must be between 1"
bad "truststore-expiring-days -3" "must not be negative"
bad "truststore-refuse-expired maybe" "invalid value"

# the decorations are operational and registered by the module
node_conf 4
node_start 4
ats=$(ldapsearch -x -LLL -o ldif-wrap=no -H "$(uri 4)" -b cn=subschema -s base attributeTypes | grep "NAME 'ts")
# stored decorations replicate (directoryOperation); computed ones are
# dSAOperation like tsStatus, so that syncrepl neither asks for nor carries them
for a in tsSubject tsIssuer tsSerialNumber tsNotBefore tsNotAfter tsFingerprintSHA256 \
    tsSubjectHash tsIsCA; do
	printf '%s\n' "$ats" | grep "NAME '$a'" | grep -q "DESC '.*NO-USER-MODIFICATION USAGE directoryOperation" ||
		fail "$a is not a described NO-USER-MODIFICATION directoryOperation type"
done
for a in tsFingerprintSHA1 tsKeyAlgorithm tsKeyBits tsSignatureAlgorithm \
    tsSelfSigned tsKeyUsage tsExtKeyUsage tsDNSName tsIPAddress tsEmail tsURI \
    tsSubjectKeyIdentifier tsAuthorityKeyIdentifier tsVersion; do
	printf '%s\n' "$ats" | grep "NAME '$a'" | grep -q "DESC '.*NO-USER-MODIFICATION USAGE dSAOperation" ||
		fail "$a is not a described NO-USER-MODIFICATION dSAOperation type"
done
pass "22 decorations: NO-USER-MODIFICATION, described; 8 stored (directoryOperation), 14 computed (dSAOperation)"
printf '%s\n' "$ats" | grep "NAME 'tsStatus'" | grep -q "NO-USER-MODIFICATION USAGE dSAOperation" &&
	pass "tsStatus: computed, dSAOperation" || fail "tsStatus definition"
printf '%s\n' "$ats" | grep "NAME 'tsCertificatePEM'" | grep -q "2.25.795975447174873381349700427275764363.1.1 " &&
	pass "tsCertificatePEM under the project arc" || fail "tsCertificatePEM OID"

# without truststore.schema slapd refuses to start, saying what is missing
node_conf 5
grep -v "truststore.schema" "$T/n5/slapd.conf" > "$T/n5/noschema.conf"
out=$(timeout 20 $SLAPD -d stats -f "$T/n5/noschema.conf" -h "$(uri 5)" 2>&1)
case $out in *"tsCertificatePEM: attribute type undefined (is truststore.schema loaded?)"*)
	pass "without the schema: slapd stops, naming truststore.schema";;
*) fail "without the schema: $out";; esac

# Debian loads modules RTLD_GLOBAL: the module adds init_module to
# slapd's namespace and nothing else (overlay/truststore.map)
exports=$(nm -D --defined-only "$MODULE" | awk '{ print $3 }' | tr '\n' ' ')
[ "$exports" = "init_module " ] &&
	pass "truststore.so exports init_module alone" ||
	fail "truststore.so exports more than init_module: $exports"
