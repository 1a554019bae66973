// TDX collateral rules: each test takes a quote and collateral the simulated platform signs
// correctly but that break exactly one rule, and expects that rule, and only it, to fail.
#include "sim_bundle_fixture.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/tdx/ccel.h"
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
  for (const char* status : {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded"}) {
    Verdict v = verify(with_status(status));
    EXPECT_TRUE(v.ok()) << status << v.summary();
    EXPECT_EQ(v.claims["tcb_status"], status);
  }
}

TEST_F(TdxRulesTest, RefusedTcbStatusesAreTheOnlyFailure) {
  // A status Intel has not defined is refused like Revoked.
  for (const char* status : {"OutOfDate", "OutOfDateConfigurationNeeded", "Revoked", "Unknown"}) {
    Verdict v = verify(with_status(status));
    EXPECT_EQ(failures(v), std::set<std::string>{"TCB status"}) << status << v.summary();
  }
}

TEST_F(TdxRulesTest, FmspcMustMatchThePck) {
  sim::TdxCollateralOptions o;
  o.fmspc = "00A06F000000";  // another platform's TCB Info
  Verdict v = verify(o);
  EXPECT_EQ(failures(v), std::set<std::string>{"FMSPC matches the TCB Info"}) << v.summary();
}

TEST_F(TdxRulesTest, RevokedPckOrPckCaIsRefused) {
  sim::TdxCollateralOptions pck;
  pck.revoke_pck = true;
  Verdict v = verify(pck);
  EXPECT_EQ(failures(v), std::set<std::string>{"PCK CRL"}) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("is revoked"), std::string::npos) << v.summary();
  sim::TdxCollateralOptions ca;
  ca.revoke_pck_ca = true;
  v = verify(ca);
  EXPECT_EQ(failures(v), std::set<std::string>{"Root CA CRL"}) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("is revoked"), std::string::npos) << v.summary();
}

TEST_F(TdxRulesTest, CollateralSignerIsTheTcbSigningCertificate) {
  const std::set<std::string> both = {"TCB Info signature", "QE Identity signature"};
  // Signed by the PCK Platform CA, which the same root issued: the chain holds, the name does not.
  sim::TdxCollateralOptions pck_ca;
  pck_ca.signed_by_pck_ca = true;
  Verdict v = verify(pck_ca);
  EXPECT_EQ(failures(v), both) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("is not Intel's TCB Signing certificate"), std::string::npos) << v.summary();
  // The TCB Signing certificate revoked by the Root CA CRL.
  sim::TdxCollateralOptions revoked;
  revoked.revoke_tcb_signing = true;
  v = verify(revoked);
  EXPECT_EQ(failures(v), both) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("revoked by the Root CA CRL"), std::string::npos) << v.summary();
}

TEST_F(TdxRulesTest, QeIdentityMustMatchTheQeReport) {
  sim::TdxCollateralOptions o;
  o.qe_mrsigner = std::string(64, 'A');  // another signer's quoting enclave
  Verdict v = verify(o);
  EXPECT_EQ(failures(v), std::set<std::string>{"QE identity matches"}) << v.summary();
}

