// SEV-SNP evidence through /dev/sev-guest (Linux include/uapi/linux/sev-guest.h):
//   SNP_GET_REPORT     = _IOWR('S', 0, struct snp_guest_request_ioctl), request snp_report_req
//                        {user_data[64], vmpl u32, reserved[28]};
//   SNP_GET_EXT_REPORT = _IOWR('S', 2, ...), request snp_ext_report_req {snp_report_req,
//                        certs_address u64, certs_len u32}: the report and the host's certificate
//                        table. A certs_len too small for the table fails with EIO and vmm_error
//                        SNP_GUEST_VMM_ERR_INVALID_LEN (1), and the kernel writes the needed length
//                        (whole pages) back into certs_len.
// snp_guest_request_ioctl is {msg_version u8 (non-zero), req_data u64, resp_data u64,
// exitinfo2 u64 = fw_error u32 | vmm_error u32 << 32}; the response buffer (4000 bytes) holds
// MSG_REPORT_RSP: status u32, report_size u32, reserved (24), the report.
//
// The certificate table (GHCB specification, MSG_REPORT_REQ) is a list of entries {GUID (16),
// offset u32, length u32} ended by an all-zero entry; offsets are from the table's start. Known
// GUIDs: VCEK 63da758d-e664-4564-adc5-f4b93be8accd, VLEK a8074bc2-a25a-483e-aae6-39c045a0b8a1,
// ASK 4ab7b379-bbac-4fe4-a02f-05aef327c782, ARK c0b406a4-a803-4952-9743-3fb6014cd0ae. Hosts write
// the GUID bytes in the order of their text (as uuid_parse does); the mixed-endian UEFI order is
// accepted too.
#ifndef ZKCC_TEE_COLLECT_SEV_GUEST_H_
#define ZKCC_TEE_COLLECT_SEV_GUEST_H_

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/collect/collect.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::collect {

enum class SnpCertKind { kVcek, kVlek, kAsk, kArk, kOther };
std::string_view snp_cert_kind_name(SnpCertKind kind);

struct SnpCertEntry {
  std::array<uint8_t, 16> guid{};  // as stored in the table
  SnpCertKind kind = SnpCertKind::kOther;
  Bytes data;  // DER (a PEM entry is converted)
};

// Parses a certificate table; every offset and length is checked against the table and against
// the entry list, and a known GUID may appear once. An empty or all-zero table has no entries
// (the kernel zero-fills the buffer when the host supplies no certificates).
StatusOr<std::vector<SnpCertEntry>> parse_snp_cert_table(std::span<const uint8_t> table);

// The table's certificates in evidence order: VCEK and VLEK, then ASK, then ARK; other entries are
// left out.
std::vector<Bytes> snp_evidence_certificates(std::span<const SnpCertEntry> entries);

struct SevGuestOptions {
  uint32_t vmpl = 0;       // 0-3; a guest can ask only for its own level or a less privileged one
  bool extended = true;    // SNP_GET_EXT_REPORT (with certificates) rather than SNP_GET_REPORT
  size_t max_certs_bytes = 64 * 1024;  // the kernel accepts at most 16 KiB today
  int max_attempts = 3;    // size queries tolerated while the host's table grows
  DeviceIo* io = nullptr;  // null: system_device_io()
};

struct SnpDeviceReport {
  Bytes report;      // exactly 1184 bytes
  Bytes cert_table;  // empty without extended or when the host has no certificates
};

// One report from `device`. Kernel and firmware errors map to: not_found / permission_denied
// (open), unavailable (EBUSY, EAGAIN, ETIMEDOUT: the host throttled the request), failed_precondition
// (ENOTTY: the driver disabled the VMPCK after an earlier failure, or does not know the ioctl),
// invalid_argument (EINVAL; EIO with firmware status INVALID_PARAM, e.g. a VMPL above the guest's),
// internal (other EIO), each naming fw_error and vmm_error.
StatusOr<SnpDeviceReport> sev_guest_report(const std::string& device, std::span<const uint8_t, 64> report_data,
                                           const SevGuestOptions& options = {});

// Evidence from sev_guest_report: the report must parse, carry report_data and the requested VMPL.
class SevGuestAttester : public CpuAttester {
 public:
  explicit SevGuestAttester(std::string device, SevGuestOptions options = {});
  CpuPlatform platform() const override { return CpuPlatform::kSevSnp; }
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override;

 private:
  std::string device_;
  SevGuestOptions options_;
};

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_SEV_GUEST_H_
