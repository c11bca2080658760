#!/bin/sh
# caec policy compile|show|check: the blob and its digests, show decoding it
# back (and its --json source compiling to the same bytes), the static checks
# and --path, --json, --help, the exit codes and usage errors, and "image"
# realms whose RIM is the one `caec realm measure` gives for the same options.
# usage: policy_cli_test.sh CAEC HELLO.so WORKDIR
set -eu
caec=$1
hello=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
test_name=policy_cli_test
. "$(dirname "$0")/../../scripts/cli_test_lib.sh"
sha() { /usr/bin/python3 -c 'import hashlib,sys; print(hashlib.new(sys.argv[1], open(sys.argv[2],"rb").read()).hexdigest())' "$1" "$2"; }

RIM_L=404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f
RIM_L2=${RIM_L}606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f
RIM_N=a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5
RIM_G=1111111111111111111111111111111111111111111111111111111111111111
RIM_A=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# ---- help and usage ----
run 0 policy --help
out_has "compile"
run 0 help policy check
out_has "--path FROM:TO:VIA"
for sub in compile show check; do
	run 0 policy $sub --help
	grep -q "^Exit status: 0 success; 1 the operation failed; 2 usage" "$work/out" || fail "policy $sub --help: exit codes"
done
run 0 --help
out_has "policy"
run 2 policy
run 2 policy compil x.json
err_has "caec policy: unknown subcommand 'compil' (did you mean 'compile'?)"
run 2 policy compile
err_has "no SRC.json given"
run 2 policy compile "$work/missing.json" -o "$work/x.cpol"
[ "$(cat "$work/err")" = "caec policy compile: SRC $work/missing.json does not exist" ] || fail "missing SRC: $(cat "$work/err")"

# ---- compile and show ----
cat >"$work/pipe.json" <<EOF
{ "version": 1, "self": "llm",
  "realms":   { "agent": {"rim": "$RIM_A"},
                "llm":   {"rim": "$RIM_L2", "gateway": false},
                "net":   {"rim": "$RIM_N", "gateway": true} },
  "channels": { "prompt": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "llm": "r"}},
                "out":    {"owner": "llm", "pages": 1, "members": {"llm": "w", "net": "r"}} },
  "host_calls": "doorbell",
  "strict": true }
EOF
run 2 policy compile "$work/pipe.json"
err_has "no -o BLOB given"
run 2 policy compile "$work/pipe.json" -o "$work/nosuch/x.cpol"
err_has "folder $work/nosuch does not exist"
run 2 policy compile "$work/pipe.json" -o - --json
err_has "--json and -o - both write to standard output"
run 2 policy compile "$work/pipe.json" -o "$work/x.cpol" --slef llm
err_has "unknown option '--slef' (did you mean '--self'?)"
run 2 policy compile "$work/pipe.json" -o "$work/x.cpol" --self tool
err_has "--self tool is not a realm of $work/pipe.json (its realms: agent, llm, net)"

run 0 policy compile "$work/pipe.json" -o "$work/pipe.cpol"
# The known answer (verify/tests/policy_test.c: the same policy, its blob
# encoded and hashed in Python independently of caec).
sha256=35796d8f3ef8bcdb32986735d6076697eac8ed636757f5b5b9557f2763bdf149
[ "$(wc -c <"$work/pipe.cpol")" -eq 320 ] || fail "blob size"
[ "$(sha sha256 "$work/pipe.cpol")" = $sha256 ] || fail "the blob is not the known one"
out_has "pipe.cpol: 320 bytes, the policy of realm 'llm' (3 realms, 2 channels)"
out_has "claim 65003 (sha256): $sha256"
out_has "claim 65003 (sha512): $(sha sha512 "$work/pipe.cpol")"
if command -v openssl >/dev/null 2>&1; then
	openssl dgst -sha256 -r "$work/pipe.cpol" | grep -q "^$sha256 " || fail "openssl's SHA-256 differs"
fi
# -o - writes the same bytes to stdout; SRC - reads stdin.
"$caec" policy compile "$work/pipe.json" -o - >"$work/stdout.cpol" || fail "-o -"
cmp -s "$work/stdout.cpol" "$work/pipe.cpol" || fail "-o - differs"
"$caec" policy compile - -o "$work/stdin.cpol" <"$work/pipe.json" >/dev/null || fail "SRC -"
cmp -s "$work/stdin.cpol" "$work/pipe.cpol" || fail "SRC - differs"
# --self: another realm's blob differs in self only (and so in the digest).
run 0 policy compile "$work/pipe.json" --self=agent -o "$work/agent.cpol" --json
json 'j["self"] == "agent" and j["size"] == 320 and len(j["digests"]["sha512"]) == 128'
json '[r["name"] for r in j["realms"]] == ["agent", "llm", "net"] and j["realms"][2]["gateway"]'
json 'j["digests"]["sha256"] != "'$sha256'"'
cmp -s "$work/agent.cpol" "$work/pipe.cpol" && fail "--self agent gave llm's blob"

