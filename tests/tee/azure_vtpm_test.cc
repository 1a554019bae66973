// The Azure vTPM collector against a real software TPM (swtpm), with the test playing the
// paravisor (attestation key, HCL report and user-data indices, PCR extends) and IMDS (a local
// HTTP server answering with the real VCEK or TD quote of the Azure samples).
//
// The synthetic HCL reports embed the real hardware reports of the samples, so the SNP signature
// and the TD quote check out while the runtime-claims binding cannot (the claims are ours): the
// tests check the TPM quote and the user-data binding, which is what the collector produces.
#include "zkcc/tee/azure/vtpm.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "swtpm_paravisor.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/azure/tpm_quote.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::azure {
namespace {

using nlohmann::json;
using testing::Paravisor;
using testing::Swtpm;

Bytes sample(const std::string& name) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/azure/" + name);
  EXPECT_TRUE(b.ok()) << name << ": " << b.status().to_string();
  return b.ok() ? *b : Bytes();
}

std::string sample_text(const std::string& name) {
  Bytes b = sample(name);
  return std::string(b.begin(), b.end());
}

std::array<uint8_t, 64> pattern(uint8_t seed) {
  std::array<uint8_t, 64> out;
  for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(seed + 7 * i);
  return out;
}

int64_t verification_time() { return *parse_rfc3339("2026-01-01T00:00:00Z"); }

bool check_ok(const Verdict& v, const std::string& name) {
  for (const Check& c : v.checks) {
    if (c.name == name) return c.ok;
  }
  ADD_FAILURE() << "no check named \"" << name << "\" in\n" << v.summary();
  return false;
}

