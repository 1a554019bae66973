#!/usr/bin/env bash
# prove-server's memory on the largest prove bodies it accepts: starts a server on loopback (no
# workers, SQLite store in a temporary directory, the default --max-body of 64 MiB), registers a
# model whose input holds 262,144 numbers (Add of a constant then Relu over [1, 262144]; its prove
# requests may take 64 KiB + 128 bytes a number = 32 MiB + 64 KiB), then sends prove bodies one at
# a time and prints, for each, the server's peak resident memory during the request (VmHWM, reset
# before each through /proc/PID/clear_refs) and its resident memory once the request is answered.
#
#   bench/server_memory.sh [BUILD_DIR]     (default build/release)
#
# The bodies: the honest input, compact and padded with spaces to the cap; and, at the cap, the
# bodies that would cost most as a document: 16.8 million zeros and 11.2 million empty arrays in
# place of the input (refused, 400); and a body 16 MiB past the cap (413). Then two verification
# bodies, which are parsed into a document: 60 MiB of empty arrays (413: more values than 2^21)
# and a million one-member objects, just under that cap (parsed, then refused, 400). Needs curl,
# bc and Debian's python3-onnx.
# Run from the repository root; Linux only (/proc).
set -euo pipefail
build=${1:-build/release}
[[ -x "$build/apps/prove-server" ]] || { echo "build prove-server in $build first" >&2; exit 2; }
py=/usr/bin/python3

source "$(dirname "$0")/server_lib.sh"

n=262144
"$py" - "$tmp" "$n" <<'PY'
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out, n = sys.argv[1], int(sys.argv[2])
c = numpy_helper.from_array(np.array([0.5], dtype=np.float32), "c")
g = helper.make_graph(
    [helper.make_node("Add", ["x", "c"], ["h"], name="add"), helper.make_node("Relu", ["h"], ["y"], name="relu")],
    "wide", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, n])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, n])], [c])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), out + "/wide.onnx")
PY

start_prove_server --rate-limit 0 --workers 0 --max-queued 100000

auth=(-H "Authorization: Bearer $token")
model_id=$(curl -sS "${auth[@]}" -H 'Content-Type: application/octet-stream' --data-binary @"$tmp/wide.onnx" \
  "$url/api/v1/models?input_range=1" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["model_id"])')

"$py" - "$tmp" "$n" "$model_id" <<'PY'
import sys

out, n, model_id = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cap = (64 << 10) + 128 * n
head = '{"model_id": "%s", "level": "zk-only", "input": ' % model_id
numbers = ", ".join("%.6f" % ((i % 1000) / 1000) for i in range(n))

def write(name, body):
    with open(out + "/" + name, "w") as f:
        f.write(body)

def padded_to(size, body):
    return body[:-1] + " " * (size - len(body)) + "}"

write("honest_compact", head + "[" + numbers + "]}")
write("honest_padded_to_cap", padded_to(cap, head + "[" + numbers + "]}"))
zeros = (cap - len(head) - 4) // 2
write("zeros_at_cap", padded_to(cap, head + "[" + ",".join(["0"] * zeros) + "]}"))
empties = (cap - len(head) - 4) // 3
write("empty_arrays_at_cap", padded_to(cap, head + "[" + ",".join(["[]"] * empties) + "]}"))
write("past_cap", padded_to(cap + (16 << 20), head + "[" + numbers + "]}"))
# /api/v1/verify parses into a document, so its values are counted first (at most 2^21).
write("verify_empty_arrays", '{"result": {"files": [' + ",".join(["[]"] * (20 << 20)) + "]}}")
write("verify_objects_under_cap", '{"result": {"files": [' + ",".join(['{"a":0}'] * ((1 << 20) - 2)) + "]}}")
PY

kib() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$server_pid/status"; }
echo "prove-server at $url; model input [1, $n]; $(nproc) cores"
echo "idle after registration: RSS $(( $(kib VmRSS) / 1024 )) MiB"
printf '%-26s %10s %6s %14s %14s %8s\n' body bytes status "peak RSS MiB" "RSS after MiB" seconds
for body in honest_compact honest_padded_to_cap zeros_at_cap empty_arrays_at_cap past_cap verify_empty_arrays \
  verify_objects_under_cap; do
  endpoint=prove
  [[ $body == verify_* ]] && endpoint=verify
  echo 5 >"/proc/$server_pid/clear_refs"  # resets VmHWM to the current RSS
  start=$(date +%s.%N)
  status=$(curl -sS -o "$tmp/answer" -w '%{http_code}' "${auth[@]}" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/$body" "$url/api/v1/$endpoint")
  end=$(date +%s.%N)
  sleep 0.5  # the connection closes and the exchange is freed
  printf '%-26s %10d %6s %14d %14d %8.2f\n' "$body" "$(stat -c %s "$tmp/$body")" "$status" \
    $(( $(kib VmHWM) / 1024 )) $(( $(kib VmRSS) / 1024 )) "$(echo "$end - $start" | bc)"
  [[ $status == 202 || $status == 400 || $status == 413 ]] || { cat "$tmp/answer" >&2; exit 1; }
done
