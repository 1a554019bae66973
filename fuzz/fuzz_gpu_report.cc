// NVIDIA SPDM report parsing and the accessors over its opaque data.
#include "zkcc/tee/nvidia_gpu/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = zkcc::tee::nvidia_gpu::parse_gpu_report(std::span<const uint8_t>(data, size));
  if (r.ok()) {
    (void)r->driver_version();
    (void)r->vbios_version();
    (void)r->project();
  }
  return 0;
}
