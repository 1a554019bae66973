// NVIDIA GPU attestation report (H100/H200/B200 in confidential-computing mode): an SPDM 1.1
// GET_MEASUREMENTS request (37 bytes) followed by the MEASUREMENTS response, whose last 96 bytes
// are the ECDSA P-384 signature (raw r || s) over request || response-without-signature.
//
// Request:  version, code 0xE0, param1 (bit 0: signature requested), param2 (0xFF: all
//           blocks), 32-byte requester nonce, slot.
// Response: version, code 0x60, param1, param2, number of blocks (1 byte), record length (3 bytes
//           LE), the measurement blocks (index, specification, size (2 LE), then a DMTF value:
//           type, size (2 LE), value), 32-byte responder nonce, opaque length (2 LE), opaque data
//           (NVIDIA TLVs: type (2 LE), length (2 LE), value), signature.
#ifndef ZKCC_TEE_NVIDIA_GPU_REPORT_H_
#define ZKCC_TEE_NVIDIA_GPU_REPORT_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::tee::nvidia_gpu {

inline constexpr size_t kRequestSize = 37;
inline constexpr size_t kSignatureSize = 96;

// NVIDIA opaque-data field types.
enum OpaqueType : uint16_t {
  kDriverVersion = 3,
  kGpuInfo = 4,
  kVbiosVersion = 6,
  kMsrsCount = 12,
  kBoardId = 14,
  kChipSku = 15,
  kChipSkuMod = 16,
  kProject = 17,
  kProjectSku = 18,
  kProjectSkuMod = 19,
  kFwid = 20,
  kProtectedPcieStatus = 21,
  kSwitchPdi = 22,
  kOpaqueDataVersion = 34,
  kFeatureFlag = 36,
};

struct MeasurementBlock {
  uint8_t index = 0;
  uint8_t specification = 0;
  uint8_t value_type = 0;
  Bytes value;
};

struct OpaqueField {
  uint16_t type = 0;
  Bytes value;
};

struct GpuReport {
  uint8_t spdm_version = 0;
  uint8_t request_param1 = 0;
  uint8_t request_param2 = 0;
  uint8_t slot = 0;
  std::array<uint8_t, 32> requester_nonce{};
  std::array<uint8_t, 32> responder_nonce{};
  std::vector<MeasurementBlock> blocks;
  std::vector<OpaqueField> opaque;
  std::array<uint8_t, 48> signature_r{};  // big endian
  std::array<uint8_t, 48> signature_s{};
  size_t signed_size = 0;  // bytes of the report covered by the signature

  const OpaqueField* field(uint16_t type) const;
  std::optional<std::string> driver_version() const;
  // "96.00.9F.00.01", NVIDIA's notation.
  std::optional<std::string> vbios_version() const;
  std::optional<std::string> project() const;
  std::optional<std::string> project_sku() const;
  std::optional<std::string> chip_sku() const;
};

// Parses and bounds-checks every length; rejects anything left over or missing.
StatusOr<GpuReport> parse_gpu_report(std::span<const uint8_t> bytes);

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_TEE_NVIDIA_GPU_REPORT_H_
