#!/bin/sh
# Runs a template image: `caec realm run --exit-status` must exit 0 (the
# realm's own status) with the realm's console lines, and the token the realm handed over must verify against the
# run's platform key and nonce (and not against another nonce).
# usage: run_template_test.sh CAEC TEMPLATE.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
mkdir -p "$work"
nonce=$(printf '%0128x' 42)

fail() { echo "run_template_test: $*" >&2; exit 1; }

status=0
"$caec" realm run "$image" --exit-status --nonce "$nonce" --token-out "$work/token.cbor" \
	--key-out "$work/cpak.pem" >"$work/console.txt" 2>"$work/stderr.txt" || status=$?
cat "$work/console.txt"
[ "$status" = 0 ] || { cat "$work/stderr.txt" >&2; fail "caec realm run exited $status"; }
grep -q "^template: started on 1 vCPU(s) with 16384 KiB of RAM$" "$work/console.txt" ||
	fail "no start line"
grep -q "^template: attestation token of [0-9]* bytes$" "$work/console.txt" || fail "no token line"
grep -q "^template: done$" "$work/console.txt" || fail "the realm did not finish"
# --allow-debug: hostsim's platform reports a debug lifecycle state.
"$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --nonce "$nonce" \
	--allow-debug >"$work/verify.txt" || fail "the token does not verify"
if "$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --allow-debug \
	--nonce "$(printf '%0128x' 7)" >/dev/null 2>&1; then
	fail "the token verified with another nonce"
fi
echo "run_template_test: ok"
