#!/bin/sh
# node.sh - install, build and start a ready trust store node on loopback.
#
# Everything lives in a state folder (default ./state): cn=config in
# slapd.d, the mdb database (with syncprov, so that `ldaptrust sync
# --watch` can follow it), the exported CA directory and bundle, and the
# admin password.  The first run creates them; later runs reuse them.  The
# node runs in the foreground until stopped (Ctrl-C).
#
#   TS_STATE=DIR   state folder            (default: state in the checkout)
#   TS_PORT=N      LDAP port on 127.0.0.1   (default: 3890)
#   TS_LOGLEVEL=L  slapd -d level           (default: stats)
set -eu
caller=$(pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. ./scripts/cnconfig.sh
./scripts/build.sh >&2

state=${TS_STATE:-$top/state}
# a relative TS_STATE is a path from where node.sh was started, as on any
# command line, not from the checkout it changes into
case $state in
/*) ;;
*) state="$caller/$state" ;;
esac
port=${TS_PORT:-3890}
# slapd takes its listeners (-h) and its cn=config file settings
# (olcPidFile) as lists split on spaces: a path holding one
# failed half-way with slapadd's "extra cruft after <file>"
case $state in
*[[:space:]]*)
	echo "node.sh: the state folder \"$state\" holds a space, which slapd's settings cannot: choose another with TS_STATE=DIR" >&2
	exit 1 ;;
esac
suffix="o=truststore"
base="ou=certificates,$suffix"
rootdn="cn=admin,$suffix"
uri="ldap://127.0.0.1:$port/"

# Refused before anything is made: a refused run leaves no folder behind.
# A slapd killed by SIGKILL, or a machine that went down, leaves its pid
# file: after a reboot its number may well be another program's, which
# kill -0 alone took for the node.
npid=$(cat "$state/slapd.pid" 2>/dev/null || true)
if [ -n "$npid" ] && [ "$(cat "/proc/$npid/comm" 2>/dev/null)" = slapd ]; then
	echo "node.sh: a node already runs from $state (pid $npid) on $(cat "$state/uri" 2>/dev/null || echo "an unrecorded port")" >&2
	exit 1
fi
if command -v ss >/dev/null 2>&1 &&
    ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
	echo "node.sh: port $port on 127.0.0.1 is in use: choose another with TS_PORT=N" >&2
	exit 1
fi

mkdir -p "$state"
state=$(cd "$state" && pwd)
sock="$state/ldapi"
ldapi="ldapi://$(printf '%s' "$sock" | sed 's|/|%2F|g')"

if [ ! -f "$state/admin.pw" ]; then
	umask 077
	head -c 18 /dev/urandom | base64 | tr -d '\n/+=' > "$state/admin.pw"
	umask 022
fi
pw=$(cat "$state/admin.pw")

if [ ! -d "$state/slapd.d" ]; then
	# a first run that stopped half-way left these: start them afresh
	rm -rf "$state/slapd.d.tmp" "$state/db"
	mkdir -p "$state/db" "$state/export/cacerts" "$state/slapd.d.tmp"
	hash=$(slappasswd -s "$pw")
	{
		ts_cnconfig "$state/slapd.pid" none "back_mdb syncprov $top/overlay/truststore.so" \
		    "$top/schema/truststore.ldif"
		echo
		cat <<LDIF
dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $suffix
olcRootDN: $rootdn
olcRootPW: $hash
olcDbDirectory: $state/db
olcDbMaxSize: 4294967296
olcDbIndex: objectClass eq
olcDbIndex: cn eq
olcDbIndex: entryUUID,entryCSN eq
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by users read by * none

dn: olcOverlay={0}syncprov,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcSyncProvConfig
olcOverlay: {0}syncprov

dn: olcOverlay={1}truststore,olcDatabase={1}mdb,cn=config
objectClass: olcOverlayConfig
objectClass: olcTrustStoreConfig
olcOverlay: {1}truststore
olcTrustStoreBase: $base
olcTrustStoreExportDir: $state/export/cacerts
olcTrustStoreExportBundle: $state/export/truststore.pem

dn: olcDatabase={2}monitor,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {2}monitor
olcAccess: {0}to * by dn.exact=$rootdn read by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth read by * none
LDIF
	} > "$state/config.ldif"
	# it holds the admin password's hash
	chmod 600 "$state/config.ldif"
	slapadd -q -n0 -F "$state/slapd.d.tmp" -l "$state/config.ldif"
	# Not -q for the database: quick mode opens LMDB with writemap, which
	# leaves data.mdb a sparse file as large as olcDbMaxSize.  The
	# kernel's readahead then runs past the data into the holes, and
	# every new page an add writes lands in a large zero-filled folio
	# whose block buffers ext4 walks on each write: a bulk import of
	# 60,000 certificates ran at half the speed (docs/performance.md,
	# "Fourteenth round").  Two entries need no quick mode.
	printf 'dn: %s\nobjectClass: organization\no: truststore\n\ndn: %s\nobjectClass: organizationalUnit\nou: certificates\ndescription: Client certificate trust store\n' \
	    "$suffix" "$base" | slapadd -F "$state/slapd.d.tmp" -b "$suffix"
	mv "$state/slapd.d.tmp" "$state/slapd.d"
fi

# A state made by an earlier version keeps that version's schema: brought
# up to date over ldapi by a slapd of its own, before the node serves
# (scripts/schema-upgrade.sh; slapo-truststore(5) UPGRADING).
if slapcat -n0 -F "$state/slapd.d" -o ldif-wrap=no 2>/dev/null | awk '
	/^dn: cn=\{[0-9]+\}truststore,cn=schema,cn=config$/ { ours = 1; next }
	/^dn: / { ours = 0 }
	/^olcAttributeTypes: (\{[0-9]+\})?\( *2\.5\.4\.97 / { oi = 1 }
	ours && /NAME .tsCertificatePEM./ && /SYNTAX 1\.3\.6\.1\.4\.1\.1466\.115\.121\.1\.26/ { old = 1 }
	END { exit !(old || !oi) }'; then
	echo "node.sh: the schema in $state/slapd.d is an earlier version's: upgrading it" >&2
	slapd -d 0 -F "$state/slapd.d" -h "$ldapi" >"$state/upgrade.log" 2>&1 &
	upid=$!
	i=0
	until ldapsearch -Q -Y EXTERNAL -H "$ldapi" -b "" -s base -LLL 1.1 >/dev/null 2>&1; do
		if ! kill -0 "$upid" 2>/dev/null || [ $i -ge 300 ]; then
			kill "$upid" 2>/dev/null
			echo "node.sh: slapd did not start to upgrade the schema (see $state/upgrade.log)" >&2
			exit 1
		fi
		i=$((i + 1)); sleep 0.1
	done
	rc=0
	"$top/scripts/schema-upgrade.sh" "$ldapi" >&2 || rc=$?
	kill "$upid"; wait "$upid" 2>/dev/null || true
	[ $rc = 0 ] || exit 1
fi

echo "$uri" > "$state/uri"
cat <<INFO
Trust store node starting
  URI:        $uri   (and $ldapi)
  base DN:    $base
  admin:      $rootdn, password in $state/admin.pw
  export:     $state/export/cacerts (hashed CA dir), $state/export/truststore.pem
  cn=config:  ldapmodify -Y EXTERNAL -H $ldapi   (as root)
Try:
  ldapsearch -x -H $uri -D $rootdn -y $state/admin.pw -b $base '(objectClass=tsCertificate)' '*' '+'
  $top/client/ldaptrust -x -H $uri -D $rootdn -y $state/admin.pw -b $base list
  ldapsearch -x -H $uri -D $rootdn -y $state/admin.pw -b cn=Monitor '(objectClass=tsMonitor)' '*' '+'
  $top/client/ldaptrust -x -H $uri -D $rootdn -y $state/admin.pw -b $base sync --watch --dir /tmp/cacerts
Stop with Ctrl-C.
INFO
exec slapd -d "${TS_LOGLEVEL:-stats}" -F "$state/slapd.d" -h "$uri $ldapi"
