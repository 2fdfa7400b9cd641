#!/bin/sh
# gen.sh OUTDIR [names] - build the hostile corpus for the t7xx tests
# ("names": only the name, serial and date certificates t710 needs)
#
# Everything is made at test time with the openssl command line and
# mkder.py (hand-built DER), so no key material lives in the repository.
# Output: OUTDIR/<case>.bin for values sent as userCertificate;binary,
# OUTDIR/<case>.txt for values sent as tsCertificatePEM text, and
# OUTDIR/good*.{der,pem} reference certificates.
set -eu
out=$1 only=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python3}
mkder="$py $here/mkder.py"
mkdir -p "$out"
cd "$out"
o() { openssl "$@" >>gen.err 2>&1; }

# the signing key for hand-built certificates, and two good certificates
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -outform DER -out sign.der
$mkder cert sign.der good.der --cn good-hostile
o x509 -inform DER -in good.der -out good.pem
$mkder cert sign.der good2.der --cn good-hostile-2
o x509 -inform DER -in good2.der -out good2.pem
[ "$only" = names ] && goto_names=1 || goto_names=0
if [ $goto_names = 0 ]; then

# --- malformed DER: slapd's own syntax check or OpenSSL must refuse ------
for k in truncate trail trailder innertrail seq octet badint badname badkey; do
	$mkder wrap $k good.der der-$k.bin
done
: > der-empty.bin
head -c 1048576 /dev/urandom > der-random-1mib.bin
cp good.pem der-pemtext.bin		# PEM text where DER belongs

# --- private keys: RSA, EC, Ed25519; PEM and DER; plain and encrypted -----
o genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key
o genpkey -algorithm ED25519 -out ed25519.key
for k in rsa ec ed25519; do
	cp $k.key key-$k-pkcs8.txt
	o pkey -in $k.key -outform DER -out key-$k-pkcs8.bin
	o pkcs8 -topk8 -in $k.key -v2 aes-256-cbc -passout pass:hostile \
	    -out key-$k-enc.txt
	o pkcs8 -topk8 -in $k.key -v2 aes-256-cbc -passout pass:hostile \
	    -outform DER -out key-$k-enc.bin
	o pkey -in $k.key -pubout -out pub-$k.txt
done
# the traditional forms: "RSA PRIVATE KEY", "EC PRIVATE KEY", Proc-Type
o rsa -in rsa.key -traditional -out key-rsa-trad.txt
o rsa -in rsa.key -traditional -outform DER -out key-rsa-pkcs1.bin
o ec -in ec.key -out key-ec-trad.txt
o ec -in ec.key -outform DER -out key-ec-sec1.bin
o rsa -in rsa.key -traditional -aes128 -passout pass:hostile -out key-rsa-trad-enc.txt

# --- other PKI objects ----------------------------------------------------
o req -new -key rsa.key -subj /CN=hostile-csr -out csr.txt
o req -in csr.txt -outform DER -out csr.bin
# a CRL needs a CA: a throw-away `openssl ca` set-up
mkdir -p ca/new
: > ca/index.txt
echo 01 > ca/crlnumber
cat > ca/ca.cnf <<EOF
[ca]
default_ca = d
[d]
dir = $out/ca
database = \$dir/index.txt
crlnumber = \$dir/crlnumber
new_certs_dir = \$dir/new
default_md = sha256
default_crl_days = 30
EOF
o req -x509 -new -key rsa.key -subj /CN=hostile-ca -days 30 -out ca/ca.pem
o ca -config ca/ca.cnf -gencrl -keyfile rsa.key -cert ca/ca.pem -out crl.txt
o crl -in crl.txt -outform DER -out crl.bin
o pkcs12 -export -in good.pem -inkey rsa.key -passout pass:hostile \
    -nomaciter -out p12.bin 2>/dev/null ||
	o pkcs12 -export -nokeys -in good.pem -passout pass:hostile -out p12.bin
o crl2pkcs7 -nocrl -certfile good.pem -out p7-one.txt
o crl2pkcs7 -nocrl -certfile good.pem -outform DER -out p7-one.bin
cat good.pem good2.pem > two.pem
o crl2pkcs7 -nocrl -certfile two.pem -out p7-two.txt

