#!/bin/sh
# `caec attest` end to end on tokens of the test producer: the platform
# lifecycle (appraised always, debug states only with --allow-debug), the
# measurement-size leniency (a note by default, refused with --strict),
# nonces in the forms `caec realm run` takes, several --platform-key, TOKEN
# '-' from standard input, typos in the reference file, a verdict where
# everything is skip, and the shared option conventions (--opt=value, --,
# did-you-mean, exit codes, --json also on failure with snake_case keys);
# the CSM claims of revision 2 (show's names, the digests recomputed in
# Python from the region report, --ref csm rules with --members, the owner
# clone).
# Usage: attest_cli_test.sh CAEC MAKE_TEST_TOKENS SHARED_DIR
set -u
caec=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
make_tokens=$2
v=$3/testvectors/cca
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t=$tmp/tokens
mkdir "$t"
"$make_tokens" "$t" >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log" >&2; echo "FAIL: make_test_tokens" >&2; exit 1; }
key=$t/platform.pem
checks=0

fail() { echo "FAIL: $*" >&2; exit 1; }
# expect STATUS CMD...: runs CMD, stdout in $tmp/out, stderr in $tmp/err.
expect() {
  want=$1; shift
  "$@" >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$got" -eq "$want" ] || fail "exit $got, want $want: $*: $(cat "$tmp/err")"
  checks=$((checks + 1))
}
# expect_stdin STATUS FILE CMD...: the same with FILE on standard input.
expect_stdin() {
  want=$1; file=$2; shift 2
  "$@" <"$file" >"$tmp/out" 2>"$tmp/err"
  got=$?
  [ "$got" -eq "$want" ] || fail "exit $got, want $want: $* < $file: $(cat "$tmp/err")"
  checks=$((checks + 1))
}
has() { grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2': $(cat "$tmp/$1")"; }
lacks() { ! grep -qF -- "$2" "$tmp/$1" || fail "$1 has '$2': $(cat "$tmp/$1")"; }
one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$tmp/err")"; has err "$1"; }
json_ok() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$tmp/out" || fail "JSON check '$2': $(cat "$tmp/out")"; }
# Every key of the JSON document is snake_case.
snake_keys() {
  json_ok out '
import re
def walk(x):
    if isinstance(x, dict):
        for k, y in x.items():
            assert re.fullmatch(r"[a-z0-9_]+", k), k
            walk(y)
    elif isinstance(x, list):
        for y in x: walk(y)
walk(d)'
}

# ---- 1. Lifecycle -------------------------------------------------------------
expect 0 "$caec" attest show "$t/debug.cbor"
has out 'lifecycle (2395): 0x5000 (recoverable-cca-platform-rot-debug)'
expect 0 "$caec" attest show --json "$t/debug.cbor"
json_ok out 'c = d["platform"]["claims"]; assert c["lifecycle"] == 0x5000 and c["lifecycle_state"] == "recoverable-cca-platform-rot-debug"'
snake_keys
expect 0 "$caec" attest verify "$t/secured.cbor" --platform-key "$key"
has out 'lifecycle          pass: platform lifecycle secured (0x3003)'
lacks out 'DEBUG'
# A debug platform fails, even without --ref, and with one line saying how to accept it.
expect 1 "$caec" attest verify "$t/debug.cbor" --platform-key "$key"
one_line 'invalid: lifecycle: platform lifecycle recoverable-cca-platform-rot-debug (0x5000) is not secured'
has err '--allow-debug'
[ -s "$tmp/out" ] && fail "a refused token printed to stdout"
expect 1 "$caec" attest verify --json "$t/debug.cbor" --platform-key "$key"
json_ok out 'assert d["valid"] is False and d["failed_check"] == "lifecycle"; assert "lifecycle" in d["error"]; assert d["lifecycle"]["state"] == "recoverable-cca-platform-rot-debug" and d["lifecycle"]["debug"] is True'
# --allow-debug admits it and says so.
expect 0 "$caec" attest verify "$t/debug.cbor" --platform-key "$key" --allow-debug
has out 'DEBUG platform (lifecycle recoverable-cca-platform-rot-debug), accepted by --allow-debug'
has out 'lifecycle          pass: platform lifecycle recoverable-cca-platform-rot-debug (0x5000): a DEBUG platform'
expect 0 "$caec" attest verify --json "$t/debug.cbor" --platform-key "$key" --allow-debug
json_ok out 'assert d["valid"] is True and d["debug_platform"] is True and d["error"] is None'
# ... but never a decommissioned one.
expect 1 "$caec" attest verify "$t/decommissioned.cbor" --platform-key "$key" --allow-debug
one_line 'invalid: lifecycle: platform lifecycle decommissioned (0x6000) is not secured'

