#include "zkcc/tee/collect/collect.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "zkcc/tee/azure/vtpm.h"
#include "zkcc/tee/collect/configfs_tsm.h"
#include "zkcc/tee/collect/sev_guest.h"
#include "zkcc/tee/collect/snp_crl.h"

namespace zkcc::tee::collect {
namespace {

class SystemDeviceIo : public DeviceIo {
 public:
  int open(const std::string& path, int flags) override {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  }
  int ioctl(int fd, unsigned long request, void* arg) override {
    int rc = ::ioctl(fd, request, arg);
    return rc < 0 ? -errno : rc;
  }
  int close(int fd) override { return ::close(fd) < 0 ? -errno : 0; }
};

std::string under(const std::string& root, std::string_view path) {
  return (std::filesystem::path(root) / std::filesystem::path(path).relative_path()).string();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

std::string notes_of(const CpuCapability& cap) {
  std::string s;
  for (const std::string& n : cap.notes) s += (s.empty() ? " (" : "; ") + n;
  return s.empty() ? s : s + ")";
}

}  // namespace

DeviceIo& system_device_io() {
  static SystemDeviceIo io;
  return io;
}

namespace {

StatusOr<std::unique_ptr<CpuAttester>> make_hardware_attester(const CpuCapability& cap, const CpuCollectOptions& options) {
  switch (cap.platform) {
    case CpuPlatform::kNone:
      return failed_precondition("no confidential-computing CPU was detected" + notes_of(cap));
    case CpuPlatform::kAzureSnpVtpm:
    case CpuPlatform::kAzureTdxVtpm: {
      // Behind Azure's paravisor the hardware report is only reachable through the vTPM.
      ZKCC_ASSIGN_OR_RETURN(std::unique_ptr<azure::VtpmAttester> vtpm, azure::VtpmAttester::open(options.vtpm));
      return std::unique_ptr<CpuAttester>(std::move(vtpm));
    }
    case CpuPlatform::kSevSnp:
    case CpuPlatform::kTdx: break;
  }
  if (options.vmpl && *options.vmpl > 3) return invalid_argument("VMPL " + std::to_string(*options.vmpl) + " is out of range (0-3)");
  if (cap.interface == CpuInterface::kConfigfsTsm && cap.device_available) {
    ConfigfsTsmOptions o;
    if (cap.platform == CpuPlatform::kSevSnp) o.privlevel = options.vmpl;
    if (cap.platform == CpuPlatform::kTdx) {
      o.event_log = under(options.root, "/sys/firmware/acpi/tables/data/CCEL");
      o.ccel_table = under(options.root, "/sys/firmware/acpi/tables/CCEL");
    }
    o.auxblob = options.snp_certificates;
    return std::unique_ptr<CpuAttester>(new ConfigfsTsmAttester(cap.device, cap.platform, o));
  }
  if (cap.platform == CpuPlatform::kTdx) {
    return failed_precondition(
        "TDX evidence needs configfs-tsm (Linux 6.7+, CONFIG_TSM_REPORTS, configfs mounted at /sys/kernel/config): "
        "/dev/tdx_guest gives only a TDREPORT, which cannot be verified outside the TD" + notes_of(cap));
  }
  // SEV-SNP without a usable configfs-tsm: the ioctl device the capability names, or the usual one.
  std::string device;
  if (cap.interface == CpuInterface::kIoctl) {
    device = cap.device;
  } else if (std::string d = under(options.root, "/dev/sev-guest"); exists(d)) {
    device = d;
  }
  if (device.empty()) {
    return failed_precondition("SEV-SNP guest without a usable configfs-tsm or /dev/sev-guest" + notes_of(cap));
  }
  if (cap.interface == CpuInterface::kIoctl && !cap.device_available) {
    return failed_precondition(device + " cannot be opened" + notes_of(cap));
  }
  SevGuestOptions o;
  o.vmpl = options.vmpl.value_or(0);
  o.extended = options.snp_certificates;
  o.io = options.io;
  return std::unique_ptr<CpuAttester>(new SevGuestAttester(device, o));
}

}  // namespace

StatusOr<std::unique_ptr<CpuAttester>> make_cpu_attester(const CpuCapability& cap, const CpuCollectOptions& options) {
  ZKCC_ASSIGN_OR_RETURN(std::unique_ptr<CpuAttester> attester, make_hardware_attester(cap, options));
  if (options.collateral_cache.empty() || attester->platform() != CpuPlatform::kSevSnp) return attester;
  return std::unique_ptr<CpuAttester>(new SnpCrlAttester(std::move(attester), options.collateral_cache));
}

StatusOr<std::unique_ptr<GpuAttester>> make_gpu_attester(const std::string& root, const GpuCollectOptions& options) {
  std::string nvml_reason;
  if (root == "/" || options.nvml.library != kNvmlLibrary) {
    auto nvml = NvmlAttester::load(options.nvml);
    if (nvml.ok()) return std::unique_ptr<GpuAttester>(std::move(*nvml));
    nvml_reason = nvml.status().message();
  } else {
    nvml_reason = "NVML is not loaded for a system root other than /";
  }
  auto exe = find_nvattest(root, options.nvattest);
  if (exe.ok()) return std::unique_ptr<GpuAttester>(new NvattestAttester(*exe, options.nvattest));
  return not_found("no way to collect GPU evidence: " + nvml_reason + "; " + exe.status().message());
}

}  // namespace zkcc::tee::collect
