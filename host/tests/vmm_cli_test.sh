#!/bin/sh
# caec realm: usage errors exit 2 with one line, measure --json has the log
# the issue describes, and run agrees with measure for non-default options
# (--num-bps/--num-wps included).
# usage: vmm_cli_test.sh CAEC IMAGE.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
mkdir -p "$work"
fail() { echo "vmm_cli_test: $*" >&2; exit 1; }
expect_usage() {
	set +e
	"$caec" "$@" >/dev/null 2>"$work/err.txt"
	rc=$?
	set -e
	[ "$rc" = 2 ] || fail "caec $* exited $rc, expected 2"
	[ "$(wc -l <"$work/err.txt")" -ge 1 ] || fail "caec $*: no message"
}

"$caec" realm --help | grep -q measure || fail "realm --help"
"$caec" realm run --help | grep -q -- --nonce || fail "realm run --help"
"$caec" realm measure --help | grep -q -- --json || fail "realm measure --help"
for sub in run measure; do
	for o in --num-bps --num-wps; do
		"$caec" realm $sub --help | grep -q -- "$o N" || fail "realm $sub --help: $o"
	done
done
expect_usage realm
expect_usage realm nosuch
expect_usage realm measure
expect_usage realm measure "$image" --mem 12Q
expect_usage realm measure "$image" --vcpus 0
expect_usage realm measure "$image" --hash md5
expect_usage realm measure "$image" --rpv 123
expect_usage realm measure "$image" --ipa-bits 60
expect_usage realm measure "$image" --nonce 00
expect_usage realm measure "$image" --mem 4097
expect_usage realm measure "$image" --num-bps 64
expect_usage realm measure "$image" --num-wps x
expect_usage realm measure "$image" --num-bps
expect_usage realm run "$image" --num-wps -1
expect_usage realm run "$image" --nonce zz
expect_usage realm run "$work/missing.so"
# DRAM: a bad --dram, and --mem checked against it before anything is built.
expect_usage realm run "$image" --dram 3K
expect_usage realm run "$image" --dram 2T
expect_usage realm run "$image" --mem 1G --dram 1G
grep -q "needs at least .* MiB of DRAM" "$work/err.txt" || fail "--mem over --dram: $(cat "$work/err.txt")"
[ "$(wc -l <"$work/err.txt")" = 1 ] || fail "--mem over --dram: more than one line"
expect_usage realm measure "$image" --dram 1G
# IPA widths the machine cannot reserve a window for are refused up front.
for bits in 47 48; do
	expect_usage realm run "$image" --ipa-bits $bits
	grep -q "at most 46 IPA bits" "$work/err.txt" || fail "--ipa-bits $bits: $(cat "$work/err.txt")"
done
"$caec" realm measure "$image" --ipa-bits 48 >/dev/null || fail "measure --ipa-bits 48"
"$caec" realm run "$image" --ipa-bits 32 >/dev/null 2>&1 || fail "run --ipa-bits 32"
"$caec" realm run "$image" --mem 2M --dram 64M >/dev/null 2>&1 || fail "run with a small --dram"
printf 'not an elf' >"$work/bad.so"
expect_usage realm measure "$work/bad.so"

"$caec" realm measure "$image" --json --mem 2M --hash sha512 >"$work/measure.json"
python3 - "$work/measure.json" <<'PY' || fail "measure --json log"
import json, sys
m = json.load(open(sys.argv[1]))
log = m["log"]
assert m["hash_algo"] == "sha512" and len(m["rim"]) == 128
assert log[0]["type"] == "realm"
for k in ("flags", "s2sz", "sve_vl", "num_bps", "num_wps", "pmu_num_ctrs", "hash_algo"):
    assert k in log[0], k
assert log[0]["hash_algo"] == m["hash_algo"] == "sha512"
types = [s["type"] for s in log]
assert types[-1] == "rec" and "data" in types and "ripas" in types
assert types == sorted(types, key=["realm", "ripas", "data", "rec"].index)
data = [s for s in log if s["type"] == "data"]
assert [s["ipa"] for s in data] == sorted(s["ipa"] for s in data)
assert all(set(s) >= {"ipa", "flags", "content"} for s in data)
assert set(log[-1]) >= {"flags", "pc", "gprs", "content"} and len(log[-1]["gprs"]) == 8
assert log[-1]["rim"] == m["rim"]
PY

rim=$("$caec" realm measure "$image" --mem 2M --hash sha512 --vcpus 2 --rpv 0102)
"$caec" realm run "$image" --mem 2M --hash sha512 --vcpus 2 --rpv 0102 --json >"$work/run.json" 2>/dev/null ||
	fail "run with options failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["rim"] != sys.argv[2])' "$work/run.json" "$rim" ||
	fail "run and measure disagree with options"

# --csm-exits: measured (a configuration step right after the realm's
# parameters), the same RIM from measure and run, and another than without.
"$caec" realm measure "$image" --csm-exits --json >"$work/csm.json"
rim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rim"])' "$work/csm.json")
[ "$rim" != "$("$caec" realm measure "$image")" ] || fail "--csm-exits is not measured"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["log"][1]; sys.exit(s["type"] != "caec_config" or s["flags"] != 2)' \
	"$work/csm.json" || fail "measure --csm-exits: no configuration step"
"$caec" realm run "$image" --csm-exits --json >"$work/run-csm.json" 2>/dev/null || fail "run --csm-exits failed"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(j["rim"] != sys.argv[2] or j["csm"]["created"] != 0)' \
	"$work/run-csm.json" "$rim" || fail "run and measure disagree with --csm-exits"

# Breakpoints and watchpoints: measured, the same RIM from measure and run; 0
# is the machine's most (hostsim: 5 and 3), the default.
"$caec" realm measure "$image" --json --num-bps 2 --num-wps 1 >"$work/bps.json"
"$caec" realm measure "$image" --json --num-bps 0 --num-wps 0 >"$work/bps0.json"
"$caec" realm measure "$image" --json >"$work/bpsdef.json"
python3 - "$work/bps.json" "$work/bps0.json" "$work/bpsdef.json" <<'PY' || fail "measure --num-bps/--num-wps"
import json, sys
m, z, d = (json.load(open(f)) for f in sys.argv[1:4])
assert (m["log"][0]["num_bps"], m["log"][0]["num_wps"]) == (2, 1)
assert (z["log"][0]["num_bps"], z["log"][0]["num_wps"]) == (5, 3)
assert z["rim"] == d["rim"] and m["rim"] != d["rim"]
PY
rim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rim"])' "$work/bps.json")
"$caec" realm run "$image" --num-bps 2 --num-wps 1 --json >"$work/run-bps.json" 2>/dev/null ||
	fail "run with --num-bps/--num-wps failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["rim"] != sys.argv[2])' "$work/run-bps.json" "$rim" ||
	fail "run and measure disagree with --num-bps/--num-wps"
rim=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["rim"])' "$work/bpsdef.json")
"$caec" realm run "$image" --num-bps 0 --num-wps 0 --json >"$work/run-bps0.json" 2>/dev/null ||
	fail "run with --num-bps 0 failed"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["rim"] != sys.argv[2])' "$work/run-bps0.json" "$rim" ||
	fail "run and measure disagree with --num-bps 0"
# More than the machine offers: an option out of range, the realm not built.
expect_usage realm run "$image" --num-bps 6
grep -q "at most 5 breakpoints and 3 watchpoints" "$work/err.txt" || fail "run --num-bps 6: $(cat "$work/err.txt")"
expect_usage realm run "$image" --num-wps 4
echo "vmm_cli_test: ok"
