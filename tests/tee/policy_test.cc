#include "zkcc/tee/policy.h"

#include <gtest/gtest.h>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/sev_snp/verify.h"

namespace zkcc::tee {
namespace {

Verdict snp_verdict() {
  std::string dir = std::string(ZKCC_TEST_DATA) + "/attestation/sev-snp/";
  Bytes report = *read_file(dir + "gosevguest_milan_v2_report.bin");
  std::vector<Certificate> certs = {*Certificate::from_der(*read_file(dir + "gosevguest_milan_vcek.der"))};
  Verdict v = sev_snp::verify_report(report, certs, sev_snp::TrustRoots{}, *parse_rfc3339("2026-01-01T00:00:00Z"));
  EXPECT_TRUE(v.ok());
  return v;
}

const Check* find(const Verdict& v, const std::string& name) {
  for (const auto& c : v.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST(Policy, DefaultForbidsDebugSoTheDebugSampleFails) {
  Verdict v = snp_verdict();
  apply_policy(Policy{}, v);
  EXPECT_FALSE(v.ok());  // the sample's guest policy permits debugging
  ASSERT_NE(find(v, "policy: debug"), nullptr);
  EXPECT_FALSE(find(v, "policy: debug")->ok);
}

TEST(Policy, EachRuleJudgesItsClaim) {
  Verdict base = snp_verdict();
  Policy p;
  p.allow_debug = true;
  p.allow_migration_agent = false;
  p.vmpl = 0;
  p.allowed_measurements = {base.claims["measurement"].get<std::string>()};
  p.expected_report_data = base.claims["report_data"].get<std::string>();
  p.minimum_tcb = MinimumTcb{2, 0, 5, 0x44, 0};
  Verdict ok = base;
  apply_policy(p, ok);
  EXPECT_TRUE(ok.ok()) << ok.summary();

  Policy stricter = p;
  stricter.minimum_tcb->snp = 6;
  Verdict low = base;
  apply_policy(stricter, low);
  EXPECT_FALSE(find(low, "policy: minimum TCB")->ok);

  Policy other = p;
  other.allowed_measurements = {std::string(96, '0')};
  other.vmpl = 1;
  other.allow_smt = false;
  Verdict bad = base;
  apply_policy(other, bad);
  EXPECT_FALSE(find(bad, "policy: measurement allowed")->ok);
  EXPECT_FALSE(find(bad, "policy: VMPL")->ok);
  EXPECT_FALSE(find(bad, "policy: SMT")->ok);

  // A report that did not verify carries no claims: the VMPL rule says so instead of inventing one.
  Verdict unverified = base;
  unverified.claims = nlohmann::json::object();
  apply_policy(p, unverified);
  ASSERT_NE(find(unverified, "policy: VMPL"), nullptr);
  EXPECT_FALSE(find(unverified, "policy: VMPL")->ok);
  EXPECT_NE(find(unverified, "policy: VMPL")->detail.find("unknown"), std::string::npos);
}

TEST(Policy, JsonRoundTripAndUnknownFields) {
  auto p = Policy::from_json(nlohmann::json::parse(R"({"allow_debug": true, "vmpl": 2, "accepted_tdx_statuses": ["UpToDate", "SWHardeningNeeded"],
                                                        "minimum_tcb": {"snp": 8}})"));
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_EQ(*p->vmpl, 2u);
  EXPECT_EQ(p->minimum_tcb->snp, 8);
  auto back = Policy::from_json(p->to_json());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->to_json(), p->to_json());
  EXPECT_NE(p->summary().find("VMPL 2"), std::string::npos);
  EXPECT_FALSE(Policy::from_json(nlohmann::json::parse(R"({"vmpll": 1})")).ok());
  EXPECT_FALSE(Policy::from_json(nlohmann::json::parse(R"({"vmpl": "zero"})")).ok());
  EXPECT_FALSE(Policy::from_json(nlohmann::json::parse("[]")).ok());
}

}  // namespace
}  // namespace zkcc::tee
