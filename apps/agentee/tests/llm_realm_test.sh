#!/bin/sh
# The llm realm through `caec run`: a driver realm in the agent's place
# sends generate requests over channel agent-llm to the llm realm, whose
# model (the bundled tiny GGUF) the host put in its measured image.
#   - greedy answers equal `caec llm run` on the host for the same model,
#     prompt and seed (and a sampled one with its temperature, top-p and
#     seed), token counts included; the streamed pieces join to the text;
#   - a stop string ends the text before it, with finish "stop";
#   - malformed requests (not JSON, not an object, unknown or mistyped
#     fields, no prompt, a stream message, one too large) and a prompt
#     longer than the context are answered with errors, and the realm goes
#     on serving;
#   - with 2 and 4 vCPUs (engine threads, all but the first vCPUs started
#     with CPU_ON) the tokens are the same, also after an idle pause long
#     enough for the worker to turn its vCPU off and be started again;
#   - the model is measured: another model gives the realm another RIM; a
#     missing model file is a usage error; a realm with no model stops;
#   - a sealed model (caec model seal) travels unmeasured and is unsealed
#     in the realm after key release: the same answers; its RIM does not
#     depend on the ciphertext (another sealing of the same size, the same
#     RIM); a key that is not the model's, or a changed byte, stops the
#     realm without an answer; "sealed_model" needs its "model_key";
#   - the agent realm's own requests (chat prompts with tool schemas, which
#     need more context than the tiny model has: a random-weight model of
#     1024 positions from llm-mkmodel) are answered, and the tiny model's
#     refusal of a prompt beyond its context is an error the agent reports.
# usage: llm_realm_test.sh CAEC IMAGES_DIR MODEL_DIR WORKDIR LLM_MKMODEL
set -eu
caec=$1
images=$2
models=$3
work=$4
mkmodel=$5
rm -rf "$work"
mkdir -p "$work"
test_name=llm_realm_test
. "$(dirname "$0")/../../../scripts/cli_test_lib.sh"
model=$models/tiny-q8_0.gguf

long_prompt=$(/usr/bin/python3 -c 'print(" ".join(["once upon a time there was a dog"] * 30))')

# pipeline FILE VCPUS MODEL_ENTRY: the driver and the llm realm.
pipeline() {
	cat >"$1" <<EOT
{
  "version": 1,
  "realms": {
    "agent": {"image": "$images/llm_driver_realm.so", "memory": "16M", "policy_required": true},
    "llm": {"image": "$images/llm_realm.so"$3, "memory": "32M", "vcpus": $2, "policy_required": true}
  },
  "channels": {
    "agent-llm": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "llm": "rw"}}
  },
  "host_calls": "allow",
  "strict": true,
  "workload": {"realm": "agent", "items": [
    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"seed\": 7}",
    "{\"prompt\": \"The little dog\", \"max_tokens\": 60, \"temperature\": 0.0, \"top_p\": 0.9, \"seed\": 1}",
    "{\"prompt\": \"Lily saw a bird\", \"max_tokens\": 30, \"temperature\": 0.8, \"top_p\": 0.9, \"seed\": 42}",
    "{\"prompt\": \"The little dog\", \"max_tokens\": 60, \"temperature\": 0, \"stop\": [\".\", \"zzz\"]}",
    "not json",
    "[1, 2]",
    "{\"prompt\": 3}",
    "{\"prompt\": \"x\", \"max_tokens\": 0}",
    "{\"prompt\": \"x\", \"temperature\": -1}",
    "{\"prompt\": \"x\", \"top_p\": 1.5}",
    "{\"prompt\": \"x\", \"stop\": [\"\"]}",
    "{\"prompt\": \"x\", \"bogus\": 1}",
    "{\"max_tokens\": 5}",
    "{\"prompt\": \"$long_prompt\", \"max_tokens\": 5}",
    "!raw:{\"prompt\": \"x\"}",
    "!big:70000",
    "!idle:60",
    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"seed\": 7}",
    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"stop\": [\"big duck\"]}",
    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 200, \"temperature\": 0, \"tool_choice\": \"required\", \"tools\": [{\"name\": \"pick\", \"parameters\": {\"type\": \"object\", \"properties\": {\"color\": {\"type\": \"string\", \"enum\": [\"red\", \"green\"]}, \"n\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 9}}, \"required\": [\"color\", \"n\"]}}]}",
    "{\"prompt\": \"x\", \"tools\": [{\"name\": \"pick\", \"parameters\": {\"type\": \"object\", \"properties\": {}, \"oneOf\": []}}]}",
    "{\"prompt\": \"x\", \"tool_choice\": \"required\"}"]}
}
EOT
}

