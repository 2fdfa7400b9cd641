#!/bin/sh
# t610-sync-watch.sh - `ldaptrust sync --watch` follows a two-node
# multi-provider cluster: imports on either node, a rename and a delete
# show up in the synced directory and bundle; a restart of the followed
# node and a restart of the follower itself (resuming from its saved
# cookie) are survived; --exec runs after changes; at the end the
# directory equals `openssl rehash` of the store and the overlay's own
# export on the node, and a one-shot sync elsewhere writes the same files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
. "$(dirname "$0")/tlsserver.sh"
ts_init
"$LDAPTRUST" sync --help >/dev/null 2>&1 ||
	{ echo "skip: $LDAPTRUST (with sync) not built"; exit 77; }
REPL_OVERLAY=yes
repl_cluster 2

S="$T/sync"
mkdir -p "$S"
# as the proxies' service account: it may read the store, nothing more
lt_svc() { _n=$1; shift; "$LDAPTRUST" -H "$(uri "$_n")" -x -D "$SVC_DN" -w "$SVC_PW" -b "$BASE" "$@"; }

# (not through lt_svc: $! must be ldaptrust itself, not a subshell)
follower_start() {
	"$LDAPTRUST" -H "$(uri 1)" -x -D "$SVC_DN" -w "$SVC_PW" -b "$BASE" \
	    sync --dir "$S/certs" --bundle "$S/bundle.pem" --watch -v \
	    --exec "echo changed >> $S/exec.log" >> "$T/follower.log" 2>&1 &
	FOLLOWER=$!
	_ts_pids="$_ts_pids $FOLLOWER"
}

# synced DERFILE: the synced directory holds that certificate
synced() { holds_cert "$S/certs" "$1"; }
not_synced() { ! synced "$1"; }
in_bundle() { grep -q "^# $1\$" "$S/bundle.pem" 2>/dev/null; }

mkcert one; mkcert two; mkcert three; mkcert four; mkcert five
import 1 one "$T/certs/one.der" >/dev/null || die "import one"
wait_sync 30 1 2

mkdir -p "$S/certs"
follower_start
check "initial refresh: existing certificate synced" wait_for 15 synced "$T/certs/one.der"
check "initial refresh: bundle names it" wait_for 5 in_bundle one
check "-v: one certificate, singular" wait_for 5 grep -q "sync: 1 certificate, files updated" "$T/follower.log"

import 1 two "$T/certs/two.der" >/dev/null || die "import two on node 1"
t0=$(date +%s%N)
check "import on the followed node shows up" wait_for 10 synced "$T/certs/two.der"
echo "# followed in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
import 2 three "$T/certs/three.der" >/dev/null || die "import three on node 2"
check "import on the other node shows up" wait_for 10 synced "$T/certs/three.der"
check "--exec ran after a change" wait_for 5 test -s "$S/exec.log"

almodrdn 2 -r "cn=two,$BASE" "cn=deux" || die "rename on node 2"
check "rename: the bundle names the new alias" wait_for 10 in_bundle deux
check "rename: the old alias is gone" eval "! in_bundle two"
check "rename: the certificate is still synced" synced "$T/certs/two.der"

aldelete 1 "cn=one,$BASE" || die "delete one"
check "delete removes the file" wait_for 10 not_synced "$T/certs/one.der"

# the followed node restarts; a change made on the other node meanwhile
node_stop 1
import 2 four "$T/certs/four.der" >/dev/null || die "import four on node 2"
node_start 1
wait_sync 30 1 2
check "followed node restarted: change made meanwhile synced" \
    wait_for 40 synced "$T/certs/four.der"
check "the follower is still running" kill -0 "$FOLLOWER"
import 1 five "$T/certs/five.der" >/dev/null || die "import five"
check "after the restart, live changes still flow" wait_for 10 synced "$T/certs/five.der"

# the follower itself restarts and resumes from its cookie (once the
# old one has saved its state and let go of its lock: SIGTERM is a clean
# stop, not instant)
kill "$FOLLOWER"
wait "$FOLLOWER"
check "the state was saved beside the directory" test -s "$S/certs/.ldaptrust-sync/state"
check "the state holds a cookie" grep -q '^cookie ' "$S/certs/.ldaptrust-sync/state"
aldelete 2 "cn=three,$BASE" || die "delete three"
wait_sync 30 1 2
follower_start
check "follower restarted: a delete made meanwhile is applied" \
    wait_for 15 not_synced "$T/certs/three.der"
check "follower restarted: the rest is kept" synced "$T/certs/five.der"

# two certificates with one subject: one hash, files .0 and .1
mkcert same1 -subj "/CN=t610 same subject"
mkcert same2 -subj "/CN=t610 same subject"
import 2 same1 "$T/certs/same1.der" >/dev/null || die "import same1"
import 1 same2 "$T/certs/same2.der" >/dev/null || die "import same2"
check "subject-hash collision: both synced" wait_for 10 eval \
    'synced "$T/certs/same1.der" && synced "$T/certs/same2.der"'
h=$(openssl x509 -in "$T/certs/same1.pem" -noout -subject_hash)
check "subject-hash collision: $h.0 and $h.1" \
    test -f "$S/certs/$h.0" -a -f "$S/certs/$h.1"

# the point of it all: a TLS client on this host, reading the synced
# directory with GnuTLS (libldap), trusts a server once its certificate
# is imported anywhere in the cluster
mkcert backend -addext "subjectAltName=IP:127.0.0.1"
tls_server 5 "$T/certs/backend.pem" "$T/certs/backend.key" "ldaps://127.0.0.1:$(port 5)"
tls_search() {
	LDAPTLS_CACERTDIR="$S/certs" LDAPTLS_REQCERT=demand ldapsearch -x \
	    -H "ldaps://127.0.0.1:$(port 5)" -b "" -s base -LLL 1.1 >/dev/null 2>&1
}
check "before the import the client refuses the back end" eval '! tls_search'
import 2 backend "$T/certs/backend.der" >/dev/null || die "import backend"
check "after the import the client trusts it, no restart" wait_for 10 tls_search

