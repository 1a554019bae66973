// The one shape every verifier returns: each check with pass/fail and a reason, and the claims
// extracted from the evidence.
#ifndef ZKCC_TEE_VERDICT_H_
#define ZKCC_TEE_VERDICT_H_

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace zkcc::tee {

struct Check {
  std::string name;
  bool ok = false;
  std::string detail;
};

struct Verdict {
  std::string kind;  // "sev-snp", "tdx", ...
  std::vector<Check> checks;
  nlohmann::json claims = nlohmann::json::object();
  // The security level the verified evidence reached ("zk-only", "tee", "full-cc"); empty when
  // the verdict is not about a level.
  std::string level;
  // The policy the claims were judged with (Policy::name); empty when none was applied.
  std::string policy;
  // How many roots beside the compiled-in vendor roots (test or simulated roots) were trusted.
  size_t extra_roots = 0;
  // What the evidence came from, for the summary line: the CPU platform ("SEV-SNP", "TDX",
  // "Azure SEV-SNP vTPM", "Azure TDX vTPM"; empty: none) and one model per GPU ("H100", "B200").
  std::string cpu_platform;
  std::vector<std::string> gpu_models;

  // True only when there is at least one check and every check passed.
  bool ok() const;
  void add(std::string name, bool ok, std::string detail = "");
  // Appends the checks of `sub`, named "<prefix>: <check>", and puts its claims under claims[prefix];
  // takes its level, policy, extra roots and CPU platform where this verdict names none, and adds
  // its GPU models to this verdict's.
  void merge(const Verdict& sub, const std::string& prefix);
  // The first failed check, or nullptr.
  const Check* first_failure() const;
  // The checks, claims, level, policy, test roots and the summary line ("summary").
  nlohmann::json to_json() const;
  // One line: the result, the level and what reached it, and whether test roots were trusted:
  //   VERIFIED: full-cc, SEV-SNP + 1 H100
  //   VERIFIED: tee, TDX, SIMULATED test roots
  //   VERIFIED: zk-only, NO hardware attestation
  //   REJECTED: full-cc, TDX + 2 H100 (failed: cpu: report signature; GPU-1: nonce is the expected one)
  // A verdict without a level names its kind in the level's place.
  std::string summary_line() const;
  // For people: summary_line(), then what was checked, the policy, the test roots and each failed
  // check with its reason, one per line.
  std::string summary() const;
};

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_VERDICT_H_
