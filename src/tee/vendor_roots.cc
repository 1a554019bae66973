#include "zkcc/tee/vendor_roots.h"

#include "nvidia_gpu/nvidia_roots.h"
#include "sev_snp/amd_roots.h"
#include "tdx/intel_roots.h"

namespace zkcc::tee {
namespace {

std::string amd_name(const sev_snp::AmdAuthority& a) {
  const char* role = a.role == sev_snp::AmdRole::kArk ? "ARK" : a.role == sev_snp::AmdRole::kAsk ? "ASK" : "ASVK";
  return std::string("AMD ") + role + " (" + std::string(sev_snp::product_name(a.product)) + ")";
}

}  // namespace

std::vector<CompiledInCertificate> compiled_in_certificates() {
  std::vector<CompiledInCertificate> out;
  for (const sev_snp::AmdAuthority& a : sev_snp::amd_authorities()) {
    // An ASK or ASVK is signed by its product's ARK.
    std::string issuer;
    if (a.role != sev_snp::AmdRole::kArk) issuer = amd_name({a.product, sev_snp::AmdRole::kArk, nullptr, nullptr});
    out.push_back({amd_name(a), a.pem, a.sha256, issuer});
  }
  out.push_back({"Intel SGX Root CA", tdx::kIntelSgxRootCaPem, tdx::kIntelSgxRootCaSha256, ""});
  out.push_back({"NVIDIA Device Identity CA", nvidia_gpu::kDeviceIdentityCaPem, nvidia_gpu::kDeviceIdentityCaSha256, ""});
  out.push_back({"NVIDIA CoRIM Root CA", nvidia_gpu::kCorimRootPem, nvidia_gpu::kCorimRootSha256, ""});
  return out;
}

}  // namespace zkcc::tee
