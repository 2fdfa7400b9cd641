#!/bin/sh
# t029-index-base: a search by fingerprint or subject hash that one entry
# answers runs as a base search of that entry (the rootdn's), and answers
# what the subtree search would have answered.
#
# The oracle is the same search with the key inside an OR, which the
# overlay leaves alone: back-mdb then scans the scope itself.  Compared
# over bases, scopes, controls and keys held by one entry, by two, by
# none; then with a referral object in the store, whose reference a
# subtree search returns and a base search would not: added, found at
# start-up, moved in from outside.  The filter log shows which searches
# were rewritten, so that a rewrite that stopped happening fails too.
TS_DEBUG=288	# stats + filter
. "$(dirname "$0")/lib.sh"
ts_init
C=$T/certs
ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256"
mkcert top $ec
mkcert deep $ec
mkcert twin1 $ec -subj /CN=twin
mkcert twin2 $ec -subj /CN=twin
cat > "$T/ov.conf" <<EOF2
truststore-base "$BASE"
access to dn.base="ou=sub,$BASE" by * compare
access to dn.base="cn=top,$BASE" attrs=entry by * =r
access to * by * read
EOF2
node_conf 1 "$T/ov.conf"
node_start 1
add_base 1
SUB="ou=sub,$BASE"
{
	cert_ldif top "$C/top.der"
	printf 'dn: %s\nobjectClass: organizationalUnit\nou: sub\n\n' "$SUB"
	printf 'dn: cn=deep,%s\nobjectClass: tsCertificate\ncn: deep\nuserCertificate;binary:< file://%s\n\n' \
	    "$SUB" "$C/deep.der"
	cert_ldif twin1 "$C/twin1.der"
	cert_ldif twin2 "$C/twin2.der"
} | ladd 1 >/dev/null || die "add the certificates"

fp() { openssl x509 -in "$C/$1.pem" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr A-F a-f; }
shash() { openssl x509 -in "$C/$1.pem" -noout -subject_hash; }
FP_TOP=$(fp top) FP_DEEP=$(fp deep) SH_TWIN=$(shash twin1)
ZERO=$(printf '%064d' 0)

# answer FILTER ARGS...: exit code, then the DNs and references, sorted
answer() {
	_f=$1; shift
	_out=$(lsearch 1 "$@" "$_f" 1.1 2>&1)
	echo "rc=$?"
	printf '%s\n' "$_out" | grep -Ei '^(dn|ref|# refldap|ldap_)' | sort
}
# same LABEL KEY-FILTER ARGS...: the key's answer is the OR's answer
same() {
	_label=$1 _key=$2; shift 2
	_got=$(answer "$_key" "$@")
	_want=$(answer "(|$_key)" "$@")
	[ "$_got" = "$_want" ] && pass "$_label" ||
		fail "$_label: got [$_got] want [$_want]"
}
rewrites() { grep -c 'truststore: search by key: a base search' "$T/n1.log"; }

# every base and scope, for a key of one entry above and one below ou=sub
n0=$(rewrites)
for k in "tsFingerprintSHA256=$FP_TOP" "tsFingerprintSHA256=$FP_DEEP"; do
	for b in "$BASE" "$SUB" "cn=top,$BASE" "cn=deep,$SUB"; do
		for s in sub one base children; do
			same "($k) -b $b -s $s" "($k)" -b "$b" -s $s
		done
	done
done
n1=$(rewrites)
# top: sub, one and children from BASE, sub from cn=top; deep: sub and
# children from BASE, sub, one and children from SUB, sub from cn=deep.
# Not: base scope (nothing to gain), an entry out of the scope.
[ $((n1 - n0)) = 10 ] && pass "the ten searches in scope ran as base searches" ||
	fail "$((n1 - n0)) searches were rewritten, not 10"

same "two entries of one subject hash" "(tsSubjectHash=$SH_TWIN)" -b "$BASE"
same "a key nobody holds" "(tsFingerprintSHA256=$ZERO)" -b "$BASE"
same "inside an AND" "(&(tsFingerprintSHA256=$FP_TOP)(cn=top))" -b "$BASE"
same "inside an AND that fails" "(&(tsFingerprintSHA256=$FP_TOP)(cn=x))" -b "$BASE"
same "a base that does not exist" "(tsFingerprintSHA256=$FP_TOP)" -b "ou=none,$BASE"
# controls under which the search is not rewritten
same "an assertion on the base (true)" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" \
    -e 'assert=(ou=certs)'
