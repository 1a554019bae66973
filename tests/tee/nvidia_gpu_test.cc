// NVIDIA GPU attestation reports from real H100s and a B200, verified against NVIDIA's real root.
#include "zkcc/tee/nvidia_gpu/verify.h"

#include <gtest/gtest.h>

#include <set>

#include "../../src/tee/sim/pki.h"
#include "zkcc/tee/nvidia_gpu/arch.h"
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

// NVIDIA's serialized evidence for one GPU, built from a report and chain in the test data.
std::string one_gpu_evidence(const std::string& arch, const std::string& report_hex, const std::string& chain_pem) {
  Bytes report = hex_file(report_hex);
  auto pem = read_file(dir() + chain_pem);
  EXPECT_TRUE(pem.ok());
  auto parsed = parse_gpu_report(report);
  EXPECT_TRUE(parsed.ok());
  nlohmann::json entry = {{"arch", arch},
                          {"certificate", to_base64(*pem)},
                          {"evidence", to_base64(report)},
                          {"nonce", to_hex(parsed->requester_nonce)}};
  return nlohmann::json::array({entry}).dump();
}

constexpr const char* kBlackwellReport = "nvat_blackwell_report_575.32.hex";
constexpr const char* kBlackwellChain = "nvat_blackwell_cert_chain.pem";

TEST(NvidiaBlackwell, RealB200ReportVerifiesWithTheBlackwellFwid) {
  Bytes report = hex_file(kBlackwellReport);
  auto parsed = parse_gpu_report(report);
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  auto certs = chain(kBlackwellChain);
  Verdict v = verify_gpu_report(report, certs, TrustRoots{}, parsed->requester_nonce, now());
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.claims["arch"], "BLACKWELL");
  // The values NVIDIA's SDK asserts for this sample (unit-tests/test_utils.cpp, Blackwell scenario).
  EXPECT_EQ(v.claims["driver_version"], "575.32");
  EXPECT_EQ(v.claims["vbios_version"], "97.00.88.00.0F");
  EXPECT_EQ(to_hex(parsed->requester_nonce), "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb");
  EXPECT_EQ(certs[1].common_name(), "GB100 A01 GSP BROM");

  // The FWID is in 2.23.133.5.4.1.1 (DiceTcbInfo fwids[0]); the leaf has no Hopper extension.
  auto fwid = leaf_fwid(certs[0], GpuArch::kBlackwell);
  ASSERT_TRUE(fwid.ok()) << fwid.status().to_string();
  ASSERT_NE(parsed->field(kFwid), nullptr);
  EXPECT_EQ(*fwid, parsed->field(kFwid)->value);
  EXPECT_EQ(to_hex(*fwid).substr(0, 16), "d090cab1b6e6ffdd");
  auto hopper = leaf_fwid(certs[0], GpuArch::kHopper);
  ASSERT_FALSE(hopper.ok());
  EXPECT_NE(hopper.status().message().find("2.23.133.5.4.1 "), std::string::npos) << hopper.status().message();
  EXPECT_EQ(*chain_arch(certs), GpuArch::kBlackwell);
  EXPECT_EQ(*chain_arch(chain(kSamples[0].chain)), GpuArch::kHopper);
}

TEST(NvidiaBlackwell, SerializedEvidenceIsJudgedByItsStatedArchitecture) {
  auto verdicts = verify_evidence_json(one_gpu_evidence("BLACKWELL", kBlackwellReport, kBlackwellChain), TrustRoots{}, now());
  ASSERT_TRUE(verdicts.ok()) << verdicts.status().to_string();
  EXPECT_TRUE((*verdicts)[0].ok()) << (*verdicts)[0].summary();
  EXPECT_EQ((*verdicts)[0].claims["arch"], "BLACKWELL");
  // NVIDIA's SDK reads the name without regard to case.
  auto lower = verify_evidence_json(one_gpu_evidence("blackwell", kBlackwellReport, kBlackwellChain), TrustRoots{}, now());
  ASSERT_TRUE(lower.ok());
  EXPECT_TRUE((*lower)[0].ok()) << (*lower)[0].summary();

  // Mislabelled as Hopper: the chain is GB100's, and the Hopper FWID extension is not there.
  auto as_hopper = verify_evidence_json(one_gpu_evidence("HOPPER", kBlackwellReport, kBlackwellChain), TrustRoots{}, now());
  ASSERT_TRUE(as_hopper.ok());
  const Verdict& h = (*as_hopper)[0];
  EXPECT_EQ(failed_checks(h), (std::set<std::string>{"architecture matches the certificate chain", "FWID matches the leaf certificate"}))
      << h.summary();
  EXPECT_NE(h.summary().find("the evidence says HOPPER but the certificate chain is GB100's"), std::string::npos) << h.summary();

  // A real H100 labelled Blackwell fails the same way, and an unknown name is refused.
  auto as_blackwell = verify_evidence_json(one_gpu_evidence("BLACKWELL", kSamples[0].report, kSamples[0].chain), TrustRoots{}, now());
  ASSERT_TRUE(as_blackwell.ok());
  EXPECT_EQ(failed_checks((*as_blackwell)[0]),
            (std::set<std::string>{"architecture matches the certificate chain", "FWID matches the leaf certificate"}));
  auto hopper = verify_evidence_json(one_gpu_evidence("HOPPER", kSamples[0].report, kSamples[0].chain), TrustRoots{}, now());
  ASSERT_TRUE(hopper.ok());
  EXPECT_TRUE((*hopper)[0].ok()) << (*hopper)[0].summary();
  auto unknown = verify_evidence_json(one_gpu_evidence("AMPERE", kBlackwellReport, kBlackwellChain), TrustRoots{}, now());
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(failed_checks((*unknown)[0]),
            (std::set<std::string>{"architecture matches the certificate chain", "FWID matches the leaf certificate"}));
  EXPECT_NE((*unknown)[0].summary().find("\"AMPERE\""), std::string::npos);
}

