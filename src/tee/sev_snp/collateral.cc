#include "zkcc/tee/sev_snp/collateral.h"

#include <nlohmann/json.hpp>

namespace zkcc::tee::sev_snp {

StatusOr<Collateral> parse_collateral_json(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return invalid_argument("SEV-SNP collateral is not a JSON object");
  for (const auto& item : j.items()) {
    if (item.key() != "crl") return invalid_argument("SEV-SNP collateral has an unknown key \"" + item.key() + "\"");
  }
  if (!j.contains("crl") || !j["crl"].is_string()) return invalid_argument("SEV-SNP collateral has no \"crl\" string");
  auto crl = from_hex(j["crl"].get<std::string>());
  if (!crl.ok()) return invalid_argument("SEV-SNP collateral \"crl\" is not hex: " + crl.status().message());
  if (crl->empty()) return invalid_argument("SEV-SNP collateral \"crl\" is empty");
  return Collateral{std::move(*crl)};
}

std::string collateral_json(const Collateral& c) { return nlohmann::json{{"crl", to_hex(c.crl)}}.dump(); }

}  // namespace zkcc::tee::sev_snp
