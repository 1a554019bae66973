// The collateral cache and its fetch side, against a fake vendor service that answers with the
// real published collateral, and the HTTPS fetcher against a local server.
#include "zkcc/tee/collateral/fetch.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <thread>

#include "fake_vendor.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee::collateral {
namespace {

namespace fs = std::filesystem;

Bytes data(const std::string& path) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/" + path);
  EXPECT_TRUE(b.ok()) << path;
  return b.ok() ? *b : Bytes{};
}

std::string percent_encode(const Bytes& b) {
  std::string out;
  for (uint8_t c : b) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class CollateralTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("zkcc-collateral-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

const char kMilanVcekUrl[] =
    "https://kdsintf.amd.com/vcek/v1/Milan/"
    "%s?blSPL=2&teeSPL=0&snpSPL=5&ucodeSPL=68";

TEST_F(CollateralTest, SnpVcekIsFetchedFromItsKdsAddressThenVerifiesOffline) {
  Bytes report = data("sev-snp/gosevguest_milan_v2_report.bin");
  auto parsed = sev_snp::parse_report(report);
  ASSERT_TRUE(parsed.ok());
  char url[512];
  std::snprintf(url, sizeof url, kMilanVcekUrl, to_hex(parsed->chip_id).c_str());
  FakeVendor kds;
  kds.answers[url] = HttpResponse{200, data("sev-snp/gosevguest_milan_vcek.der"), {}};
  kds.answers["https://kdsintf.amd.com/vcek/v1/Milan/cert_chain"] = HttpResponse{200, data("sev-snp/amd_milan_vcek_ask_ark.pem"), {}};
  Cache cache(dir_);

  // A v2 report does not name its product.
  EXPECT_FALSE(fetch_for_snp(report, sev_snp::Product::kUnknown, cache, kds).ok());
  // The test data has no CRL signed by AMD's ARK, so this KDS has none: the fetch fails naming the
  // CRL's address, after caching the VCEK and its chain.
  auto wrote = fetch_for_snp(report, sev_snp::Product::kMilan, cache, kds);
  ASSERT_FALSE(wrote.ok());
  EXPECT_NE(wrote.status().message().find("https://kdsintf.amd.com/vcek/v1/Milan/crl answered HTTP 404"), std::string::npos)
      << wrote.status().message();
  EXPECT_TRUE(fs::exists(dir_ / "amd/Milan/vcek_cert_chain.pem"));
  EXPECT_FALSE(fs::exists(dir_ / "amd/Milan/vcek_crl.der"));
  // Cached items are not asked for again; the CRL always is.
  size_t asked = kds.asked.size();
  EXPECT_FALSE(fetch_for_snp(report, sev_snp::Product::kMilan, cache, kds).ok());
  ASSERT_EQ(kds.asked.size(), asked + 1);
  EXPECT_EQ(kds.asked.back(), "https://kdsintf.amd.com/vcek/v1/Milan/crl");
  // Another issuer's CRL (Intel's root CA CRL) is not stored.
  kds.answers["https://kdsintf.amd.com/vcek/v1/Milan/crl"] = HttpResponse{200, data("tdx/gotdxguest_root_ca_crl.der"), {}};
  auto foreign = fetch_for_snp(report, sev_snp::Product::kMilan, cache, kds);
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("not signed by Milan's ARK"), std::string::npos) << foreign.status().message();
  EXPECT_FALSE(fs::exists(dir_ / "amd/Milan/vcek_crl.der"));
  // Without a cached CRL the collateral is empty: no revocation check, as before.
  auto none = load_snp_collateral(report, sev_snp::Product::kMilan, cache);
  ASSERT_TRUE(none.ok()) << none.status().to_string();
  EXPECT_TRUE(none->crl.empty());

  auto certs = load_snp_certs(report, sev_snp::Product::kMilan, cache);
  ASSERT_TRUE(certs.ok()) << certs.status().to_string();
  EXPECT_EQ(certs->size(), 3u);
  Verdict v = sev_snp::verify_report(report, *certs, sev_snp::TrustRoots{}, *parse_rfc3339("2026-01-01T00:00:00Z"));
  EXPECT_TRUE(v.ok()) << v.summary();
}

TEST_F(CollateralTest, VendorErrorsAreReportedAndNothingIsCached) {
  Bytes report = data("sev-snp/gosevguest_milan_v2_report.bin");
  FakeVendor down;
  Cache cache(dir_);
  auto r = fetch_for_snp(report, sev_snp::Product::kMilan, cache, down);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HTTP 404"), std::string::npos);
  EXPECT_NE(r.status().message().find("kdsintf.amd.com/vcek/v1/Milan/"), std::string::npos);
  auto parsed = sev_snp::parse_report(report);
  char url[512];
  std::snprintf(url, sizeof url, kMilanVcekUrl, to_hex(parsed->chip_id).c_str());
  FakeVendor liar;
  liar.answers[url] = HttpResponse{200, Bytes{'n', 'o', 'p', 'e'}, {}};
  EXPECT_FALSE(fetch_for_snp(report, sev_snp::Product::kMilan, cache, liar).ok());
  EXPECT_FALSE(fs::exists(dir_ / "amd"));
  EXPECT_EQ(load_snp_certs(report, sev_snp::Product::kMilan, cache).status().code(), StatusCode::kNotFound);
  // VLEKs are not on KDS: for a VLEK-signed report the ASVK chain and its CRL are fetched (the
  // product from the report's CPUID), never a VCEK.
  FakeVendor kds;
  auto vlek = fetch_for_snp(data("sev-snp/trustee_milan_v3_vlek_report.bin"), sev_snp::Product::kUnknown, cache, kds);
  ASSERT_FALSE(vlek.ok());
  EXPECT_NE(vlek.status().message().find("HTTP 404"), std::string::npos) << vlek.status().message();
  EXPECT_EQ(kds.asked, std::vector<std::string>{"https://kdsintf.amd.com/vlek/v1/Milan/cert_chain"});
  Bytes chain_pem = data("sev-snp/amd_milan_vlek_asvk_ark.pem");
  kds.answers[kds.asked[0]] = HttpResponse{200, chain_pem, {}};
  vlek = fetch_for_snp(data("sev-snp/trustee_milan_v3_vlek_report.bin"), sev_snp::Product::kUnknown, cache, kds);
  ASSERT_FALSE(vlek.ok());
  EXPECT_EQ(kds.asked.back(), "https://kdsintf.amd.com/vlek/v1/Milan/crl");
  EXPECT_EQ(*cache.read(amd_cert_chain(sev_snp::Product::kMilan, sev_snp::SigningKey::kVlek)), chain_pem);
}

TEST_F(CollateralTest, TdxCollateralIsAssembledFromPcsAnswers) {
  Bytes quote = data("tdx/gotdxguest_quote_v4_spr_e4.bin");
  FakeVendor pcs;
  const std::string base = "https://api.trustedservices.intel.com";
  pcs.answers[base + "/tdx/certification/v4/tcb?fmspc=50806f000000"] = HttpResponse{
      200, data("tdx/gotdxguest_tcbinfo_fmspc50806f000000.json"),
      {{"tcb-info-issuer-chain", percent_encode(data("tdx/gotdxguest_tcb_signing_issuer_chain.pem"))}}};
  pcs.answers[base + "/tdx/certification/v4/qe/identity"] = HttpResponse{
      200, data("tdx/gotdxguest_qe_identity.json"),
      {{"sgx-enclave-identity-issuer-chain", percent_encode(data("tdx/gotdxguest_tcb_signing_issuer_chain.pem"))}}};
  pcs.answers[base + "/sgx/certification/v4/pckcrl?ca=platform&encoding=der"] = HttpResponse{
      200, data("tdx/gotdxguest_pck_platform_crl.der"),
      {{"sgx-pck-crl-issuer-chain", percent_encode(data("tdx/gotdxguest_pck_crl_issuer_chain.pem"))}}};
  pcs.answers["https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"] =
      HttpResponse{200, data("tdx/gotdxguest_root_ca_crl.der"), {}};
  Cache cache(dir_);
  auto wrote = fetch_for_tdx(quote, cache, pcs);
  ASSERT_TRUE(wrote.ok()) << wrote.status().to_string();
  ASSERT_EQ(wrote->size(), 1u);
  EXPECT_EQ((*wrote)[0], "intel/tdx/50806f000000/collateral.json");

  auto collateral = load_tdx_collateral(quote, cache);
  ASSERT_TRUE(collateral.ok()) << collateral.status().to_string();
  // Inside the collateral's validity the signatures over the exact PCS text hold; this sample's
  // TCB levels were edited upstream and match no level, which is the only failure.
  Verdict v = tdx::verify_quote(quote, *collateral, tdx::TrustRoots{}, *parse_rfc3339("2023-06-20T00:00:00Z"));
  EXPECT_FALSE(v.ok());
  size_t failures = 0;
  for (const Check& c : v.checks) {
    if (!c.ok) ++failures;
    if (c.name.find("signature") != std::string::npos) {
      EXPECT_TRUE(c.ok) << c.name << ": " << c.detail;
    }
  }
  EXPECT_EQ(failures, 1u) << v.summary();
  EXPECT_NE(v.summary().find("TCB"), std::string::npos) << v.summary();
}

TEST(PcsBody, ExactMemberTextIsRecovered) {
  auto s = split_pcs_body(R"({"tcbInfo":{"a":"}{\"","b":[1,{"c":2}]},"signature":"abcd"})", "tcbInfo");
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_EQ(s->text, R"({"a":"}{\"","b":[1,{"c":2}]})");
  EXPECT_EQ(s->signature_hex, "abcd");
  auto spaced = split_pcs_body("{ \"signature\" : \"ff\" ,\n \"tcbInfo\" :  { \"x\" : 1 } }", "tcbInfo");
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->text, "{ \"x\" : 1 }");
  EXPECT_FALSE(split_pcs_body(R"({"tcbInfo":{},"signature":"00","extra":1})", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_body(R"({"tcbInfo":[],"signature":"00"})", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_body(R"({"other":{},"signature":"00"})", "tcbInfo").ok());
  EXPECT_FALSE(split_pcs_body("not json", "tcbInfo").ok());
  // A key of the same name nested deeper is not the member.
  auto nested = split_pcs_body(R"({"signature":"00","tcbInfo":{"tcbInfo":{"y":2}}})", "tcbInfo");
  ASSERT_TRUE(nested.ok());
  EXPECT_EQ(nested->text, R"({"tcbInfo":{"y":2}})");
}

TEST(PercentDecode, DecodesAndRejects) {
  EXPECT_EQ(*percent_decode("a%20b%2Fc%0a"), "a b/c\n");
  EXPECT_FALSE(percent_decode("%2").ok());
  EXPECT_FALSE(percent_decode("%zz").ok());
}

TEST_F(CollateralTest, RimsAreUnwrappedAndIdsAreChecked) {
  Bytes xml = data("nvidia/nvat_rim_NV_GPU_DRIVER_GH100_550.144.03.xml");
  std::string body = "{\"id\":\"NV_GPU_DRIVER_GH100_550.144.03\",\"rim\":\"" + to_base64(xml) + "\"}";
  FakeVendor nv;
  nv.answers["https://rim.attestation.nvidia.com/v1/rim/NV_GPU_DRIVER_GH100_550.144.03"] = HttpResponse{200, Bytes(body.begin(), body.end()), {}};
  Cache cache(dir_);
  auto wrote = fetch_rim("NV_GPU_DRIVER_GH100_550.144.03", cache, nv);
  ASSERT_TRUE(wrote.ok()) << wrote.status().to_string();
  EXPECT_EQ(*cache.read(*nvidia_rim("NV_GPU_DRIVER_GH100_550.144.03")), xml);
  EXPECT_FALSE(fetch_rim("../../etc/passwd", cache, nv).ok());
  EXPECT_FALSE(fetch_rim("", cache, nv).ok());
  EXPECT_FALSE(fetch_rim("NV_GPU_VBIOS_UNKNOWN", cache, nv).ok());
}

TEST(HttpsFetcher, FetchesFromALocalServerWithLimits) {
  httplib::Server server;
  server.Get("/item", [](const httplib::Request&, httplib::Response& res) {
    res.set_header("SGX-PCK-CRL-Issuer-Chain", "chain%20text");
    res.set_content(std::string(1000, 'x'), "application/octet-stream");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::string base = "http://127.0.0.1:" + std::to_string(port);
  auto fetcher = https_fetcher();
  auto r = fetcher->get(base + "/item");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1000u);
  // cpp-httplib already decodes header values; percent_decode is harmless on PEM text.
  EXPECT_EQ(r->headers["sgx-pck-crl-issuer-chain"], "chain text");
  EXPECT_EQ(fetcher->get(base + "/missing")->status, 404);
  auto small = https_fetcher(HttpsOptions{5, 100});
  EXPECT_EQ(small->get(base + "/item").status().code(), StatusCode::kOutOfRange);
  server.stop();
  t.join();
  EXPECT_FALSE(fetcher->get("http://example.com/x").ok());  // plain http off loopback
  EXPECT_FALSE(fetcher->get("ftp://127.0.0.1/x").ok());
  EXPECT_EQ(fetcher->get(base + "/item").status().code(), StatusCode::kUnavailable);  // server gone
}

}  // namespace
}  // namespace zkcc::tee::collateral