// The IMDS endpoints the collector calls; answers can be replaced per test.
class FakeImds {
 public:
  FakeImds() {
    server_.Get("/metadata/THIM/amd/certification", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      ++thim_calls_;
      if (req.get_header_value("Metadata") != "true") {
        res.status = 400;
        res.set_content("missing Metadata header", "text/plain");
        return;
      }
      res.status = thim_status_;
      res.set_content(thim_body_, "application/json");
    });
    server_.Post("/acc/tdquote", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      last_tdquote_request_ = req.body;
      res.status = 200;
      res.set_content(tdquote_body_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeImds() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_thim(int status, std::string body) {
    std::lock_guard lock(mu_);
    thim_status_ = status;
    thim_body_ = std::move(body);
  }
  void set_tdquote(std::string body) {
    std::lock_guard lock(mu_);
    tdquote_body_ = std::move(body);
  }
  std::string last_tdquote_request() {
    std::lock_guard lock(mu_);
    return last_tdquote_request_;
  }
  int thim_calls() {
    std::lock_guard lock(mu_);
    return thim_calls_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int thim_status_ = 200;
  std::string thim_body_;
  std::string tdquote_body_;
  std::string last_tdquote_request_;
  int thim_calls_ = 0;
};

// THIM's answer built from the sample's VCEK, ASK and ARK.
std::string thim_answer() {
  std::string pem = sample_text("trustee_az_snp_milan_vcek_ask_ark.pem");
  const std::string end = "-----END CERTIFICATE-----";
  size_t cut = pem.find(end);
  EXPECT_NE(cut, std::string::npos);
  cut += end.size() + 1;
  return json{{"vcekCert", pem.substr(0, cut)}, {"certificateChain", pem.substr(cut)}, {"tcbm", "DB18000000000004"}}.dump();
}

class AzureVtpmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto started = Swtpm::start();
    ASSERT_TRUE(started.ok()) << started.status().to_string();
    swtpm_ = std::move(*started);
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    auto key = p->create_attestation_key(kAttestationKeyHandle);
    ASSERT_TRUE(key.ok()) << key.status().to_string();
    ak_ = *key;
    ASSERT_TRUE(p->define_nv(kNvIndexUserData, 64, TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD | TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD).ok());
    // Something measured after boot, so the PCR bank is not all zeros and ones.
    ASSERT_TRUE(p->extend_pcr(16, hash::sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("kernel"), 6))).ok());
    ASSERT_TRUE(p->extend_pcr(23, hash::sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("app"), 3))).ok());
    imds_.set_thim(200, thim_answer());
    imds_.set_tdquote(json{{"quote", testing::base64url(sample("trustee_az_tdx_quote_v4.bin"))}}.dump());
  }

  // A paravisor connection; drop it before the collector runs.
  std::unique_ptr<Paravisor> paravisor() {
    auto p = Paravisor::connect(swtpm_->tcti());
    EXPECT_TRUE(p.ok()) << p.status().to_string();
    return p.ok() ? std::move(*p) : nullptr;
  }

  // The HCL report the paravisor would produce for `user_data`, around a real hardware report.
  Bytes hcl_for(HclReportType type, std::span<const uint8_t> user_data, const RsaPublicKey& key) {
    Bytes area;
    if (type == HclReportType::kSnp) {
      Bytes real = sample("trustee_az_snp_milan_hcl_report.bin");
      area.assign(real.begin() + 32, real.begin() + 32 + 1184);
    } else {
      Bytes real = sample("trustee_az_tdx_hcl_report.bin");
      area.assign(real.begin() + 32, real.begin() + 32 + 1024);
    }
    return testing::build_hcl_report(type, area, testing::runtime_claims(key, user_data));
  }

  void install_hcl(HclReportType type, std::span<const uint8_t> user_data) { install_hcl(hcl_for(type, user_data, ak_)); }
  void install_hcl(const Bytes& hcl) {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_LE(hcl.size(), 2048u) << "swtpm's largest NV index";
    ASSERT_TRUE(p->define_nv(kNvIndexHclReport, static_cast<uint16_t>(hcl.size()), TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD).ok());
    Status s = p->write_nv(kNvIndexHclReport, hcl);
    ASSERT_TRUE(s.ok()) << s.to_string();
  }

  VtpmOptions options() const {
    VtpmOptions o;
    o.tcti = swtpm_->tcti();
    o.imds_url = imds_.url();
    o.report_attempts = 3;
    o.retry_delay = std::chrono::milliseconds(5);
    o.imds_attempts = 1;
    o.imds_timeout = std::chrono::seconds(5);
    return o;
  }

  StatusOr<CpuEvidence> collect(std::span<const uint8_t, 64> report_data, const VtpmOptions& o) {
    auto attester = VtpmAttester::open(o);
    if (!attester.ok()) return attester.status();
    return (*attester)->attest(report_data);
  }

  std::unique_ptr<Swtpm> swtpm_;
  FakeImds imds_;
  RsaPublicKey ak_;
};

struct Parsed {
  Bytes message;
  Bytes signature;
  PcrBank pcrs;
  HclReport hcl;
};

Parsed parse_evidence(const CpuEvidence& ev) {
  Parsed p;
  json doc = json::parse(ev.report.begin(), ev.report.end());
  p.message = *from_hex(doc["tpm_quote"]["message"].get<std::string>());
  p.signature = *from_hex(doc["tpm_quote"]["signature"].get<std::string>());
  for (const json& pcr : doc["tpm_quote"]["pcrs"]) {
    Bytes b = *from_hex(pcr.get<std::string>());
    std::array<uint8_t, 32> v{};
    std::copy(b.begin(), b.end(), v.begin());
    p.pcrs.push_back(v);
  }
  auto hcl = parse_hcl_report(*from_base64url(doc["hcl_report"].get<std::string>()));
  EXPECT_TRUE(hcl.ok()) << hcl.status().to_string();
  if (hcl.ok()) p.hcl = *hcl;
  return p;
}