# ---- 2. Reference-file typos; all-skip verdicts ----------------------------------
printf '{"rim": ["1111111111111111111111111111111111111111111111111111111111111111"]}\n' >"$tmp/typo.json"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --ref "$tmp/typo.json"
one_line "caec attest verify: --ref $tmp/typo.json: unknown member 'rim' (did you mean 'rims'?)"
printf '{"sw_components": [{"measurment": "aa"}]}\n' >"$tmp/typo2.json"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --ref "$tmp/typo2.json"
one_line "sw_components[0]: unknown member 'measurment' (did you mean 'measurement'?)"
printf '{"regions": [{"csm_id": 1, "member": []}]}\n' >"$tmp/typo3.json"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --members "$tmp/typo3.json"
one_line "regions[0]: unknown member 'member' (did you mean 'members'?)"
# A reference file that constrains nothing: said in one line, and in JSON.
printf '{"platform_keys": ["%s"]}\n' "$key" >"$tmp/keys-only.json"
expect 0 "$caec" attest verify "$t/secured.cbor" --ref "$tmp/keys-only.json"
has out "every reference check is skip: $tmp/keys-only.json constrains none of the claims"
[ "$(grep -c 'every reference check is skip' "$tmp/out")" -eq 1 ] || fail "all-skip said more than once"
expect 0 "$caec" attest verify --json "$t/secured.cbor" --ref "$tmp/keys-only.json"
json_ok out 'assert d["all_skip"] is True'
printf '{"platform_keys": ["%s"], "rims": ["%s"]}\n' "$key" \
  1111111111111111111111111111111111111111111111111111111111111111 >"$tmp/rim.json"
expect 0 "$caec" attest verify "$t/secured.cbor" --ref "$tmp/rim.json"
has out 'rim                pass'
lacks out 'every reference check is skip'
expect 0 "$caec" attest verify --json "$t/secured.cbor" --ref "$tmp/rim.json"
json_ok out 'assert d["all_skip"] is False'
# Without --ref, the text says the measurements were not appraised.
expect 0 "$caec" attest verify "$t/secured.cbor" --platform-key "$key"
has out 'no reference values (--ref)'

# ---- 3. Several --platform-key: every one is accepted ---------------------------
expect 0 "$caec" attest verify "$t/secured.cbor" --platform-key "$v/cca_platform.pub" --platform-key "$key"
expect 0 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --platform-key "$v/cca_platform.pub"
expect 0 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$key" --platform-key "$v/cpak.json"
expect 1 "$caec" attest verify "$t/secured.cbor" --platform-key "$v/cca_platform.pub" --platform-key "$v/cpak.json"
one_line 'invalid: platform-signature: signature verifies with none of the 2 accepted platform keys'

# ---- 4. Nonces as `caec realm run --nonce` takes them ---------------------------
for n in abab 0xabab ABAB "abab$(printf '00%.0s' $(seq 62))"; do
  expect 0 "$caec" attest verify "$t/short-nonce.cbor" --platform-key "$key" --nonce "$n"
  has out 'nonce matches'
done
expect 1 "$caec" attest verify "$t/short-nonce.cbor" --platform-key "$key" --nonce abac
one_line 'invalid: nonce:'
expect 2 "$caec" attest verify "$t/short-nonce.cbor" --platform-key "$key" --nonce "$(printf 'ab%.0s' $(seq 65))"
one_line "caec attest verify: --nonce: '"
has err 'is not hex of 1 to 64 bytes'
expect 2 "$caec" attest verify "$t/short-nonce.cbor" --platform-key "$key" --nonce aba
expect 2 "$caec" attest verify "$t/short-nonce.cbor" --platform-key "$key" --nonce=0x

