#!/usr/bin/env bash
# scripts/setup_cc.sh against prepared trees and stand-in commands for every platform.
set -u
script=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

tree() {  # a fresh fake root and an empty PATH directory
  root="$tmp/$1"; bin="$tmp/$1-bin"
  mkdir -p "$root/proc" "$root/dev" "$root/sys/class/dmi/id" "$bin"
  printf 'processor\t: 0\nvendor_id\t: %s\nflags\t\t: fpu %s\n' "${2:-AuthenticAMD}" "${3:-}" >"$root/proc/cpuinfo"
}
run() { PATH="$bin:/usr/bin:/bin" bash "$script" --json --root "$root"; }
fake() {  # fake NAME SCRIPT-BODY
  printf '#!/bin/sh\n%s\n' "$2" >"$bin/$1"; chmod +x "$bin/$1"
}

tree plain
out=$(run); check "plain: no CPU TEE" none "$(field cpu_platform <<<"$out")"
check "plain: zk-only" zk-only "$(field recommended_level <<<"$out")"

tree snp AuthenticAMD "sev sev_snp"
touch "$root/dev/sev-guest"
out=$(run); check "snp device" sev-snp "$(field cpu_platform <<<"$out")"
check "snp ioctl" ioctl "$(field cpu_interface <<<"$out")"
check "snp alone: tee" tee "$(field recommended_level <<<"$out")"

tree tdx GenuineIntel "tdx_guest"
mkdir -p "$root/sys/kernel/config/tsm/report"
out=$(run); check "tdx through configfs-tsm" tdx "$(field cpu_platform <<<"$out")"
check "configfs preferred" configfs-tsm "$(field cpu_interface <<<"$out")"

tree full AuthenticAMD "sev_snp"
touch "$root/dev/sev-guest"
mkdir -p "$root/usr/lib/x86_64-linux-gnu"; touch "$root/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"
fake nvidia-smi 'case "$2" in -f) echo "CC status: ON";; -grs) echo "Confidential Compute GPUs Ready state: ready";; esac'
out=$(run); check "full: GPU CC on" on "$(field gpu_cc <<<"$out")"
check "full: full-cc" full-cc "$(field recommended_level <<<"$out")"

tree notready
fake nvidia-smi 'case "$2" in -f) echo "CC status: ON";; -grs) echo "Confidential Compute GPUs Ready state: not ready";; esac'
out=$(run); check "GPU not ready" not-ready "$(field gpu_cc <<<"$out")"
grep -q "srs 1" <<<"$out"; check "not-ready advice" 0 $?

tree azure AuthenticAMD "sev_snp"
echo "Microsoft Corporation" >"$root/sys/class/dmi/id/sys_vendor"; touch "$root/dev/tpmrm0"
fake tpm2_nvreadpublic '[ "$1" = 0x01400001 ] && echo "0x1400001:" && exit 0; exit 1'
out=$(run); check "azure snp vtpm" azure-snp-vtpm "$(field cpu_platform <<<"$out")"
check "azure vtpm interface" vtpm "$(field cpu_interface <<<"$out")"

tree trusted-launch GenuineIntel
echo "Microsoft Corporation" >"$root/sys/class/dmi/id/sys_vendor"; touch "$root/dev/tpmrm0"
fake tpm2_nvreadpublic 'exit 1'
out=$(run); check "trusted launch is not a CVM" none "$(field cpu_platform <<<"$out")"
grep -q "Trusted Launch" <<<"$out"; check "trusted launch explained" 0 $?

tree human
out=$(PATH="$bin:/usr/bin:/bin" bash "$script" --root "$root"); grep -q "^CPU TEE: none" <<<"$out"; check "human output" 0 $?
bash "$script" --bogus >/dev/null 2>&1; check "unknown argument exits 2" 2 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
