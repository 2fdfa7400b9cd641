# repl.sh - multi-provider helpers for the replication tests (t5NN)
#
# Sourced after lib.sh.  A cluster is built from the examples in ldif/ as an
# administrator would: each node starts from a bare cn=config, then
# ldif/00-modules, 10-database, 11-indexes, 30-access, 40-multiprovider
# and 50-overlay are applied over ldapi, with only paths and URLs
# rewritten; ldif/20-base is loaded on node 1 and replicates to the others.
#
#   . "$(dirname "$0")/lib.sh"; . "$(dirname "$0")/repl.sh"
#   ts_init
#   repl_cluster 3          # nodes 1..3, started, replicating, in sync
#
# REPL_OVERLAY=yes (default) requires the truststore overlay; =no leaves
# it out (replication of plain entries, e.g. the benchmark's baseline);
# =auto uses it when the module is built.

LDIF="$TOP/ldif"
# The examples' names, used as they are
SUFFIX="dc=example,dc=com"
BASE="ou=certs,dc=example,dc=com"
ROOTDN="cn=admin,dc=example,dc=com"
ROOTPW="secret"
ADMIN_DN="cn=alice,ou=people,dc=example,dc=com"
ADMIN_PW="alice-secret"
SVC_DN="cn=svc-proxy,ou=services,dc=example,dc=com"
SVC_PW="svc-secret"
REPL_DN="cn=replicator,ou=system,dc=example,dc=com"
REPL_PW="replicator-secret"
REPL_OVERLAY=${REPL_OVERLAY:-yes}
REPL_NODES=""

# repl_overlay: is the truststore overlay part of this run?
repl_overlay() {
	case $REPL_OVERLAY in
	no) return 1 ;;
	yes) [ -f "$MODULE" ] || die "REPL_OVERLAY=yes but $MODULE is not built"
	     return 0 ;;
	esac
	[ -f "$MODULE" ] && [ -f "$SCHEMA_LDIF" ]
}

# repl_sed N: rewrite an example for node N of this test
repl_sed() {
	_d="$T/n$1"
	_s="s|/var/lib/ldap/truststore|$_d/db|g"
	_s="$_s;s|/etc/ldap/truststore/certs|$_d/export|g"
	_s="$_s;s|/etc/ldap/truststore/bundle.pem|$_d/bundle.pem|g"
	_s="$_s;s|olcModuleLoad: truststore.so|olcModuleLoad: $MODULE|"
	# retry at once: peers come up one after the other in a test
	_s="$_s;s|retry=\"5 5 30 +\"|retry=\"1 +\"|"
	for _sk in 1 2 3 4 5 6 7 8 9; do
		_s="$_s;s|ldap://ldap$_sk.example.com/|$(uri "$_sk")|g"
	done
	# the back end of ldif/60-proxy.ldif, when the test runs one
	_s="$_s;s|ldaps://partner.example.org/|${REPL_PARTNER_URI:-ldaps://partner.example.org/}|g"
	if ! repl_overlay; then
		# plain syncrepl: no module, no overlay attributes to index
		_s="$_s;/olcModuleLoad: .*truststore/d;/olcDbIndex: ts/d"
	fi
	sed "$_s${REPL_SED_EXTRA:+;$REPL_SED_EXTRA}"
}

# repl_apply N FILE...: apply ldif examples to node N's cn=config
repl_apply() {
	_n=$1; shift
	for _f in "$@"; do
		repl_sed "$_n" < "$_f" > "$T/n$_n/$(basename "$_f")"
		ldapmodify -a -Q -Y EXTERNAL -H "$(ldapi "$_n")" \
		    -f "$T/n$_n/$(basename "$_f")" > "$T/n$_n/apply.log" 2>&1 ||
			{ cat "$T/n$_n/apply.log"; die "node $_n: $(basename "$_f") does not load"; }
	done
}