run 0 policy show "$work/pipe.cpol"
out_has "policy blob version 1, 320 bytes, for realm 'llm' (1)"
out_has "host_calls: doorbell"
out_has "strict: yes"
out_has "rim $RIM_L2"
grep -q "net  *rim $RIM_N  gateway" "$work/out" || fail "show: net"
grep -q "prompt  *owner agent, 16 pages: agent rw, llm r" "$work/out" || fail "show: prompt"
grep -q "out  *owner llm, 1 page: llm w, net r" "$work/out" || fail "show: out"
out_has "claim 65003 (sha256): $sha256"
run 0 policy show "$work/pipe.cpol" --json
json 'j["self"] == "llm" and j["size"] == 320 and j["digests"]["sha256"] == "'$sha256'"'
json 'j["source"]["channels"]["prompt"]["members"] == {"agent": "rw", "llm": "r"}'
json 'list(j["source"]["realms"]) == ["agent", "llm", "net"] and j["source"]["host_calls"] == "doorbell"'
# The decoded source compiles to the very same blob.
/usr/bin/python3 -c 'import json,sys; json.dump(json.load(open(sys.argv[1]))["source"], open(sys.argv[2], "w"))' \
	"$work/out" "$work/back.json"
run 0 policy compile "$work/back.json" -o "$work/back.cpol"
cmp -s "$work/back.cpol" "$work/pipe.cpol" || fail "show --json's source compiles to another blob"
"$caec" policy show - <"$work/pipe.cpol" >/dev/null || fail "show -"

# A broken blob is refused (1) with the parser's phrase.
/usr/bin/python3 - "$work" <<'PY'
import sys
w = sys.argv[1]
b = bytearray(open(w + "/pipe.cpol", "rb").read())
m = bytearray(b); m[0] ^= 0x20; open(w + "/magic.cpol", "wb").write(m)
open(w + "/cut.cpol", "wb").write(b[:-8])
m = bytearray(b); m[32 + 4] = 48; open(w + "/rim.cpol", "wb").write(m)  # realm 0's rim_size
open(w + "/big.cpol", "wb").write(b + bytes(2048))
PY
run 1 policy show "$work/magic.cpol"
[ "$(cat "$work/err")" = "caec policy show: BLOB $work/magic.cpol: not a policy blob (no CPOL magic)" ] ||
	fail "bad magic: $(cat "$work/err")"
run 1 policy show "$work/cut.cpol"
err_has "the blob's size is wrong"
run 1 policy show "$work/big.cpol"
err_has "the blob's size is wrong"
run 1 policy show "$work/rim.cpol" --json
json '"a RIM is not 32 or 64 bytes" in j["error"]'
run 2 policy show
run 2 policy show "$work/missing.cpol" --json
json '"does not exist" in j["error"]'

# ---- the source's errors name what they are about (2 for compile) ----
printf '{"version": 1,\n "realms": {"a": {"rim": "%s"},}}\n' "$RIM_A" >"$work/syntax.json"
run 2 policy compile "$work/syntax.json" -o "$work/x.cpol"
err_has "caec policy compile: SRC $work/syntax.json:2:"
one_line
sed 's/"llm": "r"}/"llm": "r", "tool": "w"}/' "$work/pipe.json" >"$work/undeclared.json"
run 2 policy compile "$work/undeclared.json" -o "$work/x.cpol"
err_has "$work/undeclared.json: channel 'prompt': member 'tool' is not a declared realm (declared: agent, llm, net)"
one_line
[ ! -e "$work/x.cpol" ] || fail "a blob was written for a bad source"
sed 's/"gateway": true/"gatway": true/' "$work/pipe.json" >"$work/typo.json"
run 2 policy compile "$work/typo.json" -o "$work/x.cpol" --json
json '"realm \x27net\x27: unknown key \x27gatway\x27 (did you mean \x27gateway\x27?)" in j["error"]'

