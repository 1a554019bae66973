#!/usr/bin/env bash
# prove-server's command line: --version prints the same form as prove-model's, with the same
# version; --worker-only runs only workers (no HTTP), and --worker, its former name, still does so,
# hidden from --help and with a deprecation note.
# Usage: prove_server_options_cli_test.sh PROVE_MODEL PROVE_SERVER
set -uo pipefail
model_bin=$1
server_bin=$2
source "$(dirname "$0")/lib.sh"

model_version=$("$model_bin" --version)
server_version=$("$server_bin" --version)
check "prove-model --version form" 1 "$(echo "$model_version" | grep -Ec '^prove-model \(zkcc\) [0-9]+\.[0-9]+\.[0-9]+$')"
check "prove-server --version form" 1 "$(echo "$server_version" | grep -Ec '^prove-server \(zkcc\) [0-9]+\.[0-9]+\.[0-9]+$')"
check "same version" "${model_version#prove-model }" "${server_version#prove-server }"

"$server_bin" --help >"$tmp/help"
check "--help lists --worker-only" 1 "$(grep -c -- '--worker-only' "$tmp/help")"
check "--help hides --worker" 0 "$(grep -Ec -- '--worker( |$)' "$tmp/help")"

# run_worker NAME FLAG: FLAG starts a worker-only process on the simulated platform, which stops on SIGTERM.
run_worker() {
  "$server_bin" "$2" --data "$tmp/data" --platform sim --sim-cpu none --sim-gpus 0 --workers 1 \
    >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 300); do
    grep -q "prove-server worker" "$tmp/out" 2>/dev/null && break
    sleep 0.1
  done
  check "$1: worker only" 1 "$(grep -c '^prove-server worker .*: 1 thread(s) on the sqlite store, platform sim$' "$tmp/out")"
  check "$1: no HTTP" 0 "$(grep -c 'listening on' "$tmp/out")"
  kill -TERM "$pid"
  wait "$pid"
  check "$1: SIGTERM exits 0" 0 $?
  pid=""
}
run_worker "--worker-only" --worker-only
check "--worker-only: no deprecation note" 0 "$(grep -c 'deprecated' "$tmp/err")"
run_worker "--worker" --worker
check "--worker: deprecation note" 1 "$(grep -c 'note: --worker is deprecated, use --worker-only' "$tmp/err")"

"$server_bin" --worker-only --workers 0 --data "$tmp/data" --platform sim >"$tmp/out" 2>"$tmp/err"
check "--worker-only --workers 0 exits 2" 2 $?
check "--worker-only --workers 0 says why" 1 "$(grep -c 'error: --worker-only needs at least one worker thread' "$tmp/err")"

finish "prove-server options"
