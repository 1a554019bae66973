#include "zkcc/tee/tdx/collateral.h"

#include <openssl/x509.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "../der.h"
#include "intel_roots.h"
#include "zkcc/tee/crl.h"
#include "zkcc/tee/tdx/quote.h"

namespace zkcc::tee::tdx {
namespace {

using nlohmann::json;

constexpr const char* kSgxExtension = "SGX extension";

// OID 1.2.840.113741.1.13.1 as DER content bytes, and its arcs below.
constexpr uint8_t kSgxOid[] = {0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01};

// The arcs after the SGX prefix (e.g. {2, 5} for ...13.1.2.5), or empty if not under it.
std::vector<uint8_t> sgx_arcs(std::span<const uint8_t> oid) {
  if (oid.size() <= sizeof kSgxOid || !std::equal(std::begin(kSgxOid), std::end(kSgxOid), oid.begin())) return {};
  return {oid.begin() + sizeof kSgxOid, oid.end()};
}

uint64_t der_uint(std::span<const uint8_t> v) {
  uint64_t x = 0;
  for (uint8_t b : v) x = x << 8 | b;
  return x;
}

Bytes hex_field(const json& j, const char* name) {
  auto b = from_hex(j.at(name).get<std::string>());
  return b.ok() ? *b : Bytes{};
}

StatusOr<int64_t> time_field(const json& j, const char* name) {
  if (!j.contains(name) || !j[name].is_string()) return invalid_argument(std::string("missing ") + name);
  return parse_rfc3339(j[name].get<std::string>());
}

// Status severity for combining: higher is worse.
int severity(const std::string& s) {
  if (s == "UpToDate") return 0;
  if (s == "SWHardeningNeeded") return 1;
  if (s == "ConfigurationNeeded") return 2;
  if (s == "ConfigurationAndSWHardeningNeeded") return 3;
  if (s == "OutOfDate") return 4;
  if (s == "OutOfDateConfigurationNeeded") return 5;
  return 6;  // Revoked or unknown
}

bool acceptable(const std::string& s) { return severity(s) <= 3; }

bool masked_equal(const Bytes& value, const Bytes& expected, const Bytes& mask) {
  if (value.size() != expected.size() || value.size() != mask.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((value[i] & mask[i]) != (expected[i] & mask[i])) return false;
  }
  return true;
}

// A signed collateral document: its chain to a trusted root, its signer Intel's TCB Signing
// certificate and not revoked by the Root CA CRL, and its signature over the text.
std::string check_signed_json(const std::string& text, const Bytes& sig, const std::vector<Certificate>& chain,
                              const Bytes& root_ca_crl, const TrustRoots& roots, int64_t at) {
  if (chain.size() != 2) return "the issuer chain must hold the signing certificate and the root";
  const Certificate& signer = chain[0];
  const Certificate& root = chain[1];
  static const std::optional<Certificate> intel = pinned_certificate(kIntelSgxRootCaPem, kIntelSgxRootCaSha256);
  bool intel_root = roots.intel && intel && root.sha256_fingerprint() == intel->sha256_fingerprint();
  bool trusted = intel_root || std::any_of(roots.extra.begin(), roots.extra.end(), [&](const Certificate& e) {
                   return e.sha256_fingerprint() == root.sha256_fingerprint();
                 });
  if (!trusted || !signer.signed_by(root) || !root.signed_by(root)) return "the issuer chain does not lead to a trusted root";
  // The root issues other certificates too (the PCK CAs); only the TCB Signing one signs collateral.
  // Under a test root the name may carry a prefix (the simulated platform's "Simulated ...").
  constexpr std::string_view kTcbSigner = "Intel SGX TCB Signing";
  std::string cn = signer.common_name();
  bool named = intel_root ? cn == kTcbSigner : cn.ends_with(kTcbSigner);
  if (!named || signer.is_ca()) return "the signer " + cn + " is not Intel's TCB Signing certificate";
  // The Root CA CRL's own validity is its check's; here it revokes the signer or not.
  if (auto crl = Crl::from_der(root_ca_crl); crl.ok() && crl->lists(signer)) {
    return "the signing certificate " + cn + " is revoked by the Root CA CRL";
  }
  for (const Certificate* c : {&signer, &root}) {
    if (!c->valid_at(at)) return "the signing certificate " + c->validity_problem(at);
  }
  if (sig.size() != 64) return "the signature is not 64 bytes";
  auto msg = std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  if (!verify_ecdsa_p256_sha256(signer, msg, std::span<const uint8_t, 32>(sig.data(), 32),
                                std::span<const uint8_t, 32>(sig.data() + 32, 32))) {
    return "the signature over the JSON text does not verify";
  }
  return "";
}

std::string hex_upper(std::span<const uint8_t> b) {
  std::string h = to_hex(b);
  std::transform(h.begin(), h.end(), h.begin(), ::toupper);
  return h;
}

}  // namespace

StatusOr<Collateral> parse_collateral_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return invalid_argument("collateral is not a JSON object");
  Collateral c;
  auto chain = [&](const char* name, std::vector<Certificate>& out) -> Status {
    if (!j.contains(name) || !j[name].is_string()) return invalid_argument(std::string("collateral lacks ") + name);
    ZKCC_ASSIGN_OR_RETURN(out, Certificate::from_pem_bundle(j[name].get<std::string>()));
    return ok_status();
  };
  auto hex = [&](const char* name, Bytes& out) -> Status {
    if (!j.contains(name) || !j[name].is_string()) return invalid_argument(std::string("collateral lacks ") + name);
    auto b = from_hex(j[name].get<std::string>());
    if (!b.ok()) return b.status().with_context(name);
    out = std::move(*b);
    return ok_status();
  };
  auto text_field = [&](const char* name, std::string& out) -> Status {
    if (!j.contains(name) || !j[name].is_string()) return invalid_argument(std::string("collateral lacks ") + name);
    out = j[name].get<std::string>();
    return ok_status();
  };
  ZKCC_RETURN_IF_ERROR(chain("pck_crl_issuer_chain", c.pck_crl_issuer_chain));
  ZKCC_RETURN_IF_ERROR(hex("root_ca_crl", c.root_ca_crl));
  ZKCC_RETURN_IF_ERROR(hex("pck_crl", c.pck_crl));
  ZKCC_RETURN_IF_ERROR(chain("tcb_info_issuer_chain", c.tcb_info_issuer_chain));
  ZKCC_RETURN_IF_ERROR(text_field("tcb_info", c.tcb_info));
  ZKCC_RETURN_IF_ERROR(hex("tcb_info_signature", c.tcb_info_signature));
  ZKCC_RETURN_IF_ERROR(chain("qe_identity_issuer_chain", c.qe_identity_issuer_chain));
  ZKCC_RETURN_IF_ERROR(text_field("qe_identity", c.qe_identity));
  ZKCC_RETURN_IF_ERROR(hex("qe_identity_signature", c.qe_identity_signature));
  return c;
}

