#!/bin/sh
# t510-repl-access.sh - the access control example (ldif/30-access.ldif) on
# a two-provider cluster: trust-admins write, services read (the whole
# store, whatever slapd's size limit: ldif/10-database.ldif), anonymous sees
# nothing, everybody else is refused with insufficientAccess (50) and
# nothing changes; the replicator reads what it needs (passwords too).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_cluster 2

mkcert a; mkcert b; mkcert c
BOB_DN="cn=bob,ou=people,$SUFFIX"
ladd 1 >/dev/null <<EOF || die "add bob"
dn: $BOB_DN
objectClass: inetOrgPerson
cn: bob
sn: Bob
userPassword: bob-secret
EOF

# tool WHO N ...: an ldap tool bound as WHO (svc, bob, repl, anon) on node N
tool() {
	_t=$1 _who=$2 _n=$3; shift 3
	case $_who in
	svc)  set -- -D "$SVC_DN" -w "$SVC_PW" "$@" ;;
	bob)  set -- -D "$BOB_DN" -w bob-secret "$@" ;;
	repl) set -- -D "$REPL_DN" -w "$REPL_PW" "$@" ;;
	anon) ;;
	esac
	"$_t" -x -H "$(curi "$_n")" "$@"
}

# a trust-admins member writes
expect_ldap 0 "" import 1 a "$T/certs/a.der"
wait_sync 30 1 2
check "admin's import replicated to node 2" has_entry 2 "cn=a,$BASE"
# bob's hashed password reached node 2 only if the replicator may read it
check "replicator reads userPassword: bob binds on node 2" \
    eval "ldapwhoami -x -H '$(curi 2)' -D '$BOB_DN' -w bob-secret >/dev/null"

# services read the store, certificates included, but no passwords
tool ldapsearch svc 2 -LLL -b "$BASE" '(cn=a)' userCertificate > "$T/svc.out" 2>&1
check "service reads certificates on node 2" \
    grep -q '^userCertificate;binary::' "$T/svc.out"
tool ldapsearch svc 1 -LLL -b "$SUFFIX" userPassword > "$T/svc.pw" 2>&1
check "service reads no password" eval "! grep -qi '^userPassword' '$T/svc.pw'"

# a store larger than slapd's size limit (500 by default; 1 on node 2
# here) is read whole by the trust-admins and the services, as ldaptrust
# list and sync read it (ldif/10-database.ldif lifts the limit for them)
mkcert d; mkcert e
expect_ldap 0 "" import 1 d "$T/certs/d.der"
expect_ldap 0 "" import 1 e "$T/certs/e.der"
wait_sync 30 1 2
lconfig 2 >/dev/null <<EOF || die "size limit on node 2"
dn: olcDatabase={1}mdb,cn=config
changetype: modify
replace: olcSizeLimit
olcSizeLimit: 1
EOF
lt2() { "$LDAPTRUST" -x -H "$(curi 2)" -b "$BASE" "$@"; }
lt2 -D "$ADMIN_DN" -w "$ADMIN_PW" list > "$T/admin.list" 2>&1
check "size limit 1: a trust-admin lists the 3 certificates" \
    eval '[ "$(grep -c . "$T/admin.list")" = 3 ] || { cat "$T/admin.list"; false; }'
lt2 -D "$SVC_DN" -w "$SVC_PW" sync --dir "$T/svc-sync" > "$T/svc.sync" 2>&1
check "size limit 1: a service syncs the 3 certificates" \
    eval '[ "$(ls "$T/svc-sync" | grep -c "\.0$")" = 3 ] || { cat "$T/svc.sync"; false; }'

# anonymous sees nothing at all
for i in 1 2; do
	tool ldapsearch anon $i -LLL -b "$SUFFIX" > "$T/anon.$i" 2>&1
	check "anonymous sees no entry on node $i" eval "! grep -q '^dn:' '$T/anon.$i'"
	tool ldapsearch anon $i -LLL -b "$BASE" '(cn=a)' 1.1 > "$T/anon.$i" 2>&1
	check "anonymous finds no certificate on node $i" \
	    eval "! grep -q '^dn:' '$T/anon.$i'"
done

# refusals: 50, and nothing changed on either node
store_ldif b "$T/certs/b.der" > "$T/b.ldif"
cat > "$T/mod.ldif" <<EOF
dn: cn=a,$BASE
changetype: modify
replace: userCertificate;binary
userCertificate;binary:< file://$T/certs/b.der
EOF
cat > "$T/join.ldif" <<EOF
dn: cn=trust-admins,ou=groups,$SUFFIX
changetype: modify
add: member
member: $BOB_DN
EOF
snapshot 1 > "$T/before.1"; snapshot 2 > "$T/before.2"
for who in svc bob repl; do
	echo "# $who adds a certificate"
	expect_ldap 50 "Insufficient access" tool ldapadd $who 1 -f "$T/b.ldif"
done
# slapd refuses anonymous writes before any ACL is consulted
echo "# anonymous adds a certificate"
expect_ldap 8 "modifications require authentication" tool ldapadd anon 1 -f "$T/b.ldif"
echo "# service and bob modify, delete, rename a certificate"
expect_ldap 50 "Insufficient access" tool ldapmodify svc 1 -f "$T/mod.ldif"
expect_ldap 50 "Insufficient access" tool ldapmodify bob 2 -f "$T/mod.ldif"
expect_ldap 50 "Insufficient access" tool ldapdelete bob 2 "cn=a,$BASE"
expect_ldap 50 "Insufficient access" tool ldapmodrdn svc 1 -r "cn=a,$BASE" cn=evil
echo "# bob makes himself a trust-admin"
expect_ldap 50 "Insufficient access" tool ldapmodify bob 1 -f "$T/join.ldif"
snapshot 1 > "$T/after.1"; snapshot 2 > "$T/after.2"
check "refused writes changed nothing on node 1" cmp -s "$T/before.1" "$T/after.1"
check "refused writes changed nothing on node 2" cmp -s "$T/before.2" "$T/after.2"

# membership decides, at once and on every node: alice leaves, bob joins
lmodify 1 >/dev/null <<EOF || die "change trust-admins"
dn: cn=trust-admins,ou=groups,$SUFFIX
changetype: modify
delete: member
member: $ADMIN_DN
-
add: member
member: $BOB_DN
EOF
wait_sync 30 1 2
echo "# alice, no longer a trust-admin, imports on node 2"
expect_ldap 50 "Insufficient access" import 2 c "$T/certs/c.der"
check "bob, now a trust-admin, deletes on node 2" \
    tool ldapdelete bob 2 "cn=a,$BASE"
wait_sync 30 1 2
check "bob's delete replicated to node 1" eval "! has_entry 1 'cn=a,$BASE'"
same_entries "both nodes hold the same store" 1 2
exit 0
