// Collectors over the simulated platform, behind the same interfaces as the hardware ones
// (evidence.h). They are built only by these functions: no detection or default picks them.
#ifndef ZKCC_TEE_SIM_ATTESTER_H_
#define ZKCC_TEE_SIM_ATTESTER_H_

#include <cstdint>
#include <memory>
#include <optional>

#include "zkcc/tee/evidence.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::tee::sim {

struct CpuAttesterOptions {
  SnpGuest snp;
  TdxGuest tdx;
  // When the collateral (TDX collateral, AMD's CRL) is issued (Unix seconds). Unset: it is signed
  // afresh at each attest() call with the current time, so it is valid for 30 days from then; set
  // it to make evidence deterministic in tests (it must fall within the certificates' validity).
  std::optional<int64_t> collateral_time;
};

// kSevSnp: CpuEvidence.report is the SNP report, certificates are VCEK, ASK and ARK (DER), and
// collateral the ARK's CRL (sev_snp/collateral.h).
// kTdx: report is the quote and collateral its QuoteCollateralV3 JSON. Source "sim".
// Other platforms are invalid_argument.
StatusOr<std::unique_ptr<CpuAttester>> make_cpu_attester(const SimPlatform& platform, CpuPlatform kind,
                                                         CpuAttesterOptions options = {});

// `count` GPUs (1..kMaxGpus), indices 0..count-1, each with its own identity; their keys are
// created in the platform's directory here if they do not exist yet.
StatusOr<std::unique_ptr<GpuAttester>> make_gpu_attester(const SimPlatform& platform, unsigned count = 1);

}  // namespace zkcc::tee::sim

#endif  // ZKCC_TEE_SIM_ATTESTER_H_
