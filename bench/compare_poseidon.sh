#!/usr/bin/env bash
# Times zkcc's poseidon_hash against @scure/starknet's poseidonHash on the same 1,000 input pairs,
# one core each, in one run; checks both produce the same outputs; prints both rates and the ratio.
# Usage: bench/compare_poseidon.sh [MIN_SECONDS_PER_IMPL]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}

cmake --preset release >/dev/null
cmake --build --preset release --target poseidon_rate >/dev/null

source scripts/npm_peer.sh
npm_peer @scure/starknet
scure_version=$peer_version

pairs=$(mktemp)
trap 'rm -f "$pairs"' EXIT
node bench/js/make_pairs.mjs "$pairs" 1000

pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
ours=$("${pin[@]}" build/release/bench/poseidon_rate "$pairs" "$secs")
theirs=$(ZKCC_NPM_DIR="$npm_dir" "${pin[@]}" node bench/js/poseidon_rate.mjs "$pairs" "$secs")

python3 - "$ours" "$theirs" "$scure_version" <<'PY'
import json, sys, platform
ours, theirs, version = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
if ours["digest"] != theirs["digest"]:
    sys.exit(f"outputs differ: zkcc {ours['digest']} vs @scure/starknet {theirs['digest']}")
print(f"poseidon_hash on 1,000 pairs, one core, outputs agree (digest {ours['digest'][:18]}...)")
print(f"{'implementation':<28}{'hashes/s':>14}{'us/hash':>10}")
for name, r in (("zkcc (C++)", ours), (f"@scure/starknet {version}", theirs)):
    print(f"{name:<28}{r['per_second']:>14,.0f}{1e6 / r['per_second']:>10.2f}")
print(f"ratio zkcc / @scure/starknet: {ours['per_second'] / theirs['per_second']:.1f}x")
PY
