#include "zkcc/tee/capability.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace zkcc::tee {
namespace {

namespace fs = std::filesystem;

fs::path under(const std::string& root, std::string_view path) {
  return fs::path(root) / fs::path(path).relative_path();
}

bool path_exists(const fs::path& p) {
  std::error_code ec;
  return fs::exists(p, ec);
}

bool openable(const fs::path& p) {
  int fd = ::open(p.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// The "flags" line of /proc/cpuinfo; SNP and TDX guests advertise sev_snp / tdx_guest there.
std::string cpu_flags(const std::string& root) {
  std::ifstream in(under(root, "/proc/cpuinfo"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) == 0) return " " + line.substr(line.find(':') + 1) + " ";
  }
  return "";
}

// The first line of a small sysfs or procfs file, "" when absent.
std::string first_line(const fs::path& p) {
  std::ifstream in(p);
  std::string line;
  std::getline(in, line);
  return line;
}

// Azure confidential VMs run the guest behind a paravisor: neither guest device exists, and the
// SNP report or TDREPORT is reached through the vTPM's NV indices. The DMI vendor names the cloud
// and the CPU vendor the TEE; whether the HCL NV index exists is only known by asking the TPM, at
// attestation time (a Trusted Launch VM has a vTPM without one).
bool detect_azure(const std::string& root, CpuCapability& cpu) {
  if (first_line(under(root, "/sys/class/dmi/id/sys_vendor")) != "Microsoft Corporation") return false;
  fs::path tpm = under(root, "/dev/tpmrm0");
  if (!path_exists(tpm)) {
    cpu.notes.push_back("an Azure VM without /dev/tpmrm0: no vTPM, so no confidential-VM evidence");
    return false;
  }
  std::ifstream in(under(root, "/proc/cpuinfo"));
  std::string line, vendor;
  while (vendor.empty() && std::getline(in, line)) {
    if (line.rfind("vendor_id", 0) == 0) vendor = line.substr(line.find(':') + 1);
  }
  if (vendor.find("AuthenticAMD") != std::string::npos) {
    cpu.platform = CpuPlatform::kAzureSnpVtpm;
  } else if (vendor.find("GenuineIntel") != std::string::npos) {
    cpu.platform = CpuPlatform::kAzureTdxVtpm;
  } else {
    cpu.notes.push_back("an Azure VM with a vTPM on an unknown CPU vendor");
    return false;
  }
  cpu.interface = CpuInterface::kVtpm;
  cpu.device = tpm.string();
  cpu.device_available = openable(tpm);
  cpu.notes.push_back(cpu.device_available ? "Azure vTPM: the HCL report (NV index 0x01400001) is read at attestation time"
                                           : cpu.device + " exists but cannot be opened (tss group?)");
  return true;
}

CpuCapability detect_cpu(const std::string& root) {
  CpuCapability cpu;
  std::string flags = cpu_flags(root);
  bool snp_flag = flags.find(" sev_snp ") != std::string::npos;
  bool tdx_flag = flags.find(" tdx_guest ") != std::string::npos;
  fs::path sev = under(root, "/dev/sev-guest");
  fs::path tdx = under(root, "/dev/tdx_guest");
  fs::path tsm = under(root, "/sys/kernel/config/tsm/report");

  if (path_exists(sev) || snp_flag) {
    cpu.platform = CpuPlatform::kSevSnp;
  } else if (path_exists(tdx) || tdx_flag) {
    cpu.platform = CpuPlatform::kTdx;
  }
  bool guest_device = path_exists(sev) || path_exists(tdx) || path_exists(tsm);
  if (!guest_device && detect_azure(root, cpu)) return cpu;
  if (cpu.platform == CpuPlatform::kNone) {
    cpu.notes.push_back("no /dev/sev-guest, /dev/tdx_guest or sev_snp/tdx_guest CPU flag: not a confidential VM");
    return cpu;
  }
  // configfs-tsm is the kernel's preferred, vendor-neutral interface; the ioctl device is the fallback.
  if (path_exists(tsm)) {
    cpu.interface = CpuInterface::kConfigfsTsm;
    cpu.device = tsm.string();
    cpu.device_available = ::access(tsm.c_str(), W_OK) == 0;
    if (!cpu.device_available) cpu.notes.push_back(cpu.device + " is not writable by this user");
  } else {
    fs::path dev = cpu.platform == CpuPlatform::kSevSnp ? sev : tdx;
    if (path_exists(dev)) {
      cpu.interface = CpuInterface::kIoctl;
      cpu.device = dev.string();
      cpu.device_available = openable(dev);
      if (!cpu.device_available) cpu.notes.push_back(cpu.device + " exists but cannot be opened (permissions?)");
    } else {
      cpu.notes.push_back("the CPU reports a confidential guest but neither configfs-tsm nor " + dev.string() +
                          " is present (guest driver not loaded?)");
    }
  }
  return cpu;
}

// NVML's ABI, declared here so the build needs no NVIDIA headers or libraries.
using nvmlReturn_t = int;
using nvmlDevice_t = void*;
struct NvmlConfComputeSystemState {
  unsigned environment;
  unsigned cc_feature;
  unsigned dev_tools_mode;
};
struct NvmlConfComputeSystemCaps {
  unsigned cpu_caps;
  unsigned gpus_caps;
};
constexpr unsigned kNvmlCcGpusCapable = 1;
constexpr unsigned kNvmlCcEnvironmentNone = 0;
constexpr unsigned kNvmlCcFeatureEnabled = 1;
constexpr unsigned kNvmlCcReady = 1;

void detect_nvml(GpuCapability& gpu, const std::string& library) {
  void* lib = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    gpu.nvml_status = library + " not found (no NVIDIA driver)";
    return;
  }
  auto sym = [lib](const char* name) { return ::dlsym(lib, name); };
  auto init = reinterpret_cast<nvmlReturn_t (*)()>(sym("nvmlInit_v2"));
  auto shutdown = reinterpret_cast<nvmlReturn_t (*)()>(sym("nvmlShutdown"));
  auto count = reinterpret_cast<nvmlReturn_t (*)(unsigned*)>(sym("nvmlDeviceGetCount_v2"));
  auto handle = reinterpret_cast<nvmlReturn_t (*)(unsigned, nvmlDevice_t*)>(sym("nvmlDeviceGetHandleByIndex_v2"));
  auto name = reinterpret_cast<nvmlReturn_t (*)(nvmlDevice_t, char*, unsigned)>(sym("nvmlDeviceGetName"));
  auto cc_state = reinterpret_cast<nvmlReturn_t (*)(NvmlConfComputeSystemState*)>(sym("nvmlSystemGetConfComputeState"));
  auto cc_ready = reinterpret_cast<nvmlReturn_t (*)(unsigned*)>(sym("nvmlSystemGetConfComputeGpusReadyState"));
  auto cc_caps = reinterpret_cast<nvmlReturn_t (*)(NvmlConfComputeSystemCaps*)>(sym("nvmlSystemGetConfComputeCapabilities"));
  if (init == nullptr || shutdown == nullptr || count == nullptr) {
    gpu.nvml_status = library + " lacks nvmlInit_v2/nvmlDeviceGetCount_v2";
    ::dlclose(lib);
    return;
  }
  if (nvmlReturn_t rc = init(); rc != 0) {
    gpu.nvml_status = "nvmlInit_v2 failed with NVML error " + std::to_string(rc);
    ::dlclose(lib);
    return;
  }
  gpu.nvml_available = true;
  gpu.nvml_status = "loaded";
  unsigned n = 0;
  if (count(&n) == 0) gpu.device_count = n;
  for (unsigned i = 0; i < gpu.device_count && handle != nullptr && name != nullptr; ++i) {
    nvmlDevice_t dev = nullptr;
    char buf[96] = {};
    if (handle(i, &dev) == 0 && name(dev, buf, sizeof buf - 1) == 0) gpu.device_names.emplace_back(buf);
  }
  NvmlConfComputeSystemState st{};
  if (cc_state != nullptr && cc_state(&st) == 0) {
    gpu.cc_supported = st.environment != kNvmlCcEnvironmentNone;
    gpu.cc_active = st.cc_feature == kNvmlCcFeatureEnabled;
  }
  unsigned ready = 0;
  if (cc_ready != nullptr && cc_ready(&ready) == 0) gpu.cc_ready = ready == kNvmlCcReady;
  NvmlConfComputeSystemCaps caps{};
  if (cc_caps != nullptr && cc_caps(&caps) == 0) gpu.cc_capable = caps.gpus_caps == kNvmlCcGpusCapable;
  shutdown();
  ::dlclose(lib);
}

bool on_path(const std::string& root, const std::string& exe) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (dir.empty()) continue;
    fs::path p = under(root, dir) / exe;
    if (::access(p.c_str(), X_OK) == 0) return true;
  }
  return false;
}

}  // namespace

