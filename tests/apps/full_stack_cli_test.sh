#!/usr/bin/env bash
# prove-model attest and verify-bundle end to end on the simulated platform: every combination of
# CPU (SEV-SNP, TDX, none) and GPU (none, one, two), the combined hash recomputed independently
# with @scure/starknet, and the rejections DESIGN.md asks for.
# Usage: full_stack_cli_test.sh PROVE_MODEL SOURCE_DIR NPM_DIR
set -u
bin=$1 src=$2
export ZKCC_NPM_DIR=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() {
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; cat "$tmp/err" 2>/dev/null | head -5; fi
}
check_rc() {  # check_rc NAME EXPECTED_RC CMD...
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  check "$name (exit code)" "$want" "$?"
}
edit() {  # edit IN OUT PYTHON-STATEMENT (on the bundle d)
  python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $3; json.dump(d, open(sys.argv[2],'w'))" "$1" "$2"
}

cd "$src" && source scripts/npm_peer.sh && npm_peer @scure/starknet@1.1.2 >/dev/null
sim="$tmp/sim"
s1=0x2a s2=0x4d2
for cpu in snp tdx none; do
  for gpus in 0 1 2; do
    name="$cpu-$gpus"
    level=auto
    check_rc "attest $name" 0 "$bin" attest --platform sim --sim-dir "$sim" --sim-cpu "$cpu" --sim-gpus "$gpus" --statement $s1 --out "$tmp/$name.json"
    check_rc "verify $name with the sim roots" 0 "$bin" verify-bundle "$tmp/$name.json" --roots "$sim/roots"
    # The summary line: the level reached, the CPU platform and the GPUs by model, the test roots.
    case $cpu in snp) want="SEV-SNP" ;; tdx) want="TDX" ;; none) want="" ;; esac
    [ "$gpus" != 0 ] && want="$want${want:+ + }$gpus H100"
    case $want in "") want="zk-only, NO hardware attestation" ;; *" + "*) want="full-cc, $want" ;; *) want="tee, $want" ;; esac
    head -1 "$tmp/out" | grep -qx "VERIFIED: $want, SIMULATED test roots"; check "$name summary line: VERIFIED: $want" 0 $?
    check_rc "$name: hashes match @scure/starknet" 0 node "$src/tests/apps/combined_hash_peer.mjs" "$ZKCC_NPM_DIR" "$tmp/$name.json"
    if [ "$cpu" != none ] || [ "$gpus" != 0 ]; then
      check_rc "$name: rejected under production roots" 1 "$bin" verify-bundle "$tmp/$name.json"
    fi
  done
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["cpu_hash"]=="0x0" and d["gpu_hash"]=="0x0" and d["combined_hash"]=="0x0"' "$tmp/none-0.json"
check "no evidence: combined hash 0" 0 $?

# full-cc cannot be met without a CPU TEE: an error, not a downgrade.
check_rc "full-cc with only a GPU" 3 "$bin" attest --platform sim --sim-dir "$sim" --sim-cpu none --level full-cc --statement $s1 --out "$tmp/x.json"
grep -q "full-cc" "$tmp/err"; check "full-cc failure explained" 0 $?
# No CC hardware for the level asked of --platform auto: the environment, exit 3.
mkdir -p "$tmp/bare-root"
check_rc "tee without CC hardware" 3 "$bin" attest $s1 --platform auto --root "$tmp/bare-root" --level tee --out "$tmp/x.json" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exit_code"]==3 and "tee" in d["error"]' "$tmp/out"
check "tee without CC hardware: error object" 0 $?
test ! -e "$tmp/x.json"; check "no bundle written when the level cannot be met" 0 $?
check_rc "full-cc with both" 0 "$bin" attest --platform sim --sim-dir "$sim" --level full-cc --statement $s2 --out "$tmp/full2.json"
check_rc "zk-only" 0 "$bin" attest --platform sim --sim-dir "$sim" --level zk-only --statement $s1 --out "$tmp/zk.json"
check_rc "zk-only verifies" 0 "$bin" verify-bundle "$tmp/zk.json"
check_rc "zk-only under --require-level tee" 1 "$bin" verify-bundle "$tmp/zk.json" --require-level tee
grep -qx "REJECTED: zk-only, NO hardware attestation (failed: policy: minimum level tee)" "$tmp/out"; check "verify-bundle names the level it required" 0 $?
check_rc "tee bundle under --require-level tee" 0 "$bin" verify-bundle "$tmp/snp-0.json" --roots "$sim/roots" --require-level tee

