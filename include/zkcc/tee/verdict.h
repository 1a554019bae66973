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

  // True only when there is at least one check and every check passed.
  bool ok() const;
  void add(std::string name, bool ok, std::string detail = "");
  // Appends the checks of `sub`, named "<prefix>: <check>", and puts its claims under claims[prefix];
  // takes its level, policy and extra roots where this verdict names none.
  void merge(const Verdict& sub, const std::string& prefix);
  // The first failed check, or nullptr.
  const Check* first_failure() const;
  nlohmann::json to_json() const;
  // A few lines for people: the overall result, then each failed check.
  std::string summary() const;
};

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_VERDICT_H_
