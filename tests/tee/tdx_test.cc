// TDX quotes from real platforms (Intel samples, GCP, Azure): parsing and the signature layer.
#include "zkcc/tee/tdx/verify.h"

#include <gtest/gtest.h>

#include "zkcc/tee/tdx/ccel.h"
#include "zkcc/tee/tdx/collateral.h"

namespace zkcc::tee::tdx {
namespace {

Bytes load(const std::string& rel) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/" + rel);
  EXPECT_TRUE(b.ok()) << rel;
  return b.ok() ? *b : Bytes{};
}

int64_t at(const char* t) { return *parse_rfc3339(t); }

struct Sample {
  const char* path;
  uint16_t version;
  size_t declared;
};

const Sample kSamples[] = {
    {"tdx/dcapqvl_quote_v4.bin", 4, 4936},
    {"tdx/dcapqvl_quote_v5_outdated.bin", 5, 5006},
    {"tdx/gotdxguest_quote_v4_spr_e4.bin", 4, 4935},
    {"gcp/gotdxguest_cos113_tdx_quote_v4.bin", 4, 4935},
    {"azure/trustee_az_tdx_quote_v4.bin", 4, 4936},
};

TEST(TdxQuote, RealQuotesPassTheSignatureLayer) {
  for (const Sample& s : kSamples) {
    Bytes q = load(s.path);
    Verdict v = verify_quote_signatures(q, TrustRoots{}, at("2026-03-01T00:00:00Z"));
    EXPECT_TRUE(v.ok()) << s.path << "\n" << v.summary();
    EXPECT_EQ(v.claims["version"], s.version);
    EXPECT_EQ(v.claims["declared_size"], s.declared);
  }
}

TEST(TdxQuote, ParsesBodiesOfBothTypes) {
  auto v4 = parse_quote(load("tdx/dcapqvl_quote_v4.bin"));
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->body_type, 2);
  EXPECT_EQ(to_hex(v4->body.tee_tcb_svn).substr(0, 6), "060103");
  EXPECT_EQ(v4->qe_report.isv_svn, 6);
  auto v5 = parse_quote(load("tdx/dcapqvl_quote_v5_outdated.bin"));
  ASSERT_TRUE(v5.ok());
  EXPECT_EQ(v5->body_type, 3);
  // GCP's configfs outblob: zero padding after the declared end is accepted, and the claims carry
  // the all-zero REPORTDATA the nonce file names.
  auto gcp = parse_quote(load("gcp/gotdxguest_cos113_tdx_quote_v4.bin"));
  ASSERT_TRUE(gcp.ok());
  Bytes nonce = load("gcp/gotdxguest_cos113_nonce.bin");
  EXPECT_TRUE(std::equal(nonce.begin(), nonce.end(), gcp->body.report_data.begin()));
}

TEST(TdxQuote, SampledFlippedBytesAreRejected) {
  for (const Sample& s : {kSamples[0], kSamples[1]}) {
    Bytes q = load(s.path);
    for (size_t i = 0; i < s.declared; i += 13) {  // ~380 positions across header, body, signatures, chain
      Bytes bad = q;
      bad[i] ^= 0x04;
      EXPECT_FALSE(verify_quote_signatures(bad, TrustRoots{}, at("2026-03-01T00:00:00Z")).ok()) << s.path << " byte " << i;
    }
  }
}

// The PCK chain's PEM text is signed by nothing; only its canonical spelling is accepted, so that
// no byte of a quote (and so no bit of its hash) can change while it still verifies.
TEST(TdxQuote, EveryFlipInThePemChainIsRejected) {
  for (const Sample& s : kSamples) {
    Bytes q = load(s.path);
    auto parsed = parse_quote(q);
    ASSERT_TRUE(parsed.ok());
    size_t start = s.declared - parsed->pck_chain_pem.size();
    for (size_t i = start; i < s.declared; i += 7) {
      Bytes bad = q;
      bad[i] ^= 0x01;
      EXPECT_FALSE(verify_quote_signatures(bad, TrustRoots{}, at("2026-03-01T00:00:00Z")).ok()) << s.path << " byte " << i;
    }
  }
}