# repl_boot N: a bare cn=config (back_mdb, standard schema, ldapi root
# manages cn=config), as a fresh Debian install has; started.
repl_boot() {
	_n=$1
	_d="$T/n$_n"
	mkdir -p "$_d/db" "$_d/db-accesslog" "$_d/slapd.d" "$_d/export"
	{
		ts_cnconfig "$_d/slapd.pid" break back_mdb
		echo
	} > "$_d/boot.ldif"
	slapadd -n0 -F "$_d/slapd.d" -l "$_d/boot.ldif" > "$_d/slapadd0.log" 2>&1 ||
		{ cat "$_d/slapadd0.log"; die "slapadd -n0 for node $_n"; }
	echo "-F $_d/slapd.d" > "$_d/confarg"
	node_start "$_n"
}

# repl_node N: boot node N and give it the store and the ACLs (not yet
# replicating)
repl_node() {
	repl_boot "$1"
	repl_store "$1"
}
repl_store() {
	repl_apply "$1" "$LDIF/00-modules.ldif"
	if repl_overlay; then
		ldapadd -Q -Y EXTERNAL -H "$(ldapi "$1")" -f "$SCHEMA_LDIF" \
		    > "$T/n$1/apply.log" 2>&1 ||
			{ cat "$T/n$1/apply.log"; die "node $1: schema does not load"; }
	fi
	repl_apply "$1" "$LDIF/10-database.ldif" "$LDIF/11-indexes.ldif" \
	    "$LDIF/30-access.ldif"
}
# repl_replicate N: node N joins the cluster; the overlay comes last so
# that it runs first (ldif/50-overlay.ldif says why)
repl_replicate() {
	repl_apply "$1" "$LDIF/40-multiprovider.ldif"
	if repl_overlay; then repl_apply "$1" "$LDIF/50-overlay.ldif"; fi
}

# repl_cluster COUNT: nodes 1..COUNT, multi-provider, base loaded on node 1,
# all in sync.  Nodes start one by one (the harness records their PIDs),
# then are configured in parallel: cn=config writes are slow.
repl_cluster() {
	_c=$1 _k=1 _jobs=""
	while [ $_k -le "$_c" ]; do
		repl_boot $_k
		REPL_NODES="$REPL_NODES $_k"
		_k=$((_k + 1))
	done
	for _k in $REPL_NODES; do
		( _me=$_k; repl_store $_me && repl_replicate $_me ) \
		    > "$T/n$_k/setup.log" 2>&1 &
		_jobs="$_jobs $!"
	done
	_k=0
	for _j in $_jobs; do
		wait "$_j" || _k=1
	done
	if [ $_k != 0 ]; then
		cat "$T"/n*/setup.log
		die "configuring the cluster"
	fi
	# after the accesslog exists, so that the base is in the log too and
	# the peers replay it instead of refreshing (docs/replication.md)
	ladd 1 -f "$LDIF/20-base.ldif" > "$T/base.log" 2>&1 ||
		{ cat "$T/base.log"; die "20-base.ldif does not load"; }
	# shellcheck disable=SC2086
	wait_sync 60 $REPL_NODES || die "cluster did not come up in sync"
	# the base entries must be there too, not only equal CSNs
	for _k in $REPL_NODES; do
		wait_for 30 has_entry $_k "$REPL_DN" ||
			die "node $_k has not replicated 20-base.ldif"
	done
}

# --- comparing nodes ---------------------------------------------------------

# entries N [BASE]: the store's entries on node N with every attribute,
# operational ones included (the overlay's decorations, entryUUID,
# entryCSN, timestamps and modifiersName all travel with the entry and
# must be byte-identical on every node), lines and entries sorted so that
# only content counts.
entries() {
	lsearch "$1" -b "${2:-$BASE}" '*' '+' | sort_records
}
# sort_records: sort the lines of each blank-line separated record, and
# the records by DN (three processes, however many entries)
sort_records() {
	awk 'BEGIN { RS = ""; FS = "\n" }
	    { dn = ""
	      for (i = 1; i <= NF; i++) if ($i ~ /^dn:/) dn = $i
	      for (i = 1; i <= NF; i++) print dn "\t" $i }' |
	LC_ALL=C sort |
	awk -F '\t' '{ k = $1; sub(/^[^\t]*\t/, "")
	    if (NR > 1 && k != last) print ""
	    print; last = k }'
}

