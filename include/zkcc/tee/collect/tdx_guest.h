// The TDREPORT through /dev/tdx_guest (Linux include/uapi/linux/tdx-guest.h):
//   TDX_CMD_GET_REPORT0 = _IOWR('T', 1, struct tdx_report_req {reportdata[64], tdreport[1024]}),
// failing with EINVAL for bad operands and EIO when TDCALL[TDG.MR.REPORT] fails.
// A TDREPORT is MACed with a key that never leaves the CPU, so it proves nothing outside the TD:
// a verifier needs the quote the quoting enclave makes of it, which Linux gives through
// configfs-tsm (configfs_tsm.h). That is why no CpuAttester is built on this device; callers that
// have their own quoting path (such as a paravisor's) can use the TDREPORT directly.
#ifndef ZKCC_TEE_COLLECT_TDX_GUEST_H_
#define ZKCC_TEE_COLLECT_TDX_GUEST_H_

#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/collect/collect.h"

namespace zkcc::tee::collect {

// The 1024-byte TDREPORT for `report_data`, checked with tdx::parse_tdreport and for carrying
// report_data. `io` null: system_device_io().
StatusOr<Bytes> tdx_guest_tdreport(const std::string& device, std::span<const uint8_t, 64> report_data,
                                   DeviceIo* io = nullptr);

}  // namespace zkcc::tee::collect

#endif  // ZKCC_TEE_COLLECT_TDX_GUEST_H_
