#!/usr/bin/env bash
# What exporters write, through the command line: a symbolic batch axis with PyTorch's flatten
# pattern (inspect says the batch was set to 1; prove and verify pass), --input-shape for other
# symbolic dimensions (refused without it, naming the axis), inspect listing every refusal at once
# with a non-zero exit, a chain of operators lowered onto the existing layers proved and verified,
# and `operators --markdown` equal to docs/operators.md.
# Usage: import_cli_test.sh PROVE_MODEL SOURCE_DIR
# Exits 77 (skipped) where no python3 has the onnx module.
set -uo pipefail
bin=$1
src=$2
source "$(dirname "$0")/lib.sh"

need_python_onnx
"$py" "$src/tests/apps/import_models.py" "$tmp"
check "models written" 0 $?
has() {  # has NAME FILE TEXT: FILE contains TEXT
  if grep -qF -- "$3" "$2"; then check "$1" 1 1; else check "$1" "[$3] in $2" "$(cat "$2")"; fi
}

# The symbolic batch defaults to 1, and inspect says so.
check_rc "inspect flatten" 0 "$bin" inspect "$tmp/flatten.onnx"
has "inspect notes the batch" "$tmp/out" "note: input 'x': batch dimension 'batch_size' set to 1"
has "the flatten is folded" "$tmp/out" "supported: yes"
check_rc "inspect flatten --json" 0 "$bin" inspect "$tmp/flatten.onnx" --json
check "inspect --json notes" '["input '"'"'x'"'"': batch dimension '"'"'batch_size'"'"' set to 1"]' \
  "$("$py" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["notes"]))' "$tmp/out")"

# Proved and verified with no extra flag; the flat input JSON leaves the batch default.
"$py" -c 'import json; print(json.dumps([round(i / 20 - 0.4, 3) for i in range(18)]))' >"$tmp/flat.json"
check_rc "prove flatten" 0 "$bin" prove "$tmp/flatten.onnx" --input "$tmp/flat.json" --level zk-only --out "$tmp/proof"
has "prove notes the batch" "$tmp/out" "note: input 'x': batch dimension 'batch_size' set to 1"
check_rc "verify flatten" 0 "$bin" verify "$tmp/proof"
# A nested input gives its own batch.
"$py" -c 'import json; print(json.dumps([[[[0.1 * (i + j + k) for k in range(3)] for j in range(3)] for i in range(2)]] * 2))' >"$tmp/two.json"
check_rc "prove a batch of two from the input's nesting" 0 "$bin" prove "$tmp/flatten.onnx" --input "$tmp/two.json" \
  --level zk-only --out "$tmp/proof2" --json
check "the output has two rows" "[2, 4]" \
  "$("$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"][0]["shape"])' "$tmp/out")"
check_rc "verify the batch of two" 0 "$bin" verify "$tmp/proof2"

# --input-shape: the given batch, a shape of the wrong rank, and one that is not a shape.
check_rc "inspect --input-shape 3,2,3,3" 0 "$bin" inspect "$tmp/flatten.onnx" --input-shape 3,2,3,3
has "the given batch" "$tmp/out" "note: input 'x': dimension 'batch_size' at axis 0 set to 3 from the given input shape"
has "the output takes it" "$tmp/out" "[3, 4]"
check_rc "inspect --input-shape of the wrong rank" 1 "$bin" inspect "$tmp/flatten.onnx" --input-shape 1,18
has "the rank is named" "$tmp/out" "the given input shape [1, 18] has 2 dimensions but graph input 'x' has 4"
check_rc "inspect --input-shape 1,x" 2 "$bin" inspect "$tmp/flatten.onnx" --input-shape 1,x
has "the bad dimension is named" "$tmp/err" "--input-shape 1,x: dimension 1 (x) is not a positive integer"

# A symbolic dimension that is not the batch: refused with its axis and the flag, then given.
check_rc "inspect seq" 1 "$bin" inspect "$tmp/seq.onnx"
has "the axis is named" "$tmp/out" "graph input 'x' has the symbolic dimension 'seq' at axis 1, which has no default"
has "the flag is named" "$tmp/out" "give the input's shape with --input-shape 1,<seq>,4"
check_rc "inspect seq --input-shape 1,3,4" 0 "$bin" inspect "$tmp/seq.onnx" --input-shape 1,3,4
check_rc "commit seq --input-shape 1,3,4" 0 "$bin" commit "$tmp/seq.onnx" --input-shape 1,3,4 --out "$tmp/seq.commitment"
check_rc "commit seq without it" 2 "$bin" commit "$tmp/seq.onnx" --out "$tmp/seq.commitment"
has "commit names the axis" "$tmp/err" "symbolic dimension 'seq' at axis 1"

# Every refusal in one run, each naming its node, operator and reason.
check_rc "inspect refusals" 1 "$bin" inspect "$tmp/refusals.onnx"
has "three refusals" "$tmp/out" "supported: no: 3 refusals"
has "Sin refused" "$tmp/out" "  node 'wave' (Sin): operator 'Sin' is not supported"
has "Cos refused" "$tmp/out" "  node 'other_wave' (Cos): operator 'Cos' is not supported"
has "Pow refused" "$tmp/out" "  node 'square' (Pow): the exponent is an activation; only a constant exponent is supported"
check_rc "inspect refusals --json" 1 "$bin" inspect "$tmp/refusals.onnx" --json
check "--json lists the three" 3 "$("$py" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["refusals"]))' "$tmp/out")"

# Operators lowered onto the existing layers, in one chain: inspected (every node supported, the
# BatchNormalization folded into the Conv), proved and verified.
check_rc "inspect ops" 0 "$bin" inspect "$tmp/ops.onnx"
has "every operator supported" "$tmp/out" "supported: yes"
"$py" -c 'import json; print(json.dumps([[[[round(0.1 * ((c * 16 + i) % 7) - 0.3, 2) for i in range(4 * j, 4 * j + 4)] for j in range(4)] for c in range(3)]]))' >"$tmp/ops.json"
check_rc "prove ops" 0 "$bin" prove "$tmp/ops.onnx" --input "$tmp/ops.json" --level zk-only --out "$tmp/ops_proof" --json
check "two outputs of shapes [1, 4, 1] and [1, 4, 3]" "[[1, 4, 1], [1, 4, 3]]" \
  "$("$py" -c 'import json,sys; print([o["shape"] for o in json.load(open(sys.argv[1]))["outputs"]])' "$tmp/out")"
check_rc "verify ops" 0 "$bin" verify "$tmp/ops_proof"

# The operator matrix in the docs is the importer's table.
check_rc "operators --markdown" 0 "$bin" operators --markdown
cmp -s "$tmp/out" "$src/docs/operators.md"
check "docs/operators.md is the generated page (prove-model operators --markdown > docs/operators.md)" 0 $?

finish import_cli
