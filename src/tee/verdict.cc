#include "zkcc/tee/verdict.h"

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
  return {{"kind", kind}, {"ok", ok()}, {"checks", cs}, {"claims", claims}};
}

std::string Verdict::summary() const {
  std::string out = kind + ": " + (ok() ? "VERIFIED" : "REJECTED") + " (" + std::to_string(checks.size()) + " checks)\n";
  for (const Check& c : checks) {
    if (!c.ok) out += "  failed: " + c.name + (c.detail.empty() ? "" : ": " + c.detail) + "\n";
  }
  return out;
}

}  // namespace zkcc::tee