# --- the end state ----------------------------------------------------------------
# the store, one PEM file per certificate, renamed by openssl rehash
R="$T/rehash"
mkdir -p "$R"
lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' 'userCertificate;binary' |
    sed -n 's/^userCertificate;binary:: //p' > "$T/store.b64"
i=0
while read -r b; do
	i=$((i + 1))
	printf '%s' "$b" | base64 -d | openssl x509 -inform DER -out "$R/c$i.pem"
done < "$T/store.b64"
openssl rehash "$R" 2>/dev/null || die "openssl rehash"
# every hashed name, and every certificate under its hash (the order
# of .0/.1 within one hash follows directory order in rehash), sorted
hashed() {
	( cd "$1" && for f in *; do
		case $f in *.[0-9]*) ;; *) continue ;; esac
		echo "name $f"
		echo "cert ${f%.*} $(openssl x509 -in "$f" -outform DER | sha256sum | cut -c1-64)"
	done ) | sort
}
# kill -9 semantics are not needed: wait for quiet, then compare
wait_for 10 eval '[ "$(hashed "$S/certs")" = "$(hashed "$R")" ]'
hashed "$R" > "$T/rehash.list"
hashed "$S/certs" > "$T/sync.list"
if cmp -s "$T/rehash.list" "$T/sync.list"; then
	pass "synced directory equals openssl rehash of the store ($(grep -c '^name' "$T/sync.list") files)"
else
	fail "synced directory differs from openssl rehash"; diff "$T/rehash.list" "$T/sync.list" >&2
fi
check "no stray files in the synced directory" \
    eval '[ "$(ls "$S/certs" | wc -l)" = "$(grep -c "^name" "$T/sync.list")" ]'
openssl verify -CApath "$S/certs" "$T/certs/five.pem" >/dev/null 2>&1 &&
	pass "openssl verify -CApath accepts a synced certificate" ||
	fail "openssl verify -CApath on the synced directory"

# the same writer as the overlay: byte-identical to the node's own export
if [ -s "$T/n1/bundle.pem" ]; then
	check "bundle identical to the overlay's export bundle" \
	    wait_for 10 cmp -s "$S/bundle.pem" "$T/n1/bundle.pem"
	check "directory identical to the overlay's export directory" \
	    eval '[ "$(hashed "$S/certs")" = "$(hashed "$T/n1/export")" ]'
else
	echo "# note: node 1 wrote no export bundle; overlay export not compared"
fi

# a one-shot sync on another "host" writes the same files and exits 0
mkdir -p "$T/once"
lt_svc 2 sync --dir "$T/once/certs" --bundle "$T/once/bundle.pem" \
    > "$T/once.log" 2>&1 || { cat "$T/once.log"; fail "one-shot sync"; }
check "one-shot sync: same directory" eval '[ "$(hashed "$T/once/certs")" = "$(hashed "$S/certs")" ]'
check "one-shot sync: same bundle" cmp -s "$T/once/bundle.pem" "$S/bundle.pem"
# nothing changed: a second run touches nothing and does not --exec
ls -l --time-style=+%s.%N "$T/once/certs" > "$T/once.ls1"
lt_svc 2 sync --dir "$T/once/certs" --bundle "$T/once/bundle.pem" \
    --exec "touch $T/once/exec-ran" > "$T/once.log" 2>&1 || fail "second one-shot sync"
ls -l --time-style=+%s.%N "$T/once/certs" > "$T/once.ls2"
check "a sync with nothing new touches no file" cmp -s "$T/once.ls1" "$T/once.ls2"
check "and runs no --exec" test ! -e "$T/once/exec-ran"
# a damaged state is reported and replaced by a full refresh
echo "garbage" > "$T/once/certs/.ldaptrust-sync/state"
expect_ldap 0 "is damaged; starting afresh" lt_svc 2 sync --dir "$T/once/certs" \
    --bundle "$T/once/bundle.pem"
check "after a damaged state: same directory" \
    eval '[ "$(hashed "$T/once/certs")" = "$(hashed "$S/certs")" ]'
check "after a damaged state: a fresh one" grep -q '^cookie ' "$T/once/certs/.ldaptrust-sync/state"
expect_ldap 1 "give --dir" lt_svc 1 sync
: > "$T/afile"
expect_ldap 1 "Not a directory" lt_svc 1 sync --dir "$T/afile/certs"
expect_ldap 1 "Not a directory" lt_svc 1 sync --bundle "$T/afile/bundle.pem"

# failover: given both nodes' URIs (libldap tries them in order), the
# follower moves to node 2 when node 1 is gone, resuming with node 1's cookie
kill "$FOLLOWER"
wait "$FOLLOWER"
"$LDAPTRUST" -H "$(uri 1) $(uri 2)" -x -D "$SVC_DN" -w "$SVC_PW" -b "$BASE" \
    sync --dir "$S/certs" --bundle "$S/bundle.pem" --watch -v \
    >> "$T/follower.log" 2>&1 &
FOLLOWER=$!
_ts_pids="$_ts_pids $FOLLOWER"
mkcert six
import 1 six "$T/certs/six.der" >/dev/null || die "import six"
check "two URIs: following node 1" wait_for 10 synced "$T/certs/six.der"
node_stop 1
aldelete 2 "cn=six,$BASE" || die "delete six on node 2"
check "node 1 gone: a delete on node 2 reaches the files" \
    wait_for 40 not_synced "$T/certs/six.der"
exit 0
