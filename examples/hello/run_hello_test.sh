#!/bin/sh
# End-to-end test of examples/hello: caec realm run exits 0 and prints the
# console, its RIM equals caec realm measure's (and the one the realm read
# itself), and the token it fetched verifies against the machine's platform
# key, the nonce the host chose and the measured RIM.
# usage: run_hello_test.sh CAEC HELLO.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
mkdir -p "$work"
nonce=$(printf '%s' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f \
                    202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f)

fail() { echo "run_hello_test: $*" >&2; exit 1; }

"$caec" realm run "$image" --nonce "$nonce" --json --token-out "$work/token.cbor" \
	--key-out "$work/cpak.pem" >"$work/run.json" 2>"$work/console.txt" ||
	{ cat "$work/console.txt" >&2; fail "caec realm run failed"; }
cat "$work/console.txt"
grep -q "hello from a realm" "$work/console.txt" || fail "no console output"
grep -q "hello: done" "$work/console.txt" || fail "the realm did not finish"

field() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v if v is not None else "null")' "$work/run.json" "$1"; }
rim_run=$(field rim)
rim_measure=$("$caec" realm measure "$image")
[ "$rim_run" = "$rim_measure" ] || fail "RIM of the run ($rim_run) != measured RIM ($rim_measure)"
grep -q "hello: RIM    $rim_measure" "$work/console.txt" || fail "the realm read another RIM"
[ "$(field exit_status)" = 0 ] || fail "exit status $(field exit_status)"
[ "$(field nonce)" = "$nonce" ] || fail "nonce not echoed"
python3 -c 'import json,sys; t=bytes.fromhex(json.load(open(sys.argv[1]))["token"]); sys.exit(t != open(sys.argv[2],"rb").read())' \
	"$work/run.json" "$work/token.cbor" || fail "--json token differs from --token-out"

# The realm ID the monitor gave the realm is the token's claim 65001.
"$caec" attest show "$work/token.cbor" --json >"$work/show.json" || fail "attest show"
python3 -c 'import json,sys
run = json.load(open(sys.argv[1])); show = json.dumps(json.load(open(sys.argv[2])))
assert len(run["realm_id"]) == 64 and run["realm_id"] != "0" * 64, run["realm_id"]
assert "\"caec_realm_id\": \"%s\"" % run["realm_id"] in show, "claim 65001 is not the realm ID"' \
	"$work/run.json" "$work/show.json" || fail "realm ID"

printf '{"rims": ["%s"]}\n' "$rim_measure" >"$work/ref.json"
"$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --nonce "$nonce" --allow-debug \
	--ref "$work/ref.json" || fail "the token does not verify"
# A different nonce must not verify.
other=$(printf '%0128d' 7)
if "$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --nonce "$other" --allow-debug 2>/dev/null; then
	fail "the token verified with the wrong nonce"
fi
echo "run_hello_test: ok (RIM $rim_measure)"
