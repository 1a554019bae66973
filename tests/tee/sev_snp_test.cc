// SEV-SNP verification against real published reports and AMD's real certificate chains.
#include "zkcc/tee/sev_snp/verify.h"

#include <gtest/gtest.h>

#include "zkcc/base/bytes.h"

namespace zkcc::tee::sev_snp {
namespace {

std::string dir() { return std::string(ZKCC_TEST_DATA) + "/attestation/sev-snp/"; }

Bytes load(const std::string& name) {
  auto b = read_file(dir() + name);
  EXPECT_TRUE(b.ok()) << b.status().to_string();
  return b.ok() ? *b : Bytes{};
}

Certificate der(const std::string& name) { return *Certificate::from_der(load(name)); }

std::vector<Certificate> pem(const std::string& name) {
  Bytes b = load(name);
  return *Certificate::from_pem_bundle(std::string(b.begin(), b.end()));
}

int64_t at(const char* t) { return *parse_rfc3339(t); }

struct Sample {
  const char* report;
  std::vector<Certificate> certs;
  int64_t time;
};

std::vector<Sample> samples() {
  std::vector<Certificate> vlek_chain = pem("trustee_milan_ask_ark_asvk.pem");
  vlek_chain.push_back(der("trustee_milan_vlek.der"));
  return {
      {"gosevguest_milan_v2_report.bin", {der("gosevguest_milan_vcek.der")}, at("2026-11-25T00:00:00Z")},
      {"trustee_milan_v2_report.bin", {der("trustee_milan_vcek.der")}, at("2026-11-25T00:00:00Z")},
      {"trustee_milan_v3_vlek_report.bin", vlek_chain, at("2025-06-01T00:00:00Z")},
  };
}

std::string failures(const Verdict& v) { return v.summary(); }

TEST(SevSnp, RealReportsVerify) {
  for (const Sample& s : samples()) {
    Bytes report = load(s.report);
    Verdict v = verify_report(report, s.certs, TrustRoots{}, s.time);
    EXPECT_TRUE(v.ok()) << s.report << "\n" << failures(v);
  }
}

TEST(SevSnp, ClaimsAreExtracted) {
  Bytes report = load("gosevguest_milan_v2_report.bin");
  Verdict v = verify_report(report, samples()[0].certs, TrustRoots{}, samples()[0].time);
  ASSERT_TRUE(v.ok()) << failures(v);
  EXPECT_EQ(v.claims["version"], 2);
  EXPECT_EQ(v.claims["product"], "Milan");
  EXPECT_EQ(v.claims["vmpl"], 0);
  EXPECT_EQ(v.claims["policy"], 0xB0000);
  // 0xB0000: bit 16 SMT, bit 17 (reserved, set), bit 19 DEBUG.
  EXPECT_EQ(v.claims["debug_allowed"], true);
  EXPECT_EQ(v.claims["smt_allowed"], true);
  EXPECT_EQ(v.claims["migration_agent_allowed"], false);
  EXPECT_EQ(v.claims["report_data"].get<std::string>().substr(0, 12), "010203040500");
  EXPECT_EQ(v.claims["reported_tcb"]["boot_loader"], 2);
  EXPECT_EQ(v.claims["reported_tcb"]["snp"], 5);
  EXPECT_EQ(v.claims["reported_tcb"]["microcode"], 0x44);
  EXPECT_EQ(v.claims["signing_key"], "vcek");

  Bytes v3 = load("trustee_milan_v3_vlek_report.bin");
  Verdict w = verify_report(v3, samples()[2].certs, TrustRoots{}, samples()[2].time);
  EXPECT_EQ(w.claims["version"], 3);
  EXPECT_EQ(w.claims["signing_key"], "vlek");
  EXPECT_EQ(w.claims["vmpl"], 1);
  EXPECT_EQ(w.claims["cpuid"]["family"], 0x19);
}

TEST(SevSnp, EveryFlippedByteOfTheSignedRegionIsRejected) {
  for (const Sample& s : samples()) {
    Bytes report = load(s.report);
    for (size_t i = 0; i < kSignedSize; ++i) {
      Bytes bad = report;
      bad[i] ^= 0x01;
      ASSERT_FALSE(verify_report(bad, s.certs, TrustRoots{}, s.time).ok()) << s.report << " byte " << i;
    }
    // And in the signature itself.
    for (size_t i = kSignedSize; i < kSignedSize + 144; i += 7) {
      Bytes bad = report;
      bad[i] ^= 0x80;
      ASSERT_FALSE(verify_report(bad, s.certs, TrustRoots{}, s.time).ok()) << s.report << " signature byte " << i;
    }
  }
}

TEST(SevSnp, AnotherValidVcekIsRejected) {
  Bytes report = load("gosevguest_milan_v2_report.bin");
  std::vector<Certificate> swapped = {der("trustee_milan_vcek.der")};
  Verdict v = verify_report(report, swapped, TrustRoots{}, at("2026-11-25T00:00:00Z"));
  EXPECT_FALSE(v.ok());
  ASSERT_NE(v.first_failure(), nullptr);
  // The chain is fine; the signature and the chip binding are not.
  bool sig_failed = false, hwid_failed = false;
  for (const auto& c : v.checks) {
    if (c.name == "report signature") sig_failed = !c.ok;
    if (c.name == "hwID matches CHIP_ID") hwid_failed = !c.ok;
  }
  EXPECT_TRUE(sig_failed);
  EXPECT_TRUE(hwid_failed);
}

TEST(SevSnp, TimeOutsideTheValidityWindowIsRejected) {
  Sample s = samples()[2];  // the VLEK expired on 2025-12-10
  Bytes report = load(s.report);
  Verdict late = verify_report(report, s.certs, TrustRoots{}, at("2026-01-01T00:00:00Z"));
  EXPECT_FALSE(late.ok());
  EXPECT_EQ(late.first_failure()->name, "certificates valid at the verification time");
  // The detail names the certificate, the time used and its validity window.
  const std::string& l = late.first_failure()->detail;
  EXPECT_NE(l.find("SEV-VLEK has expired at the verification time 2026-01-01T00:00:00Z: valid from "), std::string::npos) << l;
  EXPECT_NE(l.find(" to 2025-12-10T"), std::string::npos) << l;
  Verdict early = verify_report(load(samples()[0].report), samples()[0].certs, TrustRoots{}, at("2020-01-01T00:00:00Z"));
  EXPECT_FALSE(early.ok());
  ASSERT_NE(early.first_failure(), nullptr);
  EXPECT_EQ(early.first_failure()->name, "certificates valid at the verification time");
  const std::string& e = early.first_failure()->detail;
  EXPECT_NE(e.find("SEV-VCEK is not yet valid at the verification time 2020-01-01T00:00:00Z: valid from "), std::string::npos) << e;
  // The honest time passes the same check.
  EXPECT_TRUE(verify_report(load(samples()[0].report), samples()[0].certs, TrustRoots{}, samples()[0].time).ok());
}

TEST(SevSnp, AMissingVcekSaysWhereToGetIt) {
  Verdict v = verify_report(load("gosevguest_milan_v2_report.bin"), {}, TrustRoots{}, samples()[0].time);
  EXPECT_FALSE(v.ok());
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_EQ(v.first_failure()->name, "endorsement key present");
  const std::string& d = v.first_failure()->detail;
  for (const char* hint : {"no certificate with CN=SEV-VCEK was supplied", "--certs", "--cache", "prove-model fetch-collateral"}) {
    EXPECT_NE(d.find(hint), std::string::npos) << hint << " in: " << d;
  }
}

TEST(SevSnp, UntrustedRootsAreRejected) {
  Sample s = samples()[0];
  TrustRoots none;
  none.amd = false;
  Verdict v = verify_report(load(s.report), s.certs, none, s.time);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_failure()->name, "certificate chain");
}

TEST(SevSnp, MalformedReportsGetPreciseErrors) {
  Bytes report = load("gosevguest_milan_v2_report.bin");
  auto expect_error = [](const Bytes& b, const std::string& needle) {
    auto r = parse_report(b);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find(needle), std::string::npos) << r.status().message();
  };
  expect_error(Bytes(report.begin(), report.begin() + 1000), "1000 bytes");
  Bytes longer = report;
  longer.push_back(0);
  expect_error(longer, "1185 bytes");
  expect_error({}, "0 bytes");
  Bytes version = report;
  version[0] = 4;
  expect_error(version, "version 4");
  Bytes algo = report;
  algo[0x34] = 2;
  expect_error(algo, "signature algorithm");
  Bytes key = report;
  key[0x48] = 3 << 2;
  expect_error(key, "signing key 3");
  Bytes wide = report;
  wide[0x2A0 + 60] = 1;
  expect_error(wide, "wider than P-384");
  Bytes reserved = report;
  reserved[0x400] = 1;
  expect_error(reserved, "reserved signature area");
  Bytes garbage(kReportSize, 0xff);
  EXPECT_FALSE(parse_report(garbage).ok());
  // A verdict for garbage says why and has no passing signature.
  Verdict v = verify_report(garbage, samples()[0].certs, TrustRoots{}, samples()[0].time);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_failure()->name, "report parses");
}

