#include "zkcc/tee/bundle.h"

#include <algorithm>
#include <initializer_list>

#include "zkcc/base/json.h"

#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/azure/vtpm.h"
#include "zkcc/tee/low_s.h"
#include "zkcc/tee/sev_snp/collateral.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/tdx/ccel.h"
#include "zkcc/tee/tdx/collateral.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee {
namespace {

using nlohmann::json;

constexpr size_t kMaxGpus = 64;

StatusOr<CpuPlatform> platform_from_name(const std::string& name) {
  for (auto p : {CpuPlatform::kSevSnp, CpuPlatform::kTdx, CpuPlatform::kAzureSnpVtpm, CpuPlatform::kAzureTdxVtpm}) {
    if (cpu_platform_name(p) == name) return p;
  }
  return invalid_argument("bundle names an unknown CPU platform '" + name + "'");
}

StatusOr<std::string> string_field(const json& j, const char* key, const std::string& where) {
  if (!j.contains(key) || !j[key].is_string()) return invalid_argument(where + " has no \"" + key + "\" string");
  return j[key].get<std::string>();
}

StatusOr<Bytes> base64_field(const json& j, const char* key, const std::string& where) {
  ZKCC_ASSIGN_OR_RETURN(std::string text, string_field(j, key, where));
  auto b = from_base64(text);
  if (!b.ok()) return b.status().with_context(where + " \"" + key + "\"");
  return b;
}

StatusOr<Felt252> felt_field(const json& j, const char* key) {
  ZKCC_ASSIGN_OR_RETURN(std::string text, string_field(j, key, "bundle"));
  auto f = Felt252::from_hex(text);
  if (!f.ok()) return f.status().with_context(std::string("bundle \"") + key + "\"");
  return f;
}

// The 64 bytes the CPU evidence was asked to carry.
StatusOr<Bytes> report_data_of(const CpuEvidence& cpu) {
  switch (cpu.platform) {
    case CpuPlatform::kSevSnp: {
      ZKCC_ASSIGN_OR_RETURN(sev_snp::Report r, sev_snp::parse_report(cpu.report));
      return Bytes(r.report_data.begin(), r.report_data.end());
    }
    case CpuPlatform::kTdx: {
      ZKCC_ASSIGN_OR_RETURN(tdx::Quote q, tdx::parse_quote(cpu.report));
      return Bytes(q.body.report_data.begin(), q.body.report_data.end());
    }
    case CpuPlatform::kAzureSnpVtpm:
    case CpuPlatform::kAzureTdxVtpm: {
      auto doc = json::parse(cpu.report.begin(), cpu.report.end(), nullptr, false);
      if (!doc.is_object() || !doc.contains("hcl_report") || !doc["hcl_report"].is_string()) {
        return invalid_argument("Azure evidence has no hcl_report");
      }
      ZKCC_ASSIGN_OR_RETURN(Bytes hcl, from_base64url(doc["hcl_report"].get<std::string>()));
      ZKCC_ASSIGN_OR_RETURN(azure::HclReport parsed, azure::parse_hcl_report(hcl));
      return parsed.user_data;
    }
    case CpuPlatform::kNone: break;
  }
  return invalid_argument("CPU evidence names no platform");
}

// A verdict of the one check that stopped verification.
Verdict stopped(const std::string& check, const Status& why) {
  Verdict v;
  v.add(check, false, why.message());
  return v;
}

// `report_data` is what the CPU evidence must carry; on Azure the TPM quote's nonce derives from it.
Verdict verify_cpu(const CpuEvidence& cpu, const BundleRoots& roots, std::span<const uint8_t, 64> report_data, int64_t at) {
  std::vector<Certificate> certs;
  for (const Bytes& der : cpu.certificates) {
    auto c = Certificate::from_der(der);
    if (!c.ok()) return stopped("CPU certificates parse", c.status());
    certs.push_back(std::move(*c));
  }
  if (cpu.platform == CpuPlatform::kSevSnp) {
    sev_snp::Collateral snp;
    if (!cpu.collateral.empty()) {
      auto parsed = sev_snp::parse_collateral_json(cpu.collateral);
      if (!parsed.ok()) return stopped("SEV-SNP collateral parses", parsed.status());
      snp = std::move(*parsed);
    }
    return sev_snp::verify_report(cpu.report, certs, snp, roots.snp, at);
  }
  std::optional<tdx::Collateral> collateral;
  if (!cpu.collateral.empty()) {
    auto parsed = tdx::parse_collateral_json(cpu.collateral);
    if (!parsed.ok()) return stopped("TDX collateral parses", parsed.status());
    collateral = std::move(*parsed);
  }
  switch (cpu.platform) {
    case CpuPlatform::kTdx: {
      Verdict v = collateral ? tdx::verify_quote(cpu.report, *collateral, roots.tdx, at) : tdx::verify_quote_signatures(cpu.report, roots.tdx, at);
      if (!collateral) v.add("TCB judged against collateral", false, "the bundle carries no TDX collateral");
      if (!cpu.event_log.empty()) tdx::add_event_log_checks(v, cpu.report, cpu.event_log);
      return v;
    }
    case CpuPlatform::kAzureSnpVtpm:
    case CpuPlatform::kAzureTdxVtpm: {
      azure::EvidenceOptions o;
      o.snp_roots = roots.snp;
      o.tdx_roots = roots.tdx;
      o.certs = certs;
      o.collateral = collateral;
      o.expected_nonce = azure::default_quote_nonce(report_data);
      std::string_view text(reinterpret_cast<const char*>(cpu.report.data()), cpu.report.size());
      Verdict v = azure::verify_evidence(text, o, at);
      if (v.kind == "azure-tdx-vtpm" && !collateral) v.add("TCB judged against collateral", false, "the bundle carries no TDX collateral");
      return v;
    }
    case CpuPlatform::kSevSnp:  // judged above, with its own collateral
    case CpuPlatform::kNone: break;
  }
  Verdict v;
  v.add("CPU platform known", false, "");
  return v;
}

// Bundles are read strictly: a key the format does not define is refused rather than ignored, so
// a bundle cannot carry a second meaning beside the one verified.
Status only_keys(const json& j, std::initializer_list<const char*> known, const std::string& where) {
  for (const auto& item : j.items()) {
    const std::string& key = item.key();  // a structured binding cannot be captured by clang 14
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      return invalid_argument(where + " has an unknown key \"" + key + "\"");
    }
  }
  return ok_status();
}

