// A simulated platform for bundle tests: one per test process, in a temporary directory, with
// helpers that attest a statement into a bundle and verify it under the platform's roots.
#ifndef ZKCC_TESTS_TEE_SIM_BUNDLE_FIXTURE_H_
#define ZKCC_TESTS_TEE_SIM_BUNDLE_FIXTURE_H_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <ctime>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "zkcc/tee/bundle.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/sim/attester.h"
#include "zkcc/tee/sim/platform.h"

namespace zkcc::tee {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::set<std::string> failures(const Verdict& v) {
  std::set<std::string> out;
  for (const Check& c : v.checks) {
    if (!c.ok) out.insert(c.name);
  }
  return out;
}

class SimBundleTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "zkcc-policy-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto p = sim::SimPlatform::open(dir_);
    ASSERT_TRUE(p.ok()) << p.status().to_string();
    platform_.emplace(std::move(*p));
    issued_ = static_cast<int64_t>(std::time(nullptr));
  }
  static void TearDownTestSuite() {
    platform_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static BundleRoots roots() {
    sim::SimRoots r = platform_->roots();
    BundleRoots b;
    b.snp.extra = r.amd;
    b.tdx.extra = r.intel;
    b.gpu.extra = r.nvidia;
    return b;
  }

  // A bundle for statement 42 at `level` with the given CPU (kNone: none) and `gpus` GPUs.
  static json bundle(CpuPlatform cpu, unsigned gpus, const sim::CpuAttesterOptions& guest = {},
                     SecurityLevel level = SecurityLevel::kAuto) {
    sim::CpuAttesterOptions o = guest;
    o.collateral_time = issued_;
    std::unique_ptr<CpuAttester> c;
    std::unique_ptr<GpuAttester> g;
    if (cpu != CpuPlatform::kNone) c = std::move(*sim::make_cpu_attester(*platform_, cpu, o));
    if (gpus > 0) g = std::move(*sim::make_gpu_attester(*platform_, gpus));
    auto a = attest(Felt252::from_u64(42), level, c.get(), g.get());
    EXPECT_TRUE(a.ok()) << a.status().to_string();
    return bundle_to_json(*a);
  }

  static Verdict verify(const json& b, const Policy* policy = nullptr) {
    return verify_bundle(b, roots(), policy, static_cast<int64_t>(std::time(nullptr)));
  }

  static sim::CpuAttesterOptions snp_guest(uint64_t policy, uint32_t vmpl = 0) {
    sim::CpuAttesterOptions o;
    o.snp.policy = policy;
    o.snp.vmpl = vmpl;
    return o;
  }
  static sim::CpuAttesterOptions td(uint64_t attributes) {
    sim::CpuAttesterOptions o;
    o.tdx.td_attributes = attributes;
    return o;
  }

  static inline fs::path dir_;
  static inline std::optional<sim::SimPlatform> platform_;
  static inline int64_t issued_ = 0;
};



}  // namespace zkcc::tee

#endif  // ZKCC_TESTS_TEE_SIM_BUNDLE_FIXTURE_H_
