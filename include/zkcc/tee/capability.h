// What confidential-computing hardware this machine offers, read from the kernel's interfaces
// under one system root (default "/") so tests can point detection at a fake tree.
#ifndef ZKCC_TEE_CAPABILITY_H_
#define ZKCC_TEE_CAPABILITY_H_

#include <string>
#include <string_view>
#include <vector>

namespace zkcc::tee {

// Azure confidential VMs run the guest behind a paravisor: the SNP report or TDREPORT is reached
// through the vTPM (NV indices), not through /dev/sev-guest or /dev/tdx_guest.
enum class CpuPlatform { kNone, kSevSnp, kTdx, kAzureSnpVtpm, kAzureTdxVtpm };
enum class CpuInterface { kNone, kConfigfsTsm, kIoctl, kVtpm };

std::string_view cpu_platform_name(CpuPlatform p);
// The name people read in a verdict's summary: "SEV-SNP", "TDX", "Azure SEV-SNP vTPM", "Azure TDX vTPM"
// ("" for kNone).
std::string_view cpu_platform_label(CpuPlatform p);
std::string_view cpu_interface_name(CpuInterface i);

struct CpuCapability {
  CpuPlatform platform = CpuPlatform::kNone;
  CpuInterface interface = CpuInterface::kNone;
  std::string device;           // the device node or configfs directory evidence comes from
  bool device_available = false;  // present and openable by this process
  std::vector<std::string> notes;  // why the answer is what it is
};

struct GpuCapability {
  bool nvml_available = false;
  std::string nvml_status;  // "loaded", or why NVML could not be used
  unsigned device_count = 0;
  std::vector<std::string> device_names;
  bool cc_capable = false;    // the GPUs can run in CC mode (an H100 or H200, whatever mode they run in)
  bool cc_supported = false;  // the driver reports a CC environment other than "none"
  bool cc_active = false;     // CC feature enabled
  bool cc_ready = false;      // GPUs accept work in CC mode
  bool nvattest_available = false;
};

struct FullStackCapability {
  CpuCapability cpu;
  GpuCapability gpu;
  bool full_stack() const { return cpu.device_available && gpu.cc_active; }
};

struct DetectOptions {
  std::string root = "/";  // every path is taken relative to this
  bool probe_nvml = true;  // load NVML with dlopen (only meaningful when root is "/")
  std::string nvml_library = "libnvidia-ml.so.1";  // a name for the loader's search, or a path
};

FullStackCapability detect(const DetectOptions& options = {});

// Whether each side can attest now: the CPU TEE's device is there and openable; the GPUs are in
// CC mode, ready, with a collector (NVML or nvattest). The server's /health reads the same.
bool cpu_tee_usable(const FullStackCapability& cap);
bool gpu_tee_usable(const FullStackCapability& cap);

// The --level to prove with on this machine, as scripts/setup_cc.sh advises: full-cc when both
// sides attest, tee when one does, zk-only otherwise; the reason is one line for people.
struct LevelAdvice {
  std::string level;  // "zk-only", "tee" or "full-cc"
  std::string reason;
};
LevelAdvice recommend_level(const FullStackCapability& cap);

// A JSON object with every field above, and recommend_level's as recommended_level and
// recommended_level_reason.
std::string capability_to_json(const FullStackCapability& cap);

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_CAPABILITY_H_
