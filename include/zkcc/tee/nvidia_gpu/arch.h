// NVIDIA GPU architectures and where each keeps its firmware ID (FWID). The FMC alias key's
// certificate carries the FWID in a TCG DICE extension whose OID and layout depend on the
// architecture: Hopper (GH100) uses 2.23.133.5.4.1 holding {version, key, FWID}; Blackwell (GB100)
// uses 2.23.133.5.4.1.1, a DiceTcbInfo whose `fwids` [6] lists FWIDs, the first being the one the
// report states. The architecture comes from the evidence (`arch` in NVIDIA's serialized evidence)
// and must be the one the certificate chain names (GH100 or GB100 in its common names).
// Reference: NVIDIA attestation SDK (nv-attestation-sdk-cpp `GpuArchitectureData`, FWID types);
// TCG DICE Attestation Architecture (DiceTcbInfo).
#ifndef ZKCC_TEE_NVIDIA_GPU_ARCH_H_
#define ZKCC_TEE_NVIDIA_GPU_ARCH_H_

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/x509.h"

namespace zkcc::tee::nvidia_gpu {

enum class GpuArch { kHopper, kBlackwell };

// "HOPPER" / "BLACKWELL", as NVIDIA's serialized evidence writes them.
std::string_view arch_name(GpuArch arch);
// The chip family the architecture's certificates name: "GH100" / "GB100".
std::string_view arch_chip(GpuArch arch);
// The GPU model a summary names for the architecture: "H100" (GH100 parts, H200 included, which
// the evidence does not tell apart) / "B200" (GB100 parts).
std::string_view gpu_model(GpuArch arch);
// The TCG DICE extension holding the FWID: "2.23.133.5.4.1" / "2.23.133.5.4.1.1".
std::string_view fwid_oid(GpuArch arch);
// An architecture by name, without regard to case (NVIDIA's SDK reads it so); nullopt if unknown.
std::optional<GpuArch> parse_arch(std::string_view name);

// The architecture every certificate of `chain` that names a chip family names. Fails when none
// does, or when two name different families.
StatusOr<GpuArch> chain_arch(std::span<const Certificate> chain);

// The SHA-384 FWID in `leaf`'s DICE extension for `arch`, parsed strictly (DER lengths checked,
// the digest algorithm SHA-384 and the digest 48 bytes). Fails naming what is missing or malformed.
StatusOr<Bytes> leaf_fwid(const Certificate& leaf, GpuArch arch);

}  // namespace zkcc::tee::nvidia_gpu

#endif  // ZKCC_TEE_NVIDIA_GPU_ARCH_H_