# same_entries DESC NODE...: every node holds the same store
same_entries() {
	_desc=$1; shift
	_first=$1 _ok=1
	entries "$_first" > "$T/entries.$_first"
	for _i in "$@"; do
		[ "$_i" = "$_first" ] && continue
		entries "$_i" > "$T/entries.$_i"
		if ! cmp -s "$T/entries.$_first" "$T/entries.$_i"; then
			_ok=0
			echo "# node $_first vs node $_i:" >&2
			diff "$T/entries.$_first" "$T/entries.$_i" | head -20 >&2
		fi
	done
	[ $_ok = 1 ] && pass "$_desc" || fail "$_desc"
}

# export_list N: node N's export directory, one "name sha256" per file
export_list() {
	( cd "$T/n$1/export" 2>/dev/null && for _f in *; do
		[ -e "$_f" ] || continue
		echo "$_f $(sha256sum < "$_f" | cut -c1-64)"
	done )
}

# exports_agree NODE...: identical export directories and bundles (quiet)
exports_agree() {
	_first=$1
	export_list "$_first" > "$T/export.$_first"
	for _i in "$@"; do
		[ "$_i" = "$_first" ] && continue
		export_list "$_i" > "$T/export.$_i"
		cmp -s "$T/export.$_first" "$T/export.$_i" || return 1
		cmp -s "$T/n$_first/bundle.pem" "$T/n$_i/bundle.pem" || return 1
	done
}

# same_exports DESC NODE...: identical export directories and bundles, once
# each node's export has followed its entries (asynchronous, in rounds
# paced 200 ms apart: seconds after a burst of replicated changes)
same_exports() {
	_desc=$1; shift
	wait_for 20 exports_agree "$@"
	_first=$1 _ok=1
	export_list "$_first" > "$T/export.$_first"
	for _i in "$@"; do
		[ "$_i" = "$_first" ] && continue
		export_list "$_i" > "$T/export.$_i"
		if ! cmp -s "$T/export.$_first" "$T/export.$_i"; then
			_ok=0
			echo "# export dir, node $_first vs node $_i:" >&2
			diff "$T/export.$_first" "$T/export.$_i" >&2
		fi
		if ! cmp -s "$T/n$_first/bundle.pem" "$T/n$_i/bundle.pem"; then
			_ok=0
			echo "# bundle.pem differs, node $_first vs node $_i" >&2
		fi
	done
	[ $_ok = 1 ] && pass "$_desc" || fail "$_desc"
}

# in_export N DERFILE: node N's export directory holds that certificate
in_export() { holds_cert "$T/n$1/export" "$2"; }

# wait_for DEADLINE CMD...: poll CMD until it succeeds (for states that are
# not visible in contextCSN, e.g. files written after the database)
wait_for() {
	_lim=$1; shift
	_end=$(( $(date +%s) + _lim ))
	until "$@"; do
		[ "$(date +%s)" -ge $_end ] && return 1
		sleep 0.05
	done
	return 0
}

# store_ldif ALIAS DERFILE: one certificate entry; without the overlay
# (REPL_OVERLAY=no) a plain entry of standard classes with the same bytes
store_ldif() {
	if repl_overlay; then
		cert_ldif "$1" "$2"
	else
		printf 'dn: cn=%s,%s\nobjectClass: applicationProcess\nobjectClass: pkiUser\ncn: %s\nuserCertificate;binary:< file://%s\n\n' \
		    "$1" "$BASE" "$1" "$2"
	fi
}

# import N ALIAS DERFILE: add one certificate on node N as trust-admin alice
import() {
	store_ldif "$2" "$3" | ldapadd -x -H "$(curi "$1")" -D "$ADMIN_DN" \
	    -w "$ADMIN_PW"
}
# aladd/almodify/aldelete/almodrdn N ...: the same tools as trust-admin alice
aladd() { _n=$1; shift; ldapadd -x -H "$(curi "$_n")" -D "$ADMIN_DN" -w "$ADMIN_PW" "$@"; }
almodify() { _n=$1; shift; ldapmodify -x -H "$(curi "$_n")" -D "$ADMIN_DN" -w "$ADMIN_PW" "$@"; }
aldelete() { _n=$1; shift; ldapdelete -x -H "$(curi "$_n")" -D "$ADMIN_DN" -w "$ADMIN_PW" "$@"; }
almodrdn() { _n=$1; shift; ldapmodrdn -x -H "$(curi "$_n")" -D "$ADMIN_DN" -w "$ADMIN_PW" "$@"; }