# ---- 5. TOKEN '-' is standard input --------------------------------------------
expect_stdin 0 "$t/secured.cbor" "$caec" attest verify - --platform-key "$key"
has out 'valid: CCA token'
expect_stdin 0 "$v/cca-token-draft-ffm-00.cbor" "$caec" attest show -
has out 'initial-measurement (44238): 311314ab'
: >"$tmp/empty"
expect_stdin 2 "$tmp/empty" "$caec" attest verify - --platform-key "$key"
one_line 'caec attest verify: TOKEN (standard input) is empty'
expect_stdin 2 "$tmp/empty" "$caec" attest show -
one_line 'caec attest show: TOKEN (standard input) is empty'
expect_stdin 0 "$tmp/rim.json" "$caec" attest verify "$t/secured.cbor" --ref -
has out 'rim                pass'
expect 2 "$caec" attest verify - --ref - --platform-key "$key"
one_line 'only one of TOKEN, --ref and --members'

# ---- 6. Measurement sizes: lenient with a note, strict refuses --------------------
expect 0 "$caec" attest verify "$t/meas64.cbor" --platform-key "$key"
has out 'note: realm-claims: realm measurements are not sha-256 digests (32 bytes): RIM 64, REMs 64/64/64/64 bytes'
expect 0 "$caec" attest verify --json "$t/meas64.cbor" --platform-key "$key"
json_ok out 'n = d["notes"]; assert len(n) == 1 and n[0]["rule"] == "measurement-size" and n[0]["check"] == "realm-claims"'
snake_keys
expect 1 "$caec" attest verify --strict "$t/meas64.cbor" --platform-key "$key"
one_line 'invalid: realm-claims: claim 44238: RIM is 64 bytes, sha-256 needs 32 (strict mode)'
expect 0 "$caec" attest show --json "$t/meas64.cbor"
json_ok out 'assert len(d["notes"]) == 1'
# The third-party vectors need no leniency.
for tok in cca-token-01.cbor cca-token-draft-ffm-00.cbor; do
  expect 0 "$caec" attest verify --json "$v/$tok" --platform-key "$v/cca_platform.pub"
  json_ok out 'assert d["notes"] == [] and d["lifecycle"]["state"] == "secured"'
  expect 0 "$caec" attest verify --strict "$v/$tok" --platform-key "$v/cca_platform.pub"
done

# ---- 7. Option conventions ---------------------------------------------------------
expect 0 "$caec" attest verify "$t/secured.cbor" --platform-key="$key" --nonce="0x$(printf '5a%.0s' $(seq 64))"
has out 'nonce matches'
cp "$t/secured.cbor" "$tmp/-dash.cbor"
(cd "$tmp" && "$caec" attest verify --platform-key "$key" -- -dash.cbor >out 2>err) ||
  fail "'--' does not end the options: $(cat "$tmp/err")"
