#!/usr/bin/env bash
# prove-server's standard error: every line a log line that starts with the UTC timestamp
# docs/api.md promises (RFC 3339 with milliseconds), from the start to SIGTERM, a model's
# registration and a start-up error included.
# Usage: prove_server_log_cli_test.sh PROVE_SERVER SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
source "$(dirname "$0")/lib.sh"
stamp='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z '
all_stamped() {  # all_stamped FILE: every line starts with the timestamp, and there is one at least
  [ -s "$1" ] && ! grep -Evq "$stamp" "$1"
}

start_server "$bin" --listen 127.0.0.1:0 --platform sim --sim-cpu none --sim-gpus 0 --data "$tmp/data" --workers 0 \
  --models-dir "$src/models"
check "server listens" 1 "$([ -n "$port" ] && echo 1 || echo 0)"
code=$(curl -sS -o "$tmp/resp.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"path": "digits/mlp.onnx", "calibration_path": "digits/calibration.json"}' "http://127.0.0.1:$port/api/v1/models")
check "model registered" 201 "$code"
kill -TERM "$pid"
wait "$pid"
check "SIGTERM exits 0" 0 $?
pid=""
grep -Eq "${stamp}started: sqlite store, platform sim, 0 worker thread" "$tmp/err"; check "start line stamped" 0 $?
grep -Eq "${stamp}model [^ ]+ registered" "$tmp/err"; check "registration line stamped" 0 $?
grep -Eq "${stamp}SIGTERM: stopping" "$tmp/err"; check "stop line stamped" 0 $?
all_stamped "$tmp/err"; check "every line stamped" 0 $?
[ "$fail" -eq 0 ] || cat "$tmp/err"

"$bin" --policy "$tmp/no-such-policy.json" --data "$tmp/data" >"$tmp/out" 2>"$tmp/err"
check "a missing policy file exits 1" 1 $?
grep -Eq "${stamp}error: .*no-such-policy.json" "$tmp/err"; check "start-up error stamped" 0 $?
all_stamped "$tmp/err"; check "every error line stamped" 0 $?

finish "prove-server log"
