// TDX collateral rules: each test takes a quote and collateral the simulated platform signs
// correctly but that break exactly one rule, and expects that rule, and only it, to fail.
#include "sim_bundle_fixture.h"
#include "zkcc/tee/tdx/collateral.h"

namespace zkcc::tee::tdx {
namespace {

class TdxRulesTest : public SimBundleTest {
 protected:
  static Verdict verify(const sim::TdxGuest& guest, const sim::TdxCollateralOptions& options) {
    std::array<uint8_t, 64> data{};
    data[5] = 9;
    auto quote = platform_->tdx_quote(data, guest);
    EXPECT_TRUE(quote.ok()) << quote.status().to_string();
    int64_t now = static_cast<int64_t>(std::time(nullptr));
    auto text = platform_->tdx_collateral(now, options);
    EXPECT_TRUE(text.ok()) << text.status().to_string();
    auto collateral = parse_collateral_json(*text);
    EXPECT_TRUE(collateral.ok()) << collateral.status().to_string();
    if (!quote.ok() || !collateral.ok()) return Verdict{};
    TrustRoots roots{.intel = true, .extra = platform_->roots().intel};
    return verify_quote(*quote, *collateral, roots, now);
  }
  static Verdict verify(const sim::TdxCollateralOptions& options) { return verify(sim::TdxGuest{}, options); }
};

sim::TdxCollateralOptions with_status(const std::string& status) {
  sim::TdxCollateralOptions o;
  o.tcb_status = status;
  return o;
}

TEST_F(TdxRulesTest, AcceptedTcbStatuses) {
  for (const char* status : {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded"}) {
    Verdict v = verify(with_status(status));
    EXPECT_TRUE(v.ok()) << status << v.summary();
    EXPECT_EQ(v.claims["tcb_status"], status);
  }
}

TEST_F(TdxRulesTest, RefusedTcbStatusesAreTheOnlyFailure) {
  for (const char* status : {"OutOfDate", "Revoked"}) {
    Verdict v = verify(with_status(status));
    EXPECT_EQ(failures(v), std::set<std::string>{"TCB status"}) << status << v.summary();
  }
}

TEST_F(TdxRulesTest, TcbInfoMustBeTdxVersion3) {
  sim::TdxCollateralOptions sgx;
  sgx.tcb_info_id = "SGX";
  EXPECT_EQ(failures(verify(sgx)), std::set<std::string>{"TCB Info is TDX version 3"}) << verify(sgx).summary();
  sim::TdxCollateralOptions v2;
  v2.tcb_info_version = 2;
  EXPECT_EQ(failures(verify(v2)), std::set<std::string>{"TCB Info is TDX version 3"});
}

TEST_F(TdxRulesTest, QeIdentityMustBeTdQe) {
  sim::TdxCollateralOptions o;
  o.qe_identity_id = "QE";
  EXPECT_EQ(failures(verify(o)), std::set<std::string>{"QE Identity is TD_QE"}) << verify(o).summary();
}

TEST_F(TdxRulesTest, ShortSgxComponentsAreMalformed) {
  sim::TdxCollateralOptions o;
  o.sgx_components = 15;
  Verdict v = verify(o);
  EXPECT_EQ(failures(v), std::set<std::string>{"TCB levels have 16 components each"}) << v.summary();
}

TEST_F(TdxRulesTest, PceIdMustMatch) {
  sim::TdxCollateralOptions o;
  o.pce_id = "0001";
  EXPECT_EQ(failures(verify(o)), std::set<std::string>{"PCEID matches the TCB Info"}) << verify(o).summary();
}

TEST_F(TdxRulesTest, QeVendorMustBeIntel) {
  sim::TdxGuest guest;
  guest.qe_vendor_id = std::array<uint8_t, 16>{1, 2, 3};
  Verdict v = verify(guest, {});
  EXPECT_EQ(failures(v), std::set<std::string>{"QE vendor is Intel"}) << v.summary();
}

TEST_F(TdxRulesTest, BaseModuleIdentityWhenTeeTcbSvn1IsZero) {
  sim::TdxGuest base;
  base.tee_tcb_svn = std::array<uint8_t, 16>{5, 0, 2};
  Verdict fine = verify(base, {});
  EXPECT_TRUE(fine.ok()) << fine.summary();
  sim::TdxCollateralOptions other;
  other.tdx_module_mrsigner = std::string(96, 'A');
  Verdict v = verify(base, other);
  EXPECT_EQ(failures(v), std::set<std::string>{"TDX module identity"}) << v.summary();
  // A module the SEAM loader loaded (TEE_TCB_SVN[1] > 0) is judged by tdxModuleIdentities instead.
  EXPECT_TRUE(verify(sim::TdxGuest{}, other).ok());
}

}  // namespace
}  // namespace zkcc::tee::tdx
