# Shared by the prove-server bench scripts (sourced, after `set -euo pipefail` and setting $build):
# a scratch directory $tmp removed on exit with the server, and start_server to run
# $build/apps/prove-server on loopback with a fresh bearer token ($token), a SQLite store in $tmp
# and the simulated platform, plus the caller's flags; it sets $server_pid and $url.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkcc-bench-XXXXXX")
server_pid=""
cleanup() {
  [[ -n "$server_pid" ]] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

start_server() {  # start_server FLAGS...: waits up to 60 s for "listening on"
  token=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  ZKCC_API_TOKENS=$token "$build/apps/prove-server" --listen 127.0.0.1:0 --data "$tmp/data" --platform sim "$@" \
    >"$tmp/server.out" 2>"$tmp/server.log" &
  server_pid=$!
  for _ in $(seq 1 600); do
    grep -q '^prove-server listening on ' "$tmp/server.out" 2>/dev/null && break
    sleep 0.1
  done
  url=$(sed -n '1s/^prove-server listening on //p' "$tmp/server.out")
  [[ -n "$url" ]] || { cat "$tmp/server.log" >&2; exit 1; }
}