std::string_view cpu_platform_name(CpuPlatform p) {
  switch (p) {
    case CpuPlatform::kNone: return "none";
    case CpuPlatform::kSevSnp: return "sev-snp";
    case CpuPlatform::kTdx: return "tdx";
    case CpuPlatform::kAzureSnpVtpm: return "azure-snp-vtpm";
    case CpuPlatform::kAzureTdxVtpm: return "azure-tdx-vtpm";
  }
  return "unknown";
}

std::string_view cpu_platform_label(CpuPlatform p) {
  switch (p) {
    case CpuPlatform::kNone: return "";
    case CpuPlatform::kSevSnp: return "SEV-SNP";
    case CpuPlatform::kTdx: return "TDX";
    case CpuPlatform::kAzureSnpVtpm: return "Azure SEV-SNP vTPM";
    case CpuPlatform::kAzureTdxVtpm: return "Azure TDX vTPM";
  }
  return "unknown CPU platform";
}

std::string_view cpu_interface_name(CpuInterface i) {
  switch (i) {
    case CpuInterface::kNone: return "none";
    case CpuInterface::kConfigfsTsm: return "configfs-tsm";
    case CpuInterface::kIoctl: return "ioctl";
    case CpuInterface::kVtpm: return "vtpm";
  }
  return "unknown";
}

