// Azure vTPM evidence from real confidential VMs: TPM quote, HCL report, and the SNP report or the
// TD quote beneath them, verified as one chain.
#include "zkcc/tee/azure/evidence.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "zkcc/tee/azure/tpm_quote.h"
#include "zkcc/tee/policy.h"
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/tdx/tdreport.h"

namespace zkcc::tee::azure {
namespace {

using nlohmann::json;

std::string text(const std::string& path) {
  auto b = read_file(std::string(ZKCC_TEST_DATA) + "/attestation/" + path);
  EXPECT_TRUE(b.ok()) << path;
  return b.ok() ? std::string(b->begin(), b->end()) : std::string();
}

Bytes bytes(const std::string& path) {
  std::string t = text(path);
  return Bytes(t.begin(), t.end());
}

const std::string kSnp = "azure/trustee_az_snp_evidence_v2.json";
const std::string kTdx = "azure/trustee_az_tdx_evidence_v1.json";

int64_t now() { return *parse_rfc3339("2026-11-25T00:00:00Z"); }

Verdict verify(const std::string& evidence, const EvidenceOptions& o = {}) { return verify_evidence(evidence, o, now()); }

std::string failed(const Verdict& v) { return v.first_failure() ? v.first_failure()->name : "(none)"; }

std::set<std::string> failures(const Verdict& v) {
  std::set<std::string> out;
  for (const Check& c : v.checks) {
    if (!c.ok) out.insert(c.name);
  }
  return out;
}

// The verified evidence judged by `p`.
Verdict judged(const std::string& evidence, const Policy& p) {
  Verdict v = verify(evidence);
  EXPECT_TRUE(v.ok()) << v.summary();
  apply_policy(p, v);
  return v;
}

TEST(AzureEvidencePolicy, SnpVerdictsAreJudgedByThePolicy) {
  // Trustee's Azure SNP guest is production-grade: VMPL 0, no debug, no migration agent.
  Verdict v = judged(text(kSnp), Policy{});
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.policy, "built-in production default");
  for (const char* rule : {"policy: debug", "policy: VMPL", "policy: migration agent"}) {
    bool judged_by = false;
    for (const Check& c : v.checks) judged_by |= c.name == rule;
    EXPECT_TRUE(judged_by) << rule;
  }
  Policy vmpl;
  vmpl.vmpl = 1;
  EXPECT_EQ(failures(judged(text(kSnp), vmpl)), std::set<std::string>{"policy: VMPL"});
  Policy other;
  other.allowed_measurements = {std::string(96, '0')};
  EXPECT_EQ(failures(judged(text(kSnp), other)), std::set<std::string>{"policy: measurement allowed"});
}

TEST(AzureEvidencePolicy, TdVerdictsAreJudgedByTheTdQuotesClaims) {
  // Azure's TD has SEPT_VE_DISABLE clear: the production policy refuses it for that alone.
  Verdict v = judged(text(kTdx), Policy{});
  EXPECT_EQ(failures(v), std::set<std::string>{"policy: SEPT_VE_DISABLE"}) << v.summary();
  Policy relaxed;
  relaxed.require_sept_ve_disable = false;
  Verdict ok = judged(text(kTdx), relaxed);
  EXPECT_TRUE(ok.ok()) << ok.summary();
  bool debug_judged = false;
  for (const Check& c : ok.checks) debug_judged |= c.name == "policy: debug" && c.ok;
  EXPECT_TRUE(debug_judged) << ok.summary();
  // The MRTD allow-list reads the TD quote's MR_TD.
  std::string mr_td = ok.claims["td_quote"]["mr_td"];
  relaxed.allowed_measurements = {mr_td};
  EXPECT_TRUE(judged(text(kTdx), relaxed).ok());
  relaxed.allowed_measurements = {std::string(96, '0')};
  EXPECT_EQ(failures(judged(text(kTdx), relaxed)), std::set<std::string>{"policy: measurement allowed"});
}

TEST(AzureEvidence, SnpEvidenceVerifiesFromTpmQuoteToAmdRoot) {
  Verdict v = verify(text(kSnp));
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.kind, "azure-snp-vtpm");
  EXPECT_EQ(v.cpu_platform, "Azure SEV-SNP vTPM");
  EXPECT_EQ(v.claims["product"], "Milan");
  EXPECT_EQ(v.claims["pcrs"].size(), 24u);
  // The guest put its user data into the quote's nonce as well.
  std::string user_data = v.claims["user_data"];
  EXPECT_EQ(v.claims["tpm_nonce"], user_data.substr(0, 96));
  EXPECT_EQ(v.claims["vm_configuration"]["secure-boot"], true);
}

