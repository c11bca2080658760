#!/bin/sh
# caec realm run of memtest with 1 GiB of RAM exits 0 and reports the RAM ok.
# usage: run_memtest_test.sh CAEC MEMTEST.so
set -eu
out=$("$1" realm run "$2" --mem 1G --timeout 100) || {
	echo "run_memtest_test: caec realm run failed: $out" >&2
	exit 1
}
echo "$out" | grep -Eq '^memtest: (10[0-9][0-9]|9[0-9][0-9]) MiB ok$' || {
	echo "run_memtest_test: no 'memtest: N MiB ok' line in: $out" >&2
	exit 1
}
echo "run_memtest_test: ok"
