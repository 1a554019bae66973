// The simulated VLEK hierarchy (AMD's "Versioned Loaded Endorsement Key" specification: the VLEK
// carries the VCEK's SPL and product extensions but no hwID; KDS's vlek/v1/<product> serves the
// ASVK and ARK).
#include "zkcc/tee/sim/vlek.h"

#include "../sev_snp/oids.h"
#include "state.h"

namespace zkcc::tee::sim {
namespace {

// SPLs of the simulated firmware: boot loader, TEE, SNP, microcode and (Turin) FMC.
constexpr uint8_t kBl = 9, kTee = 0, kSnp = 23, kUcode = 72, kFmc = 1;

// A part of the product as the report's CPUID states it: Milan-B1, Genoa-B1, Turin-C1.
std::array<uint8_t, 3> cpuid_of(sev_snp::Product p) {
  switch (p) {
    case sev_snp::Product::kGenoa: return {0x19, 0x11, 0x01};
    case sev_snp::Product::kTurin: return {0x1a, 0x02, 0x01};
    default: return {0x19, 0x01, 0x01};
  }
}

// TCB_VERSION in the product's layout (sev_snp::decode_tcb reads it back).
uint64_t tcb_of(sev_snp::Product p) {
  if (p == sev_snp::Product::kTurin) {
    return uint64_t{kFmc} | uint64_t{kBl} << 8 | uint64_t{kTee} << 16 | uint64_t{kSnp} << 24 | uint64_t{kUcode} << 56;
  }
  return uint64_t{kBl} | uint64_t{kTee} << 8 | uint64_t{kSnp} << 48 | uint64_t{kUcode} << 56;
}

pki::CertSpec vlek_spec(sev_snp::Product p, int64_t not_before, int64_t not_after) {
  pki::CertSpec spec;
  spec.subject = amd_style_name("SEV-VLEK");  // the verifier finds the endorsement key by this name
  spec.not_before = not_before;
  spec.not_after = not_after;
  spec.extensions = {{sev_snp::oid::kStructVersion, pki::der_integer(0)},
                     {sev_snp::oid::kProductName, pki::der_ia5(std::string(sev_snp::product_name(p)))},
                     {sev_snp::oid::kBlSpl, pki::der_integer(kBl)},
                     {sev_snp::oid::kTeeSpl, pki::der_integer(kTee)},
                     {sev_snp::oid::kSnpSpl, pki::der_integer(kSnp)},
                     {sev_snp::oid::kUcodeSpl, pki::der_integer(kUcode)}};
  if (p == sev_snp::Product::kTurin) spec.extensions.push_back({sev_snp::oid::kFmcSpl, pki::der_integer(kFmc)});
  return spec;
}

}  // namespace

struct SimVlek::State {
  sev_snp::Product product;
  KeyedCert ark, asvk, vlek;
};

StatusOr<SimVlek> SimVlek::create(sev_snp::Product product, int64_t now) {
  if (product == sev_snp::Product::kUnknown) return invalid_argument("a simulated VLEK needs a product (Milan, Genoa, Turin)");
  const std::string name(sev_snp::product_name(product));
  ZKCC_ASSIGN_OR_RETURN(AmdCas cas, create_amd_cas(now, "Simulated ARK-" + name, "Simulated SEV-VLEK-" + name));
  const Certificate& asvk = cas.intermediate.cert;
  ZKCC_ASSIGN_OR_RETURN(pki::Key vlek_key, pki::generate_ec("P-384"));
  ZKCC_ASSIGN_OR_RETURN(Certificate vlek, pki::issue(vlek_spec(product, asvk.not_before(), asvk.not_after()), vlek_key, &asvk,
                                                     cas.intermediate.key, pki::SigAlg::kRsaPssSha384));
  auto state = std::make_shared<State>(State{product, std::move(cas.ark), std::move(cas.intermediate), {vlek_key, vlek}});
  return SimVlek(std::move(state));
}

sev_snp::Product SimVlek::product() const { return state_->product; }
const Certificate& SimVlek::ark() const { return state_->ark.cert; }
const Certificate& SimVlek::asvk() const { return state_->asvk.cert; }

std::vector<Bytes> SimVlek::certificates() const {
  return {state_->vlek.cert.der(), state_->asvk.cert.der(), state_->ark.cert.der()};
}

StatusOr<Bytes> SimVlek::report(std::span<const uint8_t, 64> report_data, const SnpGuest& guest) const {
  SnpSigner signer{&state_->vlek.key, {}, tcb_of(state_->product), cpuid_of(state_->product), true};
  return build_snp_report(signer, report_data, guest);
}

StatusOr<Bytes> SimVlek::vlek_issued_by(const SimVlek& other) const {
  const Certificate& mine = state_->vlek.cert;
  ZKCC_ASSIGN_OR_RETURN(Certificate cert, pki::issue(vlek_spec(state_->product, mine.not_before(), mine.not_after()), state_->vlek.key,
                                                     &other.state_->asvk.cert, other.state_->asvk.key, pki::SigAlg::kRsaPssSha384));
  return cert.der();
}

StatusOr<Bytes> SimVlek::crl(int64_t issued_at, bool revoke_asvk) const {
  std::vector<Certificate> revoked;
  if (revoke_asvk) revoked.push_back(state_->asvk.cert);
  uint64_t number = static_cast<uint64_t>(std::max<int64_t>(issued_at, 1));
  return pki::issue_crl(state_->ark.cert, state_->ark.key, issued_at, issued_at + 30 * kDay, number, revoked,
                        pki::SigAlg::kRsaPssSha384);
}

}  // namespace zkcc::tee::sim
