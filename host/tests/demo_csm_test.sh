#!/bin/sh
# caec demo csm --json: the messages arrived, three members with realm IDs
# and RIMs of their own, each token verifies with caec attest verify
# (platform key, nonce, --allow-debug) and lists the region in claim 65002,
# and caec attest group accepts the three tokens against the demo's policy
# and nonce, and refuses them when one comes from another run.
# usage: demo_csm_test.sh CAEC IMAGES_DIR WORKDIR
set -eu
caec=$1
images=$2
work=$3
rm -rf "$work"
mkdir -p "$work"
fail() { echo "demo_csm_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
"$caec" demo csm --json --images "$images" >"$work/demo.json" 2>"$work/err" || fail "demo csm failed"
grep -q 'reader: got "writer: read you' "$work/err" || fail "the reader did not see the reply"
/usr/bin/python3 - "$work/demo.json" "$work" <<'PY' || fail "JSON"
import json, sys, os
j = json.load(open(sys.argv[1]))
work = sys.argv[2]
assert j["messages_ok"] is True and "error" not in j, j.get("error")
roles = [m["role"] for m in j["members"]]
assert roles == ["owner", "writer", "reader"], roles
assert len({m["realm_id"] for m in j["members"]}) == 3
assert len({m["rim"] for m in j["members"]}) == 3
pol = j["policy"]
assert set(pol["realms"]) == {"owner", "writer", "reader"}, pol
assert pol["channels"]["shared"]["members"] == {"owner": "rw", "writer": "rw", "reader": "r"}, pol
for m in j["members"]:
    assert pol["realms"][m["role"]]["rim"] == m["rim"], m
assert len(j["nonce"]) == 128
json.dump(pol, open(os.path.join(work, "policy.json"), "w"))
open(os.path.join(work, "nonce"), "w").write(j["nonce"])
open(os.path.join(work, "key.pem"), "w").write(j["platform_key"])
for t in j["tokens"]:
    assert t["valid"] is True
    open(os.path.join(work, t["role"] + ".cbor"), "wb").write(bytes.fromhex(t["token"]))
    open(os.path.join(work, t["role"] + ".nonce"), "w").write(t["nonce"])
    assert t["nonce"] == j["nonce"], "every token is bound to the group's nonce"
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
group() { # policy nonce key tokens...: caec attest group's exit status
	pol=$1 nonce=$2 key=$3
	shift 3
	set +e
	"$caec" attest group --policy "$pol" --nonce "$nonce" --platform-key "$key" --allow-debug --json "$@" \
		>"$work/group.json" 2>"$work/err"
	st=$?
	set -e
	return $st
}
group "$work/policy.json" "$(cat "$work/nonce")" "$work/key.pem" \
	"$work/owner.cbor" "$work/writer.cbor" "$work/reader.cbor" || fail "attest group refused the demo's tokens"
group "$work/policy.json" "$(cat "$work/nonce")" "$work/key.pem" \
	"$work/reader.cbor" "$work/owner.cbor" "$work/writer.cbor" || fail "attest group depends on the order"
# Another run (another machine, another nonce): any one of its tokens in the
# first run's group is refused.
mkdir -p "$work/run2"
"$caec" demo csm --json --images "$images" >"$work/run2/demo.json" 2>"$work/run2/err" || fail "second demo run failed"
/usr/bin/python3 - "$work/run2/demo.json" "$work/run2" <<'PY' || fail "second run JSON"
import json, sys, os
j = json.load(open(sys.argv[1]))
for t in j["tokens"]:
    open(os.path.join(sys.argv[2], t["role"] + ".cbor"), "wb").write(bytes.fromhex(t["token"]))
PY
for swap in owner writer reader; do
	set -- "$work/owner.cbor" "$work/writer.cbor" "$work/reader.cbor"
	case $swap in
	owner) set -- "$work/run2/owner.cbor" "$work/writer.cbor" "$work/reader.cbor" ;;
	writer) set -- "$work/owner.cbor" "$work/run2/writer.cbor" "$work/reader.cbor" ;;
	reader) set -- "$work/owner.cbor" "$work/writer.cbor" "$work/run2/reader.cbor" ;;
	esac
	if group "$work/policy.json" "$(cat "$work/nonce")" "$work/key.pem" "$@"; then
		fail "attest group accepted the $swap's token from another run"
	fi
	[ "$st" = 1 ] || fail "attest group: exit $st for the $swap's token from another run"
done
echo "demo_csm_test: ok"