TEST(NvidiaBlackwell, ChainsNamingTwoOrNoChipFamiliesHaveNoArchitecture) {
  auto blackwell = chain(kBlackwellChain);
  auto hopper = chain(kSamples[0].chain);
  std::vector<Certificate> mixed = {hopper[0], blackwell[1]};
  auto two = chain_arch(mixed);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("two chip families"), std::string::npos);
  std::vector<Certificate> root_only = {blackwell.back()};
  EXPECT_FALSE(chain_arch(root_only).ok());
  Verdict v = verify_gpu_report(hex_file(kBlackwellReport), root_only, TrustRoots{}, std::nullopt, now());
  EXPECT_TRUE(failed_checks(v).count("architecture matches the certificate chain")) << v.summary();
}

// A self-signed certificate carrying `value` as the Blackwell DICE extension.
Certificate with_dice_extension(const Bytes& value) {
  namespace pki = tee::sim::pki;
  auto key = pki::generate_ec("P-384");
  EXPECT_TRUE(key.ok());
  pki::CertSpec spec;
  spec.subject = {{"CN", "GB100 A01 GSP FMC LF (test)"}};
  spec.not_before = now() - 86400;
  spec.not_after = now() + 86400;
  spec.extensions = {{"2.23.133.5.4.1.1", value}};
  auto cert = pki::issue(spec, *key, nullptr, *key, pki::SigAlg::kEcdsaSha384);
  EXPECT_TRUE(cert.ok()) << cert.status().to_string();
  return *cert;
}

TEST(NvidiaBlackwell, MalformedDiceTcbInfoGetsPreciseErrors) {
  auto real = chain(kBlackwellChain)[0].extension("2.23.133.5.4.1.1");
  ASSERT_TRUE(real.has_value());
  ASSERT_TRUE(leaf_fwid(with_dice_extension(*real), GpuArch::kBlackwell).ok());
  auto err = [](const Bytes& ext) {
    auto r = leaf_fwid(with_dice_extension(ext), GpuArch::kBlackwell);
    EXPECT_FALSE(r.ok());
    return r.ok() ? std::string() : r.status().message();
  };
  // The layout of NVIDIA's extension: 30 81 b1 {80 06 .., 81 0d .., 82 02 .., 83 01, 84 01, 85 01,
  // a6 7e {30 3d {06 09 <sha384>, 04 30 <fwid>}, 30 3d {..}}, 87 05 .., 88 01, 89 01}.
  const size_t fwids = 39, alg = fwids + 4;
  ASSERT_EQ((*real)[fwids], 0xA6);
  ASSERT_EQ((*real)[alg], 0x06);
  for (size_t n : {size_t{1}, size_t{10}, fwids + 1, alg + 20, real->size() - 1}) {
    EXPECT_NE(err(Bytes(real->begin(), real->begin() + static_cast<std::ptrdiff_t>(n))).find("TCG DICE extension 2.23.133.5.4.1.1"),
              std::string::npos) << "truncated to " << n;
  }
  Bytes sha256 = *real;
  sha256[alg + 10] = 0x01;  // 2.16.840.1.101.3.4.2.1
  EXPECT_NE(err(sha256).find("not SHA-384"), std::string::npos);
  Bytes no_list = *real;
  no_list[fwids] = 0x86;  // [6] primitive: not the FWID list
  EXPECT_NE(err(no_list).find("no FWID list"), std::string::npos);
  Bytes reordered = *real;
  reordered[3] = 0x87;  // [7] before [1]
  EXPECT_NE(err(reordered).find("out of order"), std::string::npos);
  Bytes universal = *real;
  universal[3] = 0x04;
  EXPECT_NE(err(universal).find("not context-tagged"), std::string::npos);
  Bytes trailing = *real;
  trailing.push_back(0);
  EXPECT_NE(err(trailing).find("bytes after"), std::string::npos);
  EXPECT_NE(err(Bytes{0x30}).find("truncated"), std::string::npos);
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
