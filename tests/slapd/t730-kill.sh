#!/bin/sh
# t730-kill.sh - kill -9 of slapd during a bulk import of 1000 certificates
#
# Four ldapadd clients import 250 certificates each; when about a third is
# in, slapd gets SIGKILL.  After a restart: every add that a client saw
# acknowledged is present, the database is consistent (slapcat reads it,
# counts agree, every entry's decorations belong to its certificate) and
# the export directory and bundle equal the database (reconciled at start).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/hostile/lib7.sh"
ts_init
H="$T/h"
mkdir -p "$H"

export_node

bulk_keys
# (wait for these by pid: a bare `wait` would wait for slapd too)
pids=""
for c in 0 1 2 3; do
	$MKDER bulk "$H/issuer.der" "$H/c$c" bulk 250 $((c * 250)) "$H/subject.der" &
	pids="$pids $!"
done
for p in $pids; do wait $p; done
for c in 0 1 2 3; do
	for f in "$H/c$c"/*.der; do
		a=$(basename "$f" .der)
		add_ldif "$a" 'userCertificate;binary' "$f"
	done > "$T/import$c.ldif"
done

# four importers; -v prints "modify complete" once the server acknowledged
for c in 0 1 2 3; do
	ladd 1 -c -v -f "$T/import$c.ldif" > "$T/import$c.out" 2> "$T/import$c.err" &
	echo $! > "$T/import$c.pid"
done
pid=$(cat "$T/n1/pid")
i=0
while :; do
	n=$(lsearch 1 -b "$BASE" -s one 1.1 2>/dev/null | grep -c '^dn:')
	[ "$n" -ge 300 ] && break
	i=$((i + 1))
	[ $i -lt 600 ] || die "import does not progress ($n entries)"
	sleep 0.1
done
slapd_killed "$pid"
kill -9 "$pid"
pass "slapd killed with SIGKILL after $n entries were visible"
for c in 0 1 2 3; do wait "$(cat "$T/import$c.pid")"; done

# acknowledged: "adding new entry DN" followed by "modify complete"
for c in 0 1 2 3; do
	awk '/^adding new entry "/ { dn = substr($0, 19); sub(/"$/, "", dn) }
	     /^modify complete$/ { print dn }' "$T/import$c.out"
done | sort > "$T/acked"
nacked=$(wc -l < "$T/acked")
[ "$nacked" -ge 300 ] && [ "$nacked" -lt 1000 ] &&
	pass "$nacked adds acknowledged before the kill" ||
	fail "$nacked adds acknowledged: the kill did not land mid-import"

node_start 1
pass "slapd restarts after SIGKILL"
lsearch 1 -b "$BASE" -s one 1.1 | sed -n 's/^dn: //p' | sort > "$T/present"
npresent=$(wc -l < "$T/present")
missing=$(comm -23 "$T/acked" "$T/present" | wc -l)
[ "$missing" = 0 ] && pass "every acknowledged add is present ($npresent entries)" ||
	{ fail "$missing acknowledged adds are missing"; comm -23 "$T/acked" "$T/present" | head >&2; }

# the database is consistent: slapcat reads it all, counts agree
node_stop 1
slapcat $(cat "$T/n1/confarg") -b "$SUFFIX" -l "$T/slapcat.ldif" 2>"$T/slapcat.err" &&
	pass "slapcat reads the database" || fail "slapcat: $(cat "$T/slapcat.err")"
ncat=$(grep -c '^dn: cn=' "$T/slapcat.ldif")
[ "$ncat" = "$npresent" ] && pass "slapcat and ldapsearch agree: $ncat entries" ||
	fail "slapcat has $ncat certificate entries, ldapsearch $npresent"
node_start 1

# every entry carries the decorations of its own certificate
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' 'userCertificate;binary' \
    tsFingerprintSHA256 > "$T/db.ldif"
fingerprints_match "$T/db.ldif" 1 && pass "decorations match each certificate" || fail "decorations inconsistent"
# the export was reconciled with the database at start
wait_export 1 "$T/export" "$T/bundle.pem"

# the importers can finish their work now: nothing left half-done blocks it
cat "$T"/import?.ldif > "$T/all.ldif"
ladd 1 -c -f "$T/all.ldif" > "$T/rest.out" 2>&1
n=$(lsearch 1 -b "$BASE" -s one 1.1 | grep -c '^dn:')
[ "$n" = 1000 ] && pass "the import completes after the restart: 1000 entries" ||
	fail "$n entries after re-running the import"
wait_export 1 "$T/export" "$T/bundle.pem"
