#!/bin/sh
# t090-system-cas.sh - every CA of the system bundle can be stored
#
# Real CA names use attribute types a test certificate never has:
# organizationIdentifier (2.5.4.97, e.g. "e-Szigno Root CA 2017"),
# serialNumber, emailAddress.  slapd normalizes the issuer name of a
# userCertificate during its own syntax check, before any overlay runs,
# and refuses the entry (21, "normalization failed") when it does not
# know a type; truststore.schema defines organizationIdentifier for that.
# Each CA of /etc/ssl/certs/ca-certificates.crt is added with ldapadd -c
# to a slapd.conf node and a cn=config node; every one must be stored
# except those the default policy refuses, which openssl tells us in
# advance: expired ones (19, "certificate expired on ...").  SHA-1 roots
# are self-signed, so their signature is not judged; the bundle has no
# RSA key below 2048 bits (checked here too).
. "$(dirname "$0")/lib.sh"
ts_init
BUNDLE=${TS_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
[ -r "$BUNDLE" ] || { echo "skip: no $BUNDLE"; exit 77; }
C="$T/cas"
mkdir -p "$C"

# one DER file per CA, and what openssl says about each
awk -v d="$C" '/-----BEGIN CERTIFICATE-----/ { n++; f = sprintf("%s/ca-%03d.pem", d, n) }
	f { print > f } /-----END CERTIFICATE-----/ { close(f); f = "" }' "$BUNDLE"
total=0 expired="" weak="" oi=""
for pem in "$C"/ca-*.pem; do
	a=$(basename "$pem" .pem)
	openssl x509 -in "$pem" -outform DER -out "$C/$a.der" || die "openssl: $pem"
	total=$((total + 1))
	openssl x509 -in "$pem" -noout -checkend 0 > /dev/null || expired="$expired $a"
	bits=$(openssl x509 -in "$pem" -noout -text |
	    sed -n 's/.*RSA Public-Key: (\([0-9]*\) bit).*/\1/p; s/.*Public-Key: (\([0-9]*\) bit).*/\1/p' | head -n 1)
	if openssl x509 -in "$pem" -noout -text | grep -q 'Public Key Algorithm: rsaEncryption' &&
	    [ "${bits:-0}" -lt 2048 ]; then
		weak="$weak $a"
	fi
	openssl x509 -in "$pem" -noout -issuer -nameopt oid | grep -q '2\.5\.4\.97=' &&
	    oi="$oi $a"
	cert_ldif "$a" "$C/$a.der"
done > "$T/cas.ldif"
[ -z "$weak" ] || die "the bundle has RSA keys below 2048 bits:$weak (extend the expectations)"
nexp=$(echo $expired | wc -w)
pass "$total CAs in the bundle, $nexp expired by openssl, $(echo $oi | wc -w) with organizationIdentifier in the issuer"

node_conf 1
node_start 1
add_base 1
node_conf_cn 2
node_start 2
add_base 2

for n in 1 2; do
	# -S: each refused record, preceded by the error as comments
	ladd $n -c -S "$T/skipped-$n.ldif" -f "$T/cas.ldif" > "$T/add-$n.out" 2>&1
	python3 - "$T/skipped-$n.ldif" > "$T/refused-$n.txt" <<'EOF'
import re, sys
for rec in open(sys.argv[1]).read().split('\n\n'):
	err = alias = None
	for line in rec.split('\n'):
		m = re.match(r'# Error: (.*)', line)
		if m:
			err = m.group(1).strip()
		m = re.match(r'dn: cn=([^,]*),', line)
		if m:
			alias = m.group(1)
	if alias:
		print(alias, err)
EOF
	lsearch $n -b "$BASE" -s one '(objectClass=tsCertificate)' cn | grep '^cn:' |
	    sed 's/^cn: //' | sort > "$T/stored-$n.txt"
	nstored=$(wc -l < "$T/stored-$n.txt")
	want=$((total - nexp))
	[ "$nstored" = "$want" ] && pass "node $n: $nstored of $total stored" ||
		fail "node $n: $nstored stored, expected $want; refused: $(cut -c1-120 "$T/refused-$n.txt" | head -n 5)"
	got=$(cut -d' ' -f1 "$T/refused-$n.txt" | sort | tr '\n' ' ')
	exp=$(for a in $expired; do echo "$a"; done | sort | tr '\n' ' ')
	[ "$got" = "$exp" ] && pass "node $n: refused exactly the expired ones: ${got:-none}" ||
		fail "node $n: refused '$got', expected '$exp'"
	nbad=$(grep -vc 'Constraint violation (19), additional info: truststore: certificate expired on ' "$T/refused-$n.txt")
	[ "$nbad" = 0 ] && pass "node $n: each refusal is 19 \"certificate expired on ...\"" ||
		fail "node $n: $(grep -v 'Constraint violation (19)' "$T/refused-$n.txt" | head -n 3)"
done

# the organizationIdentifier names are searchable as openssl prints them
for a in $oi; do
	case " $expired " in *" $a "*) continue;; esac
	issuer=$(lsearch 1 -b "cn=$a,$BASE" -s base tsIssuer | sed -n 's/^tsIssuer: //p')
	case "$issuer" in
	*organizationIdentifier=*) pass "$a: tsIssuer $issuer" ;;
	*) fail "$a: tsIssuer '$issuer' lacks organizationIdentifier" ;;
	esac
done
# decorations are the same on both configuration styles
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' '*' '+' |
    grep -Ev '^(entryUUID|entryCSN|createTimestamp|modifyTimestamp|creatorsName|modifiersName|structuralObjectClass|entryDN|subschemaSubentry|hasSubordinates|tsStatus):' > "$T/n1.ldif"
lsearch 2 -b "$BASE" -s one '(objectClass=tsCertificate)' '*' '+' |
    grep -Ev '^(entryUUID|entryCSN|createTimestamp|modifyTimestamp|creatorsName|modifiersName|structuralObjectClass|entryDN|subschemaSubentry|hasSubordinates|tsStatus):' > "$T/n2.ldif"
cmp -s "$T/n1.ldif" "$T/n2.ldif" && pass "both nodes store identical entries" ||
	fail "the nodes differ: $(diff "$T/n1.ldif" "$T/n2.ldif" | head -n 4)"
