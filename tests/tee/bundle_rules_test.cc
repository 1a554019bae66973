// One attestation, one hash, one reading: the ECDSA twin (r, n - s) of a correctly signed report
// does not make a second accepted bundle, bundles are parsed strictly, and a GPU is listed once.
#include "sim_bundle_fixture.h"

#include "zkcc/base/bytes.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/low_s.h"
#include "zkcc/tee/nvidia_gpu/report.h"
#include "zkcc/tee/nvidia_gpu/verify.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/tdx/verify.h"

namespace zkcc::tee {
namespace {

using BundleRulesTest = SimBundleTest;

// The bundle `b` with its hashes recomputed for evidence edited by `edit`: everything a forger can
// restate consistently.
template <typename Edit>
json restated(const json& b, Edit edit) {
  FullStackAttestation a = *bundle_from_json(b);
  edit(a);
  std::optional<Felt252> cpu, gpu;
  if (a.cpu) cpu = a.cpu_hash = *cpu_hash_of(*a.cpu);
  if (!a.gpus.empty()) gpu = a.gpu_hash = gpu_hash_of(a.gpus);
  a.combined_hash = combined_hash(cpu, gpu);
  return bundle_to_json(a);
}

// s -> n - s at `offset`, `width` bytes, little endian when `le`.
void twin(Bytes& b, size_t offset, EcdsaCurve curve, bool le) {
  size_t w = curve == EcdsaCurve::kP256 ? 32 : 48;
  Bytes s(b.begin() + offset, b.begin() + offset + w);
  if (le) std::reverse(s.begin(), s.end());
  negate_s(curve, s);
  if (le) std::reverse(s.begin(), s.end());
  std::copy(s.begin(), s.end(), b.begin() + offset);
}

TEST(LowS, NegateAndNormalize) {
  for (EcdsaCurve c : {EcdsaCurve::kP256, EcdsaCurve::kP384}) {
    size_t w = c == EcdsaCurve::kP256 ? 32 : 48;
    Bytes one(w, 0);
    one.back() = 1;
    EXPECT_TRUE(is_low_s(c, one));
    Bytes high = one;
    negate_s(c, high);  // n - 1
    EXPECT_FALSE(is_low_s(c, high));
    make_low_s(c, high);
    EXPECT_EQ(high, one);
    Bytes all(w, 0xFF);  // above n: never low
    EXPECT_FALSE(is_low_s(c, all));
  }
}

TEST_F(BundleRulesTest, AttestedEvidenceCarriesLowS) {
  for (CpuPlatform cpu : {CpuPlatform::kSevSnp, CpuPlatform::kTdx}) {
    for (int round = 0; round < 4; ++round) {
      FullStackAttestation a = *bundle_from_json(bundle(cpu, 1));
      EXPECT_EQ(high_s_signature(*a.cpu), "");
      EXPECT_EQ(high_s_signature(a.gpus[0]), "");
    }
  }
}

TEST_F(BundleRulesTest, SnpSignatureTwinIsRefused) {
  json b = bundle(CpuPlatform::kSevSnp, 0);
  ASSERT_TRUE(verify(b).ok()) << verify(b).summary();
  json t = restated(b, [](FullStackAttestation& a) { twin(a.cpu->report, 0x2E8, EcdsaCurve::kP384, true); });
  ASSERT_NE(t["cpu_hash"], b["cpu_hash"]);
  Verdict v = verify(t);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: signatures in low-S form"}) << v.summary();
}

TEST_F(BundleRulesTest, TdxSignatureTwinsAreRefused) {
  json b = bundle(CpuPlatform::kTdx, 0);
  ASSERT_TRUE(verify(b).ok()) << verify(b).summary();
  FullStackAttestation a = *bundle_from_json(b);
  size_t signed_size = tdx::parse_quote(a.cpu->report)->signed_size;
  // The quote's own signature, then the QE report's (inside the signature data).
  for (size_t offset : {signed_size + 4 + 32, signed_size + 4 + 64 + 64 + 6 + 384 + 32}) {
    json t = restated(b, [&](FullStackAttestation& x) { twin(x.cpu->report, offset, EcdsaCurve::kP256, false); });
    ASSERT_NE(t["cpu_hash"], b["cpu_hash"]);
    Verdict v = verify(t);
    EXPECT_EQ(failures(v), std::set<std::string>{"cpu: signatures in low-S form"}) << offset << v.summary();
  }
}

TEST_F(BundleRulesTest, GpuSignatureTwinIsRefused) {
  json b = bundle(CpuPlatform::kNone, 1);
  ASSERT_TRUE(verify(b).ok()) << verify(b).summary();
  json t = restated(b, [](FullStackAttestation& a) {
    size_t at = nvidia_gpu::parse_gpu_report(a.gpus[0].report)->signed_size + 48;
    twin(a.gpus[0].report, at, EcdsaCurve::kP384, false);
  });
  ASSERT_NE(t["gpu_hash"], b["gpu_hash"]);
  Verdict v = verify(t);
  EXPECT_EQ(failures(v), std::set<std::string>{"GPU-0: signature in low-S form"}) << v.summary();
}

// Real vendor-signed evidence: the twin of each signature verifies as well as the original, so it
// is the low-S rule, and nothing else, that keeps the twin from being a second bundle; and both
// forms canonicalise to the same bytes, hence the same hash.
Bytes real(const std::string& rel) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/" + rel);
  EXPECT_TRUE(b.ok()) << rel;
  return b.ok() ? *b : Bytes{};
}
std::string real_text(const std::string& rel) {
  Bytes b = real(rel);
  return std::string(b.begin(), b.end());
}
int64_t at(const char* t) { return *parse_rfc3339(t); }

// A bundle for statement 42 around real evidence, its hashes computed as the attester would.
json real_bundle(const std::optional<CpuEvidence>& cpu, const std::vector<GpuEvidence>& gpus) {
  FullStackAttestation a;
  a.statement = Felt252::from_u64(42);
  a.cpu = cpu;
  a.gpus = gpus;
  std::optional<Felt252> c, g;
  if (cpu) c = a.cpu_hash = *cpu_hash_of(*cpu);
  if (!gpus.empty()) g = a.gpu_hash = gpu_hash_of(gpus);
  a.combined_hash = combined_hash(c, g);
  return bundle_to_json(a);
}

// The high-S bundle fails exactly what the low-S one fails (real evidence made for another
// statement fails its bindings) plus the low-S rule.
void expect_only_low_s_differs(const json& low, const json& high, const std::string& rule, int64_t when) {
  ASSERT_NE(low["combined_hash"], high["combined_hash"]);
  std::set<std::string> base = failures(verify_bundle(low, BundleRoots{}, nullptr, when));
  EXPECT_EQ(base.count(rule), 0u);
  std::set<std::string> want = base;
  want.insert(rule);
  Verdict v = verify_bundle(high, BundleRoots{}, nullptr, when);
  EXPECT_EQ(failures(v), want) << v.summary();
}

TEST(LowS, RealSevSnpReportAndItsTwin) {
  CpuEvidence low;
  low.platform = CpuPlatform::kSevSnp;
  low.report = real("sev-snp/trustee_milan_v2_report.bin");
  low.certificates = {real("sev-snp/trustee_milan_vcek.der")};
  int64_t when = at("2026-11-25T00:00:00Z");
  std::vector<Certificate> vcek = {*Certificate::from_der(low.certificates[0])};
  ASSERT_TRUE(sev_snp::verify_report(low.report, vcek, {}, when).ok());
  canonicalize_signatures(low);
  CpuEvidence high = low;
  twin(high.report, 0x2E8, EcdsaCurve::kP384, true);
  Verdict both = sev_snp::verify_report(high.report, vcek, {}, when);
  EXPECT_TRUE(both.ok()) << both.summary();
  EXPECT_TRUE(sev_snp::verify_report(low.report, vcek, {}, when).ok());
  EXPECT_EQ(high_s_signature(low), "");
  EXPECT_EQ(high_s_signature(high), "SEV-SNP report signature has a high S (s > n/2)");
  CpuEvidence again = high;
  canonicalize_signatures(again);
  EXPECT_EQ(again.report, low.report);
  EXPECT_EQ(*cpu_hash_of(again), *cpu_hash_of(low));
  expect_only_low_s_differs(real_bundle(low, {}), real_bundle(high, {}), "cpu: signatures in low-S form", when);
}

TEST(LowS, RealTdxQuoteAndItsTwins) {
  CpuEvidence low;
  low.platform = CpuPlatform::kTdx;
  low.report = real("tdx/dcapqvl_quote_v4.bin");
  low.collateral = real_text("tdx/dcapqvl_quote_v4_collateral.json");
  int64_t when = at("2025-06-20T00:00:00Z");
  tdx::Collateral collateral = *tdx::parse_collateral_json(low.collateral);
  ASSERT_TRUE(tdx::verify_quote(low.report, collateral, {}, when).ok());
  canonicalize_signatures(low);
  size_t signed_size = tdx::parse_quote(low.report)->signed_size;
  struct Field {
    size_t offset;
    const char* name;
  };
  for (Field f : {Field{signed_size + 4 + 32, "TDX quote signature"}, Field{signed_size + 4 + 64 + 64 + 6 + 384 + 32, "TDX QE report signature"}}) {
    CpuEvidence high = low;
    twin(high.report, f.offset, EcdsaCurve::kP256, false);
    Verdict both = tdx::verify_quote(high.report, collateral, {}, when);
    EXPECT_TRUE(both.ok()) << f.name << "\n" << both.summary();
    EXPECT_EQ(high_s_signature(high), std::string(f.name) + " has a high S (s > n/2)");
    CpuEvidence again = high;
    canonicalize_signatures(again);
    EXPECT_EQ(again.report, low.report) << f.name;
    expect_only_low_s_differs(real_bundle(low, {}), real_bundle(high, {}), "cpu: signatures in low-S form", when);
  }
  EXPECT_TRUE(tdx::verify_quote(low.report, collateral, {}, when).ok());
  EXPECT_EQ(high_s_signature(low), "");
}

TEST(LowS, RealGpuReportAndItsTwin) {
  std::string hex = real_text("nvidia/nvtrust_hopper_report_550.90.07.hex");
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r' || hex.back() == ' ')) hex.pop_back();
  GpuEvidence low;
  low.report = *from_hex(hex);
  low.certificate_chain_pem = real_text("nvidia/nvtrust_hopper_cert_chain.pem");
  int64_t when = at("2026-11-25T00:00:00Z");
  std::vector<Certificate> chain = *Certificate::from_pem_bundle(low.certificate_chain_pem);
  ASSERT_TRUE(nvidia_gpu::verify_gpu_report(low.report, chain, {}, std::nullopt, when).ok());
  canonicalize_signatures(low);
  GpuEvidence high = low;
  twin(high.report, nvidia_gpu::parse_gpu_report(low.report)->signed_size + 48, EcdsaCurve::kP384, false);
  Verdict both = nvidia_gpu::verify_gpu_report(high.report, chain, {}, std::nullopt, when);
  EXPECT_TRUE(both.ok()) << both.summary();
  EXPECT_TRUE(nvidia_gpu::verify_gpu_report(low.report, chain, {}, std::nullopt, when).ok());
  EXPECT_EQ(high_s_signature(low), "");
  EXPECT_EQ(high_s_signature(high), "GPU report signature has a high S (s > n/2)");
  GpuEvidence again = high;
  canonicalize_signatures(again);
  EXPECT_EQ(again.report, low.report);
  expect_only_low_s_differs(real_bundle(std::nullopt, {low}), real_bundle(std::nullopt, {high}), "GPU-0: signature in low-S form", when);
}

// Azure evidence: the signed hardware report inside the evidence JSON (base64url), edited in place.
template <typename Edit>
CpuEvidence azure_edited(const CpuEvidence& e, const char* key, Edit edit) {
  json doc = json::parse(e.report.begin(), e.report.end());
  Bytes inner = *from_base64url(doc[key].get<std::string>());
  edit(inner);
  doc[key] = to_base64url(inner);
  CpuEvidence out = e;
  std::string text = doc.dump();
  out.report.assign(text.begin(), text.end());
  return out;
}

Verdict verify_azure(const CpuEvidence& e, int64_t when) {
  return azure::verify_evidence(std::string(e.report.begin(), e.report.end()), {}, when);
}

// A real Azure sample, verified as it is and then canonicalised to low S.
CpuEvidence canonical_azure(CpuPlatform platform, const std::string& file, int64_t when) {
  CpuEvidence e;
  e.platform = platform;
  e.report = real(file);
  EXPECT_TRUE(verify_azure(e, when).ok()) << file;
  canonicalize_signatures(e);
  EXPECT_EQ(high_s_signature(e), "") << file;
  return e;
}

TEST(LowS, RealAzureSnpReportAndItsTwin) {
  int64_t when = at("2026-11-25T00:00:00Z");
  CpuEvidence low = canonical_azure(CpuPlatform::kAzureSnpVtpm, "azure/trustee_az_snp_evidence_v2.json", when);
  CpuEvidence high = azure_edited(low, "hcl_report", [](Bytes& hcl) { twin(hcl, 32 + 0x2E8, EcdsaCurve::kP384, true); });
  Verdict both = verify_azure(high, when);
  EXPECT_TRUE(both.ok()) << both.summary();
  EXPECT_EQ(high_s_signature(high), "SEV-SNP report signature has a high S (s > n/2)");
  CpuEvidence again = high;
  canonicalize_signatures(again);
  EXPECT_EQ(*cpu_hash_of(again), *cpu_hash_of(low));
  EXPECT_EQ(high_s_signature(again), "");
  expect_only_low_s_differs(real_bundle(low, {}), real_bundle(high, {}), "cpu: signatures in low-S form", when);
}

TEST(AzureBundle, RealAzureEvidenceInABundleFailsOnlyItsBinding) {
  // Trustee's Azure samples were made for Trustee's nonce, not for statement 42: in a bundle every
  // signature, chain and TPM check passes and only the binding to the statement (the TPM quote's
  // nonce and REPORT_DATA) fails, and for the TD quote the TCB, since the bundle carries no TDX
  // collateral.
  int64_t when = at("2026-11-25T00:00:00Z");
  struct Sample {
    CpuPlatform platform;
    const char* file;
    std::set<std::string> fails;
  };
  const std::set<std::string> binding = {"cpu: TPM quote nonce", "CPU report_data[32:64] is the statement"};
  std::set<std::string> snp = binding, td = binding;
  snp.insert("CPU report_data[0:32] is gpu_hash");
  td.insert("cpu: TCB judged against collateral");  // the TD's user data starts with 32 zero bytes, a GPU-less gpu_hash
  for (const Sample& s : {Sample{CpuPlatform::kAzureSnpVtpm, "azure/trustee_az_snp_evidence_v2.json", snp},
                          Sample{CpuPlatform::kAzureTdxVtpm, "azure/trustee_az_tdx_evidence_v1.json", td}}) {
    CpuEvidence e = canonical_azure(s.platform, s.file, when);
    Verdict v = verify_bundle(real_bundle(e, {}), BundleRoots{}, nullptr, when);
    EXPECT_EQ(failures(v), s.fails) << s.file << v.summary();
    // The summary line names the Azure platform; no test root was trusted.
    const std::string platform = s.platform == CpuPlatform::kAzureSnpVtpm ? "Azure SEV-SNP vTPM" : "Azure TDX vTPM";
    EXPECT_EQ(v.summary_line().rfind("REJECTED: tee, " + platform + " (failed: ", 0), 0u) << v.summary_line();
  }
}

TEST(LowS, RealAzureTdQuoteAndItsTwins) {
  int64_t when = at("2026-11-25T00:00:00Z");
  CpuEvidence low = canonical_azure(CpuPlatform::kAzureTdxVtpm, "azure/trustee_az_tdx_evidence_v1.json", when);
  json doc = json::parse(low.report.begin(), low.report.end());
  size_t signed_size = tdx::parse_quote(*from_base64url(doc["td_quote"].get<std::string>()))->signed_size;
  for (size_t offset : {signed_size + 4 + 32, signed_size + 4 + 64 + 64 + 6 + 384 + 32}) {
    CpuEvidence high = azure_edited(low, "td_quote", [&](Bytes& q) { twin(q, offset, EcdsaCurve::kP256, false); });
    Verdict both = verify_azure(high, when);
    EXPECT_TRUE(both.ok()) << offset << both.summary();
    EXPECT_NE(high_s_signature(high), "");
    CpuEvidence again = high;
    canonicalize_signatures(again);
    EXPECT_EQ(*cpu_hash_of(again), *cpu_hash_of(low));
    expect_only_low_s_differs(real_bundle(low, {}), real_bundle(high, {}), "cpu: signatures in low-S form", when);
  }
}

TEST_F(BundleRulesTest, CpuOnlyBundleRelabelledToAnotherStatementIsRefused) {
  for (CpuPlatform cpu : {CpuPlatform::kSevSnp, CpuPlatform::kTdx}) {
    json b = bundle(cpu, 0);
    ASSERT_TRUE(verify(b).ok()) << verify(b).summary();
    // The same evidence under statement 43, every hash restated: only the binding notices.
    json t = restated(b, [](FullStackAttestation& a) { a.statement = Felt252::from_u64(43); });
    Verdict v = verify(t);
    EXPECT_EQ(failures(v), std::set<std::string>{"CPU report_data[32:64] is the statement"}) << v.summary();
  }
}

TEST_F(BundleRulesTest, BundlesAreParsedStrictly) {
  json b = bundle(CpuPlatform::kSevSnp, 1);
  std::string text = b.dump();
  ASSERT_TRUE(parse_bundle(text).ok());
  // A repeated key, at the top or inside: a reader keeping the first would see another bundle.
  std::string twice = text;
  twice.insert(1, "\"statement\":\"0x1\",");
  EXPECT_FALSE(parse_bundle(twice).ok());
  std::string inner = text;
  inner.insert(inner.find("\"platform\""), "\"platform\":\"tdx\",");
  EXPECT_FALSE(parse_bundle(inner).ok());
  // Unknown keys anywhere in the format.
  for (const char* path : {"", "cpu", "gpu"}) {
    json u = b;
    json& at = std::string(path) == "cpu" ? u["cpu"] : std::string(path) == "gpu" ? u["gpus"][0] : u;
    at["note"] = "x";
    auto parsed = bundle_from_json(u);
    ASSERT_FALSE(parsed.ok()) << path;
    EXPECT_NE(parsed.status().message().find("unknown key \"note\""), std::string::npos) << parsed.status().message();
    Verdict v = verify(u);
    EXPECT_EQ(failures(v), std::set<std::string>{"bundle parses"}) << v.summary();
  }
}

TEST_F(BundleRulesTest, AGpuIsListedOnce) {
  json b = bundle(CpuPlatform::kNone, 2);
  ASSERT_TRUE(verify(b).ok()) << verify(b).summary();
  // The first GPU's evidence twice, under two indices, with every hash restated.
  json t = restated(b, [](FullStackAttestation& a) {
    a.gpus[1] = a.gpus[0];
    a.gpus[1].index = 1;
  });
  Verdict v = verify(t);
  EXPECT_EQ(failures(v), std::set<std::string>{"each GPU listed once"}) << v.summary();
  // The same index twice is a malformed bundle.
  json same = b;
  same["gpus"][1]["index"] = 0;
  EXPECT_FALSE(bundle_from_json(same).ok());
}

TEST_F(BundleRulesTest, GpuChainMustHaveNvidiasShape) {
  std::array<uint8_t, 32> nonce{};
  nonce[0] = 3;
  auto e = platform_->gpu_evidence(0, nonce);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  std::vector<Certificate> chain = *Certificate::from_pem_bundle(e->certificate_chain_pem);
  ASSERT_EQ(chain.size(), 5u);
  nvidia_gpu::TrustRoots gpu_roots{.nvidia = true, .extra = platform_->roots().nvidia};
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  EXPECT_TRUE(nvidia_gpu::verify_gpu_report(e->report, chain, gpu_roots, nonce, now).ok());
  // The Provisioner ICA reissued with pathLen 0: every signature still links, but the GPU's BROM
  // CA sits below it.
  chain[2] = *platform_->nvidia_provisioner_with_path_len(0);
  Verdict v = nvidia_gpu::verify_gpu_report(e->report, chain, gpu_roots, nonce, now);
  EXPECT_EQ(failures(v), std::set<std::string>{"certificate path is NVIDIA's (basicConstraints, pathLen)"}) << v.summary();
  chain[2] = *platform_->nvidia_provisioner_with_path_len(1);
  EXPECT_TRUE(nvidia_gpu::verify_gpu_report(e->report, chain, gpu_roots, nonce, now).ok());
}

TEST_F(BundleRulesTest, GpuFwidMustMatchTheLeaf) {
  std::array<uint8_t, 32> nonce{};
  nonce[0] = 5;
  auto e = platform_->gpu_evidence(0, nonce);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  std::vector<Certificate> chain = *Certificate::from_pem_bundle(e->certificate_chain_pem);
  nvidia_gpu::TrustRoots gpu_roots{.nvidia = true, .extra = platform_->roots().nvidia};
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  ASSERT_TRUE(nvidia_gpu::verify_gpu_report(e->report, chain, gpu_roots, nonce, now).ok());
  // The leaf reissued by the GPU's BROM CA for another firmware: the chain and the report
  // signature still verify, but the report's FWID is not the one the leaf certifies.
  std::array<uint8_t, 48> other{};
  other.fill(0x5A);
  auto leaf = platform_->nvidia_leaf_with_fwid(0, other);
  ASSERT_TRUE(leaf.ok()) << leaf.status().to_string();
  chain[0] = *leaf;
  Verdict v = nvidia_gpu::verify_gpu_report(e->report, chain, gpu_roots, nonce, now);
  EXPECT_EQ(failures(v), std::set<std::string>{"FWID matches the leaf certificate"}) << v.summary();
  EXPECT_FALSE(platform_->nvidia_leaf_with_fwid(0, std::span(other).first(32)).ok());
}

TEST_F(BundleRulesTest, GpuPathHasNvidiasFiveCertificates) {
  std::array<uint8_t, 32> nonce{};
  nonce[0] = 4;
  auto e = platform_->gpu_evidence(0, nonce);
  ASSERT_TRUE(e.ok()) << e.status().to_string();
  std::vector<Certificate> chain = *Certificate::from_pem_bundle(e->certificate_chain_pem);
  nvidia_gpu::TrustRoots gpu_roots{.nvidia = true, .extra = platform_->roots().nvidia};
  int64_t now = static_cast<int64_t>(std::time(nullptr));
  const std::string shape = "certificate path is NVIDIA's (basicConstraints, pathLen)";
  auto verify = [&](const std::vector<Certificate>& c) { return nvidia_gpu::verify_gpu_report(e->report, c, gpu_roots, nonce, now); };
  ASSERT_TRUE(verify(chain).ok()) << verify(chain).summary();
  // The same leaf key issued by the Device Identity CA directly: the signatures link and the report
  // verifies, with or without the root in the chain, but three CAs are missing.
  auto by_root = platform_->nvidia_leaf_reissued_by(0, sim::SimPlatform::LeafIssuer::kRoot);
  ASSERT_TRUE(by_root.ok()) << by_root.status().to_string();
  for (const std::vector<Certificate>& c : {std::vector<Certificate>{*by_root, chain.back()}, std::vector<Certificate>{*by_root}}) {
    Verdict v = verify(c);
    EXPECT_EQ(failures(v), std::set<std::string>{shape}) << v.summary();
    ASSERT_NE(v.first_failure(), nullptr);
    EXPECT_NE(v.first_failure()->detail.find("the path has 2 certificates"), std::string::npos) << v.summary();
  }
  // A certificate for the same key below the real leaf, which is CA:FALSE.
  auto below = platform_->nvidia_leaf_reissued_by(0, sim::SimPlatform::LeafIssuer::kLeaf);
  ASSERT_TRUE(below.ok()) << below.status().to_string();
  std::vector<Certificate> longer = chain;
  longer.insert(longer.begin(), *below);
  Verdict v = verify(longer);
  EXPECT_EQ(failures(v), std::set<std::string>{shape}) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("is not a CA that may sign certificates"), std::string::npos) << v.summary();
  // The five certificates without the root verify against the trusted root: the path is still five.
  std::vector<Certificate> no_root(chain.begin(), chain.end() - 1);
  EXPECT_TRUE(verify(no_root).ok()) << verify(no_root).summary();
}

}  // namespace
}  // namespace zkcc::tee