# host NAME ARGS...: `caec llm run` on the host, its JSON in $work/NAME.json.
host() {
	name=$1
	shift
	"$caec" llm run "$model" --json "$@" >"$work/$name.json" || fail "caec llm run $*"
}
host greedy1 --prompt "Once upon a time" -n 40 --temp 0 --seed 7
host greedy2 --prompt "The little dog" -n 60 --temp 0 --seed 1
host sampled --prompt "Lily saw a bird" -n 30 --temp 0.8 --top-p 0.9 --seed 42

# check VCPUS: the run's results against the host's.
check() {
	json_ok "
import re
host = {n: json.load(open('$work/' + n + '.json')) for n in ('greedy1', 'greedy2', 'sampled')}
res = {}
for r in j['results']:
    assert r['realm'] == 'agent', r
    i, kind, body = r['text'].split(' ', 2)
    res[int(i)] = (kind, json.loads(body))
assert sorted(res) == list(range(16)) + [17, 18, 19, 20, 21], sorted(res)
# Constrained decoding: a story model made to write a valid call.
kind, a = res[19]
assert kind == 'response' and a['finish'] == 'stop', (kind, a)
call = json.loads(a['text'])
assert call['tool'] == 'pick' and sorted(call['arguments']) == ['color', 'n'], call
assert call['arguments']['color'] in ('red', 'green') and 1 <= call['arguments']['n'] <= 9, call
def same(i, h):
    kind, a = res[i]
    assert kind == 'response', (i, kind, a)
    assert a['text'] == h['text'], (i, a['text'], h['text'])
    assert a['prompt_tokens'] == h['prompt_tokens'] and a['tokens'] == h['gen_tokens'], (i, a, h)
    assert a['finish'] == ('length' if h['stop'] == 'length' else 'stop'), (i, a, h)
    assert a['prompt_ms'] >= 0 and a['gen_ms'] >= 0
same(0, host['greedy1'])
same(1, host['greedy2'])
same(2, host['sampled'])
same(17, host['greedy1'])  # after the idle pause
# The stop string: the greedy text up to its first '.', which is not kept.
kind, a = res[3]
cut = host['greedy2']['text'].split('.')[0]
assert '.' in host['greedy2']['text'], host['greedy2']
assert kind == 'response' and a['text'] == cut and a['finish'] == 'stop', (a, cut)
# A stop string of several tokens ('.' above is a token of its own).
kind, a = res[18]
cut = host['greedy1']['text'].split('big duck')[0]
assert 'big duck' in host['greedy1']['text'], host['greedy1']
assert kind == 'response' and a['text'] == cut and a['finish'] == 'stop', (a, cut)
errors = {4: 'the request is not JSON', 5: 'not a JSON object', 6: '\"prompt\" must be a string',
          7: '\"max_tokens\" must be an integer 1..2048', 8: '\"temperature\" must be a number 0..100',
          9: '\"top_p\" must be a number in (0, 1]', 10: 'each \"stop\" must be a string of 1..64 bytes',
          11: 'unknown field', 12: 'the request has no \"prompt\"',
          13: 'does not fit the model\'s context of 128', 14: 'not a request',
          15: 'the request is larger than 64 KiB',
          20: 'a tool\'s \"parameters\" is not a schema this realm can follow',
          21: '\"tool_choice\": \"required\" needs \"tools\"'}
for i, why in errors.items():
    kind, a = res[i]
    assert kind == 'error' and why in a['error'], (i, kind, a)
"
}

pipeline "$work/one.json" 1 ", \"model\": \"$model\""
run 0 run "$work/one.json" --json
check
json '[r["vcpus"] for r in j["realms"]] == [1, 1] and j["realms"][1]["model"] == "'"$model"'"'
err_has "llm: model of 262720 parameters, context 128, 1 thread (vCPUs)"
err_has "llm: 7 requests answered, 14 refused"
err_has "no granule left behind"
rim_one=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["realms"][1]["rim"])' "$work/out")

pipeline "$work/two.json" 2 ", \"model\": \"$model\""
run 0 run "$work/two.json" --json
check
err_has "2 threads (vCPUs)"
# More vCPUs than the machine may have CPUs free: still the same tokens.
pipeline "$work/four.json" 4 ", \"model\": \"$model\""
run 0 run "$work/four.json" --json
check
err_has "4 threads (vCPUs)"

