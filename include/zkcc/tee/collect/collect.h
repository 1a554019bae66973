// The hardware evidence collectors behind evidence.h's interfaces, and the factories that pick one
// for what detect() found:
//   CPU: configfs-tsm (configfs_tsm.h) when the kernel offers it, else /dev/sev-guest
//        (sev_guest.h); /dev/tdx_guest alone cannot give a quote (tdx_guest.h);
//   GPU: NVML loaded with dlopen (nvml.h), else the nvattest CLI (nvattest.h).
// The simulated platform is never picked here (sim/attester.h builds it on request); Azure's
// vTPM platforms get the vTPM collector of azure/vtpm.h.
//
// DeviceIo is the seam between the ioctl collectors and the kernel: production code passes
// nullptr (the real open/ioctl/close); tests implement the kernel's side of each ioctl.
#ifndef ZKCC_TEE_COLLECT_COLLECT_H_
#define ZKCC_TEE_COLLECT_COLLECT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "zkcc/base/status.h"
#include "zkcc/tee/azure/vtpm.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/collect/nvattest.h"
#include "zkcc/tee/collect/nvml.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

// Each call returns its result (a descriptor, or 0) or -errno.
class DeviceIo {
 public:
  virtual ~DeviceIo() = default;
  virtual int open(const std::string& path, int flags) = 0;
  virtual int ioctl(int fd, unsigned long request, void* arg) = 0;
  virtual int close(int fd) = 0;
};

// The real system calls (descriptors are opened O_CLOEXEC).
DeviceIo& system_device_io();

struct CpuCollectOptions {
  // Where /dev/sev-guest is looked for when configfs-tsm is present but unusable.
  std::string root = "/";
  // The SEV-SNP VMPL (0-3) the report is requested for. Unset: configfs-tsm's privlevel_floor, or
  // VMPL 0 through /dev/sev-guest.
  std::optional<uint32_t> vmpl;
  // Fetch the host's VCEK/VLEK, ASK and ARK with the SNP report (extended report or auxblob).
  bool snp_certificates = true;
  DeviceIo* io = nullptr;  // null: system_device_io()
  azure::VtpmOptions vtpm;  // Azure confidential VMs: the TPM and IMDS to use
  // SEV-SNP: a collateral cache `prove-model fetch-collateral` filled; AMD's CRL from it travels
  // in the evidence's collateral (snp_crl.h). Empty: the evidence carries no CRL.
  std::string collateral_cache;
};

// configfs-tsm when the capability names it and it is usable; otherwise, for SEV-SNP,
// /dev/sev-guest (the capability's device, or <root>/dev/sev-guest). Fails with
// failed_precondition when there is no confidential CPU, when the device is not usable, and for
// TDX without configfs-tsm (a TDREPORT is no quote). The Azure vTPM platforms get the vTPM
// collector (azure/vtpm.h), which fails when the TPM or its HCL report cannot be read. With a
// collateral cache, an SEV-SNP collector is wrapped in SnpCrlAttester.
StatusOr<std::unique_ptr<CpuAttester>> make_cpu_attester(const CpuCapability& cap,
                                                         const CpuCollectOptions& options = {});

struct GpuCollectOptions {
  // NVML is tried when root is "/" or nvml.library is not the default name (a test's library).
  NvmlOptions nvml;
  NvattestOptions nvattest;
};

// NVML when its library loads and has every function the collector needs, else nvattest found on
// PATH under `root` (or at nvattest.path). Fails with not_found, naming why neither can be used.
StatusOr<std::unique_ptr<GpuAttester>> make_gpu_attester(const std::string& root = "/",
                                                         const GpuCollectOptions& options = {});

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_COLLECT_H_