# ---- check ----
run 1 policy check "$work/pipe.json"
out_has "pass    declared: every channel's owner and members are declared realms"
out_has "pass    form: 3 realms, 2 channels, a blob of 320 bytes"
out_has "fail    host: realm 'agent' can send data to the host: agent -> [prompt] -> llm -> [out] -> net -> host (net is a gateway)"
out_has "fail    host: realm 'llm' can send data to the host: llm -> [out] -> net -> host (net is a gateway)"
[ "$(grep -c '^fail' "$work/out")" = 2 ] || fail "pipe: agent and llm leak, nothing else fails"
[ "$(cat "$work/err")" = "caec policy check: $work/pipe.json: 1 check failed (host)" ] || fail "check's line: $(cat "$work/err")"

# The issue's chain, and the guard that sits on it.
cat >"$work/chain.json" <<EOF
{ "version": 1,
  "realms": { "notes": {"rim": "$RIM_A"}, "agent": {"rim": "$RIM_L"}, "guard": {"rim": "$RIM_G"},
              "net": {"rim": "$RIM_N", "gateway": true} },
  "channels": { "tools": {"owner": "agent", "pages": 1, "members": {"notes": "w", "agent": "r"}},
                "net-chan": {"owner": "agent", "pages": 1, "members": {"agent": "w", "guard": "r"}},
                "egress": {"owner": "guard", "pages": 1, "members": {"guard": "w", "net": "r"}} },
  "host_calls": "deny" }
EOF
run 1 policy check "$work/chain.json" --path notes:host:guard --path host:notes:agent --path notes:net:agent
out_has "fail    host: realm 'notes' can send data to the host: notes -> [tools] -> agent -> [net-chan] -> guard -> [egress] -> net -> host (net is a gateway)"
out_has "pass    path notes:host:guard: every path from notes to host passes through guard"
out_has "pass    path host:notes:agent: no path leads from host to notes at all"
out_has "pass    path notes:net:agent: every path from notes to net passes through agent"
err_has "1 check failed (host)"
# A way around the guard is shown.
sed 's/"egress"/"side": {"owner": "net", "pages": 2, "members": {"agent": "rw", "net": "r"}},\n "egress"/' \
	"$work/chain.json" >"$work/around.json"
run 1 policy check "$work/around.json" --path notes:host:guard --json
json 'not j["passed"] and [c["status"] for c in j["checks"]] == ["pass", "pass", "fail", "fail"]'
json 'j["checks"][3]["check"] == "path notes:host:guard"'
json 'j["checks"][3]["findings"][0]["nodes"] == ["notes", "agent", "net", "host"]'
json 'j["checks"][3]["findings"][0]["channels"] == ["tools", "side", None]'
json '"avoids guard: notes -> [tools] -> agent -> [side] -> net -> host" in j["checks"][3]["findings"][0]["text"]'
json 'j["checks"][2]["findings"][0]["realm"] == "notes" and "error" in j'
# All gateways, or no gateway at all and only doorbells: nothing leaks.
cat >"$work/closed.json" <<EOF
{ "version": 1, "realms": { "a": {"rim": "$RIM_A"}, "b": {"rim": "$RIM_L"} },
  "channels": { "ab": {"owner": "a", "pages": 4, "members": {"a": "rw", "b": "rw"}} },
  "host_calls": "doorbell" }
EOF
run 0 policy check "$work/closed.json" --json
json 'j["passed"] and "error" not in j and [c["status"] for c in j["checks"]] == ["pass"] * 3'
run 0 policy check "$work/closed.json"
out_has "pass    host: no non-gateway realm can send data to the host"
run 1 policy check "$work/closed.json" --path a:b:host
out_has "fail    path a:b:host: a path from a to b avoids host: a -> [ab] -> b"
sed 's/"doorbell"/"allow"/' "$work/closed.json" >"$work/allow.json"
run 1 policy check "$work/allow.json"
out_has "fail    host: realm 'a' can send data to the host: a -> host (host_calls is \"allow\")"
out_has "fail    host: realm 'b' can send data to the host: b -> host (host_calls is \"allow\")"
# Undeclared names: every one of them explained, and nothing else run.
sed 's/"owner": "guard"/"owner": "boss"/; s/"notes": "w"/"notes": "w", "tool": "r"/' "$work/chain.json" >"$work/names.json"
run 1 policy check "$work/names.json" --path notes:host:guard
out_has "fail    declared: channel 'tools': member 'tool' is not a declared realm (declared: notes, agent, guard, net)"
out_has "fail    declared: channel 'egress': owner 'boss' is not a declared realm (declared: notes, agent, guard, net)"
out_has "not-run form: the source names realms it does not declare"
out_has "not-run path notes:host:guard"
err_has "1 check failed (declared)"
# Other mistakes are the form check's.
run 1 policy check "$work/typo.json"
out_has "fail    form: realm 'net': unknown key 'gatway'"
# Usage errors: 2.
run 2 policy check "$work/chain.json" --path notes:host
err_has "--path: 'notes:host' is not FROM:TO:VIA"
run 2 policy check "$work/chain.json" --path notes:cloud:guard
err_has "--path notes:cloud:guard: TO 'cloud' is not a realm of $work/chain.json (nor 'host')"
run 2 policy check "$work/chain.json" --path notes:host:notes --json
json '"three different nodes" in j["error"]'
run 2 policy check "$work/syntax.json"
run 2 policy check

