// AMD's compiled-in SEV-SNP authorities (ARK, ASK and ASVK of Milan, Genoa and Turin) and the chain
// verify_report selects for VLEK-signed reports; VLEK evidence of each product end to end on the
// simulated VLEK hierarchy, and a VLEK under another product's authorities.
#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <set>

#include "../../src/tee/sim/pki.h"
#include "zkcc/base/bytes.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/sim/vlek.h"

namespace zkcc::tee::sev_snp {
namespace {

std::string dir() { return std::string(ZKCC_TEST_DATA) + "/attestation/sev-snp/"; }

Bytes load(const std::string& name) {
  auto b = read_file(dir() + name);
  EXPECT_TRUE(b.ok()) << b.status().to_string();
  return b.ok() ? *b : Bytes{};
}

int64_t at(const char* t) { return *parse_rfc3339(t); }

const Check* find_check(const Verdict& v, const std::string& name) {
  for (const Check& c : v.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// SHA-256 fingerprints and notBefore of AMD's certificates as `openssl x509 -fingerprint -sha256`
// prints them for kdsintf.amd.com's vcek/v1/<product>/cert_chain and vlek/v1/<product>/cert_chain.
struct Expected {
  Product product;
  SigningKey kind;
  const char* intermediate_cn;
  const char* intermediate_sha256;
  const char* intermediate_not_before;
  const char* ark_cn;
  const char* ark_sha256;
};

const Expected kExpected[] = {
    {Product::kMilan, SigningKey::kVcek, "SEV-Milan", "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b",
     "2020-10-22T18:24:20Z", "ARK-Milan", "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
    {Product::kMilan, SigningKey::kVlek, "SEV-VLEK-Milan", "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5",
     "2022-11-16T22:45:24Z", "ARK-Milan", "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"},
    {Product::kGenoa, SigningKey::kVcek, "SEV-Genoa", "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521",
     "2022-10-31T13:33:48Z", "ARK-Genoa", "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
    {Product::kGenoa, SigningKey::kVlek, "SEV-VLEK-Genoa", "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372",
     "2022-11-18T20:48:34Z", "ARK-Genoa", "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"},
    {Product::kTurin, SigningKey::kVcek, "SEV-Turin", "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185",
     "2023-05-15T20:25:21Z", "ARK-Turin", "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"},
    {Product::kTurin, SigningKey::kVlek, "SEV-VLEK-Turin", "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c",
     "2023-05-15T21:09:41Z", "ARK-Turin", "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"},
};

TEST(AmdRoots, EveryCompiledInAuthorityIsPinnedAndSignedByItsProductsArk) {
  for (const Expected& e : kExpected) {
    SCOPED_TRACE(e.intermediate_cn);
    std::vector<Certificate> chain = amd_chain(e.product, e.kind);
    ASSERT_EQ(chain.size(), 2u);
    const Certificate& inter = chain[0];
    const Certificate& ark = chain[1];
    EXPECT_EQ(inter.common_name(), e.intermediate_cn);
    EXPECT_EQ(inter.sha256_fingerprint(), e.intermediate_sha256);
    EXPECT_EQ(ark.common_name(), e.ark_cn);
    EXPECT_EQ(ark.sha256_fingerprint(), e.ark_sha256);
    EXPECT_TRUE(inter.signed_by(ark));
    EXPECT_FALSE(inter.signed_by(inter));
    EXPECT_TRUE(ark.signed_by(ark));
    // An intermediate CA that may sign end-entity keys only.
    EXPECT_TRUE(inter.is_ca());
    EXPECT_TRUE(inter.may_sign_certificates());
    ASSERT_TRUE(inter.path_len().has_value());
    EXPECT_EQ(*inter.path_len(), 0);
    EXPECT_TRUE(ark.is_ca());
    // Valid from its notBefore (25 years each), not a second earlier.
    int64_t from = at(e.intermediate_not_before);
    EXPECT_TRUE(inter.valid_at(from));
    EXPECT_FALSE(inter.valid_at(from - 1));
    EXPECT_TRUE(inter.valid_at(at("2045-01-01T00:00:00Z")));
  }
}

TEST(AmdRoots, AnAsvkIsSignedByNoOtherProductsArk) {
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    for (Product q : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
      if (p == q) continue;
      std::vector<Certificate> asvk = amd_chain(p, SigningKey::kVlek);
      std::vector<Certificate> other = amd_chain(q, SigningKey::kVlek);
      ASSERT_EQ(asvk.size(), 2u);
      ASSERT_EQ(other.size(), 2u);
      EXPECT_FALSE(asvk[0].signed_by(other[1])) << product_name(p) << " ASVK under " << product_name(q) << " ARK";
      EXPECT_NE(asvk[0].sha256_fingerprint(), other[0].sha256_fingerprint());
    }
  }
}

TEST(AmdRoots, NoChainForAnUnknownProductOrAnUnsignedReport) {
  EXPECT_TRUE(amd_chain(Product::kUnknown, SigningKey::kVlek).empty());
  EXPECT_TRUE(amd_chain(Product::kUnknown, SigningKey::kVcek).empty());
  EXPECT_TRUE(amd_chain(Product::kGenoa, SigningKey::kNone).empty());
}

// The real AWS VLEK report (Milan) verifies with the VLEK alone: the compiled-in Milan ASVK and
// ARK complete its chain.
TEST(SevSnpVlek, MilanReportChainsThroughTheCompiledInMilanAsvk) {
  Bytes report = load("trustee_milan_v3_vlek_report.bin");
  auto vlek = Certificate::from_der(load("trustee_milan_vlek.der"));
  ASSERT_TRUE(vlek.ok());
  EXPECT_EQ(product_of(*vlek), Product::kMilan);
  std::vector<Certificate> certs = {*vlek};
  Verdict v = verify_report(report, certs, TrustRoots{}, at("2025-06-01T00:00:00Z"));
  EXPECT_TRUE(v.ok()) << v.summary();
  const Check* chain = find_check(v, "certificate chain");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->detail, "SEV-VLEK <- SEV-VLEK-Milan <- ARK-Milan");
  // Without the compiled-in roots the lone VLEK has no chain.
  TrustRoots none;
  none.amd = false;
  Verdict bare = verify_report(report, certs, none, at("2025-06-01T00:00:00Z"));
  EXPECT_FALSE(bare.ok());
  EXPECT_EQ(bare.first_failure()->name, "certificate chain");
  EXPECT_EQ(bare.first_failure()->detail, "no supplied or known authority signed the SEV-VLEK");
}

// A throwaway CA, named like an ASVK, and a VLEK it issues naming `product`.
struct Impostor {
  Certificate ca;
  Certificate vlek;
};

Impostor impostor(const std::string& product) {
  auto ca_key = tee::sim::pki::generate_ec("P-384");
  auto vlek_key = tee::sim::pki::generate_ec("P-384");
  EXPECT_TRUE(ca_key.ok() && vlek_key.ok());
  int64_t from = at("2024-01-01T00:00:00Z"), to = at("2034-01-01T00:00:00Z");
  tee::sim::pki::CertSpec ca_spec;
  ca_spec.subject = {{"O", "Advanced Micro Devices"}, {"CN", "SEV-VLEK-" + product}};
  ca_spec.not_before = from;
  ca_spec.not_after = to;
  ca_spec.ca = true;
  ca_spec.path_len = 0;
  ca_spec.key_usage = "critical,keyCertSign";
  auto ca = tee::sim::pki::issue(ca_spec, *ca_key, nullptr, *ca_key, tee::sim::pki::SigAlg::kEcdsaSha384);
  EXPECT_TRUE(ca.ok()) << ca.status().to_string();
  tee::sim::pki::CertSpec vlek_spec;
  vlek_spec.subject = {{"O", "Advanced Micro Devices"}, {"CN", "SEV-VLEK"}};
  vlek_spec.not_before = from;
  vlek_spec.not_after = to;
  vlek_spec.extensions = {{"1.3.6.1.4.1.3704.1.2", tee::sim::pki::der_ia5(product)}};
  auto vlek = tee::sim::pki::issue(vlek_spec, *vlek_key, &*ca, *ca_key, tee::sim::pki::SigAlg::kEcdsaSha384);
  EXPECT_TRUE(vlek.ok()) << vlek.status().to_string();
  return {*ca, *vlek};
}

TEST(SevSnpVlek, AVlekSignedByAnotherKeyThanItsProductsAsvkIsRefused) {
  Bytes report = load("trustee_milan_v3_vlek_report.bin");
  for (const char* product : {"Milan", "Genoa", "Turin"}) {
    SCOPED_TRACE(product);
    Impostor fake = impostor(product);
    EXPECT_EQ(product_name(product_of(fake.vlek)), product);
    // The impostor CA kept back: no authority, supplied or compiled in, signed the VLEK.
    std::vector<Certificate> alone = {fake.vlek};
    Verdict v = verify_report(report, alone, TrustRoots{}, at("2025-06-01T00:00:00Z"));
    EXPECT_FALSE(v.ok());
    const Check* chain = find_check(v, "certificate chain");
    ASSERT_NE(chain, nullptr);
    EXPECT_FALSE(chain->ok);
    EXPECT_EQ(chain->detail, std::string("no supplied or known authority signed the SEV-VLEK (nor did ") + product +
                                 "'s compiled-in ASVK, SEV-VLEK-" + product + ")");
    // Supplied, the impostor CA links but is no trusted root, whatever its name.
    std::vector<Certificate> with_ca = {fake.vlek, fake.ca};
    Verdict w = verify_report(report, with_ca, TrustRoots{}, at("2025-06-01T00:00:00Z"));
    EXPECT_FALSE(w.ok());
    chain = find_check(w, "certificate chain");
    ASSERT_NE(chain, nullptr);
    EXPECT_FALSE(chain->ok);
    EXPECT_EQ(chain->detail, std::string("SEV-VLEK-") + product + " is not a trusted root");
    // And the report's signature is not the impostor key's.
    const Check* sig = find_check(w, "report signature");
    ASSERT_NE(sig, nullptr);
    EXPECT_FALSE(sig->ok);
  }
}

TEST(SevSnpVlek, AVlekOfAnUnknownProductHasNoCompiledInAuthority) {
  Bytes report = load("trustee_milan_v3_vlek_report.bin");
  Impostor fake = impostor("Venice");
  EXPECT_EQ(product_of(fake.vlek), Product::kUnknown);
  std::vector<Certificate> alone = {fake.vlek};
  Verdict v = verify_report(report, alone, TrustRoots{}, at("2025-06-01T00:00:00Z"));
  EXPECT_FALSE(v.ok());
  const Check* chain = find_check(v, "certificate chain");
  ASSERT_NE(chain, nullptr);
  EXPECT_EQ(chain->detail, "no supplied or known authority signed the SEV-VLEK (no ASVK is compiled in for product unknown)");
}

// One simulated VLEK hierarchy per product, shared by the tests below (RSA-4096 keys take a moment).
class SimVlekTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    now_ = static_cast<int64_t>(std::time(nullptr));
    for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
      auto h = tee::sim::SimVlek::create(p, now_);
      ASSERT_TRUE(h.ok()) << h.status().to_string();
      hierarchies_.emplace(p, std::move(*h));
    }
  }
  static void TearDownTestSuite() { hierarchies_.clear(); }

