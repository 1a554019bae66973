// TDX CC event log parsing and replay.
#include "zkcc/tee/tdx/ccel.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto events = zkcc::tee::tdx::parse_ccel(std::span<const uint8_t>(data, size));
  if (events.ok()) (void)zkcc::tee::tdx::replay_rtmrs(*events);
  return 0;
}
