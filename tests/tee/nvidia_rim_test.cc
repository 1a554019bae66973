// NVIDIA RIMs: the real GH100 driver RIM verified against NVIDIA's real CoRIM root, tampered and
// malformed copies rejected, and measurements compared with a real H100 report.
#include "zkcc/tee/nvidia_gpu/rim.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace zkcc::tee::nvidia_gpu {
namespace {

std::string dir() { return std::string(ZKCC_TEST_DATA) + "/attestation/nvidia/"; }

std::string text_file(const std::string& name) {
  auto b = read_file(dir() + name);
  EXPECT_TRUE(b.ok()) << name;
  return b.ok() ? std::string(b->begin(), b->end()) : "";
}

const char* const kRim = "nvat_rim_NV_GPU_DRIVER_GH100_550.144.03.xml";
const char* const kBadSignatureRim = "nvat_rim_driver_incorrect_signature.xml";

// Inside every embedded certificate's validity; the leaf signer's is the narrowest,
// 2024-12-30T16:56:50Z .. 2026-12-30T16:56:50Z.
int64_t when() { return *parse_rfc3339("2025-06-01T00:00:00Z"); }

std::string replace_once(std::string s, const std::string& from, const std::string& to) {
  size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

const Check* check_named(const Verdict& v, const std::string& name) {
  for (const Check& c : v.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

TEST(NvidiaRim, ParsesTheRealDriverRim) {
  auto rim = parse_rim(text_file(kRim));
  ASSERT_TRUE(rim.ok()) << rim.status().to_string();
  EXPECT_EQ(rim->name, "GH100");
  EXPECT_EQ(rim->version, "1.0");
  EXPECT_EQ(rim->tag_id.substr(0, 16), "8aa5c875798aecff");
  EXPECT_EQ(rim->meta.colloquial_version, "550.144.03");
  EXPECT_EQ(rim->meta.product, "GH100");
  EXPECT_EQ(rim->meta.firmware_manufacturer, "NVIDIA Corporation");
  EXPECT_EQ(rim->meta.firmware_manufacturer_id, "5703");
  EXPECT_EQ(rim->meta.platform_model, "GH100");
  EXPECT_EQ(rim->meta.binding_spec, "RIMIM");
  ASSERT_EQ(rim->measurements.size(), 64u);
  for (size_t i = 0; i < rim->measurements.size(); ++i) {
    const RimMeasurement& m = rim->measurements[i];
    EXPECT_EQ(m.index, i);
    EXPECT_EQ(m.size, 48u);
    ASSERT_FALSE(m.alternatives.empty());
    for (const Bytes& h : m.alternatives) EXPECT_EQ(h.size(), 48u);
  }
  const RimMeasurement& m7 = rim->measurements[7];
  EXPECT_TRUE(m7.active);
  EXPECT_EQ(m7.name, "Measurement_7");
  EXPECT_EQ(to_hex(m7.alternatives[0]).substr(0, 16), "4a5e4b3d501fe31f");
  EXPECT_FALSE(rim->measurements[0].active);
  EXPECT_EQ(rim->measurements[21].name, "MixedMeasurement_21");
}

TEST(NvidiaRim, RealRimVerifies) {
  Verdict v = verify_rim(text_file(kRim), RimTrustRoots{}, when());
  EXPECT_TRUE(v.ok()) << v.summary();
  ASSERT_EQ(v.checks.size(), 4u);
  EXPECT_EQ(v.checks[0].name, "RIM parses");
  EXPECT_EQ(v.checks[1].name, "RIM signature");
  EXPECT_EQ(v.checks[2].name, "certificate chain");
  EXPECT_EQ(v.checks[3].name, "certificates valid at the verification time");
  EXPECT_EQ(v.claims["version"], "1.0");
  EXPECT_EQ(v.claims["colloquial_version"], "550.144.03");
  EXPECT_EQ(v.claims["measurements"], 64);
  EXPECT_EQ(v.claims["signer"], "HCC RIM L4 Signer");
  EXPECT_EQ(v.claims["tag_id"].get<std::string>().size(), 96u);
}

TEST(NvidiaRim, IncorrectSignatureSampleFailsAtTheSignature) {
  Verdict v = verify_rim(text_file(kBadSignatureRim), RimTrustRoots{}, when());
  EXPECT_FALSE(v.ok());
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_EQ(v.first_failure()->name, "RIM signature");
  EXPECT_NE(v.first_failure()->detail.find("SignatureValue does not verify"), std::string::npos)
      << v.first_failure()->detail;
  // Only the signature is wrong: the chain still checks out.
  EXPECT_TRUE(check_named(v, "certificate chain")->ok);
}

TEST(NvidiaRim, TamperedMeasurementBreaksTheSignature) {
  std::string xml = replace_once(text_file(kRim), "4a5e4b3d501fe31f", "4a5e4b3d501fe31e");
  EXPECT_TRUE(parse_rim(xml).ok());  // still a well-formed RIM, only no longer NVIDIA's
  Verdict v = verify_rim(xml, RimTrustRoots{}, when());
  EXPECT_FALSE(v.ok());
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_EQ(v.first_failure()->name, "RIM signature");
  EXPECT_NE(v.first_failure()->detail.find("modified"), std::string::npos) << v.first_failure()->detail;

  // Flipping a measurement to active is caught the same way.
  std::string active = replace_once(text_file(kRim), R"(index="0" active="False")", R"(index="0" active="True")");
  EXPECT_EQ(verify_rim(active, RimTrustRoots{}, when()).first_failure()->name, "RIM signature");
}

TEST(NvidiaRim, SignatureUsesOnlyTheEmbeddedLeafKey) {
  // Dropping the leaf makes the next certificate (a CA) the presumed signer: its key must fail.
  std::string xml = text_file(kRim);
  size_t first = xml.find("<ds:X509Certificate>");
  size_t end = xml.find("</ds:X509Certificate>", first);
  ASSERT_NE(end, std::string::npos);
  xml.erase(first, end + std::string("</ds:X509Certificate>").size() - first);
  Verdict v = verify_rim(xml, RimTrustRoots{}, when());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_failure()->name, "RIM signature");
  EXPECT_TRUE(check_named(v, "certificate chain")->ok);  // the shortened chain itself is fine
}

TEST(NvidiaRim, VerificationTimeOutsideTheChainFails) {
  for (const char* t : {"2024-06-01T00:00:00Z", "2027-01-01T00:00:00Z"}) {
    Verdict v = verify_rim(text_file(kRim), RimTrustRoots{}, *parse_rfc3339(t));
    EXPECT_FALSE(v.ok()) << t;
    ASSERT_NE(v.first_failure(), nullptr);
    EXPECT_EQ(v.first_failure()->name, "certificates valid at the verification time") << t;
    EXPECT_NE(v.first_failure()->detail.find("HCC RIM L4 Signer"), std::string::npos);
  }
  EXPECT_TRUE(verify_rim(text_file(kRim), RimTrustRoots{}, *parse_rfc3339("2026-12-30T00:00:00Z")).ok());
}

TEST(NvidiaRim, ChainMustEndAtATrustedRoot) {
  std::string xml = text_file(kRim);
  RimTrustRoots none;
  none.nvidia = false;
  Verdict v = verify_rim(xml, none, when());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_failure()->name, "certificate chain");

  // The same root passed explicitly is accepted; an unrelated one (the GPU Device Identity CA) is not.
  auto root = Certificate::from_pem_bundle(text_file("nvidia_corim_signing_root_ca.pem"));
  ASSERT_TRUE(root.ok());
  RimTrustRoots explicit_root = none;
  explicit_root.extra = *root;
  EXPECT_TRUE(verify_rim(xml, explicit_root, when()).ok());
  auto other = Certificate::from_pem_bundle(text_file("nvidia_device_identity_ca.pem"));
  ASSERT_TRUE(other.ok());
  RimTrustRoots wrong_root = none;
  wrong_root.extra = *other;
  EXPECT_EQ(verify_rim(xml, wrong_root, when()).first_failure()->name, "certificate chain");
}

TEST(NvidiaRim, MalformedXmlIsAnErrorNotACrash) {
  std::string xml = text_file(kRim);
  EXPECT_FALSE(parse_rim("").ok());
  EXPECT_FALSE(parse_rim("not xml at all").ok());
  EXPECT_FALSE(parse_rim(std::string("\0\0\0\0", 4)).ok());
  EXPECT_FALSE(parse_rim("<a>").ok());
  EXPECT_FALSE(parse_rim("<SoftwareIdentity/>").ok());  // no SWID namespace
  for (size_t len = 0; len < xml.size(); len += 997) {
    std::string cut = xml.substr(0, len);
    EXPECT_FALSE(parse_rim(cut).ok()) << len;
    Verdict v = verify_rim(cut, RimTrustRoots{}, when());
    EXPECT_FALSE(v.ok()) << len;
    EXPECT_EQ(v.first_failure()->name, "RIM parses") << len;
  }
  Verdict empty = verify_rim("", RimTrustRoots{}, when());
  EXPECT_FALSE(empty.ok());
  EXPECT_NE(empty.first_failure()->detail.find("empty"), std::string::npos);

  // Content errors get precise messages.
  auto err = [](const std::string& x) { return parse_rim(x).status().message(); };
  EXPECT_NE(err(replace_once(xml, R"(index="7" active="True")", R"(index="7" active="yes")")).find("active"),
            std::string::npos);
  EXPECT_NE(err(replace_once(xml, R"(index="7")", R"(index="6")")).find("twice"), std::string::npos);
  EXPECT_NE(err(replace_once(xml, R"(index="7")", R"(index="-7")")).find("index"), std::string::npos);
  EXPECT_NE(err(replace_once(xml, R"(index="7")", R"(index="7000000000000")")).find("index"), std::string::npos);
  std::string two_alternatives = R"(alternatives="2" ns2:Hash0="4a5e)";
  EXPECT_NE(err(replace_once(xml, R"(alternatives="1" ns2:Hash0="4a5e)", two_alternatives)).find("Hash1"), std::string::npos);
  EXPECT_NE(err(replace_once(xml, "4a5e4b3d501fe31f", "4a5e4b3d501fe31")).find("hex digits"), std::string::npos);
  EXPECT_NE(err(replace_once(xml, "4a5e4b3d501fe31f", "4a5e4b3d501fe31g")).find("hex"), std::string::npos);
  EXPECT_NE(err(replace_once(xml, R"(type="Measurement" index="7")", R"(type="File" index="7")")).find("File"),
            std::string::npos);
  std::string short_hash = R"(name="Measurement_7" size="32")";
  EXPECT_NE(err(replace_once(xml, R"(name="Measurement_7" size="48")", short_hash)).find("SHA-384"), std::string::npos);
}

TEST(NvidiaRim, DtdsAndExternalEntitiesAreRefused) {
  std::string xml = text_file(kRim);
  std::string root_start = "<SoftwareIdentity ";
  // External entity (XXE): nothing may be read from disk or the network.
  std::string xxe = replace_once(xml, root_start,
                                 "<!DOCTYPE SoftwareIdentity [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>\n" + root_start);
  xxe = replace_once(xxe, R"(name="Measurement_7")", R"(name="&x;")");
  auto r = parse_rim(xxe);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("DOCTYPE"), std::string::npos) << r.status().message();
  EXPECT_EQ(verify_rim(xxe, RimTrustRoots{}, when()).first_failure()->name, "RIM parses");
  // Entity expansion ("billion laughs") never starts.
  std::string laughs = "<!DOCTYPE SoftwareIdentity [<!ENTITY a \"aaaaaaaaaa\">";
  for (char c = 'b'; c <= 'k'; ++c) {
    std::string prev(1, static_cast<char>(c - 1));
    laughs += std::string("<!ENTITY ") + c + " \"&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" +
              prev + ";&" + prev + ";&" + prev + ";&" + prev + ";&" + prev + ";\">";
  }
  laughs += "]>\n";
  std::string bomb = replace_once(xml, root_start, laughs + root_start);
  bomb = replace_once(bomb, R"(name="Measurement_7")", R"(name="&k;")");
  EXPECT_FALSE(parse_rim(bomb).ok());
  // An external DTD is never fetched either.
  std::string external =
      replace_once(xml, root_start, "<!DOCTYPE SoftwareIdentity SYSTEM \"http://127.0.0.1:1/rim.dtd\">\n" + root_start);
  EXPECT_FALSE(parse_rim(external).ok());
  // Undeclared entities are errors, not silently empty.
  EXPECT_FALSE(parse_rim(replace_once(xml, R"(name="Measurement_7")", R"(name="&x;")")).ok());
}

TEST(NvidiaRim, SignatureStructureIsStrict) {
  std::string xml = text_file(kRim);
  // A second Signature (e.g. wrapped inside the payload) is refused.
  std::string sig = xml.substr(xml.find("<ds:Signature"), xml.find("</ds:Signature>") + 15 - xml.find("<ds:Signature"));
  std::string two = replace_once(xml, "</ns0:Payload>", "</ns0:Payload>" + sig);
  Verdict v = verify_rim(two, RimTrustRoots{}, when());
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.first_failure()->name, "RIM signature");
  EXPECT_NE(v.first_failure()->detail.find("2 ds:Signature"), std::string::npos) << v.first_failure()->detail;
  // No signature at all.
  std::string unsigned_rim = replace_once(xml, sig, "");
  EXPECT_TRUE(parse_rim(unsigned_rim).ok());
  EXPECT_EQ(verify_rim(unsigned_rim, RimTrustRoots{}, when()).first_failure()->name, "RIM signature");
  // A reference to anything but the whole document is refused before any digest.
  std::string external_ref = replace_once(xml, R"(<ds:Reference URI="">)", R"(<ds:Reference URI="file:///etc/passwd">)");
  Verdict ref = verify_rim(external_ref, RimTrustRoots{}, when());
  EXPECT_EQ(ref.first_failure()->name, "RIM signature");
  EXPECT_NE(ref.first_failure()->detail.find("invalid URI type"), std::string::npos) << ref.first_failure()->detail;
  // Transforms and algorithms a RIM does not use (XSLT, RSA here) are refused.
  std::string xslt = replace_once(xml, "http://www.w3.org/2006/12/xml-c14n11\"/></ds:Transforms>",
                                  "http://www.w3.org/TR/1999/REC-xslt-19991116\"/></ds:Transforms>");
  Verdict x = verify_rim(xslt, RimTrustRoots{}, when());
  EXPECT_EQ(x.first_failure()->name, "RIM signature");
  EXPECT_NE(x.first_failure()->detail.find("transform is disabled"), std::string::npos) << x.first_failure()->detail;
  std::string rsa = replace_once(xml, "xmldsig-more#ecdsa-sha384", "xmldsig-more#rsa-sha384");
  EXPECT_EQ(verify_rim(rsa, RimTrustRoots{}, when()).first_failure()->name, "RIM signature");
  // Garbage certificates are an error, not a crash.
  std::string bad_cert = replace_once(xml, "<ds:X509Certificate>MIIC", "<ds:X509Certificate>@@@@");
  EXPECT_EQ(verify_rim(bad_cert, RimTrustRoots{}, when()).first_failure()->name, "RIM signature");
}

TEST(NvidiaRim, VerifiesConcurrently) {
  std::string good = text_file(kRim);
  std::string bad = text_file(kBadSignatureRim);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 8; ++i) {
        if (!verify_rim(good, RimTrustRoots{}, when()).ok()) ++wrong;
        if (verify_rim(bad, RimTrustRoots{}, when()).first_failure()->name != "RIM signature") ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

Bytes report_bytes() {
  std::string text = text_file("nvtrust_hopper_report_550.90.07.hex");
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return *from_hex(text);
}

// The real RIM with each active measurement's first alternative set to what `report` measured.
Rim rim_matching(const GpuReport& report) {
  Rim rim = *parse_rim(text_file(kRim));
  for (RimMeasurement& m : rim.measurements) {
    if (!m.active) continue;
    for (const MeasurementBlock& b : report.blocks) {
      if (b.index == m.index + 1) m.alternatives[0] = b.value;
    }
  }
  return rim;
}

TEST(NvidiaRim, ARimForAnotherDriverNamesBothVersions) {
  auto report = parse_gpu_report(report_bytes());
  ASSERT_TRUE(report.ok());
  auto rim = parse_rim(text_file(kRim));
  ASSERT_TRUE(rim.ok()) << rim.status().to_string();
  ASSERT_EQ(report->driver_version(), "550.90.07");
  ASSERT_EQ(rim->meta.colloquial_version, "550.144.03");
  Verdict v = check_rim_versions(*report, std::vector<Rim>{*rim});
  ASSERT_NE(v.first_failure(), nullptr);
  EXPECT_EQ(v.first_failure()->name, "driver RIM version is the report's");
  // Which version is the evidence's and which the RIM's, and what to supply instead.
  EXPECT_NE(v.first_failure()->detail.find("the evidence's driver version is 550.90.07 but the RIMs given are for 550.144.03"),
            std::string::npos)
      << v.first_failure()->detail;
  EXPECT_NE(v.first_failure()->detail.find("supply the driver RIM for 550.90.07"), std::string::npos)
      << v.first_failure()->detail;
  Rim matching = *rim;
  matching.meta.colloquial_version = "550.90.07";
  for (const Check& c : check_rim_versions(*report, std::vector<Rim>{matching}).checks) {
    if (c.name == "driver RIM version is the report's") {
      EXPECT_TRUE(c.ok) << c.detail;
    }
  }
}

TEST(NvidiaRim, MeasurementsAreComparedByIndex) {
  auto report = parse_gpu_report(report_bytes());
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->blocks.size(), 64u);
  EXPECT_EQ(report->blocks.front().index, 1);  // SPDM counts blocks from 1, RIMs from 0
  Rim real = *parse_rim(text_file(kRim));
  size_t active = 0;
  for (const RimMeasurement& m : real.measurements) active += m.active ? 1 : 0;
  ASSERT_GT(active, 1u);

  // The driver 550.144.03 RIM does not describe this 550.90.07 report, yet a few measurements are
  // unchanged between the two releases: they line up only with SPDM index = RIM index + 1.
  Verdict as_is = compare_measurements(*report, real);
  EXPECT_FALSE(as_is.ok());
  EXPECT_EQ(as_is.claims["rim_version"], "550.144.03");
  EXPECT_EQ(as_is.claims["report_driver_version"], "550.90.07");
  EXPECT_FALSE(as_is.claims["mismatched_indices"].empty());
  EXPECT_TRUE(check_named(as_is, "measurement 21")->ok);
  EXPECT_FALSE(check_named(as_is, "measurement 7")->ok);

  // This GPU reports NVDEC0 disabled, so measurement 35 (active in the RIM) is skipped.
  ASSERT_TRUE(real.measurements[35].active);
  Rim rim = rim_matching(*report);
  Verdict good = compare_measurements(*report, rim);
  EXPECT_TRUE(good.ok()) << good.summary();
  EXPECT_EQ(good.checks.size(), active - 1);
  EXPECT_EQ(good.claims["compared"], active - 1);
  EXPECT_TRUE(good.claims["mismatched_indices"].empty());
  EXPECT_EQ(good.claims["skipped_indices"], nlohmann::json::array({35}));
  // With NVDEC0 enabled, measurement 35 counts like any other.
  GpuReport nvdec_on = *report;
  for (OpaqueField& f : nvdec_on.opaque) {
    if (f.type == 11) f.value.assign(f.value.size(), 0xAA);
  }
  Rim stale = rim;
  for (Bytes& alt : stale.measurements[35].alternatives) alt[0] ^= 1;
  EXPECT_TRUE(compare_measurements(*report, stale).ok());
  Verdict counted = compare_measurements(nvdec_on, stale);
  EXPECT_FALSE(counted.ok());
  EXPECT_EQ(counted.claims["compared"], active);
  EXPECT_EQ(counted.claims["mismatched_indices"], nlohmann::json::array({35}));

  // One changed report measurement is reported by its RIM index.
  GpuReport changed = *report;
  for (MeasurementBlock& b : changed.blocks) {
    if (b.index == 8) b.value[47] ^= 1;  // RIM index 7
  }
  Verdict bad = compare_measurements(changed, rim);
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.claims["mismatched_indices"], nlohmann::json::array({7}));
  ASSERT_NE(bad.first_failure(), nullptr);
  EXPECT_EQ(bad.first_failure()->name, "measurement 7");
  EXPECT_NE(bad.first_failure()->detail.find("the RIM allows"), std::string::npos);

  // Any one alternative is enough.
  Rim two = rim;
  for (RimMeasurement& m : two.measurements) {
    if (m.index == 7) m.alternatives.insert(m.alternatives.begin(), Bytes(48, 0xee));
  }
  EXPECT_TRUE(compare_measurements(*report, two).ok());
  EXPECT_FALSE(compare_measurements(changed, two).ok());

  // Inactive measurements are not compared; a missing block is a mismatch.
  GpuReport missing = *report;
  std::erase_if(missing.blocks, [](const MeasurementBlock& b) { return b.index == 1; });  // RIM index 0, inactive
  EXPECT_TRUE(compare_measurements(missing, rim).ok());
  std::erase_if(missing.blocks, [](const MeasurementBlock& b) { return b.index == 8; });
  Verdict gone = compare_measurements(missing, rim);
  EXPECT_FALSE(gone.ok());
  EXPECT_NE(gone.first_failure()->detail.find("no block 8"), std::string::npos);

  // A RIM without active measurements proves nothing.
  Rim idle = rim;
  for (RimMeasurement& m : idle.measurements) m.active = false;
  EXPECT_FALSE(compare_measurements(*report, idle).ok());
}

}  // namespace
}  // namespace zkcc::tee::nvidia_gpu
