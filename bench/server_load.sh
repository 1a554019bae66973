#!/usr/bin/env bash
# Starts prove-server on loopback (simulated platform, SQLite store in a temporary directory, a
# bearer token, no rate limit) and holds N concurrent clients on /health and on prove submissions
# with server_load, printing throughput and latency percentiles.
#
#   bench/server_load.sh [BUILD_DIR] [CLIENTS] [SECONDS] [HOSTILE]     (default build/release 16 10 0)
#
# HOSTILE > 0 adds a hostile mix for the whole run: that many slow-header clients (a byte every
# 250 ms), as many idle keep-alive connections, and oversized chunked bodies one after another
# (the server's --max-body is 1 MiB here), beside the measured clients.
#
# Submissions are of the bundled digits model at level zk-only; the queue holds up to 100000 jobs,
# so they measure the API and the store rather than the provers (two worker threads keep proving
# meanwhile). Run from the repository root.
set -euo pipefail
build=${1:-build/release}
clients=${2:-16}
seconds=${3:-10}
hostile=${4:-0}
[[ -x "$build/apps/prove-server" && -x "$build/bench/server_load" ]] ||
  { echo "build prove-server and server_load in $build first" >&2; exit 2; }

source "$(dirname "$0")/server_lib.sh"
start_prove_server --rate-limit 0 --max-queued 100000 --workers 2 --http-threads $((clients + 4)) --grace-secs 0 \
  --max-body 1048576 --max-connections $((clients + 2 * hostile + 64))
echo "prove-server at $url; $clients clients, $seconds s per phase, $hostile hostile ($(nproc) cores)"
"$build/bench/server_load" --url "$url" --token "$token" --clients "$clients" --seconds "$seconds" --hostile "$hostile" \
  --mode both --model models/digits/mlp.onnx --input models/digits/inputs/heldout_000.json --level zk-only
