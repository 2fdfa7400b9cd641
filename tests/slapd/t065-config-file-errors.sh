#!/bin/sh
# t065-config-file-errors: a slapd.conf value the overlay refuses stops
# slaptest and slapd with the overlay's reason; the same values through
# cn=config are refused with the reason while the server keeps running.
# (In slapd.conf mode the reasons went to the config debug level only:
# slaptest said "bad configuration file!" and slapd nothing at all.)
. "$(dirname "$0")/lib.sh"
ts_init
# bad LINE REASON VALUE-FOR-CN=CONFIG(ATTR: VALUE)
n=0
bad() {
	n=$((n + 1))
	printf '%s\n' "$1" > "$T/bad$n.conf"
	node_conf 1 "$T/bad$n.conf"
	out=$(slaptest -u -f "$T/n1/slapd.conf" 2>&1)
	case $out in *"$2"*) pass "slaptest: '$1' refused: $2";;
	*) fail "slaptest: '$1' not refused with '$2': $out";; esac
	out=$(timeout 20 $SLAPD -d "$TS_DEBUG" -f "$T/n1/slapd.conf" \
	    -h "ldap://127.0.0.1:$(port 1)/" 2>&1)
	case $out in *"$2"*) pass "slapd: '$1' refused: $2";;
	*) fail "slapd: '$1' not refused with '$2': $(echo "$out" | tail -n 3)";; esac
}
bad "truststore-export-dir relative/certs" "<truststore-export-dir> needs an absolute path"
bad "truststore-export-bundle bundle.pem" "<truststore-export-bundle> needs an absolute path"
bad "truststore-export-bundle /var/lib/ldap-truststore/bundle.pem/" "<truststore-export-bundle> /var/lib/ldap-truststore/bundle.pem/: it names a directory"
bad "truststore-max-size 0" "<truststore-max-size> must be between 1 and 16777216 bytes"
bad "truststore-max-size 16777217" "<truststore-max-size> must be between 1 and 16777216 bytes"
bad "truststore-min-rsa-bits 16385" "<truststore-min-rsa-bits> must be between 0 (no minimum) and 16384"
bad "truststore-min-rsa-bits -1" "<truststore-min-rsa-bits> must be between 0 (no minimum) and 16384"
bad "truststore-expiring-days -3" "<truststore-expiring-days> must not be negative"
bad "truststore-base \"ou=certs,o=elsewhere\"" "<truststore-base> \"ou=certs,o=elsewhere\" is not within the database suffix"

# the same through cn=config: refused with the reason, the server runs on
node_conf_cn 1
node_start 1
OV="olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config"
badcn() {
	out=$(printf 'dn: %s\nchangetype: modify\nreplace: %s\n%s: %s\n' \
	    "$OV" "$1" "$1" "$2" | lconfig 1 2>&1 >/dev/null)
	case $out in *"$3"*) pass "cn=config: $1 $2 refused: $3";;
	*) fail "cn=config: $1 $2 not refused with '$3': ${out:-accepted}";; esac
}
badcn olcTrustStoreExportDir relative/certs "needs an absolute path"
badcn olcTrustStoreExportBundle "$T/bundle.pem/" "it names a directory"
badcn olcTrustStoreMaxSize 0 "must be between 1 and 16777216 bytes"
badcn olcTrustStoreMinRSABits 16385 "must be between 0 (no minimum) and 16384"
badcn olcTrustStoreExpiringDays -3 "must not be negative"
badcn olcTrustStoreBase "ou=certs,o=elsewhere" "is not within the database suffix"
check "node still running" node_alive 1