# ---- "image": the RIM `caec realm measure` gives ----
mkdir -p "$work/sub"
cp "$hello" "$work/sub/hello.so"
rim_of() { "$caec" realm measure "$hello" --json "$@" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["rim"])'; }
cat >"$work/sub/images.json" <<EOF
{ "version": 1, "self": "plain",
  "realms": { "plain": {"image": "hello.so"},
              "sized": {"image": "$hello", "memory": "32M", "vcpus": 2, "hash": "sha512", "csm_exits": true},
              "bytes": {"image": "./hello.so", "memory": 4194304, "csm_exits": true},
              "gated": {"image": "hello.so", "policy_required": true, "gateway": true} } }
EOF
# The relative paths are the source's folder's, wherever caec runs.
(cd / && "$caec" policy compile "$work/sub/images.json" -o "$work/images.cpol" --json) >"$work/out" 2>"$work/err" ||
	fail "compile with images"
json '[r["rim"] for r in j["realms"]][0] == "'"$(rim_of)"'"'
json '[r["rim"] for r in j["realms"]][1] == "'"$(rim_of --mem 32M --vcpus 2 --hash sha512 --csm-exits)"'"'
json '[r["rim"] for r in j["realms"]][2] == "'"$(rim_of --mem 4M --csm-exits)"'"'
# POLICY_REQUIRED is measured: another RIM than CSM_EXITS alone.
json '[r["rim"] for r in j["realms"]][3] not in ("'"$(rim_of)"'", "'"$(rim_of --csm-exits)"'")'
json 'j["realms"][3]["gateway"]'
run 0 policy show "$work/images.cpol"
out_has "rim $(rim_of)"
# A missing or bad image, or a bad option, names the realm.
sed 's/"image": "hello.so"}/"image": "nosuch.so"}/' "$work/sub/images.json" >"$work/sub/missing.json"
run 2 policy compile "$work/sub/missing.json" -o "$work/x.cpol"
err_has "realm 'plain': image $work/sub/nosuch.so cannot be read: No such file or directory"
run 2 policy check "$work/sub/missing.json"
err_has "realm 'plain': image $work/sub/nosuch.so cannot be read"
printf 'not an elf' >"$work/sub/bad.so"
sed 's/"image": "hello.so"}/"image": "bad.so"}/' "$work/sub/images.json" >"$work/sub/bad.json"
run 2 policy compile "$work/sub/bad.json" -o "$work/x.cpol"
err_has "realm 'plain': image $work/sub/bad.so:"
sed 's/"memory": "32M"/"memory": "12Q"/' "$work/sub/images.json" >"$work/sub/mem.json"
run 2 policy compile "$work/sub/mem.json" -o "$work/x.cpol"
err_has "realm 'sized': \"memory\" must be bytes"
run 1 policy check "$work/sub/mem.json"
out_has "fail    form: realm 'sized': \"memory\" must be bytes"
sed 's/"vcpus": 2/"vcpus": 65/' "$work/sub/images.json" >"$work/sub/vcpus.json"
run 2 policy compile "$work/sub/vcpus.json" -o "$work/x.cpol"
err_has "realm 'sized': \"vcpus\" must be 1..64"
printf '{"version": 1, "realms": {"a": {"rim": "%s", "vcpus": 2}}}' "$RIM_A" >"$work/rimopt.json"
run 2 policy compile "$work/rimopt.json" -o "$work/x.cpol" --self a
err_has "realm 'a': \"vcpus\" is an option of an \"image\""
# No self: compile asks for --self.
printf '{"version": 1, "realms": {"a": {"rim": "%s"}}}' "$RIM_A" >"$work/noself.json"
run 2 policy compile "$work/noself.json" -o "$work/x.cpol"
err_has "has no \"self\": say which realm the blob is for with --self (one of a)"
run 0 policy compile "$work/noself.json" -o "$work/x.cpol" --self a
echo "policy_cli_test: ok"
