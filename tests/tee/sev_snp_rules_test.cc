// SEV-SNP layout, TCB and path rules: each test takes a report the simulated platform signs
// correctly but that breaks exactly one rule, and expects that rule, and only it, to fail.
#include "../../src/tee/sim/pki.h"
#include "fake_vendor.h"
#include "sim_bundle_fixture.h"
#include "zkcc/tee/collateral/fetch.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee::sev_snp {
namespace {

bool has_check(const Verdict& v, const std::string& name) {
  for (const Check& c : v.checks) {
    if (c.name == name) return true;
  }
  return false;
}

// Milan TCB_VERSION bytes: boot loader 0, TEE 1, SNP 6, microcode 7.
uint64_t with_byte(uint64_t tcb, int byte, int delta) {
  uint64_t b = (tcb >> (8 * byte)) & 0xFF;
  b = static_cast<uint64_t>(static_cast<int>(b) + delta) & 0xFF;
  return (tcb & ~(uint64_t{0xFF} << (8 * byte))) | b << (8 * byte);
}

// The simulated platform of the bundle tests, used here for its SEV-SNP reports alone.
class SnpRulesTest : public SimBundleTest {
 protected:
  static std::vector<Certificate> parse(const std::vector<Bytes>& ders) {
    std::vector<Certificate> out;
    for (const Bytes& d : ders) out.push_back(*Certificate::from_der(d));
    return out;
  }
  static Bytes report(const sim::SnpGuest& guest = {}) {
    std::array<uint8_t, 64> data{};
    data[0] = 7;
    auto r = platform_->snp_report(data, guest);
    EXPECT_TRUE(r.ok()) << r.status().to_string();
    return r.ok() ? *r : Bytes();
  }
  static Verdict verify(const Bytes& r, const std::vector<Certificate>& certs) {
    TrustRoots roots{.amd = true, .extra = platform_->roots().amd};
    return verify_report(r, certs, roots, static_cast<int64_t>(std::time(nullptr)));
  }
  static Verdict verify(const Bytes& r) { return verify(r, parse(platform_->snp_certificates())); }
  static Bytes vcek(const sim::SnpVcekOptions& o) {
    auto c = platform_->snp_vcek(o);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? *c : Bytes();
  }
};

TEST_F(SnpRulesTest, HonestReportPassesEveryRule) {
  Verdict v = verify(report());
  EXPECT_TRUE(v.ok()) << v.summary();
  for (const char* rule : {"guest policy bit 17 is one", "guest policy bits 26-63 are zero", "signer info bits 5-31 are zero",
                           "platform info reserved bits are zero", "reserved fields are zero",
                           "certificate path is AMD's (CA flags, key usage, issuers)", "endorsement key TCB is at most CURRENT_TCB",
                           "COMMITTED_TCB is at most CURRENT_TCB", "COMMITTED firmware version is at most CURRENT"}) {
    EXPECT_TRUE(has_check(v, rule)) << rule;
  }
}

TEST_F(SnpRulesTest, PolicyBit17MustBeOne) {
  sim::SnpGuest g;
  g.policy = 0x10000;
  Verdict v = verify(report(g));
  EXPECT_EQ(failures(v), std::set<std::string>{"guest policy bit 17 is one"}) << v.summary();
}

TEST_F(SnpRulesTest, PolicyBits26To63MustBeZero) {
  for (int bit : {26, 40, 63}) {
    sim::SnpGuest g;
    g.policy = 0x30000 | uint64_t{1} << bit;
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"guest policy bits 26-63 are zero"}) << bit << v.summary();
  }
  sim::SnpGuest defined;
  defined.policy = 0x30000 | uint64_t{1} << 25;  // PAGE_SWAP_DISABLE is defined
  EXPECT_TRUE(verify(report(defined)).ok());
}

TEST_F(SnpRulesTest, SignerInfoReservedBitsMustBeZero) {
  sim::SnpGuest g;
  g.raw_bytes = {{0x48, 0x20}};  // bit 5
  Verdict v = verify(report(g));
  EXPECT_EQ(failures(v), std::set<std::string>{"signer info bits 5-31 are zero"}) << v.summary();
  g.raw_bytes = {{0x4B, 0x80}};  // bit 31
  EXPECT_EQ(failures(verify(report(g))), std::set<std::string>{"signer info bits 5-31 are zero"});
}

