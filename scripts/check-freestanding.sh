#!/usr/bin/env bash
# Compiles the monitor core (rmm/) for aarch64 as firmware: freestanding, no C
# library, no hosted header, and checks that the linked core calls nothing but
# the platform interface (plat_*) and the four routines a freestanding C
# compiler may emit on its own (memcpy, memmove, memset, memcmp).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cc=${AARCH64_CC:-aarch64-linux-gnu-gcc}
ld=${AARCH64_LD:-aarch64-linux-gnu-ld}
nm=${AARCH64_NM:-aarch64-linux-gnu-nm}
out=${1:-$top/build-aarch64}
mkdir -p "$out"

# Only the compiler's own freestanding headers: -nostdinc drops the C library's.
gccinc=$("$cc" -print-file-name=include)
flags=(-std=gnu11 -O2 -ffreestanding -nostdlib -nostdinc -isystem "$gccinc"
       -fno-builtin -mgeneral-regs-only -fno-stack-protector
       -Wall -Wextra -Werror -I"$top" -I"$top/plat/include" -I"$top/rmm/include" -I"$top/rmm/src")

objs=()
while IFS= read -r src; do
  obj="$out/$(basename "${src%.c}").o"
  "$cc" "${flags[@]}" -c "$src" -o "$obj"
  objs+=("$obj")
done < <(find "$top/rmm/src" -name '*.c' | sort)
[ ${#objs[@]} -gt 0 ] || { echo "check-freestanding: no sources in rmm/src" >&2; exit 1; }

"$ld" -r -o "$out/rmm-core.o" "${objs[@]}"
bad=$("$nm" -u "$out/rmm-core.o" | awk '{print $2}' | grep -Ev '^(plat_[A-Za-z0-9_]+|memcpy|memmove|memset|memcmp)$' || true)
if [ -n "$bad" ]; then
  echo "check-freestanding: rmm/ calls outside the platform interface:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-freestanding: rmm/ builds for aarch64 freestanding (${#objs[@]} files, $(stat -c %s "$out/rmm-core.o") bytes of objects)"
