// Which collectors `attest` uses: the hardware this machine has (detected under --root), or the
// simulated platform, only when --platform sim asks for it.
#include "cli.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/collect/collect.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::cli {

StatusOr<Attesters> make_attesters(const AttestArgs& a) {
  Attesters out;
  if (a.level == "zk-only") return out;  // never touch a device when no evidence is wanted
  if (a.platform == "sim") {
    ZKCC_ASSIGN_OR_RETURN(tee::sim::SimPlatform sim, tee::sim::SimPlatform::open(a.sim_dir.empty() ? "zkcc-sim" : a.sim_dir));
    if (a.sim_cpu != "none") {
      auto kind = a.sim_cpu == "tdx" ? tee::CpuPlatform::kTdx : tee::CpuPlatform::kSevSnp;
      ZKCC_ASSIGN_OR_RETURN(out.cpu, tee::sim::make_cpu_attester(sim, kind));
    }
    if (a.sim_gpus > 0) {
      ZKCC_ASSIGN_OR_RETURN(out.gpu, tee::sim::make_gpu_attester(sim, a.sim_gpus));
    }
    return out;
  }
  tee::DetectOptions detect;
  detect.root = a.root;
  detect.probe_nvml = a.root == "/";
  tee::FullStackCapability cap = tee::detect(detect);
  // What the machine has must work: a TEE that is present but unusable is an error, not a
  // silent downgrade to fewer guarantees.
  if (cap.cpu.platform != tee::CpuPlatform::kNone) {
    tee::collect::CpuCollectOptions o;
    o.root = a.root;
    ZKCC_ASSIGN_OR_RETURN(out.cpu, tee::collect::make_cpu_attester(cap.cpu, o));
  }
  if (cap.gpu.cc_active) {
    ZKCC_ASSIGN_OR_RETURN(out.gpu, tee::collect::make_gpu_attester(a.root));
  }
  return out;
}

}  // namespace zkcc::cli
