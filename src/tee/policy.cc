#include "zkcc/tee/policy.h"

#include <algorithm>
#include <cctype>

namespace zkcc::tee {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& x) { return lower(x) == lower(value); });
}

std::string to_hex_u64(uint64_t x) {
  static const char* kDigits = "0123456789abcdef";
  std::string s = "0x";
  for (int shift = 60; shift >= 0; shift -= 4) s += kDigits[(x >> shift) & 0xF];
  return s;
}

}  // namespace

StatusOr<Policy> Policy::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return invalid_argument("policy must be a JSON object");
  static const std::vector<std::string> kKnown = {"name", "allowed_measurements", "allow_debug", "vmpl", "allow_smt",
                                                  "allow_migration_agent", "minimum_tcb", "accepted_tdx_statuses",
                                                  "expected_report_data", "allowed_gpu_drivers", "require_sept_ve_disable",
                                                  "allow_reserved_td_attributes", "allow_mr_servicetd", "require_event_log",
                                                  "min_level"};
  for (const auto& [key, _] : j.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) return invalid_argument("unknown policy field \"" + key + "\"");
  }
  Policy p;
  try {
    if (j.contains("allowed_measurements")) p.allowed_measurements = j["allowed_measurements"].get<std::vector<std::string>>();
    if (j.contains("allow_debug")) p.allow_debug = j["allow_debug"].get<bool>();
    if (j.contains("name")) p.name = j["name"].get<std::string>();
    // null relaxes the VMPL rule: any VMPL is accepted.
    if (j.contains("vmpl")) p.vmpl = j["vmpl"].is_null() ? std::nullopt : std::optional<uint32_t>(j["vmpl"].get<uint32_t>());
    if (j.contains("allow_smt")) p.allow_smt = j["allow_smt"].get<bool>();
    if (j.contains("allow_migration_agent")) p.allow_migration_agent = j["allow_migration_agent"].get<bool>();
    if (j.contains("minimum_tcb")) {
      const auto& t = j["minimum_tcb"];
      MinimumTcb m;
      m.boot_loader = t.value("boot_loader", uint8_t{0});
      m.tee = t.value("tee", uint8_t{0});
      m.snp = t.value("snp", uint8_t{0});
      m.microcode = t.value("microcode", uint8_t{0});
      m.fmc = t.value("fmc", uint8_t{0});
      p.minimum_tcb = m;
    }
    if (j.contains("accepted_tdx_statuses")) p.accepted_tdx_statuses = j["accepted_tdx_statuses"].get<std::vector<std::string>>();
    if (j.contains("expected_report_data")) p.expected_report_data = j["expected_report_data"].get<std::string>();
    if (j.contains("allowed_gpu_drivers")) p.allowed_gpu_drivers = j["allowed_gpu_drivers"].get<std::vector<std::string>>();
    if (j.contains("require_sept_ve_disable")) p.require_sept_ve_disable = j["require_sept_ve_disable"].get<bool>();
    if (j.contains("allow_reserved_td_attributes")) p.allow_reserved_td_attributes = j["allow_reserved_td_attributes"].get<bool>();
    if (j.contains("allow_mr_servicetd")) p.allow_mr_servicetd = j["allow_mr_servicetd"].get<bool>();
    if (j.contains("require_event_log")) p.require_event_log = j["require_event_log"].get<bool>();
    if (j.contains("min_level")) {
      ZKCC_ASSIGN_OR_RETURN(SecurityLevel level, parse_security_level(j["min_level"].get<std::string>()));
      if (level == SecurityLevel::kAuto) return invalid_argument("policy min_level must be zk-only, tee or full-cc");
      p.min_level = level;
    }
  } catch (const nlohmann::json::exception& e) {
    return invalid_argument(std::string("policy field has the wrong type: ") + e.what());
  }
  return p;
}

nlohmann::json Policy::to_json() const {
  nlohmann::json j = {{"name", name},
                      {"allowed_measurements", allowed_measurements},
                      {"allow_debug", allow_debug},
                      {"allow_smt", allow_smt},
                      {"allow_migration_agent", allow_migration_agent},
                      {"accepted_tdx_statuses", accepted_tdx_statuses},
                      {"allowed_gpu_drivers", allowed_gpu_drivers},
                      {"require_sept_ve_disable", require_sept_ve_disable},
                      {"allow_reserved_td_attributes", allow_reserved_td_attributes},
                      {"allow_mr_servicetd", allow_mr_servicetd},
                      {"require_event_log", require_event_log}};
  j["vmpl"] = vmpl ? nlohmann::json(*vmpl) : nlohmann::json(nullptr);
  if (min_level) j["min_level"] = security_level_name(*min_level);
  if (minimum_tcb) {
    j["minimum_tcb"] = {{"boot_loader", minimum_tcb->boot_loader}, {"tee", minimum_tcb->tee}, {"snp", minimum_tcb->snp},
                        {"microcode", minimum_tcb->microcode}, {"fmc", minimum_tcb->fmc}};
  }
  if (expected_report_data) j["expected_report_data"] = *expected_report_data;
  return j;
}

