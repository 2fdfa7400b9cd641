#!/bin/sh
# sanitize.sh [TEST...] - the unit and slapd integration tests under
# AddressSanitizer + UndefinedBehaviorSanitizer
#
# Builds out of tree (TS_SAN_BUILD, default /tmp/build-asan) with
# --enable-sanitizers, runs every unit test, then the slapd tests (all of
# tests/slapd/t*.sh, or the ones named: "t010 t700") with the ASan runtime
# preloaded into Debian's slapd and its tool modes (slapadd, slapcat, ...)
# through wrapper scripts.  slapd, libldap and GnuTLS are not built with
# ASan and leak at exit on their own: only reports with a frame in our code
# (truststore.so, ldaptrust, lib/, overlay/, client/) count.  Exit status:
# 0 when every test passed and no report of ours was found.
#
#   scripts/sanitize.sh                 everything (slow: ASan costs 2-3x)
#   scripts/sanitize.sh t010 t700       a subset
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${TS_SAN_BUILD:-/tmp/build-asan}
SRC=${TS_OPENLDAP_SRC:-/var/cache/ldap-truststore/openldap-2.5.13+dfsg}
# TS_SAN_TREE: configure from another source tree (a patched copy)
TREE=${TS_SAN_TREE:-$top}
LOGS="$B/san-logs"

mkdir -p "$B"
cd "$B" || exit 1
if [ ! -f Makefile ]; then
	"$TREE/configure" -q --enable-sanitizers --with-openldap-src="$SRC" ||
		{ echo "sanitize: configure failed"; exit 1; }
fi
make -s || { echo "sanitize: build failed"; exit 1; }

# the runtimes the module was linked against, preloaded into slapd
asan=$(ldd overlay/truststore.so | awk '/libasan/ { print $3 }')
ubsan=$(ldd overlay/truststore.so | awk '/libubsan/ { print $3 }')
[ -n "$asan" ] || { echo "sanitize: truststore.so is not built with ASan"; exit 1; }
W="$B/sanbin"
mkdir -p "$W"
# leak check and exit without library destructors (see asan-exit.c)
${CC:-cc} -shared -fPIC -O2 -o "$W/asan-exit.so" "$top/scripts/asan-exit.c" ||
	{ echo "sanitize: building asan-exit.so failed"; exit 1; }
for t in slapd slapadd slapcat slaptest slapindex slapmodify slapschema slapacl slapauth slapdn slappasswd; do
	cat > "$W/$t" <<EOF
#!/bin/sh
LD_PRELOAD="$asan${ubsan:+ $ubsan} $W/asan-exit.so" exec /usr/sbin/$t "\$@"
EOF
	chmod +x "$W/$t"
done

rm -rf "$LOGS"
mkdir -p "$LOGS"
# abort on the first memory error (the test then fails); leaks only at
# exit, reported to files and judged below (exitcode=0: slapd's own leaks
# must not fail slapadd/slapcat calls inside the tests).  Full unwinding
# because slapd and its libraries have no frame pointers.  handle_segv=0:
# a SIGSEGV stays a SIGSEGV, not ASan's report and abort (SIGABRT), so
# that the harness tells slapd 2.5.13's own shutdown race (a SIGSEGV,
# tests/slapd/lib.sh) from other crashes as it does without ASan; a
# wild pointer's SIGSEGV still fails its test, without ASan's trace.
export ASAN_OPTIONS="abort_on_error=1:exitcode=0:detect_leaks=1:log_path=$LOGS/asan:fast_unwind_on_malloc=0:malloc_context_size=30:detect_odr_violation=0:handle_segv=0"
export LSAN_OPTIONS="exitcode=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$LOGS/ubsan"
# ASan start-up and the leak check at exit are slow: longer waits
export TS_BUILD="$B" SLAPD="$W/slapd" PATH="$W:$PATH" TS_SLOW=${TS_SLOW:-3}

pass=0 fail=0 failed=""
run() {
	name=$1; shift
	out="$LOGS/$(echo "$name" | tr / _).log"
	"$@" > "$out" 2>&1
	rc=$?
	# slapd's stderr (UBSan may print there) is in the test's node logs
	for l in tests/.run/"${name#*/}"*/n*.log; do
		[ -f "$l" ] && grep -q 'runtime error:\|ERROR: AddressSanitizer' "$l" &&
			cp "$l" "$LOGS/ubsan.$(echo "$name" | tr / _).$(basename "$l")"
	done
	if [ $rc = 0 ]; then pass=$((pass + 1)); echo "PASS $name"
	elif [ $rc = 77 ]; then echo "SKIP $name"
	else fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc)"
		tail -n 15 "$out" | sed 's/^/    /'
	fi
}
# want NAME [WANTED...]: no test named means every test
want() { _n=$1; shift; [ $# -eq 0 ] && return 0; for w in "$@"; do [ "$w" = "$_n" ] && return 0; done; return 1; }

cd "$top" || exit 1
for u in "$B"/tests/unit/*; do
	[ -x "$u" ] && [ -f "$u" ] || continue
	want "$(basename "$u")" "$@" && run "unit/$(basename "$u")" "$u"
done
for t in tests/slapd/t[0-9]*.sh; do
	n=$(basename "$t" .sh)
	want "${n%%-*}" "$@" || want "$n" "$@" || continue
	run "slapd/$n" sh "$t"
done

# judge the reports: a report is ours when one of its frames is ours
python3 - "$LOGS" <<'EOF'
import glob, re, sys
ours = re.compile(r'truststore\.so|/ldaptrust|/(lib|overlay|client|tests/unit)/[A-Za-z_0-9]+\.c')
errors, leaks_ours, leaks_other, bytes_ours = [], [], 0, 0
for path in sorted(glob.glob(sys.argv[1] + '/asan.*') + glob.glob(sys.argv[1] + '/ubsan.*')):
	text = open(path, errors='replace').read()
	for m in re.finditer(r'^==\d+==ERROR: (?!LeakSanitizer).*?(?=^==\d+==ABORTING|\Z)', text, re.S | re.M):
		errors.append((path, m.group(0)[:3000]))
	for m in re.finditer(r'runtime error:.*?(?=\n\n|\Z)', text, re.S):
		errors.append((path, m.group(0)[:3000]))
	for m in re.finditer(r'^(Direct|Indirect) leak of (\d+) byte.*?(?=\n\n)', text, re.S | re.M):
		# a TLS context rebuilt by ts_tls.c belongs to the backend's
		# bindconf from then on: stock back-meta never frees its targets'
		# bindconfs at exit (docs/hardening.md), the others do
		if ours.search(m.group(0)) and 'bindconf_tls_set' not in m.group(0):
			leaks_ours.append((path, m.group(1), m.group(0)[:3000]))
			bytes_ours += int(m.group(2))
		else:
			leaks_other += 1
direct = [l for l in leaks_ours if l[1] == 'Direct']
print('sanitizer reports: %d errors, %d direct and %d indirect leaks in our code '
      '(%d bytes), %d leak reports elsewhere (slapd, libldap, GnuTLS: not ours)'
      % (len(errors), len(direct), len(leaks_ours) - len(direct), bytes_ours, leaks_other))
for path, text in errors[:5]:
	print('---- ' + path + '\n' + text)
for path, kind, text in leaks_ours[:5]:
	print('---- ' + path + '\n' + text)
sys.exit(1 if errors or direct else 0)
EOF
judged=$?
echo "$pass passed, $fail failed${failed:+ (failed:$failed)}; logs in $LOGS"
[ $fail = 0 ] && [ $judged = 0 ]
