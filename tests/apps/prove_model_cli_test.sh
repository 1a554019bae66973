#!/usr/bin/env bash
# Drives the prove-model binary as a user would: outputs, JSON, exit codes, error messages.
# Usage: prove_model_cli_test.sh PROVE_MODEL TEST_DATA_DIR
set -uo pipefail
bin=$1
data=$2
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

check() {  # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1: expected [$2] got [$3]"; fi
}
check_rc() {  # check_rc NAME EXPECTED_RC CMD...
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  check "$name (exit code)" "$want" "$?"
}

check "hash poseidon 1 2" 0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a "$("$bin" hash poseidon 1 2)"
check "hash poseidon hex" 0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a "$("$bin" hash poseidon 0x1 0x02)"
check "hash many 1 2 3 4" 0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d "$("$bin" hash many 1 2 3 4)"
check "hash many (empty)" 0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc "$("$bin" hash many)"
check "hash many --json" '{"hash":"0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d"}' "$("$bin" hash many --json 1 2 3 4)"

# report_hash over files and stdin, against the published vectors (first case with its bytes).
vec="$data/poseidon/starknet_poseidon_vectors.json"
if command -v python3 >/dev/null; then
  python3 - "$vec" "$tmp" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for i, c in enumerate(v["report_hash"][:8]):
    open(f"{sys.argv[2]}/r{i}.bin", "wb").write(bytes.fromhex(c["bytes"]))
    open(f"{sys.argv[2]}/r{i}.want", "w").write(c["out"])
PY
  for i in 0 1 2 3 4 5 6 7; do
    check "hash report r$i" "$(cat "$tmp/r$i.want")" "$("$bin" hash report "$tmp/r$i.bin")"
    check "hash report - r$i" "$(cat "$tmp/r$i.want")" "$("$bin" hash report - <"$tmp/r$i.bin")"
  done
fi
: >"$tmp/empty"
check "hash report empty" 0x0 "$("$bin" hash report "$tmp/empty")"

# Bad input: non-canonical felts, garbage, missing files; precise messages and non-zero exits.
check_rc "p is rejected" 2 "$bin" hash poseidon 0x800000000000011000000000000000000000000000000000000000000000001 1
grep -q "not a canonical felt252" "$tmp/err"; check "p message" 0 $?
check_rc "garbage rejected" 2 "$bin" hash many 1 zz
grep -q "argument 2" "$tmp/err"; check "garbage message names argument" 0 $?
check_rc "missing file" 2 "$bin" hash report "$tmp/does-not-exist"
grep -q "does-not-exist" "$tmp/err"; check "missing file message" 0 $?
check_rc "poseidon needs two args" 2 "$bin" hash poseidon 1
check_rc "no subcommand" 2 "$bin"

# --json prints exactly one JSON object on stdout, failures included; the message stays on stderr.
# json_is NAME PYTHON-CONDITION (on d, the one object on stdout)
json_is() {
  python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).read()); sys.exit(0 if eval(sys.argv[2]) else 1)' "$tmp/out" "$2"
  check "$1" 0 $?
}
check_rc "--json: a bad felt" 2 "$bin" hash many 1 zz --json
json_is "--json: bad felt error object" 'd["exit_code"]==2 and "argument 2" in d["error"] and "verified" not in d'
grep -q "argument 2" "$tmp/err"; check "--json: message also on stderr" 0 $?
check_rc "--json: a parse error" 2 "$bin" hash poseidon 1 --json
json_is "--json: parse error object" 'd["exit_code"]==2 and d["error"]'
check_rc "--json: verify without its directory" 2 "$bin" verify --json
json_is "--json: verify's parse error has the verdict fields" 'd["verified"] is False and d["failed"]==[] and d["exit_code"]==2'
check_rc "--json: a missing file" 2 "$bin" hash report "$tmp/does-not-exist" --json
json_is "--json: missing file object" 'd["exit_code"]==2 and "does-not-exist" in d["error"]'

check_rc "selfcheck" 0 "$bin" selfcheck
check_rc "detect" 0 "$bin" detect
check_rc "detect --json" 0 "$bin" detect --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert "cpu" in d and "gpu" in d and "full_stack_cc" in d' "$tmp/out"
check "detect --json parses" 0 $?
check_rc "--help" 0 "$bin" --help
grep -q "hash" "$tmp/out"; check "help lists hash" 0 $?

