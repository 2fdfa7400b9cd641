# export.sh - helpers for the export tests (t1xx), sourced after lib.sh
#
# db_ldif N FILE: the certificate entries of node N as checkexport.py wants
# export_equal N DIR [BUNDLE]: the files equal node N's database now
# wait_export N DIR [BUNDLE]: the same, polled for up to 15 s (the files
#   follow the database from a background task, within milliseconds)
# rehash_names DIR: the names `openssl rehash` gives the certificates of
#   DIR (copied elsewhere), one "<hash>.<n> <sha256>" per line, sorted
# our_names DIR: the same for DIR itself
CHECKEXPORT="$TOP/tests/slapd/hostile/checkexport.py"

db_ldif() {
	lsearch "$1" -b "$BASE" '(objectClass=tsCertificate)' cn \
	    'userCertificate;binary' tsSubjectHash > "$2"
}

export_equal() {
	db_ldif "$1" "$T/db.ldif" || return 1
	python3 "$CHECKEXPORT" ${_ee_quiet:+-q} "$T/db.ldif" "$2" ${3:+"$3"}
}

wait_export() {
	_we_end=$(( $(date +%s) + 15 ))
	while ! _ee_quiet=1 export_equal "$@"; do
		if [ "$(date +%s)" -ge $_we_end ]; then
			export_equal "$@"
			return 1
		fi
		sleep 0.1
	done
}

# hash.n plus the fingerprint of what it holds, so collisions compare too
_names_of() {
	for f in "$1"/*; do
		b=$(basename "$f")
		case "$b" in [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f].[0-9]*) ;; *) continue;; esac
		echo "$b $(openssl x509 -in "$f" -noout -fingerprint -sha256 | cut -d= -f2)"
	done | sort
}

our_names() { _names_of "$1"; }

rehash_names() {
	_rd="$T/rehash.$$"
	rm -rf "$_rd"; mkdir -p "$_rd"
	i=0
	for f in "$1"/*; do
		case "$(basename "$f")" in [0-9a-f]*.[0-9]*) ;; *) continue;; esac
		i=$((i + 1))
		cp "$f" "$_rd/c$i.pem"
	done
	openssl rehash "$_rd" 2>/dev/null
	rm -f "$_rd"/c*.pem.tmp
	# rehash keeps which certificate gets which n free: compare the sets
	# per hash (name and fingerprint of what it holds)
	_names_of "$_rd"
	rm -rf "$_rd"
}
