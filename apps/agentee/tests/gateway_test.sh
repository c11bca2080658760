#!/bin/sh
# The gateway realm end to end through the real TLS path: caec run
# --listen on net + agent + a rule-driven llm stand-in + the calculator;
# curl and OpenSSL's s_client as clients: chat completions (JSON and
# server-sent events) reaching a tool, the attestation endpoint binding
# the TLS key the client sees, a client that sends plaintext before the
# handshake refused (and the next one served), HTTP errors, a clean stop.
# usage: gateway_test.sh CAEC IMAGES_DIR WORKDIR
set -eu
caec=$1
images=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
test_name=gateway_test
. "$(dirname "$0")/../../../scripts/cli_test_lib.sh"

cat >"$work/gw.json" <<EOT
{
  "version": 1,
  "realms": {
    "net": {"image": "$images/net_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35, "gateway": true},
    "agent": {"image": "$images/agent_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "llm": {"image": "$images/scripted_llm_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35},
    "calc": {"image": "$images/calc_realm.so", "memory": "4M", "policy_required": true, "ipa_bits": 35}
  },
  "channels": {
    "net-agent": {"owner": "net", "pages": 32, "members": {"net": "rw", "agent": "rw"}},
    "agent-llm": {"owner": "agent", "pages": 32, "members": {"agent": "rw", "llm": "rw"}},
    "agent-calc": {"owner": "agent", "pages": 16, "members": {"agent": "rw", "calc": "rw"}}
  },
  "host_calls": "allow",
  "strict": true
}
EOT

# Without --listen the gateway has nothing to serve and the run ends.
run 0 run "$work/gw.json"
err_has "net: no link (the run has no --listen): nothing to serve"
err_has "agent: 0 gateway requests answered; the gateway is gone"

"$caec" run "$work/gw.json" --listen 127.0.0.1:0 --platform-key-out "$work/pk.pem" >"$work/srv.out" 2>"$work/srv.err" &
pid=$!
stop() { kill -INT $pid 2>/dev/null || true; }
port=""
for _ in $(seq 1 100); do
	port=$(sed -n 's/^caec run: listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/srv.out")
	[ -n "$port" ] && grep -q "net: serving TLS" "$work/srv.err" && break
	sleep 0.1
done
[ -n "$port" ] || { stop; fail "the gateway did not come up: $(cat "$work/srv.out" "$work/srv.err")"; }
url=https://127.0.0.1:$port

check() { # NAME FILE STRING
	grep -qF -- "$3" "$2" || { stop; fail "$1: '$3' not in $(cat "$2")"; }
}
curl -sk "$url/v1/chat/completions" -H 'Content-Type: application/json' \
	-d '{"model":"caec-agent","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"calc: (3 + 4) * 2.5"}]}' \
	>"$work/chat.json"
check chat "$work/chat.json" '"object":"chat.completion"'
check chat "$work/chat.json" '"message":{"role":"assistant","content":"Result: {\"result\":\"17.5\"}"},"finish_reason":"stop"'
check chat "$work/chat.json" '"caec_tools":["calculator"]'
# Streaming: the answer's pieces as they are generated; a tool call's not at all.
for q in "hello|You said: hello|[]" 'calc: 1+2|Result: {"result":"3"}|["calculator"]'; do
	prompt=${q%%|*}
	rest=${q#*|}
	curl -sk -N "$url/v1/chat/completions" -d '{"messages":[{"role":"user","content":"'"$prompt"'"}],"stream":true}' \
		>"$work/sse.txt"
	/usr/bin/python3 - "$work/sse.txt" "${rest%|*}" "${rest#*|}" <<'PY' || { stop; fail "stream of '$prompt': $(cat "$work/sse.txt")"; }
import json, sys
events = [l[6:] for l in open(sys.argv[1]).read().split("\n") if l.startswith("data: ")]
assert events[-1] == "[DONE]", events
chunks = [json.loads(e) for e in events[:-1]]
assert all(c["object"] == "chat.completion.chunk" for c in chunks)
pieces = [c["choices"][0]["delta"].get("content") for c in chunks[:-1]]
assert len(pieces) == 2, pieces  # the stand-in model streams each reply in two pieces
assert "".join(pieces) == sys.argv[2], pieces
assert chunks[-1]["choices"][0]["finish_reason"] == "stop" and chunks[-1]["caec_tools"] == json.loads(sys.argv[3])
PY
done
curl -sk "$url/v1/models" >"$work/models.json"
check models "$work/models.json" '"id":"caec-agent"'
curl -sk -o /dev/null -w '%{http_code}\n' "$url/nope" >"$work/404"
check 404 "$work/404" 404
curl -sk -o /dev/null -w '%{http_code}\n' "$url/v1/chat/completions" >"$work/405"
check 405 "$work/405" 405
curl -sk -o "$work/400.json" -w '%{http_code}\n' "$url/v1/chat/completions" -d '{"messages":[]}' >"$work/400"
check 400 "$work/400" 400
check 400 "$work/400.json" 'no message has the role \"user\"'
curl -sk -o "$work/nonce.json" -w '%{http_code}\n' "$url/v1/attestation?nonce=12" >"$work/nonce"
check nonce "$work/nonce" 400

# The attestation binds the TLS key this client sees.
nonce=$(printf '%0128d' 42)
curl -sk "$url/v1/attestation?nonce=$nonce" >"$work/att.json"
echo | openssl s_client -connect "127.0.0.1:$port" 2>/dev/null | openssl x509 -noout -pubkey >"$work/pub.pem" ||
	{ stop; fail "s_client got no certificate"; }
/usr/bin/python3 - "$work/att.json" "$work/pub.pem" "$nonce" <<'PY' || { stop; fail "the token does not bind the TLS key"; }
import hashlib, json, sys
from cryptography.hazmat.primitives import serialization
att = json.load(open(sys.argv[1]))
key = serialization.load_pem_public_key(open(sys.argv[2], "rb").read())
pub = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
assert pub.hex() == att["tls_public_key"], "the certificate's key is not the attested one"
want = hashlib.sha512(b"caec gateway tls key" + pub + bytes.fromhex(sys.argv[3])).digest()
assert want in bytes.fromhex(att["token"]), "the token's challenge is not H(label, key, nonce)"
PY

# Plaintext before the handshake: refused, and the next client is served.
python3 - "$port" <<'PY' || { stop; fail "plaintext was not refused"; }
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=30)
s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
data = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    data += c
assert b"HTTP/1.1" not in data, data
PY
curl -sk "$url/v1/models" >"$work/models2.json"
check after-plaintext "$work/models2.json" '"id":"caec-agent"'

# caec chat: verified, then asked.
posts() { grep -c "POST /v1/chat/completions" "$work/srv.err" || true; }
"$caec" chat --connect "127.0.0.1:$port" --pipeline "$work/gw.json" --platform-key "$work/pk.pem" "calc: 2^10" \
	>"$work/chat.out" 2>"$work/chat.err" || { stop; fail "caec chat failed: $(cat "$work/chat.err")"; }
check chat-out "$work/chat.out" "caec chat: gateway 'net' attested"
check chat-out "$work/chat.out" 'Result: {"result":"1024"}'
"$caec" chat --connect "127.0.0.1:$port" --pipeline "$work/gw.json" --platform-key "$work/pk.pem" --json "hi" \
	>"$work/chat.json" || { stop; fail "caec chat --json failed"; }
/usr/bin/python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["answer"]=="You said: hi" and j["verification"]["accepted"] and len(j["verification"]["tls_public_key"])==130, j' \
	"$work/chat.json" || { stop; fail "caec chat --json: $(cat "$work/chat.json")"; }
# Refused gateways get no prompt: another RIM, another policy, another platform.
sed 's|"net": {"image": "[^"]*"|"net": {"image": "'"$images"'/link_echo_realm.so"|' "$work/gw.json" >"$work/rim.json"
sed 's|"pages": 16|"pages": 8|' "$work/gw.json" >"$work/policy.json"
openssl ecparam -name secp384r1 -genkey -noout 2>/dev/null | openssl ec -pubout >"$work/other.pem" 2>/dev/null
before=$(posts)
for bad in "rim.json pk.pem the gateway's RIM is not the one the pipeline's 'net' image measures to" \
	"policy.json pk.pem the gateway does not run under the pipeline's policy" \
	"gw.json other.pem the token does not verify (platform-signature)"; do
	set -- $bad
	f=$1 k=$2
	shift 2
	rc=0
	"$caec" chat --connect "127.0.0.1:$port" --pipeline "$work/$f" --platform-key "$work/$k" "the secret plan" \
		>"$work/bad.out" 2>"$work/bad.err" || rc=$?
	[ $rc -eq 1 ] || { stop; fail "chat with $f/$k: exit $rc, want 1"; }
	check "chat $f" "$work/bad.err" "the gateway was not accepted, the prompt was not sent: $*"
done
[ "$(posts)" = "$before" ] || { stop; fail "a prompt reached the gateway after a refused attestation"; }
rc=0
"$caec" chat --connect "127.0.0.1:$port" --pipeline "$work/gw.json" "x" 2>"$work/usage.err" || rc=$?
[ $rc -eq 2 ] || { stop; fail "chat without --platform-key: exit $rc, want 2"; }
"$caec" chat --help | grep -q "usage: caec chat" || { stop; fail "chat --help"; }

stop
rc=0
wait $pid || rc=$?
[ $rc -eq 0 ] || fail "SIGINT: exit $rc: $(cat "$work/srv.err")"
grep -q "caec run: stopped by SIGINT: 4 realms torn down, no granule left behind" "$work/srv.out" ||
	fail "no clean stop: $(cat "$work/srv.out")"
grep -q "refused: not a TLS client" "$work/srv.err" || fail "the plaintext client was not logged: $(cat "$work/srv.err")"
echo "$test_name: ok"
