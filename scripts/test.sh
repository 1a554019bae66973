#!/usr/bin/env bash
# Builds the dev preset (debug, warnings as errors) and runs the whole test suite with CTest.
# ZKCC_TEST_PRESET=asan runs it under the address and undefined-behaviour sanitizers instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
preset=${ZKCC_TEST_PRESET:-dev}
if command -v ccache >/dev/null 2>&1; then export ZKCC_COMPILER_LAUNCHER=ccache; fi
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset"
ctest --preset "$preset"
