#!/bin/sh
# `caec attest group` end to end on tokens of the test producer
# (make_group_tokens): the correct group accepted in two orders with the same
# verdict, bound to the group nonce or to per-realm nonces; each single
# deviation rejected with exit 1 and one stderr line naming the realm and the
# check (--json: failed_check, realm, the per-realm and per-token entries);
# tokens of an untrusted platform; the option conventions (--help, usage
# errors exit 2, --json also on usage errors, TOKEN '-').
# Usage: policy_group_cli_test.sh CAEC MAKE_GROUP_TOKENS
set -u
caec=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
make_tokens=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=$tmp/tokens
mkdir "$t"
"$make_tokens" "$t" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2; echo "FAIL: make_group_tokens" >&2; exit 1; }
nonce=$(cat "$t/nonce.hex")
test_name=policy_group_cli
work=$tmp
. "$(dirname "$0")/../../scripts/cli_test_lib.sh"
group() { "$caec" attest group --policy "$t/policy.json" --nonce "$nonce" --platform-key "$t/platform.pem" "$@"; }

# ---- accepted -------------------------------------------------------------------
g=$t/good
expect 0 group "$g/agent.cbor" "$g/llm.cbor" "$g/net.cbor"
has out "accepted: 3 realms and 2 channels"
has out "agent"
cp "$tmp/out" "$tmp/text1"
expect 0 group --json "$g/agent.cbor" "$g/llm.cbor" "$g/net.cbor"
cp "$tmp/out" "$tmp/json1"
json_ok '
assert d["accepted"] is True and d["verdict"] == "accepted" and d["error"] is None
assert d["failed_check"] is None and d["realm"] is None and d["graph_checked"] is True
assert [r["name"] for r in d["realms"]] == ["agent", "llm", "net"]
assert all(r["ok"] and r["failed_check"] is None and r["nonce"] == "group" for r in d["realms"])
assert d["realms"][1]["token"].endswith("good/llm.cbor")
assert d["realms"][0]["rim"] == "a1" * 32
assert [x["realm"] for x in d["tokens"]] == ["agent", "llm", "net"]'
# Another order: the same verdict, each realm with its own file.
expect 0 group --json "$g/net.cbor" "$g/agent.cbor" "$g/llm.cbor"
json_ok '
a = json.load(open(sys.argv[1].replace("out", "json1")))
assert d["accepted"] == a["accepted"]
assert [(r["name"], r["token"], r["rim"], r["ok"]) for r in d["realms"]] == \
       [(r["name"], r["token"], r["rim"], r["ok"]) for r in a["realms"]]
assert [x["file"] for x in d["tokens"]][0].endswith("net.cbor")'
expect 0 group "$g/net.cbor" "$g/llm.cbor" "$g/agent.cbor"
cmp -s "$tmp/out" "$tmp/text1" || fail "the text verdict depends on the order"
# Per-realm nonces derived from the group nonce.
r=$t/realm-nonces
expect 0 group --json "$r/agent.cbor" "$r/llm.cbor" "$r/net.cbor"
json_ok 'assert [x["nonce"] for x in d["realms"]] == ["group", "realm", "realm"]'
# TOKEN '-' from standard input; --opt=value.
"$caec" attest group --policy="$t/policy.json" --nonce="$nonce" --platform-key="$t/platform.pem" \
  "$g/agent.cbor" - "$g/net.cbor" <"$g/llm.cbor" >"$tmp/out" 2>"$tmp/err" || fail "TOKEN '-': $(cat "$tmp/err")"
checks=$((checks + 1))

