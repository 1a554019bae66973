// DCAP collateral JSON parsing.
#include <string>

#include "zkcc/tee/tdx/collateral.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)zkcc::tee::tdx::parse_collateral_json(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