// The GPUs are distinct devices: no leaf certificate (the device identity) and no report twice.
std::string repeated_gpu(const std::vector<GpuEvidence>& gpus) {
  std::vector<std::string> leaves;
  for (size_t i = 0; i < gpus.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (gpus[k].report == gpus[i].report) return "GPU-" + std::to_string(i) + " repeats GPU-" + std::to_string(k) + "'s report";
    }
    auto chain = Certificate::from_pem_bundle(gpus[i].certificate_chain_pem);
    std::string leaf = chain.ok() && !chain->empty() ? chain->front().sha256_fingerprint() : "";
    for (size_t k = 0; k < leaves.size(); ++k) {
      if (!leaf.empty() && leaves[k] == leaf) return "GPU-" + std::to_string(i) + " is GPU-" + std::to_string(k) + " again (same device certificate)";
    }
    leaves.push_back(leaf);
  }
  return "";
}

void check_equal(Verdict& v, const std::string& name, const Felt252& got, const Felt252& stated) {
  v.add(name, got == stated, got == stated ? "" : "recomputed " + got.to_hex() + ", the bundle says " + stated.to_hex());
}

}  // namespace

json bundle_to_json(const FullStackAttestation& a) {
  json j = {{"version", kBundleVersion},
            {"level", security_level_name(a.level)},
            {"level_reached", security_level_name(level_reached(a.cpu.has_value(), !a.gpus.empty()))},
            {"statement", a.statement.to_hex()},
            {"cpu_hash", a.cpu_hash.to_hex()},
            {"gpu_hash", a.gpu_hash.to_hex()},
            {"combined_hash", a.combined_hash.to_hex()}};
  if (a.cpu) {
    json certs = json::array();
    for (const Bytes& c : a.cpu->certificates) certs.push_back(to_base64(c));
    j["cpu"] = {{"platform", cpu_platform_name(a.cpu->platform)},
                {"source", a.cpu->source},
                {"report", to_base64(a.cpu->report)},
                {"certificates", certs}};
    if (!a.cpu->collateral.empty()) j["cpu"]["collateral"] = json::parse(a.cpu->collateral, nullptr, false);
    if (!a.cpu->event_log.empty()) j["cpu"]["event_log"] = to_base64(a.cpu->event_log);
  }
  json gpus = json::array();
  for (const GpuEvidence& g : a.gpus) {
    gpus.push_back({{"index", g.index},
                    {"name", g.name},
                    {"source", g.source},
                    {"report", to_base64(g.report)},
                    {"certificate_chain", g.certificate_chain_pem}});
  }
  j["gpus"] = gpus;
  return j;
}

