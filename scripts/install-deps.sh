#!/usr/bin/env bash
# Installs the Debian packages caec needs. Idempotent: silent when all are present.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ninja-build
  libssl-dev libjansson-dev libcmocka-dev
  clang libclang-rt-14-dev           # libFuzzer, sanitizers with clang
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu  # freestanding build of rmm/
  python3-numpy python3-cryptography # reference implementations in tests (/usr/bin/python3)
  gnuplot-nox                        # benchmark plots
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  sudo=sudo
else
  sudo=
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