TEST(TdxQuote, UntrustedRootOrExpiredChainIsRejected) {
  Bytes q = load("tdx/dcapqvl_quote_v4.bin");
  TrustRoots none;
  none.intel = false;
  EXPECT_EQ(verify_quote_signatures(q, none, at("2026-03-01T00:00:00Z")).first_failure()->name,
            "PCK chain to a trusted root");
  EXPECT_EQ(verify_quote_signatures(q, TrustRoots{}, at("2060-01-01T00:00:00Z")).first_failure()->name,
            "certificates valid at the verification time");
}

TEST(TdxQuote, MalformedQuotesGetPreciseErrors) {
  Bytes q = load("tdx/dcapqvl_quote_v4.bin");
  auto err = [](const Bytes& b) { return parse_quote(b).status().message(); };
  EXPECT_NE(err(Bytes(q.begin(), q.begin() + 10)).find("header"), std::string::npos);
  EXPECT_NE(err(Bytes(q.begin(), q.begin() + 600)).find("TD report body"), std::string::npos);
  EXPECT_NE(err(Bytes(q.begin(), q.begin() + 700)).find("signature data"), std::string::npos);
  Bytes version = q;
  version[0] = 3;
  EXPECT_NE(err(version).find("version 3"), std::string::npos);
  Bytes tee = q;
  tee[4] = 0;
  EXPECT_NE(err(tee).find("not TDX"), std::string::npos);
  Bytes junk = q;
  junk[4935] = 'x';  // inside the PCK chain data, after its last certificate
  EXPECT_NE(err(junk).find("outside its PEM certificates"), std::string::npos);
  // Padding after the declared end is counted, not trusted.
  auto padded = parse_quote(q);
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->trailing_bytes, 70u);
  Bytes huge = q;
  huge[632] = 0xff;  // signature data length
  huge[633] = 0xff;
  EXPECT_NE(err(huge).find("signature data"), std::string::npos);
  EXPECT_FALSE(parse_quote({}).ok());
  EXPECT_FALSE(parse_quote(Bytes(5006, 0x5a)).ok());
}

}  // namespace
}  // namespace zkcc::tee::tdx

namespace zkcc::tee::tdx {
namespace {

Collateral collateral(const std::string& name) {
  Bytes b = load("tdx/" + name);
  auto c = parse_collateral_json(std::string(b.begin(), b.end()));
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  return c.ok() ? *c : Collateral{};
}

TEST(TdxCollateral, SampleQuoteIsUpToDateInsideItsWindow) {
  Bytes q = load("tdx/dcapqvl_quote_v4.bin");
  Collateral c = collateral("dcapqvl_quote_v4_collateral.json");
  Verdict v = verify_quote(q, c, TrustRoots{}, at("2025-06-20T00:00:00Z"));
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.claims["tcb_status"], "UpToDate");
  EXPECT_EQ(v.claims["qe_tcb_status"], "UpToDate");
  EXPECT_EQ(v.claims["fmspc"], "B0C06F000000");
  // Outside the window the collateral (and the PCK CRL) are no longer current.
  Verdict late = verify_quote(q, c, TrustRoots{}, at("2025-08-01T00:00:00Z"));
  EXPECT_FALSE(late.ok());
}

TEST(TdxCollateral, OutdatedPlatformHasNoMatchingTcbLevel) {
  Bytes q = load("tdx/dcapqvl_quote_v5_outdated.bin");
  Collateral c = collateral("dcapqvl_quote_v5_outdated_collateral.json");
  Verdict v = verify_quote(q, c, TrustRoots{}, at("2026-03-01T00:00:00Z"));
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.claims["tcb_status"], "no matching TCB level") << v.summary();
  // Everything before the TCB judgement passes: the rejection is for the right reason.
  EXPECT_EQ(v.first_failure()->name, "TCB status");
}

TEST(TdxCollateral, TamperedCollateralIsRejected) {
  Bytes q = load("tdx/dcapqvl_quote_v4.bin");
  Collateral c = collateral("dcapqvl_quote_v4_collateral.json");
  Collateral tcb = c;
  tcb.tcb_info[tcb.tcb_info.find("UpToDate")] = 'u';
  EXPECT_EQ(verify_quote(q, tcb, TrustRoots{}, at("2025-06-20T00:00:00Z")).first_failure()->name, "TCB Info signature");
  Collateral qe = c;
  qe.qe_identity_signature[5] ^= 1;
  EXPECT_EQ(verify_quote(q, qe, TrustRoots{}, at("2025-06-20T00:00:00Z")).first_failure()->name, "QE Identity signature");
  Collateral crl = c;
  crl.pck_crl[crl.pck_crl.size() - 10] ^= 1;
  EXPECT_EQ(verify_quote(q, crl, TrustRoots{}, at("2025-06-20T00:00:00Z")).first_failure()->name, "PCK CRL");
  // Another platform's collateral: the FMSPC differs.
  Collateral other = collateral("dcapqvl_quote_v5_outdated_collateral.json");
  EXPECT_FALSE(verify_quote(q, other, TrustRoots{}, at("2026-03-01T00:00:00Z")).ok());
}

