// AMD's CRL beside an SEV-SNP report. The guest's collectors give the report and the host's
// certificates; the CRL that revokes an ASK or ASVK comes from AMD's KDS, which `prove-model
// fetch-collateral` stores in a collateral cache (collateral/cache.h). This collector wraps an
// SEV-SNP collector and puts the CRL for the report's product and signing key from that cache
// into the evidence's collateral (sev_snp/collateral.h), so that a bundle carries it and offline
// verification applies it ("AMD CRL signed by the ARK", "AMD CRL current", "ASK not revoked").
#ifndef ZKCC_TEE_COLLECT_SNP_CRL_H_
#define ZKCC_TEE_COLLECT_SNP_CRL_H_

#include <filesystem>
#include <memory>

#include "zkcc/tee/collateral/cache.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

// The product is the one the report's CPUID names (version 3 and later), else the one the host's
// VCEK or VLEK names. attest() fails, naming the cache file and how to fill it, when the cache
// holds no CRL for it: a collector told to bring collateral does not quietly bring none.
class SnpCrlAttester : public CpuAttester {
 public:
  SnpCrlAttester(std::unique_ptr<CpuAttester> inner, std::filesystem::path cache);
  CpuPlatform platform() const override { return CpuPlatform::kSevSnp; }
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override;

 private:
  std::unique_ptr<CpuAttester> inner_;
  collateral::Cache cache_;
};

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_SNP_CRL_H_
