// Certificate revocation lists (AMD's ARK CRL, Intel's CRLs) and the SEV-SNP collateral JSON that
// carries AMD's: parsing, the signature check against a real ARK, validity and the serial lookup.
#include <string_view>

#include "zkcc/tee/crl.h"
#include "zkcc/tee/sev_snp/collateral.h"
#include "zkcc/tee/sev_snp/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace zkcc::tee;
  // Milan's compiled-in ASK and ARK.
  static const std::vector<Certificate> milan = sev_snp::amd_chain(sev_snp::Product::kMilan, sev_snp::SigningKey::kVcek);
  if (milan.size() != 2) __builtin_trap();
  std::span<const uint8_t> der(data, size);
  auto crl = Crl::from_der(der);
  if (crl.ok()) {
    (void)crl->signed_by(milan[1]);
    (void)crl->validity_problem(1700000000);
    (void)crl->lists(milan[0]);
  }
  (void)crl_problem(der, milan[1], milan[0], 1700000000);
  (void)sev_snp::parse_collateral_json(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
