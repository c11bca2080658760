#!/bin/sh
# The rules every caec subcommand follows (README "Command-line conventions"):
# --version, help COMMAND, did-you-mean, --opt=value, "--", "unknown option",
# the exit codes, files checked before any work with the same wording, --json
# with "error" on failure, and the realm's exit status kept apart from caec's.
# usage: cli_conventions_test.sh CAEC HELLO.so EXIT7.so SPIN.so WORKDIR
set -eu
caec=$1
hello=$2
exit7=$3
spin=$4
work=$5
rm -rf "$work"
mkdir -p "$work"
fail() { echo "cli_conventions_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
# run EXPECTED_STATUS ARGS...: runs caec, stdout in $work/out, stderr in $work/err.
run() {
	want=$1
	shift
	set +e
	"$caec" "$@" >"$work/out" 2>"$work/err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "caec $* exited $rc, expected $want"
}
# err_is TEXT: stderr is exactly that one line.
err_is() {
	[ "$(cat "$work/err")" = "$1" ] || fail "expected on stderr: '$1'"
}

# Version and help.
run 0 --version
grep -Eqx "caec [0-9]+\.[0-9]+\.[0-9]+" "$work/out" || fail "--version: $(cat "$work/out")"
run 0 version
run 0 help realm run
grep -q -- "--exit-status" "$work/out" || fail "help realm run is not realm run --help"
run 0 help attest
grep -q "verify" "$work/out" || fail "help attest"
run 0 --help
grep -q "Exit status: 0 success; 1 the operation failed; 2 usage" "$work/out" || fail "--help: exit codes"
for sub in "realm run" "realm measure" "attest verify" "attest show" "llm run" "bench llm" "bench csm" "demo csm"; do
	# shellcheck disable=SC2086
	"$caec" $sub --help | grep -q "^Exit status: 0 success; 1 the operation failed; 2 usage" ||
		fail "$sub --help does not give the exit codes"
done

# Did you mean.
run 2 raelm run "$hello"
err_is "caec: unknown command 'raelm' (did you mean 'realm'?)"
run 2 realm mesure "$hello"
err_is "caec realm: unknown subcommand 'mesure' (did you mean 'measure'?)"
run 2 realm measure "$hello" --hsah sha512
err_is "caec realm measure: unknown option '--hsah' (did you mean '--hash'?)"
run 2 help nosuch
err_is "caec: unknown command 'nosuch' (try 'caec --help')"
# An unknown option last on the line is unknown, not short of a value.
run 2 realm measure "$hello" --bogus
err_is "caec realm measure: unknown option '--bogus' (try 'caec realm measure --help')"
run 2 realm measure "$hello" --hash
err_is "caec realm measure: --hash needs a value (try 'caec realm measure --help')"
run 2 realm measure "$hello" --json=yes
err_is "caec realm measure: --json takes no value"

# --opt=value is --opt value; "--" ends the options.
rim512=$("$caec" realm measure "$hello" --hash sha512)
run 0 realm measure "$hello" --hash=sha512
[ "$(cat "$work/out")" = "$rim512" ] || fail "--hash=sha512 differs from --hash sha512"
cp "$hello" "$work/-hello.so"
(cd "$work" && "$caec" realm measure --hash sha512 -- -hello.so) >"$work/out" || fail "-- did not end the options"
[ "$(cat "$work/out")" = "$rim512" ] || fail "measure -- -hello.so"

# Inputs: the same wording for a missing file, a directory and an empty file.
run 2 realm measure "$work/missing.so"
err_is "caec realm measure: IMAGE $work/missing.so does not exist"
run 2 realm run "$work"
err_is "caec realm run: IMAGE $work is a directory"
: >"$work/empty.so"
run 2 realm run "$work/empty.so"
err_is "caec realm run: IMAGE $work/empty.so is empty"
run 2 attest show "$work"
err_is "caec attest show: TOKEN $work is a directory"
run 2 attest verify "$work/missing.cbor"
err_is "caec attest verify: TOKEN $work/missing.cbor does not exist"
run 2 attest verify "$work/empty.so"
err_is "caec attest verify: TOKEN $work/empty.so is empty"

# Outputs are checked before the realm runs: nothing on stdout, no console.
run 2 realm run "$hello" --token-out "$work"
err_is "caec realm run: --token-out $work is a directory"
[ ! -s "$work/out" ] || fail "the realm ran although --token-out was a directory"
run 2 realm run "$hello" --key-out "$work/nosuch/key.pem"
err_is "caec realm run: --key-out $work/nosuch/key.pem: folder $work/nosuch does not exist"
[ ! -s "$work/out" ] || fail "the realm ran although --key-out's folder is missing"
run 2 realm run "$hello" --cpak "$work/missing.pem"
err_is "caec realm run: --cpak $work/missing.pem does not exist"

# Too little RAM to boot is said before anything is built.
run 2 realm run "$hello" --mem 64K
err_is "caec realm run: --mem 64K is too small to boot a realm: at least 128 KiB (the SDK's 64 KiB boot stack and its heap)"
run 2 realm measure "$hello" --mem=100K
grep -q "too small to boot" "$work/err" || fail "measure --mem 100K"

# --json on failure: the result object with "error".
run 2 realm measure "$work/empty.so" --json
/usr/bin/python3 - "$work/out" <<'PY' || fail "measure --json on failure"
import json, sys
j = json.load(open(sys.argv[1]))
assert "is empty" in j["error"], j
PY
run 1 realm run "$spin" --json --timeout 0.2 --nonce 0xabab
/usr/bin/python3 - "$work/out" <<'PY' || fail "run --json on failure"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["stop"] == "timeout" and "did not turn itself off" in j["error"], j
assert j["nonce"] == "abab" + "00" * 62 and j["nonce_random"] is False, j["nonce"]
PY

# The realm's exit status is reported, and is caec's only with --exit-status.
run 0 realm run "$exit7"
grep -q "exit-status: returning 7" "$work/out" || fail "the realm did not run"
grep -q "caec realm run: the realm exited with status 7" "$work/err" || fail "status 7 not reported"
run 0 realm run "$exit7" --json
/usr/bin/python3 - "$work/out" <<'PY' || fail "run --json exit_status"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["exit_status"] == 7 and j["stop"] == "system_off" and "error" not in j, j
PY
run 7 realm run "$exit7" --exit-status
run 0 realm run "$hello" --exit-status
echo "cli_conventions_test: ok"