checks=$((checks + 1))
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --nonse abab
one_line "caec attest verify: unknown option '--nonse' (did you mean '--nonce'?)"
expect 2 "$caec" attest verify "$t/secured.cbor" --allow-debgu
one_line "unknown option '--allow-debgu' (did you mean '--allow-debug'?)"
expect 2 "$caec" attest show "$t/secured.cbor" --jsno
one_line "caec attest show: unknown option '--jsno' (did you mean '--json'?)"
expect 2 "$caec" attest verify "$t/secured.cbor" --strict=yes
one_line '--strict takes no value'
# Input files: one wording for every argument.
expect 2 "$caec" attest verify "$tmp" --platform-key "$key"
one_line "caec attest verify: TOKEN $tmp is a directory"
expect 2 "$caec" attest verify "$tmp/nothing.cbor" --platform-key "$key"
one_line "caec attest verify: TOKEN $tmp/nothing.cbor does not exist"
expect 2 "$caec" attest verify "$tmp/empty" --platform-key "$key"
one_line "caec attest verify: TOKEN $tmp/empty is empty"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$tmp"
one_line "caec attest verify: --platform-key $tmp is a directory"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --ref "$tmp/nothing.json"
one_line "caec attest verify: --ref $tmp/nothing.json does not exist"
expect 2 "$caec" attest verify "$t/secured.cbor" --platform-key "$key" --members "$tmp"
one_line "caec attest verify: --members $tmp is a directory"
expect 2 "$caec" attest show "$tmp"
one_line "caec attest show: TOKEN $tmp is a directory"
# --json is printed on every failure, with an "error" member.
expect 2 "$caec" attest verify --json "$t/secured.cbor" --nonse abab
json_ok out 'assert d["valid"] is False and "unknown option" in d["error"]'
expect 2 "$caec" attest verify --json "$tmp/nothing.cbor" --platform-key "$key"
json_ok out 'assert "does not exist" in d["error"]'
expect 2 "$caec" attest verify --json "$t/secured.cbor" --platform-key "$key" --ref "$tmp/typo.json"
json_ok out 'assert "did you mean" in d["error"]'
expect 1 "$caec" attest verify --json "$t/secured.cbor" --platform-key "$v/cca_platform.pub"
json_ok out 'assert d["failed_check"] == "platform-signature" and d["error"].startswith("invalid: platform-signature")'
snake_keys
expect 0 "$caec" attest verify --json "$t/secured.cbor" --platform-key "$key"
snake_keys
head -c 100 "$t/secured.cbor" >"$tmp/cut.cbor"
expect 1 "$caec" attest show --json "$tmp/cut.cbor"
json_ok out 'assert d["error"].startswith("collection:")'
expect 2 "$caec" attest show --json
json_ok out 'assert "no TOKEN" in d["error"]'
# Help: the exit codes close every text; "help SUBCOMMAND" is --help.
for sub in verify show; do
  expect 0 "$caec" attest "$sub" --help
  [ "$(tail -n 2 "$tmp/out" | head -n 1)" = "Exit status: 0 success; 1 the operation failed; 2 usage error or unusable" ] ||
    fail "attest $sub --help does not end with the exit codes"
  expect 0 "$caec" attest help "$sub"
  has out "usage: caec attest $sub"
done
expect 0 "$caec" attest --help
has out 'Exit status: 0 success'
expect 2 "$caec" attest verfiy
one_line "unknown subcommand 'verfiy' (did you mean 'verify'?)"

# ---- 8. CSM claims (revision 2): show names them, verify appraises them ----------
expect 0 "$caec" attest show "$t/csm.cbor"
has out 'role (2): 1 (member)'
has out "owner-realm-id (7): $(printf '01%.0s' $(seq 32))"
has out 'acl-digest (8): '
has out 'flags (9): 0x2 (sealed)'
expect 0 "$caec" attest show --json "$t/csm.cbor"
snake_keys
json_ok out 'r = d["realm"]["claims"]["caec_regions"][0]; assert r["owner_realm_id"] == "01" * 32 and r["flags"] == 2 and r["flag_names"] == ["sealed"] and r["role_name"] == "member" and len(r["acl_digest"]) == 64'
# The two digests, computed here from the report's bytes as verify/README.md
# defines them (independently of the C code that made the token).
cp "$tmp/out" "$tmp/csm-show.json"
/usr/bin/python3 - "$tmp/csm-show.json" "$t/csm-members.json" <<'PY' || fail "the token's CSM digests are not those of its region report"
import hashlib, json, sys
show, report = (json.load(open(p)) for p in sys.argv[1:3])
claim = show["realm"]["claims"]["caec_regions"][0]
region = report["regions"][0]
def head(major, n):
    if n < 24: return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size): return bytes([major << 5 | info]) + n.to_bytes(size, "big")
