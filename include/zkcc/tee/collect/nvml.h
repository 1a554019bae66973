// NVIDIA GPU evidence through NVML (nvml.h, driver R535+), loaded with dlopen so that building
// needs no NVIDIA headers or libraries. attest(nonce):
//   nvmlInit_v2; nvmlSystemGetConfComputeState {environment, ccFeature, devToolsMode} must have
//   ccFeature enabled; nvmlSystemGetConfComputeGpusReadyState must be accepting work when
//   require_ready is set; then for each index of nvmlDeviceGetCount_v2:
//     nvmlDeviceGetHandleByIndex_v2, nvmlDeviceGetName (96-byte buffer),
//     nvmlDeviceGetConfComputeGpuAttestationReport with nvmlConfComputeGpuAttestationReport_t
//       {isCecAttestationReportPresent u32, attestationReportSize u32, cecAttestationReportSize u32,
//        nonce[32] (in), attestationReport[8192], cecAttestationReport[4096]}: the report is the
//       first attestationReportSize bytes, the SPDM GET_MEASUREMENTS request || response that
//       nvidia_gpu/report.h parses;
//     nvmlDeviceGetConfComputeGpuCertificate with nvmlConfComputeGpuCertificate_t
//       {certChainSize u32, attestationCertChainSize u32, certChain[4096],
//        attestationCertChain[5120]}: the attestation chain, PEM leaf first as drivers return it;
//   nvmlShutdown, always. Every size the library reports is checked against its array, and each
//   report must parse and carry the nonce.
#ifndef ZKCC_TEE_COLLECT_NVML_H_
#define ZKCC_TEE_COLLECT_NVML_H_

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

inline constexpr const char* kNvmlLibrary = "libnvidia-ml.so.1";

struct NvmlOptions {
  std::string library = kNvmlLibrary;  // a name for the loader's search, or a path
  // NVIDIA's flow attests the GPUs before an administrator sets them ready (nvidia-smi conf-compute
  // -srs 1), so by default GPUs in CC mode are attested whether or not they are ready yet; true
  // refuses GPUs that do not accept work.
  bool require_ready = false;
  unsigned max_gpus = 64;
};

class NvmlAttester : public GpuAttester {
 public:
  // Loads the library and resolves its functions; fails with not_found when it does not load and
  // failed_precondition when a function is missing (a driver without confidential computing).
  static StatusOr<std::unique_ptr<NvmlAttester>> load(const NvmlOptions& options = {});
  ~NvmlAttester() override;
  NvmlAttester(const NvmlAttester&) = delete;
  NvmlAttester& operator=(const NvmlAttester&) = delete;

  StatusOr<std::vector<GpuEvidence>> attest(std::span<const uint8_t, 32> nonce) override;

 private:
  struct Api;  // the resolved functions
  NvmlAttester(void* handle, std::unique_ptr<Api> api, NvmlOptions options);
  void* handle_;
  std::unique_ptr<Api> api_;
  NvmlOptions options_;
};

// A certificate chain as a driver or tool hands it over (a PEM bundle, or DER certificates one
// after another) as PEM, leaf first: a chain given root first is reversed. Fails when a certificate
// is malformed or the certificates do not form one issuer chain.
StatusOr<std::string> leaf_first_pem_chain(std::span<const uint8_t> chain);

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_NVML_H_
