// NVIDIA GPU attestation reports from real H100s, verified against NVIDIA's real root.
#include "zkcc/tee/nvidia_gpu/verify.h"

#include <gtest/gtest.h>

#include <set>

#include "zkcc/tee/nvidia_gpu/rim.h"

namespace zkcc::tee::nvidia_gpu {
namespace {

std::string dir() { return std::string(ZKCC_TEST_DATA) + "/attestation/nvidia/"; }

Bytes hex_file(const std::string& name) {
  auto b = read_file(dir() + name);
  EXPECT_TRUE(b.ok());
  std::string text(b->begin(), b->end());
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return *from_hex(text);
}

std::vector<Certificate> chain(const std::string& name) {
  auto b = read_file(dir() + name);
  return *Certificate::from_pem_bundle(std::string(b->begin(), b->end()));
}

int64_t now() { return *parse_rfc3339("2026-11-25T00:00:00Z"); }

struct Sample {
  const char* report;
  const char* chain;
  const char* driver;
  const char* vbios;
};

const Sample kSamples[] = {
    {"nvtrust_hopper_report_550.90.07.hex", "nvtrust_hopper_cert_chain.pem", "550.90.07", "96.00.9F.00.01"},
    {"nvat_hopper_report_580.159.03.hex", "nvat_hopper_cert_chain_580.pem", "580.159.03", "96.00.74.00.20"},
};

TEST(NvidiaGpu, RealReportsVerifyAndYieldTheirClaims) {
  for (const Sample& s : kSamples) {
    Bytes report = hex_file(s.report);
    Verdict v = verify_gpu_report(report, chain(s.chain), TrustRoots{}, std::nullopt, now());
    EXPECT_TRUE(v.ok()) << s.report << "\n" << v.summary();
    EXPECT_EQ(v.claims["driver_version"], s.driver);
    EXPECT_EQ(v.claims["vbios_version"], s.vbios);
    EXPECT_EQ(v.claims["project"], "1010");
    EXPECT_EQ(v.claims["measurements"].size(), 64u);
  }
}

TEST(NvidiaGpu, NonceIsChecked) {
  Bytes report = hex_file(kSamples[0].report);
  auto parsed = parse_gpu_report(report);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(to_hex(parsed->requester_nonce).substr(0, 8), "931d8dd0");
  Verdict good = verify_gpu_report(report, chain(kSamples[0].chain), TrustRoots{}, parsed->requester_nonce, now());
  EXPECT_TRUE(good.ok()) << good.summary();
  auto other = parsed->requester_nonce;
  other[31] ^= 1;
  Verdict bad = verify_gpu_report(report, chain(kSamples[0].chain), TrustRoots{}, other, now());
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.first_failure()->name, "nonce");
}

TEST(NvidiaGpu, SampledFlippedBytesAreRejected) {
  for (const Sample& s : kSamples) {
    Bytes report = hex_file(s.report);
    auto certs = chain(s.chain);
    for (size_t i = 0; i < report.size(); i += 11) {  // ~375 positions across request, record, opaque and signature
      Bytes bad = report;
      bad[i] ^= 0x10;
      ASSERT_FALSE(verify_gpu_report(bad, certs, TrustRoots{}, std::nullopt, now()).ok()) << s.report << " byte " << i;
    }
  }
}

TEST(NvidiaGpu, AnotherGpusChainIsRejected) {
  Bytes report = hex_file(kSamples[0].report);
  Verdict v = verify_gpu_report(report, chain(kSamples[1].chain), TrustRoots{}, std::nullopt, now());
  EXPECT_FALSE(v.ok());
  bool sig_failed = false;
  for (const auto& c : v.checks) {
    if (c.name == "report signature") sig_failed = !c.ok;
  }
  EXPECT_TRUE(sig_failed);
}

TEST(NvidiaGpu, UntrustedOrBrokenChainsAreRejected) {
  Bytes report = hex_file(kSamples[0].report);
  auto certs = chain(kSamples[0].chain);
  TrustRoots none;
  none.nvidia = false;
  EXPECT_EQ(verify_gpu_report(report, certs, none, std::nullopt, now()).first_failure()->name, "certificate chain");
  auto gap = certs;
  gap.erase(gap.begin() + 2);  // drop the provisioner ICA
  EXPECT_EQ(verify_gpu_report(report, gap, TrustRoots{}, std::nullopt, now()).first_failure()->name, "certificate chain");
  EXPECT_FALSE(verify_gpu_report(report, {}, TrustRoots{}, std::nullopt, now()).ok());
  // Before the certificates were issued.
  EXPECT_FALSE(verify_gpu_report(report, certs, TrustRoots{}, std::nullopt, *parse_rfc3339("2000-01-01T00:00:00Z")).ok());
}

TEST(NvidiaGpu, MalformedReportsGetPreciseErrors) {
  Bytes report = hex_file(kSamples[0].report);
  auto err = [](const Bytes& b) { return parse_gpu_report(b).status().message(); };
  EXPECT_NE(err(Bytes(report.begin(), report.begin() + 20)).find("request"), std::string::npos);
  EXPECT_NE(err(Bytes(report.begin(), report.begin() + 100)).find("measurement record"), std::string::npos);
  Bytes longer = report;
  longer.push_back(0);
  EXPECT_NE(err(longer).find("after the opaque data"), std::string::npos);
  Bytes version = report;
  version[0] = 0x12;
  EXPECT_NE(err(version).find("SPDM version"), std::string::npos);
  Bytes code = report;
  code[kRequestSize + 1] = 0x61;
  EXPECT_NE(err(code).find("MEASUREMENTS"), std::string::npos);
  Bytes record = report;
  record[kRequestSize + 7] = 0xff;  // record length far beyond the report
  EXPECT_NE(err(record).find("measurement record"), std::string::npos);
  EXPECT_FALSE(parse_gpu_report({}).ok());
  EXPECT_FALSE(parse_gpu_report(Bytes(4117, 0xab)).ok());
}

TEST(NvidiaGpu, SerializedEvidenceVerifiesPerGpu) {
  auto b = read_file(dir() + "nvat_hopper_evidence_590.12.json");
  ASSERT_TRUE(b.ok());
  std::string text(b->begin(), b->end());
  auto verdicts = verify_evidence_json(text, TrustRoots{}, now());
  ASSERT_TRUE(verdicts.ok()) << verdicts.status().to_string();
  ASSERT_EQ(verdicts->size(), 1u);
  const Verdict& v = (*verdicts)[0];
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.claims["arch"], "HOPPER");
  EXPECT_EQ(v.claims["driver_version"], "590.12");
  EXPECT_EQ(v.claims["feature_flag"], 2);  // PPCIE
  // A different nonce in the document is caught.
  std::string other = text;
  size_t at = other.find("\"nonce\"");
  ASSERT_NE(at, std::string::npos);
  size_t digit = other.find_first_of("0123456789abcdef", other.find(':', at) + 2);
  other[digit] = other[digit] == '0' ? '1' : '0';
  auto changed = verify_evidence_json(other, TrustRoots{}, now());
  ASSERT_TRUE(changed.ok());
  EXPECT_FALSE((*changed)[0].ok());
  EXPECT_FALSE(verify_evidence_json("{}", TrustRoots{}, now()).ok());
  EXPECT_FALSE(verify_evidence_json(R"([{"arch":"HOPPER","certificate":"@@@@","evidence":"","nonce":""}])", TrustRoots{}, now()).ok());
}

