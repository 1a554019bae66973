// The TDX confidential-computing event log (ACPI "CCEL" table -> TCG2 crypto-agile log): parsing
// and replay to the RTMRs. Event 0 is the legacy TCG_PCR_EVENT carrying the "Spec ID Event03"
// header (algorithms and digest sizes); every later TCG_PCR_EVENT2 names an MR index (0 = MRTD,
// 1..4 = RTMR0..3) and its SHA-384 digest, and RTMR[i] = SHA-384(RTMR[i] || digest) from zero;
// EV_NO_ACTION events are recorded but never extended (TCG PC Client Platform Firmware Profile).
// The log ends at the first empty slot (MR index 0xFFFFFFFF, or zero index and type) or the
// buffer's end. Reference: go-tdx-guest `rtmr.ParseCcelWithTdQuote`, Intel TDX guest-hypervisor
// communication interface (CCEL), TCG PC Client Platform Firmware Profile (crypto-agile log).
#ifndef ZKCC_TEE_TDX_CCEL_H_
#define ZKCC_TEE_TDX_CCEL_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee::tdx {

using Rtmrs = std::array<std::array<uint8_t, 48>, 4>;

struct CcelEvent {
  uint32_t mr_index = 0;
  uint32_t type = 0;
  std::array<uint8_t, 48> sha384{};
  Bytes data;
};

inline constexpr uint32_t kEvNoAction = 3;

// Every length is checked against the buffer; an MR index above 4 is an error.
StatusOr<std::vector<CcelEvent>> parse_ccel(std::span<const uint8_t> log);
Rtmrs replay_rtmrs(const std::vector<CcelEvent>& events);

// The crypto-agile encoding of `events` (SHA-384 digests only) after a Spec ID Event03 header, as
// firmware writes it and parse_ccel reads it; the simulated platform's TDs carry one.
Bytes encode_ccel(const std::vector<CcelEvent>& events);

// The log judged against the RTMRs a verified quote carries: "CC event log parses", then
// "RTMR[i] replays from the CC event log" for i = 0..3, each naming both values when they differ.
Verdict verify_event_log(std::span<const uint8_t> log, const Rtmrs& quote_rtmrs);
// verify_event_log's checks against `quote`'s RTMRs, appended to `v` (the quote's verdict), and
// the claim "cc_event_log": true; nothing when the quote does not parse, which the quote's own
// verdict already says.
void add_event_log_checks(Verdict& v, std::span<const uint8_t> quote, std::span<const uint8_t> log);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_CCEL_H_
