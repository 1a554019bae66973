// NVIDIA GPU evidence through the nvattest CLI of NVIDIA's attestation SDK (nv-attestation-cli),
// for hosts where NVML cannot be loaded into this process. It runs, with posix_spawn and no shell:
//   nvattest collect-evidence --device gpu --nonce <64 hex digits> --format json
// (--format is nvattest's global output option, default "text"; the CLI accepts it after the
// subcommand). The CLI exits with its SDK result code and prints one JSON document on stdout:
//   {"evidences": [{"arch", "nonce": hex, "evidence": base64 report, "certificate": base64 PEM
//                   chain, ...}, ...], "result_code": 0, "result_message": "Ok"}
// (logs go to stderr). The bare evidence array, NVIDIA's serialized form, is accepted as well.
// Only the evidence is taken from the output: each report must parse and carry the nonce, and its
// chain is re-encoded leaf first; nothing else the tool prints is trusted.
#ifndef ZKCC_TEE_COLLECT_NVATTEST_H_
#define ZKCC_TEE_COLLECT_NVATTEST_H_

#include <chrono>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

struct NvattestOptions {
  std::string path;  // the executable; empty: the first "nvattest" in $PATH, each entry under root
  std::chrono::milliseconds timeout{120000};
  size_t max_output_bytes = 4 * 1024 * 1024;
  bool format_flag = true;  // pass --format json (for builds that print JSON only, set false)
  unsigned max_gpus = 64;
};

// options.path when set (it must be executable), else the first executable <root>/<dir>/nvattest
// for the directories of $PATH (/usr/local/bin:/usr/bin:/bin when unset).
StatusOr<std::string> find_nvattest(const std::string& root, const NvattestOptions& options = {});

// The GPUs of collect-evidence's JSON output, in order (index = position), source "nvattest" and
// name the reported architecture ("HOPPER").
StatusOr<std::vector<GpuEvidence>> parse_nvattest_evidence(std::string_view json, std::span<const uint8_t, 32> nonce,
                                                           unsigned max_gpus = 64);

class NvattestAttester : public GpuAttester {
 public:
  NvattestAttester(std::string executable, NvattestOptions options = {});
  // Fails on a spawn failure, a timeout, output over the bound, a non-zero exit, or output that
  // parse_nvattest_evidence rejects; messages carry the exit status and the end of stderr.
  StatusOr<std::vector<GpuEvidence>> attest(std::span<const uint8_t, 32> nonce) override;

 private:
  std::string executable_;
  NvattestOptions options_;
};

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_NVATTEST_H_