std::set<std::string> failed_checks(const Verdict& v) {
  std::set<std::string> out;
  for (const Check& c : v.checks) {
    if (!c.ok) out.insert(c.name);
  }
  return out;
}

std::string evidence_json() {
  auto b = read_file(dir() + "nvat_hopper_evidence_590.12.json");
  EXPECT_TRUE(b.ok());
  return std::string(b->begin(), b->end());
}

TEST(NvidiaEvidenceJson, ExpectedNonceIsHonoured) {
  std::string text = evidence_json();
  auto doc = nlohmann::json::parse(text);
  std::array<uint8_t, 32> stated{};
  Bytes n = *from_hex(doc[0]["nonce"].get<std::string>());
  std::copy(n.begin(), n.end(), stated.begin());
  auto same = verify_evidence_json(text, TrustRoots{}, now(), stated);
  ASSERT_TRUE(same.ok());
  EXPECT_TRUE((*same)[0].ok()) << (*same)[0].summary();
  std::array<uint8_t, 32> other = stated;
  other[31] ^= 1;
  auto different = verify_evidence_json(text, TrustRoots{}, now(), other);
  ASSERT_TRUE(different.ok());
  EXPECT_EQ(failed_checks((*different)[0]), std::set<std::string>{"nonce is the expected one"}) << (*different)[0].summary();
}

TEST(NvidiaEvidenceJson, TheSameReportTwiceIsOneGpu) {
  auto doc = nlohmann::json::parse(evidence_json());
  doc.push_back(doc[0]);
  auto verdicts = verify_evidence_json(doc.dump(), TrustRoots{}, now());
  ASSERT_TRUE(verdicts.ok());
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_TRUE((*verdicts)[0].ok());
  EXPECT_EQ(failed_checks((*verdicts)[1]), std::set<std::string>{"GPU listed once"}) << (*verdicts)[1].summary();
}

TEST(NvidiaRim, BothRimsOfTheReportsVersionsAreRequired) {
  auto report = parse_gpu_report(hex_file("nvtrust_hopper_report_550.90.07.hex"));
  ASSERT_TRUE(report.ok());
  Rim driver, vbios, other;
  driver.meta.colloquial_version = "550.90.07";
  vbios.meta.colloquial_version = "96.00.9f.00.01";  // letters compared without case
  other.meta.colloquial_version = "550.144.03";
  EXPECT_TRUE(check_rim_versions(*report, std::vector<Rim>{driver, vbios}).ok());
  EXPECT_EQ(failed_checks(check_rim_versions(*report, std::vector<Rim>{driver})),
            std::set<std::string>{"VBIOS RIM version is the report's"});
  EXPECT_EQ(failed_checks(check_rim_versions(*report, std::vector<Rim>{other, vbios})),
            std::set<std::string>{"driver RIM version is the report's"});
  EXPECT_EQ(failed_checks(check_rim_versions(*report, std::vector<Rim>{})).size(), 2u);
}

TEST(Base64, DecodesAndRefusesMalformedText) {
  EXPECT_EQ(to_hex(*from_base64("aGVsbG8=")), "68656c6c6f");
  EXPECT_EQ(to_hex(*from_base64("aGk=")), "6869");
  EXPECT_EQ(from_base64("")->size(), 0u);
  EXPECT_FALSE(from_base64("aGk").ok());
  EXPECT_FALSE(from_base64("a=Gk").ok());
  EXPECT_FALSE(from_base64("aG!k").ok());
}

}  // namespace
}  // namespace zkcc::tee::nvidia_gpu
