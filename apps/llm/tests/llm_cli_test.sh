#!/bin/sh
# caec llm run and caec bench llm on the built binary: llama.cpp's short
# options, the prompt from a file and from standard input, errors naming the
# model or tokenizer file at fault, the rates in --json and on stderr, the
# default thread count (one thread for the tiny model), -t lowered to the
# CPUs, the shared option rules and exit codes, and SIGINT.
# usage: llm_cli_test.sh CAEC LLM-MKMODEL TINY_MODEL_DIR WORKDIR
set -eu
caec=$1
mkmodel=$2
tiny=$3
work=$4
rm -rf "$work"
mkdir -p "$work"
bg=
cleanup() { [ -z "$bg" ] || kill "$bg" 2>/dev/null || true; }
trap cleanup EXIT
fail() { echo "llm_cli_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
# run EXPECTED_STATUS ARGS...: runs caec, stdout in $work/out, stderr in $work/err.
run() {
	want=$1
	shift
	set +e
	"$caec" "$@" >"$work/out" 2>"$work/err" </dev/null
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "caec $* exited $rc, expected $want"
}
err_is() { [ "$(cat "$work/err")" = "$1" ] || fail "expected on stderr: '$1'"; }
err_has() { grep -q -- "$1" "$work/err" || fail "expected on stderr: '$1'"; }
# json EXPR: a Python expression over j (stdout parsed as JSON) must hold.
json() {
	W=$work /usr/bin/python3 -c 'import json, os, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else "false: " + sys.argv[2] + "\n" + json.dumps(j))' "$work/out" "$1" ||
		fail "JSON of the last run"
}
# ids_of: the "ids" and "text" of the last --json run, to compare runs.
ids_of() { /usr/bin/python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); print(j["ids"], repr(j["text"]))' "$work/out"; }

model=$work/model.gguf
"$mkmodel" "$model" --dtype q8_0 --seed 3 >/dev/null

# Short forms (llama.cpp's) and long forms, "--opt value" and "--opt=value", give the same run.
run 0 llm run "$model" --prompt 'hello world' --n-predict 12 --seed 1 --threads 1 --json
long=$(ids_of)
json 'len(j["ids"]) > 0 and j["prompt_tokens"] > 1'
run 0 llm run -m "$model" -p 'hello world' -n 12 -s 1 -t 1 --json
[ "$(ids_of)" = "$long" ] || fail "-m -p -n -s -t differ from the long forms"
run 0 llm run --model="$model" --prompt='hello world' --n-predict=12 --seed=1 --threads=1 --json
[ "$(ids_of)" = "$long" ] || fail "--opt=value differs from --opt value"
# "--" ends the options: what follows is MODEL even if it starts with "-".
run 0 llm run -p 'hello world' -n 12 -s 1 -t 1 --json -- "$model"
[ "$(ids_of)" = "$long" ] || fail "MODEL after --"
run 2 llm run "$model" "$model" -p x
err_is "caec llm run: one MODEL only ('$model' is extra)"

# The prompt from a file (its final newline dropped) and from standard input.
printf 'hello world\n' >"$work/prompt.txt"
run 0 llm run "$model" -f "$work/prompt.txt" -n 12 -s 1 -t 1 --json
[ "$(ids_of)" = "$long" ] || fail "-f FILE differs from -p"
set +e
printf 'hello world' | "$caec" llm run "$model" -f - -n 12 -s 1 -t 1 --json >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 0 ] || fail "-f - exited $rc"
[ "$(ids_of)" = "$long" ] || fail "-f - differs from -p"
run 2 llm run "$model" -f "$work/none.txt"
err_is "caec llm run: --file $work/none.txt does not exist"
: >"$work/empty.txt"
run 2 llm run "$model" -f "$work/empty.txt"
err_is "caec llm run: --file $work/empty.txt is empty"
run 2 llm run "$model" -p x -f "$work/prompt.txt"
err_has "give one prompt only"
run 2 llm run "$model"
err_has "no prompt: give -p TEXT, -f FILE or --prompt-ids"

# Load errors say which file and why, with the same wording as every command.
run 2 llm run "$work/none.gguf" -p x
err_is "caec llm run: MODEL $work/none.gguf does not exist"
run 2 llm run "$work/none.gguf" -p x --json
json 'j == {"error": "MODEL %s/none.gguf does not exist" % os.environ["W"]}'
run 2 llm run "$work" -p x
err_is "caec llm run: MODEL $work is a directory"
run 2 llm run "$tiny/tiny.bin" --tokenizer "$work/none.bin" -p x
err_is "caec llm run: --tokenizer $work/none.bin does not exist"
head -c 100 "$tiny/tokenizer.bin" >"$work/short-tokenizer.bin"
run 2 llm run "$tiny/tiny.bin" --tokenizer "$work/short-tokenizer.bin" -p x
err_has "^caec llm run: cannot load $work/short-tokenizer.bin: llama2.c tokenizer: "
head -c 1000 "$model" >"$work/short.gguf"
run 2 llm run "$work/short.gguf" -p x --json
err_has "^caec llm run: cannot load $work/short.gguf: gguf: "
json '"short.gguf: gguf: " in j["error"] and len(j) == 1'
run 2 llm run "$tiny/tiny.bin" -p x
err_has "tiny.bin has no tokenizer: pass --tokenizer FILE or use --prompt-ids"

