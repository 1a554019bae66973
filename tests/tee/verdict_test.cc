// A verdict's summary line: the result, the level, the CPU platform and the GPUs by model, the
// test roots, and on rejection the failed checks. Built verdicts for the line's composition, and
// bundles of the simulated platform for what the verifiers put into it.
#include <gtest/gtest.h>

#include "sim_bundle_fixture.h"

namespace zkcc::tee {
namespace {

Verdict passed(const std::string& level, const std::string& cpu, std::vector<std::string> gpus) {
  Verdict v;
  v.kind = "bundle";
  v.level = level;
  v.cpu_platform = cpu;
  v.gpu_models = std::move(gpus);
  v.add("a check", true);
  return v;
}

TEST(VerdictSummary, NamesTheLevelThePlatformAndEachGpuModel) {
  EXPECT_EQ(passed("full-cc", "SEV-SNP", {"H100"}).summary_line(), "VERIFIED: full-cc, SEV-SNP + 1 H100");
  EXPECT_EQ(passed("full-cc", "TDX", {"H100", "H100"}).summary_line(), "VERIFIED: full-cc, TDX + 2 H100");
  EXPECT_EQ(passed("tee", "SEV-SNP", {}).summary_line(), "VERIFIED: tee, SEV-SNP");
  EXPECT_EQ(passed("full-cc", "Azure SEV-SNP vTPM", {"H100"}).summary_line(), "VERIFIED: full-cc, Azure SEV-SNP vTPM + 1 H100");
  EXPECT_EQ(passed("tee", "", {"H100", "B200", "H100"}).summary_line(), "VERIFIED: tee, 2 H100 + 1 B200");
  EXPECT_EQ(passed("zk-only", "", {}).summary_line(), "VERIFIED: zk-only, NO hardware attestation");
  // A verdict about no level (a RIM) names its kind there.
  Verdict rim = passed("", "", {});
  rim.kind = "nvidia-rim";
  EXPECT_EQ(rim.summary_line(), "VERIFIED: nvidia-rim");
}

TEST(VerdictSummary, SaysWhenTestRootsWereTrustedAndNamesEachFailedCheck) {
  Verdict v = passed("full-cc", "TDX", {"H100"});
  v.extra_roots = 1;
  EXPECT_EQ(v.summary_line(), "VERIFIED: full-cc, TDX + 1 H100, SIMULATED test roots");
  v.add("cpu: report signature", false, "signature does not verify");
  v.add("GPU-0: nonce is the expected one", false);
  EXPECT_EQ(v.summary_line(),
            "REJECTED: full-cc, TDX + 1 H100, SIMULATED test roots (failed: cpu: report signature; GPU-0: nonce is the expected one)");
  // The line opens the text for people, whose later lines give each failure's reason; JSON
  // carries it as "summary".
  EXPECT_EQ(v.summary().rfind(v.summary_line() + "\n", 0), 0u);
  EXPECT_NE(v.summary().find("  failed: cpu: report signature: signature does not verify\n"), std::string::npos);
  EXPECT_EQ(v.to_json()["summary"], v.summary_line());
  Verdict empty;
  empty.kind = "bundle";
  EXPECT_EQ(empty.summary_line(), "REJECTED: bundle (failed: no check was made)");
}

using VerdictBundleTest = SimBundleTest;

// What the verifiers record: the CPU platform from the CPU evidence, a model per GPU from its
// attested architecture, the level reached, the simulated roots.
TEST_F(VerdictBundleTest, BundleVerdictsNameWhatWasAttested) {
  EXPECT_EQ(verify(bundle(CpuPlatform::kSevSnp, 1)).summary_line(), "VERIFIED: full-cc, SEV-SNP + 1 H100, SIMULATED test roots");
  EXPECT_EQ(verify(bundle(CpuPlatform::kTdx, 2)).summary_line(), "VERIFIED: full-cc, TDX + 2 H100, SIMULATED test roots");
  EXPECT_EQ(verify(bundle(CpuPlatform::kTdx, 0)).summary_line(), "VERIFIED: tee, TDX, SIMULATED test roots");
  EXPECT_EQ(verify(bundle(CpuPlatform::kNone, 1)).summary_line(), "VERIFIED: tee, 1 H100, SIMULATED test roots");
  EXPECT_EQ(verify(bundle(CpuPlatform::kNone, 0)).summary_line(), "VERIFIED: zk-only, NO hardware attestation, SIMULATED test roots");
  // Under the production roots alone the simulated evidence is refused, each chain by name, and
  // the line says no test roots were trusted.
  Verdict production = verify_bundle(bundle(CpuPlatform::kSevSnp, 1), BundleRoots{}, nullptr, static_cast<int64_t>(std::time(nullptr)));
  EXPECT_EQ(production.summary_line(),
            "REJECTED: full-cc, SEV-SNP + 1 H100 (failed: GPU-0: certificate chain; cpu: certificate chain)");
  // A level the policy requires and the evidence does not reach.
  Policy strict;
  strict.min_level = SecurityLevel::kFullCc;
  EXPECT_EQ(verify(bundle(CpuPlatform::kSevSnp, 0), &strict).summary_line(),
            "REJECTED: tee, SEV-SNP, SIMULATED test roots (failed: policy: minimum level full-cc)");
}

}  // namespace
}  // namespace zkcc::tee
