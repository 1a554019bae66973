// A simulated AMD VLEK hierarchy for one product, held in memory: ARK-<product> and the ASVK
// SEV-VLEK-<product> (RSA-4096, RSASSA-PSS/SHA-384, as AMD's KDS serves them at
// vlek/v1/<product>/cert_chain), a VLEK (P-384) naming the product, and reports of a part of that
// product (its CPUID and TCB layout) signed by the VLEK (SIGNING_KEY 1), as a cloud provider's
// guest gets them. Every name carries "Simulated" and the subject organisation says test keys; the
// verifiers accept this evidence only with ark() passed as an extra root.
#ifndef ZKCC_TEE_SIM_VLEK_H_
#define ZKCC_TEE_SIM_VLEK_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/sim/platform.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::sim {

class SimVlek {
 public:
  // Certificates valid from a day before `now` to ten years after. Milan, Genoa or Turin.
  static StatusOr<SimVlek> create(sev_snp::Product product, int64_t now);

  sev_snp::Product product() const;
  const Certificate& ark() const;
  const Certificate& asvk() const;
  // VLEK, ASVK, ARK (DER), as an extended report's certificate table gives them.
  std::vector<Bytes> certificates() const;
  // A 1184-byte version 3 report with REPORT_DATA = `report_data`, CHIP_ID zero (a VLEK names no
  // chip) and the VLEK's TCB, signed by the VLEK.
  StatusOr<Bytes> report(std::span<const uint8_t, 64> report_data, const SnpGuest& guest = {}) const;
  // The VLEK (same key, still naming this product) issued by `other`'s ASVK instead: a chain
  // that leads to another product's root.
  StatusOr<Bytes> vlek_issued_by(const SimVlek& other) const;
  // AMD's CRL for the ASVK as KDS serves it at vlek/v1/<product>/crl (DER, RSASSA-PSS/SHA-384 by
  // the ARK), issued at `issued_at` and current for 30 days, listing the ASVK when `revoke_asvk`.
  StatusOr<Bytes> crl(int64_t issued_at, bool revoke_asvk) const;

 private:
  struct State;  // defined in src/tee/sim/vlek.cc
  explicit SimVlek(std::shared_ptr<const State> state) : state_(std::move(state)) {}
  std::shared_ptr<const State> state_;
};

}  // namespace zkcc::tee::sim

#endif  // ZKCC_TEE_SIM_VLEK_H_