  static const tee::sim::SimVlek& of(Product p) { return hierarchies_.at(p); }

  static std::vector<Certificate> parsed(const std::vector<Bytes>& ders) {
    std::vector<Certificate> out;
    for (const Bytes& d : ders) out.push_back(*Certificate::from_der(d));
    return out;
  }

  static std::set<std::string> failed(const Verdict& v) {
    std::set<std::string> out;
    for (const Check& c : v.checks) {
      if (!c.ok) out.insert(c.name);
    }
    return out;
  }

  static inline std::map<Product, tee::sim::SimVlek> hierarchies_;
  static inline int64_t now_ = 0;
};

// The CPU side of a cloud guest whose report a VLEK signs: the report, VLEK, ASVK and ARK, and
// the ASVK's CRL as collateral.
class VlekAttester : public CpuAttester {
 public:
  VlekAttester(const tee::sim::SimVlek& h, Bytes crl) : h_(h), crl_(std::move(crl)) {}
  CpuPlatform platform() const override { return CpuPlatform::kSevSnp; }
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override {
    CpuEvidence e;
    e.platform = CpuPlatform::kSevSnp;
    e.source = "sim";
    ZKCC_ASSIGN_OR_RETURN(e.report, h_.report(report_data));
    e.certificates = h_.certificates();
    e.collateral = collateral_json({crl_});
    return e;
  }