same "an assertion on the base (false)" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" \
    -e 'assert=(cn=deep)'
same "aliases dereferenced" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -a always
n2=$(rewrites)
[ "$n2" = $((n1 + 2)) ] && pass "searches under those controls were not rewritten" ||
	fail "$((n2 - n1)) rewrites for 2 plain searches by one entry's key and 3 under controls"
same "ManageDsaIT" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -M
# a first page (ldaptrust pages every search): the entry, no cookie
same "paged results, a page of 1" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -E pr=1/noprompt
same "paged results, a page of 1, two entries" "(tsSubjectHash=$SH_TWIN)" -b "$BASE" \
    -E pr=1/noprompt
same "paged results, a page of 500" "(tsFingerprintSHA256=$FP_TOP)" -b "$BASE" -E pr=500/noprompt
n2b=$(rewrites)
[ "$n2b" = $((n2 + 3)) ] && pass "ManageDsaIT and first pages were rewritten" ||
	fail "$((n2b - n2)) rewrites for ManageDsaIT and three first pages (one of two entries)"
# which the subentries control does not change (only subentries, or all)
same "the subentries control (true)" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -E subentries=true
same "the subentries control (false)" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -E subentries=false

# other users: back-mdb checks search access on the search base, which a
# base search of the entry below would not; here SUB discloses itself
# but may not be searched, while the certificate below may.  And it
# checks search access on a base search's entry, which a subtree search
# does not: cn=top may be read, not searched, as an entry (its
# attributes may).  Anonymous, compared with the unnarrowed search.
same_anon() {
	_label=$1 _key=$2; shift 2
	_got=$(ldapsearch -LLL -x -H "$(curi 1)" "$@" "$_key" 1.1 2>&1; echo "rc=$?")
	_want=$(ldapsearch -LLL -x -H "$(curi 1)" "$@" "(|$_key)" 1.1 2>&1; echo "rc=$?")
	[ "$_got" = "$_want" ] && pass "$_label" ||
		fail "$_label: got [$_got] want [$_want]"
}
n4=$(rewrites)
same_anon "anonymous: an entry it may read, not search" \
    "(tsFingerprintSHA256=$FP_TOP)" -b "$BASE"
same_anon "anonymous: a base it may not search" \
    "(tsFingerprintSHA256=$FP_DEEP)" -b "$SUB"
same_anon "anonymous: a base and entry it may search" \
    "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
[ "$(rewrites)" = $((n4 + 1)) ] && pass "anonymous: only the last was rewritten" ||
	fail "anonymous: $(($(rewrites) - n4)) rewrites, not 1"
_got=$(ldapsearch -LLL -x -H "$(curi 1)" -b "$SUB" "(tsFingerprintSHA256=$FP_DEEP)" 1.1 2>&1)
_rc=$?
[ $_rc = 50 ] && pass "a base that may not be searched: insufficientAccess (50)" ||
	fail "anonymous search below $SUB: rc $_rc: $_got"
_got=$(ldapsearch -LLL -x -H "$(curi 1)" -b "cn=deep,$SUB" -s sub "(tsFingerprintSHA256=$FP_DEEP)" 1.1 2>&1)
printf '%s\n' "$_got" | grep -q "^dn: cn=deep,$SUB" && pass "the certificate itself may be searched" ||
	fail "anonymous search at cn=deep: $_got"

# a referral object in the store: the subtree search returns its
# reference, and from now on searches by key are not rewritten
REF="ldap://ref.invalid/ou=elsewhere"
printf 'dn: cn=ref,%s\nobjectClass: referral\nobjectClass: extensibleObject\ncn: ref\nref: %s\n' \
    "$SUB" "$REF" | ladd 1 -M >/dev/null || die "add the referral"
grep -q 'truststore: a referral object in the store' "$T/n1.log" &&
	pass "the referral's add is noticed" || fail "no log of the referral's add"
_got=$(answer "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE")
printf '%s\n' "$_got" | grep -qF "$REF" && pass "the subtree search returns the reference" ||
	fail "no reference in [$_got]"
n3=$(rewrites)
for s in sub one children; do
	same "with a referral: -s $s" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -s $s
	same "with a referral: $SUB -s $s" "(tsFingerprintSHA256=$FP_DEEP)" -b "$SUB" -s $s
