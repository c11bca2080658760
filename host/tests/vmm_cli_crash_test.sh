#!/bin/sh
# A realm whose CPU dies: `caec realm run` fails, and the emulator's log on
# stderr says why the CPU halted (the SError exit the host gets carries no
# reason, as on hardware).
# Usage: vmm_cli_crash_test.sh CAEC CRASHING.so WORKDIR
set -u
caec=$1 image=$2 work=$3
rm -rf "$work" && mkdir -p "$work" || exit 1
"$caec" realm run "$image" >"$work/out" 2>"$work/err"
rc=$?
if [ $rc -eq 0 ] || [ $rc -gt 125 ]; then
	echo "FAIL: realm run of a crashing realm exited $rc"; cat "$work/err"; exit 1
fi
grep -q '^hostsim: a CPU of the realm with VMID [0-9]* halted: synchronous external abort' "$work/err" ||
	{ echo "FAIL: no halt reason on stderr:"; cat "$work/err"; exit 1; }
grep -q 'crashed' "$work/err" || { echo "FAIL: no crash verdict:"; cat "$work/err"; exit 1; }
echo "vmm_cli_crash: ok"