StatusOr<PckExtensions> pck_extensions(const Certificate& pck) {
  std::string oid = "1.2.840.113741.1.13.1";
  auto raw = pck.extension(oid);
  if (!raw) return invalid_argument("the PCK certificate has no SGX extension");
  std::span<const uint8_t> in(*raw);
  ZKCC_ASSIGN_OR_RETURN(der::Tlv top, der::next(in, kSgxExtension));
  if (top.tag != der::kSequence) return invalid_argument("SGX extension is not a SEQUENCE");
  PckExtensions out;
  bool have_tcb = false, have_fmspc = false;
  std::span<const uint8_t> items = top.value;
  while (!items.empty()) {
    ZKCC_ASSIGN_OR_RETURN(der::Tlv item, der::next(items, kSgxExtension));
    std::span<const uint8_t> fields = item.value;
    ZKCC_ASSIGN_OR_RETURN(der::Tlv id, der::next(fields, kSgxExtension));
    ZKCC_ASSIGN_OR_RETURN(der::Tlv value, der::next(fields, kSgxExtension));
    auto arcs = sgx_arcs(id.value);
    if (arcs == std::vector<uint8_t>{2} && value.tag == 0x30) {
      std::span<const uint8_t> comps = value.value;
      while (!comps.empty()) {
        ZKCC_ASSIGN_OR_RETURN(der::Tlv comp, der::next(comps, kSgxExtension));
        std::span<const uint8_t> cf = comp.value;
        ZKCC_ASSIGN_OR_RETURN(der::Tlv cid, der::next(cf, kSgxExtension));
        ZKCC_ASSIGN_OR_RETURN(der::Tlv cval, der::next(cf, kSgxExtension));
        auto carcs = sgx_arcs(cid.value);
        if (carcs.size() != 2 || carcs[0] != 2) continue;
        uint8_t n = carcs[1];
        if (n >= 1 && n <= 16 && cval.tag == 0x02) out.cpu_svn_components[n - 1] = static_cast<uint8_t>(der_uint(cval.value));
        if (n == 17 && cval.tag == 0x02) out.pce_svn = static_cast<uint16_t>(der_uint(cval.value));
      }
      have_tcb = true;
    } else if (arcs == std::vector<uint8_t>{3} && value.tag == 0x04 && value.value.size() == 2) {
      out.pce_id = std::array<uint8_t, 2>{value.value[0], value.value[1]};
    } else if (arcs == std::vector<uint8_t>{4} && value.tag == 0x04 && value.value.size() == 6) {
      std::copy(value.value.begin(), value.value.end(), out.fmspc.begin());
      have_fmspc = true;
    }
  }
  if (!have_tcb || !have_fmspc) return invalid_argument("the PCK certificate's SGX extension lacks the TCB or the FMSPC");
  return out;
}

