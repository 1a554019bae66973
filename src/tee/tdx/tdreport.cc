#include "zkcc/tee/tdx/tdreport.h"

#include <algorithm>

#include "zkcc/base/byte_reader.h"
#include "zkcc/hash/sha2.h"

namespace zkcc::tee::tdx {
namespace {

constexpr size_t kTcbInfoOffset = 256;
constexpr size_t kTcbInfoSize = 239;
constexpr size_t kTdInfoOffset = 512;
constexpr size_t kTdInfoSize = 512;

}  // namespace

StatusOr<TdReport> parse_tdreport(std::span<const uint8_t> bytes) {
  if (bytes.size() != kTdReportSize) {
    return invalid_argument("TDREPORT is " + std::to_string(bytes.size()) + " bytes, not " + std::to_string(kTdReportSize));
  }
  TdReport t;
  ByteReader r(bytes, "TDREPORT");
  t.type = r.u8();
  t.subtype = r.u8();
  t.version = r.u8();
  if (t.type != 0x81) return invalid_argument("TDREPORT type is " + std::to_string(t.type) + ", not TDX (0x81)");
  r.take(1 + 12);
  r.copy(t.cpu_svn);
  r.copy(t.tee_tcb_info_hash);
  r.copy(t.tee_info_hash);
  r.copy(t.body.report_data);
  r.take(32);
  r.copy(t.mac);
  r.take(8);  // TEE_TCB_INFO.valid
  r.copy(t.body.tee_tcb_svn);
  r.copy(t.body.mr_seam);
  r.copy(t.body.mr_signer_seam);
  t.body.seam_attributes = r.u64();
  r.copy(t.body.tee_tcb_svn2);
  r.take(kTdInfoOffset - r.pos());
  t.body.td_attributes = r.u64();
  t.body.xfam = r.u64();
  r.copy(t.body.mr_td);
  r.copy(t.body.mr_config_id);
  r.copy(t.body.mr_owner);
  r.copy(t.body.mr_owner_config);
  for (auto& rtmr : t.body.rtmr) r.copy(rtmr);
  r.copy(t.servtd_hash);

  auto tcb_info = hash::sha384(bytes.subspan(kTcbInfoOffset, kTcbInfoSize));
  if (tcb_info != t.tee_tcb_info_hash) return invalid_argument("TDREPORT's TEE_TCB_INFO hash does not match TEE_TCB_INFO");
  auto td_info = hash::sha384(bytes.subspan(kTdInfoOffset, kTdInfoSize));
  if (td_info != t.tee_info_hash) return invalid_argument("TDREPORT's TDINFO hash does not match TDINFO");
  return t;
}

void match_quote_body(const TdReport& report, const TdReportBody& q, const std::string& name, Verdict& v) {
  const TdReportBody& t = report.body;
  std::string differ;
  auto field = [&](bool same, const char* what) {
    if (same) return;
    if (!differ.empty()) differ += ", ";
    differ += what;
  };
  field(t.tee_tcb_svn == q.tee_tcb_svn, "TEE_TCB_SVN");
  field(t.mr_seam == q.mr_seam, "MRSEAM");
  field(t.mr_signer_seam == q.mr_signer_seam, "MRSIGNERSEAM");
  field(t.td_attributes == q.td_attributes, "TD attributes");
  field(t.xfam == q.xfam, "XFAM");
  field(t.mr_td == q.mr_td, "MRTD");
  field(t.mr_config_id == q.mr_config_id, "MRCONFIGID");
  field(t.mr_owner == q.mr_owner, "MROWNER");
  field(t.mr_owner_config == q.mr_owner_config, "MROWNERCONFIG");
  field(t.rtmr == q.rtmr, "RTMRs");
  field(t.report_data == q.report_data, "REPORTDATA");
  v.add(name, differ.empty(), differ.empty() ? "" : "the quote differs from the TDREPORT in " + differ);
}

}  // namespace zkcc::tee::tdx
