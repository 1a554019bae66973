#!/usr/bin/env bash
# Slow first runs say what they are doing, to a person only: creating the simulated platform's keys
# on the first attest and on prove-server's first start prints a note when standard error is a
# terminal, and nothing when it is not (as under ctest) or with --json. The terminal cases run
# under script(1) when it is installed.
# Usage: first_run_notes_cli_test.sh PROVE_MODEL PROVE_SERVER
set -uo pipefail
model=$1
server=$2
source "$(dirname "$0")/lib.sh"
note="generating simulated platform keys"

# Not a terminal: a first attest writes its bundle and says nothing on standard error.
"$model" attest 0x2a --platform sim --sim-dir "$tmp/sim1" --out "$tmp/a.json" >"$tmp/out" 2>"$tmp/err"
check "first attest, no terminal (exit code)" 0 $?
check "first attest, no terminal: standard error empty" "" "$(cat "$tmp/err")"
"$model" attest 0x2a --platform sim --sim-dir "$tmp/sim2" --out "$tmp/b.json" --json >"$tmp/out" 2>"$tmp/err"
check "first attest --json (exit code)" 0 $?
check "first attest --json: standard error empty" "" "$(cat "$tmp/err")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out"; check "first attest --json: stdout is one JSON object" 0 $?

# Not a terminal: prove-server's first start logs only its usual lines.
start_server "$server" --listen 127.0.0.1:0 --platform sim --data "$tmp/data1" --workers 0
kill -TERM "$pid"; wait "$pid"
check "first server start, no terminal (exit code)" 0 $?
grep -q "$note" "$tmp/err"; check "first server start, no terminal: no note" 1 $?

if command -v script >/dev/null; then
  script -qec "'$model' attest 0x2a --platform sim --sim-dir '$tmp/sim3' --out '$tmp/c.json'" /dev/null >"$tmp/tty" 2>&1
  grep -q "attesting: $note in $tmp/sim3 (first run)" "$tmp/tty"; check "first attest on a terminal: the note" 0 $?
  test -s "$tmp/c.json"; check "first attest on a terminal: the bundle" 0 $?
  script -qec "'$model' attest 0x2a --platform sim --sim-dir '$tmp/sim3' --out '$tmp/c.json'" /dev/null >"$tmp/tty" 2>&1
  grep -q "$note" "$tmp/tty"; check "second attest on a terminal: no key note" 1 $?
  script -qec "'$model' attest 0x2a --platform sim --sim-dir '$tmp/sim4' --out '$tmp/d.json' --json" /dev/null >"$tmp/tty" 2>&1
  grep -q "attesting" "$tmp/tty"; check "first attest --json on a terminal: no note" 1 $?
  script -qec "timeout -s TERM 3 '$server' --listen 127.0.0.1:0 --platform sim --data '$tmp/data2' --workers 0" /dev/null >"$tmp/tty" 2>&1
  grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z $note in $tmp/data2/sim \(first run\)" "$tmp/tty"
  check "first server start on a terminal: a stamped note" 0 $?
else
  echo "script(1) not installed: the terminal cases are not run"
fi

finish "first-run notes"
