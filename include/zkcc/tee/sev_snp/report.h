// AMD SEV-SNP ATTESTATION_REPORT (SEV-SNP ABI specification, "ATTESTATION_REPORT Structure"):
// 1184 bytes, little endian, signed over bytes 0x000-0x29F with ECDSA P-384 / SHA-384 by the
// VCEK or VLEK. Versions 2, 3 (adds CPUID family/model/stepping) and 5 (adds launch and current
// mitigation vectors) are accepted.
#ifndef ZKCC_TEE_SEV_SNP_REPORT_H_
#define ZKCC_TEE_SEV_SNP_REPORT_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/status.h"

namespace zkcc::tee::sev_snp {

inline constexpr size_t kReportSize = 0x4A0;
inline constexpr size_t kSignedSize = 0x2A0;

enum class Product { kUnknown, kMilan, kGenoa, kTurin };
std::string_view product_name(Product p);

// A TCB_VERSION, decoded for its product: Milan and Genoa put the boot loader, TEE, SNP and
// microcode SPLs in bytes 0, 1, 6 and 7; Turin adds the FMC SPL and uses bytes 0 (FMC), 1, 2, 3, 7.
struct Tcb {
  uint64_t raw = 0;
  uint8_t fmc = 0;  // Turin only
  uint8_t boot_loader = 0;
  uint8_t tee = 0;
  uint8_t snp = 0;
  uint8_t microcode = 0;
};
Tcb decode_tcb(uint64_t raw, Product product);

enum class SigningKey : uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };

struct Report {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  uint64_t current_tcb = 0;
  uint64_t platform_info = 0;
  bool author_key_en = false;
  bool mask_chip_key = false;
  SigningKey signing_key = SigningKey::kVcek;
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  uint64_t reported_tcb = 0;
  uint8_t cpuid_family = 0;  // version >= 3
  uint8_t cpuid_model = 0;
  uint8_t cpuid_stepping = 0;
  std::array<uint8_t, 64> chip_id{};
  uint64_t committed_tcb = 0;
  uint8_t current_build = 0, current_minor = 0, current_major = 0;
  uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;
  uint64_t launch_tcb = 0;
  uint64_t launch_mit_vector = 0;   // version >= 5
  uint64_t current_mit_vector = 0;  // version >= 5
  std::array<uint8_t, 48> signature_r{};  // big endian (converted from the report's little endian)
  std::array<uint8_t, 48> signature_s{};

  // Policy bits the verifiers and policies read.
  bool debug_allowed() const { return (policy >> 19) & 1; }
  bool migration_agent_allowed() const { return (policy >> 18) & 1; }
  bool smt_allowed() const { return (policy >> 16) & 1; }
  // The product named by the CPUID fields (version >= 3), or kUnknown.
  Product product_from_cpuid() const;
};

// One must-be-zero or must-be-one rule of the report layout (SEV-SNP ABI specification): its name
// and, when the report breaks it, what is wrong ("" when it holds).
struct FieldRule {
  std::string name;
  std::string violation;
};
// GUEST POLICY bit 17 is one and bits 26-63 are zero; SIGNER_INFO bits 5-31, PLATFORM_INFO's
// reserved bits (6 and 8-63) and the reserved byte ranges below 0x2A0 are zero. These are judged
// by the verifier after the signature, so that a signed report that breaks one is named.
std::vector<FieldRule> field_rules(std::span<const uint8_t> bytes, const Report& report);

// Parses exactly kReportSize bytes; rejects other sizes, unknown versions, an unknown signature
// algorithm, a signing-key field other than VCEK/VLEK/none, and non-zero bytes where the signature
// area must be zero.
StatusOr<Report> parse_report(std::span<const uint8_t> bytes);

}  // namespace zkcc::tee::sev_snp

#endif  // ZKCC_TEE_SEV_SNP_REPORT_H_
