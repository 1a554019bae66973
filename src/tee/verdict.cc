#include "zkcc/tee/verdict.h"

#include <algorithm>

namespace zkcc::tee {

bool Verdict::ok() const {
  if (checks.empty()) return false;
  for (const Check& c : checks) {
    if (!c.ok) return false;
  }
  return true;
}

void Verdict::add(std::string name, bool passed, std::string detail) {
  checks.push_back({std::move(name), passed, std::move(detail)});
}

void Verdict::merge(const Verdict& sub, const std::string& prefix) {
  for (const Check& c : sub.checks) add(prefix + ": " + c.name, c.ok, c.detail);
  claims[prefix] = sub.claims;
  if (level.empty()) level = sub.level;
  if (policy.empty()) policy = sub.policy;
  extra_roots = std::max(extra_roots, sub.extra_roots);
}

const Check* Verdict::first_failure() const {
  for (const Check& c : checks) {
    if (!c.ok) return &c;
  }
  return nullptr;
}

nlohmann::json Verdict::to_json() const {
  nlohmann::json cs = nlohmann::json::array();
  for (const Check& c : checks) cs.push_back({{"name", c.name}, {"ok", c.ok}, {"detail", c.detail}});
  nlohmann::json j = {{"kind", kind}, {"ok", ok()}, {"checks", cs}, {"claims", claims}};
  if (!level.empty()) j["level"] = level;
  j["policy"] = policy.empty() ? nlohmann::json(nullptr) : nlohmann::json(policy);
  j["test_roots_trusted"] = extra_roots;
  return j;
}

std::string Verdict::summary() const {
  std::string out = kind + ": " + (ok() ? "VERIFIED" : "REJECTED") + (level.empty() ? "" : " at level " + level) + " (" +
                    std::to_string(checks.size()) + " checks)\n";
  if (level == "zk-only") out += "  no CPU or GPU evidence: no platform was attested or checked\n";
  out += "  policy: " + (policy.empty() ? std::string("none applied") : policy) + "\n";
  if (extra_roots > 0) {
    out += "  trusted " + std::to_string(extra_roots) + " test root(s) beside the vendor roots: this does not show real hardware\n";
  }
  for (const Check& c : checks) {
    if (!c.ok) out += "  failed: " + c.name + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  }
  return out;
}

}  // namespace zkcc::tee
