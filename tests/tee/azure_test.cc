// Azure vTPM HCL reports from real confidential VMs.
#include "zkcc/tee/azure/hcl.h"

#include <gtest/gtest.h>

#include "zkcc/hash/sha2.h"

namespace zkcc::tee::azure {
namespace {

Bytes load(const std::string& name) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/azure/" + name);
  EXPECT_TRUE(b.ok()) << name;
  return b.ok() ? *b : Bytes{};
}

std::vector<Certificate> vcek_chain() {
  Bytes pem = load("trustee_az_snp_milan_vcek_ask_ark.pem");
  return *Certificate::from_pem_bundle(std::string(pem.begin(), pem.end()));
}

int64_t now() { return *parse_rfc3339("2026-11-25T00:00:00Z"); }

TEST(AzureHcl, SnpReportVerifiesWithItsRuntimeClaims) {
  Bytes hcl = load("trustee_az_snp_milan_hcl_report.bin");
  Verdict v = verify_snp_hcl_report(hcl, vcek_chain(), sev_snp::TrustRoots{}, now());
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.kind, "azure-snp-vtpm");
  EXPECT_EQ(v.claims["user_data"].get<std::string>().size(), 128u);
  EXPECT_EQ(v.claims["product"], "Milan");
}

TEST(AzureHcl, TdxReportParsesAndIsBound) {
  auto r = parse_hcl_report(load("trustee_az_tdx_hcl_report.bin"));
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->type, HclReportType::kTdx);
  EXPECT_EQ(r->hardware_report.size(), 1024u);
  EXPECT_EQ(r->hardware_report[0], 0x81);  // TDREPORT type
  EXPECT_EQ(r->user_data.size(), 64u);
  auto digest = hash::sha256(std::span(reinterpret_cast<const uint8_t*>(r->runtime_claims.data()), r->runtime_claims.size()));
  auto rd = hardware_report_data(*r);
  EXPECT_TRUE(std::equal(digest.begin(), digest.end(), rd.begin()));
}

TEST(AzureHcl, ChangedRuntimeClaimsBreakTheBinding) {
  Bytes hcl = load("trustee_az_snp_milan_hcl_report.bin");
  Bytes bad = hcl;
  bad[1236 + 20] ^= 0x01;  // a byte inside the claims JSON (still a string character)
  Verdict v = verify_snp_hcl_report(bad, vcek_chain(), sev_snp::TrustRoots{}, now());
  EXPECT_FALSE(v.ok());
  // The embedded report itself is untouched; only the binding fails (or the JSON no longer parses).
  const Check* f = v.first_failure();
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->name == "runtime claims bound by REPORT_DATA" || f->name == "HCL report parses") << f->name;
  Bytes bad_report = hcl;
  bad_report[32 + 0x90] ^= 0x01;  // the SNP measurement
  EXPECT_FALSE(verify_snp_hcl_report(bad_report, vcek_chain(), sev_snp::TrustRoots{}, now()).ok());
}

TEST(AzureHcl, MalformedBlobsGetPreciseErrors) {
  Bytes hcl = load("trustee_az_snp_milan_hcl_report.bin");
  auto err = [](const Bytes& b) { return parse_hcl_report(b).status().message(); };
  EXPECT_NE(err(Bytes(hcl.begin(), hcl.begin() + 100)).find("fixed part"), std::string::npos);
  Bytes magic = hcl;
  magic[0] = 'X';
  EXPECT_NE(err(magic).find("HCLA"), std::string::npos);
  Bytes type = hcl;
  type[1216 + 8] = 3;
  EXPECT_NE(err(type).find("neither SNP"), std::string::npos);
  Bytes size = hcl;
  size[1216 + 16] = 0xff;
  size[1216 + 17] = 0xff;
  EXPECT_FALSE(parse_hcl_report(size).ok());
  EXPECT_FALSE(parse_hcl_report(Bytes(2600, 0)).ok());
}

}  // namespace
}  // namespace zkcc::tee::azure
