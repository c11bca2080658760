#!/usr/bin/env bash
# The whole test suite, as CI runs it: installs what is missing, then
#   1. builds and runs every test (gcc, -Werror),
#   2. runs them again under AddressSanitizer + UndefinedBehaviorSanitizer,
#   3. runs them again under ThreadSanitizer,
#   4. compiles the monitor core freestanding for aarch64,
#   5. runs each libFuzzer harness for a bounded time (clang),
#   6. builds the other standard build types with gcc and clang (-Werror).
# Usage: scripts/test.sh [--quick]   (--quick: step 1 only)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

quick=0
case "${1:-}" in
  --quick) quick=1 ;;
  -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "test.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

scripts/install-deps.sh

jobs=$(nproc)
export CTEST_OUTPUT_ON_FAILURE=1
step() { printf '\n=== %s ===\n' "$*"; }
configure() { # dir, cmake args... (warnings are errors here, as in CI)
  local dir=$1; shift
  cmake -S "$top" -B "$dir" -G Ninja -Wno-dev -DCAEC_WERROR=ON "$@" >/dev/null
}
t0=$(date +%s)

step "build + tests (gcc, RelWithDebInfo)"
configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j "$jobs"
ctest --test-dir build -j "$jobs" -LE fuzz
[ $quick = 1 ] && exit 0

step "tests under ASan + UBSan"
configure build-asan -DCMAKE_BUILD_TYPE=Debug -DCAEC_SANITIZE=address,undefined
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j "$jobs" -LE "fuzz|no-asan"

step "tests under TSan"
configure build-tsan -DCMAKE_BUILD_TYPE=Debug -DCAEC_SANITIZE=thread
cmake --build build-tsan -j "$jobs"
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-tsan -j "$jobs" -LE fuzz

step "monitor core, freestanding aarch64"
scripts/check-freestanding.sh "$top/build-aarch64"

step "fuzzing (libFuzzer, clang)"
CC=clang configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCAEC_FUZZ=ON
cmake --build build-fuzz -j "$jobs"
ctest --test-dir build-fuzz -j "$jobs" -L fuzz

step "the other build types build (gcc and clang, warnings as errors)"
# RelWithDebInfo (gcc, clang) and Debug (gcc) were built above.
for variant in gcc:Release gcc:MinSizeRel clang:Debug clang:Release clang:MinSizeRel; do
  cc=${variant%%:*} type=${variant#*:}
  echo "-- $cc $type"
  CC=$cc configure "build-$cc-$type" -DCMAKE_BUILD_TYPE="$type"
  cmake --build "build-$cc-$type" -j "$jobs" >"build-$cc-$type/build.log" 2>&1 ||
    { grep -E -B2 -A6 "error|FAILED" "build-$cc-$type/build.log" | head -60; echo "test.sh: the $cc $type build failed (log: build-$cc-$type/build.log)" >&2; exit 1; }
done

step "all passed in $(( $(date +%s) - t0 )) s"
