#!/bin/sh
# t700-hostile.sh - hostile values against a running slapd
#
# Each value is sent as an add and (for most) as a modify of an existing
# entry: it must be refused with the fitting result code and a message that
# names the reason (never echoing key material), the store must not change,
# and slapd must keep answering.  The table printed at the end is the one
# docs/hardening.md shows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
ts_init
gen_hostile
H="$T/h"

node_conf_cn 1
node_start 1
add_base 1
add_ldif good userCertificate\;binary "$H/good.der" > "$T/good.ldif"
ladd 1 -f "$T/good.ldif" >/dev/null || die "adding the good certificate"
GOOD="cn=good,$BASE"

SYNTAX='invalid per syntax'		# slapd's own check, before any overlay
KEY='private key'

# hostile FILE ATTRIBUTE CODE REGEX [SECRET]: one hostile value as an add;
# hostile_mod: the same as a modify replacing the good entry's certificate
# (every value goes through one add; a representative set also as modify,
# which takes the other code path in the overlay)
hostile() {
	_f=$1 _a=$2 _c=$3 _r=$4 _s=${5:-}
	_k=$(basename "$_f"); _k=${_k%.*}
	add_ldif "h-$_k" "$_a" "$_f" > "$T/case.ldif"
	refuse 1 "$_k" "$_a" add "$_c" "$_r" "$T/case.ldif" "$_s"
}
hostile_mod() {
	_f=$1 _a=$2 _c=$3 _r=$4 _s=${5:-}
	_k=$(basename "$_f"); _k=${_k%.*}
	replace_ldif "$GOOD" "$_a" "$_f" > "$T/case.ldif"
	refuse 1 "$_k" "$_a" modify "$_c" "$_r" "$T/case.ldif" "$_s"
}
B='userCertificate;binary'
P=tsCertificatePEM

# --- malformed DER in the binary attribute ---------------------------------
# slapd's certificateValidate() walks the outer structure: these never
# reach the overlay
for k in truncate trail trailder innertrail seq octet empty random-1mib pemtext; do
	hostile "$H/der-$k.bin" "$B" 21 "$SYNTAX"
done
# these pass slapd's shallow walk; OpenSSL (through the overlay) refuses
hostile "$H/der-badint.bin" "$B" 21 "certificate|DER|pars|decod|encod"
hostile "$H/der-badname.bin" "$B" 21 "certificate|DER|pars|decod|encod"
hostile "$H/der-badkey.bin" "$B" 21 "key|certificate|DER|pars|decod"

# --- other objects in the binary attribute (slapd refuses them all) --------
for k in key-rsa-pkcs8 key-rsa-pkcs1 key-ec-pkcs8 key-ec-sec1 key-ed25519-pkcs8 \
    key-rsa-enc key-ec-enc key-ed25519-enc csr crl p12 p7-one; do
	hostile "$H/$k.bin" "$B" 21 "$SYNTAX"
done

# --- PEM text: here the overlay alone decides ------------------------------
for k in rsa ec ed25519; do
	hostile "$H/key-$k-pkcs8.txt" "$P" 21 "$KEY" "$H/key-$k-pkcs8.txt"
	hostile "$H/key-$k-enc.txt" "$P" 21 "$KEY" "$H/key-$k-enc.txt"
	hostile "$H/pub-$k.txt" "$P" 21 "public key"
done
hostile "$H/key-rsa-trad.txt" "$P" 21 "$KEY" "$H/key-rsa-trad.txt"
hostile "$H/key-ec-trad.txt" "$P" 21 "$KEY" "$H/key-ec-trad.txt"
hostile "$H/key-rsa-trad-enc.txt" "$P" 21 "$KEY" "$H/key-rsa-trad-enc.txt"
hostile "$H/csr.txt" "$P" 21 "request|CSR"
hostile "$H/crl.txt" "$P" 21 "CRL|revocation"
hostile "$H/p7-one.txt" "$P" 21 "PKCS ?#?7"
hostile "$H/p7-two.txt" "$P" 21 "PKCS ?#?7"
hostile "$H/p12.bin" "$P" 21 "PKCS ?#?12|syntax"
hostile "$H/pem-cert-then-key.txt" "$P" 21 "$KEY" "$H/key-rsa-pkcs8.txt"
hostile "$H/pem-key-then-cert.txt" "$P" 21 "$KEY" "$H/key-ec-pkcs8.txt"
hostile "$H/pem-two-blocks.txt" "$P" 65 "one certificate|more than one|several|multiple|2 certificates"
hostile "$H/pem-garbage-between.txt" "$P" 65 "one certificate|more than one|several|multiple|2 certificates"
for k in no-end bad-base64 csr-labelled-cert empty-block words der-truncate \
    der-trail der-trailder der-innertrail der-seq der-octet der-badint \
    der-badname der-badkey; do
	hostile "$H/pem-$k.txt" "$P" 21 "certificate|PEM|DER|pars|decod|trailing|request"