TEST_F(SnpRulesTest, PlatformInfoReservedBitsMustBeZero) {
  for (uint64_t bit : {uint64_t{1} << 6, uint64_t{1} << 8, uint64_t{1} << 63}) {
    sim::SnpGuest g;
    g.platform_info = 1 | bit;
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"platform info reserved bits are zero"}) << v.summary();
  }
  sim::SnpGuest defined;
  defined.platform_info = 0xBF;
  EXPECT_TRUE(verify(report(defined)).ok());
}

TEST_F(SnpRulesTest, ReservedRangesMustBeZero) {
  for (size_t offset : {size_t{0x4C}, size_t{0x4F}, size_t{0x18B}, size_t{0x19F}, size_t{0x1EB}, size_t{0x1EF}, size_t{0x1F8},
                        size_t{0x29F}}) {
    sim::SnpGuest g;
    g.raw_bytes = {{offset, 0x01}};
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"reserved fields are zero"}) << offset << v.summary();
  }
}

TEST_F(SnpRulesTest, EndorsementKeyTcbAboveCurrentIsRefused) {
  // The firmware reports a CURRENT_TCB below the one its VCEK certifies (and has committed only
  // to that lower TCB, so that the committed rule holds).
  for (int byte : {0, 6, 7}) {
    sim::SnpGuest g;
    g.current_tcb = with_byte(platform_->snp_tcb(), byte, -1);
    g.committed_tcb = g.current_tcb;
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"endorsement key TCB is at most CURRENT_TCB"}) << byte << v.summary();
  }
}

TEST_F(SnpRulesTest, CommittedTcbAboveCurrentIsRefused) {
  sim::SnpGuest g;
  g.committed_tcb = with_byte(platform_->snp_tcb(), 7, 1);
  Verdict v = verify(report(g));
  EXPECT_EQ(failures(v), std::set<std::string>{"COMMITTED_TCB is at most CURRENT_TCB"}) << v.summary();
  // A CURRENT_TCB above both is fine: the firmware was updated after the VCEK's TCB.
  sim::SnpGuest newer;
  newer.current_tcb = with_byte(platform_->snp_tcb(), 7, 1);
  EXPECT_TRUE(verify(report(newer)).ok()) << verify(report(newer)).summary();
}

TEST_F(SnpRulesTest, CommittedFirmwareVersionAboveCurrentIsRefused) {
  // CURRENT_BUILD/MINOR/MAJOR at 0x1E8-0x1EA, COMMITTED_* at 0x1EC-0x1EE; the simulated firmware
  // runs and has committed to 1.55 build 21.
  for (size_t offset : {size_t{0x1EC}, size_t{0x1ED}, size_t{0x1EE}}) {
    sim::SnpGuest g;
    g.raw_bytes = {{offset, 0x7F}};
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"COMMITTED firmware version is at most CURRENT"}) << offset << v.summary();
  }
  // A newer running version than the committed one is fine, and major outranks build.
  sim::SnpGuest newer;
  newer.raw_bytes = {{0x1E9, 56}, {0x1EC, 0x7F}};
  EXPECT_TRUE(verify(report(newer)).ok()) << verify(report(newer)).summary();
}

TEST_F(SnpRulesTest, CpuidMustNameTheCertificatesProduct) {
  // The simulated part is a Milan (family 0x19, model 0x01) with a Milan VCEK. CPUID bytes are
  // family 0x188 and model 0x189.
  struct Case {
    uint8_t family, model;
    const char* named;
  };
  for (const Case& c : {Case{0x19, 0x11, "Genoa"}, Case{0x1A, 0x02, "Turin"}, Case{0x17, 0x31, "unknown"},
                        Case{0x19, 0x40, "unknown"}, Case{0x00, 0x00, "unknown"}}) {
    sim::SnpGuest g;
    g.raw_bytes = {{0x188, c.family}, {0x189, c.model}};
    Verdict v = verify(report(g));
    EXPECT_EQ(failures(v), std::set<std::string>{"product"}) << int{c.family} << "/" << int{c.model} << v.summary();
    ASSERT_NE(v.first_failure(), nullptr);
    EXPECT_NE(v.first_failure()->detail.find(std::string("report CPUID: ") + c.named), std::string::npos) << v.summary();
  }
  sim::SnpGuest other_milan;
  other_milan.raw_bytes = {{0x188, 0x19}, {0x189, 0x0F}};
  EXPECT_TRUE(verify(report(other_milan)).ok()) << verify(report(other_milan)).summary();
}

