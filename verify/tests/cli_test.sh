#!/bin/sh
# `caec attest` end to end: exit codes, the one-line failure report, the dump
# of the shared ffm token, --json output and reference-value appraisal.
# Usage: cli_test.sh CAEC SHARED_DIR
set -u
caec=$1
v=$2/testvectors/cca
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
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
has() { grep -qF -- "$2" "$tmp/$1" || fail "$1 lacks '$2': $(cat "$tmp/$1")"; }
one_line() { [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "stderr is not one line: $(cat "$tmp/err")"; has err "$1"; }
json_ok() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $2" "$tmp/out" || fail "JSON check '$2'"; }

# show: a readable dump of the ffm token.
expect 0 "$caec" attest show "$v/cca-token-draft-ffm-00.cbor"
has out 'profile (265): "tag:arm.com,2023:cca_platform#1.0.0"'
has out 'profile (265): "tag:arm.com,2023:realm#1.0.0"'
has out 'initial-measurement (44238): 311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49'
has out 'type (1): "RMM"'
has out 'public-key as COSE_Key:'
expect 0 "$caec" attest show --json "$v/cca-token-draft-ffm-00.cbor"
json_ok out 'assert d["realm"]["claims"]["initial_measurement"].startswith("311314ab"); assert len(d["platform"]["claims"]["sw_components"]) == 13; assert d["collection_tag"] == 399'
expect 0 "$caec" attest show "$v/cca-token-01.cbor"
has out 'legacy CCA token (tag 399)'

# verify: both shared tokens with their key, as PEM and as JWK, lenient and strict.
for t in cca-token-01.cbor cca-token-draft-ffm-00.cbor; do
  expect 0 "$caec" attest verify "$v/$t" --platform-key "$v/cca_platform.pub"
  has out 'valid: legacy CCA token, platform ES384, realm ES384'
  expect 0 "$caec" attest verify --strict "$v/$t" --platform-key "$v/cpak.json"
done

# ... and refused with another key, without a key, with a wrong nonce.
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$tmp/other.key" 2>/dev/null &&
  openssl pkey -in "$tmp/other.key" -pubout -out "$tmp/other.pub" 2>/dev/null || fail "openssl keygen"
expect 1 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$tmp/other.pub"
one_line 'invalid: platform-signature: ES384 signature does not verify'
[ -s "$tmp/out" ] && fail "an invalid token printed to stdout"
expect 1 "$caec" attest verify "$v/cca-token-01.cbor"
one_line 'invalid: platform-signature: no platform key'
ab=$(printf 'ab%.0s' $(seq 64))
ac=$(printf 'ac%.0s' $(seq 64))
expect 0 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$v/cca_platform.pub" --nonce "$ab"
has out 'nonce matches'
expect 1 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$v/cca_platform.pub" --nonce "$ac"
one_line 'invalid: nonce:'

# Damaged files.
head -c 700 "$v/cca-token-01.cbor" >"$tmp/cut.cbor"
expect 1 "$caec" attest verify "$tmp/cut.cbor" --platform-key "$v/cca_platform.pub"
one_line 'invalid: collection:'
expect 1 "$caec" attest show "$tmp/cut.cbor"
expect 1 "$caec" attest verify "$v/realm-claims.cbor" --platform-key "$v/cca_platform.pub"
one_line 'invalid: collection:'

# --json.
expect 0 "$caec" attest verify --json "$v/cca-token-01.cbor" --platform-key "$v/cca_platform.pub"
json_ok out 'assert d["valid"] is True and d["failed_check"] is None; assert [c["status"] for c in d["checks"] if c["check"] == "nonce"] == ["skip"]; assert d["checks"][-1] == {"check": "lifecycle", "status": "pass", "reason": "platform lifecycle secured (0x3003)"}'
expect 1 "$caec" attest verify --json "$v/cca-token-01.cbor" --platform-key "$tmp/other.pub"
json_ok out 'assert d["valid"] is False and d["failed_check"] == "platform-signature"; assert d["checks"][-1]["status"] == "not-run"'

# Reference values: keys by relative path, a RIM that matches, then one that does not.
cp "$v/cca_platform.pub" "$tmp/cpak.pem"
cat >"$tmp/ref.json" <<JSON
{ "platform_keys": ["cpak.pem"],
  "rims": ["311314ab73620350cf758834ae5c65d9e8c2dc7febe6e7d9654bbe864e300d49"],
  "implementation_ids": ["7f454c4602010100000000000000000003003e00010000005058000000000000"] }
JSON
expect 0 "$caec" attest verify "$v/cca-token-draft-ffm-00.cbor" --ref "$tmp/ref.json"
has out 'rim                pass'
has out 'implementation-id  pass'
has out 'sw-components      skip'
sed 's/311314ab/411314ab/' "$tmp/ref.json" >"$tmp/ref-bad.json"
expect 1 "$caec" attest verify "$v/cca-token-draft-ffm-00.cbor" --ref "$tmp/ref-bad.json"
one_line 'invalid: rim: RIM 311314ab'
expect 1 "$caec" attest verify --json "$v/cca-token-draft-ffm-00.cbor" --ref "$tmp/ref-bad.json"
json_ok out 'assert d["failed_check"] == "rim"; assert any(c["check"] == "rim" and c["status"] == "fail" for c in d["checks"])'

# Usage errors exit 2 with one line.
echo '{"rims": [' >"$tmp/broken.json"
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --ref "$tmp/broken.json"
one_line 'caec attest verify: --ref'
expect 2 "$caec" attest verify
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --bogus
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --nonce abc
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --nonce
expect 2 "$caec" attest verify "$tmp/nonexistent.cbor" --platform-key "$v/cca_platform.pub"
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$tmp/nonexistent.pub"
expect 2 "$caec" attest verify "$v/cca-token-01.cbor" --platform-key "$v/cca-token-01.cbor"
expect 2 "$caec" attest verify a b
expect 2 "$caec" attest show
expect 2 "$caec" attest show "$v/cca-token-01.cbor" --bogus
expect 2 "$caec" attest
expect 2 "$caec" attest frobnicate

# --help on each.
expect 0 "$caec" attest --help
has out 'usage: caec attest <verify|show>'
expect 0 "$caec" attest verify --help
has out '--platform-key'
expect 0 "$caec" attest show --help
has out 'usage: caec attest show'

echo "cli_test: $checks commands checked"
