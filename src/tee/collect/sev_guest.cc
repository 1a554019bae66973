#include "zkcc/tee/collect/sev_guest.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <system_error>

#include "zkcc/base/byte_reader.h"
#include "zkcc/tee/sev_snp/report.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::collect {
namespace {

// include/uapi/linux/sev-guest.h, declared here so the build does not depend on the kernel headers.
struct SnpReportReq {
  uint8_t user_data[64];
  uint32_t vmpl;
  uint8_t rsvd[28];
};
struct SnpExtReportReq {
  SnpReportReq data;
  uint64_t certs_address;
  uint32_t certs_len;
};
struct SnpGuestRequestIoctl {
  uint8_t msg_version;
  uint64_t req_data;
  uint64_t resp_data;
  uint64_t exitinfo2;  // fw_error (bits 31:0), vmm_error (bits 63:32)
};
static_assert(sizeof(SnpReportReq) == 96);
static_assert(offsetof(SnpExtReportReq, certs_address) == 96 && offsetof(SnpExtReportReq, certs_len) == 104);
static_assert(sizeof(SnpGuestRequestIoctl) == 32 && offsetof(SnpGuestRequestIoctl, exitinfo2) == 24);

constexpr unsigned long kSnpGetReport = _IOWR('S', 0x0, SnpGuestRequestIoctl);
constexpr unsigned long kSnpGetExtReport = _IOWR('S', 0x2, SnpGuestRequestIoctl);

constexpr size_t kResponseSize = 4000;     // struct snp_report_resp
constexpr size_t kResponseHeader = 32;     // MSG_REPORT_RSP: status, report_size, reserved
constexpr uint32_t kVmmErrInvalidLen = 1;  // SNP_GUEST_VMM_ERR_INVALID_LEN
constexpr uint32_t kVmmErrBusy = 2;        // SNP_GUEST_VMM_ERR_BUSY
constexpr uint32_t kFwInvalidParam = 22;   // SEV_RET_INVALID_PARAM
constexpr uint32_t kFwNotReached = 0xff;   // the driver's initial exitinfo2: no firmware call made

constexpr size_t kEntrySize = 24;
constexpr size_t kMaxEntries = 64;

std::string errno_text(int err) { return std::system_category().message(err) + " (errno " + std::to_string(err) + ")"; }

// SEV firmware status codes (SEV-SNP ABI specification; Linux's SEV_RET_*).
const char* fw_status_name(uint32_t code) {
  static const char* const kNames[] = {
      "SUCCESS",          "INVALID_PLATFORM_STATE", "INVALID_GUEST_STATE", "INVALID_CONFIG", "INVALID_LEN",
      "ALREADY_OWNED",    "INVALID_CERTIFICATE",    "POLICY_FAILURE",      "INACTIVE",       "INVALID_ADDRESS",
      "BAD_SIGNATURE",    "BAD_MEASUREMENT",        "ASID_OWNED",          "INVALID_ASID",   "WBINVD_REQUIRED",
      "DFFLUSH_REQUIRED", "INVALID_GUEST",          "INVALID_COMMAND",     "ACTIVE",         "HWSEV_RET_PLATFORM",
      "HWSEV_RET_UNSAFE", "UNSUPPORTED",            "INVALID_PARAM",       "RESOURCE_LIMIT", "SECURE_DATA_INVALID",
  };
  if (code < std::size(kNames)) return kNames[code];
  if (code == kFwNotReached) return "request did not reach the firmware";
  return "unknown";
}

const char* vmm_error_name(uint32_t code) {
  switch (code) {
    case 0: return "none";
    case kVmmErrInvalidLen: return "INVALID_LEN";
    case kVmmErrBusy: return "BUSY";
    default: return "unknown";
  }
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%x", v);
  return buf;
}

Status ioctl_error(int err, uint64_t exitinfo2, const char* request, const std::string& device) {
  uint32_t fw = static_cast<uint32_t>(exitinfo2 & 0xffffffffu);
  uint32_t vmm = static_cast<uint32_t>(exitinfo2 >> 32);
  std::string m = std::string(request) + " on " + device + " failed: " + errno_text(err) + "; fw_error " + hex32(fw) + " (" +
                  fw_status_name(fw) + "), vmm_error " + std::to_string(vmm) + " (" + vmm_error_name(vmm) + ")";
  switch (err) {
    case ENOTTY:
      return failed_precondition(m + ": the driver disabled its VMPCK after an earlier failed request (the guest must be "
                                     "restarted), or does not know this request");
    case EBUSY:
    case EAGAIN:
    case ETIMEDOUT: return unavailable(m + ": the host is throttling guest requests; try again later");
    case EACCES:
    case EPERM: return permission_denied(m);
    case EINVAL: return invalid_argument(m);
    case EIO:
      if (vmm == kVmmErrBusy) return unavailable(m + ": the host is busy; try again later");
      if (fw == kFwInvalidParam) return invalid_argument(m + ": the firmware rejected the request (a VMPL above the guest's?)");
      return internal_error(m);
    default: return internal_error(m);
  }
}

Status open_error(int err, const std::string& device) {
  std::string m = "cannot open " + device + ": " + errno_text(err);
  if (err == ENOENT || err == ENXIO || err == ENODEV) return not_found(m + " (sev-guest driver not loaded?)");
  if (err == EACCES || err == EPERM) return permission_denied(m + " (needs root or access to the device)");
  return internal_error(m);
}

class DeviceFd {
 public:
  DeviceFd(DeviceIo& io, int fd) : io_(io), fd_(fd) {}
  DeviceFd(const DeviceFd&) = delete;
  DeviceFd& operator=(const DeviceFd&) = delete;
  ~DeviceFd() { io_.close(fd_); }
  int get() const { return fd_; }