# --- PEM text that is not exactly one certificate -----------------------
cat good.pem good2.pem > pem-two-blocks.txt
{ cat good.pem; echo "this is not PEM"; printf '\001\002garbage\n'; cat good2.pem; } \
    > pem-garbage-between.txt
cat good.pem key-rsa-pkcs8.txt > pem-cert-then-key.txt
cat key-ec-pkcs8.txt good.pem > pem-key-then-cert.txt
sed '$d' good.pem > pem-no-end.txt
sed '2s/^..../!!!!/' good.pem > pem-bad-base64.txt
{ echo "-----BEGIN CERTIFICATE-----"
  openssl base64 -in csr.bin
  echo "-----END CERTIFICATE-----"; } > pem-csr-labelled-cert.txt
echo "-----BEGIN CERTIFICATE-----" > pem-empty-block.txt
echo "-----END CERTIFICATE-----" >> pem-empty-block.txt
echo "just some words" > pem-words.txt
# every malformed DER above, labelled as a certificate in PEM: here no
# slapd syntax check stands in front of the overlay
for f in der-*.bin; do
	case $f in der-empty.bin|der-random-1mib.bin|der-pemtext.bin) continue;; esac
	{ echo "-----BEGIN CERTIFICATE-----"
	  openssl base64 -in "$f"
	  echo "-----END CERTIFICATE-----"; } > "pem-${f%.bin}.txt"
done

# --- sizes ------------------------------------------------------------------
# a well-formed certificate of 1 MiB (a private extension): size policy
$mkder cert sign.der big-1mib.bin --cn hostile-1mib --big-ext 1048000
o x509 -inform DER -in big-1mib.bin -out big-1mib.txt
# 5000 alternative names: about 115 kB of DER
$mkder cert sign.der san-5000.der --cn hostile-5000-sans --san-count 5000

fi

# --- names, serials, dates (accepted or refused: t710 decides) -------------
$mkder cert sign.der name-nul.der --cn 'nul\x00inside'
$mkder cert sign.der name-badutf8.der --cn 'bad\xff\xfeutf8'
$mkder cert sign.der name-overlong.der --cn 'over\xc0\xaflong'
$mkder cert sign.der name-bmp-odd.der --cn-tag bmp --cn 'x'
$py - name-bmp-odd.der <<'EOF'
import sys
# make the BMPString 3 bytes long: an odd length no UCS-2 text has
p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
i = d.find(b'\x1e\x02\x00x')
d[i:i + 4] = b'\x1e\x03\x00x\x00'
open(p, 'wb').write(bytes(d))
EOF
$mkder cert sign.der name-special.der --cn ' #lead,comma+plus"quote\back<lt>gt;semi=eq trail '
$mkder cert sign.der name-rtl.der --cn 'rtl\xe2\x80\x8fmark\xe2\x80\xaeoverride\xe2\x80\xac'
$mkder cert sign.der name-ctrl.der --cn 'ctrl\x01\x1b[31mred\x7f'
$mkder cert sign.der name-newline.der --cn 'line1\x0aline2'
$mkder cert sign.der name-printable-bad.der --cn-tag printable --cn 'at@sign'
$mkder cert sign.der serial-negative.der --cn hostile-serial-negative --serial -5
$mkder cert sign.der serial-zero.der --cn hostile-serial-zero --serial 0
$mkder cert sign.der serial-big.der --cn hostile-serial-big --serial 1461501637330902918203684832716283019655932542975
$mkder cert sign.der date-2060.der --cn hostile-date-2060 --not-after 20600101000000Z
$mkder cert sign.der date-9999.der --cn hostile-date-9999 --not-after 99991231235959Z
$mkder cert sign.der date-1965.der --cn hostile-date-1965 --not-before 19650101000000Z
$mkder cert sign.der date-1900.der --cn hostile-date-1900 --not-before 19000101000000Z --not-after 20491231235959Z
$mkder cert sign.der date-expired-1969.der --cn hostile-date-expired-1969 --not-before 19600101000000Z --not-after 19691231235959Z
exit 0