done
[ "$(rewrites)" = "$n3" ] && pass "no search rewritten with a referral in the store" ||
	fail "$(($(rewrites) - n3)) searches rewritten with a referral in the store"
# ManageDsaIT: the referral is an entry like others, and no reference
same "with a referral and ManageDsaIT" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE" -M
[ "$(rewrites)" = $((n3 + 1)) ] && pass "rewritten under ManageDsaIT" ||
	fail "$(($(rewrites) - n3)) searches rewritten under ManageDsaIT, not 1"

# found by the start-up read
node_stop 1
: > "$T/n1.log"
node_start 1
grep -q 'truststore: a referral object in the store' "$T/n1.log" &&
	pass "the start-up read finds the referral" || fail "no log of the referral at start-up"
same "after a restart" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
[ "$(rewrites)" = 0 ] && pass "not rewritten after the restart" || fail "rewritten after the restart"

# gone: rewritten again after the next start
ldapdelete -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" -M "cn=ref,$SUB" ||
	fail "delete the referral"
node_stop 1
: > "$T/n1.log"
node_start 1
same "without the referral" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
[ "$(rewrites)" = 1 ] && pass "rewritten again without the referral" ||
	fail "$(rewrites) rewrites without the referral"

# referral_seen WHAT N: once a referral is in the store, a search by key
# returns its reference, answers as the same search with the key inside
# an OR, and is not rewritten (the filter log still counts N rewrites)
referral_seen() {
	_got=$(answer "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE")
	printf '%s\n' "$_got" | grep -qF "$REF" && pass "$1: the reference is returned" ||
		fail "$1: no reference in [$_got]"
	same "$1" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
	[ "$(rewrites)" = "$2" ] && pass "$1: not rewritten" ||
		fail "$1: $(rewrites) rewrites, $2 expected"
}

# a container holding a referral, moved in from outside the store
printf 'dn: ou=staging,%s\nobjectClass: organizationalUnit\nou: staging\n\ndn: cn=ref2,ou=staging,%s\nobjectClass: referral\nobjectClass: extensibleObject\ncn: ref2\nref: %s\n' \
    "$SUFFIX" "$SUFFIX" "$REF" | ladd 1 -M >/dev/null || die "add the staging container"
same "a referral outside the store" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
[ "$(rewrites)" = 2 ] && pass "a referral outside the store changes nothing" ||
	fail "$(rewrites) rewrites with a referral outside the store"
lmodrdn 1 -s "$BASE" "ou=staging,$SUFFIX" "ou=staging" >/dev/null ||
	die "move the container in"
referral_seen "moved in" 2

# a container made a referral by a modify (the Relax control lets one
# change the structural class)
ldapdelete -x -H "$(curi 1)" -D "$ROOTDN" -w "$ROOTPW" -M -r "ou=staging,$BASE" ||
	fail "delete the moved container"
printf 'dn: ou=later,%s\nobjectClass: organizationalUnit\nou: later\n' "$BASE" |
	ladd 1 >/dev/null || die "add ou=later"
node_stop 1
: > "$T/n1.log"
node_start 1
same "no referral left" "(tsFingerprintSHA256=$FP_DEEP)" -b "$BASE"
[ "$(rewrites)" = 1 ] && pass "rewritten again with no referral left" ||
	fail "$(rewrites) rewrites with no referral left"
printf 'dn: ou=later,%s\nchangetype: modify\nreplace: objectClass\nobjectClass: referral\nobjectClass: extensibleObject\n-\nadd: ref\nref: %s\n' \
    "$BASE" "$REF" | lmodify 1 -e relax >/dev/null || die "make ou=later a referral"
referral_seen "made a referral" 1

node_alive 1 && pass "slapd still runs" || fail "slapd died"

# Renames under searches by fingerprint.  The index follows a rename
# after its commit; a base search of the old name in between found no
# entry, and the certificate was in neither place (400-480 of 100,000
# searches came back empty here before renames and such searches were
# made to exclude each other).  Every search must find it.
node_conf 2 "$T/ov.conf"
TS_DEBUG=0
node_start 2
add_base 2
cert_ldif r1 "$C/top.der" | ladd 2 >/dev/null || die "add r1"
rename_race_start 2
rename_race_search 2 "$FP_TOP"
rename_race_stop
[ -n "$(lsearch 2 -b "$BASE" "(|(cn=r1)(cn=r2))" 1.1)" ] &&
	pass "the certificate is still there" || fail "the certificate is gone"
exit 0
