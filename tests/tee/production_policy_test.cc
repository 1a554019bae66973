// The built-in production policy and what a verdict says: evidence from the simulated platform,
// correctly signed, that breaks exactly one production rule is refused by that rule alone, and a
// policy that names the rule accepts it again. Verdicts name the policy, the level reached and
// whether test roots were trusted.
#include "sim_bundle_fixture.h"

namespace zkcc::tee {
namespace {

using ProductionPolicyTest = SimBundleTest;

constexpr uint64_t kSnpPolicy = 0x30000;  // SMT, the must-be-one bit 17

TEST_F(ProductionPolicyTest, SimulatedEvidenceIsProductionGrade) {
  for (CpuPlatform cpu : {CpuPlatform::kSevSnp, CpuPlatform::kTdx}) {
    Verdict v = verify(bundle(cpu, 1));
    EXPECT_TRUE(v.ok()) << v.summary();
    EXPECT_EQ(v.policy, "built-in production default");
    EXPECT_EQ(v.level, "full-cc");
    // The policy's rules ran on the CPU evidence.
    bool judged = false;
    for (const Check& c : v.checks) judged |= c.name == "cpu: policy: debug";
    EXPECT_TRUE(judged) << v.summary();
  }
}

TEST_F(ProductionPolicyTest, SnpDebugGuestIsRefusedUnlessThePolicyAllowsIt) {
  json b = bundle(CpuPlatform::kSevSnp, 0, snp_guest(kSnpPolicy | (1u << 19)));
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: debug"}) << v.summary();
  Policy relaxed;
  relaxed.allow_debug = true;
  EXPECT_TRUE(verify(b, &relaxed).ok());
}

TEST_F(ProductionPolicyTest, SnpMigrationAgentIsRefused) {
  json b = bundle(CpuPlatform::kSevSnp, 0, snp_guest(kSnpPolicy | (1u << 18)));
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: migration agent"}) << v.summary();
  Policy relaxed;
  relaxed.allow_migration_agent = true;
  EXPECT_TRUE(verify(b, &relaxed).ok());
}

TEST_F(ProductionPolicyTest, SnpVmplOtherThanZeroIsRefused) {
  json b = bundle(CpuPlatform::kSevSnp, 1, snp_guest(kSnpPolicy, 2));
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: VMPL"}) << v.summary();
  auto any = Policy::from_json(json::parse(R"({"vmpl": null})"));
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(verify(b, &*any).ok());
  Policy two;
  two.vmpl = 2;
  EXPECT_TRUE(verify(b, &two).ok());
}

TEST_F(ProductionPolicyTest, TdxDebugTdIsRefused) {
  json b = bundle(CpuPlatform::kTdx, 0, td(kTdAttributeSeptVeDisable | kTdAttributeDebug));
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: debug"}) << v.summary();
  Policy relaxed;
  relaxed.allow_debug = true;
  EXPECT_TRUE(verify(b, &relaxed).ok());
}

TEST_F(ProductionPolicyTest, TdxWithoutSeptVeDisableIsRefused) {
  json b = bundle(CpuPlatform::kTdx, 0, td(0));
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: SEPT_VE_DISABLE"}) << v.summary();
  Policy relaxed;
  relaxed.require_sept_ve_disable = false;
  EXPECT_TRUE(verify(b, &relaxed).ok());
}

TEST_F(ProductionPolicyTest, TdxReservedAttributeBitsAreRefused) {
  for (uint64_t reserved : {uint64_t{1} << 1, uint64_t{1} << 8, uint64_t{1} << 40, uint64_t{1} << 61}) {
    json b = bundle(CpuPlatform::kTdx, 0, td(kTdAttributeSeptVeDisable | reserved));
    Verdict v = verify(b);
    EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: reserved TD attributes"}) << v.summary();
    Policy relaxed;
    relaxed.allow_reserved_td_attributes = true;
    EXPECT_TRUE(verify(b, &relaxed).ok());
  }
  // Defined bits (PKS, KL, PERFMON) are not reserved.
  json defined = bundle(CpuPlatform::kTdx, 0, td(kTdAttributeSeptVeDisable | (uint64_t{3} << 30) | (uint64_t{1} << 63)));
  EXPECT_TRUE(verify(defined).ok()) << verify(defined).summary();
}

TEST_F(ProductionPolicyTest, TdxServiceTdIsRefused) {
  sim::CpuAttesterOptions zero = td(kTdAttributeSeptVeDisable);
  zero.tdx.mr_servicetd = std::array<uint8_t, 48>{};
  Verdict fine = verify(bundle(CpuPlatform::kTdx, 0, zero));
  EXPECT_TRUE(fine.ok()) << fine.summary();
  EXPECT_EQ(fine.claims["cpu"]["body_type"], 3);

  sim::CpuAttesterOptions bound = zero;
  (*bound.tdx.mr_servicetd)[47] = 1;
  json b = bundle(CpuPlatform::kTdx, 0, bound);
  Verdict v = verify(b);
  EXPECT_EQ(failures(v), std::set<std::string>{"cpu: policy: MR_SERVICETD"}) << v.summary();
  Policy relaxed;
  relaxed.allow_mr_servicetd = true;
  EXPECT_TRUE(verify(b, &relaxed).ok());
}

TEST_F(ProductionPolicyTest, PolicyFileRelaxesEachRuleByName) {
  auto p = Policy::from_json(json::parse(R"({"name": "lab", "allow_debug": true, "allow_migration_agent": true,
      "vmpl": null, "require_sept_ve_disable": false, "allow_reserved_td_attributes": true,
      "allow_mr_servicetd": true, "min_level": "tee"})"));
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_FALSE(p->vmpl.has_value());
  EXPECT_EQ(p->min_level, SecurityLevel::kTee);
  auto back = Policy::from_json(p->to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->to_json(), p->to_json());
  json b = bundle(CpuPlatform::kTdx, 0, td(kTdAttributeDebug | (uint64_t{1} << 2)));
  Verdict v = verify(b, &*p);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.policy, "lab");
  EXPECT_NE(v.summary().find("policy: lab"), std::string::npos);
  EXPECT_FALSE(Policy::from_json(json::parse(R"({"min_level": "auto"})")).ok());
  EXPECT_FALSE(Policy::from_json(json::parse(R"({"min_level": "high"})")).ok());
}

TEST_F(ProductionPolicyTest, AutoBundlesRecordTheLevelReached) {
  EXPECT_EQ(bundle(CpuPlatform::kSevSnp, 0)["level_reached"], "tee");
  EXPECT_EQ(bundle(CpuPlatform::kNone, 1)["level_reached"], "tee");
  EXPECT_EQ(bundle(CpuPlatform::kTdx, 2)["level_reached"], "full-cc");
  json none = bundle(CpuPlatform::kNone, 0);
  EXPECT_EQ(none["level"], "auto");
  EXPECT_EQ(none["level_reached"], "zk-only");
  Verdict v = verify(none);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.level, "zk-only");
  EXPECT_EQ(v.summary_line(), "VERIFIED: zk-only, NO hardware attestation, SIMULATED test roots");
  EXPECT_NE(v.summary().find("no CPU or GPU evidence"), std::string::npos) << v.summary();
  // A bundle that overstates its level is refused by name.
  json over = none;
  over["level_reached"] = "full-cc";
  EXPECT_EQ(failures(verify(over)), std::set<std::string>{"level_reached is what the evidence reaches"});
  // An older bundle without the field: the verdict still reports what it reached.
  json old = bundle(CpuPlatform::kSevSnp, 1);
  old.erase("level_reached");
  Verdict ov = verify(old);
  EXPECT_TRUE(ov.ok()) << ov.summary();
  EXPECT_EQ(ov.level, "full-cc");
}

