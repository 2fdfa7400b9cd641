#!/bin/sh
# t568-repl-refresh-computed: a syncrepl consumer that receives whole
# entries (plain syncrepl, and delta-syncrepl whenever it falls back to a
# refresh: a conflict, a purged log) applies a changed certificate entry
# as a modify of the difference between its copy and the provider's.  It
# reads its copy with a search for every attribute; the overlay must not
# add what it computes on read (tsStatus, the computed decorations) to
# that copy.  It did: the difference then deleted tsStatus, back-mdb
# answered noSuchAttribute (16), and the consumer retried the same
# change for ever, replicating nothing more from that provider (found by
# t780 in session 16: a delta-syncrepl fallback after a rename conflict).
. "$(dirname "$0")/lib.sh"
ts_init
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert one $ec
mkcert two $ec

printf 'overlay syncprov\n' > "$T/prov.conf"
printf 'moduleload syncprov\n' > "$T/glob.conf"
cat > "$T/cons.conf" <<EOF2
syncrepl rid=001 provider=$(uri 1) bindmethod=simple binddn="$ROOTDN"
  credentials=$ROOTPW searchbase="$SUFFIX" type=refreshAndPersist
  retry="1 +" scope=sub
EOF2
node_conf 1 "$T/prov.conf" "$T/glob.conf"
node_conf 2 "$T/cons.conf"
node_start 1
add_base 1
cert_ldif one "$T/certs/one.der" | ladd 1 >/dev/null || die "add one"
node_start 2

# arrived MATCH ENTRY-DN ATTR: wait until node 2's ATTR of the entry
# holds MATCH (10 s)
arrived() {
	i=0
	while [ $i -lt 100 ]; do
		lsearch 2 -b "$2" -s base "$3" 2>/dev/null | grep -qx "$3: $1" &&
			return 0
		i=$((i + 1)); sleep 0.1
	done
	return 1
}
check "the certificate replicates (an add)" arrived one "cn=one,$BASE" cn

# changes to the certificate entry reach the consumer as whole entries
printf 'dn: cn=one,%s\nchangetype: modify\nreplace: description\ndescription: first change\n' \
    "$BASE" | lmodify 1 >/dev/null || die "modify on node 1"
check "a description change replicates (a refresh of a changed entry)" \
    arrived "first change" "cn=one,$BASE" description
lmodrdn 1 -r "cn=one,$BASE" "cn=renamed" >/dev/null || die "rename on node 1"
check "a rename replicates" arrived renamed "cn=renamed,$BASE" cn
printf 'dn: cn=renamed,%s\nchangetype: modify\nreplace: userCertificate;binary\nuserCertificate;binary:< file://%s\n' \
    "$BASE" "$T/certs/two.der" | lmodify 1 >/dev/null || die "replace the certificate"
fp=$(openssl x509 -in "$T/certs/two.pem" -noout -fingerprint -sha256 |
	sed 's/.*=//; s/://g' | tr 'A-F' 'a-f')
check "a certificate replaced in place replicates" \
    arrived "$fp" "cn=renamed,$BASE" tsFingerprintSHA256
# and what is computed on read is still there for clients of the consumer
check "the consumer computes tsStatus for its clients" \
    arrived valid "cn=renamed,$BASE" tsStatus
has_sha1() {
	lsearch 2 -b "cn=renamed,$BASE" -s base tsFingerprintSHA1 |
		grep -q '^tsFingerprintSHA1: '
}
check "the consumer computes tsFingerprintSHA1 for its clients" has_sha1
check "the consumer never retried a change it could not apply" \
    not grep -q "be_modify failed" "$T/n2.log"
# the consumer stored what the provider stores, nothing computed
node_stop 2
slapcat -f "$T/n2/slapd.conf" -b "$SUFFIX" -o ldif-wrap=no > "$T/n2.ldif" 2>/dev/null ||
	die "slapcat node 2"
stored=$(sed -n 's/^\(ts[A-Za-z0-9]*\):.*/\1/p' "$T/n2.ldif" | sort -u | tr '\n' ' ')
[ "$stored" = "tsFingerprintSHA256 tsIsCA tsIssuer tsNotAfter tsNotBefore tsSerialNumber tsSubject tsSubjectHash " ] &&
	pass "the consumer's database holds the stored decorations only" ||
	fail "the consumer's database holds: $stored"
