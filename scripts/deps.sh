#!/bin/sh
# deps.sh - install what the project needs on Debian 12 and prepare the
# OpenLDAP headers that match the installed slapd.  Safe to run again: it
# only does work that is missing.
#
# slapd's internal headers (slap.h and friends) are not packaged.  We fetch
# the Debian source of the installed openldap, run its configure with the
# ABI-relevant options Debian uses (--with-tls=gnutls matters: leaving
# OpenSSL detected changes the layout of slap_bindconf) and generate only
# include/ldap_config.h.  We never build OpenLDAP itself.
set -eu

CACHE=${TS_OPENLDAP_CACHE:-/var/cache/ldap-truststore}
PKGS="slapd ldap-utils libldap2-dev libssl-dev openssl libgnutls28-dev \
libsasl2-dev libsasl2-modules libwrap0-dev libltdl-dev autoconf automake \
pkg-config dpkg-dev make gcc clang libclang-rt-14-dev valgrind jq iproute2 \
gnutls-bin ca-certificates procps psmisc python3 lmdb-utils"

log() { printf 'deps: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
	log "run as root (installs Debian packages)"
	exit 1
fi

# node.sh and test.sh may be started together on a fresh machine: the
# second waits here rather than racing the first's apt-get (which fails on
# dpkg's lock) or its fetch of the source (both would move theirs into
# place, one inside the other)
mkdir -p "$CACHE"
exec 9>"$CACHE/.deps.lock"
flock 9

export DEBIAN_FRONTEND=noninteractive
missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f '${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$st" = installed ] || missing="$missing $p"
done

src_list=/etc/apt/sources.list.d/ldap-truststore-src.sources
need_update=0
if [ ! -f "$src_list" ]; then
	# deb-src twin of the Debian entries, so that `apt-get source` works
	cat > "$src_list" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi
if [ -n "$missing" ] || [ "$need_update" = 1 ]; then
	log "apt-get update"
	apt-get update -q >/dev/null
fi
if [ -n "$missing" ]; then
	log "installing:$missing"
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi

# Installing the slapd package starts Debian's own slapd (dc=nodomain on
# port 389), which nothing here uses: stop the one our install started.
# A system slapd that was there before is the administrator's: left alone.
case " $missing " in
*" slapd "*)
	if [ -f /var/run/slapd/slapd.pid ] &&
	    kill "$(cat /var/run/slapd/slapd.pid)" 2>/dev/null; then
		log "stopped the system slapd that installing the package started"
	fi
	;;
esac

ver=$(dpkg-query -W -f '${Version}' slapd)
upstream=${ver%-*}
srcdir="$CACHE/openldap-$upstream"
if [ ! -f "$srcdir/include/ldap_config.h" ] || [ ! -f "$srcdir/.ts-configured" ]; then
	log "fetching OpenLDAP source $ver into $CACHE"
	rm -rf "$srcdir"
	mkdir -p "$CACHE/tmp"
	tmp=$(mktemp -d "$CACHE/tmp/src.XXXXXX")
	(cd "$tmp" && apt-get source -q --download-only "openldap=$ver" >/dev/null 2>&1 &&
		dpkg-source -x --no-check ./*.dsc src >/dev/null)
	mv "$tmp/src" "$srcdir"
	rm -rf "$tmp"
	log "configuring OpenLDAP headers (about a minute)"
	# Debian's debian/configure.options, less the options that only pick
	# optional modules (perl, sql, argon2) whose -dev packages we do not need.
	(cd "$srcdir" && ./configure -q --prefix=/usr --libexecdir=/usr/lib \
		--sysconfdir=/etc --localstatedir=/var \
		--enable-debug --enable-dynamic --enable-syslog --enable-ipv6 \
		--enable-local --enable-slapd --enable-dynacl --enable-aci \
		--enable-cleartext --enable-crypt --enable-spasswd \
		--enable-modules --enable-rlookups --enable-slapi --disable-slp \
		--enable-wrappers --enable-backends=mod --disable-ndb --disable-wt \
		--enable-overlays=mod --disable-autoca --disable-balancer \
		--with-subdir=ldap --with-cyrus-sasl --without-systemd \
		--with-threads --with-tls=gnutls >configure.out 2>&1)
	make -s -C "$srcdir/include" ldap_config.h >/dev/null
	echo "$ver" > "$srcdir/.ts-configured"
fi
echo "$srcdir"
