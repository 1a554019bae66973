// Composition of CPU and GPU evidence: levels, bindings and the combined hash, with recording
// attesters standing in for hardware (the signed end-to-end flow is in sim_full_stack_test.cc).
#include "zkcc/tee/full_stack.h"

#include <gtest/gtest.h>

#include "zkcc/hash/poseidon.h"
#include "zkcc/tee/bundle.h"

namespace zkcc::tee {
namespace {

Felt252 felt(uint64_t v) { return Felt252::from_u64(v); }

class RecordingGpu : public GpuAttester {
 public:
  explicit RecordingGpu(size_t n) : n_(n) {}
  StatusOr<std::vector<GpuEvidence>> attest(std::span<const uint8_t, 32> nonce) override {
    seen.assign(nonce.begin(), nonce.end());
    std::vector<GpuEvidence> out;
    for (size_t i = 0; i < n_; ++i) {
      GpuEvidence g;
      g.index = static_cast<unsigned>(i);
      g.report = Bytes(40 + i, static_cast<uint8_t>(0x10 + i));
      out.push_back(g);
    }
    return out;
  }
  Bytes seen;

 private:
  size_t n_;
};

class RecordingCpu : public CpuAttester {
 public:
  CpuPlatform platform() const override { return CpuPlatform::kSevSnp; }
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override {
    seen.assign(report_data.begin(), report_data.end());
    CpuEvidence e;
    e.platform = CpuPlatform::kSevSnp;
    e.report = Bytes(1184, 0x5A);
    std::copy(report_data.begin(), report_data.end(), e.report.begin() + 0x50);
    return e;
  }
  Bytes seen;
};

TEST(FullStack, CombinedHashFollowsTheFourCases) {
  Felt252 c = felt(111), g = felt(222);
  EXPECT_EQ(combined_hash(std::nullopt, std::nullopt), Felt252::zero());
  EXPECT_EQ(combined_hash(std::nullopt, g), g);
  EXPECT_EQ(combined_hash(c, std::nullopt), hash::poseidon_hash(Felt252::zero(), c));
  EXPECT_EQ(combined_hash(c, g), hash::poseidon_hash(c, g));
  // Order matters: the CPU hash comes first.
  EXPECT_NE(combined_hash(c, g), combined_hash(g, c));
}

TEST(FullStack, BindingLayout) {
  Felt252 s = *Felt252::from_hex("0x1234");
  auto n = gpu_nonce(s);
  EXPECT_EQ(n[31], 0x34);
  EXPECT_EQ(n[30], 0x12);
  EXPECT_EQ(n[0], 0);
  auto rd = cpu_report_data(felt(7), s);
  EXPECT_EQ(rd[31], 7);
  EXPECT_EQ(rd[63], 0x34);
  EXPECT_EQ(rd[62], 0x12);
}

TEST(FullStack, GpuHashIsPerReportThenPoseidonMany) {
  RecordingGpu two(2);
  auto gpus = *two.attest(gpu_nonce(felt(1)));
  EXPECT_EQ(gpu_hash_of(std::span(gpus).first(1)), hash::report_hash_felt(gpus[0].report));
  std::vector<Felt252> each = {hash::report_hash_felt(gpus[0].report), hash::report_hash_felt(gpus[1].report)};
  EXPECT_EQ(gpu_hash_of(gpus), hash::poseidon_hash_many(each));
  EXPECT_EQ(gpu_hash_of({}), Felt252::zero());
}

TEST(FullStack, AttestBindsGpuThenCpu) {
  Felt252 s = felt(0xabcdef);
  RecordingGpu gpu(1);
  RecordingCpu cpu;
  auto a = attest(s, SecurityLevel::kFullCc, &cpu, &gpu);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  auto nonce = gpu_nonce(s);
  EXPECT_EQ(gpu.seen, Bytes(nonce.begin(), nonce.end()));
  auto rd = cpu_report_data(a->gpu_hash, s);
  EXPECT_EQ(cpu.seen, Bytes(rd.begin(), rd.end()));
  EXPECT_EQ(a->cpu_hash, hash::report_hash_felt(a->cpu->report));
  EXPECT_EQ(a->combined_hash, hash::poseidon_hash(a->cpu_hash, a->gpu_hash));
}

TEST(FullStack, LevelsAreMetOrRefused) {
  Felt252 s = felt(5);
  RecordingGpu gpu(1);
  RecordingCpu cpu;
  auto zk = attest(s, SecurityLevel::kZkOnly, &cpu, &gpu);
  ASSERT_TRUE(zk.ok());
  EXPECT_FALSE(zk->cpu.has_value());
  EXPECT_TRUE(zk->gpus.empty());
  EXPECT_EQ(zk->combined_hash, Felt252::zero());
  auto gpu_only = attest(s, SecurityLevel::kFullCc, nullptr, &gpu);
  ASSERT_FALSE(gpu_only.ok());
  EXPECT_NE(gpu_only.status().message().find("CPU TEE"), std::string::npos);
  EXPECT_FALSE(attest(s, SecurityLevel::kTee, nullptr, nullptr).ok());
  auto tee = attest(s, SecurityLevel::kTee, nullptr, &gpu);
  ASSERT_TRUE(tee.ok());
  EXPECT_EQ(tee->combined_hash, tee->gpu_hash);
  auto cpu_only = attest(s, SecurityLevel::kAuto, &cpu, nullptr);
  ASSERT_TRUE(cpu_only.ok());
  EXPECT_EQ(cpu_only->gpu_hash, Felt252::zero());
  EXPECT_EQ(cpu_only->combined_hash, hash::poseidon_hash(Felt252::zero(), cpu_only->cpu_hash));
  auto none = attest(s, SecurityLevel::kAuto, nullptr, nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->combined_hash, Felt252::zero());
  EXPECT_EQ(*parse_security_level("full-cc"), SecurityLevel::kFullCc);
  EXPECT_FALSE(parse_security_level("fullcc").ok());
}

TEST(Bundle, RoundTripsAndRejectsMalformed) {
  RecordingGpu gpu(2);
  RecordingCpu cpu;
  auto a = *attest(felt(77), SecurityLevel::kFullCc, &cpu, &gpu);
  nlohmann::json j = bundle_to_json(a);
  EXPECT_EQ(j["version"], kBundleVersion);
  EXPECT_EQ(j["level"], "full-cc");
  EXPECT_EQ(j["combined_hash"], a.combined_hash.to_hex());
  auto back = bundle_from_json(j);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->cpu->report, a.cpu->report);
  EXPECT_EQ(back->gpus.size(), 2u);
  EXPECT_EQ(back->gpus[1].report, a.gpus[1].report);
  EXPECT_EQ(back->combined_hash, a.combined_hash);

