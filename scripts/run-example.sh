#!/usr/bin/env bash
# The main job, end to end, on this machine with embedded defaults: installs dependencies, builds
# the release preset, reports the confidential-computing hardware, self-checks the hashing, then
# attests a statement (on the simulated platform unless ZKCC_PLATFORM=auto) and verifies the
# evidence bundle offline.
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
statement=0x$(printf 'zkcc example statement' | sha256sum | cut -c1-62)
echo "== prove-model attest --platform $platform"
if [ "$platform" = sim ]; then
  "$bin" attest --platform sim --sim-dir "$out/sim" --level full-cc --statement "$statement" --out "$out/bundle.json"
  echo "== prove-model verify-bundle (trusting the simulated roots explicitly)"
  "$bin" verify-bundle "$out/bundle.json" --roots "$out/sim/roots"
else
  "$bin" attest --platform auto --level auto --statement "$statement" --out "$out/bundle.json"
  echo "== prove-model verify-bundle"
  "$bin" verify-bundle "$out/bundle.json"
fi
