#include "zkcc/tee/collect/snp_crl.h"

#include "zkcc/tee/collateral/fetch.h"
#include "zkcc/tee/sev_snp/collateral.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee::collect {
namespace {

// The product the host's endorsement key names, or kUnknown.
sev_snp::Product product_of_certificates(const CpuEvidence& ev) {
  for (const Bytes& der : ev.certificates) {
    auto cert = Certificate::from_der(der);
    if (!cert.ok()) continue;
    sev_snp::Product p = sev_snp::product_of(*cert);
    if (p != sev_snp::Product::kUnknown) return p;
  }
  return sev_snp::Product::kUnknown;
}

}  // namespace

SnpCrlAttester::SnpCrlAttester(std::unique_ptr<CpuAttester> inner, std::filesystem::path cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {}

StatusOr<CpuEvidence> SnpCrlAttester::attest(std::span<const uint8_t, 64> report_data) {
  if (inner_->platform() != CpuPlatform::kSevSnp) return invalid_argument("AMD's CRL belongs beside SEV-SNP evidence only");
  ZKCC_ASSIGN_OR_RETURN(CpuEvidence ev, inner_->attest(report_data));
  ZKCC_ASSIGN_OR_RETURN(sev_snp::Report r, sev_snp::parse_report(ev.report));
  sev_snp::Product product = r.product_from_cpuid();
  if (product == sev_snp::Product::kUnknown) product = product_of_certificates(ev);
  ZKCC_ASSIGN_OR_RETURN(sev_snp::Collateral c, collateral::load_snp_collateral(ev.report, product, cache_));
  if (c.crl.empty()) {
    sev_snp::SigningKey key = r.signing_key == sev_snp::SigningKey::kVlek ? sev_snp::SigningKey::kVlek : sev_snp::SigningKey::kVcek;
    return failed_precondition("the collateral cache " + cache_.root().string() + " holds no AMD CRL (" +
                               collateral::amd_crl(product, key).path + "): fill it with `prove-model fetch-collateral REPORT --cache " +
                               cache_.root().string() + "`");
  }
  ev.collateral = sev_snp::collateral_json(c);
  return ev;
}

}  // namespace zkcc::tee::collect
