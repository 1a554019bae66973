#include "zkcc/tee/azure/hcl.h"

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "zkcc/base/byte_reader.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee::azure {
namespace {

constexpr size_t kHeaderSize = 32;
constexpr size_t kHardwareArea = 1184;
constexpr size_t kIgvmOffset = kHeaderSize + kHardwareArea;  // 1216
constexpr size_t kIgvmHeader = 20;

}  // namespace

StatusOr<HclReport> parse_hcl_report(std::span<const uint8_t> b) {
  if (b.size() < kIgvmOffset + kIgvmHeader) {
    return invalid_argument("HCL report is " + std::to_string(b.size()) + " bytes; the fixed part alone is " +
                            std::to_string(kIgvmOffset + kIgvmHeader));
  }
  if (std::memcmp(b.data(), "HCLA", 4) != 0) return invalid_argument("HCL report does not start with \"HCLA\"");
  HclReport r;
  r.version = load_le32(b, 4);
  uint32_t type = load_le32(b, kIgvmOffset + 8);
  if (type != 2 && type != 4) return invalid_argument("HCL report type " + std::to_string(type) + " is neither SNP (2) nor TDX (4)");
  r.type = static_cast<HclReportType>(type);
  if (load_le32(b, kIgvmOffset + 12) != 1) return invalid_argument("HCL runtime claims are not hashed with SHA-256 (hash type 1)");
  size_t var_size = load_le32(b, kIgvmOffset + 16);
  size_t data_size = load_le32(b, kIgvmOffset);
  if (data_size != kIgvmHeader + var_size) {
    return invalid_argument("HCL IGVM request data size " + std::to_string(data_size) + " disagrees with its variable part (" +
                            std::to_string(var_size) + " + 20)");
  }
  if (var_size > b.size() - kIgvmOffset - kIgvmHeader) {
    return invalid_argument("HCL runtime claims (" + std::to_string(var_size) + " bytes) run past the report");
  }
  size_t hw = r.type == HclReportType::kSnp ? kHardwareArea : 1024;
  r.hardware_report.assign(b.begin() + kHeaderSize, b.begin() + static_cast<std::ptrdiff_t>(kHeaderSize + hw));
  auto claims = b.subspan(kIgvmOffset + kIgvmHeader, var_size);
  r.runtime_claims.assign(claims.begin(), claims.end());
  auto doc = nlohmann::json::parse(r.runtime_claims, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument("HCL runtime claims are not a JSON object");
  auto ud = doc.find("user-data");
  if (ud == doc.end() || !ud->is_string()) return invalid_argument("HCL runtime claims carry no \"user-data\"");
  auto decoded = from_hex(ud->get_ref<const std::string&>());
  if (!decoded.ok() || decoded->size() != 64) return invalid_argument("HCL runtime claims' user-data is not 64 bytes of hex");
  r.user_data = std::move(*decoded);
  return r;
}

std::span<const uint8_t> hardware_report_data(const HclReport& r) {
  size_t off = r.type == HclReportType::kSnp ? 0x50 : 128;
  return std::span<const uint8_t>(r.hardware_report).subspan(off, 64);
}

void bind_runtime_claims(const HclReport& r, Verdict& v) {
  auto digest = hash::sha256(std::span(reinterpret_cast<const uint8_t*>(r.runtime_claims.data()), r.runtime_claims.size()));
  auto rd = hardware_report_data(r);
  bool bound = std::equal(digest.begin(), digest.end(), rd.begin()) &&
               std::all_of(rd.begin() + 32, rd.end(), [](uint8_t b) { return b == 0; });
  v.add("runtime claims bound by REPORT_DATA", bound, bound ? "" : "SHA-256 of the runtime claims is not REPORT_DATA[0:32]");
}

Verdict verify_snp_hcl_report(std::span<const uint8_t> hcl, std::span<const Certificate> certs, const sev_snp::TrustRoots& roots,
                              int64_t at) {
  auto parsed = parse_hcl_report(hcl);
  if (!parsed.ok() || parsed->type != HclReportType::kSnp) {
    Verdict v;
    v.kind = "azure-snp-vtpm";
    v.cpu_platform = cpu_platform_label(CpuPlatform::kAzureSnpVtpm);
    v.add("HCL report parses", false, parsed.ok() ? "the HCL report holds a TDREPORT, not an SNP report" : parsed.status().message());
    return v;
  }
  Verdict v = sev_snp::verify_report(parsed->hardware_report, certs, roots, at);
  v.kind = "azure-snp-vtpm";
  v.cpu_platform = cpu_platform_label(CpuPlatform::kAzureSnpVtpm);
  v.checks.insert(v.checks.begin(), Check{"HCL report parses", true, "version " + std::to_string(parsed->version)});
  bind_runtime_claims(*parsed, v);
  v.claims["user_data"] = to_hex(parsed->user_data);
  return v;
}

}  // namespace zkcc::tee::azure
