#!/bin/sh
# The sdk outside the source tree: installs the build into a temporary
# prefix, moves the prefix elsewhere (the packages are relocatable) and, with
# nothing but the moved prefix,
#   - builds examples/hello/hello.c with a fresh CMakeLists.txt that uses
#     find_package(caec), and runs it with the installed caec;
#   - builds the examples/template folder as it is (its CMakeLists.txt on its
#     own) and runs its test, which runs the installed caec (caec::caec);
#   - builds template.c by hand, cc with caec-realm.pc's flags, and runs it;
#   - compiles every installed header on its own;
# and checks that find_package refuses a version it does not have and that
# no installed package file points back into the build or source tree.
# usage: sdk_install_test.sh BUILD_DIR SOURCE_DIR C_COMPILER
set -eu
build=$1
src=$2
cc=$3

fail() { echo "sdk_install_test: $*" >&2; exit 1; }
# Runs a command quietly; on failure shows its output and fails with $1.
quiet() {
	what=$1
	shift
	"$@" >"$tmp/log" 2>&1 || { cat "$tmp/log" >&2; fail "$what failed"; }
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/caec-sdk-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
quiet "cmake --install" cmake --install "$build" --prefix "$tmp/staged"
prefix=$tmp/prefix
mv "$tmp/staged" "$prefix"
caec=$prefix/bin/caec
[ -x "$caec" ] || fail "no $caec after cmake --install"
pc_dir=$(dirname "$(find "$prefix" -name caec-realm.pc)")
[ -f "$pc_dir/caec-realm.pc" ] || fail "no caec-realm.pc installed"

# Runs IMAGE with the installed caec; the realm must exit 0 and print LINE.
run_image() {
	image=$1
	line=$2
	status=0
	"$caec" realm run "$image" --exit-status >"$tmp/console.txt" 2>&1 || status=$?
	[ "$status" = 0 ] || { cat "$tmp/console.txt" >&2; fail "caec realm run $image exited $status"; }
	grep -qx "$line" "$tmp/console.txt" || { cat "$tmp/console.txt" >&2; fail "$image did not print '$line'"; }
}

configure() { # source dir, build dir, extra arguments
	s=$1
	b=$2
	shift 2
	cmake -S "$s" -B "$b" -G Ninja -Wno-dev -DCMAKE_C_COMPILER="$cc" \
		-DCMAKE_PREFIX_PATH="$prefix" "$@"
}

# 1. hello.c with a fresh CMakeLists.txt.
mkdir "$tmp/hello"
cp "$src/examples/hello/hello.c" "$tmp/hello/"
cat >"$tmp/hello/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(hello_outside LANGUAGES C)
find_package(caec 0.1 REQUIRED)
caec_add_realm_image(NAME hello SOURCES hello.c)
EOF
quiet "configuring hello against the installed package" configure "$tmp/hello" "$tmp/hello/build"
quiet "building hello against the installed package" cmake --build "$tmp/hello/build"
run_image "$tmp/hello/build/hello.so" "hello: done"

# 2. The template folder as a user copies it.
cp -R "$src/examples/template" "$tmp/template"
quiet "configuring the template on its own" configure "$tmp/template" "$tmp/template/build"
quiet "building the template on its own" cmake --build "$tmp/template/build"
run_image "$tmp/template/build/template.so" "template: done"
quiet "the template's own test" ctest --test-dir "$tmp/template/build" --output-on-failure -V
grep -q "$caec" "$tmp/log" || fail "the template's test did not run the installed caec"

# 3. template.c by hand, with the flags of caec-realm.pc.
flags=$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags --libs caec-realm) ||
	fail "pkg-config does not know caec-realm"
# shellcheck disable=SC2086 # the flags are words
quiet "cc with caec-realm.pc" "$cc" -o "$tmp/by_hand.so" "$src/examples/template/template.c" $flags
run_image "$tmp/by_hand.so" "template: done"

# 4. Every installed header compiles on its own, with only the .pc's flags.
cflags=$(PKG_CONFIG_PATH=$pc_dir pkg-config --cflags caec-realm)
incdir=$(PKG_CONFIG_PATH=$pc_dir pkg-config --variable=includedir caec-realm)
n=0
for h in $(cd "$incdir" && find . -name '*.h' | sed 's|^\./||' | sort); do
	# shellcheck disable=SC2086
	printf '#include "%s"\n' "$h" | "$cc" $cflags -Wall -Wextra -Werror -fsyntax-only -x c - \
		2>"$tmp/log" || { cat "$tmp/log" >&2; fail "installed header $h does not compile alone"; }
	n=$((n + 1))
done
[ "$n" -ge 10 ] || fail "only $n headers installed under $incdir"

# 5. A version the package is not: find_package must refuse it.
mkdir "$tmp/toonew"
cat >"$tmp/toonew/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.25)
project(toonew LANGUAGES C)
find_package(caec 99 REQUIRED)
EOF
if configure "$tmp/toonew" "$tmp/toonew/build" >"$tmp/log" 2>&1; then
	fail "find_package(caec 99) succeeded"
fi
grep -q "requested version \"99\"" "$tmp/log" || { cat "$tmp/log" >&2; fail "find_package(caec 99) failed for another reason"; }

# 6. The package files name the prefix only relative to themselves.
if grep -rl -e "$build" -e "$src" -e "$tmp/staged" "$prefix/lib" --include='*.cmake' --include='*.pc'; then
	fail "installed package files name the build tree, the source tree or where they were installed"
fi
echo "sdk_install_test: ok ($n headers; hello and template built with find_package, template by hand)"