StatusOr<FullStackAttestation> bundle_from_json(const json& j) {
  if (!j.is_object()) return invalid_argument("bundle is not a JSON object");
  ZKCC_RETURN_IF_ERROR(only_keys(j, {"version", "level", "level_reached", "statement", "cpu_hash", "gpu_hash", "combined_hash", "cpu", "gpus"}, "bundle"));
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"].get<int64_t>() != kBundleVersion) {
    return invalid_argument("bundle version is not " + std::to_string(kBundleVersion));
  }
  FullStackAttestation a;
  ZKCC_ASSIGN_OR_RETURN(std::string level, string_field(j, "level", "bundle"));
  ZKCC_ASSIGN_OR_RETURN(a.level, parse_security_level(level));
  // Optional (older bundles lack it); when present it must name what the evidence reaches.
  if (j.contains("level_reached")) {
    ZKCC_ASSIGN_OR_RETURN(std::string reached, string_field(j, "level_reached", "bundle"));
    ZKCC_ASSIGN_OR_RETURN(SecurityLevel parsed, parse_security_level(reached));
    if (parsed == SecurityLevel::kAuto) return invalid_argument("bundle \"level_reached\" must be zk-only, tee or full-cc");
    a.level_reached = parsed;
  }
  ZKCC_ASSIGN_OR_RETURN(a.statement, felt_field(j, "statement"));
  ZKCC_ASSIGN_OR_RETURN(a.cpu_hash, felt_field(j, "cpu_hash"));
  ZKCC_ASSIGN_OR_RETURN(a.gpu_hash, felt_field(j, "gpu_hash"));
  ZKCC_ASSIGN_OR_RETURN(a.combined_hash, felt_field(j, "combined_hash"));
  if (j.contains("cpu") && !j["cpu"].is_null()) {
    const json& c = j["cpu"];
    if (!c.is_object()) return invalid_argument("bundle \"cpu\" is not an object");
    ZKCC_RETURN_IF_ERROR(only_keys(c, {"platform", "source", "report", "certificates", "collateral", "event_log"}, "bundle cpu"));
    CpuEvidence e;
    ZKCC_ASSIGN_OR_RETURN(std::string platform, string_field(c, "platform", "bundle cpu"));
    ZKCC_ASSIGN_OR_RETURN(e.platform, platform_from_name(platform));
    if (c.contains("source") && c["source"].is_string()) e.source = c["source"].get<std::string>();
    ZKCC_ASSIGN_OR_RETURN(e.report, base64_field(c, "report", "bundle cpu"));
    if (c.contains("certificates")) {
      if (!c["certificates"].is_array()) return invalid_argument("bundle cpu \"certificates\" is not an array");
      for (const json& cert : c["certificates"]) {
        if (!cert.is_string()) return invalid_argument("bundle cpu certificate is not a string");
        ZKCC_ASSIGN_OR_RETURN(Bytes der, from_base64(cert.get<std::string>()));
        e.certificates.push_back(std::move(der));
      }
    }
    if (c.contains("collateral")) {
      if (!c["collateral"].is_object()) return invalid_argument("bundle cpu \"collateral\" is not an object");
      e.collateral = c["collateral"].dump();
    }
    if (c.contains("event_log")) {
      if (e.platform != CpuPlatform::kTdx) return invalid_argument("bundle cpu \"event_log\" is for TDX evidence only");
      ZKCC_ASSIGN_OR_RETURN(e.event_log, base64_field(c, "event_log", "bundle cpu"));
      if (e.event_log.empty()) return invalid_argument("bundle cpu \"event_log\" is empty");
    }
    a.cpu = std::move(e);
  }
  if (j.contains("gpus")) {
    if (!j["gpus"].is_array() || j["gpus"].size() > kMaxGpus) return invalid_argument("bundle \"gpus\" is not an array of at most 64");
    for (const json& g : j["gpus"]) {
      if (!g.is_object()) return invalid_argument("bundle GPU entry is not an object");
      GpuEvidence e;
      std::string where = "bundle GPU " + std::to_string(a.gpus.size());
      ZKCC_RETURN_IF_ERROR(only_keys(g, {"index", "name", "source", "report", "certificate_chain"}, where));
      if (!g.contains("index") || !g["index"].is_number_unsigned()) return invalid_argument(where + " has no index");
      e.index = g["index"].get<unsigned>();
      for (const GpuEvidence& earlier : a.gpus) {
        if (earlier.index == e.index) return invalid_argument(where + " repeats GPU index " + std::to_string(e.index));
      }
      if (g.contains("name") && g["name"].is_string()) e.name = g["name"].get<std::string>();
      if (g.contains("source") && g["source"].is_string()) e.source = g["source"].get<std::string>();
      ZKCC_ASSIGN_OR_RETURN(e.report, base64_field(g, "report", where));
      ZKCC_ASSIGN_OR_RETURN(e.certificate_chain_pem, string_field(g, "certificate_chain", where));
      a.gpus.push_back(std::move(e));
    }
  }
  return a;
}

