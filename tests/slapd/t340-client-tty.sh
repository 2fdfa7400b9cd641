#!/bin/sh
# t340-client-tty.sh - what ldaptrust does on a terminal: aligned table with
# a header, progress bar for bulk imports, delete shows and asks, -W prompts.
# The terminal is script(1)'s pseudo-terminal; answers are fed to it.
. "$(dirname "$0")/lib.sh"
ts_init
[ -x "$LDAPTRUST" ] || { echo "skip: no $LDAPTRUST"; exit 77; }
command -v script >/dev/null || { echo "skip: no script(1)"; exit 77; }

node_conf 1
node_start 1
add_base 1

LT="$LDAPTRUST -x -H $(uri 1) -D $ROOTDN -w $ROOTPW -b $BASE"
contains() { printf '%s' "$2" | grep -qF -- "$1"; }
# on_tty ANSWERS CMD: run CMD on a pseudo-terminal, typing ANSWERS
on_tty() { printf "$1" | script -qec "$2" /dev/null | tr -d '\r'; }
count() { lsearch 1 -b "$BASE" -s one '(objectClass=tsCertificate)' 1.1 | grep -c '^dn:'; }
C=$T/certs
mkcert alpha
mkcert "a much longer alias"
cat "$C/alpha.pem" "$C/a much longer alias.pem" > "$C/both.pem"
$LT import --all b "$C/both.pem" </dev/null >/dev/null || die "import"

out=$(on_tty '' "stty cols 200; $LT list")
check "table header on a terminal" contains "ALIAS  SUBJECT" "$out"
check "columns aligned" test "$(printf '%s\n' "$out" | awk 'NR > 1 { print index($0, "CN=") }' | sort -u | wc -l)" = 1
out=$(on_tty '' "stty cols 70; $LT list")
check "table fitted to a narrow terminal" test "$(printf '%s\n' "$out" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 70
check "cut cells end in ..." contains "..." "$out"

# a CJK subject takes two columns a character: the columns after it stay
# in line on the screen (code points were counted: two places short)
mkcert wide -utf8 -subj "/CN=日本語の名前"
$LT import wide "$C/wide.pem" </dev/null >/dev/null || die "import wide"
# screen_cols: the screen column where each line's EXPIRES date begins
screen_cols() {
	python3 -c 'import re, sys, unicodedata
for l in sys.stdin.read().splitlines()[1:]:
    m = re.search(r"\d{4}-\d\d-\d\d", l)
    print(sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l[:m.start()]))'
}
out=$(on_tty '' "stty cols 200; $LT list")
check "wide characters: dates in one screen column" test \
	"$(printf '%s\n' "$out" | screen_cols | sort -u | wc -l)" = 1
out=$(on_tty '' "stty cols 60; $LT list")
check "wide characters: cut cells in line too" test \
	"$(printf '%s\n' "$out" | screen_cols | sort -u | wc -l)" = 1
$LT delete --yes wide </dev/null >/dev/null || die "delete wide"

mkdir -p "$T/split"
awk -v d="$T/split" '/BEGIN CERT/{n++} n<=30 && n{print > (d "/" n ".pem")}' /etc/ssl/certs/ca-certificates.crt
cat "$T"/split/*.pem > "$T/bundle.pem"
out=$(on_tty '' "$LT import --all ca $T/bundle.pem")
check "progress bar on a terminal" contains "30/30 100%" "$out"
check "summary after the bar" contains "30 certificates:" "$out"
out=$($LT import --all ca "$T/bundle.pem" 2>&1 </dev/null)
check "no progress bar off a terminal" test "$(printf '%s' "$out" | grep -c '%')" = 0

n=$(count)
out=$(on_tty 'n\n' "$LT delete b")
check "delete shows what" contains '"b": CN=alpha' "$out"
check "delete asks" contains "Delete 1 certificate from $BASE? [y/N]" "$out"
check "'n' keeps it" test "$(count)" = "$n"
out=$(on_tty 'y\n' "$LT delete b")
check "'y' deletes it" contains 'deleted "b"' "$out"
check "one fewer" test "$(count)" = $((n - 1))

# -W: type the password only once the prompt is there (typeahead is
# flushed, as getpass(3) does)
mkfifo "$T/keys"
script -qec "$LDAPTRUST -x -H $(uri 1) -D $ROOTDN -W -b $BASE list" /dev/null \
    < "$T/keys" > "$T/w.out" 2>&1 &
wpid=$!
exec 3> "$T/keys"
i=0
while ! grep -q "Enter LDAP Password:" "$T/w.out" && [ $i -lt 300 ]; do
	sleep 0.1; i=$((i + 1))
done
printf '%s\n' "$ROOTPW" >&3
wait $wpid
exec 3>&-
out=$(tr -d '\r' < "$T/w.out")
check "-W prompts" contains "Enter LDAP Password:" "$out"
check "-W password works" contains "a much longer alias" "$out"
check "-W does not echo" test "$(printf '%s' "$out" | grep -c "$ROOTPW")" = 0
