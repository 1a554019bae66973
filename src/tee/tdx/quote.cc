#include "zkcc/tee/tdx/quote.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "zkcc/base/byte_reader.h"

namespace zkcc::tee::tdx {
namespace {

void read_body(ByteReader& r, TdReportBody& b, uint16_t body_type) {
  r.copy(b.tee_tcb_svn);
  r.copy(b.mr_seam);
  r.copy(b.mr_signer_seam);
  b.seam_attributes = r.u64();
  b.td_attributes = r.u64();
  b.xfam = r.u64();
  r.copy(b.mr_td);
  r.copy(b.mr_config_id);
  r.copy(b.mr_owner);
  r.copy(b.mr_owner_config);
  for (auto& m : b.rtmr) r.copy(m);
  r.copy(b.report_data);
  if (body_type == 3) {
    r.copy(b.tee_tcb_svn2);
    r.copy(b.mr_servicetd);
  }
}

QeReport parse_qe_report(std::span<const uint8_t> b) {
  QeReport q;
  std::memcpy(q.cpu_svn.data(), b.data(), 16);
  q.misc_select = b[16] | b[17] << 8 | b[18] << 16 | static_cast<uint32_t>(b[19]) << 24;
  std::memcpy(q.attributes.data(), b.data() + 48, 16);
  std::memcpy(q.mr_enclave.data(), b.data() + 64, 32);
  std::memcpy(q.mr_signer.data(), b.data() + 128, 32);
  q.isv_prod_id = static_cast<uint16_t>(b[256] | b[257] << 8);
  q.isv_svn = static_cast<uint16_t>(b[258] | b[259] << 8);
  std::memcpy(q.report_data.data(), b.data() + 320, 64);
  return q;
}

}  // namespace

StatusOr<Quote> parse_quote(std::span<const uint8_t> bytes) {
  Quote q;
  ByteReader r(bytes, "TDX quote");
  ZKCC_RETURN_IF_ERROR(r.need(48, "header"));
  q.version = r.u16();
  if (q.version != 4 && q.version != 5) {
    return invalid_argument("TDX quote version " + std::to_string(q.version) + " is not supported (4, 5)");
  }
  uint16_t key_type = r.u16();
  if (key_type != 2) return invalid_argument("TDX quote attestation key type " + std::to_string(key_type) + " is not ECDSA P-256 (2)");
  uint32_t tee = r.u32();
  if (tee != 0x81) return invalid_argument("quote TEE type 0x" + to_hex(std::span(reinterpret_cast<const uint8_t*>(&tee), 4)) + " is not TDX (0x81)");
  r.take(4);
  r.copy(q.qe_vendor_id);
  r.take(20);
  size_t body_size = 584;
  if (q.version == 5) {
    ZKCC_RETURN_IF_ERROR(r.need(6, "v5 body descriptor"));
    q.body_type = r.u16();
    uint32_t declared = r.u32();
    if (q.body_type == 2) {
      body_size = 584;
    } else if (q.body_type == 3) {
      body_size = 648;
    } else {
      return invalid_argument("TDX quote v5 body type " + std::to_string(q.body_type) + " is not a TD report (2 or 3)");
    }
    if (declared != body_size) {
      return invalid_argument("TDX quote body size " + std::to_string(declared) + " does not match body type " +
                              std::to_string(q.body_type));
    }
  }
  ZKCC_RETURN_IF_ERROR(r.need(body_size, "TD report body"));
  read_body(r, q.body, q.body_type);
  q.signed_size = r.pos();

  ZKCC_RETURN_IF_ERROR(r.need(4, "signature data length"));
  size_t sig_len = r.u32();
  ZKCC_RETURN_IF_ERROR(r.need(sig_len, "signature data"));
  q.declared_size = r.pos() + sig_len;
  ByteReader s(r.take(sig_len), "TDX quote signature data");
  ZKCC_RETURN_IF_ERROR(s.need(128 + 6, "quote signature, attestation key and certification header"));
  s.copy(q.signature_r);
  s.copy(q.signature_s);
  s.copy(q.attestation_key);
  uint16_t cert_type = s.u16();
  size_t cert_size = s.u32();
  if (cert_type != 6) return invalid_argument("TDX quote certification data type " + std::to_string(cert_type) + " is not QE report (6)");
  if (cert_size != s.left()) {
    return invalid_argument("TDX quote certification data declares " + std::to_string(cert_size) + " bytes but " +
                            std::to_string(s.left()) + " remain");
  }
  ZKCC_RETURN_IF_ERROR(s.need(384 + 64 + 2, "QE report"));
  auto qe = s.take(384);
  std::copy(qe.begin(), qe.end(), q.qe_report_raw.begin());
  q.qe_report = parse_qe_report(qe);
  s.copy(q.qe_report_signature_r);
  s.copy(q.qe_report_signature_s);
  size_t auth_len = s.u16();
  ZKCC_RETURN_IF_ERROR(s.need(auth_len, "QE authentication data"));
  auto auth = s.take(auth_len);
  q.qe_auth_data.assign(auth.begin(), auth.end());
  ZKCC_RETURN_IF_ERROR(s.need(6, "PCK certification header"));
  uint16_t inner_type = s.u16();
  size_t inner_size = s.u32();
  if (inner_type != 5) return invalid_argument("TDX quote carries certification data type " + std::to_string(inner_type) + ", not a PCK chain (5)");
  if (inner_size != s.left()) {
    return invalid_argument("TDX quote PCK chain declares " + std::to_string(inner_size) + " bytes but " +
                            std::to_string(s.left()) + " remain");
  }
  auto pem = s.take(inner_size);
  q.pck_chain_pem.assign(pem.begin(), pem.end());
  // Only whitespace (and a terminating NUL) may surround the PEM certificates: bytes there would
  // be covered by no signature.
  const std::string kBegin = "-----BEGIN CERTIFICATE-----", kEnd = "-----END CERTIFICATE-----";
  size_t first = q.pck_chain_pem.find(kBegin), last = q.pck_chain_pem.rfind(kEnd);
  if (first == std::string::npos || last == std::string::npos) return invalid_argument("TDX quote PCK chain holds no PEM certificate");
  auto blank = [](char c) { return c == '\n' || c == '\r' || c == ' ' || c == '\t' || c == '\0'; };
  if (!std::all_of(q.pck_chain_pem.begin(), q.pck_chain_pem.begin() + static_cast<std::ptrdiff_t>(first), blank) ||
      !std::all_of(q.pck_chain_pem.begin() + static_cast<std::ptrdiff_t>(last + kEnd.size()), q.pck_chain_pem.end(), blank)) {
    return invalid_argument("TDX quote PCK chain has bytes outside its PEM certificates");
  }
  q.pck_chain_pem.resize(last + kEnd.size());
  q.pck_chain_pem += '\n';
  q.trailing_bytes = bytes.size() - q.declared_size;
  return q;
}

}  // namespace zkcc::tee::tdx
