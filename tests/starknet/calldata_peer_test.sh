#!/usr/bin/env bash
# zkcc's verify_and_pay and proof calldata against npm starknet, and its proof_id and receipt hashes
# against @scure/starknet (calldata_peer.mjs does the comparing).
# Usage: calldata_peer_test.sh CALLDATA_TOOL SOURCE_DIR NPM_DIR
set -eu
tool=$1 src=$2
export ZKCC_NPM_DIR=$3
cd "$src" && source scripts/npm_peer.sh
npm_peer starknet@7.1.0
echo "starknet $peer_version"
npm_peer @scure/starknet@1.1.2
echo "@scure/starknet $peer_version"
node "$src/tests/starknet/calldata_peer.mjs" "$ZKCC_NPM_DIR" "$tool" "$src/starknet/abi/obelysk_verifier.json"
