// The certificates compiled into the library that every hardware verdict chains to, listed so
// that a build can check its own copies (prove-model selfcheck).
#ifndef ZKCC_TEE_VENDOR_ROOTS_H_
#define ZKCC_TEE_VENDOR_ROOTS_H_

#include <string>
#include <vector>

namespace zkcc::tee {

struct CompiledInCertificate {
  std::string name;     // "AMD ARK (Milan)", "Intel SGX Root CA", ...
  const char* pem;      // exactly one certificate
  const char* sha256;   // the pinned SHA-256 of its DER encoding, lowercase hex
  std::string issuer;   // the name of the entry that signs it; "" for a self-signed root
};

// The AMD ARKs, ASKs and ASVK, Intel's SGX Root CA, NVIDIA's Device Identity CA and CoRIM root.
std::vector<CompiledInCertificate> compiled_in_certificates();

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_VENDOR_ROOTS_H_
