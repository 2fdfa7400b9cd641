#!/bin/sh
# t565-repl-order.sh - the overlay must run after slapd's own overlay for
# multi-provider consumers and before accesslog and syncprov
# (ldif/50-overlay.ldif: configured after them, without an index), or its
# replication rules leave nodes with different stores.  slapd cannot be
# told to refuse an order, so the overlay says so in the log: at
# start-up, and for overlays added while slapd runs, at the first
# replicated write, once.
#   node 1: the shipped order (40-, then 50-): quiet;
#   node 2: a standalone store that joins replication later (50-, then
#           40-): accesslog and syncprov end up running first;
#   node 3: olcOverlay={0}truststore: above slapd's syncrepl overlay.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/repl.sh"
ts_init
repl_replicate() {
	case $1 in
	2)	repl_apply 2 "$LDIF/50-overlay.ldif" "$LDIF/40-multiprovider.ldif" ;;
	3)	repl_apply 3 "$LDIF/40-multiprovider.ldif"
		REPL_SED_EXTRA='s|^dn: olcOverlay=truststore,|dn: olcOverlay={0}truststore,|'
		repl_apply 3 "$LDIF/50-overlay.ldif"
		REPL_SED_EXTRA="" ;;
	*)	repl_apply "$1" "$LDIF/40-multiprovider.ldif" "$LDIF/50-overlay.ldif" ;;
	esac
}
repl_cluster 3
mkcert one; mkcert two
contains_() { printf "%s" "$2" | grep -qF -- "$1"; }

overlays() {
	ldapsearch -Q -Y EXTERNAL -H "$(ldapi "$1")" -LLL -b 'olcDatabase={1}mdb,cn=config' \
	    -s one olcOverlay | sed -n 's/^olcOverlay: //p' | tr '\n' ' '
}
check "node 2: truststore configured first" contains_ "{0}truststore {1}syncprov" "$(overlays 2)"
o3=$(overlays 3)
check "node 3: truststore given index 0" contains_ "truststore {1}syncprov {2}accesslog" "$o3"
warned() { grep -c "truststore: out of order with $2 on dc=example,dc=com" "$T/n$1.log"; }
import 1 one "$T/certs/one.der" >/dev/null || die "import on node 1"
wait_sync 30 1 2 3
check "node 2 says so at the first replicated write" [ "$(warned 2 accesslog)" = 1 ]
check "node 3 too" [ "$(warned 3 "slapd's syncrepl overlay")" = 1 ]
import 1 two "$T/certs/two.der" >/dev/null || die "import on node 1"
wait_sync 30 1 2 3
check "... once" [ "$(warned 2 accesslog)$(warned 3 "slapd's syncrepl overlay")" = 11 ]
check "node 1, in the shipped order, says nothing" [ "$(warned 1 '.*')" = 0 ]
node_stop 2; node_start 2
wait_sync 30 1 2 3
check "node 2 says it again at start-up" [ "$(warned 2 accesslog)" = 2 ]