TEST_F(AzureVtpmTest, SnpEvidenceCarriesAQuoteThatVerifiesWithTheHclKey) {
  auto report_data = pattern(1);
  install_hcl(HclReportType::kSnp, report_data);
  auto attester = VtpmAttester::open(options());
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  EXPECT_EQ((*attester)->platform(), CpuPlatform::kAzureSnpVtpm);
  auto ev = (*attester)->attest(report_data);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->platform, CpuPlatform::kAzureSnpVtpm);
  EXPECT_EQ(ev->source, "vtpm");
  ASSERT_EQ(ev->certificates.size(), 3u);  // VCEK, ASK, ARK from THIM
  EXPECT_GE(imds_.thim_calls(), 1);

  std::string text(ev->report.begin(), ev->report.end());
  ASSERT_TRUE(looks_like_evidence(text));
  json doc = json::parse(text);
  EXPECT_EQ(doc["version"], 2);
  ASSERT_TRUE(doc.contains("vcek"));
  EXPECT_FALSE(doc.contains("td_quote"));
  EXPECT_EQ(*from_base64(doc["vcek"].get<std::string>()), ev->certificates[0]);
  ASSERT_EQ(doc["tpm_quote"]["pcrs"].size(), 24u);

  Parsed p = parse_evidence(*ev);
  EXPECT_TRUE(constant_time_equal(p.hcl.user_data, report_data));
  auto key = hcl_attestation_key(p.hcl);
  ASSERT_TRUE(key.ok()) << key.status().to_string();
  Verdict v;
  verify_tpm_quote(p.message, p.signature, p.pcrs, *key, default_quote_nonce(report_data), v);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.claims["tpm_nonce"], to_hex(std::span(report_data).first(48)));

  // PCR 16 was extended once from zero by the paravisor; the collector reports that value.
  Bytes concat(32, 0);
  auto measured = hash::sha256(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("kernel"), 6));
  concat.insert(concat.end(), measured.begin(), measured.end());
  auto expected16 = hash::sha256(concat);
  EXPECT_EQ(to_hex(p.pcrs[16]), to_hex(expected16));

  // The whole document through the production verifier: the real SNP report and VCEK verify, the
  // TPM quote verifies; only the claims binding fails, since the claims are synthetic.
  EvidenceOptions o;
  o.expected_nonce = default_quote_nonce(report_data);
  Verdict full = verify_evidence(text, o, verification_time());
  EXPECT_EQ(full.kind, "azure-snp-vtpm");
  EXPECT_TRUE(check_ok(full, "report signature")) << full.summary();
  EXPECT_TRUE(check_ok(full, "certificate chain"));
  EXPECT_TRUE(check_ok(full, "TPM quote signed by HCLAkPub"));
  EXPECT_TRUE(check_ok(full, "PCR values match the quote's digest"));
  EXPECT_TRUE(check_ok(full, "TPM quote nonce"));
  EXPECT_TRUE(check_ok(full, "runtime claims carry HCLAkPub"));
  EXPECT_FALSE(check_ok(full, "runtime claims bound by REPORT_DATA"));
  EXPECT_EQ(full.claims["user_data"], to_hex(report_data));

  // The user data really went to the TPM.
  auto para = paravisor();
  ASSERT_NE(para, nullptr);
  auto written = para->read_nv(kNvIndexUserData);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, Bytes(report_data.begin(), report_data.end()));
}

TEST_F(AzureVtpmTest, TamperedPcrOrNonceFailsTheQuote) {
  auto report_data = pattern(2);
  install_hcl(HclReportType::kSnp, report_data);
  auto ev = collect(report_data, options());
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  Parsed p = parse_evidence(*ev);
  auto key = hcl_attestation_key(p.hcl);
  ASSERT_TRUE(key.ok());

  PcrBank tampered = p.pcrs;
  tampered[23][0] ^= 1;
  Verdict v;
  verify_tpm_quote(p.message, p.signature, tampered, *key, default_quote_nonce(report_data), v);
  EXPECT_FALSE(v.ok());
  EXPECT_FALSE(check_ok(v, "PCR values match the quote's digest"));
  EXPECT_TRUE(check_ok(v, "TPM quote signed by HCLAkPub"));

  Verdict other_nonce;
  verify_tpm_quote(p.message, p.signature, p.pcrs, *key, default_quote_nonce(pattern(3)), other_nonce);
  EXPECT_FALSE(check_ok(other_nonce, "TPM quote nonce"));

  Bytes message = p.message;
  message[message.size() - 1] ^= 1;
  Verdict forged;
  verify_tpm_quote(message, p.signature, p.pcrs, *key, std::nullopt, forged);
  EXPECT_FALSE(check_ok(forged, "TPM quote signed by HCLAkPub"));
}

