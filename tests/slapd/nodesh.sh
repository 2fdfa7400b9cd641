# nodesh.sh - scripts/node.sh run by the tests (t00x), sourced after lib.sh
#
# start_node: node.sh in the background on node 1's port with its state in
#   $T/state, until it answers; stop_node: stop it (false if it lingers).
# state, nuri, base: its state folder, URI and base DN.
state="$T/state"
p=$(port 1)
nuri="ldap://127.0.0.1:$p/"
base="ou=certificates,o=truststore"

# start_node: run node.sh in the background until it prints its banner
start_node() {
	# node.sh ends by exec'ing slapd (env execs node.sh): npid is slapd's
	slapd_spawn "$T/n1.log" env TS_STATE="$state" TS_PORT="$p" TS_LOGLEVEL=stats \
	    "$TOP/scripts/node.sh"
	npid=$SPID
	i=0
	while ! ldapsearch -x -H "$nuri" -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		kill -0 "$npid" 2>/dev/null || die "node.sh exited: $(tail -n 5 "$T/n1.log")"
		i=$((i + 1))
		[ $i -lt 600 ] || die "node.sh: no answer after 60 s"
		sleep 0.1
	done
}

stop_node() {
	kill "$npid"
	i=0
	while kill -0 "$npid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	kill -0 "$npid" 2>/dev/null && return 1
	slapd_reap "$npid"
}