TEST_F(TdxRulesTest, QeTcbStatus) {
  for (const char* status : {"UpToDate", "SWHardeningNeeded", "ConfigurationNeeded"}) {
    sim::TdxCollateralOptions o;
    o.qe_tcb_status = status;
    Verdict v = verify(o);
    EXPECT_TRUE(v.ok()) << status << v.summary();
    EXPECT_EQ(v.claims["qe_tcb_status"], status);
  }
  for (const char* status : {"OutOfDate", "Revoked"}) {
    sim::TdxCollateralOptions o;
    o.qe_tcb_status = status;
    Verdict v = verify(o);
    EXPECT_EQ(failures(v), std::set<std::string>{"QE TCB status"}) << status << v.summary();
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

TEST_F(TdxRulesTest, QeIdentityMustBeTdQeVersion2) {
  sim::TdxCollateralOptions o;
  o.qe_identity_id = "QE";
  EXPECT_EQ(failures(verify(o)), std::set<std::string>{"QE Identity is TD_QE version 2"}) << verify(o).summary();
  for (int version : {1, 3}) {
    sim::TdxCollateralOptions other;
    other.qe_identity_version = version;
    Verdict v = verify(other);
    EXPECT_EQ(failures(v), std::set<std::string>{"QE Identity is TD_QE version 2"}) << version << v.summary();
  }
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
  // TCB Info without tdxModule cannot judge the base module: refused, not skipped.
  sim::TdxCollateralOptions none;
  none.omit_tdx_module = true;
  v = verify(base, none);
  EXPECT_EQ(failures(v), std::set<std::string>{"TDX module identity"}) << v.summary();
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_NE(v.first_failure()->detail.find("TCB Info has no tdxModule"), std::string::npos) << v.summary();
}


// ---- The CC event log: a constructed log the simulated quote's RTMRs are the replay of. ----

// Two measured events into each RTMR and an EV_NO_ACTION event, as firmware, the boot loader and
// the kernel would record them.
std::vector<CcelEvent> boot_events() {
  std::vector<CcelEvent> events;
  for (uint32_t mr = 1; mr <= 4; ++mr) {
    for (uint32_t k = 0; k < 2; ++k) {
      CcelEvent e;
      e.mr_index = mr;
      e.type = 0x80000001 + k;  // EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_BOOT
      std::string what = "measured " + std::to_string(mr) + "." + std::to_string(k);
      e.data.assign(what.begin(), what.end());
      e.sha384 = hash::sha384(e.data);
      events.push_back(std::move(e));
    }
  }
  CcelEvent note;
  note.mr_index = 1;
  note.type = kEvNoAction;
  note.sha384.fill(0xEE);  // never extended, whatever it says
  events.insert(events.begin() + 3, note);
  return events;
}

sim::CpuAttesterOptions with_log(const Bytes& log) {
  sim::CpuAttesterOptions o;
  o.tdx.event_log = log;
  return o;
}

TEST_F(TdxRulesTest, EventLogEncodesAndReplays) {
  std::vector<CcelEvent> events = boot_events();
  auto parsed = parse_ccel(encode_ccel(events));
  ASSERT_TRUE(parsed.ok()) << parsed.status().to_string();
  ASSERT_EQ(parsed->size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ((*parsed)[i].mr_index, events[i].mr_index);
    EXPECT_EQ((*parsed)[i].type, events[i].type);
    EXPECT_EQ((*parsed)[i].sha384, events[i].sha384);
    EXPECT_EQ((*parsed)[i].data, events[i].data);
  }
  // RTMR[0] = SHA-384(SHA-384(0^48 || d0) || d1): the EV_NO_ACTION event is not extended.
  Bytes first(48, 0);
  first.insert(first.end(), events[0].sha384.begin(), events[0].sha384.end());
  std::array<uint8_t, 48> m = hash::sha384(first);
  Bytes second(m.begin(), m.end());
  second.insert(second.end(), events[1].sha384.begin(), events[1].sha384.end());
  EXPECT_EQ(replay_rtmrs(*parsed)[0], hash::sha384(second));
}

TEST_F(TdxRulesTest, EventLogMatchingTheQuoteVerifies) {
  json b = bundle(CpuPlatform::kTdx, 0, with_log(encode_ccel(boot_events())));
  ASSERT_TRUE(b["cpu"].contains("event_log"));
  Verdict v = SimBundleTest::verify(b);
  EXPECT_TRUE(v.ok()) << v.summary();
  for (const char* name : {"cpu: CC event log parses", "cpu: RTMR[0] replays from the CC event log",
                           "cpu: RTMR[3] replays from the CC event log"}) {
    EXPECT_TRUE(std::any_of(v.checks.begin(), v.checks.end(), [&](const Check& c) { return c.name == name && c.ok; })) << name;
  }
}

TEST_F(TdxRulesTest, TamperedEventLogNamesTheRtmr) {
  std::vector<CcelEvent> events = boot_events();
  json b = bundle(CpuPlatform::kTdx, 0, with_log(encode_ccel(events)));
  // One measured event per RTMR changed in turn: the quote is untouched and correctly signed, so
  // only that RTMR's replay fails.
  for (uint32_t mr = 1; mr <= 4; ++mr) {
    std::vector<CcelEvent> changed = events;
    for (CcelEvent& e : changed) {
      if (e.mr_index == mr && e.type != kEvNoAction) {
        e.sha384[0] ^= 1;
        break;
      }
    }
    json t = b;
    t["cpu"]["event_log"] = to_base64(encode_ccel(changed));
    Verdict v = SimBundleTest::verify(t);
    std::string rule = "cpu: RTMR[" + std::to_string(mr - 1) + "] replays from the CC event log";
    EXPECT_EQ(failures(v), std::set<std::string>{rule}) << v.summary();
  }
  // An event left out.
  std::vector<CcelEvent> fewer = events;
  fewer.pop_back();  // the last RTMR[3] event
  json t = b;
  t["cpu"]["event_log"] = to_base64(encode_ccel(fewer));
  EXPECT_EQ(failures(SimBundleTest::verify(t)), std::set<std::string>{"cpu: RTMR[3] replays from the CC event log"});
  // A log of another TD (no events): every RTMR differs.
  t["cpu"]["event_log"] = to_base64(encode_ccel({}));
  EXPECT_EQ(failures(SimBundleTest::verify(t)).size(), 4u);
}

TEST_F(TdxRulesTest, PolicyCanRequireTheEventLog) {
  auto p = Policy::from_json(json::parse(R"({"require_event_log": true})"));
  ASSERT_TRUE(p.ok()) << p.status().to_string();
  EXPECT_TRUE(p->require_event_log);
  EXPECT_TRUE(p->to_json()["require_event_log"].get<bool>());
  EXPECT_NE(p->summary().find("TDX CC event log required"), std::string::npos);
  EXPECT_FALSE(Policy::from_json(json::parse(R"({"require_event_log": "yes"})")).ok());

  // With a log that replays, the rule passes; without one, it alone fails.
  json with = bundle(CpuPlatform::kTdx, 0, with_log(encode_ccel(boot_events())));
  Verdict ok = SimBundleTest::verify(with, &*p);
  EXPECT_TRUE(ok.ok()) << ok.summary();
  EXPECT_TRUE(std::any_of(ok.checks.begin(), ok.checks.end(),
                          [](const Check& c) { return c.name == "cpu: policy: CC event log present" && c.ok; }));
  json without = bundle(CpuPlatform::kTdx, 0);
  ASSERT_FALSE(without["cpu"].contains("event_log"));
  Verdict refused = SimBundleTest::verify(without, &*p);
  EXPECT_EQ(failures(refused), std::set<std::string>{"cpu: policy: CC event log present"}) << refused.summary();
  EXPECT_NE(refused.summary().find("carries no CC event log"), std::string::npos);
  // The production default does not require one.
  EXPECT_TRUE(SimBundleTest::verify(without).ok());
  // The rule is about TDX: SEV-SNP evidence is not judged by it, and a bundle without CPU
  // evidence fails for lacking the platform the rule names.
  EXPECT_TRUE(SimBundleTest::verify(bundle(CpuPlatform::kSevSnp, 0), &*p).ok());
  Verdict gpu_only = SimBundleTest::verify(bundle(CpuPlatform::kNone, 1), &*p);
  EXPECT_EQ(failures(gpu_only), std::set<std::string>{"policy: CPU evidence present"}) << gpu_only.summary();
}

TEST_F(TdxRulesTest, MalformedEventLogIsAPreciseError) {
  Bytes log = encode_ccel(boot_events());
  json b = bundle(CpuPlatform::kTdx, 0, with_log(log));
  // Cut inside the last event's data, inside a digest, inside the header.
  for (size_t cut : {log.size() - 3, size_t{33 + 32 + 12 + 10}, size_t{40}}) {
    json t = b;
    t["cpu"]["event_log"] = to_base64(Bytes(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(cut)));
    Verdict v = SimBundleTest::verify(t);
    EXPECT_EQ(failures(v), std::set<std::string>{"cpu: CC event log parses"}) << cut << v.summary();
  }
  // An MR index that does not exist.
  std::vector<CcelEvent> events = boot_events();
  events[2].mr_index = 5;
  auto bad = parse_ccel(encode_ccel(events));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("MR index 5"), std::string::npos) << bad.status().message();
  // An event claiming more data than the log holds.
  Bytes huge = log;
  size_t size_at = log.size() - events.back().data.size() - 4;
  huge[size_at + 3] = 0x7F;
  auto big = parse_ccel(huge);
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("claims"), std::string::npos) << big.status().message();
  // A log is TDX evidence only, and never empty.
  json snp = bundle(CpuPlatform::kSevSnp, 0);
  snp["cpu"]["event_log"] = to_base64(log);
  EXPECT_FALSE(bundle_from_json(snp).ok());
  json empty = b;
  empty["cpu"]["event_log"] = "";
  EXPECT_FALSE(bundle_from_json(empty).ok());
}

}  // namespace
}  // namespace zkcc::tee::tdx