TEST_F(AzureVtpmTest, TdxEvidenceAsksImdsForTheQuoteOfTheTdReport) {
  auto report_data = pattern(4);
  install_hcl(HclReportType::kTdx, report_data);
  auto attester = VtpmAttester::open(options());
  ASSERT_TRUE(attester.ok()) << attester.status().to_string();
  EXPECT_EQ((*attester)->platform(), CpuPlatform::kAzureTdxVtpm);
  auto ev = (*attester)->attest(report_data);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  EXPECT_EQ(ev->platform, CpuPlatform::kAzureTdxVtpm);
  EXPECT_TRUE(ev->certificates.empty());

  // The request carried the TDREPORT, base64url.
  json request = json::parse(imds_.last_tdquote_request());
  Bytes real = sample("trustee_az_tdx_hcl_report.bin");
  EXPECT_EQ(*from_base64url(request["report"].get<std::string>()), Bytes(real.begin() + 32, real.begin() + 32 + 1024));

  std::string text(ev->report.begin(), ev->report.end());
  json doc = json::parse(text);
  EXPECT_EQ(doc["version"], 1);
  EXPECT_FALSE(doc.contains("vcek"));
  EXPECT_EQ(*from_base64url(doc["td_quote"].get<std::string>()), sample("trustee_az_tdx_quote_v4.bin"));

  EvidenceOptions o;
  o.expected_nonce = default_quote_nonce(report_data);
  Verdict full = verify_evidence(text, o, verification_time());
  EXPECT_EQ(full.kind, "azure-tdx-vtpm");
  EXPECT_TRUE(check_ok(full, "TD quote repeats the TDREPORT")) << full.summary();
  EXPECT_TRUE(check_ok(full, "TPM quote signed by HCLAkPub"));
  EXPECT_TRUE(check_ok(full, "PCR values match the quote's digest"));
  EXPECT_TRUE(check_ok(full, "TPM quote nonce"));
  EXPECT_FALSE(check_ok(full, "runtime claims bound by REPORT_DATA"));
}

TEST_F(AzureVtpmTest, TdQuoteForAnotherTdReportIsRefused) {
  auto report_data = pattern(5);
  Bytes area(1024, 0);
  Bytes real = sample("trustee_az_tdx_hcl_report.bin");
  std::copy(real.begin() + 32, real.begin() + 32 + 1024, area.begin());
  // REPORTDATA now differs from the quote's; the TDREPORT's own hashes still hold, since they
  // cover TEE_TCB_INFO and TDINFO only.
  area[128] ^= 1;
  install_hcl(testing::build_hcl_report(HclReportType::kTdx, area, testing::runtime_claims(ak_, report_data)));
  auto ev = collect(report_data, options());
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(ev.status().message().find("TD quote for another TDREPORT"), std::string::npos) << ev.status().to_string();
}

TEST_F(AzureVtpmTest, UserDataTheParavisorDidNotPickUpFailsPrecisely) {
  auto installed = pattern(6);
  auto attested = pattern(7);
  install_hcl(HclReportType::kSnp, installed);
  auto ev = collect(attested, options());
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kFailedPrecondition);
  const std::string& m = ev.status().message();
  EXPECT_NE(m.find("user-data " + to_hex(std::span(installed).first(8))), std::string::npos) << m;
  EXPECT_NE(m.find("not the " + to_hex(std::span(attested).first(8))), std::string::npos) << m;
  EXPECT_NE(m.find("after 3 reads"), std::string::npos) << m;
}

