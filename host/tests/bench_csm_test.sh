#!/bin/sh
# caec bench csm --quick --json: the figures are there and plausible (every
# size timed, sharing saves memory), the table goes to stderr with --json,
# and a missing image is a usage error with the shared wording.
# usage: bench_csm_test.sh CAEC CSM_BENCH_REALM.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
mkdir -p "$work"
fail() { echo "bench_csm_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
"$caec" bench csm --quick --json --image "$image" >"$work/out.json" 2>"$work/err" || fail "bench csm --quick failed"
grep -q "sharing saves" "$work/err" || fail "no table on stderr"
/usr/bin/python3 - "$work/out.json" <<'PY' || fail "JSON figures"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["benchmark"] == "csm"
sizes = j["sizes"]
assert [s["pages"] for s in sizes] == [256, 4096], sizes
for s in sizes:
    assert s["create_ms"] > 0 and s["attach_ms"] > 0, s
    assert abs(s["create_us_per_page"] * s["pages"] / 1000 - s["create_ms"]) < 1e-3 * s["create_ms"] + 1e-6
m = j["memory"]
assert m["realms"] == 3 and m["region_bytes"] == 16 << 20
# Sharing one 16 MiB region among three realms saves about two copies of it.
assert m["private_granules"] - m["shared_granules"] >= 2 * 4096, m
assert 0 < m["saved_fraction"] < 1
PY
set +e
"$caec" bench csm --image "$work/missing.so" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "missing image exited $rc"
grep -qx "caec bench csm: --image $work/missing.so does not exist" "$work/err" || fail "missing image wording"
echo "bench_csm_test: ok"
