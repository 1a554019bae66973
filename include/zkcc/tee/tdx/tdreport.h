// The raw 1024-byte TDREPORT_STRUCT that TDG.MR.REPORT returns (Intel TDX Module ABI):
//   REPORTMACSTRUCT (256): report type (4: type 0x81, subtype, version, reserved), reserved (12),
//     CPUSVN (16), SHA-384(TEE_TCB_INFO) (48), SHA-384(TDINFO) (48), REPORTDATA (64),
//     reserved (32), MAC (32);
//   TEE_TCB_INFO (239): valid (8), TEE_TCB_SVN (16), MRSEAM (48), MRSIGNERSEAM (48),
//     attributes (8), then TEE_TCB_SVN2 and reserved; then 17 reserved bytes;
//   TDINFO (512): attributes (8), XFAM (8), MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG (48 each),
//     RTMR0..3 (4 x 48), SERVTD_HASH (48), reserved (64).
// The MAC is keyed inside the CPU, so outside the TD a TDREPORT proves nothing by itself; it is
// trusted through a quote whose body must repeat it, which match_quote_body checks.
#ifndef ZKCC_TEE_TDX_TDREPORT_H_
#define ZKCC_TEE_TDX_TDREPORT_H_

#include <array>
#include <cstdint>
#include <span>

#include "zkcc/base/status.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee::tdx {

inline constexpr size_t kTdReportSize = 1024;

struct TdReport {
  uint8_t type = 0;
  uint8_t subtype = 0;
  uint8_t version = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 48> tee_tcb_info_hash{};
  std::array<uint8_t, 48> tee_info_hash{};
  std::array<uint8_t, 32> mac{};
  // The TD fields laid out as a quote body carries them, so both can be compared field by field.
  TdReportBody body;
  std::array<uint8_t, 48> servtd_hash{};
};

// Parses a TDREPORT and checks what can be checked without the CPU's key: its type is TDX (0x81),
// and the two hashes in REPORTMACSTRUCT match TEE_TCB_INFO and TDINFO.
StatusOr<TdReport> parse_tdreport(std::span<const uint8_t> bytes);

// Adds one check per field that the quote body must repeat from the TDREPORT (TEE_TCB_SVN, MRSEAM,
// MRSIGNERSEAM, TD attributes, XFAM, MRTD, MRCONFIGID, MROWNER, MROWNERCONFIG, RTMR0..3,
// REPORTDATA), folded into one check named `name` that lists every field that differs.
void match_quote_body(const TdReport& report, const TdReportBody& quote_body, const std::string& name, Verdict& v);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_TDREPORT_H_
