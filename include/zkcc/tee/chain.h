// Checking a leaf-first certificate chain against a set of trusted roots, as a verdict's checks.
#ifndef ZKCC_TEE_CHAIN_H_
#define ZKCC_TEE_CHAIN_H_

#include <span>

#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee {

// Each certificate must be signed by the next, and the last must be one of `trusted` (self-signed)
// or signed by one; then every certificate, the anchor included, must be valid at `at`. Adds the
// checks "certificate chain" and, when the chain holds, "certificates valid at the verification
// time". Returns true when both pass. `chain` must not be empty.
bool check_chain(std::span<const Certificate> chain, std::span<const Certificate> trusted, int64_t at, Verdict& v);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_CHAIN_H_
