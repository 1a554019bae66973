// What an SEV-SNP report is judged against beside its certificates: AMD's certificate revocation
// list, as AMD's KDS serves it (kdsintf.amd.com/vcek/v1/<product>/crl for the ASK,
// /vlek/v1/<product>/crl for the ASVK): DER, signed by the product's ARK. Its JSON form, as
// bundles carry it in the CPU section's "collateral": {"crl": "<hex DER>"}.
#ifndef ZKCC_TEE_SEV_SNP_COLLATERAL_H_
#define ZKCC_TEE_SEV_SNP_COLLATERAL_H_

#include <string>
#include <string_view>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::tee::sev_snp {

struct Collateral {
  Bytes crl;  // empty: no CRL, and no revocation check
};

// Strict: an object whose only key is "crl", a non-empty even-length hex string.
StatusOr<Collateral> parse_collateral_json(std::string_view text);
std::string collateral_json(const Collateral& c);

}  // namespace zkcc::tee::sev_snp

#endif  // ZKCC_TEE_SEV_SNP_COLLATERAL_H_
