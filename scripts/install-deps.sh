#!/usr/bin/env bash
# Installs the Debian packages caec needs. Idempotent: silent when all are present.
# Usage: scripts/install-deps.sh [--demo | --all]
#   --demo  what building caec and running scripts/demo.sh need
#   --all   that and what the test command needs besides (default): clang and
#           its fuzzing runtime, the aarch64 cross compiler, numpy and
#           cryptography for the reference implementations, gnuplot for plots
set -euo pipefail

demo_packages=(
  build-essential cmake pkg-config ninja-build
  libssl-dev libjansson-dev libcmocka-dev
  libbearssl-dev                     # realm-side crypto (sealed channels)
)
test_packages=(
  clang libclang-rt-14-dev           # libFuzzer, sanitizers with clang
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu  # freestanding build of rmm/
  python3-numpy python3-cryptography # reference implementations in tests (/usr/bin/python3)
  gnuplot-nox                        # benchmark plots
  curl openssl                       # ordinary TLS clients of the gateway in tests
)

case "${1:---all}" in
  --demo) packages=("${demo_packages[@]}") ;;
  --all) packages=("${demo_packages[@]}" "${test_packages[@]}") ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "install-deps.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
esac

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
