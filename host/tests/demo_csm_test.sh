#!/bin/sh
# caec demo csm --json: the messages arrived, three members with realm IDs
# and one RIM, and each token verifies with caec attest verify (platform key,
# nonce, --allow-debug) and lists the region in claim 65002.
# usage: demo_csm_test.sh CAEC CSM_PARTY.so WORKDIR
set -eu
caec=$1
image=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "demo_csm_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
"$caec" demo csm --json --image "$image" >"$work/demo.json" 2>"$work/err" || fail "demo csm failed"
grep -q 'reader: got "writer: read you' "$work/err" || fail "the reader did not see the reply"
/usr/bin/python3 - "$work/demo.json" "$work" <<'PY' || fail "JSON"
import json, sys, os
j = json.load(open(sys.argv[1]))
work = sys.argv[2]
assert j["messages_ok"] is True and "error" not in j, j.get("error")
roles = [m["role"] for m in j["members"]]
assert roles == ["owner", "writer", "reader"], roles
assert len({m["realm_id"] for m in j["members"]}) == 3
assert len({m["rim"] for m in j["members"]}) == 1
open(os.path.join(work, "key.pem"), "w").write(j["platform_key"])
for t in j["tokens"]:
    assert t["valid"] is True
    open(os.path.join(work, t["role"] + ".cbor"), "wb").write(bytes.fromhex(t["token"]))
    open(os.path.join(work, t["role"] + ".nonce"), "w").write(t["nonce"])
open(os.path.join(work, "csm_id"), "w").write(str(int(j["csm_id"], 16)))
PY
for role in owner writer reader; do
	"$caec" attest verify "$work/$role.cbor" --platform-key "$work/key.pem" \
		--nonce "$(cat "$work/$role.nonce")" --allow-debug >/dev/null ||
		fail "the $role's token does not verify"
	"$caec" attest show "$work/$role.cbor" --json >"$work/$role.json" || fail "attest show $role"
	/usr/bin/python3 - "$work/$role.json" "$(cat "$work/csm_id")" "$role" <<'PY' || fail "$role: claim 65002"
import json, sys
text = json.dumps(json.load(open(sys.argv[1])))
assert "caec_regions" in text, "no claim 65002"
regions = None
def find(o):
    global regions
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "caec_regions":
                regions = v
            find(v)
    elif isinstance(o, list):
        for v in o:
            find(v)
find(json.load(open(sys.argv[1])))
assert isinstance(regions, list) and len(regions) == 1, regions
r = regions[0]
v = r["csm_id"]  # a number, or text when it does not fit a JSON integer
assert (int(v, 0) if isinstance(v, str) else v) == int(sys.argv[2]), (v, sys.argv[2])
assert r["role"] == (0 if sys.argv[3] == "owner" else 1), r
assert r["perms"] == (1 if sys.argv[3] == "reader" else 3), r
PY
done
echo "demo_csm_test: ok"
