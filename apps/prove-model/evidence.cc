// prove-model verify-evidence and fetch-collateral: one piece of evidence, verified offline, and
// the collateral it needs, fetched when online.
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/collateral/fetch.h"
#include "zkcc/tee/nvidia_gpu/rim.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/ccel.h"
#include "zkcc/tee/tdx/collateral.h"

namespace zkcc::cli {
namespace {

// GPU reports are often stored as hex text; decode it when the file is nothing else.
void decode_hex_evidence(Bytes& b) {
  std::string text(b.begin(), b.end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  if (text.size() >= 4 && (text.rfind("11e0", 0) == 0 || text.rfind("11E0", 0) == 0)) {
    auto decoded = from_hex(text);
    if (decoded.ok()) b = std::move(*decoded);
  }
}

// NVIDIA's serialized evidence is a JSON array; nothing else we read starts like one.
bool is_json_array(std::string_view text) {
  size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '[';
}

// The kind of a piece of evidence, from its content.
std::string detect_kind(const Bytes& b) {
  std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
  if (text.starts_with("HCLA")) return "azure";
  if (text.starts_with("<?xml") || text.starts_with("<SoftwareIdentity")) return "rim";
  if (is_json_array(text)) return "gpu";
  if (tee::azure::looks_like_evidence(text)) return "azure";
  if (b.size() >= 8 && (b[0] == 4 || b[0] == 5) && b[1] == 0 && b[2] == 2 && b[3] == 0 && b[4] == 0x81) return "tdx";
  if (b.size() > 2 && b[0] == 0x11 && b[1] == 0xE0) return "gpu";
  if (b.size() == tee::sev_snp::kReportSize) {
    uint32_t version = b[0] | b[1] << 8 | b[2] << 16 | static_cast<uint32_t>(b[3]) << 24;
    if (version == 2 || version == 3 || version == 5) return "snp";
  }
  return "";
}

StatusOr<tee::sev_snp::Product> parse_product(const std::string& name) {
  if (name.empty()) return tee::sev_snp::Product::kUnknown;
  for (auto p : {tee::sev_snp::Product::kMilan, tee::sev_snp::Product::kGenoa, tee::sev_snp::Product::kTurin}) {
    if (tee::sev_snp::product_name(p) == name) return p;
  }
  return invalid_argument("unknown product '" + name + "' (Milan, Genoa, Turin)");
}

}  // namespace

// Certificates from a PEM bundle or a single DER certificate.
StatusOr<std::vector<tee::Certificate>> load_certs(const std::string& path) {
  auto bytes = read_file(path, 16 << 20);
  if (!bytes.ok()) return bytes.status();
  std::string text(bytes->begin(), bytes->end());
  if (text.find("-----BEGIN CERTIFICATE-----") != std::string::npos) {
    auto certs = tee::Certificate::from_pem_bundle(text);
    if (!certs.ok()) return certs.status().with_context(path);
    return certs;
  }
  auto cert = tee::Certificate::from_der(*bytes);
  if (!cert.ok()) return cert.status().with_context(path);
  return std::vector<tee::Certificate>{*cert};
}

StatusOr<std::optional<tee::Policy>> load_policy(const std::string& path) {
  if (path.empty()) return std::optional<tee::Policy>();
  ZKCC_ASSIGN_OR_RETURN(Bytes text, read_file(path, 1 << 20));
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) return invalid_argument("policy file '" + path + "' is not JSON");
  auto p = tee::Policy::from_json(doc);
  if (!p.ok()) return p.status().with_context(path);
  if (!doc.contains("name")) p->name = "file " + path;
  return std::optional<tee::Policy>(std::move(*p));
}

StatusOr<tee::Policy> effective_policy(std::optional<tee::Policy> loaded, const std::string& require_level) {
  tee::Policy p = loaded ? std::move(*loaded) : tee::Policy{};
  if (!require_level.empty()) {
    ZKCC_ASSIGN_OR_RETURN(tee::SecurityLevel level, tee::parse_security_level(require_level));
    if (level == tee::SecurityLevel::kAuto) return invalid_argument("--require-level must be zk-only, tee or full-cc");
    p.min_level = level;
  }
  return p;
}

StatusOr<int64_t> verification_time(const std::string& text) {
  if (text.empty()) return static_cast<int64_t>(std::time(nullptr));
  return tee::parse_rfc3339(text);
}

int verify_evidence(const EvidenceArgs& a) {
  const std::string& file = a.file;
  std::string kind = a.kind;
  auto loaded = load_policy(a.policy_file);
  if (!loaded.ok()) return fail(loaded.status());
  auto policy = effective_policy(std::move(*loaded), a.require_level);
  if (!policy.ok()) return fail(policy.status());
  auto evidence = read_file(file, 64 << 20);
  if (!evidence.ok()) return fail(evidence.status());
  decode_hex_evidence(*evidence);
  if (kind.empty()) kind = detect_kind(*evidence);
  if (kind.empty()) {
    return fail(invalid_argument("cannot tell what kind of evidence '" + file + "' is; pass --kind"));
  }
  if (!a.event_log_file.empty() && kind != "tdx") return fail(invalid_argument("--event-log is for TDX quotes (--kind tdx)"));
  auto at = verification_time(a.at);
  if (!at.ok()) return fail(at.status());
  std::vector<tee::Certificate> certs;
  for (const auto& f : a.cert_files) {
    auto c = load_certs(f);
    if (!c.ok()) return fail(c.status());
    certs.insert(certs.end(), c->begin(), c->end());
  }
  std::optional<tee::tdx::Collateral> collateral;
  tee::sev_snp::Collateral snp_collateral;
  if (!a.collateral_file.empty()) {
    auto text = read_file(a.collateral_file, 16 << 20);
    if (!text.ok()) return fail(text.status());
    if (kind == "snp") {
      // AMD's CRL as KDS serves it (DER), or the collateral JSON a bundle carries.
      auto parsed = !text->empty() && (*text)[0] == '{'
                        ? tee::sev_snp::parse_collateral_json(std::string(text->begin(), text->end()))
                        : StatusOr<tee::sev_snp::Collateral>(tee::sev_snp::Collateral{*text});
      if (!parsed.ok()) return fail(parsed.status().with_context(a.collateral_file));
      if (parsed->crl.empty()) return fail(invalid_argument(a.collateral_file + " is empty"));
      snp_collateral = std::move(*parsed);
    } else {
      auto parsed = tee::tdx::parse_collateral_json(std::string(text->begin(), text->end()));
      if (!parsed.ok()) return fail(parsed.status().with_context(a.collateral_file));
      collateral = std::move(*parsed);
    }
  }
  std::optional<Bytes> nonce;
  if (!a.nonce_hex.empty()) {
    auto n = from_hex(a.nonce_hex);
    if (!n.ok()) return fail(invalid_argument("--nonce is not hex"));
    nonce = std::move(*n);
  }
  std::optional<tee::collateral::Cache> cache;
  if (!a.cache_dir.empty()) cache.emplace(a.cache_dir);
  auto product = parse_product(a.product);
  if (!product.ok()) return fail(product.status());
  if (cache && kind == "snp" && certs.empty()) {
    auto cached = tee::collateral::load_snp_certs(*evidence, *product, *cache);
    if (!cached.ok()) return fail(cached.status().with_context("collateral cache"));
    certs = std::move(*cached);
  }
  if (cache && kind == "snp" && a.collateral_file.empty()) {
    // AMD's CRL, when fetch-collateral put it there.
    auto cached = tee::collateral::load_snp_collateral(*evidence, *product, *cache);
    if (!cached.ok()) return fail(cached.status().with_context("collateral cache"));
    snp_collateral = std::move(*cached);
  }
  if (cache && kind == "tdx" && !collateral) {
    auto cached = tee::collateral::load_tdx_collateral(*evidence, *cache);
    if (!cached.ok()) return fail(cached.status().with_context("collateral cache"));
    collateral = std::move(*cached);
  }
  std::string_view text(reinterpret_cast<const char*>(evidence->data()), evidence->size());
  tee::Verdict verdict;
  if (kind == "snp") {
    verdict = tee::sev_snp::verify_report(*evidence, certs, snp_collateral, tee::sev_snp::TrustRoots{}, *at);
  } else if (kind == "gpu") {
    std::optional<std::array<uint8_t, 32>> gpu_nonce;
    if (nonce) {
      if (nonce->size() != 32) return fail(invalid_argument("--nonce must be 32 bytes of hex for a GPU report"));
      gpu_nonce.emplace();
      std::copy(nonce->begin(), nonce->end(), gpu_nonce->begin());
    }
    // Each RIM given is verified itself; the verified ones judge every report below.
    std::vector<std::pair<std::string, tee::nvidia_gpu::Rim>> rims;
    tee::Verdict rim_checks;
    for (const auto& rim_file : a.rims) {
      auto xml = read_file(rim_file, 4 << 20);
      if (!xml.ok()) return fail(xml.status());
      std::string_view xml_text(reinterpret_cast<const char*>(xml->data()), xml->size());
      tee::Verdict rim = tee::nvidia_gpu::verify_rim(xml_text, tee::nvidia_gpu::RimTrustRoots{}, *at);
      rim_checks.merge(rim, rim_file);
      auto parsed = tee::nvidia_gpu::parse_rim(xml_text);
      if (rim.ok() && parsed.ok()) rims.emplace_back(rim_file, std::move(*parsed));
    }
    std::vector<std::pair<std::string, Bytes>> reports;  // (verdict prefix, report)
    if (is_json_array(text)) {
      // NVIDIA's serialized evidence: one report per GPU, each with its chain and nonce.
      auto gpus = tee::nvidia_gpu::verify_evidence_json(text, tee::nvidia_gpu::TrustRoots{}, *at, gpu_nonce);
      if (!gpus.ok()) return fail(gpus.status().with_context(file));
      verdict.kind = "nvidia-gpu";
      auto doc = nlohmann::json::parse(text);
      for (size_t i = 0; i < gpus->size(); ++i) {
        verdict.merge((*gpus)[i], "GPU-" + std::to_string(i));
        auto bytes = from_base64(doc[i]["evidence"].get<std::string>());
        if (bytes.ok()) reports.emplace_back("GPU-" + std::to_string(i) + ": ", std::move(*bytes));
      }
    } else {
      verdict = tee::nvidia_gpu::verify_gpu_report(*evidence, certs, tee::nvidia_gpu::TrustRoots{}, gpu_nonce, *at);
      reports.emplace_back("", *evidence);
    }
    for (const tee::Check& c : rim_checks.checks) verdict.add(c.name, c.ok, c.detail);
    for (const auto& [key, value] : rim_checks.claims.items()) verdict.claims[key] = value;
    if (!a.rims.empty()) {
      std::vector<tee::nvidia_gpu::Rim> parsed;
      for (const auto& [_, rim] : rims) parsed.push_back(rim);
      for (const auto& [prefix, bytes] : reports) {
        auto report = tee::nvidia_gpu::parse_gpu_report(bytes);
        if (!report.ok()) continue;  // the report's own checks already fail
        // Both RIMs, of the report's versions, and then the measurements against each.
        for (const tee::Check& c : tee::nvidia_gpu::check_rim_versions(*report, parsed).checks) verdict.add(prefix + c.name, c.ok, c.detail);
        for (const auto& [rim_file, rim] : rims) {
          for (const tee::Check& c : tee::nvidia_gpu::compare_measurements(*report, rim).checks) {
            verdict.add(prefix + rim_file + " measurements: " + c.name, c.ok, c.detail);
          }
        }
      }
    }
  } else if (kind == "rim") {
    verdict = tee::nvidia_gpu::verify_rim(text, tee::nvidia_gpu::RimTrustRoots{}, *at);
  } else if (kind == "tdx") {
    if (collateral) {
      verdict = tee::tdx::verify_quote(*evidence, *collateral, tee::tdx::TrustRoots{}, *at);
    } else {
      verdict = tee::tdx::verify_quote_signatures(*evidence, tee::tdx::TrustRoots{}, *at);
      verdict.add("TCB judged against collateral", false, "no --collateral given: signatures only");
    }
    if (!a.event_log_file.empty()) {
      auto log = read_file(a.event_log_file, 64 << 20);
      if (!log.ok()) return fail(log.status());
      tee::tdx::add_event_log_checks(verdict, *evidence, *log);
    }
  } else if (kind == "azure" && text.starts_with("HCLA")) {
    // A bare HCL report: only the SNP kind is verifiable alone (a TDREPORT needs its TD quote).
    verdict = tee::azure::verify_snp_hcl_report(*evidence, certs, tee::sev_snp::TrustRoots{}, *at);
  } else if (kind == "azure") {
    tee::azure::EvidenceOptions options;
    options.certs = certs;
    options.collateral = collateral;
    options.expected_nonce = nonce;
    verdict = tee::azure::verify_evidence(text, options, *at);
    if (verdict.kind == "azure-tdx-vtpm" && !collateral) {
      verdict.add("TCB judged against collateral", false, "no --collateral given: signatures only");
    }
  } else {
    return fail(invalid_argument("unknown evidence kind '" + kind + "' (snp, gpu, tdx, azure, rim)"));
  }
  // One piece of platform evidence reaches tee; a RIM alone attests nothing.
  if (kind != "rim") {
    verdict.level = tee::security_level_name(tee::SecurityLevel::kTee);
    if (policy->min_level) {
      bool enough = tee::level_rank(tee::SecurityLevel::kTee) >= tee::level_rank(*policy->min_level);
      verdict.add("policy: minimum level " + std::string(tee::security_level_name(*policy->min_level)), enough,
                  enough ? "" : "one piece of evidence reaches only tee");
    }
  }
  if (kind != "rim") apply_policy(*policy, verdict);
  if (a.json) {
    std::cout << verdict_json(verdict).dump(2) << "\n";
  } else {
    std::cout << verdict.summary();
    if (kind != "rim") std::cout << "policy rules: " << policy->summary() << "\n";
  }
  return verdict_exit(verdict);
}


std::string default_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/zkcc/collateral";
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.cache/zkcc/collateral";
}

