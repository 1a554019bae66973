#!/usr/bin/env bash
# Verifies the TDX sample quote against its collateral with zkcc and with @phala/dcap-qvl (npm,
# installed into build/npm) in one run, one core each, and prints both rates and the ratio.
# Usage: bench/compare_dcap.sh [MIN_SECONDS_PER_IMPL] [CPU]   (defaults: 5, 0)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
cpu=${2:-0}
data=tests/data/attestation/tdx
quote=$data/dcapqvl_quote_v4.bin
collateral=$data/dcapqvl_quote_v4_collateral.json
at=$(date -u -d 2025-06-20T00:00:00Z +%s)  # inside the collateral's validity window

cmake --preset release >/dev/null
cmake --build --preset release --target tdx_rate >/dev/null
source scripts/npm_peer.sh
npm_peer @phala/dcap-qvl
version=$peer_version
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c "$cpu"); fi
ours=$("${pin[@]}" build/release/bench/tdx_rate "$quote" "$collateral" "$at" "$secs")
theirs=$(ZKCC_NPM_DIR="$npm_dir" "${pin[@]}" node bench/js/dcap_rate.mjs "$quote" "$collateral" "$at" "$secs")
python3 - "$ours" "$theirs" "$version" <<'PY'
import json, sys
ours, theirs, version = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
if ours["status"] != theirs["status"]:
    sys.exit(f"the two disagree: zkcc {ours['status']} vs @phala/dcap-qvl {theirs['status']}")
print(f"TDX quote v4 + collateral, full verification, one core; both reach {ours['status']}")
print(f"{'implementation':<26}{'verifications/s':>17}{'ms each':>10}")
for name, r in (("zkcc (C++)", ours), (f"@phala/dcap-qvl {version}", theirs)):
    print(f"{name:<26}{r['per_second']:>17,.0f}{1e3 / r['per_second']:>10.2f}")
print(f"ratio zkcc / @phala/dcap-qvl: {ours['per_second'] / theirs['per_second']:.1f}x")
PY
