#!/bin/sh
# Bad realm images are refused by `caec realm run` and `caec realm measure`
# with one line naming the problem, a non-zero exit and no signal.
# Usage: vmm_cli_bad_image_test.sh CAEC HELLO.so WORKDIR
set -u
caec=$1 hello=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
fail=0

# refuse FILE PATTERN: both commands exit 1..125 (no signal) with one stderr
# line matching PATTERN.
refuse() {
	for cmd in measure run; do
		"$caec" realm $cmd "$1" >"$work/out" 2>"$work/err"
		rc=$?
		lines=$(wc -l <"$work/err")
		if [ $rc -eq 0 ] || [ $rc -gt 125 ] || [ "$lines" -ne 1 ] || ! grep -q "$2" "$work/err"; then
			echo "FAIL: realm $cmd $1: rc=$rc lines=$lines: $(cat "$work/err")"
			fail=1
		fi
	done
}

size=$(wc -c <"$hello")
n=1000
while [ $n -le 20000 ]; do
	head -c $n "$hello" >"$work/cut.so"
	refuse "$work/cut.so" "not a realm image"
	n=$((n + 997))
done
for n in 16 63 64 100 $((size - 1)) $((size / 2)); do
	head -c $n "$hello" >"$work/cut.so"
	refuse "$work/cut.so" "not a realm image"
done

refuse /bin/true "not a realm image: it has a program interpreter"
lib=$(ldd /bin/true | awk '/libc.so/ {print $3}')
[ -n "$lib" ] && refuse "$(readlink -f "$lib" | sed 's/libc\.so.*/libm.so.6/')" "it needs libc.so.6"

# patch OFFSET BYTE-IN-OCTAL: a copy of hello with one byte changed.
patch() {
	cp "$hello" "$work/p.so" && printf "\\$2" | dd of="$work/p.so" bs=1 seek=$1 conv=notrunc 2>/dev/null
}
patch 4 001; refuse "$work/p.so" "not ELF64"            # EI_CLASS = ELFCLASS32
patch 5 002; refuse "$work/p.so" "little-endian"        # EI_DATA = big endian
patch 18 050; refuse "$work/p.so" "another machine"     # e_machine = EM_ARM
patch 16 002; refuse "$work/p.so" "ET_DYN"              # e_type = ET_EXEC
# The first program header's p_offset (at 64 + 8) past the end of the file.
patch 78 177; refuse "$work/p.so" "past the end of the file"
# realm_main renamed in the string tables.
sed 's/realm_main/realm_mian/g' "$hello" >"$work/nomain.so"
refuse "$work/nomain.so" "does not define realm_main"

# The valid image still measures.
"$caec" realm measure "$hello" >/dev/null || { echo "FAIL: hello does not measure"; fail=1; }
exit $fail
