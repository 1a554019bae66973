// NVIDIA Reference Integrity Manifests (RIMs): the golden measurements of a GPU driver or VBIOS,
// published as an ISO/IEC 19770-2 SWID tag with TCG RIM metadata. Each measurement is a Payload
// Resource with an index, an active flag and one or more SHA-384 alternatives (Hash0..HashN-1).
// The document carries an enveloped XML-DSig signature (ECDSA P-384 / SHA-384, C14N 1.1) whose
// KeyInfo embeds the signer's certificate chain, leaf first, up to the NVIDIA CoRIM signing Root CA.
#ifndef ZKCC_TEE_NVIDIA_GPU_RIM_H_
#define ZKCC_TEE_NVIDIA_GPU_RIM_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/nvidia_gpu/report.h"
#include "zkcc/tee/verdict.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::nvidia_gpu {

struct RimMeasurement {
  uint32_t index = 0;  // counts from 0; the report's SPDM block index is one more
  std::string name;
  bool active = false;            // only active measurements are compared with a report
  uint32_t size = 0;              // bytes in each alternative (48: SHA-384)
  std::vector<Bytes> alternatives;  // Hash0..HashN-1; a report value may equal any one of them
};

// The Meta element's attributes; "" where absent.
struct RimMeta {
  std::string colloquial_version;  // the driver or VBIOS version, "550.144.03"
  std::string edition;
  std::string product;
  std::string revision;
  std::string payload_type;
  std::string binding_spec;  // TCG RIM attributes from here on
  std::string binding_spec_version;
  std::string platform_manufacturer;
  std::string platform_manufacturer_id;
  std::string platform_model;
  std::string firmware_manufacturer;
  std::string firmware_manufacturer_id;
};

struct Rim {
  std::string name;  // SoftwareIdentity name, "GH100"
  std::string version;
  std::string tag_id;
  RimMeta meta;
  std::vector<RimMeasurement> measurements;  // document order, indices unique
};

struct RimTrustRoots {
  bool nvidia = true;              // the compiled-in NVIDIA CoRIM signing Root CA
  std::vector<Certificate> extra;  // accepted only when passed explicitly
};

// Parses a RIM's content without checking its signature: verify_rim the same bytes before
// trusting what this returns. Rejects a DOCTYPE, unknown Resource types, duplicate indices, hashes
// other than SHA-384 and anything malformed; never reads files or the network.
StatusOr<Rim> parse_rim(std::string_view xml);

// Checks, in order: the RIM parses; its XML-DSig signature verifies with the key of the leaf
// certificate embedded in KeyInfo (and no other key, reference or transform than a RIM needs);
// the embedded chain links leaf first to a trusted root; every certificate is valid at `at` (Unix
// seconds). Claims: name, version, tag id, colloquial version, measurement counts, signer.
Verdict verify_rim(std::string_view xml, const RimTrustRoots& roots, int64_t at);

// For every active RIM measurement with index i, the report's block with SPDM index i + 1 must
// equal one of the measurement's alternatives; one check per active measurement, and the claims
// list the mismatched indices. As NVIDIA's verifier does, index 35 is skipped when the report says
// NVDEC0 is disabled. Meaningful only for a verified report and a verified RIM.
Verdict compare_measurements(const GpuReport& report, const Rim& rim);

// RIMs given for a report come as a pair, as NVIDIA's verifier uses them: one whose colloquial
// version is the report's driver version and one whose colloquial version is its VBIOS version
// (letters compared without case). Checks "driver RIM version is the report's" and "VBIOS RIM
// version is the report's"; a missing RIM fails its check.
Verdict check_rim_versions(const GpuReport& report, std::span<const Rim> rims);

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_TEE_NVIDIA_GPU_RIM_H_
