#!/usr/bin/env bash
# The main demo on a fresh machine: installs dependencies, builds, and runs the
# AgenTEE pipeline (step 1), then shows the pieces it stands on (2-8):
#   1. the pipeline of six attested realms (apps/agentee/pipeline.json): the
#      gateway terminates TLS itself, the agent calls the tools through the
#      model it runs in the llm realm, whose model is sealed and released only
#      to its attested token; `caec chat` verifies the gateway (RIM, policy,
#      platform key, TLS key bound to its nonce) before it sends a chat prompt
#      and an itinerary request; Ctrl-C style stop with the leak check,
#   2. computes a realm image's expected RIM offline (caec realm measure),
#   3. builds and runs the realm on hostsim through the real monitor; the realm
#      prints, reads its measurements and fetches an attestation token for a
#      nonce the host chose (caec realm run),
#   4. verifies the token as a relying party would: platform key, nonce, RIM
#      (caec attest verify) and prints its claims (caec attest show),
#   5. runs a 1 GiB realm that writes and verifies a pattern over all its RAM,
#      alternate pages then every page (examples/memtest),
#   6. three realms share confidential memory under one policy each uploads
#      first (caec demo csm),
#   7. the inference engine on the committed tiny model (caec llm run),
#   8. the same pipeline without --listen: its workload of chat and itinerary
#      requests, run once (caec run).
# Usage: scripts/demo.sh [--help]
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
case "${1:-}" in
  -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

step "1. the AgenTEE pipeline: six attested realms behind a TLS gateway"
pipeline=build/apps/agentee/pipeline.json
"$caec" run "$pipeline" --listen 127.0.0.1:0 --platform-key-out "$work/platform.pem" \
  >"$work/run.out" 2>"$work/run.err" &
run_pid=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's/^caec run: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/run.out")
  [ -n "$port" ] && grep -q "net: serving TLS" "$work/run.err" && break
  kill -0 "$run_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ] || ! grep -q "net: serving TLS" "$work/run.err"; then
  cat "$work/run.out" "$work/run.err" >&2
  echo "demo: the pipeline did not come up" >&2; exit 1
fi
grep "^caec run:" "$work/run.out"
for prompt in "Hello" "Plan a 3-day trip to Paris with a budget of 400 euros, relaxed, I like art and food."; do
  echo
  echo "\$ caec chat --connect 127.0.0.1:$port --pipeline $pipeline --platform-key platform.pem \"$prompt\""
  "$caec" chat --connect "127.0.0.1:$port" --pipeline "$pipeline" --platform-key "$work/platform.pem" "$prompt"
done
kill -INT "$run_pid"
wait "$run_pid"
grep -E "^caec run: (stopped|connection)" "$work/run.out" | tail -3
echo "the realms said:"
grep -E "^(llm|agent|net|calculator|planner|notes): " "$work/run.err" | grep -v "answer\|item" | head -20

step "2. expected RIM of $image, computed offline"
rim=$("$caec" realm measure "$image")
echo "RIM $rim"

step "3. the realm runs on hostsim (console below)"
nonce=$(od -An -N64 -tx1 /dev/urandom | tr -d ' \n')
"$caec" realm run "$image" --nonce "$nonce" --token-out "$work/token.cbor" --key-out "$work/cpak.pem"

step "4. a relying party verifies the token (platform key, nonce, reference RIM)"
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

step "5. a 1 GiB realm tests all its memory on hostsim"
"$caec" realm run build/examples/memtest/memtest.so --mem 1G

step "6. three realms share confidential memory under one policy (the host cannot read it)"
"$caec" demo csm

step "7. the inference engine on the tiny model"
"$caec" llm run apps/llm/models/tiny/tiny.bin --tokenizer apps/llm/models/tiny/tokenizer.bin \
  --prompt "Once upon a time," -n 120 --seed 1
echo
step "8. the pipeline once more, without a listener: its own workload of chat and itinerary requests"
"$caec" run "$pipeline" 2>/dev/null
echo
step "demo finished"
