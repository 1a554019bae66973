// Full offline verification of each platform's real sample, as a user's verifier runs it: warm
// (the process's memoized certificate-signature links reused) and cold (dropped every time).
#include <benchmark/benchmark.h>

#include <functional>
#include <memory>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"

namespace {

using namespace zkcc::tee;

std::string data(const std::string& rel) { return std::string(ZKCC_TEST_DATA) + "/attestation/" + rel; }
zkcc::Bytes load(const std::string& rel) { return *zkcc::read_file(data(rel)); }
std::vector<Certificate> pem(const std::string& rel) {
  zkcc::Bytes b = load(rel);
  return *Certificate::from_pem_bundle(std::string(b.begin(), b.end()));
}
int64_t at(const char* t) { return *parse_rfc3339(t); }

// Each sample as a closure returning its verdict; inputs are loaded once.
std::function<Verdict()> snp() {
  auto report = std::make_shared<zkcc::Bytes>(load("sev-snp/gosevguest_milan_v2_report.bin"));
  auto certs = std::make_shared<std::vector<Certificate>>(
      std::vector<Certificate>{*Certificate::from_der(load("sev-snp/gosevguest_milan_vcek.der"))});
  return [=] { return sev_snp::verify_report(*report, *certs, sev_snp::TrustRoots{}, at("2026-01-01T00:00:00Z")); };
}
std::function<Verdict()> gpu() {
  zkcc::Bytes hex = load("nvidia/nvtrust_hopper_report_550.90.07.hex");
  std::string text(hex.begin(), hex.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto report = std::make_shared<zkcc::Bytes>(*zkcc::from_hex(text));
  auto chain = std::make_shared<std::vector<Certificate>>(pem("nvidia/nvtrust_hopper_cert_chain.pem"));
  return [=] {
    return nvidia_gpu::verify_gpu_report(*report, *chain, nvidia_gpu::TrustRoots{}, std::nullopt, at("2026-01-01T00:00:00Z"));
  };
}
std::function<Verdict()> tdx_quote() {
  auto quote = std::make_shared<zkcc::Bytes>(load("tdx/dcapqvl_quote_v4.bin"));
  zkcc::Bytes json = load("tdx/dcapqvl_quote_v4_collateral.json");
  auto collateral = std::make_shared<tdx::Collateral>(*tdx::parse_collateral_json(std::string(json.begin(), json.end())));
  return [=] { return tdx::verify_quote(*quote, *collateral, tdx::TrustRoots{}, at("2025-06-20T00:00:00Z")); };
}
std::function<Verdict()> azure_snp() {
  auto hcl = std::make_shared<zkcc::Bytes>(load("azure/trustee_az_snp_milan_hcl_report.bin"));
  auto certs = std::make_shared<std::vector<Certificate>>(pem("azure/trustee_az_snp_milan_vcek_ask_ark.pem"));
  return [=] { return azure::verify_snp_hcl_report(*hcl, *certs, sev_snp::TrustRoots{}, at("2026-01-01T00:00:00Z")); };
}

// The whole vTPM chain: TPM quote, PCR digest, runtime claims, SNP report or TD quote.
std::function<Verdict()> azure_evidence(const char* file) {
  zkcc::Bytes json = load(file);
  auto text = std::make_shared<std::string>(json.begin(), json.end());
  return [=] { return azure::verify_evidence(*text, {}, at("2026-01-01T00:00:00Z")); };
}

void run(benchmark::State& state, const std::function<Verdict()>& verify, bool cold) {
  for (auto _ : state) {
    if (cold) clear_signature_cache();
    if (!verify().ok()) state.SkipWithError("the sample did not verify");
  }
}

BENCHMARK_CAPTURE(run, SevSnp_warm, snp(), false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, SevSnp_cold, snp(), true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureSnpHcl_warm, azure_snp(), false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureSnpHcl_cold, azure_snp(), true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureSnpVtpmEvidence_warm, azure_evidence("azure/trustee_az_snp_evidence_v2.json"), false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureSnpVtpmEvidence_cold, azure_evidence("azure/trustee_az_snp_evidence_v2.json"), true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureTdxVtpmEvidence_warm, azure_evidence("azure/trustee_az_tdx_evidence_v1.json"), false)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, AzureTdxVtpmEvidence_cold, azure_evidence("azure/trustee_az_tdx_evidence_v1.json"), true)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, NvidiaGpu_warm, gpu(), false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, NvidiaGpu_cold, gpu(), true)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, TdxWithCollateral_warm, tdx_quote(), false)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(run, TdxWithCollateral_cold, tdx_quote(), true)->Unit(benchmark::kMicrosecond);

}  // namespace
