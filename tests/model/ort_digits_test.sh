#!/usr/bin/env bash
# The bundled digits model under ONNX Runtime (npm onnxruntime-node) agrees with what its training
# script recorded: every held-out logit within 1e-4 of numpy's, the same top-1 class everywhere,
# the same held-out accuracy, the example inputs classified as labelled; and the benchmark
# model generator writes models that ONNX Runtime runs.
# Usage: ort_digits_test.sh SOURCE_DIR NPM_DIR
set -u
src=$1
export ZKCC_NPM_DIR=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
digits=$src/models/digits
pass=0 fail=0
check() {
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; head -5 "$tmp/err" 2>/dev/null; fi
}
ort() {  # ort MODEL INPUTS OUT
  node "$src/tests/model/ort_reference.mjs" "$ZKCC_NPM_DIR" "$1" "$2" >"$3" 2>"$tmp/err"
}
# compare ORT_JSON LOGITS_JSON LABELS_JSON METRICS_JSON: prints "ok" or what differs.
compare() {
  python3 - "$@" <<'EOF'
import json, sys
ort, want, labels, metrics = (json.load(open(p)) for p in sys.argv[1:])
errs = []
if len(ort["outputs"]) != len(want):
    sys.exit(print("got %d outputs for %d expected" % (len(ort["outputs"]), len(want))))
worst = max(abs(a - b) for got, exp in zip(ort["outputs"], want) for a, b in zip(got, exp))
if worst > 1e-4:
    errs.append("largest logit difference %.3g > 1e-4" % worst)
argmax = lambda r: max(range(len(r)), key=lambda j: (r[j], -j))
diff = [i for i, (t, exp) in enumerate(zip(ort["top1"], want)) if t != argmax(exp)]
if diff:
    errs.append("top-1 differs on held-out examples %s" % diff[:10])
correct = sum(t == y for t, y in zip(ort["top1"], labels))
if correct != metrics["float_correct"] or len(labels) != metrics["heldout_examples"]:
    errs.append("ORT gets %d/%d right, training recorded %d/%d" %
                (correct, len(labels), metrics["float_correct"], metrics["heldout_examples"]))
print("; ".join(errs) or "ok")
EOF
}

cd "$src" && source scripts/npm_peer.sh && npm_peer onnxruntime-node@1.30.0 --ignore-scripts >/dev/null
check "onnxruntime-node installed" 0 $?

ort "$digits/mlp.onnx" "$digits/heldout_inputs.json" "$tmp/heldout.json"
check "ORT runs the digits model on the held-out set" 0 $?
check "held-out logits, top-1 and accuracy match training" ok \
  "$(compare "$tmp/heldout.json" "$digits/heldout_logits.json" "$digits/heldout_labels.json" "$digits/metrics.json")"

# The comparison notices a changed logit, a changed class and a changed accuracy.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d[5][3]+=0.001; json.dump(d,open(sys.argv[2],"w"))' \
  "$digits/heldout_logits.json" "$tmp/logits-nudged.json"
compare "$tmp/heldout.json" "$tmp/logits-nudged.json" "$digits/heldout_labels.json" "$digits/metrics.json" >"$tmp/out"
grep -q "largest logit difference" "$tmp/out"; check "a logit off by 1e-3 is caught" 0 $?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d[7]=[-x for x in d[7]]; json.dump(d,open(sys.argv[2],"w"))' \
  "$digits/heldout_logits.json" "$tmp/logits-flipped.json"
compare "$tmp/heldout.json" "$tmp/logits-flipped.json" "$digits/heldout_labels.json" "$digits/metrics.json" >"$tmp/out"
grep -q "top-1 differs on held-out examples \[7\]" "$tmp/out"; check "a changed class is caught" 0 $?
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["float_correct"]-=1; json.dump(d,open(sys.argv[2],"w"))' \
  "$digits/metrics.json" "$tmp/metrics-off.json"
compare "$tmp/heldout.json" "$digits/heldout_logits.json" "$digits/heldout_labels.json" "$tmp/metrics-off.json" >"$tmp/out"
grep -q "training recorded 350/360" "$tmp/out"; check "a different recorded accuracy is caught" 0 $?

# Each example input (the prove-model input format) gets its labelled class.
for f in "$digits"/inputs/heldout_*.json; do
  name=$(basename "$f")
  want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$digits/inputs/labels.json" "$name")
  ort "$digits/mlp.onnx" "$f" "$tmp/one.json"
  check "example $name classified" "$want" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["top1"][0])' "$tmp/one.json")"
done

# Bad inputs are refused.
echo '[[1,2,3]]' >"$tmp/short.json"
ort "$digits/mlp.onnx" "$tmp/short.json" "$tmp/out"; check "input of the wrong length refused" 1 $?
grep -q "takes 64" "$tmp/err"; check "wrong length named" 0 $?
echo '[[1,"x"]]' >"$tmp/nan.json"
ort "$digits/mlp.onnx" "$tmp/nan.json" "$tmp/out"; check "non-numeric input refused" 1 $?

# The benchmark generator (Debian's python3-onnx and python3-numpy) writes models ORT runs.
/usr/bin/python3 "$src/models/bench/make_models.py" "$tmp/bench" >"$tmp/gen" 2>"$tmp/err"
check "benchmark models generated" 0 $?
grep -q "dense_4m.onnx: 4207626 parameters" "$tmp/gen"; check "dense model has 4,207,626 parameters" 0 $?
grep -q "cnn_264k.onnx: 263330 parameters" "$tmp/gen"; check "CNN has 263,330 parameters" 0 $?
for m in dense_4m cnn_264k; do
  ort "$tmp/bench/$m.onnx" "$tmp/bench/${m}_calibration.json" "$tmp/$m.json"
  check "ORT runs $m" 0 $?
  check "$m gives 8 outputs of 10" "8 10" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["outputs"]), len(d["outputs"][0]))' "$tmp/$m.json" 2>&1)"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
