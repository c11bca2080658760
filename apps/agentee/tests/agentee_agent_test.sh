#!/bin/sh
# The agent realm's tool loop through real channels: caec run on the
# agent, a rule-driven stand-in for the llm realm (scripted_llm_realm.c)
# and the three tool realms. Tool calls reach the right realm and their
# answers come back to the model; an unknown tool, malformed calls, a
# tool's error, a model error and the step limit end in replies, never a
# crash; the notes realm's private note never leaves it; a conversation
# continues when asked to.
# usage: agentee_agent_test.sh CAEC IMAGES_DIR WORKDIR
set -eu
caec=$1
images=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
test_name=agentee_agent_test
. "$(dirname "$0")/../../../scripts/cli_test_lib.sh"

cat >"$work/agent.json" <<EOT
{
  "version": 1,
  "realms": {
    "agent": {"image": "$images/agent_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "llm": {"image": "$images/scripted_llm_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "calc": {"image": "$images/calc_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "planner": {"image": "$images/planner_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "notes": {"image": "$images/notes_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35}
  },
  "channels": {
    "agent-llm": {"owner": "agent", "pages": 32, "members": {"agent": "rw", "llm": "rw"}},
    "agent-calc": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "calc": "rw"}},
    "agent-planner": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "planner": "rw"}},
    "agent-notes": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "notes": "rw"}}
  },
  "host_calls": "allow",
  "strict": true,
  "workload": {"realm": "agent", "items": [
    "hello there",
    "calc: (3 + 4) * 2.5",
    "plan: Rome 2",
    "note: Trip ideas",
    "note: Door code",
    "raw: {\"tool\":\"weather\",\"arguments\":{}}",
    "raw: {\"tool\":\"calculator\",\"arguments\":{\"expr\":\"1\"}}",
    "raw: {\"tool\": \"calc",
    "calc: 1/0",
    "loop",
    "fail",
    "{\"user\": \"again\", \"continue\": true}",
    "{\"bad\": 1}"
  ]}
}
EOT

run 0 run "$work/agent.json"
out_has "caec run: attestation: the group was accepted (5 realms, 4 channels"
err_has 'agent: 3 tools, talking to the llm realm'
out_has 'agent: {"item":0,"answer":"You said: hello there","tools":[]}'
out_has 'agent: {"item":1,"answer":"Result: {\"result\":\"17.5\"}","tools":["calculator"]}'
out_has 'agent: {"item":2,"answer":"Result: {\"city\":\"Rome\",\"currency\":\"EUR\",\"days\":[{\"day\":1,\"items\":[{\"name\":\"Colosseum and Roman Forum\"'
out_has 'agent: {"item":3,"answer":"Result: {\"title\":\"Trip ideas\",\"text\":\"Rome in spring, Tokyo in autumn\"}","tools":["notes"]}'
out_has 'agent: {"item":4,"answer":"Result: {\"title\":\"Door code\",\"private\":true}","tools":["notes"]}'
out_has 'agent: {"item":5,"answer":"Result: {\"error\":\"there is no such tool\"}","tools":["(refused)"]}'
out_has 'agent: {"item":6,"answer":"Result: {\"error\":\"the tool takes no argument \\\"expr\\\"\"}","tools":["(refused)"]}'
out_has 'agent: {"item":7,"answer":"Result: {\"error\":\"the reply is not a tool call'
out_has 'agent: {"item":8,"answer":"Result: {\"error\":\"division by zero at character 2\"}","tools":["calculator"]}'
out_has 'agent: {"item":9,"error":"the model kept calling tools past the agent'"'"'s step limit","tools":["calculator","calculator","calculator","calculator"]}'
out_has 'agent: {"item":10,"error":"the llm realm refused the request: the model failed (scripted)","tools":[]}'
out_has 'agent: {"item":11,"answer":"You said: again","tools":[]}'
out_has 'agent: {"item":12,"error":"the item is not text nor {\"user\": TEXT}","tools":[]}'
out_has "no granule left behind"
# The door code (8 random digits) is in no reply the agent gave.
! grep -q '"Door code","text"' "$work/out" || fail "the private note left the notes realm"
! grep '^agent: {' "$work/out" | grep -Eq '[0-9]{8}' || fail "an 8-digit code (the door code's shape) reached a reply"
echo "$test_name: ok"
