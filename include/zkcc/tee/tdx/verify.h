// Cryptographic verification of a TDX quote, the part that needs no collateral: the PCK chain to
// the Intel SGX Root CA (compiled in) and its validity at the given time, the QE report's
// signature by the PCK key, the binding SHA-256(attestation key || QE auth data) in the QE report
// data, and the quote's signature by the attestation key. Judging the TCB (TCB Info, QE Identity,
// CRLs) builds on this and is a separate step.
#ifndef ZKCC_TEE_TDX_VERIFY_H_
#define ZKCC_TEE_TDX_VERIFY_H_

#include <span>
#include <vector>

#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::tdx {

struct TrustRoots {
  bool intel = true;              // the compiled-in Intel SGX Root CA
  std::vector<Certificate> extra;  // accepted only when passed explicitly (simulated platforms)
};

Verdict verify_quote_signatures(std::span<const uint8_t> quote, const TrustRoots& roots, int64_t at);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_VERIFY_H_
