// Evidence as collected from a device, before any verification, and the collector interfaces:
// one CpuAttester per way of reaching a CPU TEE (configfs-tsm, /dev/sev-guest, /dev/tdx_guest,
// the Azure vTPM, the simulated platform) and one GpuAttester per way of reaching NVIDIA GPUs
// (NVML, the nvattest CLI, the simulated platform).
#ifndef ZKCC_TEE_EVIDENCE_H_
#define ZKCC_TEE_EVIDENCE_H_

#include <array>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/capability.h"

namespace zkcc::tee {

struct CpuEvidence {
  CpuPlatform platform = CpuPlatform::kNone;
  std::string source;  // "configfs-tsm", "/dev/sev-guest", "/dev/tdx_guest", "vtpm", "sim"
  // kSevSnp: the 1184-byte ATTESTATION_REPORT. kTdx: the DCAP quote (its declared length, no
  // padding). kAzureSnpVtpm / kAzureTdxVtpm: the evidence JSON of azure/evidence.h.
  Bytes report;
  // DER certificates that came with the report (SNP extended report or configfs auxblob:
  // VCEK or VLEK first, then ASK/ASVK and ARK); may be empty.
  std::vector<Bytes> certificates;
  // TDX: QuoteCollateralV3 JSON when the collector has it (the simulated platform always does).
  // SEV-SNP: sev_snp/collateral.h's JSON (AMD's CRL) when the collector has it.
  std::string collateral;
  // TDX: the CC event log (the log area the ACPI CCEL table points at, as Linux exposes it in
  // /sys/firmware/acpi/tables/data/CCEL) when the collector has it; verifiers replay it to the
  // quote's RTMRs (tdx/ccel.h). Not covered by cpu_hash: the RTMRs it must replay to are.
  Bytes event_log;
};

struct GpuEvidence {
  unsigned index = 0;
  std::string name;                   // e.g. "NVIDIA H100 80GB HBM3"
  Bytes report;                       // SPDM GET_MEASUREMENTS request || signed response
  std::string certificate_chain_pem;  // leaf first, up to the NVIDIA Device Identity CA
  std::string source;                 // "nvml", "nvattest", "sim"
};

class CpuAttester {
 public:
  virtual ~CpuAttester() = default;
  virtual CpuPlatform platform() const = 0;
  // Evidence whose REPORT_DATA (SNP), REPORTDATA (TDX) or vTPM user data (Azure) is `report_data`.
  virtual StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) = 0;
};

class GpuAttester {
 public:
  virtual ~GpuAttester() = default;
  // Evidence from every GPU, in index order, each report carrying `nonce`.
  virtual StatusOr<std::vector<GpuEvidence>> attest(std::span<const uint8_t, 32> nonce) = 0;
};

}  // namespace zkcc::tee

#endif  // ZKCC_TEE_EVIDENCE_H_
