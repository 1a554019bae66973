// Which collectors `attest` and `prove` use: the choice the server makes too (service/attesters.h),
// from the command line's flags.
#include "cli.h"

#include "zkcc/tee/sim/platform.h"

namespace zkcc::cli {

namespace {

std::string sim_dir(const AttestArgs& a) { return a.sim_dir.empty() ? "zkcc-sim" : a.sim_dir; }

}  // namespace

std::string first_run_note(const AttestArgs& a) {
  if (a.level == "zk-only" || a.platform != "sim" || tee::sim::SimPlatform::is_created(sim_dir(a))) return "";
  return "generating simulated platform keys in " + sim_dir(a) + " (first run)";
}

StatusOr<service::Attesters> make_attesters(const AttestArgs& a) {
  if (a.level == "zk-only") return service::Attesters{};  // never touch a device when no evidence is wanted
  service::PlatformOptions o;
  o.platform = a.platform;
  o.sim_dir = sim_dir(a);
  o.sim_cpu = a.sim_cpu == "none" ? tee::CpuPlatform::kNone
              : a.sim_cpu == "tdx" ? tee::CpuPlatform::kTdx
                                   : tee::CpuPlatform::kSevSnp;
  o.sim_gpus = a.sim_gpus;
  o.root = a.root;
  o.collateral_cache = a.collateral_cache;
  return service::make_attesters(o);
}

}  // namespace zkcc::cli
