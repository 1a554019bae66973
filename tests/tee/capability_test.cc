#include "zkcc/tee/capability.h"

#include <gtest/gtest.h>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

namespace zkcc::tee {
namespace {

namespace fs = std::filesystem;

class FakeRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("zkcc_detect_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "proc");
    fs::create_directories(root_ / "dev");
  }
  void TearDown() override { fs::remove_all(root_); }
  void cpuinfo(const std::string& flags) {
    std::ofstream(root_ / "proc/cpuinfo") << "processor\t: 0\nflags\t\t: fpu vme " << flags << " sse\n";
  }
  void touch(const std::string& rel) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel) << "";
  }
  FullStackCapability run() {
    DetectOptions o;
    o.root = root_.string();
    o.probe_nvml = false;
    return detect(o);
  }
  fs::path root_;
};

TEST_F(FakeRoot, PlainMachineHasNoTee) {
  cpuinfo("avx2");
  auto cap = run();
  EXPECT_EQ(cap.cpu.platform, CpuPlatform::kNone);
  EXPECT_FALSE(cap.cpu.device_available);
  EXPECT_FALSE(cap.full_stack());
  EXPECT_FALSE(cap.cpu.notes.empty());
}

TEST_F(FakeRoot, AzureConfidentialVmsAreReachedThroughTheVtpm) {
  std::ofstream(root_ / "proc/cpuinfo") << "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu sev sev_snp\n";
  touch("dev/tpmrm0");
  fs::create_directories(root_ / "sys/class/dmi/id");
  std::ofstream(root_ / "sys/class/dmi/id/sys_vendor") << "Microsoft Corporation\n";
  auto cap = run();
  EXPECT_EQ(cap.cpu.platform, CpuPlatform::kAzureSnpVtpm);
  EXPECT_EQ(cap.cpu.interface, CpuInterface::kVtpm);
  EXPECT_TRUE(cap.cpu.device_available);
  EXPECT_EQ(cap.cpu.device, (root_ / "dev/tpmrm0").string());

  std::ofstream(root_ / "proc/cpuinfo") << "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu\n";
  EXPECT_EQ(run().cpu.platform, CpuPlatform::kAzureTdxVtpm);
  // Another cloud's VM with a TPM is not an Azure CVM.
  std::ofstream(root_ / "sys/class/dmi/id/sys_vendor") << "Google\n";
  EXPECT_EQ(run().cpu.platform, CpuPlatform::kNone);
  // A guest device wins over the vTPM (SNP guests on other clouds).
  std::ofstream(root_ / "sys/class/dmi/id/sys_vendor") << "Microsoft Corporation\n";
  touch("dev/sev-guest");
  EXPECT_EQ(run().cpu.platform, CpuPlatform::kSevSnp);
}

TEST_F(FakeRoot, SevGuestDeviceIsFound) {
  cpuinfo("sev sev_es sev_snp");
  touch("dev/sev-guest");
  auto cap = run();
  EXPECT_EQ(cap.cpu.platform, CpuPlatform::kSevSnp);
  EXPECT_EQ(cap.cpu.interface, CpuInterface::kIoctl);
  EXPECT_TRUE(cap.cpu.device_available);
  EXPECT_EQ(cap.cpu.device, (root_ / "dev/sev-guest").string());
}

TEST_F(FakeRoot, TdxPrefersConfigfsTsm) {
  cpuinfo("tdx_guest");
  touch("dev/tdx_guest");
  fs::create_directories(root_ / "sys/kernel/config/tsm/report");
  auto cap = run();
  EXPECT_EQ(cap.cpu.platform, CpuPlatform::kTdx);
  EXPECT_EQ(cap.cpu.interface, CpuInterface::kConfigfsTsm);
  EXPECT_TRUE(cap.cpu.device_available);
}

TEST_F(FakeRoot, FlagWithoutDriverIsExplained) {
  cpuinfo("sev_snp");
  auto cap = run();
  EXPECT_EQ(cap.cpu.platform, CpuPlatform::kSevSnp);
  EXPECT_EQ(cap.cpu.interface, CpuInterface::kNone);
  EXPECT_FALSE(cap.cpu.device_available);
  ASSERT_FALSE(cap.cpu.notes.empty());
  EXPECT_NE(cap.cpu.notes[0].find("driver"), std::string::npos);
}