TEST(TdxCollateral, PckExtensionsAndMalformedCollateral) {
  auto q = parse_quote(load("tdx/dcapqvl_quote_v4.bin"));
  auto chain = Certificate::from_pem_bundle(q->pck_chain_pem);
  auto ext = pck_extensions((*chain)[0]);
  ASSERT_TRUE(ext.ok()) << ext.status().to_string();
  EXPECT_EQ(to_hex(ext->fmspc), "b0c06f000000");
  EXPECT_FALSE(pck_extensions((*chain)[2]).ok());  // the root has no SGX extension
  EXPECT_FALSE(parse_collateral_json("{}").ok());
  EXPECT_FALSE(parse_collateral_json("not json").ok());
}

}  // namespace
}  // namespace zkcc::tee::tdx

namespace zkcc::tee::tdx {
namespace {

TEST(Ccel, GcpEventLogReplaysToTheQuotesRtmrs) {
  auto quote = parse_quote(load("gcp/gotdxguest_cos113_tdx_quote_v4.bin"));
  ASSERT_TRUE(quote.ok());
  Bytes log = load("gcp/gotdxguest_cos113_ccel_eventlog.bin");
  auto events = parse_ccel(log);
  ASSERT_TRUE(events.ok()) << events.status().to_string();
  EXPECT_EQ(events->size(), 43u);
  Rtmrs replayed = replay_rtmrs(*events);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(replayed[i], quote->body.rtmr[i]) << "RTMR" << i;
  // A changed digest no longer replays to the quote.
  Bytes bad = log;
  size_t first_event = 32 + 33;  // after the Spec ID event
  bad[first_event + 12 + 2 + 5] ^= 1;  // inside the first event's SHA-384 digest
  auto changed = parse_ccel(bad);
  ASSERT_TRUE(changed.ok());
  EXPECT_NE(replay_rtmrs(*changed), replay_rtmrs(*events));
}

TEST(Ccel, GcpEventLogVerifiesAgainstTheQuoteAndNamesAChangedRtmr) {
  auto quote = parse_quote(load("gcp/gotdxguest_cos113_tdx_quote_v4.bin"));
  ASSERT_TRUE(quote.ok());
  Bytes log = load("gcp/gotdxguest_cos113_ccel_eventlog.bin");
  Verdict v = verify_event_log(log, quote->body.rtmr);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.checks.size(), 5u);
  // The first event's SHA-384 digest changed: the RTMR its MR index names no longer replays.
  auto events = parse_ccel(log);
  ASSERT_TRUE(events.ok());
  size_t rtmr = (*events)[0].mr_index - 1;
  Bytes bad = log;
  bad[32 + 33 + 12 + 2 + 5] ^= 1;
  Verdict changed = verify_event_log(bad, quote->body.rtmr);
  ASSERT_EQ(changed.checks.size(), 5u);
  for (const Check& c : changed.checks) {
    bool named = c.name == "RTMR[" + std::to_string(rtmr) + "] replays from the CC event log";
    EXPECT_EQ(c.ok, !named) << c.name << ": " << c.detail;
  }
}

TEST(Ccel, MalformedLogsGetPreciseErrors) {
  Bytes log = load("gcp/gotdxguest_cos113_ccel_eventlog.bin");
  EXPECT_FALSE(parse_ccel(Bytes(log.begin(), log.begin() + 20)).ok());
  Bytes header = log;
  header[32] = 'X';
  EXPECT_NE(parse_ccel(header).status().message().find("Spec ID Event03"), std::string::npos);
  Bytes cut(log.begin(), log.begin() + 200);  // ends inside an event
  EXPECT_FALSE(parse_ccel(cut).ok());
  Bytes alg = log;
  alg[32 + 33 + 12] = 0x0b;  // SHA-256, which the header does not declare
  EXPECT_NE(parse_ccel(alg).status().message().find("does not declare"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::tee::tdx