std::string Policy::summary() const {
  std::string s = allowed_measurements.empty() ? "any measurement" : std::to_string(allowed_measurements.size()) + " allowed measurement(s)";
  s += allow_debug ? ", debug allowed" : ", debug forbidden";
  s += vmpl ? ", VMPL " + std::to_string(*vmpl) : std::string(", any VMPL");
  if (!allow_smt) s += ", SMT forbidden";
  s += allow_migration_agent ? ", migration agent allowed" : ", migration agent forbidden";
  if (minimum_tcb) s += ", minimum TCB set";
  s += ", TDX statuses accepted: ";
  for (size_t i = 0; i < accepted_tdx_statuses.size(); ++i) s += (i ? "/" : "") + accepted_tdx_statuses[i];
  if (expected_report_data) s += ", report data pinned";
  if (!require_sept_ve_disable) s += ", SEPT_VE_DISABLE not required";
  if (allow_reserved_td_attributes) s += ", reserved TD attributes allowed";
  if (allow_mr_servicetd) s += ", MR_SERVICETD allowed";
  if (require_event_log) s += ", TDX CC event log required";
  if (min_level) s += ", minimum level " + std::string(security_level_name(*min_level));
  if (!allowed_gpu_drivers.empty()) s += ", " + std::to_string(allowed_gpu_drivers.size()) + " allowed GPU driver(s)";
  return s;
}

bool Policy::names_cpu_rules() const { return !allowed_measurements.empty() || minimum_tcb.has_value() || require_event_log; }
bool Policy::names_gpu_rules() const { return !allowed_gpu_drivers.empty(); }

void apply_policy(const Policy& p, Verdict& v) {
  v.policy = p.name;
  bool snp = v.kind == "sev-snp" || v.kind == "azure-snp-vtpm";
  bool tdx = v.kind == "tdx" || v.kind == "azure-tdx-vtpm";
  bool gpu = v.kind == "nvidia-gpu";
  // Azure's TDX evidence carries the TD's claims in its TD quote's verdict.
  static const nlohmann::json kNone = nlohmann::json::object();
  const nlohmann::json& c = v.kind == "azure-tdx-vtpm" ? (v.claims.contains("td_quote") ? v.claims["td_quote"] : kNone) : v.claims;
  if (!p.allowed_measurements.empty() && (snp || tdx)) {
    std::string m = c.value(snp ? "measurement" : "mr_td", std::string());
    v.add("policy: measurement allowed", contains(p.allowed_measurements, m), m);
  }
  if (snp || tdx) {
    bool debug = c.value(snp ? "debug_allowed" : "debug", true);
    v.add("policy: debug", p.allow_debug || !debug, debug ? "the guest permits debugging" : "");
  }
  if (snp) {
    if (p.vmpl && !c.contains("vmpl")) {
      // The claims come from a verified report only: nothing to compare before that.
      v.add("policy: VMPL", false, "the report's VMPL is unknown (the report was not verified), policy VMPL " +
                                       std::to_string(*p.vmpl));
    } else if (p.vmpl) {
      uint32_t vmpl = c.value("vmpl", uint32_t{0});
      v.add("policy: VMPL", vmpl == *p.vmpl, "report VMPL " + std::to_string(vmpl) + ", policy VMPL " + std::to_string(*p.vmpl));
    }
    if (!p.allow_smt) v.add("policy: SMT", !c.value("smt_allowed", true), "");
    if (!p.allow_migration_agent) {
      bool ma = c.value("migration_agent_allowed", true);
      v.add("policy: migration agent", !ma, ma ? "the guest policy permits a migration agent" : "");
    }
    if (p.minimum_tcb && c.contains("reported_tcb")) {
      const auto& t = c["reported_tcb"];
      const MinimumTcb& m = *p.minimum_tcb;
      bool ok = t.value("boot_loader", 0) >= m.boot_loader && t.value("tee", 0) >= m.tee && t.value("snp", 0) >= m.snp &&
                t.value("microcode", 0) >= m.microcode && t.value("fmc", 0) >= m.fmc;
      v.add("policy: minimum TCB", ok, ok ? "" : "REPORTED_TCB is below the minimum");
    }
  }
  if (tdx) {
    // A claim that is missing reads as the worst case, so a malformed verdict cannot pass.
    uint64_t attrs = c.value("td_attributes", ~uint64_t{0});
    if (p.require_sept_ve_disable) {
      bool set = (attrs & kTdAttributeSeptVeDisable) != 0;
      v.add("policy: SEPT_VE_DISABLE", set, set ? "" : "TD attribute SEPT_VE_DISABLE (bit 28) is clear: the TD can be sent #VE on EPT violations");
    }
    if (!p.allow_reserved_td_attributes) {
      uint64_t reserved = attrs & ~kTdAttributesDefined;
      v.add("policy: reserved TD attributes", reserved == 0, reserved == 0 ? "" : "reserved TD attribute bits set: " + to_hex_u64(reserved));
    }
    if (!p.allow_mr_servicetd && c.contains("mr_servicetd")) {
      std::string m = c.value("mr_servicetd", std::string());
      bool zero = !m.empty() && m.find_first_not_of('0') == std::string::npos;
      v.add("policy: MR_SERVICETD", zero, zero ? "" : "MR_SERVICETD is " + m + ": a service TD is bound to this TD");
    }
  }
  if (tdx && p.require_event_log) {
    // Set by the event log's checks, which a verified verdict passed: the log replays the RTMRs.
    bool have = c.value("cc_event_log", false);
    v.add("policy: CC event log present", have,
          have ? "" : "the TDX evidence carries no CC event log, so nothing shows what its RTMRs measured");
  }
  if (tdx && c.contains("tcb_status")) {
    std::string s = c["tcb_status"].get<std::string>();
    v.add("policy: TDX TCB status accepted", contains(p.accepted_tdx_statuses, s), s);
  }
  if (p.expected_report_data) {
    std::string have = c.value(gpu ? "nonce" : "report_data", std::string());
    v.add("policy: expected report data", lower(have) == lower(*p.expected_report_data), have);
  }
  if (gpu && !p.allowed_gpu_drivers.empty()) {
    std::string d = c.value("driver_version", std::string());
    v.add("policy: GPU driver allowed", contains(p.allowed_gpu_drivers, d), d);
  }
}

}  // namespace zkcc::tee