# ---- rejected: one deviation each ---------------------------------------------------
# rejected SCENARIO CHECK REALM MESSAGE: the scenario's tokens, in two orders.
rejected() {
  s=$t/$1
  files=$(ls "$s"/*.cbor)
  # shellcheck disable=SC2086
  expect 1 group $files
  one_line "caec attest group: rejected: $4"
  cp "$tmp/err" "$tmp/err1"
  # shellcheck disable=SC2086
  expect 1 group --json $(ls -r "$s"/*.cbor)
  json_ok "
assert d['accepted'] is False and d['verdict'] == 'rejected'
assert d['failed_check'] == '$2', d['failed_check']
assert d['realm'] == ('$3' or None), d['realm']
assert d['error'] and d['reason'] in d['error']
assert any(x['failed_check'] == '$2' for x in d['realms'] + d['tokens'])"
  # shellcheck disable=SC2086
  expect 1 group $(ls -r "$s"/*.cbor)
  cmp -s "$tmp/err" "$tmp/err1" || fail "$1: the verdict depends on the order: $(cat "$tmp/err1") / $(cat "$tmp/err")"
}
rejected extra-member members net "realm 'net': maps region 0x1001 of channel 'prompt'"
rejected missing-member members llm "realm 'llm': is a member of channel 'prompt'"
rejected wrong-rim rim "" "token '$t/wrong-rim/llm.cbor': its RIM eeee"
rejected missing-realm missing net "realm 'net': no token of the group"
rejected impostor duplicate llm "realm 'llm': 2 tokens have its RIM"
rejected wrong-digest policy-digest llm "realm 'llm': claim 65003 is not the policy's digest"
rejected old-nonce nonce net "realm 'net': its challenge is neither the group nonce"
rejected wrong-perms perms llm "realm 'llm': maps region 0x1001 of channel 'prompt' with perms r, the policy declares rw"
rejected undeclared undeclared-region agent "realm 'agent': owns region 0x3003"
# The per-token entries of a rejected group.
expect 1 group --json "$t/wrong-rim/agent.cbor" "$t/wrong-rim/llm.cbor" "$t/wrong-rim/net.cbor"
json_ok '
assert d["token"].endswith("wrong-rim/llm.cbor") and d["realm"] is None
assert d["tokens"][1]["failed_check"] == "rim" and d["tokens"][1]["realm"] is None
assert d["tokens"][1]["rim"] == "ee" * 32
assert d["realms"][1]["failed_check"] == "missing" and d["realms"][1]["token"] is None
assert d["graph_checked"] is False'
# A token of one group and another nonce: the good tokens against another nonce.
expect 1 "$caec" attest group --policy "$t/policy.json" --nonce 00 --platform-key "$t/platform.pem" \
  "$g/agent.cbor" "$g/llm.cbor" "$g/net.cbor"
one_line "rejected: realm 'agent': its challenge is neither"
# No platform key: no token verifies.
expect 1 "$caec" attest group --policy "$t/policy.json" --nonce "$nonce" "$g/agent.cbor" "$g/llm.cbor" "$g/net.cbor"
one_line "platform-signature"
expect 1 "$caec" attest group --json --policy "$t/policy.json" --nonce "$nonce" "$g/agent.cbor"
json_ok 'assert d["failed_check"] == "token" and d["tokens"][0]["verify_check"] == "platform-signature"'

# ---- usage ---------------------------------------------------------------------------
expect 0 "$caec" attest group --help
has out "usage: caec attest group --policy SRC.json --nonce HEX TOKEN..."
has out "caec-group-nonce"
expect 0 "$caec" attest help group
has out "--policy SRC.json"
expect 2 "$caec" attest group --nonce "$nonce" "$g/agent.cbor"
one_line "no --policy given"
expect 2 "$caec" attest group --policy "$t/policy.json" "$g/agent.cbor"
one_line "no --nonce given"
expect 2 "$caec" attest group --policy "$t/policy.json" --nonce "$nonce"
one_line "no TOKEN given"
expect 2 "$caec" attest group --policy "$t/policy.json" --nonce xyz "$g/agent.cbor"
one_line "--nonce: 'xyz' is not hex of 1 to 64 bytes"
expect 2 "$caec" attest group --policy "$t/policy.json" --nonse "$nonce" "$g/agent.cbor"
one_line "did you mean '--nonce'"
expect 2 group "$g/agent.cbor" "$tmp/nosuch.cbor"
one_line "TOKEN $tmp/nosuch.cbor does not exist"
expect 2 "$caec" attest group --policy "$tmp/nosuch.json" --nonce "$nonce" "$g/agent.cbor"
one_line "does not exist"
echo '{"version": 1, "realms": {}}' >"$tmp/bad.json"
expect 2 "$caec" attest group --policy "$tmp/bad.json" --nonce "$nonce" "$g/agent.cbor"
one_line "--policy $tmp/bad.json: "
expect 2 group - - <"$g/agent.cbor"
one_line "only one of the TOKENs and --ref can be '-'"
expect 2 "$caec" attest group --json --policy "$t/policy.json" "$g/agent.cbor"
json_ok 'assert d["accepted"] is False and "no --nonce" in d["error"]'

echo "policy_group_cli: $checks checks passed"