# --json: the rates of both phases, the thread count, why generation stopped.
run 0 llm run "$model" --prompt-ids 1,300,301 -n 4 --temp 0 --json
json 'j["prompt_tokens"] == 3 and j["prompt_tokens_per_s"] > 0 and j["prompt_seconds"] >= 0'
json 'j["gen_tokens"] == len(j["ids"]) <= 4 and j["stop"] in ("length", "eos", "bos")'
json 'j["gen_tokens_per_s"] is None if j["gen_tokens"] <= 1 else j["gen_tokens_per_s"] > 0'
json 'isinstance(j["threads"], int) and j["threads"] >= 1 and j["cpus"] >= j["threads"]'
json 'j["weight_bytes"] > 0 and j["params"] > 0 and "error" not in j'
run 0 llm run "$model" --prompt-ids 1,300,301 -n 0 --json
json 'j["gen_tokens"] == 0 and j["gen_tokens_per_s"] is None and j["prompt_tokens"] == 3'
# The text run: the text on stdout, one summary line with both rates on stderr.
run 0 llm run "$model" -p 'hello world' -n 8 -s 1
grep -q '^hello world' "$work/out" || fail "the prompt is not echoed"
grep -Eq '^caec llm run: prompt [0-9]+ tokens at [0-9.]+ tokens/s; generated [0-9]+ tokens at ([0-9.]+|-) tokens/s \(' "$work/err" ||
	fail "no summary with both rates"

# The default thread count: one thread for the tiny model (0.2-0.9 MiB of weights).
run 0 llm run "$tiny/tiny.bin" --tokenizer "$tiny/tokenizer.bin" -p 'Once upon a time,' -n 8 --json
json 'j["threads"] == 1 and j["threads_default"] is True'
run 0 llm run "$tiny/tiny-q8_0.gguf" -p 'Once upon a time,' -n 8 --json
json 'j["threads"] == 1 and j["threads_default"] is True'
run 0 llm run "$tiny/tiny-q8_0.gguf" -p 'Once upon a time,' -n 8
err_has "; 1 thread (default for 0.2 MiB of weights, "
# An explicit count is kept up to the CPUs, and lowered to them with a note.
run 0 llm run "$tiny/tiny-q8_0.gguf" -p x -n 2 -t 1 --json
json 'j["threads"] == 1 and j["threads_default"] is False'
run 0 llm run "$tiny/tiny-q8_0.gguf" -p x -n 2 -t 100000 --json
json 'j["threads"] == j["cpus"] or j["threads"] == 64'
err_has "^caec llm run: --threads 100000 lowered to [0-9]*: "
run 0 llm --help
grep -q "Exit status: 0 success" "$work/out" || fail "llm --help: exit codes"
run 0 llm run --help
grep -q -- "-t, --threads N" "$work/out" || fail "--help: -t"
grep -q -- "-f, --file FILE" "$work/out" || fail "--help: -f"
grep -q "one per 512 KiB" "$work/out" || fail "--help: the thread rule"
[ "$(tail -n 2 "$work/out" | head -n 1)" = "Exit status: 0 success; 1 the operation failed; 2 usage error or unusable" ] ||
	fail "--help does not end with the exit codes"

# Bad values and options: exit 2, one line, did-you-mean; JSON with "error".
run 2 llm run "$model" -p x -t 0
err_is "caec llm run: --threads: '0' is not a thread count (1 or more)"
run 2 llm run "$model" -p x --thread 2
err_is "caec llm run: unknown option '--thread' (did you mean '--threads'?)"
run 2 llm run "$model" -p x -n many --json
json 'j == {"error": "--n-predict: '"'"'many'"'"' is not a token count in 0..1048576"}'
run 2 llm run "$model" -p x -s 18446744073709551615
err_is "caec llm run: --seed: '18446744073709551615' is not a seed in 0..2^63-1"
run 0 llm run "$model" -p x -n 1 -s 9223372036854775807 --json
json 'j["seed"] == 2**63 - 1'
run 2 llm run "$model" --prompt-ids 1,999999
err_has "prompt-ids needs ids below 512"
run 2 llm frob
err_has "unknown subcommand 'frob'"

# SIGINT stops the generation: the summary still follows, exit 130. The model
# has a context of 65536 positions and no tokenizer (no end of sequence), so
# the run lasts minutes unless stopped; the signal is sent once it streams.
long_model=$work/long.gguf
"$mkmodel" "$long_model" --seq-len 65536 --no-tokenizer >/dev/null
"$caec" llm run "$long_model" --prompt-ids 1 -n 1000000 -t 1 >"$work/out" 2>"$work/err" &
bg=$!
tries=0
while [ ! -s "$work/out" ]; do
	tries=$((tries + 1))
	[ "$tries" -lt 600 ] || fail "no output from the long run"
	sleep 0.1