  auto broken = [&](auto edit) {
    nlohmann::json b = j;
    edit(b);
    return bundle_from_json(b).ok();
  };
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["version"] = 2; }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["level"] = "max"; }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["statement"] = "0xzz"; }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["cpu"]["platform"] = "sgx"; }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["cpu"]["report"] = "!!"; }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b["gpus"][0].erase("certificate_chain"); }));
  EXPECT_FALSE(broken([](nlohmann::json& b) { b.erase("combined_hash"); }));
  EXPECT_FALSE(bundle_from_json(nlohmann::json::array()).ok());
}

TEST(Bundle, UnsignedEvidenceNeverVerifies) {
  // The recording attesters sign nothing: the platform checks fail, yet the hash checks are still
  // made and an edited hash is named.
  RecordingGpu gpu(1);
  RecordingCpu cpu;
  auto a = *attest(felt(9), SecurityLevel::kFullCc, &cpu, &gpu);
  nlohmann::json j = bundle_to_json(a);
  Verdict v = verify_bundle(j, BundleRoots{}, nullptr, 0);
  EXPECT_FALSE(v.ok());
  auto check = [&](const Verdict& verdict, const std::string& name) {
    for (const Check& c : verdict.checks) {
      if (c.name == name) return c.ok;
    }
    ADD_FAILURE() << "no check " << name;
    return false;
  };
  EXPECT_FALSE(check(v, "CPU report_data[32:64] is the statement"));  // not even a parseable report
  EXPECT_TRUE(check(v, "combined_hash recomputed"));
  j["combined_hash"] = felt(1).to_hex();
  EXPECT_FALSE(check(verify_bundle(j, BundleRoots{}, nullptr, 0), "combined_hash recomputed"));
  nlohmann::json gpu_only = bundle_to_json(*attest(felt(9), SecurityLevel::kTee, nullptr, &gpu));
  gpu_only["level"] = "full-cc";
  EXPECT_FALSE(check(verify_bundle(gpu_only, BundleRoots{}, nullptr, 0), "evidence meets the level full-cc"));
}

}  // namespace
}  // namespace zkcc::tee
