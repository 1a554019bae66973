// The evidence bundle: one versioned JSON document carrying a full-stack attestation with
// everything needed to verify it offline (DESIGN.md):
//   {"version": 1, "level", "level_reached", "statement", "cpu_hash", "gpu_hash", "combined_hash"
//    (felts as 0x hex; "level" is the level asked for, auto included, "level_reached" the one the
//    evidence reaches: zk-only, tee or full-cc),
//    "cpu": {"platform", "source", "report": base64, "certificates": [base64 DER...],
//            "collateral": QuoteCollateralV3 object (TDX), {"crl": hex DER} (SEV-SNP, AMD's
//            ARK-signed CRL) or absent, "event_log": base64 CC event log (TDX, optional)}
//            (absent without CPU evidence),
//    "gpus": [{"index", "name", "source", "report": base64, "certificate_chain": PEM}...]}
// verify_bundle is a pure function of (bundle, trust roots, policy, time): it runs the platform
// verifiers, checks every binding (GPU nonce, both halves of report_data), recomputes the hashes
// and checks that the evidence meets the stated level.
#ifndef ZKCC_TEE_BUNDLE_H_
#define ZKCC_TEE_BUNDLE_H_

#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/verify.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee {

inline constexpr int kBundleVersion = 1;

nlohmann::json bundle_to_json(const FullStackAttestation& a);
// Refuses keys the format does not define and a GPU index listed twice.
StatusOr<FullStackAttestation> bundle_from_json(const nlohmann::json& j);
// A bundle's text, parsed strictly: malformed JSON, a non-object and a repeated key (at any depth)
// are refused, so that no reader sees a different bundle from the one verified.
StatusOr<nlohmann::json> parse_bundle(std::string_view text);

struct BundleRoots {
  sev_snp::TrustRoots snp;
  tdx::TrustRoots tdx;
  nvidia_gpu::TrustRoots gpu;
};
// The compiled-in vendor roots plus `extra` (test or simulated roots, passed explicitly) for every
// platform; a chain still has to link to one of them cryptographically.
BundleRoots roots_with_extra(std::span<const Certificate> extra);

// `policy` null judges the claims with the built-in production policy (Policy{}). The verdict
// carries the level the evidence reached, the policy's name and how many extra roots were trusted.
Verdict verify_bundle(const nlohmann::json& bundle, const BundleRoots& roots, const Policy* policy, int64_t at);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_BUNDLE_H_