TEST_F(SnpRulesTest, VcekSplsMustMatchReportedTcb) {
  // The only VCEK offered certifies an SNP SPL one below the report's REPORTED_TCB (and so below
  // CURRENT_TCB, which that rule allows): it endorses another TCB than the report's.
  sim::SnpVcekOptions older;
  older.tcb = with_byte(platform_->snp_tcb(), 6, -1);
  std::vector<Bytes> chain = platform_->snp_certificates();
  Verdict v = verify(report(), parse({vcek(older), chain[1], chain[2]}));
  EXPECT_EQ(failures(v), std::set<std::string>{"SNP SPL matches REPORTED_TCB"}) << v.summary();
  sim::SnpVcekOptions older_microcode;
  older_microcode.tcb = with_byte(platform_->snp_tcb(), 7, -1);
  v = verify(report(), parse({vcek(older_microcode), chain[1], chain[2]}));
  EXPECT_EQ(failures(v), std::set<std::string>{"microcode SPL matches REPORTED_TCB"}) << v.summary();
}

TEST_F(SnpRulesTest, VcekSignedDirectlyByTheArkIsRefused) {
  sim::SnpVcekOptions by_ark;
  by_ark.signed_by_ark = true;
  Bytes direct = vcek(by_ark);
  Verdict v = verify(report(), parse({direct}));
  EXPECT_EQ(failures(v), std::set<std::string>{"certificate path is AMD's (CA flags, key usage, issuers)"}) << v.summary();
}

TEST_F(SnpRulesTest, TheMatchingVcekIsChosenAmongSeveral) {
  std::vector<Bytes> chain = platform_->snp_certificates();  // VCEK, ASK, ARK
  std::array<uint8_t, 64> other_chip{};
  other_chip.fill(0xAB);
  sim::SnpVcekOptions chip, tcb;
  chip.chip_id = other_chip;
  tcb.tcb = with_byte(platform_->snp_tcb(), 6, -1);
  Bytes other_chip_vcek = vcek(chip);
  Bytes older_tcb_vcek = vcek(tcb);
  // The matching VCEK first and others after it, and the other way round: both verify.
  std::vector<Bytes> last = chain;
  last.push_back(other_chip_vcek);
  last.push_back(older_tcb_vcek);
  Verdict v = verify(report(), parse(last));
  EXPECT_TRUE(v.ok()) << v.summary();
  std::vector<Bytes> first = {older_tcb_vcek, other_chip_vcek};
  first.insert(first.end(), chain.begin(), chain.end());
  EXPECT_TRUE(verify(report(), parse(first)).ok()) << verify(report(), parse(first)).summary();
  // Only non-matching VCEKs: the first is judged, and its mismatch named.
  Verdict wrong = verify(report(), parse({other_chip_vcek, chain[1]}));
  EXPECT_EQ(failures(wrong), std::set<std::string>{"hwID matches CHIP_ID"}) << wrong.summary();
}


// ---- AMD's CRL (collateral): each CRL below is correctly formed; each breaks one rule. ----

class SnpCrlTest : public SnpRulesTest {
 protected:
  static Bytes crl(int64_t issued, const sim::SnpCrlOptions& o = {}) {
    auto c = platform_->snp_crl(issued, o);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? *c : Bytes();
  }
  static Verdict verify_with(const Bytes& crl_der, int64_t at) {
    TrustRoots roots{.amd = true, .extra = platform_->roots().amd};
    return verify_report(report(), parse(platform_->snp_certificates()), Collateral{crl_der}, roots, at);
  }
  static int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }
};

