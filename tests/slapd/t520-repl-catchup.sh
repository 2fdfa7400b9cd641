#!/bin/sh
# t520-repl-catchup.sh - a node stopped while the others add, change,
# rename and delete catches up after it starts again, entries and export
# files alike (the files of a replica follow replicated writes, and the
# start-up reconciliation covers anything else).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_cluster 3

for c in keep gone moved orig changed new1 new2 new3; do mkcert $c; done
import 1 keep "$T/certs/keep.der" >/dev/null || die "import keep"
import 1 gone "$T/certs/gone.der" >/dev/null || die "import gone"
import 2 moved "$T/certs/moved.der" >/dev/null || die "import moved"
import 2 changed "$T/certs/orig.der" >/dev/null || die "import changed"
wait_sync 30 1 2 3
same_entries "before the stop: nodes agree" 1 2 3

node_stop 3
pass "node 3 stopped"
import 1 new1 "$T/certs/new1.der" >/dev/null || die "import new1"
import 2 new2 "$T/certs/new2.der" >/dev/null || die "import new2"
aldelete 1 "cn=gone,$BASE" || die "delete gone"
almodrdn 2 -r "cn=moved,$BASE" cn=renamed || die "rename moved"
almodify 1 >/dev/null <<EOF || die "modify changed"
dn: cn=changed,$BASE
changetype: modify
replace: userCertificate;binary
userCertificate;binary:< file://$T/certs/changed.der
-
replace: description
description: replaced while node 3 was down
EOF
wait_sync 30 1 2
node_alive 3 && die "node 3 still answers"

node_start 3
pass "node 3 restarted"
wait_sync 60 1 2 3
check "node 3 has the import it missed" has_entry 3 "cn=new2,$BASE"
check "node 3 dropped the deleted entry" eval "! has_entry 3 'cn=gone,$BASE'"
check "node 3 has the rename" has_entry 3 "cn=renamed,$BASE"
same_entries "after the restart: nodes agree" 1 2 3

# node 3 writes again and everyone sees it
import 3 new3 "$T/certs/new3.der" >/dev/null || die "import on node 3"
wait_sync 30 1 2 3
same_entries "node 3's own write after catching up reached everyone" 1 2 3

if repl_overlay; then
	check "node 3 exports the missed import" wait_for 10 in_export 3 "$T/certs/new1.der"
	check "node 3 removed the deleted certificate's file" \
	    wait_for 10 eval "! in_export 3 '$T/certs/gone.der'"
	check "node 3 exports the replacement certificate" \
	    wait_for 10 in_export 3 "$T/certs/changed.der"
	check "node 3 dropped the replaced certificate's file" \
	    wait_for 10 eval "! in_export 3 '$T/certs/orig.der'"
	same_exports "after the restart: export files identical" 1 2 3
fi
exit 0
