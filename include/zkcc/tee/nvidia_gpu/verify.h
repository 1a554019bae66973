// Verification of an NVIDIA GPU attestation report: the certificate chain (five ECDSA P-384
// certificates, leaf first) to the NVIDIA Device Identity CA, validity at the given time, the
// report's ECDSA P-384 / SHA-384 signature with the leaf key, the GPU architecture (Hopper or
// Blackwell) against the chain, the leaf's TCG DICE FWID extension for that architecture against
// the report's FWID, and the requester nonce against the expected one. A pure function.
#ifndef ZKCC_TEE_NVIDIA_GPU_VERIFY_H_
#define ZKCC_TEE_NVIDIA_GPU_VERIFY_H_

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "zkcc/tee/nvidia_gpu/report.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::nvidia_gpu {

struct TrustRoots {
  bool nvidia = true;                // the compiled-in NVIDIA Device Identity CA
  std::vector<Certificate> extra;    // accepted only when passed explicitly (simulated GPUs)
};

// `stated_arch` is the architecture the evidence claims ("HOPPER", "BLACKWELL"); it must be the one
// the chain names ("architecture matches the certificate chain"), and picks the FWID extension.
// Without it the chain's architecture is used.
Verdict verify_gpu_report(std::span<const uint8_t> report, std::span<const Certificate> chain, const TrustRoots& roots,
                          const std::optional<std::array<uint8_t, 32>>& expected_nonce, int64_t at,
                          std::optional<std::string_view> stated_arch = std::nullopt);

// NVIDIA's serialized evidence (as nvattest and NRAS exchange it): a JSON array with one object per
// GPU, {"arch", "certificate": base64 of the PEM chain, "evidence": base64 of the report,
// "nonce": hex}. Each GPU is verified with its own chain, the stated architecture and nonce; with
// `expected_nonce`, each report must also answer that nonce ("nonce is the expected one"). The
// same GPU twice (the same report, or the same device certificate) is one GPU: the repeat fails
// "GPU listed once". One verdict per entry, in order. Fails on malformed JSON, base64 or
// certificates.
StatusOr<std::vector<Verdict>> verify_evidence_json(std::string_view json, const TrustRoots& roots, int64_t at,
                                                    const std::optional<std::array<uint8_t, 32>>& expected_nonce = std::nullopt);

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_TEE_NVIDIA_GPU_VERIFY_H_
