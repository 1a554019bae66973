#include "zkcc/tee/collect/tdx_guest.h"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "zkcc/tee/tdx/tdreport.h"

namespace zkcc::tee::collect {
namespace {

// include/uapi/linux/tdx-guest.h, declared here so the build does not depend on the kernel headers.
struct TdxReportReq {
  uint8_t reportdata[64];
  uint8_t tdreport[1024];
};
static_assert(sizeof(TdxReportReq) == 1088);

constexpr unsigned long kTdxCmdGetReport0 = _IOWR('T', 1, TdxReportReq);

std::string errno_text(int err) { return std::system_category().message(err) + " (errno " + std::to_string(err) + ")"; }

}  // namespace

StatusOr<Bytes> tdx_guest_tdreport(const std::string& device, std::span<const uint8_t, 64> report_data, DeviceIo* io) {
  DeviceIo& dev = io != nullptr ? *io : system_device_io();
  int fd = dev.open(device, O_RDWR);
  if (fd < 0) {
    int err = -fd;
    std::string m = "cannot open " + device + ": " + errno_text(err);
    if (err == ENOENT || err == ENXIO || err == ENODEV) return not_found(m + " (tdx-guest driver not loaded?)");
    if (err == EACCES || err == EPERM) return permission_denied(m + " (needs root or access to the device)");
    return internal_error(m);
  }
  auto req = std::make_unique<TdxReportReq>();
  std::memcpy(req->reportdata, report_data.data(), report_data.size());
  std::memset(req->tdreport, 0, sizeof req->tdreport);
  int rc = dev.ioctl(fd, kTdxCmdGetReport0, req.get());
  dev.close(fd);
  if (rc < 0) {
    int err = -rc;
    std::string m = "TDX_CMD_GET_REPORT0 on " + device + " failed: " + errno_text(err);
    if (err == EIO) return internal_error(m + " (TDG.MR.REPORT failed in the TDX module)");
    if (err == EINVAL) return invalid_argument(m);
    if (err == EACCES || err == EPERM) return permission_denied(m);
    if (err == ENOTTY) return failed_precondition(m + " (the driver does not know this request)");
    return internal_error(m);
  }
  Bytes report(req->tdreport, req->tdreport + sizeof req->tdreport);
  auto parsed = tdx::parse_tdreport(report);
  if (!parsed.ok()) return parsed.status().with_context(device);
  if (!std::equal(parsed->body.report_data.begin(), parsed->body.report_data.end(), report_data.begin())) {
    return data_loss("the TDREPORT from " + device + " carries other REPORTDATA than was requested");
  }
  return report;
}

}  // namespace zkcc::tee::collect