 private:
  DeviceIo& io_;
  int fd_;
};

uint64_t address_of(void* p) { return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p)); }

std::array<uint8_t, 16> guid_bytes(std::string_view text) {
  std::array<uint8_t, 16> g{};
  size_t n = 0;
  int high = -1;
  for (char c : text) {
    if (c == '-') continue;
    int v = c <= '9' ? c - '0' : c - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      g[n++] = static_cast<uint8_t>(high << 4 | v);
      high = -1;
    }
  }
  return g;
}

// The same GUID in the UEFI layout: the first three fields little endian.
std::array<uint8_t, 16> mixed_endian(std::array<uint8_t, 16> g) {
  std::reverse(g.begin(), g.begin() + 4);
  std::reverse(g.begin() + 4, g.begin() + 6);
  std::reverse(g.begin() + 6, g.begin() + 8);
  return g;
}

struct KnownGuid {
  SnpCertKind kind;
  std::array<uint8_t, 16> text_order;
  std::array<uint8_t, 16> uefi_order;
};

const std::vector<KnownGuid>& known_guids() {
  static const std::vector<KnownGuid> k = [] {
    std::vector<KnownGuid> v;
    auto add = [&v](SnpCertKind kind, std::string_view text) { v.push_back({kind, guid_bytes(text), mixed_endian(guid_bytes(text))}); };
    add(SnpCertKind::kVcek, "63da758d-e664-4564-adc5-f4b93be8accd");
    add(SnpCertKind::kVlek, "a8074bc2-a25a-483e-aae6-39c045a0b8a1");
    add(SnpCertKind::kAsk, "4ab7b379-bbac-4fe4-a02f-05aef327c782");
    add(SnpCertKind::kArk, "c0b406a4-a803-4952-9743-3fb6014cd0ae");
    return v;
  }();
  return k;
}

SnpCertKind kind_of(const std::array<uint8_t, 16>& guid) {
  for (const KnownGuid& k : known_guids()) {
    if (guid == k.text_order || guid == k.uefi_order) return k.kind;
  }
  return SnpCertKind::kOther;
}

StatusOr<Bytes> to_der(std::span<const uint8_t> data, const std::string& where) {
  static constexpr std::string_view kPem = "-----BEGIN";
  if (data.size() < kPem.size() || !std::equal(kPem.begin(), kPem.end(), data.begin())) return Bytes(data.begin(), data.end());
  auto certs = Certificate::from_pem_bundle(std::string(data.begin(), data.end()));
  if (!certs.ok()) return certs.status().with_context(where);
  if (certs->size() != 1) return data_loss(where + " holds " + std::to_string(certs->size()) + " PEM certificates, not one");
  return (*certs)[0].der();
}

}  // namespace

