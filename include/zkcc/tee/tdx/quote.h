// Intel TDX DCAP quote, versions 4 and 5 (Intel TDX DCAP Quoting Library API, "Quote Format"):
//   header (48 bytes): version u16, attestation key type u16 (2 = ECDSA P-256), TEE type u32
//     (0x81 = TDX), reserved (4), QE vendor ID (16), user data (20);
//   v5 only: body type u16 (2 = TDX 1.0, 584 bytes; 3 = TDX 1.5, 648 bytes), body size u32;
//   TD report body; signature data length u32; signature data:
//     quote signature (64, r || s), attestation public key (64, x || y),
//     certification data: type u16 (6 = QE report), size u32, then
//       QE report (384, an SGX report body), QE report signature (64), QE auth data (u16 size +
//       bytes), and inner certification data: type u16 (5 = PCK chain, PEM), size u32, bytes.
// The quote signature covers the header and the body (with the v5 type and size fields).
#ifndef ZKCC_TEE_TDX_QUOTE_H_
#define ZKCC_TEE_TDX_QUOTE_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::tee::tdx {

struct TdReportBody {
  std::array<uint8_t, 16> tee_tcb_svn{};
  std::array<uint8_t, 48> mr_seam{};
  std::array<uint8_t, 48> mr_signer_seam{};
  uint64_t seam_attributes = 0;
  uint64_t td_attributes = 0;
  uint64_t xfam = 0;
  std::array<uint8_t, 48> mr_td{};
  std::array<uint8_t, 48> mr_config_id{};
  std::array<uint8_t, 48> mr_owner{};
  std::array<uint8_t, 48> mr_owner_config{};
  std::array<std::array<uint8_t, 48>, 4> rtmr{};
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 16> tee_tcb_svn2{};  // body type 3
  std::array<uint8_t, 48> mr_servicetd{};  // body type 3

  bool debug() const { return td_attributes & 1; }
};

struct QeReport {
  std::array<uint8_t, 16> cpu_svn{};
  uint32_t misc_select = 0;
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  std::array<uint8_t, 64> report_data{};
};

struct Quote {
  uint16_t version = 0;
  uint16_t body_type = 2;
  std::array<uint8_t, 16> qe_vendor_id{};
  TdReportBody body;
  size_t signed_size = 0;    // header + body (+ v5 type/size)
  size_t declared_size = 0;  // the quote without trailing padding
  size_t trailing_bytes = 0;
  std::array<uint8_t, 32> signature_r{};
  std::array<uint8_t, 32> signature_s{};
  std::array<uint8_t, 64> attestation_key{};  // x || y
  QeReport qe_report;
  std::array<uint8_t, 384> qe_report_raw{};
  std::array<uint8_t, 32> qe_report_signature_r{};
  std::array<uint8_t, 32> qe_report_signature_s{};
  Bytes qe_auth_data;
  std::string pck_chain_pem;
};

// Parses a quote; every length is checked against what is left. Bytes after the declared end
// (configfs-tsm and IMDS pad their buffers) are not part of the quote: they are counted in
// trailing_bytes and never hashed or trusted.
StatusOr<Quote> parse_quote(std::span<const uint8_t> bytes);

}  // namespace zkcc::tee::tdx

#endif  // ZKCC_TEE_TDX_QUOTE_H_
