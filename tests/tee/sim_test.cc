// The simulated platform: its evidence passes the production verifiers with its roots passed
// explicitly, and only then; statements and nonces are honoured; its state persists.
#include "zkcc/tee/sim/platform.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <optional>
#include <set>

#include "zkcc/tee/crl.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/tdx/collateral.h"

namespace zkcc::tee::sim {
namespace {

namespace fs = std::filesystem;

fs::path make_temp_dir() {
  std::string tmpl = (fs::temp_directory_path() / "zkcc-sim-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  EXPECT_NE(made, nullptr);
  return made != nullptr ? fs::path(made) : fs::path();
}

int64_t now() { return static_cast<int64_t>(std::time(nullptr)); }

std::array<uint8_t, 64> report_data(uint8_t seed) {
  std::array<uint8_t, 64> d{};
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(seed + 3 * i);
  return d;
}

std::array<uint8_t, 32> nonce(uint8_t seed) {
  std::array<uint8_t, 32> n{};
  for (size_t i = 0; i < n.size(); ++i) n[i] = static_cast<uint8_t>(seed ^ (7 * i));
  return n;
}

std::vector<Certificate> parse_der(const std::vector<Bytes>& ders) {
  std::vector<Certificate> out;
  for (const Bytes& d : ders) out.push_back(*Certificate::from_der(d));
  return out;
}

std::vector<Certificate> parse_pem(const std::string& pem) { return *Certificate::from_pem_bundle(pem); }

std::string failed(const Verdict& v) { return v.first_failure() != nullptr ? v.first_failure()->name : std::string("(none)"); }

const Check* check_named(const Verdict& v, const std::string& name) {
  for (const Check& c : v.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

// One platform per test process (its RSA-4096 keys take a moment), in a directory removed after.
class SimTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = make_temp_dir();
    auto p = SimPlatform::open(dir_);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    platform_.emplace(std::move(*p));
    issued_ = now();
  }
  static void TearDownTestSuite() {
    platform_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void SetUp() override { ASSERT_TRUE(platform_.has_value()); }

  static const SimPlatform& platform() { return *platform_; }
  static SimRoots roots() { return platform_->roots(); }

  static sev_snp::TrustRoots snp_roots() { return {.amd = true, .extra = roots().amd}; }
  static tdx::TrustRoots tdx_roots() { return {.intel = true, .extra = roots().intel}; }
  static nvidia_gpu::TrustRoots gpu_roots() { return {.nvidia = true, .extra = roots().nvidia}; }

  static CpuEvidence cpu(CpuPlatform kind, std::span<const uint8_t, 64> data) {
    CpuAttesterOptions options;
    options.collateral_time = issued_;
    auto a = make_cpu_attester(platform(), kind, options);
    EXPECT_TRUE(a.ok()) << a.status().to_string();
    auto e = (*a)->attest(data);
    EXPECT_TRUE(e.ok()) << e.status().to_string();
    return *e;
  }

  static Verdict verify_snp(const Bytes& report, const std::vector<Bytes>& certs, const sev_snp::TrustRoots& r) {
    return sev_snp::verify_report(report, parse_der(certs), r, now());
  }
  static Verdict verify_tdx(const Bytes& quote, const std::string& collateral, const tdx::TrustRoots& r, int64_t at) {
    auto c = tdx::parse_collateral_json(collateral);
    EXPECT_TRUE(c.ok()) << c.status().to_string();
    return c.ok() ? tdx::verify_quote(quote, *c, r, at) : Verdict{};
  }
  static Verdict verify_gpu(const GpuEvidence& e, const nvidia_gpu::TrustRoots& r, const std::array<uint8_t, 32>& n) {
    return nvidia_gpu::verify_gpu_report(e.report, parse_pem(e.certificate_chain_pem), r, n, now());
  }

  static fs::path dir_;
  static std::optional<SimPlatform> platform_;
  static int64_t issued_;
};

fs::path SimTest::dir_;
std::optional<SimPlatform> SimTest::platform_;
int64_t SimTest::issued_ = 0;

// ---- SEV-SNP ----

TEST_F(SimTest, SnpReport) {
  auto data = report_data(1);
  CpuEvidence e = cpu(CpuPlatform::kSevSnp, data);
  EXPECT_EQ(e.platform, CpuPlatform::kSevSnp);
  EXPECT_EQ(e.source, "sim");
  EXPECT_EQ(e.report.size(), sev_snp::kReportSize);
  ASSERT_EQ(e.certificates.size(), 3u);
  // The collateral is the ARK's CRL, listing nothing.
  auto collateral = sev_snp::parse_collateral_json(e.collateral);
  ASSERT_TRUE(collateral.ok()) << collateral.status().to_string();
  auto crl = Crl::from_der(collateral->crl);
  ASSERT_TRUE(crl.ok()) << crl.status().to_string();
  EXPECT_TRUE(crl->signed_by(snp_roots().extra[0]));
  EXPECT_FALSE(crl->lists(*Certificate::from_der(e.certificates[1])));

  // Accepted with the simulated ARK passed explicitly.
  Verdict ok = verify_snp(e.report, e.certificates, snp_roots());
  EXPECT_TRUE(ok.ok()) << ok.summary();
  EXPECT_EQ(ok.claims["version"], 3);
  EXPECT_EQ(ok.claims["product"], "Milan");
  EXPECT_EQ(ok.claims["vmpl"], 0);
  EXPECT_EQ(ok.claims["debug_allowed"], false);
  EXPECT_EQ(ok.claims["report_data"], to_hex(data));
  EXPECT_EQ(ok.claims["measurement"], to_hex(default_measurement()));

  // Rejected under the production roots: the simulated ARK is not trusted.
  Verdict prod = verify_snp(e.report, e.certificates, sev_snp::TrustRoots{});
  EXPECT_FALSE(prod.ok());
  EXPECT_EQ(failed(prod), "certificate chain");
  sev_snp::TrustRoots none;
  none.amd = false;
  EXPECT_FALSE(verify_snp(e.report, e.certificates, none).ok());

  // Another statement gives another report; the chosen measurement is reported.
  SnpGuest guest;
  guest.measurement.fill(0xAB);
  auto other = report_data(2);
  auto r2 = platform().snp_report(other, guest);
  ASSERT_TRUE(r2.ok()) << r2.status().to_string();
  EXPECT_NE(*r2, e.report);
  Verdict v2 = verify_snp(*r2, platform().snp_certificates(), snp_roots());
  ASSERT_TRUE(v2.ok()) << v2.summary();
  EXPECT_EQ(v2.claims["report_data"], to_hex(other));
  EXPECT_EQ(v2.claims["measurement"], to_hex(guest.measurement));

  // Any flipped byte is rejected (sampled across the signed part, the signature and the rest).
  for (size_t i = 0; i < e.report.size(); i += 5) {
    Bytes bad = e.report;
    bad[i] ^= 0x10;
    EXPECT_FALSE(verify_snp(bad, e.certificates, snp_roots()).ok()) << "byte " << i;
  }
  // So is a changed VCEK (one byte of its signature).
  std::vector<Bytes> bad_certs = e.certificates;
  bad_certs[0][bad_certs[0].size() - 10] ^= 0x01;
  EXPECT_FALSE(verify_snp(e.report, bad_certs, snp_roots()).ok());
}

// ---- TDX ----

TEST_F(SimTest, TdxQuoteAndCollateral) {
  auto data = report_data(4);
  CpuEvidence e = cpu(CpuPlatform::kTdx, data);
  EXPECT_EQ(e.platform, CpuPlatform::kTdx);
  EXPECT_EQ(e.source, "sim");
  EXPECT_TRUE(e.certificates.empty());
  ASSERT_FALSE(e.collateral.empty());
  auto q = tdx::parse_quote(e.report);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->version, 4);
  EXPECT_EQ(q->declared_size, e.report.size());

  // Accepted, UpToDate, with the simulated root passed explicitly.
  Verdict ok = verify_tdx(e.report, e.collateral, tdx_roots(), now());
  EXPECT_TRUE(ok.ok()) << ok.summary();
  EXPECT_EQ(ok.claims["tcb_status"], "UpToDate");
  EXPECT_EQ(ok.claims["qe_tcb_status"], "UpToDate");
  EXPECT_EQ(ok.claims["tdx_module_tcb_status"], "UpToDate");
  EXPECT_EQ(ok.claims["report_data"], to_hex(data));
  EXPECT_EQ(ok.claims["mr_td"], to_hex(default_measurement()));
  EXPECT_EQ(ok.claims["debug"], false);

  // Rejected under the production roots.
  Verdict prod = verify_tdx(e.report, e.collateral, tdx::TrustRoots{}, now());
  EXPECT_FALSE(prod.ok());
  EXPECT_EQ(failed(prod), "PCK chain to a trusted root");
  tdx::TrustRoots none;
  none.intel = false;
  EXPECT_FALSE(verify_tdx(e.report, e.collateral, none, now()).ok());

  // Another statement gives another quote; the chosen MRTD is reported.
  TdxGuest guest;
  guest.mr_td.fill(0x5C);
  auto other = report_data(6);
  Bytes q2 = *platform().tdx_quote(other, guest);
  EXPECT_NE(q2, e.report);
  Verdict v2 = verify_tdx(q2, e.collateral, tdx_roots(), now());
  ASSERT_TRUE(v2.ok()) << v2.summary();
  EXPECT_EQ(v2.claims["report_data"], to_hex(other));
  EXPECT_EQ(v2.claims["mr_td"], to_hex(guest.mr_td));

  // The collateral is valid for 30 days from its issue time, CRLs included.
  int64_t t = issued_;
  EXPECT_TRUE(verify_tdx(e.report, e.collateral, tdx_roots(), t).ok());
  EXPECT_TRUE(verify_tdx(e.report, e.collateral, tdx_roots(), t + 29 * 86400).ok());
  Verdict late = verify_tdx(e.report, e.collateral, tdx_roots(), t + 31 * 86400);
  EXPECT_FALSE(late.ok());
  EXPECT_EQ(failed(late), "Root CA CRL");
  ASSERT_NE(check_named(late, "TCB Info current"), nullptr);
  EXPECT_FALSE(check_named(late, "TCB Info current")->ok);
  EXPECT_FALSE(check_named(late, "QE Identity current")->ok);
  EXPECT_FALSE(verify_tdx(e.report, e.collateral, tdx_roots(), t - 60).ok());
  // Re-signed for a later time, it covers that time.
  EXPECT_TRUE(verify_tdx(e.report, *platform().tdx_collateral(t + 31 * 86400), tdx_roots(), t + 31 * 86400).ok());
  EXPECT_FALSE(platform().tdx_collateral(-1).ok());

  // Any flipped byte of the quote is rejected (sampled), and so is a changed collateral document.
  auto c = tdx::parse_collateral_json(e.collateral);
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  // Every byte counts, the PEM text of the PCK chain included: it must be the canonical encoding.
  for (size_t i = 0; i < e.report.size(); i += 7) {
    Bytes bad = e.report;
    bad[i] ^= 0x04;
    EXPECT_FALSE(tdx::verify_quote(bad, *c, tdx_roots(), now()).ok()) << "byte " << i;
  }
  tdx::Collateral bad_tcb = *c;
  bad_tcb.tcb_info[bad_tcb.tcb_info.find("UpToDate")] = 'u';
  Verdict v = tdx::verify_quote(e.report, bad_tcb, tdx_roots(), now());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(failed(v), "TCB Info signature");
  tdx::Collateral bad_qe = *c;
  bad_qe.qe_identity[bad_qe.qe_identity.find("\"isvprodid\":2") + 12] = '3';
  v = tdx::verify_quote(e.report, bad_qe, tdx_roots(), now());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(failed(v), "QE Identity signature");
  tdx::Collateral bad_crl = *c;
  bad_crl.pck_crl[bad_crl.pck_crl.size() - 5] ^= 0x01;
  v = tdx::verify_quote(e.report, bad_crl, tdx_roots(), now());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(failed(v), "PCK CRL");
}

// ---- NVIDIA GPU ----

TEST_F(SimTest, GpuReport) {
  auto n = nonce(9);
  auto a = make_gpu_attester(platform());
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  auto gpus = (*a)->attest(n);
  ASSERT_TRUE(gpus.ok()) << gpus.status().to_string();
  ASSERT_EQ(gpus->size(), 1u);
  const GpuEvidence& e = (*gpus)[0];
  EXPECT_EQ(e.index, 0u);
  EXPECT_EQ(e.source, "sim");
  std::vector<Certificate> chain = parse_pem(e.certificate_chain_pem);
  EXPECT_EQ(chain.size(), 5u);

  // Accepted with the simulated Device Identity CA passed explicitly; the leaf's FWID is checked.
  Verdict ok = verify_gpu(e, gpu_roots(), n);
  EXPECT_TRUE(ok.ok()) << ok.summary();
  const Check* fwid = check_named(ok, "FWID matches the leaf certificate");
  ASSERT_NE(fwid, nullptr);
  EXPECT_TRUE(fwid->ok);
  EXPECT_EQ(ok.claims["nonce"], to_hex(n));
  EXPECT_EQ(ok.claims["driver_version"], "550.90.07");
  EXPECT_EQ(ok.claims["vbios_version"], "96.00.9F.00.01");
  EXPECT_EQ(ok.claims["measurements"].size(), 64u);

  // Rejected under the production roots.
  Verdict prod = verify_gpu(e, nvidia_gpu::TrustRoots{}, n);
  EXPECT_FALSE(prod.ok());
  EXPECT_EQ(failed(prod), "certificate chain");

  // The nonce is honoured: another nonce gives another report, and the wrong one is caught.
  auto n2 = nonce(11);
  auto e2 = platform().gpu_evidence(0, n2);
  ASSERT_TRUE(e2.ok()) << e2.status().to_string();
  EXPECT_NE(e2->report, e.report);
  EXPECT_TRUE(std::equal(n2.begin(), n2.end(), e2->report.begin() + 4));
  EXPECT_TRUE(verify_gpu(*e2, gpu_roots(), n2).ok());
  Verdict wrong = verify_gpu(e, gpu_roots(), n2);
  EXPECT_FALSE(wrong.ok());
  EXPECT_EQ(failed(wrong), "nonce");

  // Any flipped byte is rejected (sampled).
  for (size_t i = 0; i < e.report.size(); i += 7) {
    Bytes bad = e.report;
    bad[i] ^= 0x02;
    EXPECT_FALSE(nvidia_gpu::verify_gpu_report(bad, chain, gpu_roots(), n, now()).ok()) << "byte " << i;
  }
}

TEST_F(SimTest, SeveralGpusGiveDistinctReportsInIndexOrder) {
  auto n = nonce(13);
  auto a = make_gpu_attester(platform(), 3);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  auto gpus = (*a)->attest(n);
  ASSERT_TRUE(gpus.ok()) << gpus.status().to_string();
  ASSERT_EQ(gpus->size(), 3u);
  std::set<std::string> leaves;
  for (unsigned i = 0; i < 3; ++i) {
    const GpuEvidence& e = (*gpus)[i];
    EXPECT_EQ(e.index, i);
    Verdict v = verify_gpu(e, gpu_roots(), n);
    EXPECT_TRUE(v.ok()) << "GPU " << i << "\n" << v.summary();
    leaves.insert(parse_pem(e.certificate_chain_pem)[0].sha256_fingerprint());
  }
  EXPECT_EQ(leaves.size(), 3u);  // each GPU signs with its own leaf key
  EXPECT_NE((*gpus)[0].report, (*gpus)[1].report);
  // GPU 1's report does not verify with GPU 0's chain.
  Verdict swapped = nvidia_gpu::verify_gpu_report((*gpus)[1].report, parse_pem((*gpus)[0].certificate_chain_pem),
                                                  gpu_roots(), n, now());
  EXPECT_FALSE(swapped.ok());
  EXPECT_EQ(failed(swapped), "report signature");

  // Counts, indices and CPU platforms outside what the simulator offers are errors.
  EXPECT_FALSE(make_gpu_attester(platform(), 0).ok());
  EXPECT_FALSE(make_gpu_attester(platform(), kMaxGpus + 1).ok());
  EXPECT_FALSE(platform().gpu_evidence(kMaxGpus, n).ok());
  EXPECT_FALSE(make_cpu_attester(platform(), CpuPlatform::kAzureSnpVtpm).ok());
  EXPECT_FALSE(make_cpu_attester(platform(), CpuPlatform::kNone).ok());
  auto snp = make_cpu_attester(platform(), CpuPlatform::kSevSnp);
  ASSERT_TRUE(snp.ok());
  EXPECT_EQ((*snp)->platform(), CpuPlatform::kSevSnp);
}

// ---- Persistence ----

TEST_F(SimTest, ReopeningGivesTheSameRootsAndOwnerOnlyKeys) {
  auto n = nonce(14);
  GpuEvidence g0 = *platform().gpu_evidence(0, n);  // GPU 0's keys exist from here on
  auto again = SimPlatform::open(dir_);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  SimRoots a = roots(), b = again->roots();
  auto loaded = load_roots(dir_);
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  for (const SimRoots* r : {&b, &*loaded}) {
    ASSERT_EQ(r->amd.size(), 1u);
    ASSERT_EQ(r->intel.size(), 1u);
    ASSERT_EQ(r->nvidia.size(), 1u);
    EXPECT_EQ(r->amd[0].sha256_fingerprint(), a.amd[0].sha256_fingerprint());
    EXPECT_EQ(r->intel[0].sha256_fingerprint(), a.intel[0].sha256_fingerprint());
    EXPECT_EQ(r->nvidia[0].sha256_fingerprint(), a.nvidia[0].sha256_fingerprint());
  }
  EXPECT_EQ(again->snp_certificates(), platform().snp_certificates());
  // Evidence signed by the reopened platform verifies under the roots loaded from disk.
  auto data = report_data(14);
  Verdict snp = verify_snp(*again->snp_report(data), again->snp_certificates(), {.amd = true, .extra = loaded->amd});
  EXPECT_TRUE(snp.ok()) << snp.summary();
  Verdict td = verify_tdx(*again->tdx_quote(data), *again->tdx_collateral(issued_), {.intel = true, .extra = loaded->intel}, now());
  EXPECT_TRUE(td.ok()) << td.summary();
  GpuEvidence g0_again = *again->gpu_evidence(0, n);
  EXPECT_EQ(g0.certificate_chain_pem, g0_again.certificate_chain_pem);
  EXPECT_TRUE(verify_gpu(g0_again, {.nvidia = true, .extra = loaded->nvidia}, n).ok());

  // Private keys are 0600, the directory is the owner's only, and the roots are where documented.
  size_t keys = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    std::string name = entry.path().filename().string();
    if (name.size() < 8 || name.substr(name.size() - 8) != ".key.pem") continue;
    ++keys;
    struct stat st {};
    ASSERT_EQ(::stat(entry.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << entry.path();
  }
  EXPECT_GE(keys, 3u + 5u + 3u + 2u);  // AMD, Intel and NVIDIA authorities, GPU 0 and any others
  struct stat st {};
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0077, 0u);
  for (const char* root : {"amd_ark.pem", "intel_root.pem", "nvidia_root.pem"}) {
    EXPECT_TRUE(fs::exists(dir_ / "roots" / root)) << root;
  }
  EXPECT_FALSE(load_roots("/nonexistent/zkcc-sim").ok());
}

TEST_F(SimTest, AnotherDirectoryIsAnotherPlatform) {
  fs::path other = make_temp_dir();
  auto p = SimPlatform::open(other);
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_NE(p->roots().amd[0].sha256_fingerprint(), roots().amd[0].sha256_fingerprint());
  // Its evidence is not accepted under this platform's roots.
  Bytes report = *p->snp_report(report_data(15));
  EXPECT_FALSE(verify_snp(report, p->snp_certificates(), snp_roots()).ok());
  EXPECT_TRUE(verify_snp(report, p->snp_certificates(), {.amd = true, .extra = p->roots().amd}).ok());

  // A damaged platform is an error, never silently regenerated.
  fs::copy_file(dir_ / "sev_snp" / "vcek.key.pem", other / "sev_snp" / "vcek.key.pem",
                fs::copy_options::overwrite_existing);
  auto damaged = SimPlatform::open(other);
  EXPECT_FALSE(damaged.ok());
  EXPECT_EQ(damaged.status().code(), StatusCode::kDataLoss) << damaged.status().to_string();
  fs::remove(other / "roots" / "intel_root.pem");
  EXPECT_FALSE(load_roots(other).ok());
  EXPECT_FALSE(SimPlatform::open(other).ok());
  std::error_code ec;
  fs::remove_all(other, ec);
}

}  // namespace
}  // namespace zkcc::tee::sim
