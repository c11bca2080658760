#!/bin/sh
# scripts/demo.sh on a tree whose build fails: it exits 1 and shows the
# compiler's error (not only "failed"), naming its log. The script runs from a
# copy next to a one-file project that does not compile and an install step
# that does nothing, so the real tree and machine are left alone.
# usage: demo_build_failure_test.sh SOURCE_DIR WORKDIR
set -eu
src=$1
work=$2
rm -rf "$work"
mkdir -p "$work/scripts"
fail() { echo "demo_build_failure_test: $*" >&2; [ ! -f "$work/err" ] || cat "$work/err" >&2; exit 1; }
cp "$src/scripts/demo.sh" "$work/scripts/demo.sh"
printf '#!/bin/sh\nexit 0\n' >"$work/scripts/install-deps.sh"
chmod +x "$work/scripts/install-deps.sh"
cat >"$work/CMakeLists.txt" <<'CM'
cmake_minimum_required(VERSION 3.25)
project(broken LANGUAGES C)
add_executable(broken broken.c)
CM
printf 'int main(void) { return undeclared_name; }\n' >"$work/broken.c"
set +e
bash "$work/scripts/demo.sh" >"$work/out" 2>"$work/err"
rc=$?
set -e
[ "$rc" = 1 ] || fail "exited $rc, expected 1"
grep -q "broken.c:1:.*undeclared_name" "$work/err" || fail "the compiler's error is not shown"
grep -q "demo: the build failed; its whole log is build/demo-build.log" "$work/err" || fail "no pointer to the log"
echo "demo_build_failure_test: ok"
