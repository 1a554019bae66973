#include "zkcc/tee/collateral/fetch.h"

#include <nlohmann/json.hpp>

#include "zkcc/tee/crl.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee::collateral {
namespace {

using nlohmann::json;

constexpr char kPcs[] = "https://api.trustedservices.intel.com";
constexpr char kIntelRootCrl[] = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

StatusOr<HttpResponse> get_ok(Fetcher& fetcher, const std::string& url) {
  ZKCC_ASSIGN_OR_RETURN(HttpResponse r, fetcher.get(url));
  if (r.status != 200) return unavailable(url + " answered HTTP " + std::to_string(r.status));
  if (r.body.empty()) return unavailable(url + " answered with an empty body");
  return r;
}

StatusOr<std::string> header(const HttpResponse& r, const std::string& name, const std::string& url) {
  auto it = r.headers.find(name);
  if (it == r.headers.end()) return unavailable(url + " sent no " + name + " header");
  return percent_decode(it->second);
}

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

StatusOr<sev_snp::Report> parse_snp(std::span<const uint8_t> report) {
  auto r = sev_snp::parse_report(report);
  if (!r.ok()) return r.status().with_context("SNP report");
  return r;
}

// The quote's PCK certificate tells the platform (FMSPC) and which PCK CA issued it.
struct PckInfo {
  std::array<uint8_t, 6> fmspc{};
  std::string ca;  // "platform" or "processor"
};

StatusOr<PckInfo> pck_info(std::span<const uint8_t> quote) {
  ZKCC_ASSIGN_OR_RETURN(tdx::Quote q, tdx::parse_quote(quote));
  ZKCC_ASSIGN_OR_RETURN(std::vector<Certificate> chain, Certificate::from_pem_bundle(q.pck_chain_pem));
  if (chain.empty()) return invalid_argument("the quote carries no PCK certificate");
  ZKCC_ASSIGN_OR_RETURN(tdx::PckExtensions ext, tdx::pck_extensions(chain[0]));
  PckInfo info;
  info.fmspc = ext.fmspc;
  if (chain.size() < 2) return invalid_argument("the quote's PCK chain lacks the PCK CA");
  info.ca = chain[1].common_name().find("Platform") != std::string::npos ? "platform" : "processor";
  return info;
}

// What the offline side will accept of AMD's CRL: DER that the product's ARK signed (its
// currency and what it lists are judged at verification time).
Status check_amd_crl(std::span<const uint8_t> der, sev_snp::Product product, const sev_snp::TrustRoots& roots) {
  ZKCC_ASSIGN_OR_RETURN(Crl crl, Crl::from_der(der));
  std::vector<Certificate> arks;
  if (roots.amd) {
    std::vector<Certificate> amd = sev_snp::amd_chain(product, sev_snp::SigningKey::kVcek);
    if (!amd.empty()) arks.push_back(amd.back());
  }
  arks.insert(arks.end(), roots.extra.begin(), roots.extra.end());
  for (const Certificate& ark : arks) {
    if (crl.signed_by(ark)) return ok_status();
  }
  return invalid_argument("the CRL is not signed by " + std::string(sev_snp::product_name(product)) + "'s ARK");
}

}  // namespace

StatusOr<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size()) return invalid_argument("truncated %-escape at position " + std::to_string(i));
    auto digit = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1; };
    int hi = digit(in[i + 1]), lo = digit(in[i + 2]);
    if (hi < 0 || lo < 0) return invalid_argument("bad %-escape at position " + std::to_string(i));
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

StatusOr<SignedJson> split_pcs_body(std::string_view body, std::string_view member) {
  json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.size() != 2 || !doc.contains(member) || !doc[std::string(member)].is_object() ||
      !doc.contains("signature") || !doc["signature"].is_string()) {
    return invalid_argument("PCS answer is not {\"" + std::string(member) + "\": {...}, \"signature\": \"...\"}");
  }
  // Find the member's key at the top level, then its object's exact extent, minding strings.
  std::string key = "\"" + std::string(member) + "\"";
  size_t depth = 0, start = std::string_view::npos;
  bool in_string = false;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      if (depth == 1 && start == std::string_view::npos && body.substr(i, key.size()) == key) {
        size_t colon = body.find_first_not_of(" \t\r\n", i + key.size());
        size_t open = colon == std::string_view::npos ? colon : body.find_first_not_of(" \t\r\n", colon + 1);
        if (colon == std::string_view::npos || body[colon] != ':' || open == std::string_view::npos || body[open] != '{') break;
        start = open;
        i = open - 1;
        continue;
      }
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if (c == '}' || c == ']') {
      if (depth == 0) break;
      --depth;
      if (depth == 1 && start != std::string_view::npos) {
        SignedJson s{std::string(body.substr(start, i + 1 - start)), doc["signature"].get<std::string>()};
        if (json::parse(s.text, nullptr, false) != doc[std::string(member)]) break;
        return s;
      }
    }
  }
  return invalid_argument("cannot find the exact text of \"" + std::string(member) + "\" in the PCS answer");
}

