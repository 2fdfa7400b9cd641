# tlsserver.sh - plain TLS servers for tests that talk to "a back end"
#
# Sourced after lib.sh.  tls_server N CERTFILE KEYFILE URLS [CONF] starts a slapd
# with only cn=config (no overlay, no data) that presents CERTFILE (a
# chain file is sent as it is: GnuTLS slapd sends every certificate in it)
# on the listeners URLS, e.g. "ldaps://127.0.0.1:$(port 2)"; CONF is more
# global slapd.conf text (TLSVerifyClient demand, ...).  Its PID is
# stopped on exit like every node's; its -d log is $T/nN.log.

tls_server() {
	_n=$1 _cert=$2 _key=$3 _urls=$4 _conf=${5:-}
	_d="$T/n$_n"
	mkdir -p "$_d"
	cat > "$_d/slapd.conf" <<EOC
include /etc/ldap/schema/core.schema
pidfile $_d/slapd.pid
TLSCertificateFile $_cert
TLSCertificateKeyFile $_key
$_conf
database config
EOC
	slapd_spawn "$T/n$_n.log" $SLAPD -d "$TS_DEBUG" -f "$_d/slapd.conf" -h "$_urls"
	_pid=$SPID
	echo "$_pid" > "$_d/pid"
	_i=0
	# listening, certificate and key loaded (even when a TLS client
	# without a certificate of its own could not get in)
	while ! grep -q "slapd starting" "$T/n$_n.log"; do
		kill -0 "$_pid" 2>/dev/null || die "TLS server $_n exited at start-up"
		_i=$((_i + 1))
		[ $_i -lt 200 ] || die "TLS server $_n not answering after 20 s"
		sleep 0.1
	done
}
