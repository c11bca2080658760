# What the CLI tests share (sourced, POSIX sh). Before sourcing set:
#   test_name  the prefix of failure messages
#   work       a directory for the last command's output ($work/out, $work/err)
#   caec       the caec binary (for run)
# expect STATUS CMD...  runs CMD, stdout in $work/out, stderr in $work/err, and
#                       fails unless it exited STATUS; counts $checks.
# run STATUS ARGS...    expect STATUS "$caec" ARGS...
# has out|err TEXT, out_has TEXT, err_has TEXT   the output contains TEXT.
# one_line [TEXT]       stderr is exactly one line (containing TEXT).
# json_ok PY            Python statements on d (= j), the JSON on stdout.
# json PY_EXPR          the expression on j holds.
checks=0

fail() {
	echo "$test_name: FAIL: $*" >&2
	if [ -s "$work/err" ]; then
		echo "$test_name: stderr of the last command:" >&2
		cat "$work/err" >&2
	fi
	exit 1
}

expect() {
	want=$1
	shift
	"$@" >"$work/out" 2>"$work/err" && got=0 || got=$?
	[ "$got" -eq "$want" ] || fail "exit $got, want $want: $*"
	checks=$((checks + 1))
}

run() {
	want=$1
	shift
	expect "$want" "$caec" "$@"
}

has() { grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2': $(cat "$work/$1")"; }
out_has() { has out "$1"; }
err_has() { has err "$1"; }

one_line() {
	[ "$(wc -l <"$work/err")" -eq 1 ] || fail "stderr is not one line"
	[ $# -eq 0 ] || has err "$1"
}

json_ok() {
	/usr/bin/python3 -c 'import json,sys
d = j = json.load(open(sys.argv[1]))
exec(sys.argv[2])' "$work/out" "$1" || fail "JSON check '$1': $(cat "$work/out")"
}

json() { json_ok "assert ($1), j"; }
