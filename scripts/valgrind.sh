#!/bin/sh
# valgrind.sh [TEST...] - slapd integration tests with slapd under memcheck
#
# Uses an ordinary (not sanitized) build (TS_BUILD, default /tmp/build-vg,
# configured if missing) and runs the named tests (default: t700, the
# hostile-input suite, which drives every refusal path plus adds, modifies
# and the size policy) with slapd started through valgrind.  Each slapd
# process writes its own log; errors and definite leaks count as ours
# when a frame of the report is in truststore.so or our sources.  Exit 0
# when the tests pass and no error or definite leak is ours.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
B=${TS_BUILD:-/tmp/build-vg}
SRC=${TS_OPENLDAP_SRC:-/var/cache/ldap-truststore/openldap-2.5.13+dfsg}
LOGS="$B/vg-logs"
[ $# -gt 0 ] || set -- t700

command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind not installed"; exit 77; }
mkdir -p "$B"
cd "$B" || exit 1
if [ ! -f Makefile ]; then
	"$top/configure" -q --with-openldap-src="$SRC" || { echo "configure failed"; exit 1; }
fi
make -s || { echo "valgrind.sh: build failed"; exit 1; }

rm -rf "$LOGS"
mkdir -p "$LOGS"
# slapd tool modes (slapadd, slapcat) stay native: they are short-lived and
# the server is what runs for months.  asan-exit.so keeps modules mapped at
# shutdown (slapd unloads them: the frames of an unloaded module show as
# ??? and cannot be attributed) and skips library destructors at exit.
${CC:-cc} -shared -fPIC -O2 -o "$B/asan-exit.so" "$top/scripts/asan-exit.c" ||
	{ echo "valgrind.sh: building asan-exit.so failed"; exit 1; }
cat > "$B/vg-slapd" <<EOF
#!/bin/sh
LD_PRELOAD=$B/asan-exit.so exec valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite \\
    --errors-for-leak-kinds=definite --num-callers=40 --track-origins=no \\
    --log-file=$LOGS/vg.%p /usr/sbin/slapd "\$@"
EOF
chmod +x "$B/vg-slapd"
export TS_BUILD="$B" SLAPD="$B/vg-slapd" TS_SLOW=${TS_SLOW:-10}

cd "$top" || exit 1
pass=0 fail=0
for want in "$@"; do
	for t in tests/slapd/$want*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		if sh "$t" > "$LOGS/$n.log" 2>&1; then
			pass=$((pass + 1)); echo "PASS $n (under valgrind)"
		else
			fail=$((fail + 1)); echo "FAIL $n (under valgrind)"
			tail -n 15 "$LOGS/$n.log" | sed 's/^/    /'
		fi
	done
done

python3 - "$LOGS" <<'EOF'
import glob, re, sys
ours = re.compile(r'truststore\.so|/(lib|overlay)/[A-Za-z_0-9]+\.c|\((ts|truststore)[a-z_0-9]*\.c:')
n_err = n_err_ours = n_def = n_def_ours = 0
bytes_def_ours = 0
shown = []
procs = 0
for path in sorted(glob.glob(sys.argv[1] + '/vg.*')):
	text = open(path, errors='replace').read()
	procs += 1
	if 'ERROR SUMMARY' not in text:
		print('%s: no ERROR SUMMARY (slapd killed before valgrind finished?)' % path)
		n_err += 1
	# one report = the lines from a "==pid== <headline>" to the next blank report line
	for block in re.split(r'\n==\d+== \n', text):
		head = block.strip().split('\n')[0]
		if 'definitely lost in loss record' in block:
			n_def += 1
			if ours.search(block):
				n_def_ours += 1
				m = re.search(r'([\d,]+) bytes', block)
				bytes_def_ours += int(m.group(1).replace(',', '')) if m else 0
				shown.append(block)
		elif re.search(r'Invalid (read|write|free)|uninitialised|Mismatched free|'
			       r'overlap|Syscall param|Argument .* of function', block):
			n_err += 1
			if ours.search(block):
				n_err_ours += 1
				shown.append(block)
print('valgrind: %d slapd processes; %d errors (%d ours), %d definite leaks '
      '(%d ours, %d bytes)' % (procs, n_err, n_err_ours, n_def, n_def_ours, bytes_def_ours))
for b in shown[:5]:
	print('----\n' + b[:3000])
sys.exit(1 if n_err_ours or n_def_ours or not procs else 0)
EOF
judged=$?
echo "$pass passed, $fail failed; logs in $LOGS"
[ $fail = 0 ] && [ $judged = 0 ]