# The model is part of the measurement: the same image with another model
# (the same file plus one byte at the end, which GGUF ignores) is another RIM.
cp "$model" "$work/other.gguf"
printf 'x' >>"$work/other.gguf"
pipeline "$work/other.json" 1 ", \"model\": \"other.gguf\""
run 0 run "$work/other.json" --json
json 'j["realms"][1]["rim"] != "'"$rim_one"'"'

pipeline "$work/missing.json" 1 ", \"model\": \"$work/nothing.gguf\""
run 2 run "$work/missing.json"
one_line "realm 'llm': model $work/nothing.gguf cannot be loaded: No such file or directory"
pipeline "$work/badtype.json" 1 ', "model": 7'
run 2 run "$work/badtype.json"
one_line "realm 'llm': \"model\" must be the path of a model file"

pipeline "$work/none.json" 1 ""
run 1 run "$work/none.json"
err_has "llm: no model: neither in the image nor sealed from the host"
err_has "realm 'agent' failed"

# The sealed model.
run 0 model seal "$model" -o "$work/sealed1.bin" --new-key "$work/owner.key" --chunk-size 65536
run 0 model seal "$model" -o "$work/sealed2.bin" --key "$work/owner.key" --chunk-size 65536
cmp -s "$work/sealed1.bin" "$work/sealed2.bin" && fail "two sealings gave the same bytes"
pipeline "$work/sealed.json" 2 ', "sealed_model": "sealed1.bin", "model_key": "owner.key"'
run 0 run "$work/sealed.json" --json --scan-plaintext "$model"
# GuaranTEE: the plaintext weights are in no granule the host can read.
err_has "caec run: plaintext scan: none of "
check
err_has "llm: the sealed model (294752 bytes) was unsealed after key release"
err_has "caec run: the model key was released to realm 'llm'"
json 'j["realms"][1]["sealed_model"] == "'"$work"'/sealed1.bin" and j["realms"][1]["model"] is None'
rim_sealed=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["realms"][1]["rim"])' "$work/out")
[ "$rim_sealed" != "$rim_one" ] || fail "the sealed realm has the RIM of the one with the model measured"
# caec policy measures a pipeline's realms as caec run builds them, models
# included: the RIMs its policy names are the ones the run attested.
policy_rim() {
	/usr/bin/python3 -c 'import json,sys; j = json.load(open(sys.argv[1])); del j["workload"]; json.dump(j, open(sys.argv[2], "w"))' \
		"$1" "$work/src.json"
	expect 0 "$caec" policy compile "$work/src.json" -o "$work/llm.blob" --self llm --json
	/usr/bin/python3 -c 'import json,sys; print([r["rim"] for r in json.load(open(sys.argv[1]))["realms"] if r["name"] == "llm"][0])' "$work/out"
}
[ "$(policy_rim "$work/one.json")" = "$rim_one" ] || fail "caec policy gives the llm realm with its model another RIM"
[ "$(policy_rim "$work/sealed.json")" = "$rim_sealed" ] || fail "caec policy gives the sealed llm realm another RIM"
sed 's/sealed1.bin/sealed2.bin/' "$work/sealed.json" >"$work/sealed2.json"
run 0 run "$work/sealed2.json" --json
json 'j["realms"][1]["rim"] == "'"$rim_sealed"'"'

# The service's key is another owner's: it is released, but it is not the
# model's key, and the realm stops before it serves anything.
run 0 model seal "$model" -o "$work/other.bin" --new-key "$work/other.key" --chunk-size 65536
sed 's/owner.key/other.key/' "$work/sealed.json" >"$work/wrongkey.json"
run 1 run "$work/wrongkey.json" --json
err_has "llm: the released key is not the sealed model's"
json 'j["results"] == []'

# One changed ciphertext byte: the realm refuses to run on it.
/usr/bin/python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[4096] ^= 1; open(sys.argv[2], "wb").write(b)' \
	"$work/sealed1.bin" "$work/tampered.bin"
sed 's/sealed1.bin/tampered.bin/' "$work/sealed.json" >"$work/tampered.json"
run 1 run "$work/tampered.json" --json
err_has "llm: the sealed model does not authenticate"
json 'j["results"] == []'

