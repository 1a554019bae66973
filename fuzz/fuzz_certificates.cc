// Certificate parsing (DER and PEM bundles) and the extension readers the verifiers use.
#include <string>

#include "zkcc/tee/nvidia_gpu/arch.h"
#include "zkcc/tee/tdx/collateral.h"
#include "zkcc/tee/x509.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto c = zkcc::tee::Certificate::from_der(std::span<const uint8_t>(data, size));
  if (c.ok()) {
    (void)c->extension_integer("1.3.6.1.4.1.3704.1.3.1");
    (void)c->extension_ia5("1.3.6.1.4.1.3704.1.2");
    (void)c->extension_octets("1.3.6.1.4.1.3704.1.4");
    (void)c->common_name();
    // NVIDIA's DICE FWID extensions (Hopper and Blackwell layouts).
    (void)zkcc::tee::nvidia_gpu::leaf_fwid(*c, zkcc::tee::nvidia_gpu::GpuArch::kHopper);
    (void)zkcc::tee::nvidia_gpu::leaf_fwid(*c, zkcc::tee::nvidia_gpu::GpuArch::kBlackwell);
    (void)zkcc::tee::nvidia_gpu::chain_arch(std::span<const zkcc::tee::Certificate>(&*c, 1));
    (void)zkcc::tee::tdx::pck_extensions(*c);  // Intel's SGX extension, through the same DER walker
  }
  (void)zkcc::tee::Certificate::from_pem_bundle(std::string(reinterpret_cast<const char*>(data), size));
  return 0;
}
