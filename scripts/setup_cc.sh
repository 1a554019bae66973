#!/usr/bin/env bash
# Checks what confidential-computing hardware this machine offers and how zkcc should use it:
# configfs-tsm, /dev/sev-guest, /dev/tdx_guest, the Azure vTPM (HCL report NV index), NVIDIA GPU CC
# mode (nvidia-smi conf-compute and NVML) and nvattest. Prints what is available, what is missing,
# and the recommended build and --level.
#   scripts/setup_cc.sh [--json] [--root DIR]
# --root points every path at a prepared tree (tests); commands are looked up on PATH.
set -euo pipefail

json=0
root=""
while [ $# -gt 0 ]; do
  case $1 in
    --json) json=1 ;;
    --root) root=${2:?--root needs a directory}; shift ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "setup_cc.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
  shift
done

available=()
missing=()
cpu="none"
cpu_interface="none"
gpu_cc="off"

have() { command -v "$1" >/dev/null 2>&1; }
line() { [ -r "$root$1" ] && head -n 1 "$root$1" || true; }

# CPU TEE: configfs-tsm first (the kernel's vendor-neutral interface), then the guest devices.
if [ -d "$root/sys/kernel/config/tsm/report" ]; then
  available+=("configfs-tsm at /sys/kernel/config/tsm/report")
  cpu_interface="configfs-tsm"
else
  missing+=("configfs-tsm (/sys/kernel/config/tsm/report): needs Linux 6.7+ with CONFIG_TSM_REPORTS and configfs mounted")
fi
if [ -e "$root/dev/sev-guest" ]; then
  available+=("/dev/sev-guest (AMD SEV-SNP guest)")
  cpu="sev-snp"
  [ "$cpu_interface" = none ] && cpu_interface="ioctl"
elif [ -e "$root/dev/tdx_guest" ]; then
  available+=("/dev/tdx_guest (Intel TDX guest)")
  cpu="tdx"
  [ "$cpu_interface" = none ] && cpu_interface="ioctl"
elif [ "$cpu_interface" = configfs-tsm ] && grep -qw sev_snp "$root/proc/cpuinfo" 2>/dev/null; then
  cpu="sev-snp"
elif [ "$cpu_interface" = configfs-tsm ] && grep -qw tdx_guest "$root/proc/cpuinfo" 2>/dev/null; then
  cpu="tdx"
else
  missing+=("/dev/sev-guest and /dev/tdx_guest: not an SEV-SNP or TDX guest, or the sev-guest / tdx-guest module is not loaded")
fi

# Azure confidential VMs: the paravisor hides the guest device; the report is in the vTPM.
if [ "$cpu" = none ] && [ "$(line /sys/class/dmi/id/sys_vendor)" = "Microsoft Corporation" ]; then
  if [ -e "$root/dev/tpmrm0" ]; then
    if have tpm2_nvreadpublic && tpm2_nvreadpublic 0x01400001 >/dev/null 2>&1; then
      vendor=$(grep -m1 '^vendor_id' "$root/proc/cpuinfo" 2>/dev/null | sed 's/.*: *//' || true)
      if [ "$vendor" = "GenuineIntel" ]; then cpu="azure-tdx-vtpm"; else cpu="azure-snp-vtpm"; fi
      cpu_interface="vtpm"
      available+=("Azure vTPM with the HCL report at NV index 0x01400001 ($cpu)")
    elif have tpm2_nvreadpublic; then
      missing+=("Azure vTPM without NV index 0x01400001: a Trusted Launch VM, not a confidential VM")
    else
      missing+=("tpm2_nvreadpublic (tpm2-tools) to check the Azure HCL NV index 0x01400001")
    fi
  else
    missing+=("/dev/tpmrm0 on an Azure VM: enable the vTPM (--enable-vtpm true)")
  fi
fi

# GPU CC: nvidia-smi for the mode, NVML for collection, nvattest as the fallback collector.
if have nvidia-smi; then
  if state=$(nvidia-smi conf-compute -f 2>/dev/null) && grep -qi "CC status: ON" <<<"$state"; then
    gpu_cc="on"
    if ready=$(nvidia-smi conf-compute -grs 2>/dev/null) && grep -qi "ready" <<<"$ready" && ! grep -qi "not ready" <<<"$ready"; then
      available+=("NVIDIA GPU CC mode: on and ready")
    else
      gpu_cc="not-ready"
      missing+=("NVIDIA GPUs in CC mode but not ready: run 'nvidia-smi conf-compute -srs 1' after attestation")
    fi
  else
    missing+=("NVIDIA GPU CC mode is off (nvidia-smi conf-compute -f): needs an H100/H200/B200 in a CC-enabled VM")
  fi
else
  missing+=("nvidia-smi: no NVIDIA driver")
fi
nvml=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
  [ -e "$root$d/libnvidia-ml.so.1" ] && nvml="$d/libnvidia-ml.so.1" && break
done
if [ -n "$nvml" ]; then available+=("NVML ($nvml)"); else missing+=("NVML (libnvidia-ml.so.1)"); fi
if have nvattest; then available+=("nvattest CLI"); else missing+=("nvattest CLI (optional fallback collector)"); fi

has_cpu=0; [ "$cpu" != none ] && has_cpu=1
has_gpu=0; [ "$gpu_cc" = on ] && has_gpu=1
if [ $has_cpu = 1 ] && [ $has_gpu = 1 ]; then level="full-cc"
elif [ $has_cpu = 1 ] || [ $has_gpu = 1 ]; then level="tee"
else level="zk-only"; fi
build="cmake --preset release && cmake --build --preset release"

if [ $json = 1 ]; then
  python3 - "$cpu" "$cpu_interface" "$gpu_cc" "$level" "$build" "${#available[@]}" "${available[@]}" "${missing[@]}" <<'PY'
import json, sys
cpu, iface, gpu, level, build, n = sys.argv[1:7]
rest = sys.argv[7:]
n = int(n)
print(json.dumps({"cpu_platform": cpu, "cpu_interface": iface, "gpu_cc": gpu, "recommended_level": level,
                  "build": build, "available": rest[:n], "missing": rest[n:]}, indent=2))
PY
else
  echo "CPU TEE: $cpu (via $cpu_interface)"
  echo "GPU CC:  $gpu_cc"
  for a in "${available[@]}"; do echo "  available: $a"; done
  for m in "${missing[@]}"; do echo "  missing:   $m"; done
  echo "build:   $build (every platform is detected at run time; no build options needed)"
  echo "use:     prove-model attest --level $level ..."
fi
