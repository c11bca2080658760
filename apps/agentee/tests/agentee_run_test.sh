#!/bin/sh
# caec run on a pipeline of two realms (a driver in the agent's place and
# the calculator tool): the group is attested before any work is handed
# out; the tool answers good and malformed requests (not JSON, not a
# request, too large, a division by zero) with answers, never a crash; a
# pipeline whose tokens cannot show its declared graph is rejected and gets
# no work; the usage errors; --json.
# usage: agentee_run_test.sh CAEC IMAGES_DIR WORKDIR
set -eu
caec=$1
images=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
test_name=agentee_run_test
. "$(dirname "$0")/../../../scripts/cli_test_lib.sh"

# pipeline FILE EXTRA_CHANNELS REQUIRED: a calculator pipeline.
pipeline() {
	cat >"$1" <<EOT
{
  "version": 1,
  "realms": {
    "agent": {"image": "$images/tool_driver_realm.so", "memory": "4M", "policy_required": $3},
    "calc": {"image": "$images/calc_realm.so", "memory": "4M", "policy_required": true}
  },
  "channels": {
    "agent-calc": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "calc": "rw"}}$2
  },
  "host_calls": "allow",
  "strict": true,
  "workload": {"realm": "agent", "items": [
    "{\"expression\": \"3 * (2 + 0.5)\"}", "{\"expression\": \"1/0\"}", "!raw:hello", "!big:20000",
    "not json", "{\"expression\": \"0.1 + 0.2\", \"x\": 1}", "{\"expression\": \"2^10 - 24\"}"]}
}
EOT
}

run 0 run --help
out_has "usage: caec run PIPELINE.json"
run 2 run
one_line "no PIPELINE"
run 2 run "$work/missing.json"
one_line "does not exist"

pipeline "$work/good.json" "" true
run 0 run "$work/good.json"
out_has "caec run: realm 'agent' built"
out_has "caec run: attestation: the group was accepted (2 realms, 1 channel"
out_has 'agent: 0 {"result":"7.5"}'
out_has 'agent: 1 {"error":"division by zero at character 2"}'
out_has 'agent: 2 {"error":"not a request"}'
out_has 'agent: 3 {"error":"the request is larger than the tool accepts"}'
out_has 'agent: 4 {"error":"the arguments are not a JSON object"}'
out_has 'agent: 5 {"error":"only \"expression\" is allowed"}'
out_has 'agent: 6 {"result":"1000"}'
out_has "no granule left behind"
# The attestation comes before the first result.
[ "$(grep -n 'attestation:' "$work/out" | cut -d: -f1)" -lt "$(grep -n 'agent: 0 ' "$work/out" | cut -d: -f1)" ] ||
	fail "a result came before the attestation"
err_has "calculator: 7 requests answered"

run 0 run "$work/good.json" --json --nonce "$(printf '%0128d' 7)"
json 'j["attestation"]["accepted"] is True and j["attestation"]["nonce"] == "0" * 127 + "7"'
json '[r["name"] for r in j["realms"]] == ["agent", "calc"] and all(r["ok"] for r in j["realms"])'
json 'len(j["results"]) == 7 and j["results"][0] == {"realm": "agent", "text": "0 {\"result\":\"7.5\"}"}'

# A declared channel nobody opens: the tokens cannot show the graph, the
# group is rejected, and no realm is given any work.
pipeline "$work/extra.json" ', "agent-notes": {"owner": "agent", "pages": 8, "members": {"agent": "rw", "calc": "rw"}}' true
run 1 run "$work/extra.json" --json
json 'j["attestation"]["accepted"] is False and j["attestation"]["failed_check"] == "channel"'
json 'j["results"] == []'
err_has "the group was REJECTED"

pipeline "$work/noreq.json" "" false
run 2 run "$work/noreq.json"
one_line "realm 'agent' must say \"policy_required\": true"
sed 's/"realm": "agent"/"realm": "nobody"/' "$work/good.json" >"$work/nobody.json"
run 2 run "$work/nobody.json"
one_line "the workload's realm 'nobody' is not in the pipeline"
echo "agentee_run_test: $checks checks passed"