snp="$data/attestation/sev-snp"
# go-sev-guest's sample is a debug guest (policy 0xB0000) and trustee's VLEK sample runs at VMPL1:
# the built-in production policy refuses both, and explicit policies relax exactly that rule.
echo '{"allow_debug": true}' >"$tmp/debug.json"
echo '{"vmpl": 1}' >"$tmp/vmpl1.json"
check_rc "verify-evidence snp debug guest refused by default" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z
grep -q "failed: policy: debug" "$tmp/out"; check "default policy names the debug rule" 0 $?
grep -q "policy: built-in production default" "$tmp/out"; check "verdict names the default policy" 0 $?
check_rc "verify-evidence snp" 0 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json"
grep -qx "VERIFIED: tee, SEV-SNP" "$tmp/out"; check "verify-evidence says VERIFIED: tee, SEV-SNP" 0 $?
# --collateral for SEV-SNP is AMD's CRL: a DER file that is no CRL, and a real CRL of another issuer
# (Intel's Root CA CRL), are each refused by name.
check_rc "verify-evidence snp with a non-CRL" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json" --collateral "$snp/gosevguest_milan_vcek.der"
grep -q "AMD CRL parses" "$tmp/out"; check "verify-evidence names the CRL that does not parse" 0 $?
check_rc "verify-evidence snp with another issuer's CRL" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json" --collateral "$data/attestation/tdx/gotdxguest_root_ca_crl.der"
grep -q "AMD CRL signed by the ARK" "$tmp/out"; check "verify-evidence names the CRL's signer" 0 $?
check_rc "verify-evidence --require-level full-cc" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json" --require-level full-cc
grep -q "^REJECTED: tee, SEV-SNP (failed: policy: minimum level full-cc)$" "$tmp/out"; check "required level named" 0 $?
check_rc "verify-evidence --json" 0 "$bin" verify-evidence --json "$snp/trustee_milan_v3_vlek_report.bin" --certs "$snp/trustee_milan_vlek.der" --certs "$snp/trustee_milan_ask_ark_asvk.pem" --at 2025-06-01T00:00:00Z --policy "$tmp/vmpl1.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["claims"]["signing_key"]=="vlek" and d["level"]=="tee" and d["policy"].endswith("vmpl1.json") and d["summary"]=="VERIFIED: tee, SEV-SNP"' "$tmp/out"; check "verify-evidence JSON verdict" 0 $?
check_rc "verify-evidence expired VLEK" 1 "$bin" verify-evidence "$snp/trustee_milan_v3_vlek_report.bin" --certs "$snp/trustee_milan_vlek.der" --certs "$snp/trustee_milan_ask_ark_asvk.pem" --at 2026-01-01T00:00:00Z
grep -q "SEV-VLEK has expired at the verification time 2026-01-01T00:00:00Z: valid from .* to 2025-12-10T" "$tmp/out"
check "expired VLEK reason: its window and the time used" 0 $?
# Without its VCEK the report cannot be checked: the verdict says where the VCEK comes from.
check_rc "verify-evidence without the VCEK" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json"
grep -q "failed: endorsement key present: no certificate with CN=SEV-VCEK was supplied: give it with --certs FILE, point --cache DIR at a collateral cache that holds it, or fetch it there first with \`prove-model fetch-collateral\`" "$tmp/out"
check "missing VCEK points to --certs, --cache and fetch-collateral" 0 $?
check_rc "verify-evidence wrong VCEK" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/trustee_milan_vcek.der" --at 2026-01-01T00:00:00Z
check_rc "verify-evidence unknown kind" 2 "$bin" verify-evidence "$snp/gosevguest_milan_vcek.der"
check_rc "verify-evidence bad time" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --at yesterday
check_rc "verify-evidence bad certs" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_v2_report.bin"

nv="$data/attestation/nvidia"
check_rc "verify-evidence gpu (hex)" 0 "$bin" verify-evidence "$nv/nvtrust_hopper_report_550.90.07.hex" --certs "$nv/nvtrust_hopper_cert_chain.pem"
grep -qx "VERIFIED: tee, 1 H100" "$tmp/out"; check "gpu VERIFIED: tee, 1 H100" 0 $?
nonce=$(head -c 72 "$nv/nvtrust_hopper_report_550.90.07.hex" | tail -c 64)
check_rc "verify-evidence gpu nonce" 0 "$bin" verify-evidence "$nv/nvtrust_hopper_report_550.90.07.hex" --certs "$nv/nvtrust_hopper_cert_chain.pem" --nonce "$nonce"
check_rc "verify-evidence gpu wrong nonce" 1 "$bin" verify-evidence "$nv/nvtrust_hopper_report_550.90.07.hex" --certs "$nv/nvtrust_hopper_cert_chain.pem" --nonce "$(printf '%064d' 0)"
check_rc "verify-evidence gpu wrong chain" 1 "$bin" verify-evidence "$nv/nvtrust_hopper_report_550.90.07.hex" --certs "$nv/nvat_hopper_cert_chain_580.pem"