TEST_F(SnpCrlTest, CurrentCrlOfTheArkPasses) {
  Verdict v = verify_with(crl(now()), now());
  EXPECT_TRUE(v.ok()) << v.summary();
  for (const char* rule : {"AMD CRL parses", "AMD CRL signed by the ARK", "AMD CRL current", "ASK not revoked"}) {
    EXPECT_TRUE(has_check(v, rule)) << rule;
  }
  // Without a CRL there is nothing to check, and nothing is claimed.
  EXPECT_FALSE(has_check(verify(report()), "ASK not revoked"));
}

TEST_F(SnpCrlTest, RevokedAskIsRefused) {
  Verdict v = verify_with(crl(now(), {.revoke_ask = true}), now());
  EXPECT_EQ(failures(v), std::set<std::string>{"ASK not revoked"}) << v.summary();
}

TEST_F(SnpCrlTest, CrlNotSignedByTheArkIsRefused) {
  // Named for the ARK but signed with the ASK's key: the revocation it lists counts for nothing.
  Verdict v = verify_with(crl(now(), {.revoke_ask = true, .signed_by_ask = true}), now());
  EXPECT_EQ(failures(v), std::set<std::string>{"AMD CRL signed by the ARK"}) << v.summary();
  // A byte of the ARK's signature changed.
  Bytes flipped = crl(now());
  flipped[flipped.size() - 10] ^= 1;
  v = verify_with(flipped, now());
  EXPECT_EQ(failures(v), std::set<std::string>{"AMD CRL signed by the ARK"}) << v.summary();
}

TEST_F(SnpCrlTest, CrlOutsideItsWindowIsRefused) {
  int64_t issued = now();
  Verdict late = verify_with(crl(issued), issued + 31 * 86400);
  EXPECT_EQ(failures(late), std::set<std::string>{"AMD CRL current"}) << late.summary();
  Verdict early = verify_with(crl(issued), issued - 3600);
  EXPECT_EQ(failures(early), std::set<std::string>{"AMD CRL current"}) << early.summary();
}

TEST_F(SnpCrlTest, MalformedCrlGetsAPreciseError) {
  Bytes good = crl(now());
  for (size_t cut : {size_t{1}, size_t{2}, good.size() / 2, good.size() - 1}) {
    Verdict v = verify_with(Bytes(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut)), now());
    EXPECT_EQ(failures(v), std::set<std::string>{"AMD CRL parses"}) << cut << v.summary();
  }
  Bytes trailing = good;
  trailing.push_back(0);
  Verdict v = verify_with(trailing, now());
  EXPECT_EQ(failures(v), std::set<std::string>{"AMD CRL parses"}) << v.summary();
  EXPECT_NE(v.summary().find("1 trailing bytes"), std::string::npos) << v.summary();
}

