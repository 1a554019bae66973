// NVIDIA RIM XML: parsing (libxml2, no network, no DTDs) and signature verification (xmlsec).
#include "zkcc/tee/nvidia_gpu/rim.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view xml(reinterpret_cast<const char*>(data), size);
  (void)zkcc::tee::nvidia_gpu::parse_rim(xml);
  (void)zkcc::tee::nvidia_gpu::verify_rim(xml, {}, 1748736000);
  return 0;
}
