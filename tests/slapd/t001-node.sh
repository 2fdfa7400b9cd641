#!/bin/sh
# t001-node.sh - the README's first command: scripts/node.sh starts a ready
# trust store node (base entry, overlay, export files, cn=config over
# ldapi with SASL EXTERNAL), and a second run reuses the same state.
. "$(dirname "$0")/lib.sh"
ts_init

. "$(dirname "$0")/nodesh.sh"

# a first run that stopped half-way (here: a cn=config folder left
# unfinished) must not stop the next one
mkdir -p "$state/slapd.d.tmp/cn=config"
echo "left over" > "$state/slapd.d.tmp/cn=config.ldif"
start_node
check "a half-built state from an earlier run is started afresh" \
	test ! -e "$state/slapd.d.tmp"
check "banner names the URI and base" grep -q "base DN:    $base" "$T/n1.log"
check "config.ldif (the admin password's hash) is not world-readable" \
	test "$(stat -c %a "$state/config.ldif")" = 600
pw="$state/admin.pw"
check "admin password file" test -s "$pw"
# A data.mdb as large as olcDbMaxSize (4 GiB, sparse) is what slapadd -q
# leaves; adds into it cost up to twice as much (scripts/node.sh).
check "data.mdb is not a sparse file of the map's size" \
	test "$(stat -c %s "$state/db/data.mdb")" -lt 67108864
LT="$LDAPTRUST -x -H $nuri -D cn=admin,o=truststore -y $pw -b $base"

check "base entry exists" sh -c "ldapsearch -x -H '$nuri' -D cn=admin,o=truststore -y '$pw' -b '$base' -s base -LLL dn | grep -q '^dn: $base'"
check "cn=config over ldapi with SASL EXTERNAL" sh -c \
    "ldapsearch -Q -Y EXTERNAL -H 'ldapi://$(printf '%s' "$state/ldapi" | sed 's|/|%2F|g')' -b cn=config -LLL '(objectClass=olcTrustStoreConfig)' olcTrustStoreExportDir | grep -q olcTrustStoreExportDir"

mkcert backend -addext "subjectAltName=DNS:backend.example"
check "ldaptrust import into the node" $LT import backend "$T/certs/backend.pem"
h=$(openssl x509 -in "$T/certs/backend.pem" -noout -subject_hash)
i=0
while [ ! -f "$state/export/cacerts/$h.0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "export directory holds $h.0" cmp -s "$state/export/cacerts/$h.0" "$T/certs/backend.pem"
check "openssl verify -CApath the export" sh -c "openssl verify -CApath '$state/export/cacerts' '$T/certs/backend.pem' >/dev/null"
check "decorations present" sh -c "$LT show backend | grep -q 'backend.example'"
check "cn=Monitor shows the store" sh -c "ldapsearch -x -H '$nuri' -D cn=admin,o=truststore -y '$pw' -LLL -b cn=Monitor '(&(objectClass=tsMonitor)(namingContexts=o=truststore))' tsMonitorCertificates | grep -q '^tsMonitorCertificates: 1'"
expect_ldap 19 "already stored under alias" $LT import again "$T/certs/backend.pem"

# a run that is refused (here: the port is taken) makes nothing
TS_STATE="$T/refused" TS_PORT="$p" "$TOP/scripts/node.sh" >"$T/refused.log" 2>&1
check "node.sh on a port in use exits 1" test $? = 1
check "... saying why" grep -q "node.sh: port $p on 127.0.0.1 is in use" "$T/refused.log"
check "... and leaves no state folder behind" test ! -e "$T/refused"
TS_STATE="$T/with space" TS_PORT="$(port 2)" "$TOP/scripts/node.sh" >"$T/space.log" 2>&1
check "a state folder whose path holds a space is refused, saying so" \
    grep -q "node.sh: the state folder \"$T/with space\" holds a space" "$T/space.log"
check "... before anything is made" test ! -e "$T/with space"
# a relative TS_STATE is the caller's: from $T, "state" is the node running
(cd "$T" && TS_STATE=state TS_PORT="$p" "$TOP/scripts/node.sh") >"$T/relative.log" 2>&1
check "a relative TS_STATE is a path from the caller's folder" \
    grep -q "node.sh: a node already runs from $state " "$T/relative.log"

check "node stops" stop_node
# a pid file left by a slapd that did not stop (SIGKILL, a crash, the
# machine going down) whose number is now another program's
sleep 60 &
other=$!
stop_other() { kill "$other" 2>/dev/null; }
ts_atexit stop_other
echo "$other" > "$state/slapd.pid"
# (the second run below: start_node fails when node.sh takes it for the node)
# a second run reuses the state: same password, the certificate still there
start_node
stop_other
check "... the second run starts all the same" not grep -q "node.sh: a node already runs" "$T/n1.log"
check "second run keeps the store" sh -c "$LT list | grep -q '^backend'"
check "node stops again" stop_node