Verdict verify_quote(std::span<const uint8_t> bytes, const Collateral& c, const TrustRoots& roots, int64_t at) {
  Verdict v = verify_quote_signatures(bytes, roots, at);
  if (!v.ok()) return v;
  Quote q = *parse_quote(bytes);
  auto chain = *Certificate::from_pem_bundle(q.pck_chain_pem);
  const Certificate& pck = chain[0];
  const Certificate& inter = chain[1];
  const Certificate& root = chain[2];

  std::string crl = crl_problem(c.root_ca_crl, root, inter, at);
  v.add("Root CA CRL", crl.empty(), crl);
  crl = crl_problem(c.pck_crl, inter, pck, at);
  v.add("PCK CRL", crl.empty(), crl);

  std::string tcb_sig = check_signed_json(c.tcb_info, c.tcb_info_signature, c.tcb_info_issuer_chain, c.root_ca_crl, roots, at);
  v.add("TCB Info signature", tcb_sig.empty(), tcb_sig);
  std::string qe_sig = check_signed_json(c.qe_identity, c.qe_identity_signature, c.qe_identity_issuer_chain, c.root_ca_crl, roots, at);
  v.add("QE Identity signature", qe_sig.empty(), qe_sig);
  if (!tcb_sig.empty() || !qe_sig.empty()) return v;

  json tcb = json::parse(c.tcb_info, nullptr, false);
  json qe = json::parse(c.qe_identity, nullptr, false);
  if (tcb.is_discarded() || qe.is_discarded()) {
    v.add("collateral parses", false, "TCB Info or QE Identity is not JSON");
    return v;
  }
  try {
    // What the documents are: TDX TCB Info version 3 and the TD QE's identity (the SGX ones differ).
    bool tcb_kind = tcb.value("id", std::string()) == "TDX" && tcb.contains("version") && tcb["version"] == 3;
    v.add("TCB Info is TDX version 3", tcb_kind,
          tcb_kind ? "" : "TCB Info id " + tcb.value("id", std::string("?")) + ", version " + (tcb.contains("version") ? tcb["version"].dump() : "?"));
    bool qe_kind = qe.value("id", std::string()) == "TD_QE" && qe.contains("version") && qe["version"] == 2;
    v.add("QE Identity is TD_QE version 2", qe_kind,
          qe_kind ? "" : "QE Identity id " + qe.value("id", std::string("?")) + ", version " + (qe.contains("version") ? qe["version"].dump() : "?"));
    // Intel's QE vendor ID (939A7233-F79C-4CA9-940A-0DB3957F0607).
    static constexpr std::array<uint8_t, 16> kIntelQeVendor = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                                               0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};
    bool vendor = q.qe_vendor_id == kIntelQeVendor;
    v.add("QE vendor is Intel", vendor, vendor ? "" : "QE vendor ID " + hex_upper(q.qe_vendor_id));
    // Every TCB level names all 16 SGX and TDX components: a short array is malformed collateral,
    // never read past.
    std::string short_level;
    for (const auto& level : tcb.at("tcbLevels")) {
      const auto& t = level.at("tcb");
      for (const char* name : {"sgxtcbcomponents", "tdxtcbcomponents"}) {
        if (!t.contains(name) || !t[name].is_array() || t[name].size() != 16) short_level = std::string("a TCB level's ") + name + " is not 16 components";
      }
    }
    v.add("TCB levels have 16 components each", short_level.empty(), short_level);
    if (!short_level.empty()) return v;

    // QE identity.
    auto issue = time_field(qe, "issueDate"), next = time_field(qe, "nextUpdate");
    v.add("QE Identity current", issue.ok() && next.ok() && *issue <= at && at <= *next,
          "valid " + qe.value("issueDate", std::string("?")) + " to " + qe.value("nextUpdate", std::string("?")));
    const QeReport& r = q.qe_report;
    Bytes misc = {static_cast<uint8_t>(r.misc_select), static_cast<uint8_t>(r.misc_select >> 8),
                  static_cast<uint8_t>(r.misc_select >> 16), static_cast<uint8_t>(r.misc_select >> 24)};
    bool identity = hex_upper(r.mr_signer) == qe.at("mrsigner").get<std::string>() &&
                    r.isv_prod_id == qe.at("isvprodid").get<uint16_t>() &&
                    masked_equal(Bytes(r.attributes.begin(), r.attributes.end()), hex_field(qe, "attributes"),
                                 hex_field(qe, "attributesMask"));
    // miscselect is a little-endian u32 in the report and big-endian hex in the JSON.
    Bytes misc_be(misc.rbegin(), misc.rend());
    identity = identity && masked_equal(misc_be, hex_field(qe, "miscselect"), hex_field(qe, "miscselectMask"));
    v.add("QE identity matches", identity, identity ? "" : "MRSIGNER, ISVPRODID, attributes or MISCSELECT differ");
    std::string qe_status = "no matching QE TCB level";
    for (const auto& level : qe.at("tcbLevels")) {
      if (r.isv_svn >= level.at("tcb").at("isvsvn").get<uint16_t>()) {
        qe_status = level.at("tcbStatus").get<std::string>();
        break;
      }
    }
    v.add("QE TCB status", acceptable(qe_status), qe_status);
    v.claims["qe_tcb_status"] = qe_status;

    // Platform TCB.
    issue = time_field(tcb, "issueDate");
    next = time_field(tcb, "nextUpdate");
    v.add("TCB Info current", issue.ok() && next.ok() && *issue <= at && at <= *next,
          "valid " + tcb.value("issueDate", std::string("?")) + " to " + tcb.value("nextUpdate", std::string("?")));
    auto ext = pck_extensions(pck);
    if (!ext.ok()) {
      v.add("PCK SGX extensions", false, ext.status().message());
      return v;
    }
    // Hex case differs between PCS answers and caches; compare the bytes.
    auto tcb_fmspc = from_hex(tcb.at("fmspc").get<std::string>());
    bool fmspc = tcb_fmspc.ok() && std::equal(tcb_fmspc->begin(), tcb_fmspc->end(), ext->fmspc.begin(), ext->fmspc.end());
    v.add("FMSPC matches the TCB Info", fmspc, "PCK " + hex_upper(ext->fmspc) + ", TCB Info " + tcb.at("fmspc").get<std::string>());
    v.claims["fmspc"] = hex_upper(ext->fmspc);
    auto tcb_pce = from_hex(tcb.value("pceId", std::string()));
    bool pce = ext->pce_id && tcb_pce.ok() && tcb_pce->size() == 2 && std::equal(tcb_pce->begin(), tcb_pce->end(), ext->pce_id->begin());
    v.add("PCEID matches the TCB Info", pce,
          "PCK " + (ext->pce_id ? hex_upper(*ext->pce_id) : std::string("(none)")) + ", TCB Info " + tcb.value("pceId", std::string("(none)")));
    const auto& svn = q.body.tee_tcb_svn;
    if (svn[1] == 0) {
      // TEE_TCB_SVN[1] = 0: the base TDX module runs (not one the SEAM loader loaded), so its
      // identity is TCB Info's tdxModule.
      std::string why;
      if (!tcb.contains("tdxModule")) {
        why = "TCB Info has no tdxModule";
      } else {
        const auto& m = tcb["tdxModule"];
        Bytes attrs(8);
        for (size_t i = 0; i < 8; ++i) attrs[i] = static_cast<uint8_t>(q.body.seam_attributes >> (8 * i));
        if (hex_upper(q.body.mr_signer_seam) != m.at("mrsigner").get<std::string>()) why = "MRSIGNERSEAM differs from tdxModule's mrsigner";
        if (why.empty() && !masked_equal(attrs, hex_field(m, "attributes"), hex_field(m, "attributesMask"))) why = "SEAMATTRIBUTES differ from tdxModule's";
      }
      v.add("TDX module identity", why.empty(), why);
    }
    size_t start = svn[1] > 0 ? 2 : 0;
    std::string status = "no matching TCB level";
    json advisories = json::array();
    for (const auto& level : tcb.at("tcbLevels")) {
      const auto& t = level.at("tcb");
      bool ok = t.at("pcesvn").get<uint16_t>() <= ext->pce_svn;
      for (size_t i = 0; i < 16 && ok; ++i) ok = t.at("sgxtcbcomponents").at(i).at("svn").get<uint16_t>() <= ext->cpu_svn_components[i];
      for (size_t i = start; i < 16 && ok; ++i) ok = t.at("tdxtcbcomponents").at(i).at("svn").get<uint16_t>() <= svn[i];
      if (ok) {
        status = level.at("tcbStatus").get<std::string>();
        if (level.contains("advisoryIDs")) advisories = level["advisoryIDs"];
        break;
      }
    }
    if (svn[1] > 0 && tcb.contains("tdxModuleIdentities")) {
      char id[16];
      std::snprintf(id, sizeof id, "TDX_%02X", svn[1]);
      std::string module_status = std::string("no TDX module identity ") + id;
      for (const auto& m : tcb["tdxModuleIdentities"]) {
        if (m.at("id").get<std::string>() != id) continue;
        Bytes attrs(8);
        for (size_t i = 0; i < 8; ++i) attrs[i] = static_cast<uint8_t>(q.body.seam_attributes >> (8 * i));
        bool match = hex_upper(q.body.mr_signer_seam) == m.at("mrsigner").get<std::string>() &&
                     masked_equal(attrs, hex_field(m, "attributes"), hex_field(m, "attributesMask"));
        module_status = match ? std::string("no matching TDX module TCB level") : std::string("TDX module identity differs");
        for (const auto& level : m.at("tcbLevels")) {
          if (match && svn[0] >= level.at("tcb").at("isvsvn").get<uint16_t>()) {
            module_status = level.at("tcbStatus").get<std::string>();
            break;
          }
        }
      }
      v.claims["tdx_module_tcb_status"] = module_status;
      if (severity(module_status) > severity(status)) status = module_status;
    }
    v.add("TCB status", acceptable(status), status);
    v.claims["tcb_status"] = status;
    v.claims["advisory_ids"] = advisories;
  } catch (const json::exception& e) {
    v.add("collateral is well formed", false, std::string("TCB Info or QE Identity: ") + e.what());
  }
  return v;
}

}  // namespace zkcc::tee::tdx
