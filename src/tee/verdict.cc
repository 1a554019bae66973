#include "zkcc/tee/verdict.h"

#include <algorithm>

namespace zkcc::tee {
namespace {

// "SEV-SNP + 1 H100", "2 H100", or "NO hardware attestation".
std::string hardware(const std::string& cpu_platform, const std::vector<std::string>& gpu_models) {
  // GPUs counted per model, in the order the models first appear.
  std::vector<std::pair<std::string, size_t>> counts;
  for (const std::string& m : gpu_models) {
    auto it = std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == m; });
    if (it == counts.end()) {
      counts.emplace_back(m, 1);
    } else {
      ++it->second;
    }
  }
  std::string out = cpu_platform;
  for (const auto& [model, n] : counts) out += (out.empty() ? "" : " + ") + std::to_string(n) + " " + model;
  return out.empty() ? "NO hardware attestation" : out;
}

}  // namespace

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
  if (cpu_platform.empty()) cpu_platform = sub.cpu_platform;
  gpu_models.insert(gpu_models.end(), sub.gpu_models.begin(), sub.gpu_models.end());
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
  j["summary"] = summary_line();
  return j;
}

std::string Verdict::summary_line() const {
  std::string out = std::string(ok() ? "VERIFIED" : "REJECTED") + ": " + (level.empty() ? kind : level);
  if (!level.empty()) out += ", " + hardware(cpu_platform, gpu_models);
  if (extra_roots > 0) out += ", SIMULATED test roots";
  if (!ok()) {
    std::string failed;
    for (const Check& c : checks) {
      if (!c.ok) failed += (failed.empty() ? "" : "; ") + c.name;
    }
    out += " (failed: " + (failed.empty() ? std::string("no check was made") : failed) + ")";
  }
  return out;
}

std::string Verdict::summary() const {
  std::string out = summary_line() + "\n";
  out += "  checked: " + kind + ", " + std::to_string(checks.size()) + " checks\n";
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
