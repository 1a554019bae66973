// Azure confidential VMs (SNP or TDX behind a paravisor) expose their hardware report through the
// vTPM: NV index 0x01400001 holds an HCL report:
//   header (32 bytes): "HCLA", version u32, report size u32, request type u32, status u32,
//     reserved (12);
//   hardware report area (1184 bytes): the SNP ATTESTATION_REPORT, or a 1024-byte TDREPORT;
//   IGVM request data: data size u32, version u32, report type u32 (2 = SNP, 4 = TDX), hash type
//     u32 (1 = SHA-256), variable data size u32, then the runtime-claims JSON.
// The hardware report's REPORT_DATA[0:32] is SHA-256 of the runtime-claims JSON, which carries the
// guest's 64-byte "user-data" (what was written to NV index 0x01400002) and the vTPM's keys.
#ifndef ZKCC_TEE_AZURE_HCL_H_
#define ZKCC_TEE_AZURE_HCL_H_

#include <span>
#include <string>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::azure {

inline constexpr uint32_t kNvIndexHclReport = 0x01400001;
inline constexpr uint32_t kNvIndexUserData = 0x01400002;

enum class HclReportType : uint32_t { kSnp = 2, kTdx = 4 };

struct HclReport {
  uint32_t version = 0;
  HclReportType type = HclReportType::kSnp;
  Bytes hardware_report;    // 1184 bytes (SNP) or 1024 bytes (TDREPORT)
  std::string runtime_claims;  // the JSON text, exactly as hashed
  Bytes user_data;          // the runtime claims' "user-data", decoded (64 bytes)
};

StatusOr<HclReport> parse_hcl_report(std::span<const uint8_t> bytes);

// REPORT_DATA of the embedded hardware report (SNP offset 0x50, TDREPORT offset 128).
std::span<const uint8_t> hardware_report_data(const HclReport& r);

// Adds the check that SHA-256(runtime claims) = REPORT_DATA[0:32] and REPORT_DATA[32:64] is zero.
void bind_runtime_claims(const HclReport& r, Verdict& v);

// Verifies an SNP-backed HCL report: the runtime-claims binding, then the embedded SNP report
// against `certs` (VCEK and chain) and `roots` at time `at`.
Verdict verify_snp_hcl_report(std::span<const uint8_t> hcl, std::span<const Certificate> certs,
                              const sev_snp::TrustRoots& roots, int64_t at);

}  // namespace zkcc::tee::azure

#endif  // ZKCC_TEE_AZURE_HCL_H_