TEST_F(AzureVtpmTest, MissingHclReportIndexIsNamed) {
  auto attester = VtpmAttester::open(options());
  ASSERT_FALSE(attester.ok());
  EXPECT_EQ(attester.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(attester.status().message(), "NV index 0x01400001 (HCL report) is not defined in the TPM");
}

TEST_F(AzureVtpmTest, HclReportIndexThatCannotHoldAReportIsRefused) {
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->define_nv(kNvIndexHclReport, 1500, TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD).ok());
  }
  auto unwritten = VtpmAttester::open(options());
  ASSERT_FALSE(unwritten.ok());
  EXPECT_EQ(unwritten.status().message(), "NV index 0x01400001 (HCL report) has never been written");
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->undefine_nv(kNvIndexHclReport).ok());
  }
  install_hcl(Bytes(100, 'H'));
  auto small = VtpmAttester::open(options());
  ASSERT_FALSE(small.ok());
  EXPECT_EQ(small.status().message(), "NV index 0x01400001 (HCL report) holds 100 bytes, fewer than the 1236 expected");
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->undefine_nv(kNvIndexHclReport).ok());
  }
  install_hcl(Bytes(1500, 'H'));
  auto garbage = VtpmAttester::open(options());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(garbage.status().message().find("does not start with \"HCLA\""), std::string::npos) << garbage.status().to_string();
}

TEST_F(AzureVtpmTest, MissingUserDataIndexIsDefinedAsAzureGuestsDoOrNamed) {
  auto report_data = pattern(8);
  install_hcl(HclReportType::kSnp, report_data);
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->undefine_nv(kNvIndexUserData).ok());
  }
  VtpmOptions strict = options();
  strict.define_user_data_index = false;
  auto refused = collect(report_data, strict);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(refused.status().message(), "NV index 0x01400002 (user data) is not defined in the TPM");

  auto ev = collect(report_data, options());
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  auto p = paravisor();
  ASSERT_NE(p, nullptr);
  auto written = p->read_nv(kNvIndexUserData);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(*written, Bytes(report_data.begin(), report_data.end()));
}

TEST_F(AzureVtpmTest, UserDataIndexWrittenWithItsOwnEmptyAuth) {
  auto report_data = pattern(9);
  install_hcl(HclReportType::kSnp, report_data);
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->undefine_nv(kNvIndexUserData).ok());
    ASSERT_TRUE(p->define_nv(kNvIndexUserData, 64, TPMA_NV_AUTHWRITE | TPMA_NV_AUTHREAD).ok());
  }
  auto ev = collect(report_data, options());
  EXPECT_TRUE(ev.ok()) << ev.status().to_string();
}

TEST_F(AzureVtpmTest, UserDataIndexOfAnotherSizeIsRefused) {
  auto report_data = pattern(10);
  install_hcl(HclReportType::kSnp, report_data);
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->undefine_nv(kNvIndexUserData).ok());
    ASSERT_TRUE(p->define_nv(kNvIndexUserData, 32, TPMA_NV_OWNERWRITE | TPMA_NV_OWNERREAD).ok());
  }
  auto ev = collect(report_data, options());
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().message(), "NV index 0x01400002 (user data) holds 32 bytes, not 64");
}

TEST_F(AzureVtpmTest, AttestationKeyThatIsNotHclAkPubIsRefused) {
  auto report_data = pattern(11);
  // Claims naming the real Azure sample's HCLAkPub instead of this TPM's key.
  auto real = parse_hcl_report(sample("trustee_az_snp_milan_hcl_report.bin"));
  ASSERT_TRUE(real.ok());
  auto other_key = hcl_attestation_key(*real);
  ASSERT_TRUE(other_key.ok());
  install_hcl(hcl_for(HclReportType::kSnp, report_data, *other_key));
  auto ev = collect(report_data, options());
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(ev.status().message(), "the attestation key at 0x81000003 is not the HCLAkPub of the HCL report");
}

TEST_F(AzureVtpmTest, MissingAttestationKeyIsNamed) {
  auto report_data = pattern(16);
  install_hcl(HclReportType::kSnp, report_data);
  {
    auto p = paravisor();
    ASSERT_NE(p, nullptr);
    ASSERT_TRUE(p->evict(kAttestationKeyHandle).ok());
  }
  auto ev = collect(report_data, options());
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(ev.status().message(), "no attestation key at persistent handle 0x81000003");
}

