#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for a set number of executions, seeded
# with the real samples in tests/data. Usage: scripts/fuzz.sh [EXECUTIONS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1000000}
shift || true
if ! command -v clang++ >/dev/null 2>&1 || ! dpkg-query -W libclang-rt-14-dev >/dev/null 2>&1; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-rt-14-dev
fi
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_snp_report fuzz_gpu_report fuzz_tdx_quote fuzz_tdx_collateral fuzz_hcl_report
                                     fuzz_proof_decoders fuzz_felt_and_serde fuzz_certificates fuzz_ccel fuzz_crl
                                     fuzz_azure_evidence fuzz_pcs_body fuzz_rim fuzz_onnx_import
                                     fuzz_model_encoding fuzz_graph_proof)
data=tests/data/attestation
work=build/fuzz/corpus
for t in "${targets[@]}"; do
  corpus="$work/$t"
  mkdir -p "$corpus"
  case $t in
    fuzz_snp_report) cp "$data"/sev-snp/*.bin "$corpus"/ 2>/dev/null || true ;;
    fuzz_gpu_report) for f in "$data"/nvidia/*.hex; do xxd -r -p "$f" >"$corpus/$(basename "$f" .hex).bin"; done ;;
    fuzz_tdx_quote) cp "$data"/tdx/*.bin "$data"/gcp/*quote*.bin "$corpus"/ ;;
    fuzz_tdx_collateral) cp "$data"/tdx/*collateral.json "$corpus"/ ;;
    fuzz_hcl_report) cp "$data"/azure/*hcl_report.bin "$corpus"/ ;;
    fuzz_certificates) cp "$data"/sev-snp/*.der "$data"/sev-snp/*.pem "$data"/nvidia/*.pem "$corpus"/
                       # the GPU leaves and a PCK certificate as DER, so that mutations reach the
                       # DICE FWID and SGX extensions
                       for f in "$data"/nvidia/*chain*.pem; do openssl x509 -in "$f" -outform der -out "$corpus/$(basename "$f" .pem)_leaf.der"; done
                       python3 -c 'import sys; q = open(sys.argv[1], "rb").read(); i = q.index(b"-----BEGIN CERTIFICATE-----"); sys.stdout.write(q[i:q.index(b"-----END CERTIFICATE-----", i) + 25].decode())' \
                         "$data"/tdx/dcapqvl_quote_v4.bin | openssl x509 -outform der -out "$corpus/dcapqvl_pck.der" ;;
    fuzz_azure_evidence) cp "$data"/azure/*evidence*.json "$corpus"/ ;;
    fuzz_pcs_body) cp "$data"/tdx/gotdxguest_tcbinfo_*.json "$corpus"/ ;;
    fuzz_rim) cp "$data"/nvidia/*.xml "$corpus"/ ;;
    fuzz_onnx_import) cp models/digits/mlp.onnx "$corpus"/ ;;
    fuzz_graph_proof) ZKCC_GRAPH_PROOF_SEED="$corpus/valid.bin" build/fuzz/fuzz/fuzz_graph_proof -runs=0 >/dev/null 2>&1 || true ;;
    fuzz_crl) cp "$data"/tdx/*crl*.der "$corpus"/ ;;
    fuzz_ccel) head -c 16384 "$data"/gcp/gotdxguest_cos113_ccel_eventlog.bin >"$corpus/cos113_head.bin"
               cp "$data"/gcp/gotdxguest_cos113_ccel_acpi_table.bin "$corpus"/ ;;
  esac
  echo "== $t: $runs executions"
  "build/fuzz/fuzz/$t" -runs="$runs" -max_len=65536 -print_final_stats=1 "$corpus" 2>&1 |
    grep -E "stat::number_of_executed_units|ERROR|SUMMARY|Done" || true
done
