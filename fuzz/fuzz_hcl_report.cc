// Azure HCL report parsing (header, IGVM request data, runtime-claims JSON).
#include "zkcc/tee/azure/hcl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = zkcc::tee::azure::parse_hcl_report(std::span<const uint8_t>(data, size));
  if (r.ok()) (void)zkcc::tee::azure::hardware_report_data(*r);
  return 0;
}
