#!/usr/bin/env bash
# The main job, end to end, on this machine with embedded defaults: installs dependencies, builds
# the release preset, reports the confidential-computing hardware, and self-checks the hashing.
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