// fetch-collateral's side: KDS (a fake answering with the simulated platform's VCEK, chain and
// CRL) into a cache, then verification offline from the cache, CRL included.
TEST_F(SnpCrlTest, FetchedCrlIsCachedAndJudgesTheReport) {
  namespace col = collateral;
  Bytes r = report();
  auto parsed = parse_report(r);
  ASSERT_TRUE(parsed.ok());
  auto vcek_item = col::amd_vcek(*parsed, Product::kMilan);
  ASSERT_TRUE(vcek_item.ok());
  std::vector<Bytes> ders = platform_->snp_certificates();  // VCEK, ASK, ARK
  std::string chain_pem = sim::pki::certificate_pem(*Certificate::from_der(ders[1])) + sim::pki::certificate_pem(*Certificate::from_der(ders[2]));
  const std::string crl_url = "https://kdsintf.amd.com/vcek/v1/Milan/crl";
  col::FakeVendor kds;
  kds.answers[vcek_item->url] = col::HttpResponse{200, ders[0], {}};
  kds.answers["https://kdsintf.amd.com/vcek/v1/Milan/cert_chain"] = col::HttpResponse{200, Bytes(chain_pem.begin(), chain_pem.end()), {}};
  Bytes current = crl(now());
  kds.answers[crl_url] = col::HttpResponse{200, current, {}};
  fs::path dir = dir_ / "kds-cache";
  col::Cache cache(dir);
  TrustRoots roots{.amd = true, .extra = platform_->roots().amd};

  auto wrote = col::fetch_for_snp(r, Product::kMilan, cache, kds, roots);
  ASSERT_TRUE(wrote.ok()) << wrote.status().to_string();
  EXPECT_EQ(*wrote, (std::vector<std::string>{vcek_item->path, "amd/Milan/vcek_cert_chain.pem", "amd/Milan/vcek_crl.der"}));
  auto offline = [&] {
    auto certs = col::load_snp_certs(r, Product::kMilan, cache);
    auto c = col::load_snp_collateral(r, Product::kMilan, cache);
    EXPECT_TRUE(certs.ok() && c.ok());
    return verify_report(r, *certs, *c, roots, now());
  };
  Verdict v = offline();
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_TRUE(has_check(v, "ASK not revoked"));
  EXPECT_EQ(col::load_snp_collateral(r, Product::kMilan, cache)->crl, current);

  // The CRL is fetched on every run (it expires); the new one, revoking the ASK, replaces it.
  size_t asked = kds.asked.size();
  kds.answers[crl_url] = col::HttpResponse{200, crl(now(), {.revoke_ask = true}), {}};
  wrote = col::fetch_for_snp(r, Product::kMilan, cache, kds, roots);
  ASSERT_TRUE(wrote.ok()) << wrote.status().to_string();
  EXPECT_EQ(*wrote, std::vector<std::string>{"amd/Milan/vcek_crl.der"});
  EXPECT_EQ(kds.asked.size(), asked + 1);
  EXPECT_EQ(failures(offline()), std::set<std::string>{"ASK not revoked"});

  // What the offline side would not accept is not stored: a CRL named for the ARK but signed by the
  // ASK, one truncated, and (with AMD's roots alone) the simulated ARK's.
  Bytes revoked = *cache.read(col::amd_crl(Product::kMilan, SigningKey::kVcek));
  kds.answers[crl_url] = col::HttpResponse{200, crl(now(), {.signed_by_ask = true}), {}};
  auto forged = col::fetch_for_snp(r, Product::kMilan, cache, kds, roots);
  ASSERT_FALSE(forged.ok());
  EXPECT_NE(forged.status().message().find(crl_url + ": the CRL is not signed by Milan's ARK"), std::string::npos)
      << forged.status().message();
  kds.answers[crl_url] = col::HttpResponse{200, Bytes(current.begin(), current.begin() + 100), {}};
  EXPECT_FALSE(col::fetch_for_snp(r, Product::kMilan, cache, kds, roots).ok());
  kds.answers[crl_url] = col::HttpResponse{200, current, {}};
  EXPECT_FALSE(col::fetch_for_snp(r, Product::kMilan, cache, kds).ok());
  EXPECT_EQ(*cache.read(col::amd_crl(Product::kMilan, SigningKey::kVcek)), revoked);
}

TEST_F(SnpCrlTest, CollateralJsonIsStrict) {
  Bytes der = crl(now());
  auto round = parse_collateral_json(collateral_json({der}));
  ASSERT_TRUE(round.ok()) << round.status().to_string();
  EXPECT_EQ(round->crl, der);
  for (const char* bad : {"[]", "{}", R"({"crl": 5})", R"({"crl": "zz"})", R"({"crl": ""})", R"({"crl": "00", "note": 1})"}) {
    EXPECT_FALSE(parse_collateral_json(bad).ok()) << bad;
  }
}

// In a bundle: the simulated attester carries the ARK's CRL; one listing the ASK, re-issued and
// restated correctly, fails only the revocation rule.
TEST_F(SnpCrlTest, BundleCarriesTheCrlAndRefusesARevokedAsk) {
  json b = bundle(CpuPlatform::kSevSnp, 1);
  Verdict ok = SimBundleTest::verify(b);
  ASSERT_TRUE(ok.ok()) << ok.summary();
  EXPECT_TRUE(has_check(ok, "cpu: ASK not revoked"));
  json revoked = b;
  revoked["cpu"]["collateral"] = json::parse(collateral_json({crl(now(), {.revoke_ask = true})}));
  Verdict v = SimBundleTest::verify(revoked);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: ASK not revoked"}) << v.summary();
  json malformed = b;
  malformed["cpu"]["collateral"] = {{"crl", 7}};
  v = SimBundleTest::verify(malformed);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: SEV-SNP collateral parses"}) << v.summary();
}

}  // namespace
}  // namespace zkcc::tee::sev_snp