# holds_cert DIR DERFILE: a file of DIR holds that certificate (as PEM)
holds_cert() {
	_pem=$(openssl x509 -inform DER -in "$2" 2>/dev/null)
	for _f in "$1"/*; do
		[ -f "$_f" ] || continue
		[ "$(openssl x509 -in "$_f" 2>/dev/null)" = "$_pem" ] && return 0
	done
	return 1
}

# has_entry N DN: node N holds DN
has_entry() { lsearch "$1" -b "$2" -s base 1.1 >/dev/null 2>&1; }

# --- network partitions ------------------------------------------------------
#
# repl_netns "A-NODES" "B-NODES": run the nodes of side A in one network
# namespace and those of side B in another, joined by one veth pair; call
# before repl_cluster.  Each node listens on 127.X.0.N (X from the test
# number), an address that exists only inside these namespaces: each
# namespace keeps just 127.0.0.1/32 on its own lo, so the rest of 127/8 is
# routed over the veth (route_localnet allows that), and nothing is routed
# anywhere else.  Test clients reach the nodes through their ldapi sockets.
# repl_cut / repl_heal take the link down and up.  Namespaces are deleted
# on exit.
repl_netns() {
	[ "$(id -u)" = 0 ] && command -v ip >/dev/null ||
		skip "network namespaces need root and ip(8)"
	# names unique per test and per run (TS_PORT_OFFSET: another checkout)
	_id="$num${TS_PORT_OFFSET:+o$TS_PORT_OFFSET}"
	NS_A="ts${_id}a" NS_B="ts${_id}b" VETH_A="tsv${_id}a" VETH_B="tsv${_id}b"
	_net="127.$(( $(expr "$num" + 0) % 250 + 1 ))"
	repl_netns_cleanup
	ts_atexit repl_netns_cleanup
	ip netns add "$NS_A" 2>/dev/null && ip netns add "$NS_B" ||
		skip "cannot create network namespaces here"
	ip link add "$VETH_A" type veth peer name "$VETH_B" || die "veth pair"
	ip link set "$VETH_A" netns "$NS_A" && ip link set "$VETH_B" netns "$NS_B" ||
		die "move veth into namespaces"
	for _ns in "$NS_A:$VETH_A" "$NS_B:$VETH_B"; do
		_v=${_ns#*:} _ns=${_ns%%:*}
		ip -n "$_ns" link set lo up
		ip -n "$_ns" addr del 127.0.0.1/8 dev lo
		ip -n "$_ns" addr add 127.0.0.1/32 dev lo
		ip netns exec "$_ns" sysctl -qw net.ipv4.conf.all.route_localnet=1
		ip netns exec "$_ns" sysctl -qw "net.ipv4.conf.$_v.route_localnet=1"
		ip -n "$_ns" link set "$_v" up
	done
	for _k in $1; do
		ip -n "$NS_A" addr add "$_net.0.$_k/24" dev "$VETH_A" || die "address"
		eval "TS_NETNS_$_k=$NS_A TS_HOST_$_k=$_net.0.$_k"
	done
	for _k in $2; do
		ip -n "$NS_B" addr add "$_net.0.$_k/24" dev "$VETH_B" || die "address"
		eval "TS_NETNS_$_k=$NS_B TS_HOST_$_k=$_net.0.$_k"
	done
	TS_CLIENT_LDAPI=1
	echo "# side A ($NS_A): nodes $1; side B ($NS_B): nodes $2; addresses $_net.0.N"
}
repl_netns_cleanup() {
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	return 0
}
repl_cut() { ip -n "$NS_A" link set "$VETH_A" down || die "cut"; echo "# link cut"; }
repl_heal() { ip -n "$NS_A" link set "$VETH_A" up || die "heal"; echo "# link restored"; }
skip() { echo "skip: $*"; exit 77; }
