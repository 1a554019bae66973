#!/usr/bin/env bash
# prove-server's command line: --version prints the same form as prove-model's, with the same
# version; --worker-only runs only workers (no HTTP), and --worker, its former name, still does so,
# hidden from --help and with a deprecation note; the HTTP limits' flags are listed and checked.
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

for flag in --max-connections --max-connections-per-ip --header-timeout --body-timeout --idle-timeout --http-threads --max-body; do
  check "--help lists $flag" 1 "$(grep -c -- "$flag " "$tmp/help")"
done
# bad_limit NAME MESSAGE ARGS...: the server refuses to start, with status 2 and the message.
bad_limit() {
  local name=$1 message=$2
  shift 2
  "$server_bin" --listen 127.0.0.1:0 --data "$tmp/data" --platform sim --sim-cpu none --sim-gpus 0 --workers 0 "$@" \
    >"$tmp/out" 2>"$tmp/err"
  check "$name exits 2" 2 $?
  check "$name says why" 1 "$(grep -c "error: $message" "$tmp/err")"
}
bad_limit "--header-timeout 0" "the header, body and idle timeouts: 1 to 86400 seconds" --header-timeout 0
bad_limit "--body-timeout 0" "the header, body and idle timeouts: 1 to 86400 seconds" --body-timeout 0
bad_limit "--idle-timeout 100000" "the header, body and idle timeouts: 1 to 86400 seconds" --idle-timeout 100000
bad_limit "--max-connections 0" "1 to 65536 connections" --max-connections 0
bad_limit "--max-connections-per-ip -1" "0 (no limit) to --max-connections connections per client address" \
  --max-connections-per-ip -1

finish "prove-server options"
