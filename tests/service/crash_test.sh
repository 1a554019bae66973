#!/usr/bin/env bash
# Jobs survive a crash. Drives the real prove-server binary on loopback with the simulated platform:
#
#   crash_test.sh sqlite PROVE_SERVER SOURCE_DIR
#     The server (SQLite store) is killed with SIGKILL in the middle of a job, with a second job
#     queued behind it; a new server on the same data directory finishes both (the first after its
#     lease runs out, as attempt 2), the results verify, and SIGTERM stops the server cleanly.
#
#   crash_test.sh postgres PROVE_SERVER SOURCE_DIR
#     A PostgreSQL server started here in a temporary directory (Debian's initdb and pg_ctl, run as
#     "nobody" under root, since PostgreSQL refuses root); an API-only server and two
#     `prove-server --worker-only` processes on it. The worker holding the job is killed with SIGKILL
#     mid-job; the other one takes the job over and finishes it, and the result verifies.
#
# Exits 77 (skipped) when PostgreSQL is not installed, unless CI=true or ZKCC_REQUIRE_POSTGRES=1.
set -euo pipefail

mode=${1:?usage: crash_test.sh sqlite|postgres PROVE_SERVER SOURCE_DIR}
server_bin=$(realpath "${2:?prove-server binary}")
src=$(realpath "${3:?source directory}")
cd "$src"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/zkcc-crash-XXXXXX")
chmod 755 "$tmp"
pids=()
pg_bin=""
pg_as=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ -n "$pg_bin" && -d "$tmp/pg/data" ]]; then
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$tmp/pg/data" -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  local f
  for f in "$tmp"/*.log "$tmp"/*.out; do
    [[ -f "$f" ]] || continue
    echo "--- $f" >&2
    tail -n 30 "$f" >&2
  done
  exit 1
}

# json FILE EXPRESSION: evaluates a Python expression over the document `d` and prints it.
json() {
  python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); v = eval(sys.argv[2]); print(json.dumps(v) if isinstance(v, (dict, list, bool)) else v)' "$1" "$2"
}

# http METHOD PATH [BODY_FILE [CONTENT_TYPE]]: the response body in $tmp/resp.json, the status printed.
http() {
  local args=(-sS -o "$tmp/resp.json" -w '%{http_code}' -X "$1" "http://127.0.0.1:$port$2")
  if [[ $# -ge 3 ]]; then args+=(--data-binary "@$3" -H "Content-Type: ${4:-application/json}"); fi
  curl "${args[@]}"
}

# start_server NAME ARGS...: starts prove-server in the background; sets $port from its first line.
start_server() {
  local name=$1
  shift
  "$server_bin" --listen 127.0.0.1:0 --data "$tmp/data" --platform sim --models-dir "$src/models" \
    --lease-secs 3 --heartbeat-secs 1 "$@" >"$tmp/$name.out" 2>"$tmp/$name.log" &
  server_pid=$!
  pids+=("$server_pid")
  local i
  for i in $(seq 1 600); do
    if grep -q '^prove-server listening on http://127.0.0.1:[0-9]*$' "$tmp/$name.out" 2>/dev/null; then
      port=$(sed -n '1s/.*:\([0-9]*\)$/\1/p' "$tmp/$name.out")
      return 0
    fi
    kill -0 "$server_pid" 2>/dev/null || fail "$name exited before listening"
    sleep 0.1
  done
  fail "$name did not print its address"
}

# start_worker NAME ARGS...: a `prove-server --worker-only` process; sets $worker_pid.
start_worker() {
  local name=$1
  shift
  "$server_bin" --worker-only --data "$tmp/data" --platform sim --lease-secs 3 --heartbeat-secs 1 "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.log" &
  worker_pid=$!
  pids+=("$worker_pid")
  local i
  for i in $(seq 1 600); do
    grep -q '^prove-server worker ' "$tmp/$name.out" 2>/dev/null && return 0
    kill -0 "$worker_pid" 2>/dev/null || fail "$name exited before starting"
    sleep 0.1
  done
  fail "$name did not start"
}

register_digits() {
  printf '{"path": "digits/mlp.onnx", "calibration_path": "digits/calibration.json"}' >"$tmp/register.json"
  local code
  code=$(http POST /api/v1/models "$tmp/register.json")
  [[ $code == 201 || $code == 200 ]] || fail "register: HTTP $code $(cat "$tmp/resp.json")"
  model_id=$(json "$tmp/resp.json" 'd["model_id"]')
}

# submit INPUT_FILE LEVEL: queues a job; sets $job.
submit() {
  python3 -c 'import json, sys; print(json.dumps({"model_id": sys.argv[1], "input": json.load(open(sys.argv[2])), "level": sys.argv[3]}))' \
    "$model_id" "$1" "$2" >"$tmp/prove.json"
  local code
  code=$(http POST /api/v1/prove "$tmp/prove.json")
  [[ $code == 202 ]] || fail "prove: HTTP $code $(cat "$tmp/resp.json")"
  job=$(json "$tmp/resp.json" 'd["job_id"]')
}

# wait_running JOB: until the job runs and has proved at least one layer; prints its worker.
wait_running() {
  local i code
  for i in $(seq 1 600); do
    code=$(http GET "/api/v1/jobs/$1")
    if [[ $code == 200 && $(json "$tmp/resp.json" 'd["status"]') == running &&
          $(json "$tmp/resp.json" 'd["progress"]["layers_done"]') -ge 1 ]]; then
      json "$tmp/resp.json" 'd["worker"]'
      return 0
    fi
    [[ $code == 200 && $(json "$tmp/resp.json" 'd["status"]') != queued && $(json "$tmp/resp.json" 'd["status"]') != running ]] &&
      fail "job $1 ended before it could be killed: $(cat "$tmp/resp.json")"
    sleep 0.1
  done
  fail "job $1 never showed progress"
}

# wait_done JOB: until the job is done (fails on failed or a timeout); leaves its status in resp.json.
wait_done() {
  local i code status
  for i in $(seq 1 1200); do
    code=$(http GET "/api/v1/jobs/$1")
    if [[ $code == 200 ]]; then
      status=$(json "$tmp/resp.json" 'd["status"]')
      [[ $status == done ]] && return 0
      [[ $status == failed ]] && fail "job $1 failed: $(cat "$tmp/resp.json")"
    fi
    sleep 0.1
  done
  fail "job $1 did not finish: $(cat "$tmp/resp.json")"
}

# verify_job JOB: fetches the result and has the server verify it.
verify_job() {
  local code
  code=$(http GET "/api/v1/jobs/$1/result")
  [[ $code == 200 ]] || fail "result of $1: HTTP $code $(cat "$tmp/resp.json")"
  cp "$tmp/resp.json" "$tmp/result-$1.json"
  code=$(http POST /api/v1/verify "$tmp/result-$1.json")
  [[ $code == 200 ]] || fail "verify $1: HTTP $code $(cat "$tmp/resp.json")"
  [[ $(json "$tmp/resp.json" 'd["verified"]') == true ]] || fail "job $1 does not verify: $(json "$tmp/resp.json" 'd["failed"]')"
}

case "$mode" in
  sqlite)
    # ZKCC_API_TOKENS set to something that yields no token (empty, separators only, a '#' comment)
    # is refused at start (exit 2), never taken as "no tokens" and served open.
    for tokens in "" " , ," "#test-token-0123456789abcdef"; do
      code=0
      ZKCC_API_TOKENS=$tokens timeout 20 "$server_bin" --listen 127.0.0.1:0 --data "$tmp/data" --platform sim \
        >"$tmp/tokens.out" 2>"$tmp/tokens.log" || code=$?
      [[ $code == 2 ]] || fail "ZKCC_API_TOKENS='$tokens': exit status $code, not 2 (a refusal to start)"
      grep -q 'ZKCC_API_TOKENS holds no token' "$tmp/tokens.log" || fail "ZKCC_API_TOKENS='$tokens': no reason given"
      if grep -q listening "$tmp/tokens.out"; then fail "ZKCC_API_TOKENS='$tokens': the server listened"; fi
    done

    # Each step of a proof takes 1.5 s, so the job is certainly running when the server dies.
    ZKCC_TEST_JOB_DELAY_MS=1500 start_server server1
    register_digits
    submit models/digits/inputs/heldout_000.json full-cc
    first=$job
    submit models/digits/inputs/heldout_001.json tee
    second=$job
    wait_running "$first" >/dev/null
    kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    echo "killed the server in the middle of job $first (job $second queued)"

    start_server server2
    code=$(http GET "/api/v1/models/$model_id")
    [[ $code == 200 ]] || fail "the model is gone after the crash: HTTP $code"
    wait_done "$first"
    [[ $(json "$tmp/resp.json" 'd["attempts"]') == 2 ]] || fail "job $first: expected attempt 2: $(cat "$tmp/resp.json")"
    wait_done "$second"
    [[ $(json "$tmp/resp.json" 'd["attempts"]') == 1 ]] || fail "job $second: expected attempt 1: $(cat "$tmp/resp.json")"
    verify_job "$first"
    verify_job "$second"

    # SIGTERM: a clean exit, status 0.
    kill -TERM "$server_pid"
    rc=0
    wait "$server_pid" || rc=$?
    [[ $rc == 0 ]] || fail "the server exited with $rc on SIGTERM"
    echo "sqlite crash test: both jobs finished after the crash and verify"
    ;;

  postgres)
    for d in /usr/lib/postgresql/*/bin; do
      [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && pg_bin=$d
    done
    if [[ -z "$pg_bin" ]]; then
      # Under CI (CI=true) or ZKCC_REQUIRE_POSTGRES=1 a missing PostgreSQL is a failure.
      [[ "${CI:-}" == true || "${ZKCC_REQUIRE_POSTGRES:-}" == 1 ]] && fail "PostgreSQL is not installed (/usr/lib/postgresql/*/bin)"
      echo "SKIP: PostgreSQL is not installed (/usr/lib/postgresql/*/bin)"
      exit 77
    fi
    mkdir -p "$tmp/pg"
    if [[ $(id -u) == 0 ]]; then
      chown nobody "$tmp/pg"
      pg_as=(runuser -u nobody --)
    fi
    "${pg_as[@]}" "$pg_bin/initdb" -D "$tmp/pg/data" -U zkcc --auth=trust >"$tmp/initdb.log" 2>&1 ||
      fail "initdb failed"
    "${pg_as[@]}" "$pg_bin/pg_ctl" -D "$tmp/pg/data" -l "$tmp/pg/server.log" -w -t 60 \
      -o "-k $tmp/pg -c listen_addresses= -p 5432 -c fsync=off" start >"$tmp/pg_ctl.log" 2>&1 ||
      fail "PostgreSQL did not start: $(cat "$tmp/pg/server.log" 2>/dev/null)"
    "${pg_as[@]}" "$pg_bin/createdb" -h "$tmp/pg" -p 5432 -U zkcc zkcc >"$tmp/createdb.log" 2>&1 ||
      fail "createdb failed"
    store="postgresql:///zkcc?host=$tmp/pg&port=5432&user=zkcc"

    # The API alone (no workers of its own), and two workers whose steps take 1.5 s each.
    start_server api --store "$store" --workers 0
    ZKCC_TEST_JOB_DELAY_MS=1500 start_worker worker1 --store "$store"
    worker1=$worker_pid
    ZKCC_TEST_JOB_DELAY_MS=1500 start_worker worker2 --store "$store"
    worker2=$worker_pid
    register_digits
    submit models/digits/inputs/heldout_002.json full-cc
    holder=$(wait_running "$job")
    holder_pid=${holder##*:}
    holder_pid=${holder_pid%%/*}
    if [[ $holder_pid == "$worker1" ]]; then
      survivor=worker2
    elif [[ $holder_pid == "$worker2" ]]; then
      survivor=worker1
    else
      fail "job $job is held by $holder, neither worker ($worker1, $worker2)"
    fi
    kill -KILL "$holder_pid"
    wait "$holder_pid" 2>/dev/null || true
    echo "killed worker $holder in the middle of job $job"

    wait_done "$job"
    [[ $(json "$tmp/resp.json" 'd["attempts"]') == 2 ]] || fail "job $job: expected attempt 2: $(cat "$tmp/resp.json")"
    grep -q "job $job: done" "$tmp/$survivor.log" || fail "the surviving worker did not finish job $job"
    verify_job "$job"
    echo "postgres crash test: the other worker finished job $job and it verifies"
    ;;

  *)
    echo "usage: crash_test.sh sqlite|postgres PROVE_SERVER SOURCE_DIR" >&2
    exit 2
    ;;
esac
