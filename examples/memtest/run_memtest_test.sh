#!/bin/sh
# caec realm run of memtest with MIB MiB of RAM exits 0 and reports its RAM
# (all of it but the image, the boot stack and the heap's headers) ok.
# usage: run_memtest_test.sh CAEC MEMTEST.so MIB
set -eu
mib=$3
out=$("$1" realm run "$2" --mem "${mib}M" --timeout 100) || {
	echo "run_memtest_test: caec realm run --mem ${mib}M failed: $out" >&2
	exit 1
}
n=$(echo "$out" | sed -n 's/^memtest: \([0-9][0-9]*\) MiB ok$/\1/p')
[ -n "$n" ] && [ "$n" -ge $((mib - 8)) ] && [ "$n" -le "$mib" ] || {
	echo "run_memtest_test: no 'memtest: N MiB ok' line for ${mib} MiB in: $out" >&2
	exit 1
}
# Again with a TLB of 4 fills per window: the realm's 2 MiB runs and the
# host's buffers keep evicting each other, and the result is the same.
out=$(CAEC_TLB_ENTRIES=4 "$1" realm run "$2" --mem 64M --timeout 100) || {
	echo "run_memtest_test: caec realm run --mem 64M with 4 TLB entries failed: $out" >&2
	exit 1
}
echo "$out" | grep -Eq '^memtest: (5[6-9]|6[0-4]) MiB ok$' || {
	echo "run_memtest_test: no 'memtest: N MiB ok' line with 4 TLB entries in: $out" >&2
	exit 1
}
echo "run_memtest_test: $n MiB ok, and 64 MiB with 4 TLB entries"