std::string_view snp_cert_kind_name(SnpCertKind kind) {
  switch (kind) {
    case SnpCertKind::kVcek: return "VCEK";
    case SnpCertKind::kVlek: return "VLEK";
    case SnpCertKind::kAsk: return "ASK";
    case SnpCertKind::kArk: return "ARK";
    case SnpCertKind::kOther: return "other";
  }
  return "unknown";
}

StatusOr<std::vector<SnpCertEntry>> parse_snp_cert_table(std::span<const uint8_t> table) {
  struct Raw {
    std::array<uint8_t, 16> guid;
    uint32_t offset;
    uint32_t length;
  };
  std::vector<Raw> raw;
  ByteReader c(table, "certificate table");
  if (table.empty()) return std::vector<SnpCertEntry>{};
  for (;;) {
    std::string field = "entry " + std::to_string(raw.size()) + " (the table needs an all-zero terminating entry)";
    ZKCC_RETURN_IF_ERROR(c.need(kEntrySize, field));
    Raw r;
    c.copy(r.guid);
    r.offset = c.u32();
    r.length = c.u32();
    bool zero_guid = std::all_of(r.guid.begin(), r.guid.end(), [](uint8_t b) { return b == 0; });
    if (zero_guid) {
      if (r.offset != 0 || r.length != 0) {
        return data_loss("certificate table entry " + std::to_string(raw.size()) + " has a zero GUID but offset " +
                         std::to_string(r.offset) + " and length " + std::to_string(r.length));
      }
      break;
    }
    if (raw.size() == kMaxEntries) return data_loss("certificate table has more than " + std::to_string(kMaxEntries) + " entries");
    raw.push_back(r);
  }
  const size_t header_end = c.pos();
  std::vector<SnpCertEntry> out;
  for (size_t i = 0; i < raw.size(); ++i) {
    const Raw& r = raw[i];
    std::string where = "certificate table entry " + std::to_string(i);
    if (r.length == 0) return data_loss(where + " is empty");
    if (r.offset < header_end) {
      return data_loss(where + " starts at byte " + std::to_string(r.offset) + ", inside the entry list (which ends at " +
                       std::to_string(header_end) + ")");
    }
    if (uint64_t(r.offset) + r.length > table.size()) {
      return data_loss(where + " spans bytes " + std::to_string(r.offset) + "+" + std::to_string(r.length) + " of a " +
                       std::to_string(table.size()) + "-byte table");
    }
    SnpCertEntry e;
    e.guid = r.guid;
    e.kind = kind_of(r.guid);
    if (e.kind != SnpCertKind::kOther) {
      for (const SnpCertEntry& prev : out) {
        if (prev.kind == e.kind) return data_loss("certificate table holds two " + std::string(snp_cert_kind_name(e.kind)) + " entries");
      }
    }
    auto data = table.subspan(r.offset, r.length);
    if (e.kind == SnpCertKind::kOther) {
      e.data.assign(data.begin(), data.end());
    } else {
      ZKCC_ASSIGN_OR_RETURN(e.data, to_der(data, where + " (" + std::string(snp_cert_kind_name(e.kind)) + ")"));
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<Bytes> snp_evidence_certificates(std::span<const SnpCertEntry> entries) {
  std::vector<Bytes> out;
  for (SnpCertKind kind : {SnpCertKind::kVcek, SnpCertKind::kVlek, SnpCertKind::kAsk, SnpCertKind::kArk}) {
    for (const SnpCertEntry& e : entries) {
      if (e.kind == kind) out.push_back(e.data);
    }
  }
  return out;
}

StatusOr<SnpDeviceReport> sev_guest_report(const std::string& device, std::span<const uint8_t, 64> report_data,
                                           const SevGuestOptions& options) {
  if (options.vmpl > 3) return invalid_argument("VMPL " + std::to_string(options.vmpl) + " is out of range (0-3)");
  if (options.max_attempts < 1) return invalid_argument("max_attempts must be at least 1");
  DeviceIo& io = options.io != nullptr ? *options.io : system_device_io();
  int fd = io.open(device, O_RDWR);
  if (fd < 0) return open_error(-fd, device);
  DeviceFd guard(io, fd);

  SnpExtReportReq ext{};
  std::memcpy(ext.data.user_data, report_data.data(), report_data.size());
  ext.data.vmpl = options.vmpl;
  Bytes response(kResponseSize, 0);
  SnpDeviceReport out;

  if (!options.extended) {
    SnpGuestRequestIoctl req{};
    req.msg_version = 1;
    req.req_data = address_of(&ext.data);
    req.resp_data = address_of(response.data());
    int rc = io.ioctl(fd, kSnpGetReport, &req);
    if (rc < 0) return ioctl_error(-rc, req.exitinfo2, "SNP_GET_REPORT", device);
  } else {
    // First ask without a buffer: the kernel answers with the size the host's table needs.
    Bytes certs;
    bool done = false;
    for (int attempt = 0; attempt <= options.max_attempts && !done; ++attempt) {
      ext.certs_address = certs.empty() ? 0 : address_of(certs.data());
      ext.certs_len = static_cast<uint32_t>(certs.size());
      SnpGuestRequestIoctl req{};
      req.msg_version = 1;
      req.req_data = address_of(&ext);
      req.resp_data = address_of(response.data());
      int rc = io.ioctl(fd, kSnpGetExtReport, &req);
      if (rc == 0) {
        done = true;
        break;
      }
      uint32_t vmm = static_cast<uint32_t>(req.exitinfo2 >> 32);
      if (rc != -EIO || vmm != kVmmErrInvalidLen) return ioctl_error(-rc, req.exitinfo2, "SNP_GET_EXT_REPORT", device);
      size_t needed = ext.certs_len;
      if (needed <= certs.size()) {
        return internal_error("SNP_GET_EXT_REPORT on " + device + " reported a too small certificate buffer of " +
                              std::to_string(certs.size()) + " bytes but asks for " + std::to_string(needed));
      }
      if (needed > options.max_certs_bytes) {
        return out_of_range("the host's certificate table needs " + std::to_string(needed) + " bytes, more than the " +
                            std::to_string(options.max_certs_bytes) + " allowed");
      }
      certs.assign(needed, 0);
    }
    if (!done) {
      return unavailable("the host's certificate table kept growing over " + std::to_string(options.max_attempts) +
                         " SNP_GET_EXT_REPORT requests on " + device);
    }
    out.cert_table = std::move(certs);
  }

  ByteReader r(response, "SNP report response");
  ZKCC_RETURN_IF_ERROR(r.need(kResponseHeader, "MSG_REPORT_RSP header"));
  uint32_t status = r.u32();
  uint32_t size = r.u32();
  if (status != 0) {
    std::string m = "the SEV firmware answered the report request with status " + hex32(status) + " (" + fw_status_name(status) + ")";
    return status == kFwInvalidParam ? invalid_argument(m) : internal_error(m);
  }
  if (size != sev_snp::kReportSize) {
    return data_loss("the SEV firmware returned a " + std::to_string(size) + "-byte report; an SNP report has " +
                     std::to_string(sev_snp::kReportSize));
  }
  auto body = std::span<const uint8_t>(response).subspan(kResponseHeader, sev_snp::kReportSize);
  out.report.assign(body.begin(), body.end());
  return out;
}

SevGuestAttester::SevGuestAttester(std::string device, SevGuestOptions options)
    : device_(std::move(device)), options_(options) {}

StatusOr<CpuEvidence> SevGuestAttester::attest(std::span<const uint8_t, 64> report_data) {
  ZKCC_ASSIGN_OR_RETURN(SnpDeviceReport r, sev_guest_report(device_, report_data, options_));
  auto parsed = sev_snp::parse_report(r.report);
  if (!parsed.ok()) return parsed.status().with_context(device_);
  if (!std::equal(parsed->report_data.begin(), parsed->report_data.end(), report_data.begin())) {
    return data_loss("the SNP report from " + device_ + " carries other REPORT_DATA than was requested");
  }
  if (parsed->vmpl != options_.vmpl) {
    return data_loss("the SNP report from " + device_ + " is for VMPL " + std::to_string(parsed->vmpl) + ", not the requested " +
                     std::to_string(options_.vmpl));
  }
  CpuEvidence ev;
  ev.platform = CpuPlatform::kSevSnp;
  ev.source = "/dev/sev-guest";
  if (!r.cert_table.empty()) {
    auto table = parse_snp_cert_table(r.cert_table);
    if (!table.ok()) return table.status().with_context("the host's certificate table");
    ev.certificates = snp_evidence_certificates(*table);
  }
  ev.report = std::move(r.report);
  return ev;
}

}  // namespace zkcc::tee::collect