TEST(AzureEvidence, TdxEvidenceVerifiesAndTheQuoteRepeatsTheTdReport) {
  Verdict v = verify(text(kTdx));
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.kind, "azure-tdx-vtpm");
  EXPECT_EQ(v.cpu_platform, "Azure TDX vTPM");
  EXPECT_EQ(v.claims["tpm_nonce"], to_hex(Bytes{'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e'}));
  bool found = false;
  for (const Check& c : v.checks) found |= c.name == "TD quote repeats the TDREPORT" && c.ok;
  EXPECT_TRUE(found);
}

TEST(AzureEvidence, ExpectedNonceIsEnforced) {
  EvidenceOptions o;
  o.expected_nonce = Bytes{'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e'};
  EXPECT_TRUE(verify(text(kTdx), o).ok());
  o.expected_nonce->back() ^= 1;
  Verdict v = verify(text(kTdx), o);
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(failed(v), "TPM quote nonce");
}

// Rewrites one field of the evidence JSON.
std::string edit(const std::string& evidence, const std::function<void(json&)>& change) {
  json doc = json::parse(evidence);
  change(doc);
  return doc.dump();
}

std::string flip_hex(std::string hex, size_t byte) {
  char& c = hex[2 * byte];
  c = c == '0' ? '1' : '0';
  return hex;
}

TEST(AzureEvidence, EveryTpmQuoteByteIsCovered) {
  for (const std::string& file : {kSnp, kTdx}) {
    std::string ev = text(file);
    size_t n = json::parse(ev)["tpm_quote"]["message"].get<std::string>().size() / 2;
    for (size_t i = 0; i < n; ++i) {
      std::string bad = edit(ev, [&](json& d) { d["tpm_quote"]["message"] = flip_hex(d["tpm_quote"]["message"], i); });
      Verdict v = verify(bad);
      ASSERT_FALSE(v.ok()) << file << " byte " << i;
      EXPECT_EQ(failed(v), "TPM quote signed by HCLAkPub") << file << " byte " << i;
    }
    std::string sig = edit(ev, [&](json& d) { d["tpm_quote"]["signature"] = flip_hex(d["tpm_quote"]["signature"], 100); });
    EXPECT_EQ(failed(verify(sig)), "TPM quote signed by HCLAkPub");
  }
}

TEST(AzureEvidence, PcrValuesAreBoundByTheDigest) {
  for (const std::string& file : {kSnp, kTdx}) {
    std::string ev = text(file);
    for (size_t pcr : {0, 7, 23}) {
      std::string bad = edit(ev, [&](json& d) { d["tpm_quote"]["pcrs"][pcr] = flip_hex(d["tpm_quote"]["pcrs"][pcr], 5); });
      EXPECT_EQ(failed(verify(bad)), "PCR values match the quote's digest") << file << " PCR " << pcr;
    }
    std::string short_bank = edit(ev, [&](json& d) { d["tpm_quote"]["pcrs"].erase(23); });
    EXPECT_EQ(failed(verify(short_bank)), "PCR values match the quote's digest");
  }
}

TEST(AzureEvidence, TamperedHardwareReportsAreRejected) {
  // A byte of the SNP measurement inside the HCL report (base64url of the report's bytes).
  std::string ev = text(kSnp);
  json doc = json::parse(ev);
  Bytes hcl = *from_base64url(doc["hcl_report"].get<std::string>());
  hcl[32 + 0x90] ^= 1;
  EXPECT_FALSE(verify(edit(ev, [&](json& d) { d["hcl_report"] = to_base64(hcl); })).ok());

  // The TD quote's MRTD: the quote signature breaks and the TDREPORT no longer matches.
  std::string tdx = text(kTdx);
  Bytes quote = *from_base64url(json::parse(tdx)["td_quote"].get<std::string>());
  quote[48 + 136] ^= 1;
  Verdict v = verify(edit(tdx, [&](json& d) { d["td_quote"] = to_base64(quote); }));
  EXPECT_FALSE(v.ok());
  bool mismatch = false;
  for (const Check& c : v.checks) mismatch |= c.name == "TD quote repeats the TDREPORT" && !c.ok && c.detail.find("MRTD") != std::string::npos;
  EXPECT_TRUE(mismatch) << v.summary();
}

