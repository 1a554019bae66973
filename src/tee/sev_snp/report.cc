#include "zkcc/tee/sev_snp/report.h"

#include <algorithm>
#include <cstring>

#include "zkcc/base/byte_reader.h"
#include "zkcc/base/bytes.h"

namespace zkcc::tee::sev_snp {
namespace {

template <size_t N>
void copy(std::array<uint8_t, N>& dst, std::span<const uint8_t> b, size_t off) {
  std::memcpy(dst.data(), b.data() + off, N);
}

// The 72-byte little-endian signature component: the top 24 bytes must be zero for P-384.
bool read_component(std::span<const uint8_t> b, size_t off, std::array<uint8_t, 48>& out) {
  for (size_t i = 48; i < 72; ++i) {
    if (b[off + i] != 0) return false;
  }
  for (size_t i = 0; i < 48; ++i) out[47 - i] = b[off + i];
  return true;
}

// `value` as 0x and `digits` uppercase hex digits.
std::string hex_value(uint64_t value, int digits) {
  static const char* kDigits = "0123456789ABCDEF";
  std::string s = "0x";
  for (int shift = 4 * (digits - 1); shift >= 0; shift -= 4) s += kDigits[(value >> shift) & 0xF];
  return s;
}

}  // namespace

std::string_view product_name(Product p) {
  switch (p) {
    case Product::kMilan: return "Milan";
    case Product::kGenoa: return "Genoa";
    case Product::kTurin: return "Turin";
    case Product::kUnknown: break;
  }
  return "unknown";
}

Tcb decode_tcb(uint64_t raw, Product product) {
  Tcb t;
  t.raw = raw;
  auto byte = [raw](int i) { return static_cast<uint8_t>(raw >> (8 * i)); };
  if (product == Product::kTurin) {
    t.fmc = byte(0);
    t.boot_loader = byte(1);
    t.tee = byte(2);
    t.snp = byte(3);
  } else {
    t.boot_loader = byte(0);
    t.tee = byte(1);
    t.snp = byte(6);
  }
  t.microcode = byte(7);
  return t;
}

Product Report::product_from_cpuid() const {
  if (version < 3) return Product::kUnknown;
  if (cpuid_family == 0x19) {
    if (cpuid_model <= 0x0f) return Product::kMilan;
    if (cpuid_model >= 0x10 && cpuid_model <= 0x1f) return Product::kGenoa;
    if (cpuid_model >= 0xa0 && cpuid_model <= 0xaf) return Product::kGenoa;  // Bergamo/Siena share Genoa's keys
  }
  if (cpuid_family == 0x1a && cpuid_model <= 0x1f) return Product::kTurin;
  return Product::kUnknown;
}

std::vector<FieldRule> field_rules(std::span<const uint8_t> b, const Report& r) {
  std::vector<FieldRule> rules;
  rules.push_back({"guest policy bit 17 is one", (r.policy >> 17) & 1 ? "" : "POLICY bit 17 (reserved, must be one) is zero"});
  uint64_t high = r.policy >> 26;
  rules.push_back({"guest policy bits 26-63 are zero", high == 0 ? "" : "POLICY " + hex_value(r.policy, 16) + " sets reserved bits"});
  uint32_t signer = load_le32(b, 0x48);
  rules.push_back({"signer info bits 5-31 are zero", signer >> 5 == 0 ? "" : "SIGNER_INFO is " + hex_value(signer, 8)});
  // PLATFORM_INFO: SMT_EN 0, TSME_EN 1, ECC_EN 2, RAPL_DIS 3, CIPHERTEXT_HIDING_EN 4,
  // ALIAS_CHECK_COMPLETE 5, TIO_EN 7; the rest is reserved.
  constexpr uint64_t kPlatformInfoDefined = 0xBF;
  uint64_t reserved_info = r.platform_info & ~kPlatformInfoDefined;
  rules.push_back({"platform info reserved bits are zero", reserved_info == 0 ? "" : "PLATFORM_INFO sets reserved bits " + hex_value(reserved_info, 16)});
  // Reserved byte ranges of the signed part, by version: 0x18B (0x188 before version 3) to 0x1A0,
  // 0x4C-0x4F, 0x1EB, 0x1EF, and 0x1F8 (0x208 from version 5) up to the signature.
  struct Range {
    size_t begin, end;
  };
  const Range ranges[] = {{0x4C, 0x50}, {r.version >= 3 ? size_t{0x18B} : size_t{0x188}, 0x1A0}, {0x1EB, 0x1EC}, {0x1EF, 0x1F0},
                          {r.version >= 5 ? size_t{0x208} : size_t{0x1F8}, kSignedSize}};
  std::string nonzero;
  for (const Range& range : ranges) {
    for (size_t i = range.begin; i < range.end; ++i) {
      if (b[i] != 0) {
        nonzero += (nonzero.empty() ? "non-zero reserved bytes at " : ", ") + hex_value(i, 3);
        break;
      }
    }
  }
  rules.push_back({"reserved fields are zero", nonzero});
  return rules;
}

StatusOr<Report> parse_report(std::span<const uint8_t> b) {
  if (b.size() != kReportSize) {
    return invalid_argument("SEV-SNP report is " + std::to_string(b.size()) + " bytes; it must be " +
                            std::to_string(kReportSize));
  }
  Report r;
  r.version = load_le32(b, 0x00);
  if (r.version != 2 && r.version != 3 && r.version != 5) {
    return invalid_argument("SEV-SNP report version " + std::to_string(r.version) + " is not supported (2, 3, 5)");
  }
  r.guest_svn = load_le32(b, 0x04);
  r.policy = load_le64(b, 0x08);
  copy(r.family_id, b, 0x10);
  copy(r.image_id, b, 0x20);
  r.vmpl = load_le32(b, 0x30);
  r.signature_algo = load_le32(b, 0x34);
  if (r.signature_algo != 1) {
    return invalid_argument("SEV-SNP report signature algorithm " + std::to_string(r.signature_algo) +
                            " is not ECDSA P-384 with SHA-384 (1)");
  }
  r.current_tcb = load_le64(b, 0x38);
  r.platform_info = load_le64(b, 0x40);
  uint32_t flags = load_le32(b, 0x48);
  r.author_key_en = flags & 1;
  r.mask_chip_key = (flags >> 1) & 1;
  uint32_t key = (flags >> 2) & 7;
  if (key != 0 && key != 1 && key != 7) {
    return invalid_argument("SEV-SNP report names signing key " + std::to_string(key) + " (VCEK 0, VLEK 1, none 7)");
  }
  r.signing_key = static_cast<SigningKey>(key);
  copy(r.report_data, b, 0x50);
  copy(r.measurement, b, 0x90);
  copy(r.host_data, b, 0xC0);
  copy(r.id_key_digest, b, 0xE0);
  copy(r.author_key_digest, b, 0x110);
  copy(r.report_id, b, 0x140);
  copy(r.report_id_ma, b, 0x160);
  r.reported_tcb = load_le64(b, 0x180);
  if (r.version >= 3) {
    r.cpuid_family = b[0x188];
    r.cpuid_model = b[0x189];
    r.cpuid_stepping = b[0x18A];
  }
  copy(r.chip_id, b, 0x1A0);
  r.committed_tcb = load_le64(b, 0x1E0);
  r.current_build = b[0x1E8];
  r.current_minor = b[0x1E9];
  r.current_major = b[0x1EA];
  r.committed_build = b[0x1EC];
  r.committed_minor = b[0x1ED];
  r.committed_major = b[0x1EE];
  r.launch_tcb = load_le64(b, 0x1F0);
  if (r.version >= 5) {
    r.launch_mit_vector = load_le64(b, 0x1F8);
    r.current_mit_vector = load_le64(b, 0x200);
  }
  if (!read_component(b, 0x2A0, r.signature_r) || !read_component(b, 0x2E8, r.signature_s)) {
    return invalid_argument("SEV-SNP report signature component is wider than P-384");
  }
  for (size_t i = 0x330; i < kReportSize; ++i) {
    if (b[i] != 0) return invalid_argument("SEV-SNP report has non-zero bytes in the reserved signature area");
  }
  return r;
}

}  // namespace zkcc::tee::sev_snp
