// TPM 2.0 quotes as an Azure vTPM produces them (TPM 2.0 Library, Part 2):
//   TPMS_ATTEST, big endian: magic 0xFF544347, type u16 (0x8018 = quote), qualifiedSigner
//   (TPM2B_NAME), extraData (TPM2B_DATA: the caller's nonce), clockInfo (clock u64, resetCount
//   u32, restartCount u32, safe u8), firmwareVersion u64, then TPMS_QUOTE_INFO: pcrSelect
//   (TPML_PCR_SELECTION: count u32, then per bank hash u16, sizeofSelect u8, bitmap) and
//   pcrDigest (TPM2B_DIGEST: the bank's hash over the selected PCRs, in index order).
// The quote is signed RSASSA-PKCS1-v1_5 / SHA-256 by the vTPM attestation key, whose public part
// the HCL report's runtime claims carry as the JWK "HCLAkPub", bound by the hardware report.
#ifndef ZKCC_TEE_AZURE_TPM_QUOTE_H_
#define ZKCC_TEE_AZURE_TPM_QUOTE_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee::azure {

inline constexpr uint16_t kTpmAlgSha256 = 0x000B;

struct PcrSelection {
  uint16_t hash = 0;
  std::vector<uint32_t> pcrs;  // ascending
};

struct TpmQuote {
  Bytes qualified_signer;
  Bytes extra_data;
  uint64_t clock = 0;
  uint32_t reset_count = 0;
  uint32_t restart_count = 0;
  bool safe = false;
  uint64_t firmware_version = 0;
  std::vector<PcrSelection> selections;
  Bytes pcr_digest;
};

StatusOr<TpmQuote> parse_tpm_quote(std::span<const uint8_t> attest);

struct RsaPublicKey {
  Bytes n;  // big endian
  Bytes e;
};

// The "HCLAkPub" RSA key from the HCL report's runtime claims.
StatusOr<RsaPublicKey> hcl_attestation_key(const HclReport& report);

// The SHA-256 PCR bank as the vTPM reported it: 24 values of 32 bytes.
using PcrBank = std::vector<std::array<uint8_t, 32>>;

// Checks the quote against the key and the PCR values and adds its checks to `v`: the signature,
// the structure, the PCR digest over the selected SHA-256 PCRs, and (when given) extraData against
// the expected nonce. Puts the nonce and the selected PCRs in v.claims.
void verify_tpm_quote(std::span<const uint8_t> attest, std::span<const uint8_t> signature, const PcrBank& pcrs,
                      const RsaPublicKey& key, const std::optional<Bytes>& expected_nonce, Verdict& v);

}  // namespace zkcc::tee::azure

#endif  // ZKCC_TEE_AZURE_TPM_QUOTE_H_
