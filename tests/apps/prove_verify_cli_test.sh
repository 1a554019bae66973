#!/usr/bin/env bash
# The main job through the command line: prove-model prove at every level on the simulated
# platform, verify, and verify's verdicts on tampered proof directories.
# Usage: prove_verify_cli_test.sh PROVE_MODEL SOURCE_DIR
set -uo pipefail
bin=$1
src=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sim=$tmp/sim
model=$src/models/digits/mlp.onnx
cal=$src/models/digits/calibration.json
input=$src/models/digits/inputs/heldout_002.json

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
check_rc() {  # check_rc NAME EXPECTED_RC CMD...
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  check "$name (exit code)" "$want" "$rc"
  if [ "$rc" != "$want" ]; then cat "$tmp/out" "$tmp/err"; fi
}
# failed_check NAME: verify --json's failed checks include NAME.
failed_check() {
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); bad=[c["name"] for c in d["checks"] if not c["ok"]]; sys.exit(0 if sys.argv[2] in bad else 1)' "$tmp/out" "$1"
  check "failure named: $1" 0 $?
}
# json_is NAME PYTHON-CONDITION (on d, the one JSON object on stdout)
json_is() {
  python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2"
  check "$1" 0 $?
}
prove() {  # prove OUT LEVEL [extra args]
  local out=$1 level=$2
  shift 2
  "$bin" prove --model "$model" --calibration "$cal" --input "$input" --platform sim --sim-dir "$sim" --level "$level" \
    --out "$out" "$@"
}

check_rc "prove zk-only" 0 prove "$tmp/zk" zk-only
check_rc "verify zk-only" 0 "$bin" verify "$tmp/zk"
grep -q "VERIFIED" "$tmp/out"; check "verified printed" 0 $?
grep -qx "VERIFIED: zk-only, NO hardware attestation" "$tmp/out"
check "verify prints the level and no platform" 0 $?
# prove never writes over a proof or a user's files unless told to.
check_rc "prove into a non-empty --out" 2 prove "$tmp/zk" zk-only
grep -q -- "--force" "$tmp/err"; check "non-empty --out names --force" 0 $?
check_rc "prove --force" 0 prove "$tmp/zk" zk-only --force
check_rc "verify after --force" 0 "$bin" verify "$tmp/zk"
: >"$tmp/afile"
check_rc "prove --out a file" 2 prove "$tmp/afile" zk-only --force
# The model positional, as for inspect and commit.
check_rc "prove MODEL" 0 "$bin" prove "$model" --calibration "$cal" --input "$input" --level zk-only --out "$tmp/zk2"
check_rc "prove tee (SNP)" 0 prove "$tmp/tee" tee --sim-gpus 0
check_rc "verify tee" 0 "$bin" verify "$tmp/tee" --roots "$sim/roots"
check_rc "verify tee --require-level tee" 0 "$bin" verify "$tmp/tee" --roots "$sim/roots" --require-level tee
check_rc "verify tee --require-level full-cc" 1 "$bin" verify "$tmp/tee" --roots "$sim/roots" --require-level full-cc
grep -q "^REJECTED: tee, SEV-SNP, SIMULATED test roots (failed: evidence: policy: minimum level full-cc)$" "$tmp/out"
check "verify names the level reached, the platform and the level it required" 0 $?
check_rc "verify --require-level auto" 2 "$bin" verify "$tmp/tee" --roots "$sim/roots" --require-level auto
check_rc "prove full-cc (TDX, 2 GPUs) --json" 0 prove "$tmp/full" full-cc --sim-cpu tdx --sim-gpus 2 --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["level"]=="full-cc" and d["proof_bytes"]>0 and d["outputs"][0]["top1"]==int(sys.argv[2])' \
  "$tmp/out" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[2])' "$src/models/digits/heldout_labels.json")"
