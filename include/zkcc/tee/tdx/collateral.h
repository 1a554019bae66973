// DCAP collateral and the TCB judgement of a TDX quote: TCB Info and QE Identity (each signed, over
// its exact JSON text, by Intel's TCB signing key), the PCK and Root CA CRLs, and the matching of
// the quote's TCB against the TCB levels.
//
// TEE_TCB_SVN rule: when TEE_TCB_SVN[1] (the TDX module's major version) is 0, all 16 bytes are
// compared with the level's tdxtcbcomponents. When it is non-zero the module was loaded by the
// SEAM loader: bytes 0 and 1 are then judged by the TDX module identity "TDX_<major, 2 hex
// digits>" (its MRSIGNER and attributes, and its TCB levels by ISVSVN = TEE_TCB_SVN[0]), and only
// bytes 2..15 are compared with tdxtcbcomponents. This follows Intel's Quote Verification Library;
// the level's status and the module's status are combined by taking the worse.
#ifndef ZKCC_TEE_TDX_COLLATERAL_H_
#define ZKCC_TEE_TDX_COLLATERAL_H_

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/tdx/verify.h"

namespace zkcc::tee::tdx {

struct Collateral {
  std::vector<Certificate> pck_crl_issuer_chain;
  Bytes root_ca_crl;  // DER
  Bytes pck_crl;      // DER
  std::vector<Certificate> tcb_info_issuer_chain;
  std::string tcb_info;  // the exact signed JSON text
  Bytes tcb_info_signature;  // r || s, 64 bytes
  std::vector<Certificate> qe_identity_issuer_chain;
  std::string qe_identity;
  Bytes qe_identity_signature;
};

// The QuoteCollateralV3 JSON form (CRLs and signatures as hex, chains as PEM).
StatusOr<Collateral> parse_collateral_json(std::string_view json);

// Intel's SGX extensions of a PCK certificate (OID 1.2.840.113741.1.13.1).
struct PckExtensions {
  std::array<uint8_t, 16> cpu_svn_components{};
  uint16_t pce_svn = 0;
  std::array<uint8_t, 6> fmspc{};
  std::optional<std::array<uint8_t, 2>> pce_id;  // PCE-ID (SGX extension arc 3), when present
};
StatusOr<PckExtensions> pck_extensions(const Certificate& pck);

// The full verification: verify_quote_signatures, then the collateral and the TCB judgement.
// Accepted TCB statuses: UpToDate, SWHardeningNeeded, ConfigurationNeeded and
// ConfigurationAndSWHardeningNeeded (the status and advisory IDs are in the claims for policies
// to judge); OutOfDate, OutOfDateConfigurationNeeded and Revoked are rejected.
Verdict verify_quote(std::span<const uint8_t> quote, const Collateral& collateral, const TrustRoots& roots, int64_t at);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_COLLATERAL_H_