done
kill -INT "$bg"
set +e
wait "$bg"
rc=$?
set -e
bg=
[ "$rc" = 130 ] || fail "after SIGINT: exit $rc, expected 130"
err_has "^caec llm run: interrupted by SIGINT$"
err_has "tokens/s (interrupted); 1 thread$"

# SIGTERM with --json: the JSON of the tokens so far, with "error", exit 143.
"$caec" llm run "$long_model" --prompt-ids 1 -n 1000000 --json >"$work/out" 2>"$work/err" &
bg=$!
sleep 1
kill -TERM "$bg"
set +e
wait "$bg"
rc=$?
set -e
bg=
[ "$rc" = 143 ] || fail "after SIGTERM: exit $rc, expected 143"
json 'j["error"] == "interrupted by SIGTERM" and j["stop"] == "signal" and j["text"] is None'
json 'j["gen_tokens"] == len(j["ids"]) and j["prompt_tokens"] == 1'

# caec bench llm: the shared parser, per-model threads, JSON with rates.
run 2 bench llm --quik
err_is "caec bench llm: unknown option '--quik' (did you mean '--quick'?)"
run 2 bench llm --threads=x --json
json 'j == {"error": "--threads: '"'"'x'"'"' is not thread counts of 1 or more, e.g. 1,2 (at most 8 of them)"}'
run 2 bench llm extra
err_is "caec bench llm: unexpected argument 'extra' (try 'caec bench llm --help')"
run 0 bench llm --help
grep -q -- "-t, --threads LIST" "$work/out" || fail "bench --help: -t"
grep -q -- "-m, --model FILE" "$work/out" || fail "bench --help: -m"
grep -q "Exit status: 0 success" "$work/out" || fail "bench --help: exit codes"
run 0 bench llm --quick --json
json 'all(m["gen_tokens_per_s"] > 0 and m["prompt_tokens_per_s"] > 0 for m in j["models"])'
json 'j["threads_default"] is True and all(m["threads"] == min(j["cpus"], 64, max(1, m["weight_bytes"] // (512 << 10))) for m in j["models"])'
run 0 bench llm --quick --json -t 1
json 'j["threads_default"] is False and all(m["threads"] == 1 for m in j["models"])'
# The user's model, several thread counts, repeats: min <= median <= max.
run 0 bench llm -m "$model" -r 3 -p 8 -n 4 -t 1,2 --json
json 'len(j["models"]) == 2 and [m["threads"] for m in j["models"]] == [1, 2] and j["peak_rss_bytes"] > 0'
json 'all(m["repeats"] == 3 and m["file"].endswith(".gguf") and m["prompt_tokens"] == 8 and m["gen_tokens"] == 4 for m in j["models"])'
json 'all(0 < m[k]["min"] <= m[k]["median"] <= m[k]["max"] for m in j["models"] for k in ("prompt_tps", "gen_tps"))'
run 0 bench llm -m "$model" -r 1 -p 4 -n 2
grep -q "runs" "$work/out" || fail "bench -m: no table"
run 2 bench llm -m "$work/nope.gguf"
err_is "caec bench llm: -m $work/nope.gguf does not exist"
run 2 bench llm -m "$model" -r 0
run 2 bench llm -m "$model" -p 129
run 2 bench llm -m "$long_model" -m "$work/err"
# qwen2 and gpt2 models (byte-level tokenizer inside): text in and out, the same
# greedy tokens at 1 and 2 threads; an unknown architecture is a usage error.
for arch in qwen2 gpt2; do
	"$mkmodel" "$work/$arch.gguf" --arch "$arch" --dtype q8_0 --dim 64 --hidden 128 --vocab 600 --seq-len 64 \
		--unshared --seed 4 >/dev/null
	run 0 llm run "$work/$arch.gguf" -p 'hello world' -n 10 --temp 0 -t 1 --json
	json 'len(j["ids"]) == 10 and j["prompt_tokens"] == 7 and isinstance(j["text"], str)'  # h el l o Ġw or ld
	one=$(ids_of)
	run 0 llm run "$work/$arch.gguf" -p 'hello world' -n 10 --temp 0 -t 2 --json
	[ "$(ids_of)" = "$one" ] || fail "$arch: 2 threads differ from 1"
done
set +e
"$mkmodel" "$work/x.gguf" --arch mamba 2>"$work/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "llm-mkmodel --arch mamba exited $rc, expected 2"
err_is "llm-mkmodel: unknown architecture mamba"
set +e
"$mkmodel" "$work/x.bin" --arch gpt2 --llama2c-seed 2>"$work/err"
rc=$?
set -e
[ "$rc" = 2 ] || fail "llm-mkmodel --arch gpt2 --llama2c-seed exited $rc, expected 2"
err_is "llm-mkmodel: --llama2c-seed makes llama models only"

echo "llm_cli_test: ok"
