#!/usr/bin/env bash
# prove-model detect against prepared system roots: what it finds, and the --level it recommends
# (human output and --json). NVML is not probed under --root, so the GPU side is always "no GPU in
# CC mode" here; the GPU cases of the advice are covered by tests/tee/capability_test.cc.
# Usage: detect_cli_test.sh PROVE_MODEL
set -uo pipefail
bin=$1
source "$(dirname "$0")/lib.sh"
json_field() {  # json_field KEY: the field of the one object on stdout
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/out" "$1"
}
cpuinfo() {  # cpuinfo ROOT FLAGS...
  mkdir -p "$1/proc" "$1/dev"
  printf 'processor\t: 0\nflags\t\t: fpu vme %s sse\n' "$2" >"$1/proc/cpuinfo"
}

# A plain machine: nothing attests, so zk-only.
plain="$tmp/plain"
cpuinfo "$plain" "avx2"
check_rc "detect plain" 0 "$bin" detect --root "$plain"
check "plain: recommended level line" "recommended level: zk-only (prove --level zk-only)" "$(grep '^recommended level:' "$tmp/out")"
grep -A1 '^recommended level:' "$tmp/out" | tail -1 | grep -q "no CPU TEE and no GPU in CC mode"
check "plain: the reason follows on one line" 0 $?
check_rc "detect plain --json" 0 "$bin" detect --root "$plain" --json
check "plain: recommended_level" "zk-only" "$(json_field recommended_level)"
json_field recommended_level_reason | grep -q "no CPU TEE"; check "plain: JSON reason" 0 $?

# An SEV-SNP guest with its device: the CPU attests, so tee.
snp="$tmp/snp"
cpuinfo "$snp" "sev sev_es sev_snp"
: >"$snp/dev/sev-guest"
check_rc "detect snp" 0 "$bin" detect --root "$snp"
check "snp: recommended level line" "recommended level: tee (prove --level tee)" "$(grep '^recommended level:' "$tmp/out")"
check_rc "detect snp --json" 0 "$bin" detect --root "$snp" --json
check "snp: recommended_level" "tee" "$(json_field recommended_level)"
json_field recommended_level_reason | grep -q "sev-snp"; check "snp: JSON reason names the platform" 0 $?

# A TDX CPU flag without the guest driver: the platform is seen, but nothing can attest.
tdx="$tmp/tdx"
cpuinfo "$tdx" "tdx_guest"
check_rc "detect tdx without driver --json" 0 "$bin" detect --root "$tdx" --json
check "tdx without driver: recommended_level" "zk-only" "$(json_field recommended_level)"
json_field recommended_level_reason | grep -q "tdx) has no usable device"; check "tdx without driver: reason" 0 $?

finish "detect CLI"