check "prove --json summary and the right digit" 0 $?
check_rc "verify full-cc --json" 0 "$bin" verify "$tmp/full" --roots "$sim/roots" --json
json_is "verify --json: verified, platforms, top class" 'd["verified"] is True and d["failed"]==[] and d["summary"]=="VERIFIED: full-cc, TDX + 2 H100, SIMULATED test roots" and d["level"]=="full-cc" and d["platforms"]=={"cpu": "tdx", "gpus": 2} and d["top1"]==[json.load(open(sys.argv[1].rsplit("/",1)[0]+"/full/output.json"))["outputs"][0]["top1"]]'
# --roots takes the simulated platform's folder as well as its roots/.
check_rc "verify --roots SIM-DIR" 0 "$bin" verify "$tmp/full" --roots "$sim"
grep -qx "VERIFIED: full-cc, TDX + 2 H100, SIMULATED test roots" "$tmp/out"
check "verify prints the level, platforms and the simulated roots" 0 $?
grep -q "^  input: *private" "$tmp/out"; check "verify says the input is private" 0 $?
grep -q "^  model commitment: *0x" "$tmp/out"; check "verify prints the model commitment" 0 $?
want_top1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["outputs"][0]["top1"])' "$tmp/full/output.json")
grep -q "^  output 0: *top class $want_top1\$" "$tmp/out"; check "verify prints the top class" 0 $?
grep -q "^  ok " "$tmp/out"; check "no check listed without --verbose" 1 $?
check_rc "verify --verbose" 0 "$bin" verify "$tmp/full" --roots "$sim" --verbose
grep -q "^  ok    proof$" "$tmp/out"; check "--verbose lists every check" 0 $?
check_rc "verify --roots missing" 2 "$bin" verify "$tmp/full" --roots "$tmp/nothing"
grep -q "roots/ subfolder" "$tmp/err"; check "bad --roots explains what it takes" 0 $?
mkdir -p "$tmp/empty-roots"
check_rc "verify --roots without certificates" 2 "$bin" verify "$tmp/full" --roots "$tmp/empty-roots" --json
json_is "bad --roots: error object" 'd["verified"] is False and d["exit_code"]==2 and "roots/" in d["error"]'
check_rc "verify a missing directory --json" 2 "$bin" verify "$tmp/nothing" --json
json_is "missing directory: error object" 'd["verified"] is False and d["failed"]==[] and "nothing" in d["error"]'
for f in model_commitment.bin output.json proof.bin bundle.json receipt.json calldata.json; do
  test -s "$tmp/full/$f"; check "wrote $f" 0 $?
done
# The input is private by default: no public_input.json; --public-input writes it.
test ! -e "$tmp/full/public_input.json"; check "no public_input.json for a private input" 0 $?
check_rc "prove --public-input" 0 prove "$tmp/pub" full-cc --sim-cpu tdx --sim-gpus 2 --public-input
test -s "$tmp/pub/public_input.json"; check "public_input.json for a public input" 0 $?
check_rc "verify a public input" 0 "$bin" verify "$tmp/pub" --roots "$sim/roots"
grep -q "^  input: *public" "$tmp/out"; check "verify says the input is public" 0 $?
# The model commitment alone, once, before any proof: the same felt the proofs name.
check_rc "commit" 0 "$bin" commit "$model" --calibration "$cal" --out "$tmp/digits.zkq" --json
committed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_commitment"])' "$tmp/out")
cmp -s "$tmp/digits.zkq" "$tmp/full/model_commitment.bin"; check "commit writes the proof directory's model_commitment.bin" 0 $?
check_rc "inspect with the calibration" 0 "$bin" inspect "$model" --calibration "$cal" --json
inspected=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_commitment"])' "$tmp/out")
test "$inspected" = "$committed"; check "inspect prints the model commitment commit gives" 0 $?
# The simulated platform is never trusted by default.
check_rc "sim evidence without --roots" 1 "$bin" verify "$tmp/full" --json
failed_check "evidence: cpu: PCK chain to a trusted root"