def uint(n): return head(0, n)
def bstr(b): return head(2, len(b)) + b
def array(items): return head(4, len(items)) + b"".join(items)
hs = 32  # sha-256
members = sorted(region["members"], key=lambda m: bytes.fromhex(m["realm_id"]))
perms = {"r": 1, "w": 2, "rw": 3}
def p(v): return perms[v] if isinstance(v, str) else v
mdig = hashlib.sha256(array([array([bstr(bytes.fromhex(m["realm_id"])), bstr(bytes.fromhex(m["rim"])), uint(p(m["perms"]))]) for m in members])).hexdigest()
def cut(kind, v):
    v = v + bytes(128 - len(v))
    return {1: v[:hs], 2: v[:32], 3: v[:hs] + v[64:128]}[kind]
entries = sorted(array([uint(e["kind"]), bstr(cut(e["kind"], bytes.fromhex(e["value"]))), uint(p(e["perms"]))]) for e in region["acl"])
adig = hashlib.sha256(array(entries)).hexdigest()
assert claim["membership_digest"] == mdig, (claim["membership_digest"], mdig)
assert claim["acl_digest"] == adig, (claim["acl_digest"], adig)
PY
checks=$((checks + 1))
zero=$(printf '00%.0s' $(seq 32))
rim11=$(printf '11%.0s' $(seq 32))
id55=$(printf '55%.0s' $(seq 32))
printf '{"platform_keys": ["%s"], "csm": [{"owner_rim": "%s", "sealed": true, "members": [{"rim": "%s", "perms": "rw"}, {"realm_id": "%s", "perms": "r"}]}]}\n' \
  "$key" "$zero" "$rim11" "$id55" >"$tmp/csm-ref.json"
expect 0 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref.json" --members "$t/csm-members.json"
has out 'csm-regions        pass'
has out 'csm-members        pass'
has out 'csm-acl            pass: every ACL entry of the 1 regions is allowed'
expect 0 "$caec" attest verify --json "$t/csm.cbor" --ref "$tmp/csm-ref.json" --members "$t/csm-members.json"
json_ok out 'c = {x["check"]: x["status"] for x in d["checks"]}; assert c["csm-regions"] == c["csm-members"] == c["csm-acl"] == "pass"'
# Without the member list the co-checks are skip, not pass.
expect 0 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref.json"
has out 'csm-acl            skip'
# A rule that omits the co-member fails, naming it.
printf '{"platform_keys": ["%s"], "csm": [{"owner_rim": "%s", "members": [{"rim": "%s"}]}]}\n' \
  "$key" "$zero" "$rim11" >"$tmp/csm-ref-short.json"
expect 1 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref-short.json" --members "$t/csm-members.json"
one_line 'invalid: csm-members: region 0x1234567890abcdef: realm 5555555555555555..(32 B) is not allowed with perms 1'
# A clone of the owner among the members is flagged, even by a rule naming the owner's RIM.
expect 1 "$caec" attest verify "$t/csm-clone.cbor" --ref "$tmp/csm-ref.json" --members "$t/csm-clone-members.json"
one_line 'has the owner'"'"'s RIM but not its realm ID: a clone of the owner'
# The region must be as the rule says.
sed 's/"sealed": true/"sealed": false/' "$tmp/csm-ref.json" >"$tmp/csm-ref-unsealed.json"
expect 1 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref-unsealed.json"
one_line 'invalid: csm-regions: region 0x1234567890abcdef: the rule requires "sealed": false, but its flags are 0x2'
# A report whose ACL was changed no longer matches the token.
sed 's/"perms": 515/"perms": 3/' "$t/csm-members.json" >"$tmp/csm-members-acl.json"
expect 1 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref.json" --members "$tmp/csm-members-acl.json"
one_line "invalid: csm-acl: region 0x1234567890abcdef: the ACL does not match the token's ACL digest"
sed 's/"kind": 1/"knd": 1/' "$t/csm-members.json" >"$tmp/csm-members-typo.json"
expect 2 "$caec" attest verify "$t/csm.cbor" --ref "$tmp/csm-ref.json" --members "$tmp/csm-members-typo.json"
one_line "regions[0].acl[0]: unknown member 'knd' (did you mean 'kind'?)"

echo "attest_cli_test: $checks commands checked"