TEST_F(ProductionPolicyTest, RequiredLevelFailsWhenNotReached) {
  Policy tee;
  tee.min_level = SecurityLevel::kTee;
  Verdict none = verify(bundle(CpuPlatform::kNone, 0), &tee);
  EXPECT_EQ(failures(none), std::set<std::string>{"policy: minimum level tee"}) << none.summary();
  Policy full;
  full.min_level = SecurityLevel::kFullCc;
  Verdict cpu_only = verify(bundle(CpuPlatform::kSevSnp, 0), &full);
  EXPECT_EQ(failures(cpu_only), std::set<std::string>{"policy: minimum level full-cc"}) << cpu_only.summary();
  EXPECT_TRUE(verify(bundle(CpuPlatform::kSevSnp, 1), &full).ok());
}

TEST_F(ProductionPolicyTest, PolicyNamingAPlatformFailsWithoutItsEvidence) {
  Policy cpu_rules;
  cpu_rules.allowed_measurements = {to_hex(sim::default_measurement())};
  Verdict gpu_only = verify(bundle(CpuPlatform::kNone, 1), &cpu_rules);
  EXPECT_EQ(failures(gpu_only), std::set<std::string>{"policy: CPU evidence present"}) << gpu_only.summary();
  EXPECT_TRUE(verify(bundle(CpuPlatform::kSevSnp, 1), &cpu_rules).ok());

  Policy gpu_rules;
  gpu_rules.allowed_gpu_drivers = {"550.90.07"};
  Verdict cpu_only = verify(bundle(CpuPlatform::kSevSnp, 0), &gpu_rules);
  EXPECT_EQ(failures(cpu_only), std::set<std::string>{"policy: GPU evidence present"}) << cpu_only.summary();
}

TEST_F(ProductionPolicyTest, VerdictSaysTestRootsWereTrusted) {
  Verdict v = verify(bundle(CpuPlatform::kSevSnp, 1));
  ASSERT_TRUE(v.ok()) << v.summary();
  EXPECT_GT(v.extra_roots, 0u);
  EXPECT_NE(v.summary().find("test root"), std::string::npos);
  EXPECT_EQ(v.to_json()["test_roots_trusted"], v.extra_roots);
  Verdict production = verify_bundle(bundle(CpuPlatform::kNone, 0), BundleRoots{}, nullptr, 0);
  EXPECT_EQ(production.extra_roots, 0u);
  EXPECT_EQ(production.summary().find("test root"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::tee