TEST(AzureEvidence, AnotherTdQuoteDoesNotMatchTheTdReport) {
  std::string tdx = text(kTdx);
  Bytes other = bytes("gcp/gotdxguest_cos113_tdx_quote_v4.bin");
  Verdict v = verify(edit(tdx, [&](json& d) { d["td_quote"] = to_base64(other); }));
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(failed(v), "TD quote repeats the TDREPORT") << v.summary();
}

TEST(AzureEvidence, SnpEvidenceNeedsTheAmdRoot) {
  EvidenceOptions o;
  o.snp_roots.amd = false;
  EXPECT_FALSE(verify(text(kSnp), o).ok());
  o = {};
  o.tdx_roots.intel = false;
  EXPECT_FALSE(verify(text(kTdx), o).ok());
}

TEST(AzureEvidence, MalformedEvidenceGetsPreciseErrors) {
  auto reason = [](const std::string& ev) {
    Verdict v = verify(ev);
    EXPECT_FALSE(v.ok());
    return v.first_failure() ? v.first_failure()->detail : std::string();
  };
  EXPECT_NE(reason("not json").find("not a JSON object"), std::string::npos);
  EXPECT_NE(reason("{}").find("tpm_quote"), std::string::npos);
  std::string ev = text(kSnp);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["tpm_quote"]["pcrs"][3] = "zz"; })).find("PCR 3"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["tpm_quote"].erase("message"); })).find("message"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["hcl_report"] = "@@@"; })).find("hcl_report"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [&](json& d) { d["td_quote"] = "AAAA"; })).find("exactly one"), std::string::npos);
  // A TDX HCL report presented with a VCEK.
  std::string tdx = text(kTdx);
  std::string mixed = edit(ev, [&](json& d) { d["hcl_report"] = json::parse(tdx)["hcl_report"]; });
  EXPECT_NE(reason(mixed).find("TDREPORT"), std::string::npos);
  EXPECT_TRUE(looks_like_evidence(ev));
  EXPECT_FALSE(looks_like_evidence("{\"tpm_quote\":{}}"));
}

// ---- The legacy layout (Trustee's "v0"): byte arrays and a PEM chain, no version. ----

const std::string kLegacy = "azure/trustee_az_snp_evidence_v0.json";

TEST(AzureEvidence, LegacyLayoutVerifiesFromTpmQuoteToAmdRoot) {
  std::string ev = text(kLegacy);
  EXPECT_TRUE(looks_like_evidence(ev));
  Verdict v = verify(ev);
  EXPECT_TRUE(v.ok()) << v.summary();
  EXPECT_EQ(v.kind, "azure-snp-vtpm");
  EXPECT_EQ(v.claims["product"], "Milan");
  EXPECT_EQ(v.claims["pcrs"].size(), 24u);
  EXPECT_EQ(v.claims["tpm_nonce"], to_hex(Bytes{'c', 'h', 'a', 'l', 'l', 'e', 'n', 'g', 'e'}));
  // The nonce is enforced as in today's layout.
  EvidenceOptions o;
  o.expected_nonce = Bytes{'o', 't', 'h', 'e', 'r'};
  EXPECT_FALSE(verify(ev, o).ok());
}

TEST(AzureEvidence, LegacyLayoutIsBoundLikeTodays) {
  std::string ev = text(kLegacy);
  auto bump = [](json& byte) { byte = (byte.get<int>() + 1) % 256; };
  EXPECT_EQ(failed(verify(edit(ev, [&](json& d) { bump(d["quote"]["message"][40]); }))), "TPM quote signed by HCLAkPub");
  EXPECT_EQ(failed(verify(edit(ev, [&](json& d) { bump(d["quote"]["signature"][100]); }))), "TPM quote signed by HCLAkPub");
  EXPECT_EQ(failed(verify(edit(ev, [&](json& d) { bump(d["quote"]["pcrs"][7][5]); }))), "PCR values match the quote's digest");
  // A byte of the SNP measurement inside the HCL report.
  EXPECT_FALSE(verify(edit(ev, [&](json& d) { bump(d["report"][32 + 0x90]); })).ok());
  // Without the PEM's VCEK the SNP report has no endorsement key.
  std::string vcek_only_chain = edit(ev, [&](json& d) {
    std::string pem = d["vcek"];
    d["vcek"] = pem.substr(pem.find("-----END CERTIFICATE-----") + 26);
  });
  EXPECT_FALSE(verify(vcek_only_chain).ok());
}