TEST_F(AzureVtpmTest, CallerNonceOfSixtyFourBytesOnATpmThatTakesIt) {
  auto report_data = pattern(12);
  install_hcl(HclReportType::kSnp, report_data);
  VtpmOptions o = options();
  o.quote_nonce = Bytes(report_data.begin(), report_data.end());
  auto ev = collect(report_data, o);
  ASSERT_TRUE(ev.ok()) << ev.status().to_string();
  Parsed p = parse_evidence(*ev);
  auto quote = parse_tpm_quote(p.message);
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(quote->extra_data, *o.quote_nonce);

  o.quote_nonce = Bytes(65, 1);
  auto refused = VtpmAttester::open(o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  o.quote_nonce = Bytes();
  EXPECT_FALSE(VtpmAttester::open(o).ok());
}

TEST_F(AzureVtpmTest, UnreachableImdsFailsTheCall) {
  auto report_data = pattern(13);
  install_hcl(HclReportType::kSnp, report_data);
  VtpmOptions o = options();
  // A port nothing listens on: bound, never listening.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  o.imds_url = "http://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  o.imds_attempts = 2;
  auto ev = collect(report_data, o);
  ::close(fd);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(ev.status().message().find("IMDS is unreachable (GET " + o.imds_url + "/metadata/THIM/amd/certification"),
            std::string::npos)
      << ev.status().to_string();
  EXPECT_NE(ev.status().message().find("(2 attempts)"), std::string::npos);
}

TEST_F(AzureVtpmTest, ImdsAnswersAreBoundedAndValidated) {
  auto report_data = pattern(14);
  install_hcl(HclReportType::kSnp, report_data);
  struct Case {
    int status;
    std::string body;
    StatusCode code;
    std::string message;
  };
  std::vector<Case> cases = {
      {404, "no such thing", StatusCode::kUnavailable, "IMDS answered HTTP 404"},
      {200, "not json", StatusCode::kDataLoss, "IMDS THIM answer is not a JSON object"},
      {200, R"({"certificateChain": ""})", StatusCode::kDataLoss, "IMDS THIM answer has no \"vcekCert\" string"},
      {200, R"({"vcekCert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"})", StatusCode::kDataLoss,
       "IMDS THIM vcekCert"},
      {200, std::string(70000, ' '), StatusCode::kOutOfRange, "more than 65536 bytes"},
  };
  for (const Case& c : cases) {
    imds_.set_thim(c.status, c.body);
    auto ev = collect(report_data, options());
    ASSERT_FALSE(ev.ok()) << c.message;
    EXPECT_EQ(ev.status().code(), c.code) << ev.status().to_string();
    EXPECT_NE(ev.status().message().find(c.message), std::string::npos) << ev.status().to_string();
  }
}

TEST(AzureVtpmOptions, BadImdsUrlIsRefusedBeforeAnyTpmAccess) {
  VtpmOptions o;
  o.tcti = "swtpm:host=127.0.0.1,port=1";
  o.imds_url = "https://169.254.169.254/metadata";
  auto a = VtpmAttester::open(o);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
}

TEST(AzureVtpmOptions, DefaultNonceIsTheFirst48BytesAsInTheRealSample) {
  auto report_data = pattern(15);
  EXPECT_EQ(default_quote_nonce(report_data), Bytes(report_data.begin(), report_data.begin() + 48));
  // The Azure sample quoted with the first 48 bytes of the user data it wrote.
  json doc = json::parse(sample_text("trustee_az_snp_evidence_v2.json"));
  auto hcl = parse_hcl_report(*from_base64url(doc["hcl_report"].get<std::string>()));
  ASSERT_TRUE(hcl.ok());
  auto quote = parse_tpm_quote(*from_hex(doc["tpm_quote"]["message"].get<std::string>()));
  ASSERT_TRUE(quote.ok());
  std::array<uint8_t, 64> user_data;
  std::copy(hcl->user_data.begin(), hcl->user_data.end(), user_data.begin());
  EXPECT_EQ(quote->extra_data, default_quote_nonce(user_data));
}

}  // namespace
}  // namespace zkcc::tee::azure