 private:
  const tee::sim::SimVlek& h_;
  Bytes crl_;
};

// Per product: a bundle whose CPU evidence a VLEK signed, chained VLEK <- ASVK <- ARK of that
// product, verifies with that product's simulated ARK trusted, checking the ASVK's CRL; it is
// refused under the production roots alone, and with the ASVK revoked.
TEST_F(SimVlekTest, EachProductsVlekReportVerifiesEndToEndInABundle) {
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    const std::string name(product_name(p));
    SCOPED_TRACE(name);
    const tee::sim::SimVlek& h = of(p);
    auto crl = h.crl(now_, false);
    ASSERT_TRUE(crl.ok()) << crl.status().to_string();
    VlekAttester cpu(h, *crl);
    auto a = attest(Felt252::from_u64(42), SecurityLevel::kTee, &cpu, nullptr);
    ASSERT_TRUE(a.ok()) << a.status().to_string();
    nlohmann::json bundle = bundle_to_json(*a);
    std::vector<Certificate> extra = {h.ark()};
    Verdict v = verify_bundle(bundle, roots_with_extra(extra), nullptr, now_);
    EXPECT_TRUE(v.ok()) << v.summary();
    EXPECT_EQ(v.summary_line(), "VERIFIED: tee, SEV-SNP, SIMULATED test roots");
    EXPECT_EQ(v.claims["cpu"]["signing_key"], "vlek");
    EXPECT_EQ(v.claims["cpu"]["product"], name);
    const Check* chain = find_check(v, "cpu: certificate chain");
    ASSERT_NE(chain, nullptr);
    EXPECT_EQ(chain->detail, "SEV-VLEK <- Simulated SEV-VLEK-" + name + " <- Simulated ARK-" + name);
    const Check* same = find_check(v, "cpu: certificate chain is the product's");
    ASSERT_NE(same, nullptr);
    EXPECT_TRUE(same->ok);
    const Check* crl_check = find_check(v, "cpu: ASVK not revoked");
    ASSERT_NE(crl_check, nullptr);
    EXPECT_TRUE(crl_check->ok);
    EXPECT_EQ(find_check(v, "cpu: FMC SPL matches REPORTED_TCB") != nullptr, p == Product::kTurin);

    // Production roots alone: the simulated ARK is no root.
    Verdict production = verify_bundle(bundle, BundleRoots{}, nullptr, now_);
    EXPECT_EQ(failed(production), std::set<std::string>{"cpu: certificate chain"}) << production.summary();
    EXPECT_EQ(find_check(production, "cpu: certificate chain")->detail, "Simulated ARK-" + name + " is not a trusted root");

    // The ASVK revoked by its ARK's CRL.
    auto revoking = h.crl(now_, true);
    ASSERT_TRUE(revoking.ok());
    VlekAttester revoked_cpu(h, *revoking);
    auto r = attest(Felt252::from_u64(42), SecurityLevel::kTee, &revoked_cpu, nullptr);
    ASSERT_TRUE(r.ok());
    Verdict revoked = verify_bundle(bundle_to_json(*r), roots_with_extra(extra), nullptr, now_);
    EXPECT_EQ(failed(revoked), std::set<std::string>{"cpu: ASVK not revoked"}) << revoked.summary();
  }
}

