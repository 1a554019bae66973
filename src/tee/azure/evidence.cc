#include "zkcc/tee/azure/evidence.h"

#include <nlohmann/json.hpp>

#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/capability.h"
#include "zkcc/tee/azure/tpm_quote.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/tdx/tdreport.h"
#include "zkcc/tee/tdx/verify.h"

namespace zkcc::tee::azure {
namespace {

using nlohmann::json;

struct Parts {
  Bytes hcl;
  Bytes attest;
  Bytes signature;
  PcrBank pcrs;
  std::optional<Bytes> vcek;
  std::optional<Bytes> td_quote;
  std::vector<Certificate> vcek_chain;  // the legacy layout's PEM: VCEK, then ASK and ARK
};

StatusOr<Bytes> hex_field(const json& obj, const char* key) {
  if (!obj.contains(key) || !obj[key].is_string()) return invalid_argument(std::string("evidence has no \"") + key + "\" string");
  auto b = from_hex(obj[key].get_ref<const std::string&>());
  if (!b.ok()) return invalid_argument(std::string("evidence \"") + key + "\": " + b.status().message());
  return b;
}

StatusOr<Bytes> base64_field(const json& obj, const char* key) {
  if (!obj[key].is_string()) return invalid_argument(std::string("evidence \"") + key + "\" is not a string");
  const std::string& text = obj[key].get_ref<const std::string&>();
  // Producers differ: some write standard base64, some the URL-safe alphabet.
  auto b = text.find_first_of("+/") != std::string::npos ? from_base64(text) : from_base64url(text);
  if (!b.ok()) return invalid_argument(std::string("evidence \"") + key + "\": " + b.status().message());
  return b;
}

// The legacy layout writes bytes as JSON arrays of integers 0..255.
StatusOr<Bytes> byte_array(const json& obj, const char* key, const std::string& where) {
  if (!obj.contains(key) || !obj[key].is_array()) return invalid_argument(where + " has no \"" + key + "\" array of bytes");
  Bytes out;
  out.reserve(obj[key].size());
  for (const json& b : obj[key]) {
    if (!b.is_number_unsigned() || b.get<uint64_t>() > 255) {
      return invalid_argument(where + " \"" + key + "\" element " + std::to_string(out.size()) + " is not a byte (0-255)");
    }
    out.push_back(static_cast<uint8_t>(b.get<uint64_t>()));
  }
  return out;
}

// True for the legacy SNP layout that Trustee's az-snp-vtpm verifier still accepts (its "v0"):
// {"quote": {"signature", "message", "pcrs": [[32 bytes]...]} as byte arrays, "report": the HCL
// report as a byte array, "vcek": PEM (VCEK, then ASK and ARK)}, with no version field.
bool is_legacy(const json& doc) {
  return doc.is_object() && !doc.contains("version") && doc.contains("quote") && doc.contains("report") && doc.contains("vcek");
}

StatusOr<Parts> parse_legacy(const json& doc) {
  if (!doc["quote"].is_object()) return invalid_argument("legacy Azure evidence \"quote\" is not an object");
  const json& q = doc["quote"];
  Parts p;
  ZKCC_ASSIGN_OR_RETURN(p.attest, byte_array(q, "message", "legacy evidence quote"));
  ZKCC_ASSIGN_OR_RETURN(p.signature, byte_array(q, "signature", "legacy evidence quote"));
  if (!q.contains("pcrs") || !q["pcrs"].is_array()) return invalid_argument("legacy evidence quote has no \"pcrs\" array");
  for (const json& pcr : q["pcrs"]) {
    json holder = {{"pcr", pcr}};
    auto b = byte_array(holder, "pcr", "legacy evidence quote PCR " + std::to_string(p.pcrs.size()));
    if (!b.ok()) return b.status();
    if (b->size() != 32) return invalid_argument("legacy evidence quote PCR " + std::to_string(p.pcrs.size()) + " is not 32 bytes");
    std::array<uint8_t, 32> value;
    std::copy(b->begin(), b->end(), value.begin());
    p.pcrs.push_back(value);
  }
  ZKCC_ASSIGN_OR_RETURN(p.hcl, byte_array(doc, "report", "legacy Azure evidence"));
  if (!doc["vcek"].is_string()) return invalid_argument("legacy Azure evidence \"vcek\" is not a PEM string");
  auto chain = Certificate::from_pem_bundle(doc["vcek"].get_ref<const std::string&>());
  if (!chain.ok()) return invalid_argument("legacy Azure evidence \"vcek\": " + chain.status().message());
  p.vcek = chain->front().der();
  p.vcek_chain.assign(chain->begin() + 1, chain->end());
  return p;
}

StatusOr<Parts> parse_parts(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return invalid_argument("Azure evidence is not a JSON object");
  if (is_legacy(doc)) return parse_legacy(doc);
  if (!doc.contains("tpm_quote") || !doc["tpm_quote"].is_object()) return invalid_argument("Azure evidence has no \"tpm_quote\" object");
  if (!doc.contains("hcl_report")) return invalid_argument("Azure evidence has no \"hcl_report\"");
  Parts p;
  ZKCC_ASSIGN_OR_RETURN(p.hcl, base64_field(doc, "hcl_report"));
  const json& tq = doc["tpm_quote"];
  ZKCC_ASSIGN_OR_RETURN(p.attest, hex_field(tq, "message"));
  ZKCC_ASSIGN_OR_RETURN(p.signature, hex_field(tq, "signature"));
  if (!tq.contains("pcrs") || !tq["pcrs"].is_array()) return invalid_argument("evidence tpm_quote has no \"pcrs\" array");
  for (const json& pcr : tq["pcrs"]) {
    auto b = pcr.is_string() ? from_hex(pcr.get_ref<const std::string&>()) : StatusOr<Bytes>(invalid_argument("not a string"));
    if (!b.ok() || b->size() != 32) return invalid_argument("evidence PCR " + std::to_string(p.pcrs.size()) + " is not 32 bytes of hex");
    std::array<uint8_t, 32> value;
    std::copy(b->begin(), b->end(), value.begin());
    p.pcrs.push_back(value);
  }
  if (doc.contains("vcek")) {
    ZKCC_ASSIGN_OR_RETURN(p.vcek, base64_field(doc, "vcek"));
  }
  if (doc.contains("td_quote")) {
    ZKCC_ASSIGN_OR_RETURN(p.td_quote, base64_field(doc, "td_quote"));
  }
  if (p.vcek.has_value() == p.td_quote.has_value()) return invalid_argument("Azure evidence must carry exactly one of \"vcek\" and \"td_quote\"");
  return p;
}

Verdict verify_tdx(const Parts& p, const HclReport& hcl, const EvidenceOptions& o, int64_t at) {
  Verdict v;
  v.kind = "azure-tdx-vtpm";
  v.cpu_platform = cpu_platform_label(CpuPlatform::kAzureTdxVtpm);
  v.add("HCL report parses", true, "version " + std::to_string(hcl.version));
  bind_runtime_claims(hcl, v);
  auto tdreport = tdx::parse_tdreport(hcl.hardware_report);
  v.add("TDREPORT parses and its hashes hold", tdreport.ok(), tdreport.ok() ? "" : tdreport.status().message());
  Verdict quote = o.collateral ? tdx::verify_quote(*p.td_quote, *o.collateral, o.tdx_roots, at)
                               : tdx::verify_quote_signatures(*p.td_quote, o.tdx_roots, at);
  v.merge(quote, "td_quote");
  auto parsed = tdx::parse_quote(*p.td_quote);
  if (tdreport.ok() && parsed.ok()) tdx::match_quote_body(*tdreport, parsed->body, "TD quote repeats the TDREPORT", v);
  return v;
}

}  // namespace

bool looks_like_evidence(std::string_view text) {
  json doc = json::parse(text, nullptr, false);
  return (doc.is_object() && doc.contains("tpm_quote") && doc.contains("hcl_report")) || is_legacy(doc);
}

Verdict verify_evidence(std::string_view text, const EvidenceOptions& o, int64_t at) {
  auto parts = parse_parts(text);
  auto hcl = parts.ok() ? parse_hcl_report(parts->hcl) : StatusOr<HclReport>(parts.status());
  bool snp = parts.ok() && parts->vcek.has_value();
  if (hcl.ok() && (hcl->type == HclReportType::kSnp) != snp) {
    hcl = invalid_argument(std::string("the HCL report holds ") + (snp ? "a TDREPORT but the evidence carries a VCEK" : "an SNP report but the evidence carries a TD quote"));
  }
  if (!hcl.ok()) {
    Verdict v;
    v.kind = snp ? "azure-snp-vtpm" : "azure-tdx-vtpm";
    v.cpu_platform = cpu_platform_label(snp ? CpuPlatform::kAzureSnpVtpm : CpuPlatform::kAzureTdxVtpm);
    v.add("evidence parses", false, hcl.status().message());
    return v;
  }
  Verdict v;
  if (snp) {
    std::vector<Certificate> certs;
    auto vcek = Certificate::from_der(*parts->vcek);
    if (vcek.ok()) certs.push_back(std::move(*vcek));
    certs.insert(certs.end(), parts->vcek_chain.begin(), parts->vcek_chain.end());
    for (const Certificate& c : o.certs) certs.push_back(c);
    v = verify_snp_hcl_report(parts->hcl, certs, o.snp_roots, at);
    if (!vcek.ok()) v.add("evidence VCEK parses", false, vcek.status().message());
  } else {
    v = verify_tdx(*parts, *hcl, o, at);
  }
  v.claims["user_data"] = to_hex(hcl->user_data);
  auto doc = json::parse(hcl->runtime_claims, nullptr, false);
  if (doc.is_object() && doc.contains("vm-configuration")) v.claims["vm_configuration"] = doc["vm-configuration"];
  auto key = hcl_attestation_key(*hcl);
  v.add("runtime claims carry HCLAkPub", key.ok(), key.ok() ? "" : key.status().message());
  if (key.ok()) verify_tpm_quote(parts->attest, parts->signature, parts->pcrs, *key, o.expected_nonce, v);
  return v;
}

}  // namespace zkcc::tee::azure
