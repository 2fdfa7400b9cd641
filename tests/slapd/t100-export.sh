#!/bin/sh
# t100-export: the export directory and bundle equal the database after
# adds, deletes, renames, certificate replacement, subject-hash collisions,
# slapadd-loaded entries plus restart, and a stray file plus restart; the
# names equal `openssl rehash` output; `openssl verify -CApath` and
# ldapsearch with LDAPTLS_CACERTDIR accept a server whose certificate is in
# the store.  Node configured with slapd.conf (t101 does cn=config).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/tlsserver.sh"
. "$(dirname "$0")/export.sh"
ts_init
D="$T/export"
B="$T/bundle.pem"

cat > "$T/overlay.conf" <<EOF
truststore-export-dir $D
truststore-export-bundle $B
EOF
node_conf 1 "$T/overlay.conf"
node_start 1
add_base 1
check "empty store: empty directory and bundle" wait_export 1 "$D" "$B"

# alpha, beta; two certificates with one subject (a hash collision)
mkcert alpha
mkcert beta
mkcert same1 -subj "/CN=same subject"
mkcert same2 -subj "/CN=same subject"
mkcert same3 -subj "/CN=same subject"
mkcert gamma -addext "subjectAltName=IP:127.0.0.1"
for c in alpha beta same1 same2 same3; do
	cert_ldif "$c" "$T/certs/$c.der"
done > "$T/add.ldif"
ladd 1 -f "$T/add.ldif" >/dev/null || die "adds"
check "adds: files equal the database" wait_export 1 "$D" "$B"
h=$(openssl x509 -in "$T/certs/same1.pem" -noout -subject_hash)
check "collision: three files $h.0 .1 .2" test -f "$D/$h.0" -a -f "$D/$h.1" -a -f "$D/$h.2"
our_names "$D" > "$T/ours"
rehash_names "$D" > "$T/rehash"
check "names equal openssl rehash" cmp -s "$T/ours" "$T/rehash"

# delete from the middle of the collision: still dense from 0
f0=$(openssl x509 -in "$D/$h.0" -noout -fingerprint -sha256)
for c in same1 same2 same3; do
	[ "$(openssl x509 -in "$T/certs/$c.pem" -noout -fingerprint -sha256)" = "$f0" ] && first=$c
done
ldelete 1 "cn=$first,$BASE" || fail "delete $first"
check "delete in a collision: files equal the database" wait_export 1 "$D" "$B"
check "collision: .2 gone, .0 and .1 remain" test -f "$D/$h.0" -a -f "$D/$h.1" -a ! -e "$D/$h.2"
our_names "$D" > "$T/ours"
rehash_names "$D" > "$T/rehash"
check "names equal openssl rehash after delete" cmp -s "$T/ours" "$T/rehash"

# rename: the bundle names the new alias, the directory is unchanged
lmodrdn 1 -r "cn=beta,$BASE" "cn=beta-renamed" || fail "modrdn"
check "rename: files equal the database" wait_export 1 "$D" "$B"
check "bundle names the new alias" grep -q "^# beta-renamed\$" "$B"
check "bundle forgot the old alias" sh -c "! grep -q '^# beta\$' '$B'"

# replacing the certificate of an entry
cat > "$T/mod.ldif" <<EOF
dn: cn=alpha,$BASE
changetype: modify
replace: userCertificate;binary
userCertificate;binary:< file://$T/certs/gamma.der
EOF
lmodify 1 -f "$T/mod.ldif" >/dev/null || fail "replace certificate"
check "replacement: files equal the database" wait_export 1 "$D" "$B"
ha=$(openssl x509 -in "$T/certs/alpha.pem" -noout -subject_hash)
check "the replaced certificate's file is gone" test ! -e "$D/$ha.0"

# the directory works as a CA path for OpenSSL and for libldap
check "openssl verify -CApath accepts a stored certificate" \
	sh -c "openssl verify -CApath '$D' '$T/certs/gamma.pem' >/dev/null 2>&1"
check "openssl verify -CApath refuses one not stored" \
	sh -c "! openssl verify -CApath '$D' '$T/certs/alpha.pem' >/dev/null 2>&1"
tls_server 2 "$T/certs/gamma.pem" "$T/certs/gamma.key" "ldaps://127.0.0.1:$(port 2)/"
check "ldapsearch with LDAPTLS_CACERTDIR trusts the server" \
	sh -c "LDAPTLS_CACERTDIR='$D' LDAPTLS_CACERT= LDAPTLS_REQCERT=demand ldapsearch -x -H ldaps://127.0.0.1:$(port 2)/ -b '' -s base -LLL 1.1 >/dev/null 2>&1"
mkcert stranger -addext "subjectAltName=IP:127.0.0.1"
tls_server 3 "$T/certs/stranger.pem" "$T/certs/stranger.key" "ldaps://127.0.0.1:$(port 3)/"
check "ldapsearch with LDAPTLS_CACERTDIR refuses an unknown server" \
	sh -c "! LDAPTLS_CACERTDIR='$D' LDAPTLS_CACERT= LDAPTLS_REQCERT=demand ldapsearch -x -H ldaps://127.0.0.1:$(port 3)/ -b '' -s base -LLL 1.1 >/dev/null 2>&1"

# slapadd while stopped, a stray file, a lost file and a temporary: the
# restart brings the files in line
node_stop 1
mkcert loaded
cert_ldif loaded "$T/certs/loaded.der" > "$T/slapadd.ldif"
slapadd -f "$T/n1/slapd.conf" -b "$SUFFIX" -l "$T/slapadd.ldif" >"$T/slapadd.log" 2>&1 ||
	{ cat "$T/slapadd.log"; fail "slapadd"; }
hl=$(openssl x509 -in "$T/certs/loaded.pem" -noout -subject_hash)
check "slapadd (tool mode) wrote no file" test ! -e "$D/$hl.0"
echo stray > "$D/deadbeef.0"
cp "$T/certs/stranger.pem" "$D/abcdef01.3"
echo half > "$D/.tsexport-999-1-1"
echo mine > "$D/README"
hb=$(openssl x509 -in "$T/certs/beta.pem" -noout -subject_hash)
rm -f "$D/$hb.0"
node_start 1
rm -f "$D/README"	# not ours, kept; the checker wants nothing else
check "restart: stray and lost files reconciled, slapadd entry exported" \
	wait_export 1 "$D" "$B"
check "the slapadd-loaded certificate has its file" test -f "$D/$hl.0"
check "the bundle names the slapadd-loaded entry" grep -q "^# loaded\$" "$B"

# everything deleted: nothing left
for c in alpha beta-renamed same1 same2 same3 loaded; do
	[ "$c" = "$first" ] || ldelete 1 "cn=$c,$BASE" 2>/dev/null
done
check "all deleted: the directory is empty" wait_export 1 "$D" "$B"
check "no temporaries left" sh -c "[ -z \"\$(ls -A '$D')\" ]"
check "slapd still running" node_alive 1
