# Shared by the prove-server bench scripts (sourced, after `set -euo pipefail` and setting $build):
# tests/apps/lib.sh's scratch directory $tmp and start_server (the server killed and $tmp removed on
# exit), and start_prove_server to run $build/apps/prove-server on loopback with a fresh bearer
# token ($token), a SQLite store in $tmp and the simulated platform, plus the caller's flags; it
# sets $server_pid and $url, or exits with the server's log.
source "$(dirname "${BASH_SOURCE[0]}")/../tests/apps/lib.sh"

start_prove_server() {  # start_prove_server FLAGS...
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  start_server env ZKCC_API_TOKENS="$token" "$build/apps/prove-server" --listen 127.0.0.1:0 --data "$tmp/data" \
    --platform sim "$@"
  [[ -n "$port" ]] || { cat "$tmp/err" >&2; exit 1; }
  server_pid=$pid
  url=http://127.0.0.1:$port
}
