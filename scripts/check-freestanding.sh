#!/usr/bin/env bash
# Compiles the monitor core (rmm/) for aarch64 as firmware: freestanding, no C
# library, no hosted header; checks that the core calls nothing but the
# platform interface (plat_*) and the four routines a freestanding C compiler
# may emit on its own (memcpy, memmove, memset, memcmp). Then compiles the
# port target plat/aarch64 the same way and links it with the core: every
# symbol must resolve, so the pair is a complete firmware image (less its boot
# code and exception vectors).
# Usage: scripts/check-freestanding.sh [output dir]   (default build-aarch64)
# CAEC_RMM_SRC overrides the core's source folder (default rmm/src).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cc=${AARCH64_CC:-aarch64-linux-gnu-gcc}
ld=${AARCH64_LD:-aarch64-linux-gnu-ld}
nm=${AARCH64_NM:-aarch64-linux-gnu-nm}
rmm_src=${CAEC_RMM_SRC:-$top/rmm/src}
out=${1:-$top/build-aarch64}
mkdir -p "$out/rmm" "$out/plat"

# Only the compiler's own freestanding headers: -nostdinc drops the C library's.
# -mno-outline-atomics: atomics become inline LSE/exclusive sequences instead
# of calls into libgcc, which firmware does not link.
gccinc=$("$cc" -print-file-name=include)
flags=(-std=gnu11 -O2 -ffreestanding -nostdlib -nostdinc -isystem "$gccinc"
       -fno-builtin -mgeneral-regs-only -mno-outline-atomics -fno-stack-protector
       -Wall -Wextra -Werror -I"$top" -I"$top/plat/include")

compiled=0
compile_all() { # dir, output subdir, extra flags... (sets $compiled)
  local dir=$1 sub=$2; shift 2
  local srcs
  mapfile -t srcs < <(find "$dir" -name '*.c' | sort)
  compiled=${#srcs[@]}
  for src in "${srcs[@]}"; do
    "$cc" "${flags[@]}" "$@" -c "$src" -o "$out/$sub/$(basename "${src%.c}").o"
  done
}

rm -f "$out"/rmm/*.o "$out"/plat/*.o
compile_all "$rmm_src" rmm -I"$top/rmm/include" -I"$rmm_src"
nrmm=$compiled
[ "$nrmm" -gt 0 ] || { echo "check-freestanding: no sources in $rmm_src" >&2; exit 1; }
"$ld" -r -o "$out/rmm-core.o" "$out"/rmm/*.o
bad=$("$nm" -u "$out/rmm-core.o" | awk '{print $2}' | grep -Ev '^(plat_[A-Za-z0-9_]+|memcpy|memmove|memset|memcmp)$' || true)
if [ -n "$bad" ]; then
  echo "check-freestanding: rmm/ calls outside the platform interface:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-freestanding: rmm/ builds for aarch64 freestanding ($nrmm files, $(stat -c %s "$out/rmm-core.o") bytes of objects)"

compile_all "$top/plat/aarch64" plat -I"$top/plat/aarch64/include"
nplat=$compiled
"$ld" -r -o "$out/plat-aarch64.o" "$out"/plat/*.o
"$ld" -r -o "$out/rmm-firmware.o" "$out/rmm-core.o" "$out/plat-aarch64.o"
undefined=$("$nm" -u "$out/rmm-firmware.o" | awk '{print $2}')
if [ -n "$undefined" ]; then
  echo "check-freestanding: rmm/ + plat/aarch64 leave symbols undefined:" >&2
  echo "$undefined" >&2
  exit 1
fi
# A final static link too: it fails on anything a relocatable link lets through.
"$ld" -static -nostdlib -e rmm_boot -o "$out/rmm-firmware.elf" "$out/rmm-firmware.o"
echo "check-freestanding: plat/aarch64 ($nplat files) links with rmm/ into a complete image ($(stat -c %s "$out/rmm-firmware.elf") bytes)"