// A VLEK naming one product, issued by another product's ASVK and so chained to that product's
// ARK: each link verifies and both ARKs are trusted, yet the chain is not the VLEK's product's.
TEST_F(SimVlekTest, AVlekChainedToAnotherProductsRootIsRefused) {
  for (Product p : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
    for (Product q : {Product::kMilan, Product::kGenoa, Product::kTurin}) {
      if (p == q) continue;
      const std::string mine(product_name(p)), theirs(product_name(q));
      SCOPED_TRACE(mine + " VLEK under " + theirs);
      const tee::sim::SimVlek& h = of(p);
      const tee::sim::SimVlek& other = of(q);
      auto vlek = h.vlek_issued_by(other);
      ASSERT_TRUE(vlek.ok()) << vlek.status().to_string();
      std::array<uint8_t, 64> rd{};
      auto report = h.report(rd);
      ASSERT_TRUE(report.ok());
      std::vector<Certificate> certs = {*Certificate::from_der(*vlek), other.asvk(), other.ark()};
      TrustRoots roots{.amd = true, .extra = {h.ark(), other.ark()}};
      Verdict v = verify_report(*report, certs, roots, now_);
      EXPECT_EQ(failed(v), std::set<std::string>{"certificate chain is the product's"}) << v.summary();
      const Check* c = find_check(v, "certificate chain is the product's");
      ASSERT_NE(c, nullptr);
      EXPECT_EQ(c->detail, "Simulated SEV-VLEK-" + theirs + " serves " + theirs + ", the SEV-VLEK names " + mine);
      // The honest chain of the same report passes that check.
      Verdict honest = verify_report(*report, parsed(h.certificates()), roots, now_);
      EXPECT_TRUE(honest.ok()) << honest.summary();
    }
  }
}

}  // namespace
}  // namespace zkcc::tee::sev_snp
