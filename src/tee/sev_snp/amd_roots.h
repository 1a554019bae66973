// AMD's SEV-SNP certificate authorities, compiled into the library.
#ifndef ZKCC_SRC_TEE_SEV_SNP_AMD_ROOTS_H_
#define ZKCC_SRC_TEE_SEV_SNP_AMD_ROOTS_H_

#include <vector>

#include "zkcc/tee/sev_snp/report.h"

namespace zkcc::tee::sev_snp {

enum class AmdRole { kArk, kAsk, kAsvk };

struct AmdAuthority {
  Product product;
  AmdRole role;
  const char* sha256;  // of the DER encoding
  const char* pem;
};

const std::vector<AmdAuthority>& amd_authorities();

}  // namespace zkcc::tee::sev_snp

#endif  // ZKCC_SRC_TEE_SEV_SNP_AMD_ROOTS_H_
