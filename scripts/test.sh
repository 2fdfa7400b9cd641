#!/bin/sh
# test.sh - install, build and run every test.  Prints one line per test
# and a closing "N passed, N failed" line; exits non-zero on any failure.
# TS_TESTS="t010-schema t020-decorate" runs a subset (names as in
# tests/slapd without .sh, or their number alone, "t010 t020"; test_tscert
# for a unit test); a TS_TESTS that names no test is a failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
./scripts/build.sh || { echo "build failed"; echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0 skip=0 failed="" notes=0
run() {
	name=$1; shift
	start=$(date +%s)
	out="tests/.run/logs/$name.log"
	mkdir -p "$(dirname "$out")"
	"$@" >"$out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - start ))
	# slapd 2.5.13's own shutdown race, noted by tests/slapd/lib.sh
	n=$(grep -c "^note - slapd .* ended on SIGSEGV after its shutdown began" "$out")
	notes=$((notes + n)) note=""
	[ "$n" = 0 ] || note="; noted: $n slapd crash(es) in slapd's own shutdown race"
	if [ $rc = 0 ]; then
		pass=$((pass + 1)); echo "PASS $name (${secs}s$note)"
	elif [ $rc = 77 ]; then
		skip=$((skip + 1)); echo "SKIP $name: $(tail -n 1 "$out")"
	else
		fail=$((fail + 1)); failed="$failed $name"
		echo "FAIL $name (${secs}s, exit $rc); last lines of $out:"
		tail -n 40 "$out" | sed 's/^/    /'
	fi
}

want() {
	[ -z "${TS_TESTS:-}" ] && return 0
	case " $TS_TESTS " in *" $1 "*|*" ${1%%-*} "*) return 0;; esac
	return 1
}

for t in tests/unit/*.c; do
	[ -e "$t" ] || continue
	b=${t%.c}; n=unit/$(basename "$b")
	want "$(basename "$b")" && run "$n" "./$b"
done
for t in tests/slapd/t[0-9]*.sh tests/fuzz/t[0-9]*.sh bench/t[0-9]*.sh; do
	[ -e "$t" ] || continue
	n=$(basename "$t" .sh)
	want "$n" && run "$(dirname "$t" | sed 's|^tests/||')/$n" sh "$t"
done

if [ -n "${TS_TESTS:-}" ] && [ $((pass + fail + skip)) = 0 ]; then
	fail=1; failed=" (none)"
	echo "FAIL: TS_TESTS=\"$TS_TESTS\" names no test"
fi
[ -n "$failed" ] && echo "failed:$failed"
[ $notes = 0 ] || echo "noted: $notes slapd crash(es) at shutdown, slapd 2.5.13's own race (docs/hardening.md)"
echo "$pass passed, $fail failed, $skip skipped"
[ $fail = 0 ]
