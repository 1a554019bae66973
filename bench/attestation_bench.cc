// Full offline verification of each platform's real sample, as a user's verifier runs it.
#include <benchmark/benchmark.h>

#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"

namespace {

using namespace zkcc::tee;

std::string data(const std::string& rel) { return std::string(ZKCC_SHARED_DIR) + "/testdata/attestation/" + rel; }
zkcc::Bytes load(const std::string& rel) { return *zkcc::read_file(data(rel)); }

void BM_VerifySevSnp(benchmark::State& state) {
  zkcc::Bytes report = load("sev-snp/gosevguest_milan_v2_report.bin");
  std::vector<Certificate> certs = {*Certificate::from_der(load("sev-snp/gosevguest_milan_vcek.der"))};
  int64_t at = *parse_rfc3339("2026-01-01T00:00:00Z");
  for (auto _ : state) {
    Verdict v = sev_snp::verify_report(report, certs, sev_snp::TrustRoots{}, at);
    if (!v.ok()) state.SkipWithError("sample did not verify");
  }
}
BENCHMARK(BM_VerifySevSnp)->Unit(benchmark::kMicrosecond);

void BM_VerifyNvidiaGpu(benchmark::State& state) {
  zkcc::Bytes hex = load("nvidia/nvtrust_hopper_report_550.90.07.hex");
  std::string text(hex.begin(), hex.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  zkcc::Bytes report = *zkcc::from_hex(text);
  zkcc::Bytes pem = load("nvidia/nvtrust_hopper_cert_chain.pem");
  auto chain = *Certificate::from_pem_bundle(std::string(pem.begin(), pem.end()));
  int64_t at = *parse_rfc3339("2026-01-01T00:00:00Z");
  for (auto _ : state) {
    Verdict v = nvidia_gpu::verify_gpu_report(report, chain, nvidia_gpu::TrustRoots{}, std::nullopt, at);
    if (!v.ok()) state.SkipWithError("sample did not verify");
  }
}
BENCHMARK(BM_VerifyNvidiaGpu)->Unit(benchmark::kMicrosecond);

void BM_VerifyTdxWithCollateral(benchmark::State& state) {
  zkcc::Bytes quote = load("tdx/dcapqvl_quote_v4.bin");
  zkcc::Bytes json = load("tdx/dcapqvl_quote_v4_collateral.json");
  auto collateral = *tdx::parse_collateral_json(std::string(json.begin(), json.end()));
  int64_t at = *parse_rfc3339("2025-06-20T00:00:00Z");
  for (auto _ : state) {
    Verdict v = tdx::verify_quote(quote, collateral, tdx::TrustRoots{}, at);
    if (!v.ok()) state.SkipWithError("sample did not verify");
  }
}
BENCHMARK(BM_VerifyTdxWithCollateral)->Unit(benchmark::kMicrosecond);

void BM_VerifyAzureSnpHcl(benchmark::State& state) {
  zkcc::Bytes hcl = load("azure/trustee_az_snp_milan_hcl_report.bin");
  zkcc::Bytes pem = load("azure/trustee_az_snp_milan_vcek_ask_ark.pem");
  auto certs = *Certificate::from_pem_bundle(std::string(pem.begin(), pem.end()));
  int64_t at = *parse_rfc3339("2026-01-01T00:00:00Z");
  for (auto _ : state) {
    Verdict v = azure::verify_snp_hcl_report(hcl, certs, at);
    if (!v.ok()) state.SkipWithError("sample did not verify");
  }
}
BENCHMARK(BM_VerifyAzureSnpHcl)->Unit(benchmark::kMicrosecond);

// The same four with the signature cache dropped before every verification (cold).
void BM_VerifySevSnpCold(benchmark::State& state) {
  zkcc::Bytes report = load("sev-snp/gosevguest_milan_v2_report.bin");
  std::vector<Certificate> certs = {*Certificate::from_der(load("sev-snp/gosevguest_milan_vcek.der"))};
  int64_t at = *parse_rfc3339("2026-01-01T00:00:00Z");
  for (auto _ : state) {
    clear_signature_cache();
    if (!sev_snp::verify_report(report, certs, sev_snp::TrustRoots{}, at).ok()) state.SkipWithError("did not verify");
  }
}
BENCHMARK(BM_VerifySevSnpCold)->Unit(benchmark::kMicrosecond);

void BM_VerifyTdxWithCollateralCold(benchmark::State& state) {
  zkcc::Bytes quote = load("tdx/dcapqvl_quote_v4.bin");
  zkcc::Bytes json = load("tdx/dcapqvl_quote_v4_collateral.json");
  auto collateral = *tdx::parse_collateral_json(std::string(json.begin(), json.end()));
  int64_t at = *parse_rfc3339("2025-06-20T00:00:00Z");
  for (auto _ : state) {
    clear_signature_cache();
    if (!tdx::verify_quote(quote, collateral, tdx::TrustRoots{}, at).ok()) state.SkipWithError("did not verify");
  }
}
BENCHMARK(BM_VerifyTdxWithCollateralCold)->Unit(benchmark::kMicrosecond);

void BM_VerifyNvidiaGpuCold(benchmark::State& state) {
  zkcc::Bytes hex = load("nvidia/nvtrust_hopper_report_550.90.07.hex");
  std::string text(hex.begin(), hex.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  zkcc::Bytes report = *zkcc::from_hex(text);
  zkcc::Bytes pem = load("nvidia/nvtrust_hopper_cert_chain.pem");
  auto chain = *Certificate::from_pem_bundle(std::string(pem.begin(), pem.end()));
  int64_t at = *parse_rfc3339("2026-01-01T00:00:00Z");
  for (auto _ : state) {
    clear_signature_cache();
    if (!nvidia_gpu::verify_gpu_report(report, chain, nvidia_gpu::TrustRoots{}, std::nullopt, at).ok()) {
      state.SkipWithError("did not verify");
    }
  }
}
BENCHMARK(BM_VerifyNvidiaGpuCold)->Unit(benchmark::kMicrosecond);

}  // namespace