TEST_F(FakeRoot, JsonCarriesEveryField) {
  cpuinfo("sev_snp");
  touch("dev/sev-guest");
  auto j = nlohmann::json::parse(capability_to_json(run()));
  EXPECT_EQ(j["cpu"]["platform"], "sev-snp");
  EXPECT_EQ(j["cpu"]["interface"], "ioctl");
  EXPECT_EQ(j["gpu"]["cc_active"], false);
  EXPECT_EQ(j["gpu"]["nvml_status"], "not probed");
  EXPECT_EQ(j["full_stack_cc"], false);
  EXPECT_EQ(j["recommended_level"], "tee");
  EXPECT_NE(j["recommended_level_reason"].get<std::string>().find("sev-snp"), std::string::npos);
}

// The advice follows scripts/setup_cc.sh: both sides full-cc, one side tee, neither zk-only; and
// the reason names what is missing.
TEST(RecommendLevel, FollowsWhatCanAttest) {
  FullStackCapability cap;
  LevelAdvice a = recommend_level(cap);
  EXPECT_EQ(a.level, "zk-only");
  EXPECT_NE(a.reason.find("no CPU TEE"), std::string::npos) << a.reason;
  EXPECT_NE(a.reason.find("no GPU in CC mode"), std::string::npos) << a.reason;

  cap.cpu.platform = CpuPlatform::kTdx;
  cap.cpu.device = "/dev/tdx_guest";
  a = recommend_level(cap);  // the platform without an openable device attests nothing
  EXPECT_EQ(a.level, "zk-only");
  EXPECT_NE(a.reason.find("no usable device (/dev/tdx_guest)"), std::string::npos) << a.reason;

  cap.cpu.device_available = true;
  a = recommend_level(cap);
  EXPECT_EQ(a.level, "tee");
  EXPECT_NE(a.reason.find("tdx"), std::string::npos) << a.reason;

  cap.gpu.cc_active = true;  // CC mode on but not ready: the GPUs do not count yet
  a = recommend_level(cap);
  EXPECT_EQ(a.level, "tee");
  EXPECT_NE(a.reason.find("not ready"), std::string::npos) << a.reason;

  cap.gpu.cc_ready = true;  // ready, but nothing to collect the evidence with
  EXPECT_EQ(recommend_level(cap).level, "tee");
  cap.gpu.nvml_available = true;
  EXPECT_EQ(recommend_level(cap).level, "full-cc");

  cap.cpu.device_available = false;
  a = recommend_level(cap);
  EXPECT_EQ(a.level, "tee");
  EXPECT_NE(a.reason.find("GPUs in CC mode can attest"), std::string::npos) << a.reason;
}

// GPU detection through the production dlopen path, against a stand-in NVML library.
TEST(GpuDetection, ReadsCcModeFromNvml) {
  void* lib = ::dlopen(ZKCC_FAKE_NVML, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(lib, nullptr) << ::dlerror();
  auto reset = reinterpret_cast<void (*)(int, unsigned)>(::dlsym(lib, "zkcc_fake_nvml_reset"));
  ASSERT_NE(reset, nullptr);
  DetectOptions o;
  o.nvml_library = ZKCC_FAKE_NVML;
  reset(0, 2);  // CC on and ready, two GPUs
  GpuCapability g = detect(o).gpu;
  EXPECT_TRUE(g.nvml_available);
  EXPECT_EQ(g.nvml_status, "loaded");
  EXPECT_EQ(g.device_count, 2u);
  EXPECT_EQ(g.device_names.size(), 2u);
  EXPECT_TRUE(g.cc_capable);
  EXPECT_TRUE(g.cc_supported);
  EXPECT_TRUE(g.cc_active);
  EXPECT_TRUE(g.cc_ready);
  reset(1, 1);  // CC off
  g = detect(o).gpu;
  EXPECT_TRUE(g.nvml_available);
  EXPECT_FALSE(g.cc_active);
  reset(2, 1);  // CC on, not ready
  g = detect(o).gpu;
  EXPECT_TRUE(g.cc_active);
  EXPECT_FALSE(g.cc_ready);
  reset(3, 1);  // the driver does not initialise
  g = detect(o).gpu;
  EXPECT_FALSE(g.nvml_available);
  EXPECT_NE(g.nvml_status.find("nvmlInit_v2 failed"), std::string::npos);
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  g = detect(o).gpu;  // no driver is a normal "no GPU", not an error
  EXPECT_FALSE(g.nvml_available);
  EXPECT_EQ(g.device_count, 0u);
  ::dlclose(lib);
}

}  // namespace
}  // namespace zkcc::tee
