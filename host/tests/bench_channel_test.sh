#!/bin/sh
# caec bench channel --quick --json --plot: every mode and size measured,
# figures plausible and consistent, the plot drawn; zero-copy runs; bad
# options are usage errors.
# usage: bench_channel_test.sh CAEC CHAN_BENCH_REALM.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
mkdir -p "$work"
rm -f "$work/chan.png"
fail() { echo "bench_channel_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
"$caec" bench channel --quick --json --image "$image" --plot "$work/chan.png" >"$work/out.json" 2>"$work/err" ||
	fail "bench channel --quick failed"
grep -q "rtt_med_ns" "$work/err" || fail "no table on stderr"
grep -q "caec bench channel: 65536 bytes (3 of 3)" "$work/err" || fail "no progress on stderr"
[ -s "$work/chan.png" ] || fail "no plot"
head -c 8 "$work/chan.png" | od -An -c | grep -q 'P   N   G' || fail "the plot is not a PNG"
/usr/bin/python3 - "$work/out.json" <<'PY' || fail "JSON figures"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["benchmark"] == "channel" and j["api"] == "copy" and j["iters"] == 200
res = j["results"]
assert sorted({(r["mode"], r["size"]) for r in res}) == sorted(
    (m, s) for m in ("raw", "csm", "ns-plain", "aes-gcm", "chacha") for s in (64, 4096, 65536)), res
for r in res:
    assert 0 < r["rtt_ns_median"] <= r["rtt_ns_p95"], r
    assert 0 < r["oneway_ns_median"] < r["rtt_ns_p95"], r
    assert r["cycles_per_msg"] > 0 and r["mb_per_s"] > 0, r
    assert 0 < r["rtt_cycles_median"] <= r["rtt_cycles_p95"], r
    assert 0 < r["oneway_cycles_median"] <= r["oneway_cycles_p95"], r
assert set(j["memcpy_mb_per_s"]) == {"64", "4096", "65536"}
assert all(v > 0 for v in j["memcpy_mb_per_s"].values())
assert j["pinned"] is (len(__import__("os").sched_getaffinity(0)) >= 2), j["pinned"]
PY
"$caec" bench channel --sizes 4096 --iters 100 --warmup 10 --modes raw --api zerocopy --no-pin --json \
	>"$work/zc.json" 2>"$work/err" || fail "zero-copy run failed"
/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["api"]=="zerocopy" and len(j["results"])==1 and j["pinned"] is False' \
	"$work/zc.json" || fail "zero-copy JSON"
grep -q "not pinned (--no-pin)" "$work/err" || fail "--no-pin not reported"
# One CPU: nothing to pin to, and the run says so.
if command -v taskset >/dev/null; then
	taskset -c 0 "$caec" bench channel --sizes 64 --iters 50 --warmup 5 --modes raw --json >"$work/one.json" 2>"$work/err" ||
		fail "a run on one CPU failed"
	grep -q "not pinned (fewer than two CPUs)" "$work/err" || fail "one CPU not reported"
fi
expect_usage() { # args...; the last line of stderr must contain $want
	set +e
	"$caec" bench channel "$@" 2>"$work/err" >/dev/null
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "'$*' exited $rc"
	grep -q -- "$want" "$work/err" || fail "'$*': wording"
}
want="is not a list of modes from raw,csm,ns-plain" expect_usage --modes bogus
want="is not 1..100000" expect_usage --iters 0
want="is not copy or zerocopy" expect_usage --api none
want="8..1M" expect_usage --sizes 4
want="does not exist" expect_usage --image "$work/missing.so"
"$caec" bench channel --help | grep -q -- "--modes LIST" || fail "--help"
echo "bench_channel_test: ok"
