// The TDX confidential-computing event log (ACPI "CCEL" table -> TCG2 crypto-agile log): parsing
// and replay to the RTMRs. Event 0 is the legacy TCG_PCR_EVENT carrying the "Spec ID Event03"
// header (algorithms and digest sizes); every later TCG_PCR_EVENT2 names an MR index (1..4 =
// RTMR0..3) and its SHA-384 digest, and RTMR[i] = SHA-384(RTMR[i] || digest) from zero. The log
// ends at the first empty slot (MR index 0xFFFFFFFF, or zero index and type) or the buffer's end.
#ifndef ZKCC_TEE_TDX_CCEL_H_
#define ZKCC_TEE_TDX_CCEL_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::tee::tdx {

using Rtmrs = std::array<std::array<uint8_t, 48>, 4>;

struct CcelEvent {
  uint32_t mr_index = 0;
  uint32_t type = 0;
  std::array<uint8_t, 48> sha384{};
  Bytes data;
};

StatusOr<std::vector<CcelEvent>> parse_ccel(std::span<const uint8_t> log);
Rtmrs replay_rtmrs(const std::vector<CcelEvent>& events);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_CCEL_H_