# GPU evidence from another statement.
edit "$tmp/snp-1.json" "$tmp/bad-gpu.json" "d['gpus']=json.load(open('$tmp/full2.json'))['gpus']"
check_rc "GPU evidence of another statement" 1 "$bin" verify-bundle "$tmp/bad-gpu.json" --roots "$sim/roots" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); bad=[c["name"] for c in d["checks"] if not c["ok"]]; assert "GPU-0: nonce" in bad, bad' "$tmp/out"
check "GPU nonce failure named" 0 $?
# CPU report_data not matching the GPU hash (the CPU evidence of a GPU-less run).
edit "$tmp/snp-1.json" "$tmp/bad-cpu.json" "d['cpu']=json.load(open('$tmp/snp-0.json'))['cpu']; d['cpu_hash']=json.load(open('$tmp/snp-0.json'))['cpu_hash']"
check_rc "CPU report_data without the GPU hash" 1 "$bin" verify-bundle "$tmp/bad-cpu.json" --roots "$sim/roots" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); bad=[c["name"] for c in d["checks"] if not c["ok"]]; assert "CPU report_data[0:32] is gpu_hash" in bad, bad' "$tmp/out"
check "report_data failure named" 0 $?
# The combined hash edited.
edit "$tmp/tdx-1.json" "$tmp/bad-hash.json" "d['combined_hash']='0x1234'"
check_rc "edited combined hash" 1 "$bin" verify-bundle "$tmp/bad-hash.json" --roots "$sim/roots"
grep -q "combined_hash recomputed" "$tmp/out"; check "combined hash failure named" 0 $?
# A stated level the evidence does not meet.
edit "$tmp/none-1.json" "$tmp/bad-level.json" "d['level']='full-cc'"
check_rc "full-cc bundle with only a GPU" 1 "$bin" verify-bundle "$tmp/bad-level.json" --roots "$sim/roots"
# Bad input.
check_rc "bad statement" 2 "$bin" attest --platform sim --sim-dir "$sim" --statement 0xzz --out "$tmp/y.json"
check_rc "missing bundle" 2 "$bin" verify-bundle "$tmp/nope.json"
echo '{"version": 9}' >"$tmp/v9.json"
check_rc "unknown bundle version" 1 "$bin" verify-bundle "$tmp/v9.json"
check_rc "roots directory missing" 2 "$bin" verify-bundle "$tmp/snp-1.json" --roots "$tmp/nothing"
check_rc "roots directory missing, another spelling" 2 "$bin" verify-bundle "$tmp/snp-1.json" --roots "$tmp/nothing/roots"
# The object positional, with the old flag kept; --roots takes the simulated platform's folder.
check_rc "verify-bundle --bundle, --roots SIM-DIR" 0 "$bin" verify-bundle --bundle "$tmp/snp-1.json" --roots "$sim" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verified"] is True and d["failed"]==[]' "$tmp/out"
check "verify-bundle --json verified" 0 $?
check_rc "--roots a certificate file" 0 "$bin" verify-bundle "$tmp/snp-0.json" --roots "$sim/roots/amd_ark.pem"
check_rc "--roots another vendor's root" 1 "$bin" verify-bundle "$tmp/snp-0.json" --roots "$sim/roots/nvidia_root.pem"
check_rc "--roots a file that is no certificate" 2 "$bin" verify-bundle "$tmp/snp-0.json" --roots "$tmp/snp-0.json"
grep -q -- "--roots" "$tmp/err"; check "bad --roots file named" 0 $?
check_rc "attest STATEMENT" 0 "$bin" attest $s1 --platform sim --sim-dir "$sim" --out "$tmp/pos.json"
check_rc "attest without a statement" 2 "$bin" attest --platform sim --sim-dir "$sim" --out "$tmp/pos.json"
check_rc "verify-bundle --json missing bundle" 2 "$bin" verify-bundle "$tmp/nope.json" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["verified"] is False and d["exit_code"]==2' "$tmp/out"
check "verify-bundle --json error object" 0 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