tdx="$data/attestation/tdx"
check_rc "verify-evidence tdx" 0 "$bin" verify-evidence "$tdx/dcapqvl_quote_v4.bin" --collateral "$tdx/dcapqvl_quote_v4_collateral.json" --at 2025-06-20T00:00:00Z --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["claims"]["tcb_status"]=="UpToDate"' "$tmp/out"; check "tdx UpToDate" 0 $?
check_rc "verify-evidence tdx outdated" 1 "$bin" verify-evidence "$tdx/dcapqvl_quote_v5_outdated.bin" --collateral "$tdx/dcapqvl_quote_v5_outdated_collateral.json" --at 2026-03-01T00:00:00Z
grep -q "no matching TCB level" "$tmp/out"; check "tdx outdated reason" 0 $?
# --event-log: GCP's CC event log replays to its quote's RTMRs; with a digest changed, the RTMR its
# event extends is the one named (the quote has no collateral here, so the verdict fails anyway).
gcp="$data/attestation/gcp"
check_rc "verify-evidence tdx --event-log" 1 "$bin" verify-evidence --json "$gcp/gotdxguest_cos113_tdx_quote_v4.bin" --event-log "$gcp/gotdxguest_cos113_ccel_eventlog.bin" --at 2025-01-01T00:00:00Z
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
log = {c["name"]: c["ok"] for c in d["checks"] if "event log" in c["name"]}
assert log == {"CC event log parses": True, **{"RTMR[%d] replays from the CC event log" % i: True for i in range(4)}}, log
' "$tmp/out"; check "verify-evidence replays the event log" 0 $?
python3 -c '
import sys
b = bytearray(open(sys.argv[1], "rb").read()); b[32 + 33 + 12 + 2 + 5] ^= 1; open(sys.argv[2], "wb").write(b)
' "$gcp/gotdxguest_cos113_ccel_eventlog.bin" "$tmp/ccel_changed.bin"
check_rc "verify-evidence tdx --event-log changed" 1 "$bin" verify-evidence --json "$gcp/gotdxguest_cos113_tdx_quote_v4.bin" --event-log "$tmp/ccel_changed.bin" --at 2025-01-01T00:00:00Z
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
bad = [c["name"] for c in d["checks"] if "event log" in c["name"] and not c["ok"]]
assert bad == ["RTMR[0] replays from the CC event log"], bad
' "$tmp/out"; check "verify-evidence names the RTMR the changed event extends" 0 $?
# require_event_log: the rule passes with GCP's log and fails, named, without it.
echo '{"require_event_log": true}' >"$tmp/need_log.json"
check_rc "verify-evidence tdx --event-log, log required" 1 "$bin" verify-evidence --json "$gcp/gotdxguest_cos113_tdx_quote_v4.bin" --event-log "$gcp/gotdxguest_cos113_ccel_eventlog.bin" --at 2025-01-01T00:00:00Z --policy "$tmp/need_log.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert {c["name"]: c["ok"] for c in d["checks"]}["policy: CC event log present"] is True, d["checks"]
' "$tmp/out"; check "verify-evidence: a log given meets require_event_log" 0 $?
check_rc "verify-evidence tdx without a log, log required" 1 "$bin" verify-evidence --json "$gcp/gotdxguest_cos113_tdx_quote_v4.bin" --at 2025-01-01T00:00:00Z --policy "$tmp/need_log.json"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert {c["name"]: c["ok"] for c in d["checks"]}["policy: CC event log present"] is False, d["checks"]
' "$tmp/out"; check "verify-evidence refuses TDX evidence without the required log" 0 $?
check_rc "verify-evidence --event-log for SEV-SNP" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --event-log "$gcp/gotdxguest_cos113_ccel_eventlog.bin"
check_rc "verify-evidence tdx without collateral" 1 "$bin" verify-evidence "$tdx/dcapqvl_quote_v4.bin" --at 2025-06-20T00:00:00Z