# Pinning the model.
mc=$(
     python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model_commitment"])' "$tmp/full/receipt.json")
test "$mc" = "$committed"; check "commit prints the receipt's model commitment" 0 $?
check_rc "expected model" 0 "$bin" verify "$tmp/full" --roots "$sim/roots" --model-commitment "$mc"
check_rc "another expected model" 1 "$bin" verify "$tmp/full" --roots "$sim/roots" --model-commitment 0x1234 --json
failed_check "model is the expected one"

# Tampering: each edit of the proof directory fails with its reason.
tamper() {  # tamper NAME PYTHON-EDIT (d: the parsed JSON of FILE) FILE [DIR]
  rm -rf "$tmp/t" && cp -r "${4:-$tmp/full}" "$tmp/t"
  python3 -c "import json,sys; f=sys.argv[1]; d=json.load(open(f)); $2; json.dump(d, open(f,'w'))" "$tmp/t/$3"
  check_rc "tampered $1" 1 "$bin" verify "$tmp/t" --roots "$sim/roots" --json
}
tamper input "d['quantized'][10]+=1" public_input.json "$tmp/pub"
failed_check "input commitment"
failed_check "proof"
tamper output "d['outputs'][0]['quantized'][0]+=1; d['outputs'][0]['values'][0]+=d['outputs'][0]['scale']" output.json
failed_check "output commitment"
failed_check "proof"
tamper bundle "d['gpus'][1]['report']=d['gpus'][0]['report']" bundle.json
failed_check "evidence: GPU-1: report signature"
json_is "tampered: verified false, failures listed" 'd["verified"] is False and any(f.startswith("evidence: GPU-1: report signature") for f in d["failed"])'
"$bin" verify "$tmp/t" --roots "$sim/roots" >"$tmp/out" 2>&1
grep -q "^  failed: evidence: GPU-1: report signature" "$tmp/out"; check "verify prints the failed check by name" 0 $?
# output.json edited so that it no longer holds together: a failed verification, not bad input.
tamper "output's top class" "o=d['outputs'][0]; o['top1']=(o['top1']+1)%len(o['values'])" output.json
failed_check "proof directory's files are well-formed"
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t" && echo 'not json' >"$tmp/t/output.json"
check_rc "output.json that is not JSON" 2 "$bin" verify "$tmp/t" --roots "$sim/roots" --json
json_is "not JSON: error object" 'd["verified"] is False and "output.json is not JSON" in d["error"]'
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t"
python3 -c "import sys; f=sys.argv[1]; b=bytearray(open(f,'rb').read()); b[len(b)//3]^=4; open(f,'wb').write(b)" "$tmp/t/proof.bin"
check_rc "tampered proof" 1 "$bin" verify "$tmp/t" --roots "$sim/roots" --json
failed_check "proof"
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t"
python3 -c "import sys; f=sys.argv[1]; b=bytearray(open(f,'rb').read()); b[-5]^=1; open(f,'wb').write(b)" "$tmp/t/model_commitment.bin"
check_rc "tampered weights' root" 1 "$bin" verify "$tmp/t" --roots "$sim/roots" --json
failed_check "model commitment"
failed_check "proof"
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t" && rm "$tmp/t/calldata.json"
check_rc "missing file" 2 "$bin" verify "$tmp/t"
grep -q "calldata.json" "$tmp/err"; check "missing file named" 0 $?
# The same proof as one result document (as prove-server gives it), and that document with a repeated
# key in the bundle it carries: refused as the bundle.json file would be, not read as its last value.
python3 - "$tmp/full" "$tmp/result.json" "$tmp/dup.json" <<'PY'
import base64, json, os, sys
d = sys.argv[1]
files = {}
for f in sorted(os.listdir(d)):
    raw = open(os.path.join(d, f), "rb").read()
    files[f] = base64.b64encode(raw).decode() if f.endswith(".bin") else json.loads(raw)
json.dump({"files": files}, open(sys.argv[2], "w"))
text = json.dumps({"files": files})
marker = '"bundle.json": {'
assert marker in text
open(sys.argv[3], "w").write(text.replace(marker, marker + '"level": "zk-only", ', 1))
PY
check_rc "verify a result document" 0 "$bin" verify "$tmp/result.json" --roots "$sim/roots"
check_rc "a repeated key in a result's bundle" 2 "$bin" verify "$tmp/dup.json" --roots "$sim/roots"
grep -q '"level" twice' "$tmp/err"; check "repeated key named" 0 $?
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t"
python3 -c 'import sys; f=sys.argv[1]; t=open(f).read(); open(f,"w").write(t.replace("{", "{\"level\": \"zk-only\", ", 1))' "$tmp/t/bundle.json"
check_rc "a repeated key in bundle.json" 1 "$bin" verify "$tmp/t" --roots "$sim/roots"
grep -q 'bundle.json JSON has the key "level" twice' "$tmp/out"; check "bundle.json's repeated key named" 0 $?
# Hostile files: a FIFO would block a reader forever and /dev/zero never ends; both are refused
# before a byte is read (timeout guards the test itself).
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t" && rm "$tmp/t/receipt.json" && mkfifo "$tmp/t/receipt.json"
check_rc "a FIFO in the proof directory" 2 timeout 20 "$bin" verify "$tmp/t"
grep -q "FIFO" "$tmp/err"; check "FIFO named" 0 $?
rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t" && rm "$tmp/t/proof.bin" && ln -s /dev/zero "$tmp/t/proof.bin"
check_rc "a device in the proof directory" 2 timeout 20 "$bin" verify "$tmp/t"
grep -q "a device" "$tmp/err"; check "device named" 0 $?
check_rc "a bundle that is a device" 2 timeout 20 "$bin" verify-bundle /dev/zero
# One size limit for every proof-directory file, verify-bundle's bundle included: 256 MiB, judged
# from the file's size before a byte is read (sparse files here, so nothing is written).
for f in proof.bin receipt.json; do
  rm -rf "$tmp/t" && cp -r "$tmp/full" "$tmp/t" && truncate -s 268435457 "$tmp/t/$f"
  check_rc "$f over 256 MiB" 2 timeout 20 "$bin" verify "$tmp/t"
  grep -q "$f' is larger than the limit of 268435456 bytes" "$tmp/err"; check "$f: the limit named" 0 $?
done
truncate -s 268435457 "$tmp/big-bundle.json"
check_rc "a bundle over 256 MiB" 2 timeout 20 "$bin" verify-bundle "$tmp/big-bundle.json"
grep -q "larger than the limit of 268435456 bytes" "$tmp/err"; check "bundle: the limit named" 0 $?

# Bad input to prove.
printf '[1, 2, 3]' >"$tmp/short.json"
check_rc "input of the wrong size" 2 "$bin" prove --model "$model" --input "$tmp/short.json" --level zk-only --out "$tmp/x"
grep -q "takes 64" "$tmp/err"; check "input size message" 0 $?
printf 'not onnx' >"$tmp/bad.onnx"
check_rc "corrupt model" 2 "$bin" prove --model "$tmp/bad.onnx" --input "$input" --level zk-only --out "$tmp/x"
check_rc "level that cannot be met" 3 "$bin" prove --model "$model" --calibration "$cal" --input "$input" --level full-cc --platform auto --root "$tmp" --out "$tmp/x"
grep -q "full-cc" "$tmp/err"; check "unmet level explained" 0 $?
check_rc "level that cannot be met --json" 3 "$bin" prove "$model" --calibration "$cal" --input "$input" --level tee --platform auto --root "$tmp" --out "$tmp/x" --json
json_is "unmet level: error object" 'd["exit_code"]==3 and "tee" in d["error"] and "verified" not in d'
test ! -e "$tmp/x"; check "nothing written when the level cannot be met" 0 $?
# Calibrated on [-1, 1] by default, the digits input (pixels up to 16) would be clamped.
check_rc "input outside the calibrated range" 2 "$bin" prove --model "$model" --input "$input" --level zk-only --out "$tmp/x"
grep -q "outside the calibrated range" "$tmp/err"; check "calibrated range message" 0 $?
# --input-range is refused as the server refuses input_range: not above 0, not finite, past 1e6.
for r in 0 -1 -0 nan inf -inf 1e400 2e6; do
  check_rc "--input-range $r" 2 "$bin" prove --model "$model" --input "$input" --input-range "$r" --level zk-only --out "$tmp/x"
  grep -q -- "--input-range: the input range must lie in (0, 1e6\]" "$tmp/err"; check "--input-range $r message" 0 $?
  check_rc "inspect --input-range $r" 2 "$bin" inspect "$model" --input-range "$r"
done
# A tiny range is allowed but leaves the weights no room: a short message, not a 300-digit number.
check_rc "--input-range 1e-300" 2 "$bin" prove --model "$model" --input "$input" --input-range 1e-300 --level zk-only --out "$tmp/x"
grep -q "quantizes to [0-9.]*e+[0-9]*, beyond" "$tmp/err"; check "tiny range: the value in %g" 0 $?
test "$(wc -c <"$tmp/err")" -lt 300; check "tiny range: a short message" 0 $?
test ! -e "$tmp/x"; check "nothing written for a bad range" 0 $?
# A Softmax classifier: row maximum, the exp table, the row sum and the division, all proved.
/usr/bin/python3 - "$tmp/softmax.onnx" <<'PY'
import sys, numpy as np, onnx
from onnx import helper, TensorProto, numpy_helper
w = numpy_helper.from_array(np.arange(12, dtype=np.float32).reshape(4, 3) / 10, "w")
g = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["h"], name="mm"),
                       helper.make_node("Softmax", ["h"], ["y"], name="soft")], "g",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])], [w])
onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])
PY
check_rc "inspect softmax" 0 "$bin" inspect "$tmp/softmax.onnx"
grep -q "provable: yes" "$tmp/out"; check "inspect says provable" 0 $?
printf '[0.1, 0.2, 0.3, 0.4]' >"$tmp/x4.json"
check_rc "prove softmax" 0 "$bin" prove --model "$tmp/softmax.onnx" --input "$tmp/x4.json" --level zk-only --out "$tmp/soft" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); v=d["outputs"][0]["values"]; assert abs(sum(v)-1) < 0.05 and d["outputs"][0]["top1"]==2, v' "$tmp/out"
check "softmax probabilities" 0 $?
check_rc "verify softmax" 0 "$bin" verify "$tmp/soft"
check_rc "prove --help" 0 "$bin" prove --help
grep -q -- "--calibration" "$tmp/out"; check "help lists --calibration" 0 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
