#!/usr/bin/env bash
# `prove-model inspect --json` on the bundled digits model: shapes are integers, the ONNX-side
# counts (onnx_nodes, onnx_parameters) match what the onnx Python module reads from the file, and
# every count and shape agrees with the model description prove-server returns on registration.
# Usage: inspect_counts_cli_test.sh PROVE_MODEL PROVE_SERVER SOURCE_DIR
# Exits 77 (skipped) where no python3 has the onnx module.
set -uo pipefail
model_bin=$1
server_bin=$2
src=$3
source "$(dirname "$0")/lib.sh"

need_python_onnx

onnx_file="$src/models/digits/mlp.onnx"
# What the ONNX file itself says: nodes, initializer elements, and the graph's input and output shapes.
"$py" - "$onnx_file" >"$tmp/expected.json" <<'PY'
import json, math, sys
import onnx
m = onnx.load(sys.argv[1])
inits = {t.name for t in m.graph.initializer}
dims = lambda v: [d.dim_value if d.HasField("dim_value") else d.dim_param for d in v.type.tensor_type.shape.dim]
print(json.dumps({
    "onnx_nodes": len(m.graph.node),
    "onnx_parameters": sum(math.prod(t.dims) for t in m.graph.initializer),
    "inputs": [dims(v) for v in m.graph.input if v.name not in inits],
    "outputs": [dims(v) for v in m.graph.output],
}))
PY
"$model_bin" inspect "$onnx_file" --calibration "$src/models/digits/calibration.json" --json >"$tmp/inspect.json"
check "inspect exits 0" 0 $?

start_server "$server_bin" --listen 127.0.0.1:0 --platform sim --sim-cpu none --sim-gpus 0 --data "$tmp/data" \
  --workers 0 --models-dir "$src/models"
code=$(curl -sS -o "$tmp/server.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
  --data '{"path": "digits/mlp.onnx", "calibration_path": "digits/calibration.json"}' "http://127.0.0.1:$port/api/v1/models")
check "model registered" 201 "$code"

# One line a comparison: NAME EXPECTED ACTUAL, the values as compact JSON.
"$py" - "$tmp/expected.json" "$tmp/inspect.json" "$tmp/server.json" >"$tmp/compare" <<'PY'
import json, sys
e, i, s = (json.load(open(p)) for p in sys.argv[1:4])
d = lambda v: json.dumps(v, separators=(",", ":"))
rows = [
    ("inspect onnx_nodes", e["onnx_nodes"], i.get("onnx_nodes")),
    ("inspect onnx_parameters", e["onnx_parameters"], i.get("onnx_parameters")),
    ("inspect node onnx_parameters add up", e["onnx_parameters"], sum(n.get("onnx_parameters", 0) for n in i["nodes"])),
    ("inspect input dims", e["inputs"], [t["dims"] for t in i["inputs"]]),
    ("inspect output dims", e["outputs"], [t["dims"] for t in i["outputs"]]),
    ("inspect dims are integers", True, all(isinstance(x, int) for t in i["inputs"] + i["outputs"] for x in t["dims"])),
    ("inspect output_shapes are integers", True,
     all(isinstance(x, int) for n in i["nodes"] for sh in n["output_shapes"] for x in sh)),
    ("committed >= onnx parameters", True, i.get("committed_parameters", 0) >= e["onnx_parameters"]),
    ("quantized_layers > 0", True, i.get("quantized_layers", 0) > 0),
    ("server input_shape", e["inputs"][0], s.get("input_shape")),
    ("server output_shapes", e["outputs"], s.get("output_shapes")),
    ("server commitment", i.get("model_commitment"), s.get("commitment")),
]
for k in ("onnx_nodes", "onnx_parameters", "quantized_layers", "committed_parameters"):
    rows.append(("server " + k + " as inspect", i.get(k), s.get(k)))
for name, want, got in rows:
    print(name.replace(" ", "_"), d(want), d(got))
PY
while read -r name want got; do check "$name" "$want" "$got"; done <"$tmp/compare"
check "comparisons made" 16 "$(wc -l <"$tmp/compare")"

kill -TERM "$pid"
wait "$pid"
pid=""
finish "inspect counts"
