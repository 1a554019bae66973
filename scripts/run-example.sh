#!/usr/bin/env bash
# The main job, end to end, on this machine with embedded defaults: installs dependencies, builds
# the release preset, reports the confidential-computing hardware, self-checks the hashing, then
# proves the bundled digits model on one of its held-out inputs, attested on the simulated
# platform (or this machine's hardware with ZKCC_PLATFORM=auto), and verifies the proof directory
# offline: the proof, the evidence, every binding, the receipt and the calldata.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
bin=build/release/apps/prove-model
echo "== prove-model detect"
"$bin" detect
echo "== prove-model selfcheck"
"$bin" selfcheck
platform=${ZKCC_PLATFORM:-sim}
out=build/example
mkdir -p "$out"
model=models/digits/mlp.onnx
input=models/digits/inputs/heldout_000.json
echo "== prove-model inspect $model"
"$bin" inspect "$model"
if [ "$platform" = sim ]; then
  echo "== prove-model prove --platform sim (simulated SEV-SNP and H100, test keys)"
  "$bin" prove --model "$model" --calibration models/digits/calibration.json --input "$input" \
    --platform sim --sim-dir "$out/sim" --level full-cc --out "$out/proof" --force
  echo "== prove-model verify (trusting the simulated roots explicitly)"
  "$bin" verify "$out/proof" --roots "$out/sim/roots"
else
  echo "== prove-model prove --platform auto"
  "$bin" prove --model "$model" --calibration models/digits/calibration.json --input "$input" \
    --platform auto --level auto --out "$out/proof" --force
  echo "== prove-model verify"
  "$bin" verify "$out/proof"
fi
echo "== the proof directory"
ls -l "$out/proof"
