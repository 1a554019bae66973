#!/usr/bin/env bash
# Our quantized inference of the bundled digits model against ONNX Runtime running the float model:
# every output within the quantization's error bound, the same top-1 class on the example inputs,
# and the quantized held-out accuracy (with scales chosen from training images only).
# Usage: quantized_vs_ort_test.sh QUANTIZED_RUN_TOOL SOURCE_DIR NPM_DIR
set -u
tool=$1 src=$2
export ZKCC_NPM_DIR=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$src" && source scripts/npm_peer.sh && npm_peer onnxruntime-node@1.30.0 --ignore-scripts >/dev/null
d=models/digits
python3 -c 'import json,sys; print(json.dumps([json.load(open(f)) for f in sys.argv[1:]]))' $(ls $d/inputs/heldout_*.json) >"$tmp/examples.json"
fail=0
for set in examples heldout; do
  inputs=$tmp/examples.json
  [ $set = heldout ] && inputs=$d/heldout_inputs.json
  node tests/model/ort_reference.mjs "$ZKCC_NPM_DIR" $d/mlp.onnx "$inputs" >"$tmp/ort_$set.json" || fail=1
  "$tool" $d/mlp.onnx $d/calibration.json "$inputs" >"$tmp/ours_$set.json" || fail=1
done
[ $fail = 0 ] || { echo "a runner failed"; exit 1; }
python3 - "$tmp" $d <<'PY'
import json, os, sys
tmp, d = sys.argv[1:]
load = lambda n: json.load(open(os.path.join(tmp, n)))
ok = True
for s in ("examples", "heldout"):
    ours, ort = load("ours_%s.json" % s), load("ort_%s.json" % s)
    bound = ours["error_bound"]
    worst = max(abs(a - b) for x, y in zip(ours["outputs"], ort["outputs"]) for a, b in zip(x, y))
    same = sum(a == b for a, b in zip(ours["top1"], ort["top1"]))
    print("%-8s max |quantized - ONNX Runtime| = %.4f (bound %.4f); same top-1 on %d/%d" % (s, worst, bound, same, len(ort["top1"])))
    if worst > bound + 1e-4:
        print("FAIL: an output is outside the quantization error bound"); ok = False
    if s == "examples" and same != len(ort["top1"]):
        print("FAIL: a different top-1 class on an example input"); ok = False
labels = json.load(open(os.path.join(d, "heldout_labels.json")))
correct = sum(a == b for a, b in zip(load("ours_heldout.json")["top1"], labels))
print("quantized held-out accuracy: %d/%d" % (correct, len(labels)))
# The float model gets 351/360; 8-bit quantization may cost an example or two, not more.
if correct < 349:
    print("FAIL: quantized accuracy dropped"); ok = False
sys.exit(0 if ok else 1)
PY
