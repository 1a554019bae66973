// TDX CC event log parsing, replay and the RTMR comparison verifiers run; the ACPI CCEL table.
#include "zkcc/tee/tdx/ccel.h"
#include "zkcc/tee/tdx/ccel_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> log(data, size);
  auto events = zkcc::tee::tdx::parse_ccel(log);
  if (events.ok()) (void)zkcc::tee::tdx::replay_rtmrs(*events);
  (void)zkcc::tee::tdx::verify_event_log(log, zkcc::tee::tdx::Rtmrs{});
  (void)zkcc::tee::tdx::parse_ccel_table(log);
  return 0;
}