done

# --- size ------------------------------------------------------------------
hostile "$H/big-1mib.bin" "$B" 19 "size|large|bytes"
hostile "$H/big-1mib.txt" "$P" 19 "size|large|bytes"
# 5000 alternative names make 118 kB of DER: over the 64 KiB default
hostile "$H/san-5000.der" "$B" 19 "size|large|bytes"

# --- the same through modify -------------------------------------------------
hostile_mod "$H/der-truncate.bin" "$B" 21 "$SYNTAX"
hostile_mod "$H/der-badkey.bin" "$B" 21 "key|certificate|DER|pars|decod"
hostile_mod "$H/key-rsa-pkcs8.bin" "$B" 21 "$SYNTAX"
hostile_mod "$H/key-ec-pkcs8.txt" "$P" 21 "$KEY" "$H/key-ec-pkcs8.txt"
hostile_mod "$H/key-rsa-trad-enc.txt" "$P" 21 "$KEY" "$H/key-rsa-trad-enc.txt"
hostile_mod "$H/csr.txt" "$P" 21 "request|CSR"
hostile_mod "$H/p7-two.txt" "$P" 21 "PKCS ?#?7"
hostile_mod "$H/pem-cert-then-key.txt" "$P" 21 "$KEY" "$H/key-rsa-pkcs8.txt"
hostile_mod "$H/pem-two-blocks.txt" "$P" 65 "one certificate|more than one|several|multiple|2 certificates"
hostile_mod "$H/pem-der-trail.txt" "$P" 21 "certificate|PEM|DER|pars|decod|trailing"
hostile_mod "$H/big-1mib.bin" "$B" 19 "size|large|bytes"

# --- the certificate attribute itself: zero, two, or both forms -----------
printf 'dn: cn=h-none,%s\nobjectClass: tsCertificate\ncn: h-none\n\n' "$BASE" > "$T/case.ldif"
refuse 1 no-certificate - add 65 "certificate" "$T/case.ldif"
{ add_ldif h-two "$B" "$H/good2.der" | sed '$d'
  printf '%s:< file://%s\n\n' "$B" "$H/good.der"; } > "$T/case.ldif"
refuse 1 two-certificates "$B" add 65 "one|single|exactly|multiple|two" "$T/case.ldif"
{ add_ldif h-both "$B" "$H/good2.der" | sed '$d'
  printf '%s:< file://%s\n\n' "$P" "$H/good.pem"; } > "$T/case.ldif"
refuse 1 binary-and-pem "$B+$P" add 65 "one|single|exactly|multiple|both" "$T/case.ldif"
printf 'dn: %s\nchangetype: modify\nadd: %s\n%s:< file://%s\n-\n\n' \
    "$GOOD" "$B" "$B" "$H/good2.der" > "$T/case.ldif"
refuse 1 second-certificate "$B" modify 65 "one|single|exactly|multiple|two" "$T/case.ldif"
printf 'dn: %s\nchangetype: modify\ndelete: %s\n-\n\n' "$GOOD" "$B" > "$T/case.ldif"
refuse 1 delete-certificate "$B" modify 65 "certificate|required|one" "$T/case.ldif"

# --- raising the size limit live admits the 5000-name certificate ---------
lconfig 1 >/dev/null <<EOF || fail "raising olcTrustStoreMaxSize"
dn: olcOverlay={0}truststore,olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcTrustStoreMaxSize
olcTrustStoreMaxSize: 262144
EOF
add_ldif h-san-5000 "$B" "$H/san-5000.der" > "$T/case.ldif"
if accept 1 san-5000-raised-max "$B" add "$T/case.ldif"; then
	n=$(lsearch 1 -b "cn=h-san-5000,$BASE" -s base tsDNSName | grep -c '^tsDNSName:')
	[ "$n" = 5000 ] && pass "5000 tsDNSName values" || fail "tsDNSName count $n, not 5000"
	lsearch 1 -b "cn=h-san-5000,$BASE" -s base tsDNSName | grep -q '^tsDNSName: host-04999.example.com$' &&
		pass "the last alternative name is there" || fail "host-04999 missing"
fi
node_alive 1 && pass "slapd answers after every case" || fail "slapd down"
results
