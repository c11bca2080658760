#!/bin/sh
# caec model seal|unseal|info end to end: a model sealed with a new key opens
# to the same bytes; the key file is private and never overwritten; a changed
# or cut sealed file and another key are refused with exit 1 and leave no
# output file; --json, --help and the usage errors.
# usage: model_cli_test.sh CAEC WORKDIR
set -eu
caec=$1
work=$2
rm -rf "$work"
mkdir -p "$work"
test_name=model_cli_test
. "$(dirname "$0")/../../scripts/cli_test_lib.sh"
cd "$work"
head -c 2500000 /dev/urandom >model.gguf

run 0 model --help
out_has "seal MODEL -o OUT"
for sub in seal unseal info; do
	run 0 model $sub --help
	out_has "usage: caec model $sub"
done
run 2 model seal model.gguf
one_line "no -o OUT"
run 2 model seal model.gguf -o s.bin
one_line "give exactly one of --key KEY and --new-key KEY"
run 2 model seal model.gguf -o s.bin --new-key k1 --chunk-size 5000
one_line "a power of two from 4K to 64M"
run 2 model seal missing.gguf -o s.bin --new-key k1
one_line "missing.gguf does not exist"
[ ! -e k1 ] || fail "a refused seal left a key file"
run 2 model seal --json model.gguf
json 'j["error"].startswith("no -o OUT")'

# Seal with a new key; the key is private.
run 0 model seal model.gguf -o model.sealed --new-key owner.key --chunk-size 64K --json
json 'j["plain_size"] == 2500000 and j["chunk_size"] == 65536 and j["chunks"] == 39 and j["new_key"] is True'
json 'j["sealed_size"] == 128 + 2500000 + 39 * 16 and len(j["key_id"]) == 32'
[ "$(stat -c %a owner.key)" = 600 ] || fail "the key file is not mode 0600"
[ "$(wc -c <model.sealed)" = $((128 + 2500000 + 39 * 16)) ] || fail "sealed size"
run 2 model seal model.gguf -o other.sealed --new-key owner.key
one_line "a key is never overwritten"
[ ! -e other.sealed ] || fail "a refused seal left an output"
# A second seal under the same key is another file.
run 0 model seal model.gguf -o again.sealed --key owner.key
out_has "sealed, 2500176 bytes in 3 chunks of 1048576"
cmp -s model.sealed again.sealed && fail "two seals are byte-identical"

run 0 model info model.sealed --json
json 'j["plain_size"] == 2500000 and j["chunks"] == 39'
run 0 model info model.sealed
out_has "key ID"
run 2 model info model.gguf
one_line "is not a sealed model"

# Open: the same bytes; '-o -' checks only.
run 0 model unseal model.sealed --key owner.key -o back.gguf
cmp -s model.gguf back.gguf || fail "the unsealed model differs"
run 0 model unseal model.sealed --key owner.key -o - --json
json 'j["authentic"] is True and j["model"] is None'

# Another key, a changed byte, a cut file: exit 1, nothing written.
run 0 model seal model.gguf -o x.sealed --new-key other.key
run 1 model unseal model.sealed --key other.key -o bad.gguf
one_line "the key is not the one the model was sealed with"
cp model.sealed changed.sealed
printf 'Z' | dd of=changed.sealed bs=1 seek=1000000 conv=notrunc 2>/dev/null
run 1 model unseal changed.sealed --key owner.key -o bad.gguf
one_line "does not authenticate"
head -c 2000000 model.sealed >cut.sealed
run 1 model unseal cut.sealed --key owner.key -o bad.gguf
one_line "cut short"
[ ! -e bad.gguf ] || fail "a refused unseal left an output"
ls | grep -q '\.tmp\.' && fail "a temporary file was left behind"
printf '0123' >notakey
run 2 model unseal model.sealed --key notakey -o bad.gguf
one_line "is not a key"
echo "model_cli_test: $checks checks passed"