StatusOr<json> parse_bundle(std::string_view text) { return parse_strict_object(text, "bundle"); }

BundleRoots roots_with_extra(std::span<const Certificate> extra) {
  BundleRoots r;
  r.snp.extra.assign(extra.begin(), extra.end());
  r.tdx.extra.assign(extra.begin(), extra.end());
  r.gpu.extra.assign(extra.begin(), extra.end());
  return r;
}

Verdict verify_bundle(const json& bundle, const BundleRoots& roots, const Policy* given, int64_t at) {
  // Without a policy the built-in production policy judges the claims: VERIFIED means a
  // production-grade guest unless a policy relaxes that explicitly.
  const Policy production;
  const Policy* policy = given != nullptr ? given : &production;
  Verdict v;
  v.kind = "bundle";
  v.policy = policy->name;
  v.extra_roots = std::max({roots.snp.extra.size(), roots.tdx.extra.size(), roots.gpu.extra.size()});
  auto parsed = bundle_from_json(bundle);
  v.add("bundle parses", parsed.ok(), parsed.ok() ? "" : parsed.status().message());
  if (!parsed.ok()) return v;
  const FullStackAttestation& a = *parsed;
  v.claims = {{"level", security_level_name(a.level)},
              {"statement", a.statement.to_hex()},
              {"combined_hash", a.combined_hash.to_hex()},
              {"cpu_platform", a.cpu ? cpu_platform_name(a.cpu->platform) : "none"},
              {"gpus", a.gpus.size()}};

  // The level the producer asked for must be met by what the bundle carries.
  bool has_cpu = a.cpu.has_value(), has_gpu = !a.gpus.empty();
  std::string unmet;
  if (a.level == SecurityLevel::kFullCc && !(has_cpu && has_gpu)) unmet = "full-cc needs CPU and GPU evidence";
  if (a.level == SecurityLevel::kTee && !has_cpu && !has_gpu) unmet = "tee needs CPU or GPU evidence";
  if (a.level == SecurityLevel::kZkOnly && (has_cpu || has_gpu)) unmet = "a zk-only bundle carries evidence";
  v.add("evidence meets the level " + std::string(security_level_name(a.level)), unmet.empty(), unmet);
  SecurityLevel reached = level_reached(has_cpu, has_gpu);
  v.level = security_level_name(reached);
  if (a.cpu) v.cpu_platform = cpu_platform_label(a.cpu->platform);
  v.claims["level_reached"] = v.level;
  if (a.level_reached) {
    bool same = *a.level_reached == reached;
    v.add("level_reached is what the evidence reaches", same,
          same ? "" : "the bundle says " + std::string(security_level_name(*a.level_reached)) + ", the evidence reaches " + v.level);
  }
  if (policy->min_level) {
    bool enough = level_rank(reached) >= level_rank(*policy->min_level);
    v.add("policy: minimum level " + std::string(security_level_name(*policy->min_level)), enough,
          enough ? "" : "the evidence reaches only " + v.level);
  }
  if (policy->names_cpu_rules()) {
    v.add("policy: CPU evidence present", has_cpu, has_cpu ? "" : "the policy names CPU rules but the bundle carries no CPU evidence");
  }
  if (policy->names_gpu_rules()) {
    v.add("policy: GPU evidence present", has_gpu, has_gpu ? "" : "the policy names GPU rules but the bundle carries no GPU evidence");
  }

  if (has_gpu) {
    std::string repeated = repeated_gpu(a.gpus);
    v.add("each GPU listed once", repeated.empty(), repeated);
  }
  auto nonce = gpu_nonce(a.statement);
  for (size_t i = 0; i < a.gpus.size(); ++i) {
    const GpuEvidence& g = a.gpus[i];
    std::string name = "GPU-" + std::to_string(i);
    auto chain = Certificate::from_pem_bundle(g.certificate_chain_pem);
    Verdict gv;
    if (!chain.ok()) {
      gv.add("certificate chain parses", false, chain.status().message());
    } else {
      // The nonce check inside is the binding: the GPU answered this statement.
      gv = nvidia_gpu::verify_gpu_report(g.report, *chain, roots.gpu, nonce, at);
      if (gv.ok()) apply_policy(*policy, gv);
    }
    if (gv.gpu_models.empty()) gv.gpu_models = {"GPU of unknown model"};
    v.merge(gv, name);
    std::string high_s = high_s_signature(g);
    v.add(name + ": signature in low-S form", high_s.empty(), high_s);
  }
  Felt252 gpu_hash = gpu_hash_of(a.gpus);
  check_equal(v, "gpu_hash recomputed", gpu_hash, a.gpu_hash);

  if (a.cpu) {
    auto want = cpu_report_data(gpu_hash, a.statement);
    Verdict cv = verify_cpu(*a.cpu, roots, want, at);
    if (cv.ok()) apply_policy(*policy, cv);
    v.merge(cv, "cpu");
    std::string high_s = high_s_signature(*a.cpu);
    v.add("cpu: signatures in low-S form", high_s.empty(), high_s);
    auto rd = report_data_of(*a.cpu);
    bool low = rd.ok() && rd->size() == 64 && std::equal(want.begin(), want.begin() + 32, rd->begin());
    bool high = rd.ok() && rd->size() == 64 && std::equal(want.begin() + 32, want.end(), rd->begin() + 32);
    v.add("CPU report_data[0:32] is gpu_hash", low, low ? "" : rd.ok() ? "the CPU evidence carries " + to_hex(std::span(*rd).first(std::min<size_t>(32, rd->size()))) : rd.status().message());
    v.add("CPU report_data[32:64] is the statement", high, high ? "" : "the CPU evidence was made for another statement");
    auto cpu_hash = cpu_hash_of(*a.cpu);
    if (cpu_hash.ok()) {
      check_equal(v, "cpu_hash recomputed", *cpu_hash, a.cpu_hash);
    } else {
      v.add("cpu_hash recomputed", false, cpu_hash.status().message());
    }
  } else {
    check_equal(v, "cpu_hash recomputed", Felt252::zero(), a.cpu_hash);
  }
  std::optional<Felt252> cpu_h, gpu_h;
  if (a.cpu) {
    auto h = cpu_hash_of(*a.cpu);
    if (h.ok()) cpu_h = *h;
  }
  if (has_gpu) gpu_h = gpu_hash;
  check_equal(v, "combined_hash recomputed", combined_hash(cpu_h, gpu_h), a.combined_hash);
  return v;
}

}  // namespace zkcc::tee