StatusOr<std::vector<std::string>> fetch_for_snp(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache,
                                                 Fetcher& fetcher, const sev_snp::TrustRoots& roots) {
  ZKCC_ASSIGN_OR_RETURN(sev_snp::Report r, parse_snp(report));
  // A VLEK comes from the host, not from KDS; its ASVK chain and CRL do.
  const sev_snp::SigningKey key = r.signing_key == sev_snp::SigningKey::kVlek ? sev_snp::SigningKey::kVlek : sev_snp::SigningKey::kVcek;
  std::vector<std::string> wrote;
  if (key == sev_snp::SigningKey::kVcek) {
    ZKCC_ASSIGN_OR_RETURN(Item vcek, amd_vcek(r, product));
    if (!cache.contains(vcek)) {
      ZKCC_ASSIGN_OR_RETURN(HttpResponse resp, get_ok(fetcher, vcek.url));
      if (auto c = Certificate::from_der(resp.body); !c.ok()) return c.status().with_context(vcek.url);
      ZKCC_RETURN_IF_ERROR(cache.write(vcek, resp.body));
      wrote.push_back(vcek.path);
    }
  }
  if (r.product_from_cpuid() != sev_snp::Product::kUnknown) product = r.product_from_cpuid();
  if (product == sev_snp::Product::kUnknown) return invalid_argument("the report does not name its product; say which (Milan, Genoa, Turin)");
  Item chain = amd_cert_chain(product, key);
  if (!cache.contains(chain)) {
    ZKCC_ASSIGN_OR_RETURN(HttpResponse resp, get_ok(fetcher, chain.url));
    auto certs = Certificate::from_pem_bundle(text(resp.body));
    if (!certs.ok() || certs->size() != 2) {
      return invalid_argument(chain.url + " did not answer with two PEM certificates (" + (key == sev_snp::SigningKey::kVlek ? "ASVK" : "ASK") + ", ARK)");
    }
    ZKCC_RETURN_IF_ERROR(cache.write(chain, resp.body));
    wrote.push_back(chain.path);
  }
  Item crl = amd_crl(product, key);
  ZKCC_ASSIGN_OR_RETURN(HttpResponse resp, get_ok(fetcher, crl.url));
  ZKCC_RETURN_IF_ERROR(check_amd_crl(resp.body, product, roots).with_context(crl.url));
  ZKCC_RETURN_IF_ERROR(cache.write(crl, resp.body));
  wrote.push_back(crl.path);
  return wrote;
}

StatusOr<std::vector<std::string>> fetch_for_tdx(std::span<const uint8_t> quote, const Cache& cache, Fetcher& fetcher) {
  ZKCC_ASSIGN_OR_RETURN(PckInfo pck, pck_info(quote));
  Item item = intel_tdx_collateral(pck.fmspc);
  if (cache.contains(item)) return std::vector<std::string>{};
  std::string tcb_url = std::string(kPcs) + "/tdx/certification/v4/tcb?fmspc=" + to_hex(pck.fmspc);
  std::string qe_url = std::string(kPcs) + "/tdx/certification/v4/qe/identity";
  std::string crl_url = std::string(kPcs) + "/sgx/certification/v4/pckcrl?ca=" + pck.ca + "&encoding=der";

  ZKCC_ASSIGN_OR_RETURN(HttpResponse tcb, get_ok(fetcher, tcb_url));
  ZKCC_ASSIGN_OR_RETURN(SignedJson tcb_info, split_pcs_body(text(tcb.body), "tcbInfo"));
  ZKCC_ASSIGN_OR_RETURN(std::string tcb_chain, header(tcb, "tcb-info-issuer-chain", tcb_url));
  ZKCC_ASSIGN_OR_RETURN(HttpResponse qe, get_ok(fetcher, qe_url));
  ZKCC_ASSIGN_OR_RETURN(SignedJson qe_identity, split_pcs_body(text(qe.body), "enclaveIdentity"));
  ZKCC_ASSIGN_OR_RETURN(std::string qe_chain, header(qe, "sgx-enclave-identity-issuer-chain", qe_url));
  ZKCC_ASSIGN_OR_RETURN(HttpResponse crl, get_ok(fetcher, crl_url));
  ZKCC_ASSIGN_OR_RETURN(std::string crl_chain, header(crl, "sgx-pck-crl-issuer-chain", crl_url));
  ZKCC_ASSIGN_OR_RETURN(HttpResponse root_crl, get_ok(fetcher, kIntelRootCrl));

  json c = {{"pck_crl_issuer_chain", crl_chain},
            {"root_ca_crl", to_hex(root_crl.body)},
            {"pck_crl", to_hex(crl.body)},
            {"tcb_info_issuer_chain", tcb_chain},
            {"tcb_info", tcb_info.text},
            {"tcb_info_signature", tcb_info.signature_hex},
            {"qe_identity_issuer_chain", qe_chain},
            {"qe_identity", qe_identity.text},
            {"qe_identity_signature", qe_identity.signature_hex}};
  std::string out = c.dump(2);
  // Store only what the offline side will accept.
  if (auto parsed = tdx::parse_collateral_json(out); !parsed.ok()) return parsed.status().with_context("fetched TDX collateral");
  ZKCC_RETURN_IF_ERROR(cache.write(item, std::span(reinterpret_cast<const uint8_t*>(out.data()), out.size())));
  return std::vector<std::string>{item.path};
}