int fetch_collateral(const EvidenceArgs& a) {
  tee::collateral::Cache cache(a.cache_dir.empty() ? default_cache_dir() : a.cache_dir);
  auto product = parse_product(a.product);
  if (!product.ok()) return fail(product.status());
  auto fetcher = tee::collateral::https_fetcher();
  std::vector<std::string> wrote;
  auto note = [&](const StatusOr<std::vector<std::string>>& r) {
    if (r.ok()) wrote.insert(wrote.end(), r->begin(), r->end());
    return r.status();
  };
  if (!a.file.empty()) {
    auto evidence = read_file(a.file, 64 << 20);
    if (!evidence.ok()) return fail(evidence.status());
    std::string kind = a.kind.empty() ? detect_kind(*evidence) : a.kind;
    Status s;
    if (kind == "snp") {
      s = note(tee::collateral::fetch_for_snp(*evidence, *product, cache, *fetcher));
    } else if (kind == "tdx") {
      s = note(tee::collateral::fetch_for_tdx(*evidence, cache, *fetcher));
    } else {
      s = invalid_argument("collateral is fetched for SEV-SNP reports and TDX quotes; '" + a.file + "' is " +
                           (kind.empty() ? "neither" : kind));
    }
    if (!s.ok()) return fail(s);
  }
  for (const auto& id : a.rims) {
    if (Status s = note(tee::collateral::fetch_rim(id, cache, *fetcher)); !s.ok()) return fail(s);
  }
  if (a.file.empty() && a.rims.empty()) return fail(invalid_argument("give an evidence file or --rim ID"));
  if (a.json) {
    std::cout << nlohmann::json{{"cache", cache.root().string()}, {"fetched", wrote}}.dump(2) << "\n";
  } else {
    std::cout << "cache: " << cache.root().string() << "\n";
    for (const auto& w : wrote) std::cout << "fetched " << w << "\n";
    if (wrote.empty()) std::cout << "everything was already cached\n";
  }
  return 0;
}

}  // namespace zkcc::cli