TEST(SevSnp, TcbLayoutsDifferByProduct) {
  Tcb milan = decode_tcb(0x4405000000000002ull, Product::kMilan);
  EXPECT_EQ(milan.boot_loader, 2);
  EXPECT_EQ(milan.tee, 0);
  EXPECT_EQ(milan.snp, 5);
  EXPECT_EQ(milan.microcode, 0x44);
  Tcb turin = decode_tcb(0x4800000018050301ull, Product::kTurin);
  EXPECT_EQ(turin.fmc, 1);
  EXPECT_EQ(turin.boot_loader, 3);
  EXPECT_EQ(turin.tee, 5);
  EXPECT_EQ(turin.snp, 0x18);
  EXPECT_EQ(turin.microcode, 0x48);
}

TEST(SevSnp, TurinVcekChainsToTheCompiledInRoot) {
  Certificate vcek = der("virtee_turin_vcek.der");
  EXPECT_EQ(product_of(vcek), Product::kTurin);
  auto chain = pem("amd_turin_vcek_ask_ark.pem");
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_TRUE(vcek.signed_by(chain[0]));
  EXPECT_TRUE(chain[0].signed_by(chain[1]));
  EXPECT_TRUE(chain[1].signed_by(chain[1]));
  EXPECT_FALSE(chain[1].signed_by(chain[0]));
  EXPECT_TRUE(vcek.extension_integer("1.3.6.1.4.1.3704.1.3.9").has_value());  // FMC SPL
  EXPECT_EQ(vcek.extension("1.3.6.1.4.1.3704.1.4")->size(), 8u);  // Turin's 8-byte hwID, stored raw
}

TEST(X509, ParsesAndRefusesMalformedCertificates) {
  Bytes d = load("gosevguest_milan_vcek.der");
  EXPECT_TRUE(Certificate::from_der(d).ok());
  Bytes cut(d.begin(), d.begin() + 100);
  EXPECT_FALSE(Certificate::from_der(cut).ok());
  Bytes extra = d;
  extra.push_back(0);
  EXPECT_FALSE(Certificate::from_der(extra).ok());
  EXPECT_FALSE(Certificate::from_pem_bundle("no certificates here").ok());
  EXPECT_FALSE(Certificate::from_pem_bundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").ok());
  EXPECT_FALSE(parse_rfc3339("2025-13-01T00:00:00Z").ok());
  EXPECT_FALSE(parse_rfc3339("yesterday").ok());
  EXPECT_EQ(*parse_rfc3339("1970-01-02T00:00:00Z"), 86400);
}

}  // namespace
}  // namespace zkcc::tee::sev_snp
