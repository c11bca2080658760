#!/usr/bin/env bash
# The main demo on a fresh machine: installs dependencies, builds, then runs the
# most complete end-to-end flow caec has today on the emulated CCA machine:
#   1. computes a realm image's expected RIM offline (caec realm measure),
#   2. builds and runs the realm on hostsim through the real monitor; the realm
#      prints, reads its measurements and fetches an attestation token for a
#      nonce the host chose (caec realm run),
#   3. verifies the token as a relying party would: platform key, nonce, RIM
#      (caec attest verify) and prints its claims (caec attest show),
#   4. runs a 1 GiB realm that writes and verifies a pattern over all its RAM,
#      alternate pages then every page (examples/memtest),
#   5. three realms share confidential memory under one policy each uploads
#      first: the owner writes a message and grants the members the policy
#      names; a writer replies; a reader maps it read-only and reads both; the
#      host never can; each realm's token is verified, lists the region and
#      carries its policy's digest (caec demo csm),
#   6. runs the inference engine that will live in AgenTEE's llm realm on the
#      committed tiny model (caec llm run).
# Usage: scripts/demo.sh [--help]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
  -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "demo.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

scripts/install-deps.sh --demo
echo "== building (build/; the caec binary is build/host/caec) =="
# Quiet when it works; the compiler's messages when it does not.
log=build/demo-build.log
mkdir -p build
if ! { cmake -S . -B build -G Ninja -Wno-dev && cmake --build build -j "$(nproc)"; } >"$log" 2>&1; then
  grep -E -B2 -A8 "error|Error|FAILED" "$log" | head -60 >&2 || tail -40 "$log" >&2
  echo "demo: the build failed; its whole log is $log" >&2
  exit 1
fi
caec=build/host/caec
image=build/examples/hello/hello.so
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step() { printf '\n== %s ==\n' "$*"; }

step "1. expected RIM of $image, computed offline"
rim=$("$caec" realm measure "$image")
echo "RIM $rim"

step "2. the realm runs on hostsim (console below)"
nonce=$(od -An -N64 -tx1 /dev/urandom | tr -d ' \n')
"$caec" realm run "$image" --nonce "$nonce" --token-out "$work/token.cbor" --key-out "$work/cpak.pem"

step "3. a relying party verifies the token (platform key, nonce, reference RIM)"
printf '{"rims": ["%s"]}\n' "$rim" > "$work/ref.json"
# --allow-debug: hostsim's platform token reports a debug lifecycle state
# (its keys live in this process), which a relying party refuses by default.
"$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --nonce "$nonce" \
  --ref "$work/ref.json" --allow-debug
"$caec" attest show "$work/token.cbor" | head -40
echo "..."
echo "and with another nonce it must fail:"
if "$caec" attest verify "$work/token.cbor" --platform-key "$work/cpak.pem" --nonce "$(printf '%0128d' 0)" \
  --allow-debug; then
  echo "demo: the token verified with the wrong nonce" >&2; exit 1
fi

step "4. a 1 GiB realm tests all its memory on hostsim"
"$caec" realm run build/examples/memtest/memtest.so --mem 1G

step "5. three realms share confidential memory under one policy (the host cannot read it)"
"$caec" demo csm

step "6. the inference engine on the tiny model"
"$caec" llm run apps/llm/models/tiny/tiny.bin --tokenizer apps/llm/models/tiny/tokenizer.bin \
  --prompt "Once upon a time," -n 120 --seed 1
echo
step "7. a pipeline: two realms attested as a group, then a tool answers over its channel"
"$caec" run build/apps/agentee/calc_pipeline.json
echo
step "demo finished"