FullStackCapability detect(const DetectOptions& options) {
  FullStackCapability cap;
  cap.cpu = detect_cpu(options.root);
  if (options.probe_nvml) {
    detect_nvml(cap.gpu, options.nvml_library);
  } else {
    cap.gpu.nvml_status = "not probed";
  }
  cap.gpu.nvattest_available = on_path(options.root, "nvattest");
  return cap;
}

bool cpu_tee_usable(const FullStackCapability& cap) { return cap.cpu.device_available; }

bool gpu_tee_usable(const FullStackCapability& cap) {
  return cap.gpu.cc_active && cap.gpu.cc_ready && (cap.gpu.nvml_available || cap.gpu.nvattest_available);
}

LevelAdvice recommend_level(const FullStackCapability& cap) {
  const bool cpu = cpu_tee_usable(cap);
  const bool gpu = gpu_tee_usable(cap);
  const std::string cpu_name(cpu_platform_name(cap.cpu.platform));
  if (cpu && gpu) return {"full-cc", "the CPU TEE (" + cpu_name + ") and the GPUs in CC mode can both attest"};
  // Why the side that cannot attest does not, so that the reason says what to fix.
  std::string gpu_why = !cap.gpu.cc_active   ? "no GPU in CC mode"
                        : !cap.gpu.cc_ready  ? "the GPUs are in CC mode but not ready"
                                             : "no GPU evidence collector (NVML or nvattest)";
  std::string cpu_why = cap.cpu.platform == CpuPlatform::kNone ? "no CPU TEE"
                        : "the CPU TEE (" + cpu_name + ") has no usable device" +
                              (cap.cpu.device.empty() ? std::string() : " (" + cap.cpu.device + ")");
  if (cpu) return {"tee", "the CPU TEE (" + cpu_name + ") can attest; " + gpu_why};
  if (gpu) return {"tee", "the GPUs in CC mode can attest; " + cpu_why};
  return {"zk-only", cpu_why + " and " + gpu_why + ": the proof is the only guarantee"};
}

std::string capability_to_json(const FullStackCapability& cap) {
  nlohmann::json j;
  j["cpu"] = {{"platform", cpu_platform_name(cap.cpu.platform)},
              {"interface", cpu_interface_name(cap.cpu.interface)},
              {"device", cap.cpu.device},
              {"device_available", cap.cpu.device_available},
              {"notes", cap.cpu.notes}};
  j["gpu"] = {{"nvml_available", cap.gpu.nvml_available},
              {"nvml_status", cap.gpu.nvml_status},
              {"device_count", cap.gpu.device_count},
              {"device_names", cap.gpu.device_names},
              {"cc_capable", cap.gpu.cc_capable},
              {"cc_supported", cap.gpu.cc_supported},
              {"cc_active", cap.gpu.cc_active},
              {"cc_ready", cap.gpu.cc_ready},
              {"nvattest_available", cap.gpu.nvattest_available}};
  j["full_stack_cc"] = cap.full_stack();
  LevelAdvice advice = recommend_level(cap);
  j["recommended_level"] = advice.level;
  j["recommended_level_reason"] = advice.reason;
  return j.dump(2);
}

}  // namespace zkcc::tee
