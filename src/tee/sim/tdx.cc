// The simulated Intel DCAP hierarchy, TDX quotes (Intel TDX DCAP Quoting Library API, "Quote
// Format", version 4) and their collateral (Intel PCS TCB Info v3 and Enclave Identity v2 JSON).
#include <algorithm>
#include <cctype>
#include <cstring>

#include <nlohmann/json.hpp>

#include "state.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/tee/tdx/ccel.h"

namespace zkcc::tee::sim {
namespace {

using ordered_json = nlohmann::ordered_json;

constexpr const char* kSgxOid = "1.2.840.113741.1.13.1";
constexpr int64_t kCollateralLifetime = 30 * kDay;

// The platform's TCB as its PCK certificate states it: CPUSVN components and PCESVN, and FMSPC.
constexpr std::array<uint8_t, 16> kCpuSvn = {3, 3, 2, 2, 4, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0};
constexpr uint16_t kPceSvn = 11;
constexpr std::array<uint8_t, 6> kFmspc = {0xB0, 0xC0, 0x6F, 0x00, 0x00, 0x00};
// TEE_TCB_SVN of a TDX 1.5 module (major version 1 in byte 1, so bytes 0 and 1 are judged by the
// module identity TDX_01 and bytes 2..15 by the TCB level).
constexpr std::array<uint8_t, 16> kTeeTcbSvn = {5, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
// The TD quoting enclave.
constexpr uint16_t kQeProdId = 2;
constexpr uint16_t kQeSvn = 4;
constexpr std::array<uint8_t, 16> kQeAttributes = {0x11};
constexpr std::array<uint8_t, 16> kQeVendorId = {0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
                                                 0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07};  // Intel
constexpr int kTcbEvaluationDataNumber = 17;
constexpr const char* kTcbDate = "2025-01-01T00:00:00Z";

std::vector<std::pair<std::string, std::string>> intel_style_name(const std::string& cn) {
  return {{"CN", cn}, {"O", kSimOrganization}, {"L", "Santa Clara"}, {"ST", "CA"}, {"C", "US"}};
}

std::string hex_upper(std::span<const uint8_t> b) {
  std::string h = to_hex(b);
  std::transform(h.begin(), h.end(), h.begin(), [](char c) { return static_cast<char>(std::toupper(c)); });
  return h;
}

std::span<const uint8_t> text_bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

template <size_t N>
std::array<uint8_t, N> digest_of(const char* label) {
  auto d = hash::sha384(text_bytes(label));
  std::array<uint8_t, N> out{};
  std::copy(d.begin(), d.begin() + N, out.begin());
  return out;
}

void put_u16(Bytes& b, uint16_t v) {
  b.push_back(static_cast<uint8_t>(v));
  b.push_back(static_cast<uint8_t>(v >> 8));
}
void put_u32(Bytes& b, uint32_t v) {
  put_u16(b, static_cast<uint16_t>(v));
  put_u16(b, static_cast<uint16_t>(v >> 16));
}
void put_u64(Bytes& b, uint64_t v) {
  put_u32(b, static_cast<uint32_t>(v));
  put_u32(b, static_cast<uint32_t>(v >> 32));
}
void append(Bytes& b, std::span<const uint8_t> v) { b.insert(b.end(), v.begin(), v.end()); }

// One SGX extension entry: SEQUENCE { OID <kSgxOid>.<arc>, value }.
StatusOr<Bytes> sgx_item(const std::string& arc, Bytes value) {
  return pki::der_sequence({pki::der_oid(std::string(kSgxOid) + "." + arc), std::move(value)});
}

// Intel's SGX extension (1.2.840.113741.1.13.1) of a PCK certificate from the Platform CA: PPID,
// TCB (16 CPUSVN components, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type, platform instance ID and
// configuration. Built from OpenSSL-encoded DER values.
StatusOr<Bytes> sgx_extension() {
  ZKCC_ASSIGN_OR_RETURN(Bytes ppid, pki::random_bytes(16));
  ZKCC_ASSIGN_OR_RETURN(Bytes instance, pki::random_bytes(16));
  std::vector<Bytes> tcb;
  for (size_t i = 0; i < kCpuSvn.size(); ++i) {
    ZKCC_ASSIGN_OR_RETURN(Bytes c, sgx_item("2." + std::to_string(i + 1), pki::der_integer(kCpuSvn[i])));
    tcb.push_back(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(Bytes pcesvn, sgx_item("2.17", pki::der_integer(kPceSvn)));
  ZKCC_ASSIGN_OR_RETURN(Bytes cpusvn, sgx_item("2.18", pki::der_octets(kCpuSvn)));
  tcb.push_back(std::move(pcesvn));
  tcb.push_back(std::move(cpusvn));
  ZKCC_ASSIGN_OR_RETURN(Bytes tcb_seq, pki::der_sequence(tcb));
  std::vector<Bytes> config;
  for (const char* arc : {"7.1", "7.2", "7.3"}) {  // dynamic platform, cached keys, SMT enabled
    ZKCC_ASSIGN_OR_RETURN(Bytes c, sgx_item(arc, pki::der_boolean(true)));
    config.push_back(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(Bytes config_seq, pki::der_sequence(config));
  std::vector<Bytes> items;
  const uint8_t pce_id[2] = {0, 0};
  for (auto& [arc, value] : std::vector<std::pair<std::string, Bytes>>{
           {"1", pki::der_octets(ppid)},
           {"2", tcb_seq},
           {"3", pki::der_octets(pce_id)},
           {"4", pki::der_octets(kFmspc)},
           {"5", pki::der_enumerated(1)},  // SGX type: Scalable
           {"6", pki::der_octets(instance)},
           {"7", config_seq}}) {
    ZKCC_ASSIGN_OR_RETURN(Bytes item, sgx_item(arc, std::move(value)));
    items.push_back(std::move(item));
  }
  return pki::der_sequence(items);
}

std::array<uint8_t, 48> mr_seam() { return digest_of<48>("zkcc simulated TDX module"); }
std::array<uint8_t, 32> qe_mr_enclave() { return digest_of<32>("zkcc simulated TD quoting enclave"); }
std::array<uint8_t, 32> qe_mr_signer() { return digest_of<32>("zkcc simulated quoting enclave signer"); }

// The 384-byte SGX report body of the quoting enclave, binding the attestation key.
Bytes qe_report(std::span<const uint8_t> report_data_32) {
  Bytes r(384, 0);
  std::memcpy(r.data(), kCpuSvn.data(), 16);  // CPUSVN
  // MISCSELECT (16..19) is 0.
  std::memcpy(r.data() + 48, kQeAttributes.data(), 16);
  auto enclave = qe_mr_enclave();
  auto signer = qe_mr_signer();
  std::memcpy(r.data() + 64, enclave.data(), 32);
  std::memcpy(r.data() + 128, signer.data(), 32);
  r[256] = static_cast<uint8_t>(kQeProdId);
  r[257] = static_cast<uint8_t>(kQeProdId >> 8);
  r[258] = static_cast<uint8_t>(kQeSvn);
  r[259] = static_cast<uint8_t>(kQeSvn >> 8);
  std::memcpy(r.data() + 320, report_data_32.data(), 32);
  return r;
}

ordered_json components(std::span<const uint8_t> svns) {
  ordered_json a = ordered_json::array();
  for (uint8_t s : svns) a.push_back({{"svn", s}});
  return a;
}

ordered_json tcb_level(ordered_json tcb, const std::string& status = "UpToDate") {
  return {{"tcb", std::move(tcb)}, {"tcbDate", kTcbDate}, {"tcbStatus", status}};
}

std::string tcb_info_json(int64_t issued_at, const TdxCollateralOptions& o) {
  std::string module_signer = hex_upper(std::array<uint8_t, 48>{});
  ordered_json sgx = components(kCpuSvn);
  while (sgx.size() > o.sgx_components) sgx.erase(sgx.size() - 1);
  // Bytes 0 and 1 of the level's TDX components are not compared for a SEAM-loaded module.
  std::array<uint8_t, 16> tdx_components = kTeeTcbSvn;
  tdx_components[1] = 0;
  ordered_json j = {
      {"id", o.tcb_info_id},
      {"version", o.tcb_info_version},
      {"issueDate", pki::rfc3339(issued_at)},
      {"nextUpdate", pki::rfc3339(issued_at + kCollateralLifetime)},
      {"fmspc", o.fmspc.empty() ? hex_upper(kFmspc) : o.fmspc},
      {"pceId", o.pce_id},
      {"tcbType", 0},
      {"tcbEvaluationDataNumber", kTcbEvaluationDataNumber},
      {"tdxModule", {{"mrsigner", o.tdx_module_mrsigner.empty() ? module_signer : o.tdx_module_mrsigner}, {"attributes", "0000000000000000"}, {"attributesMask", "FFFFFFFFFFFFFFFF"}}},
      {"tdxModuleIdentities",
       ordered_json::array({{{"id", "TDX_01"},
                             {"mrsigner", module_signer},
                             {"attributes", "0000000000000000"},
                             {"attributesMask", "FFFFFFFFFFFFFFFF"},
                             {"tcbLevels", ordered_json::array({tcb_level({{"isvsvn", kTeeTcbSvn[0]}}, o.tcb_status)})}}})},
      {"tcbLevels", ordered_json::array({tcb_level({{"sgxtcbcomponents", sgx},
                                                {"pcesvn", kPceSvn},
                                                {"tdxtcbcomponents", components(tdx_components)}},
                                               o.tcb_status)})},
  };
  if (o.omit_tdx_module) j.erase("tdxModule");
  return j.dump();
}

std::string qe_identity_json(int64_t issued_at, const TdxCollateralOptions& o) {
  ordered_json j = {
      {"id", o.qe_identity_id},
      {"version", o.qe_identity_version},
      {"issueDate", pki::rfc3339(issued_at)},
      {"nextUpdate", pki::rfc3339(issued_at + kCollateralLifetime)},
      {"tcbEvaluationDataNumber", kTcbEvaluationDataNumber},
      {"miscselect", "00000000"},
      {"miscselectMask", "FFFFFFFF"},
      {"attributes", hex_upper(kQeAttributes)},
      {"attributesMask", "FBFFFFFFFFFFFFFF0000000000000000"},
      {"mrsigner", o.qe_mrsigner.empty() ? hex_upper(qe_mr_signer()) : o.qe_mrsigner},
      {"isvprodid", kQeProdId},
      {"tcbLevels", ordered_json::array({tcb_level({{"isvsvn", kQeSvn}}, o.qe_tcb_status)})},
  };
  return j.dump();
}

Status read_pck(TdxAuthority& a) {
  auto ext = tdx::pck_extensions(a.pck.cert);
  if (!ext.ok()) return ext.status().with_context("the simulated PCK certificate");
  a.pck_ext = *ext;
  return ok_status();
}

}  // namespace

StatusOr<TdxAuthority> create_tdx(int64_t now) {
  pki::CertSpec ca;
  ca.not_before = now - kDay;
  ca.not_after = now + kCertificateLifetime;
  ca.ca = true;
  ca.key_usage = "critical,keyCertSign,cRLSign";

  ZKCC_ASSIGN_OR_RETURN(pki::Key root_key, pki::generate_ec("P-256"));
  pki::CertSpec root_spec = ca;
  root_spec.subject = intel_style_name("Simulated Intel SGX Root CA");
  ZKCC_ASSIGN_OR_RETURN(Certificate root, pki::issue(root_spec, root_key, nullptr, root_key, pki::SigAlg::kEcdsaSha256));

  ZKCC_ASSIGN_OR_RETURN(pki::Key pck_ca_key, pki::generate_ec("P-256"));
  pki::CertSpec pck_ca_spec = ca;
  pck_ca_spec.subject = intel_style_name("Simulated Intel SGX PCK Platform CA");
  pck_ca_spec.path_len = 0;
  ZKCC_ASSIGN_OR_RETURN(Certificate pck_ca, pki::issue(pck_ca_spec, pck_ca_key, &root, root_key, pki::SigAlg::kEcdsaSha256));

  ZKCC_ASSIGN_OR_RETURN(pki::Key pck_key, pki::generate_ec("P-256"));
  ZKCC_ASSIGN_OR_RETURN(Bytes sgx, sgx_extension());
  pki::CertSpec pck_spec;
  pck_spec.subject = intel_style_name("Simulated Intel SGX PCK Certificate");
  pck_spec.not_before = ca.not_before;
  pck_spec.not_after = ca.not_after;
  pck_spec.key_usage = "critical,digitalSignature,nonRepudiation";
  pck_spec.extensions = {{kSgxOid, std::move(sgx)}};
  ZKCC_ASSIGN_OR_RETURN(Certificate pck, pki::issue(pck_spec, pck_key, &pck_ca, pck_ca_key, pki::SigAlg::kEcdsaSha256));

  ZKCC_ASSIGN_OR_RETURN(pki::Key tcb_key, pki::generate_ec("P-256"));
  pki::CertSpec tcb_spec;
  tcb_spec.subject = intel_style_name("Simulated Intel SGX TCB Signing");
  tcb_spec.not_before = ca.not_before;
  tcb_spec.not_after = ca.not_after;
  tcb_spec.key_usage = "critical,digitalSignature,nonRepudiation";
  ZKCC_ASSIGN_OR_RETURN(Certificate tcb, pki::issue(tcb_spec, tcb_key, &root, root_key, pki::SigAlg::kEcdsaSha256));

  ZKCC_ASSIGN_OR_RETURN(pki::Key ak, pki::generate_ec("P-256"));
  TdxAuthority a{{root_key, root}, {pck_ca_key, pck_ca}, {pck_key, pck}, {tcb_key, tcb}, ak, {}};
  ZKCC_RETURN_IF_ERROR(read_pck(a));
  return a;
}

Status save_tdx(const std::filesystem::path& dir, const TdxAuthority& a) {
  std::filesystem::path d = dir / "tdx";
  ZKCC_RETURN_IF_ERROR(save_key(d / "root.key.pem", a.root.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "pck_ca.key.pem", a.pck_ca.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "pck.key.pem", a.pck.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "tcb_signing.key.pem", a.tcb_signing.key));
  ZKCC_RETURN_IF_ERROR(save_key(d / "attestation.key.pem", a.attestation_key));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "pck_ca.pem", a.pck_ca.cert));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "pck.pem", a.pck.cert));
  ZKCC_RETURN_IF_ERROR(save_cert(d / "tcb_signing.pem", a.tcb_signing.cert));
  return save_cert(dir / "roots" / "intel_root.pem", a.root.cert);
}

StatusOr<TdxAuthority> load_tdx(const std::filesystem::path& dir) {
  std::filesystem::path d = dir / "tdx";
  ZKCC_ASSIGN_OR_RETURN(KeyedCert root, load_keyed(d, "root", dir / "roots" / "intel_root.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert pck_ca, load_keyed(d, "pck_ca", d / "pck_ca.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert pck, load_keyed(d, "pck", d / "pck.pem"));
  ZKCC_ASSIGN_OR_RETURN(KeyedCert tcb, load_keyed(d, "tcb_signing", d / "tcb_signing.pem"));
  ZKCC_ASSIGN_OR_RETURN(pki::Key ak, load_key(d / "attestation.key.pem"));
  if (!root.cert.signed_by(root.cert) || !pck_ca.cert.signed_by(root.cert) || !pck.cert.signed_by(pck_ca.cert) ||
      !tcb.cert.signed_by(root.cert)) {
    return data_loss("the simulated Intel chains in " + d.string() + " do not link");
  }
  TdxAuthority a{std::move(root), std::move(pck_ca), std::move(pck), std::move(tcb), std::move(ak), {}};
  ZKCC_RETURN_IF_ERROR(read_pck(a));
  return a;
}

StatusOr<Bytes> build_tdx_quote(const TdxAuthority& a, std::span<const uint8_t, 64> report_data, const TdxGuest& guest) {
  Bytes q;
  // Header: version 4, ECDSA P-256 attestation key, TDX; QE SVN and PCE SVN; QE vendor; user data.
  const bool v5 = guest.mr_servicetd.has_value();
  put_u16(q, v5 ? 5 : 4);
  put_u16(q, 2);
  put_u32(q, 0x81);
  put_u16(q, kQeSvn);
  put_u16(q, a.pck_ext.pce_svn);
  append(q, guest.qe_vendor_id.value_or(kQeVendorId));
  q.resize(q.size() + 20, 0);
  if (v5) {  // body descriptor: type 3 (TDX 1.5), 648 bytes
    put_u16(q, 3);
    put_u32(q, 648);
  }
  // TD report body (584 bytes, 648 for type 3).
  append(q, guest.tee_tcb_svn.value_or(kTeeTcbSvn));
  append(q, mr_seam());
  q.resize(q.size() + 48, 0);  // MRSIGNERSEAM: zero for Intel's module
  put_u64(q, 0);               // SEAMATTRIBUTES
  put_u64(q, guest.td_attributes);
  put_u64(q, guest.xfam);
  append(q, guest.mr_td);
  q.resize(q.size() + 3 * 48, 0);  // MRCONFIGID, MROWNER, MROWNERCONFIG
  std::array<std::array<uint8_t, 48>, 4> rtmr = guest.rtmr;
  if (guest.event_log) {
    ZKCC_ASSIGN_OR_RETURN(std::vector<tdx::CcelEvent> events, tdx::parse_ccel(*guest.event_log));
    rtmr = tdx::replay_rtmrs(events);
  }
  for (const auto& r : rtmr) append(q, r);
  append(q, report_data);
  if (v5) {
    append(q, kTeeTcbSvn);
    append(q, *guest.mr_servicetd);
  }

  // The quote signature covers the header and the body, all of `q` so far.
  ZKCC_ASSIGN_OR_RETURN(Bytes quote_sig, pki::sign_ecdsa_raw(a.attestation_key, "SHA256", q, 32));
  ZKCC_ASSIGN_OR_RETURN(Bytes ak_xy, pki::ec_public_xy(a.attestation_key, 32));
  Bytes auth(32);  // QE authentication data: 0..31, as Intel's QE sends
  for (size_t i = 0; i < auth.size(); ++i) auth[i] = static_cast<uint8_t>(i);
  Bytes bound = ak_xy;
  append(bound, auth);
  Bytes qe = qe_report(hash::sha256(bound));
  ZKCC_ASSIGN_OR_RETURN(Bytes qe_sig, pki::sign_ecdsa_raw(a.pck.key, "SHA256", qe, 32));
  std::string chain = pki::certificate_pem(a.pck.cert) + pki::certificate_pem(a.pck_ca.cert) + pki::certificate_pem(a.root.cert);

  Bytes pck_data;  // certification data type 5: the PCK chain as PEM
  put_u16(pck_data, 5);
  put_u32(pck_data, static_cast<uint32_t>(chain.size()));
  append(pck_data, text_bytes(chain));
  Bytes qe_data;  // certification data type 6: QE report, its signature, auth data, PCK data
  append(qe_data, qe);
  append(qe_data, qe_sig);
  put_u16(qe_data, static_cast<uint16_t>(auth.size()));
  append(qe_data, auth);
  append(qe_data, pck_data);
  Bytes sig_data;
  append(sig_data, quote_sig);
  append(sig_data, ak_xy);
  put_u16(sig_data, 6);
  put_u32(sig_data, static_cast<uint32_t>(qe_data.size()));
  append(sig_data, qe_data);

  put_u32(q, static_cast<uint32_t>(sig_data.size()));
  append(q, sig_data);
  return q;
}

StatusOr<std::string> build_tdx_collateral(const TdxAuthority& a, int64_t issued_at, const TdxCollateralOptions& options) {
  // RFC 3339 as the collateral writes it has four-digit years.
  constexpr int64_t kLastSecond = 253402300799;  // 9999-12-31T23:59:59Z
  if (issued_at < 0 || issued_at > kLastSecond - kCollateralLifetime) {
    return invalid_argument("collateral issue time " + std::to_string(issued_at) + " is out of range");
  }
  int64_t next = issued_at + kCollateralLifetime;
  uint64_t crl_number = static_cast<uint64_t>(std::max<int64_t>(issued_at, 1));
  std::vector<Certificate> root_revokes, pck_ca_revokes;
  if (options.revoke_pck_ca) root_revokes.push_back(a.pck_ca.cert);
  if (options.revoke_tcb_signing) root_revokes.push_back(a.tcb_signing.cert);
  if (options.revoke_pck) pck_ca_revokes.push_back(a.pck.cert);
  ZKCC_ASSIGN_OR_RETURN(Bytes root_crl, pki::issue_crl(a.root.cert, a.root.key, issued_at, next, crl_number, root_revokes,
                                                       pki::SigAlg::kEcdsaSha256));
  ZKCC_ASSIGN_OR_RETURN(Bytes pck_crl, pki::issue_crl(a.pck_ca.cert, a.pck_ca.key, issued_at, next, crl_number, pck_ca_revokes,
                                                      pki::SigAlg::kEcdsaSha256));
  std::string tcb_info = tcb_info_json(issued_at, options);
  std::string qe_identity = qe_identity_json(issued_at, options);
  const KeyedCert& signer = options.signed_by_pck_ca ? a.pck_ca : a.tcb_signing;
  ZKCC_ASSIGN_OR_RETURN(Bytes tcb_sig, pki::sign_ecdsa_raw(signer.key, "SHA256", text_bytes(tcb_info), 32));
  ZKCC_ASSIGN_OR_RETURN(Bytes qe_sig, pki::sign_ecdsa_raw(signer.key, "SHA256", text_bytes(qe_identity), 32));
  std::string root_pem = pki::certificate_pem(a.root.cert);
  std::string signing_chain = pki::certificate_pem(signer.cert) + root_pem;
  ordered_json c = {
      {"pck_crl_issuer_chain", pki::certificate_pem(a.pck_ca.cert) + root_pem},
      {"root_ca_crl", to_hex(root_crl)},
      {"pck_crl", to_hex(pck_crl)},
      {"tcb_info_issuer_chain", signing_chain},
      {"tcb_info", tcb_info},
      {"tcb_info_signature", to_hex(tcb_sig)},
      {"qe_identity_issuer_chain", signing_chain},
      {"qe_identity", qe_identity},
      {"qe_identity_signature", to_hex(qe_sig)},
  };
  return c.dump();
}

}  // namespace zkcc::tee::sim
