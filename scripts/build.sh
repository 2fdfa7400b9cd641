#!/bin/sh
# build.sh - install dependencies (scripts/deps.sh), configure and build.
# Extra arguments go to configure (for example --enable-sanitizers).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
# node.sh and test.sh may be started together (README): the second waits
# here, else both ran autoreconf, configure and make in the same tree at
# once, and one of them failed ("no makefile found") or built from a
# half-written Makefile
exec 8>"$top/.build.lock"
flock 8
olsrc=$(./scripts/deps.sh | tail -n 1)
stamp="--with-openldap-src=$olsrc $*"
if [ ! -f configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi >/dev/null
fi
if [ ! -f Makefile ] || [ Makefile.in -nt Makefile ] || [ configure -nt Makefile ] ||
    [ "$(cat .configured 2>/dev/null)" != "$stamp" ]; then
	CFLAGS=${CFLAGS:--O2 -g} ./configure -q $stamp
	echo "$stamp" > .configured
fi
make -s -j"$(nproc)"
