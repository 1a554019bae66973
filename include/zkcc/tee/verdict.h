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

  // True only when there is at least one check and every check passed.
  bool ok() const;
  void add(std::string name, bool ok, std::string detail = "");
  // Appends the checks of `sub`, named "<prefix>: <check>", and puts its claims under claims[prefix].
  void merge(const Verdict& sub, const std::string& prefix);
  // The first failed check, or nullptr.
  const Check* first_failure() const;
  nlohmann::json to_json() const;
  // A few lines for people: the overall result, then each failed check.
  std::string summary() const;
};

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_VERDICT_H_
