// Which collectors a prover attests with: the hardware this machine has, or the simulated platform,
// which is used only when named. The command line and the server make the same choice here.
#ifndef ZKCC_SERVICE_ATTESTERS_H_
#define ZKCC_SERVICE_ATTESTERS_H_

#include <memory>
#include <string>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/evidence.h"
#include "zkcc/tee/x509.h"

namespace zkcc::service {

struct PlatformOptions {
  std::string platform = "auto";  // "auto": this machine's hardware; "sim": the simulated platform
  std::string sim_dir = "zkcc-sim";  // sim: where its keys and roots live
  tee::CpuPlatform sim_cpu = tee::CpuPlatform::kSevSnp;  // sim: kSevSnp, kTdx or kNone
  unsigned sim_gpus = 1;                                  // sim: how many GPUs (0: none)
  std::string root = "/";  // auto: the system root devices are found under
  // auto, SEV-SNP: the collateral cache whose AMD CRL travels in the bundle (collect.h); "": none.
  std::string collateral_cache;
};

// Refuses a platform other than "auto" or "sim", and a simulated CPU other than SEV-SNP, TDX or none.
Status check_platform_options(const PlatformOptions& options);

struct Attesters {
  std::unique_ptr<tee::CpuAttester> cpu;  // null: no CPU TEE
  std::unique_ptr<tee::GpuAttester> gpu;  // null: no GPU in confidential-computing mode
};

// The simulated platform's collectors, or the real ones for what detection finds. A TEE that is
// present but cannot be used is an error, never a silent downgrade to fewer guarantees.
StatusOr<Attesters> make_attesters(const PlatformOptions& options);

// The roots a verifier of this platform's evidence trusts beside the vendors' compiled-in ones:
// the simulated platform's roots (creating the platform if needed) for "sim", none for "auto".
StatusOr<std::vector<tee::Certificate>> platform_roots(const PlatformOptions& options);

}  // namespace zkcc::service

#endif  // ZKCC_SERVICE_ATTESTERS_H_
