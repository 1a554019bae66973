// SEV-SNP report parsing, then the verifier on whatever parses (no certificate: the verdict must
// fail cleanly).
#include "zkcc/tee/sev_snp/verify.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> in(data, size);
  auto r = zkcc::tee::sev_snp::parse_report(in);
  if (r.ok()) {
    auto v = zkcc::tee::sev_snp::verify_report(in, {}, zkcc::tee::sev_snp::TrustRoots{}, 0);
    if (v.ok()) __builtin_trap();  // nothing verifies without an endorsement key
  }
  return 0;
}
