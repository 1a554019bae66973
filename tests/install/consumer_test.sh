#!/usr/bin/env bash
# Usage: consumer_test.sh BUILD_DIR CONSUMER_SOURCE SCRATCH_DIR
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
cmake --install "$build" --prefix "$scratch/prefix" >"$scratch/install.log"
test -f "$scratch/prefix/include/zkcc/hash/poseidon.h"
ls "$scratch"/prefix/lib*/cmake/zkcc/zkccConfig.cmake >/dev/null
cmake -S "$src" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$scratch/prefix" -DCMAKE_BUILD_TYPE=Release >"$scratch/configure.log"
cmake --build "$scratch/build" >"$scratch/build.log"
out=$("$scratch/build/consumer")
echo "consumer printed $out"
test "$out" = "0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d"