StatusOr<std::vector<std::string>> fetch_rim(const std::string& rim_id, const Cache& cache, Fetcher& fetcher) {
  ZKCC_ASSIGN_OR_RETURN(Item item, nvidia_rim(rim_id));
  if (cache.contains(item)) return std::vector<std::string>{};
  ZKCC_ASSIGN_OR_RETURN(HttpResponse resp, get_ok(fetcher, item.url));
  // The service wraps the XML: {"id": ..., "rim": base64 of the XML, ...}.
  json doc = json::parse(resp.body.begin(), resp.body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("rim") || !doc["rim"].is_string()) {
    return invalid_argument(item.url + " did not answer with {\"rim\": base64}");
  }
  ZKCC_ASSIGN_OR_RETURN(Bytes xml, from_base64(doc["rim"].get<std::string>()));
  ZKCC_RETURN_IF_ERROR(cache.write(item, xml));
  return std::vector<std::string>{item.path};
}

StatusOr<std::vector<Certificate>> load_snp_certs(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache) {
  ZKCC_ASSIGN_OR_RETURN(sev_snp::Report r, parse_snp(report));
  ZKCC_ASSIGN_OR_RETURN(Item vcek, amd_vcek(r, product));
  ZKCC_ASSIGN_OR_RETURN(Bytes der, cache.read(vcek));
  ZKCC_ASSIGN_OR_RETURN(Certificate leaf, Certificate::from_der(der));
  std::vector<Certificate> certs;
  certs.push_back(std::move(leaf));
  if (r.product_from_cpuid() != sev_snp::Product::kUnknown) product = r.product_from_cpuid();
  auto chain = cache.read(amd_cert_chain(product, sev_snp::SigningKey::kVcek));
  if (chain.ok()) {  // optional: the ASK and ARK are compiled in
    ZKCC_ASSIGN_OR_RETURN(std::vector<Certificate> more, Certificate::from_pem_bundle(text(*chain)));
    for (auto& c : more) certs.push_back(std::move(c));
  }
  return certs;
}

StatusOr<sev_snp::Collateral> load_snp_collateral(std::span<const uint8_t> report, sev_snp::Product product, const Cache& cache) {
  ZKCC_ASSIGN_OR_RETURN(sev_snp::Report r, parse_snp(report));
  if (r.product_from_cpuid() != sev_snp::Product::kUnknown) product = r.product_from_cpuid();
  if (product == sev_snp::Product::kUnknown) return invalid_argument("the report does not name its product; say which (Milan, Genoa, Turin)");
  sev_snp::Collateral c;
  sev_snp::SigningKey key = r.signing_key == sev_snp::SigningKey::kVlek ? sev_snp::SigningKey::kVlek : sev_snp::SigningKey::kVcek;
  auto crl = cache.read(amd_crl(product, key));
  if (crl.ok()) {
    c.crl = std::move(*crl);
  } else if (crl.status().code() != StatusCode::kNotFound) {
    return crl.status();
  }
  return c;
}

StatusOr<tdx::Collateral> load_tdx_collateral(std::span<const uint8_t> quote, const Cache& cache) {
  ZKCC_ASSIGN_OR_RETURN(PckInfo pck, pck_info(quote));
  ZKCC_ASSIGN_OR_RETURN(Bytes json_text, cache.read(intel_tdx_collateral(pck.fmspc)));
  return tdx::parse_collateral_json(text(json_text));
}

}  // namespace zkcc::tee::collateral