az="$data/attestation/azure"
check_rc "verify-evidence azure snp" 0 "$bin" verify-evidence "$az/trustee_az_snp_evidence_v2.json" --at 2026-01-01T00:00:00Z --json
check_rc "verify-evidence azure snp, legacy layout" 0 "$bin" verify-evidence "$az/trustee_az_snp_evidence_v0.json" --at 2026-01-01T00:00:00Z --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and d["kind"]=="azure-snp-vtpm" and len(d["claims"]["pcrs"])==24' "$tmp/out"; check "azure snp verdict" 0 $?
check_rc "verify-evidence azure wrong nonce" 1 "$bin" verify-evidence "$az/trustee_az_snp_evidence_v2.json" --nonce 00 --at 2026-01-01T00:00:00Z
grep -q "TPM quote nonce" "$tmp/out"; check "azure nonce failure named" 0 $?
check_rc "verify-evidence azure tdx needs collateral" 1 "$bin" verify-evidence --kind azure "$az/trustee_az_tdx_evidence_v1.json" --at 2026-01-01T00:00:00Z
grep -q "REJECTED" "$tmp/out" && grep -q "no --collateral" "$tmp/out"; check "azure tdx without collateral explained" 0 $?
check_rc "verify-evidence bare HCL report" 0 "$bin" verify-evidence "$az/trustee_az_snp_milan_hcl_report.bin" --certs "$az/trustee_az_snp_milan_vcek_ask_ark.pem" --at 2026-01-01T00:00:00Z
check_rc "verify-evidence gpu evidence JSON" 0 "$bin" verify-evidence "$data/attestation/nvidia/nvat_hopper_evidence_590.12.json" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["ok"] and "GPU-0" in d["claims"]' "$tmp/out"; check "gpu evidence JSON verdict" 0 $?
check_rc "verify-evidence rim" 0 "$bin" verify-evidence "$data/attestation/nvidia/nvat_rim_NV_GPU_DRIVER_GH100_550.144.03.xml" --at 2025-06-01T00:00:00Z
check_rc "verify-evidence rim bad signature" 1 "$bin" verify-evidence "$data/attestation/nvidia/nvat_rim_driver_incorrect_signature.xml" --at 2025-06-01T00:00:00Z
grep -q "RIM signature" "$tmp/out"; check "rim failure named" 0 $?
# A driver RIM of another version than the report's: the RIM verifies, the measurements do not match.
check_rc "verify-evidence gpu with rim" 1 "$bin" verify-evidence "$nv/nvtrust_hopper_report_550.90.07.hex" --certs "$nv/nvtrust_hopper_cert_chain.pem" --rim "$nv/nvat_rim_NV_GPU_DRIVER_GH100_550.144.03.xml" --at 2025-06-01T00:00:00Z --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c={x["name"]:x["ok"] for x in d["checks"]}; assert all(v for k,v in c.items() if "measurement " not in k and "RIM version" not in k), c; assert not c["driver RIM version is the report'"'"'s"] and not c["VBIOS RIM version is the report'"'"'s"], c' "$tmp/out"; check "gpu rim: signature ok, the RIM is for another driver and no VBIOS RIM" 0 $?
nvjson="$data/attestation/nvidia/nvat_hopper_evidence_590.12.json"
check_rc "verify-evidence gpu evidence JSON --nonce" 1 "$bin" verify-evidence "$nvjson" --nonce "$(printf '%064d' 0)"
grep -q "failed: GPU-0: nonce is the expected one" "$tmp/out"; check "evidence JSON nonce named" 0 $?
check_rc "verify-evidence gpu evidence JSON --rim" 1 "$bin" verify-evidence "$nvjson" --rim "$nv/nvat_rim_NV_GPU_DRIVER_GH100_550.144.03.xml" --at 2025-06-01T00:00:00Z
grep -q "failed: GPU-0: VBIOS RIM version is the report's" "$tmp/out"; check "evidence JSON RIMs judged" 0 $?

