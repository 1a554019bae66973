# Shared by the CLI test scripts (sourced, after `set -uo pipefail` and reading their arguments):
# a scratch directory $tmp removed on exit with any background server $pid, pass/fail counters,
# check and check_rc, need_python_onnx, and finish to print the tally and set the exit status.
pass=0
fail=0
tmp=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
check_rc() {  # check_rc NAME EXPECTED_RC CMD...: stdout in $tmp/out, stderr in $tmp/err
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  check "$name (exit code)" "$want" "$?"
}
need_python_onnx() {  # sets $py to a python3 with the onnx module, or exits 77 (skipped)
  py=""
  for p in python3 /usr/bin/python3; do
    if "$p" -c 'import onnx' 2>/dev/null; then py=$p; return; fi
  done
  echo "skipped: no python3 with the onnx module"
  exit 77
}
start_server() {  # start_server CMD...: runs it in the background ($pid, stdout in $tmp/out, stderr in
  # $tmp/err) until it logs "listening on" (30 s at most); $port is the port it reports, or empty
  "$@" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 1 300); do
    grep -q "listening on" "$tmp/out" 2>/dev/null && break
    sleep 0.1
  done
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$tmp/out")
}
finish() {  # finish NAME
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