TEST(AzureEvidence, MalformedLegacyEvidenceGetsPreciseErrors) {
  auto reason = [](const std::string& ev) {
    Verdict v = verify(ev);
    EXPECT_FALSE(v.ok());
    return v.first_failure() ? v.first_failure()->detail : std::string();
  };
  std::string ev = text(kLegacy);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["quote"]["message"][3] = 256; })).find("element 3 is not a byte"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["quote"]["signature"][0] = "x"; })).find("\"signature\" element 0"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["quote"]["signature"][1] = -1; })).find("element 1"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["quote"]["pcrs"][2].erase(0); })).find("PCR 2 is not 32 bytes"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["quote"]["pcrs"] = 5; })).find("pcrs"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["report"] = "SENMQQ"; })).find("\"report\" array"), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["vcek"] = "not pem"; })).find("\"vcek\""), std::string::npos);
  EXPECT_NE(reason(edit(ev, [](json& d) { d["report"] = json::array({72, 67, 76, 65}); })).find("HCL"), std::string::npos);
  // A version field means today's layout, which this is not.
  EXPECT_NE(reason(edit(ev, [](json& d) { d["version"] = 2; })).find("tpm_quote"), std::string::npos);
}

TEST(TpmQuote, EveryTruncationAndTrailingByteIsRejected) {
  Bytes attest = *from_hex(json::parse(text(kSnp))["tpm_quote"]["message"].get<std::string>());
  auto q = parse_tpm_quote(attest);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  EXPECT_EQ(q->extra_data.size(), 48u);
  ASSERT_EQ(q->selections.size(), 1u);
  EXPECT_EQ(q->selections[0].hash, kTpmAlgSha256);
  EXPECT_EQ(q->selections[0].pcrs.size(), 24u);
  EXPECT_EQ(q->pcr_digest.size(), 32u);
  for (size_t n = 0; n < attest.size(); ++n) {
    EXPECT_FALSE(parse_tpm_quote(std::span(attest).first(n)).ok()) << n;
  }
  Bytes longer = attest;
  longer.push_back(0);
  EXPECT_NE(parse_tpm_quote(longer).status().message().find("after the PCR digest"), std::string::npos);
  Bytes magic = attest;
  magic[0] = 0;
  EXPECT_NE(parse_tpm_quote(magic).status().message().find("magic"), std::string::npos);
  Bytes type = attest;
  type[5] = 0x17;  // TPM_ST_ATTEST_CERTIFY
  EXPECT_NE(parse_tpm_quote(type).status().message().find("not a quote"), std::string::npos);
}

TEST(TdReport, ParsesWithConsistentHashesAndRejectsEdits) {
  auto hcl = parse_hcl_report(bytes("azure/trustee_az_tdx_hcl_report.bin"));
  ASSERT_TRUE(hcl.ok());
  auto t = tdx::parse_tdreport(hcl->hardware_report);
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->type, 0x81);
  auto quote = tdx::parse_quote(bytes("azure/trustee_az_tdx_quote_v4.bin"));
  ASSERT_TRUE(quote.ok());
  EXPECT_EQ(t->body.mr_td, quote->body.mr_td);
  EXPECT_EQ(t->body.report_data, quote->body.report_data);

  Bytes td_info = hcl->hardware_report;
  td_info[512 + 16] ^= 1;  // MRTD
  EXPECT_NE(tdx::parse_tdreport(td_info).status().message().find("TDINFO hash"), std::string::npos);
  Bytes tcb_info = hcl->hardware_report;
  tcb_info[256 + 8] ^= 1;  // TEE_TCB_SVN
  EXPECT_NE(tdx::parse_tdreport(tcb_info).status().message().find("TEE_TCB_INFO hash"), std::string::npos);
  Bytes type = hcl->hardware_report;
  type[0] = 0;
  EXPECT_NE(tdx::parse_tdreport(type).status().message().find("not TDX"), std::string::npos);
  EXPECT_NE(tdx::parse_tdreport(std::span(hcl->hardware_report).first(1023)).status().message().find("1023"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::tee::azure
