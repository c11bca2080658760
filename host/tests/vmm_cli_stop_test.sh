#!/bin/sh
# caec realm run on a realm that never turns itself off: --timeout and
# SIGINT/SIGTERM stop it within a bound, exit status 1 (timeout), 130 (SIGINT)
# or 143 (SIGTERM) with one clear line,
# the teardown still runs (no leaked granules in --json) and --help says so.
# usage: vmm_cli_stop_test.sh CAEC REALM_SPIN.so WORKDIR
set -eu
caec=$1
spin=$2
work=$3
mkdir -p "$work"
fail() { echo "vmm_cli_stop_test: $*" >&2; [ ! -f "$work/err.txt" ] || cat "$work/err.txt" >&2; exit 1; }
# Lines on stderr besides the random nonce's (text mode prints it first).
err_lines() { grep -vc "^caec realm run: nonce (chosen at random" "$work/err.txt" || true; }

"$caec" realm run --help >"$work/help.txt"
grep -q -- "--timeout SECONDS" "$work/help.txt" || fail "run --help does not document --timeout"
grep -q "SIGINT" "$work/help.txt" || fail "run --help does not say what Ctrl-C does"
for bad in 0 -1 abc 1.2345 1. 86401; do
	set +e
	"$caec" realm run "$spin" --timeout "$bad" >/dev/null 2>"$work/err.txt"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "--timeout $bad exited $rc, expected 2"
	grep -q -- "--timeout" "$work/err.txt" || fail "--timeout $bad: no message"
done

# The deadline: exit 1, the promised line, well within a bound.
start=$(date +%s)
set +e
"$caec" realm run "$spin" --timeout 1 --vcpus 2 >"$work/out.txt" 2>"$work/err.txt"
rc=$?
set -e
took=$(($(date +%s) - start))
[ "$rc" = 1 ] || fail "--timeout 1 exited $rc, expected 1"
grep -q "spin: 2 vCPUs spinning" "$work/out.txt" || fail "--timeout 1: the realm never ran"
grep -qx "caec realm run: the realm did not turn itself off within 1 s; stopped and torn down" \
	"$work/err.txt" || fail "--timeout 1: message"
[ "$(err_lines)" = 1 ] || fail "--timeout 1: more than one line on stderr"
grep -q "^caec realm run: nonce (chosen at random; --nonce sets it): [0-9a-f]\{128\}$" "$work/err.txt" ||
	fail "--timeout 1: the random nonce is not printed"
[ "$took" -le 10 ] || fail "--timeout 1 took ${took}s"

"$caec" realm run "$spin" --timeout 0.5 --json >"$work/run.json" 2>"$work/err.txt" && fail "--json timeout exited 0"
python3 - "$work/run.json" <<'PY' || fail "--json after a timeout"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["stop"] == "timeout", j["stop"]
assert j["leaked_granules"] is False
assert j["exit_status"] is None and j["exits"]["irq"] >= 1
assert "within 0.5 s" in j["error"], j.get("error")
assert j["nonce_random"] is True and len(j["nonce"]) == 128
PY

# A signal: sent once the realm spins; the run ends within a bound.
# wait_spinning OUT: waits (up to 20 s) for the realm's "spinning" line.
wait_spinning() {
	i=0
	while ! grep -q "spinning" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ "$i" -le 200 ] || fail "the realm never started spinning"
		sleep 0.1
	done
}
# stop_with SIGNAL NAME CONSOLE ARGS...: runs caec in the background, signals
# it once the realm spins (its console is in CONSOLE: out.txt, or err.txt with
# --json), checks the exit status, the message and the time it took.
stop_with() {
	sig=$1
	name=$2
	console=$3
	shift 3
	rm -f "$work/out.txt" "$work/err.txt"
	"$caec" realm run "$spin" "$@" >"$work/out.txt" 2>"$work/err.txt" &
	pid=$!
	wait_spinning "$work/$console"
	start=$(date +%s)
	kill -s "$sig" "$pid"
	set +e
	wait "$pid"
	rc=$?
	set -e
	took=$(($(date +%s) - start))
	want=130
	[ "$sig" = TERM ] && want=143
	[ "$rc" = "$want" ] || fail "SIG$sig: exited $rc, expected $want"
	grep -qx "caec realm run: interrupted by $name; the realm was stopped and torn down" "$work/err.txt" ||
		fail "SIG$sig: message"
	[ "$took" -le 5 ] || fail "SIG$sig: took ${took}s to stop"
}
stop_with INT SIGINT out.txt
[ "$(err_lines)" = 1 ] || fail "SIGINT: more than one line on stderr"
stop_with TERM SIGTERM out.txt --vcpus 2 --timeout 600
stop_with INT SIGINT err.txt --vcpus 3 --json
python3 - "$work/out.txt" <<'PY' || fail "--json after SIGINT"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["stop"] == "interrupted", j["stop"]
assert j["leaked_granules"] is False
PY
# Two signals at once: the second kills caec without teardown (status 130),
# and so does one handled as usual (both arrived before the first was handled).
rm -f "$work/out.txt"
"$caec" realm run "$spin" --vcpus 2 >"$work/out.txt" 2>"$work/err.txt" &
pid=$!
wait_spinning "$work/out.txt"
kill -s INT "$pid"
kill -s INT "$pid"
set +e
wait "$pid"
rc=$?
set -e
[ "$rc" = 130 ] || fail "two SIGINTs: exited $rc, expected 130"
echo "vmm_cli_stop_test: ok"
