#include "zkcc/service/attesters.h"

#include "zkcc/tee/collect/collect.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::service {

Status check_platform_options(const PlatformOptions& o) {
  if (o.platform != "auto" && o.platform != "sim") {
    return invalid_argument("unknown platform '" + o.platform + "' (auto or sim)");
  }
  if (o.sim_cpu != tee::CpuPlatform::kNone && o.sim_cpu != tee::CpuPlatform::kSevSnp &&
      o.sim_cpu != tee::CpuPlatform::kTdx) {
    return invalid_argument("the simulated platform has an SEV-SNP or a TDX CPU, or none");
  }
  if (o.sim_gpus > tee::sim::kMaxGpus) {
    return invalid_argument("the simulated platform has at most " + std::to_string(tee::sim::kMaxGpus) + " GPUs");
  }
  return ok_status();
}

StatusOr<Attesters> make_attesters(const PlatformOptions& o) {
  ZKCC_RETURN_IF_ERROR(check_platform_options(o));
  Attesters out;
  if (o.platform == "sim") {
    ZKCC_ASSIGN_OR_RETURN(tee::sim::SimPlatform sim, tee::sim::SimPlatform::open(o.sim_dir));
    if (o.sim_cpu != tee::CpuPlatform::kNone) {
      ZKCC_ASSIGN_OR_RETURN(out.cpu, tee::sim::make_cpu_attester(sim, o.sim_cpu));
    }
    if (o.sim_gpus > 0) {
      ZKCC_ASSIGN_OR_RETURN(out.gpu, tee::sim::make_gpu_attester(sim, o.sim_gpus));
    }
    return out;
  }
  tee::DetectOptions detect;
  detect.root = o.root;
  detect.probe_nvml = o.root == "/";
  tee::FullStackCapability cap = tee::detect(detect);
  if (cap.cpu.platform != tee::CpuPlatform::kNone) {
    tee::collect::CpuCollectOptions c;
    c.root = o.root;
    c.collateral_cache = o.collateral_cache;
    ZKCC_ASSIGN_OR_RETURN(out.cpu, tee::collect::make_cpu_attester(cap.cpu, c));
  }
  if (cap.gpu.cc_active) {
    ZKCC_ASSIGN_OR_RETURN(out.gpu, tee::collect::make_gpu_attester(o.root));
  }
  return out;
}

StatusOr<std::vector<tee::Certificate>> platform_roots(const PlatformOptions& o) {
  ZKCC_RETURN_IF_ERROR(check_platform_options(o));
  std::vector<tee::Certificate> out;
  if (o.platform != "sim") return out;
  ZKCC_ASSIGN_OR_RETURN(tee::sim::SimPlatform sim, tee::sim::SimPlatform::open(o.sim_dir));
  tee::sim::SimRoots r = sim.roots();
  out = r.amd;
  out.insert(out.end(), r.intel.begin(), r.intel.end());
  out.insert(out.end(), r.nvidia.begin(), r.nvidia.end());
  return out;
}

}  // namespace zkcc::service
