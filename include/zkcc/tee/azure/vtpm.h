// The Azure confidential-VM collector: evidence in the JSON shape of azure/evidence.h, gathered
// through the vTPM (TPM 2.0 Enhanced System API over a TCTI) and the Azure Instance Metadata
// Service.
//
// attest(report_data):
//   1. writes the 64 bytes to NV index 0x01400002 (user data) with owner authorization and an
//      empty password, as Azure guests do (or the index's own empty authValue when the index
//      allows only that); the paravisor then regenerates the HCL report;
//   2. reads NV index 0x01400001 (the HCL report) in chunks of at most TPM2_PT_NV_BUFFER_MAX
//      bytes, bounded by the index's public size, until its runtime claims carry that user data;
//   3. quotes the 24 SHA-256 PCRs with the attestation key at persistent handle 0x81000003
//      (RSASSA / SHA-256) and reads the PCR values the quote's digest covers;
//   4. asks IMDS for what the hardware report needs: the VCEK and its chain from THIM
//      (GET /metadata/THIM/amd/certification, "Metadata: true") for SNP, or the TD quote for the
//      TDREPORT (POST /acc/tdquote {"report": base64url}) for TDX.
// Nothing partial is returned: any step that fails fails the call with the step named.
#ifndef ZKCC_TEE_AZURE_VTPM_H_
#define ZKCC_TEE_AZURE_VTPM_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/tee/azure/hcl.h"
#include "zkcc/tee/evidence.h"

namespace zkcc::tee::azure {

// The vTPM attestation key (HCLAkPub) lives here on every Azure confidential VM.
inline constexpr uint32_t kAttestationKeyHandle = 0x81000003;

// The quote's qualifying data when the caller gives none: report_data[0:48]. The TPM accepts at
// most sizeof(TPMT_HA) - 2 bytes of qualifying data, which is 48 on a TPM without SHA-512 (the
// Microsoft reference profile); the real Azure sample quotes the same way (its extraData is the
// first 48 bytes of its user data). The whole 64 bytes are bound anyway through the HCL report.
inline constexpr size_t kDefaultQuoteNonceSize = 48;
Bytes default_quote_nonce(std::span<const uint8_t, 64> report_data);

struct VtpmOptions {
  // A TCTI configuration for Tss2_TctiLdr_Initialize: the kernel's resource manager by default,
  // "swtpm:host=127.0.0.1,port=N" for a software TPM.
  std::string tcti = "device:/dev/tpmrm0";
  // IMDS, as "http://host[:port]" without a path.
  std::string imds_url = "http://169.254.169.254";
  // The quote's qualifying data (1 to 64 bytes); default_quote_nonce(report_data) when absent.
  std::optional<Bytes> quote_nonce;
  // The paravisor regenerates the HCL report after the user data is written, not necessarily
  // before our first read: reads are repeated this many times, retry_delay apart.
  int report_attempts = 10;
  std::chrono::milliseconds retry_delay{500};
  // Each IMDS request is tried this many times (retry_delay apart), with this timeout.
  int imds_attempts = 3;
  std::chrono::seconds imds_timeout{20};
  // Azure guests define the user-data index themselves (64 bytes, owner read/write) when it is
  // absent; with false a missing index is an error.
  bool define_user_data_index = true;
};

class VtpmAttester final : public CpuAttester {
 public:
  // Connects once to read the HCL report, which tells SNP from TDX.
  static StatusOr<std::unique_ptr<VtpmAttester>> open(VtpmOptions options = {});

  // kAzureSnpVtpm or kAzureTdxVtpm.
  CpuPlatform platform() const override { return platform_; }
  // Evidence whose HCL runtime claims carry `report_data` as "user-data"; source "vtpm". For SNP
  // `certificates` holds the VCEK, then ASK and ARK, as THIM returned them.
  StatusOr<CpuEvidence> attest(std::span<const uint8_t, 64> report_data) override;

 private:
  VtpmAttester(VtpmOptions options, CpuPlatform platform) : options_(std::move(options)), platform_(platform) {}

  VtpmOptions options_;
  CpuPlatform platform_;
};

// Reads the HCL report from NV index 0x01400001 as it is now, without writing user data.
StatusOr<Bytes> read_hcl_report(const std::string& tcti);

}  // namespace zkcc::tee::azure

#endif  // ZKCC_TEE_AZURE_VTPM_H_