# A collateral cache laid out by hand, read offline.
cache="$tmp/cache"
chip=$(python3 -c 'import sys; print(open(sys.argv[1],"rb").read()[0x1A0:0x1E0].hex())' "$snp/gosevguest_milan_v2_report.bin")
mkdir -p "$cache/amd/Milan/vcek/$chip"
cp "$snp/gosevguest_milan_vcek.der" "$cache/amd/Milan/vcek/$chip/4405000000000002.der"
check_rc "verify-evidence --cache" 0 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --cache "$cache" --product Milan --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json"
check_rc "verify-evidence --cache miss" 2 "$bin" verify-evidence "$snp/trustee_milan_v2_report.bin" --cache "$cache" --product Milan --at 2026-01-01T00:00:00Z
grep -q "not in the cache" "$tmp/err"; check "cache miss explained" 0 $?
# AMD's CRL in the cache (where fetch-collateral puts it) is judged: here another issuer's CRL.
cp "$data/attestation/tdx/gotdxguest_root_ca_crl.der" "$cache/amd/Milan/vcek_crl.der"
check_rc "verify-evidence --cache with a cached CRL" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --cache "$cache" --product Milan --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json"
grep -q "failed: AMD CRL signed by the ARK" "$tmp/out"; check "verify-evidence reads AMD's CRL from the cache" 0 $?
rm "$cache/amd/Milan/vcek_crl.der"
check_rc "verify-evidence --product typo" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --cache "$cache" --product Milano
check_rc "fetch-collateral needs input" 2 "$bin" fetch-collateral --cache "$cache"
check_rc "fetch-collateral bad RIM id" 2 "$bin" fetch-collateral --rim ../x --cache "$cache"

echo '{"allow_debug": true, "vmpl": 0}' >"$tmp/policy.json"
check_rc "verify-evidence with policy" 0 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/policy.json"
echo '{"vmpl": 3}' >"$tmp/strict.json"
check_rc "verify-evidence policy rejects" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/strict.json"
grep -q "policy: VMPL" "$tmp/out"; check "policy failure named" 0 $?
echo '{"vmpll": 3}' >"$tmp/typo.json"
check_rc "verify-evidence bad policy" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --policy "$tmp/typo.json"
# The verifying commands: "verified" and "failed" whether the checks ran or not.
check_rc "verify-evidence --json verified" 0 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/debug.json" --json
json_is "verify-evidence --json: verified, nothing failed" 'd["verified"] is True and d["failed"]==[] and d["ok"] is True'
check_rc "verify-evidence --json rejected" 1 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --certs "$snp/gosevguest_milan_vcek.der" --at 2026-01-01T00:00:00Z --policy "$tmp/strict.json" --json
json_is "verify-evidence --json: failed checks named" 'd["verified"] is False and any(f.startswith("policy: VMPL") for f in d["failed"])'
check_rc "verify-evidence --json missing file" 2 "$bin" verify-evidence "$tmp/nope.bin" --json
json_is "verify-evidence --json: error object" 'd["verified"] is False and d["failed"]==[] and d["exit_code"]==2 and "nope.bin" in d["error"]'
check_rc "verify-evidence --json bad flag" 2 "$bin" verify-evidence "$snp/gosevguest_milan_v2_report.bin" --kind nope --json
json_is "verify-evidence --json: usage error object" 'd["verified"] is False and d["exit_code"]==2'

src=$(cd "$(dirname "$0")/../.." && pwd)
check_rc "inspect digits" 0 "$bin" inspect "$src/models/digits/mlp.onnx"
grep -q "parameters: 2410" "$tmp/out"; check "inspect counts parameters" 0 $?
check_rc "inspect --json" 0 "$bin" inspect --json "$src/models/digits/mlp.onnx"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert [n["op_type"] for n in d["nodes"]]==["Gemm","Relu","Gemm"]' "$tmp/out"; check "inspect JSON nodes" 0 $?
check_rc "inspect a non-model" 2 "$bin" inspect "$src/README.md"
grep -q "not a valid protobuf" "$tmp/err"; check "inspect corrupt explained" 0 $?
check_rc "inspect a non-model --json" 2 "$bin" inspect "$src/README.md" --json
json_is "inspect --json error object" 'd["exit_code"]==2 and "protobuf" in d["error"]'
# The object positional, the flag kept as an alias; one of them, not both.
check_rc "inspect --model" 0 "$bin" inspect --model "$src/models/digits/mlp.onnx"
grep -q "parameters: 2410" "$tmp/out"; check "inspect --model reads the model" 0 $?
check_rc "inspect without a model" 2 "$bin" inspect
grep -q "inspect MODEL.onnx (or --model MODEL.onnx)" "$tmp/err"; check "inspect names both spellings" 0 $?
check_rc "inspect with both spellings" 2 "$bin" inspect "$src/models/digits/mlp.onnx" --model "$src/models/digits/mlp.onnx"

check_rc "--version" 0 "$bin" --version
grep -q "zkcc" "$tmp/out"; check "version names zkcc" 0 $?

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