pipeline "$work/nokey.json" 1 ', "sealed_model": "sealed1.bin"'
run 2 run "$work/nokey.json"
one_line "realm 'llm': \"sealed_model\" and \"model_key\" go together"
pipeline "$work/both.json" 1 ', "model": "'"$model"'", "sealed_model": "sealed1.bin", "model_key": "owner.key"'
run 2 run "$work/both.json"
one_line "give \"model\" or \"sealed_model\" with its \"model_key\", not both"
# The agent realm with the llm realm and the calculator.
agent_pipeline() {
	cat >"$1" <<EOT
{
  "version": 1,
  "realms": {
    "agent": {"image": "$images/agent_realm.so", "memory": "4M", "policy_required": true},
    "llm": {"image": "$images/llm_realm.so", "model": "$2", "memory": "32M", "vcpus": 2, "policy_required": true},
    "calc": {"image": "$images/calc_realm.so", "memory": "4M", "policy_required": true}
  },
  "channels": {
    "agent-llm": {"owner": "agent", "pages": 32, "members": {"agent": "rw", "llm": "rw"}},
    "agent-calc": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "calc": "rw"}}
  },
  "host_calls": "allow",
  "strict": true,
  "workload": {"realm": "agent", "items": ["Once upon a time", "What is 3 + 4?"]}
}
EOT
}
expect 0 "$mkmodel" "$work/wide.gguf" --dtype q8_0 --dim 64 --hidden 128 --layers 2 --heads 4 --kv-heads 2 \
	--vocab 360 --seq-len 1024
agent_pipeline "$work/agent.json" "$work/wide.gguf"
run 0 run "$work/agent.json" --json
err_has "llm: 2 requests answered, 0 refused"
json '[sorted(json.loads(r["text"])) for r in j["results"]] == [["answer", "item", "tools"]] * 2'
agent_pipeline "$work/agent-tiny.json" "$model"
run 0 run "$work/agent-tiny.json" --json
err_has "does not fit the model's context of 128"
json 'all("refused the request" in e and "does not fit the model\x27s context of 128" in e for e in [json.loads(r["text"])["error"] for r in j["results"]]) and len(j["results"]) == 2'
# One model for two llm realms: the sealed model's realm unseals it into the
# declared region "llm-model"; the second maps it read-only and runs from it;
# both give the host's greedy answer; the plaintext is in no host-visible granule.
cat >"$work/shared.json" <<EOT
{
  "version": 1,
  "realms": {
    "agent": {"image": "$images/llm_driver_realm.so", "memory": "16M", "policy_required": true},
    "llm": {"image": "$images/llm_realm.so", "sealed_model": "sealed1.bin", "model_key": "owner.key", "memory": "32M", "policy_required": true},
    "llm2": {"image": "$images/llm_realm.so", "memory": "32M", "policy_required": true}
  },
  "channels": {
    "agent-llm": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "llm": "rw"}},
    "agent-llm2": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "llm2": "rw"}},
    "llm-model": {"owner": "llm", "pages": 80, "members": {"llm": "rw", "llm2": "r"}}
  },
  "host_calls": "allow",
  "strict": true,
  "workload": {"realm": "agent", "items": [
    "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"seed\": 7}",
    "!llm2:{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0, \"seed\": 7}"]}
}
EOT
run 0 run "$work/shared.json" --json --scan-plaintext "$model"
err_has "llm: the sealed model (294752 bytes) was unsealed after key release, into the shared region"
err_has "llm: the model (294752 bytes) is shared read-only in region"
err_has "with 1 realm: 294752 bytes of RAM saved against private copies"
err_has "llm: the model (294752 bytes) comes read-only from the shared region"
err_has "caec run: plaintext scan: none of "
json_ok "
h = json.load(open('$work/greedy1.json'))
texts = [json.loads(r['text'].split(' ', 2)[2])['text'] for r in j['results']]
assert texts == [h['text'], h['text']], (texts, h['text'])"
# A region too small for the model: the owner says so and no answer comes.
sed 's/"pages": 80/"pages": 8/' "$work/shared.json" >"$work/small.json"
run 1 run "$work/small.json"
err_has "llm: the sealed model is larger than the shared region"
err_has "llm: the shared model's owner is gone (it failed to provide the model)"
# The scan finds them where they are: a model measured into the image passes
# through host memory in the clear (it is no secret then).
run 1 run "$work/one.json" --scan-plaintext "$model"
err_has "host-visible granules hold pieces of $model"
run 2 run "$work/one.json" --scan-plaintext "$work/nothing.gguf"
echo "llm_realm_test: $checks checks passed"
