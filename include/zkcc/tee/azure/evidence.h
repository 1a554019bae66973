// Azure vTPM evidence as one JSON document (the shape the confidential-containers verifiers
// exchange): {"version", "tpm_quote": {"signature": hex, "message": hex TPMS_ATTEST,
// "pcrs": [24 hex SHA-256 values]}, "hcl_report": base64url, and either "vcek": base64 DER (SNP)
// or "td_quote": base64url DCAP quote (TDX)}. The legacy SNP layout that Trustee's az-snp-vtpm
// verifier still accepts is read too: {"quote": {"signature", "message", "pcrs"}, "report" (the
// HCL report), all bytes as JSON arrays of integers, and "vcek": PEM of VCEK, ASK and ARK}.
//
// Verification chains every piece to hardware: the SNP report (or the TD quote, whose body must
// repeat the HCL's TDREPORT) is checked against the vendor roots; its REPORT_DATA binds the
// runtime claims; the claims carry HCLAkPub; HCLAkPub signs the TPM quote; the quote's digest
// binds the PCR values.
#ifndef ZKCC_TEE_AZURE_EVIDENCE_H_
#define ZKCC_TEE_AZURE_EVIDENCE_H_

#include <optional>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/tee/sev_snp/verify.h"
#include "zkcc/tee/tdx/collateral.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::tee::azure {

struct EvidenceOptions {
  sev_snp::TrustRoots snp_roots;
  tdx::TrustRoots tdx_roots;
  std::vector<Certificate> certs;              // VCEK chain, when the evidence carries none
  std::optional<tdx::Collateral> collateral;   // full TCB evaluation of the TD quote when given
  std::optional<Bytes> expected_nonce;         // the TPM quote's extraData
};

// Verifies the JSON evidence; the verdict kind is "azure-snp-vtpm" or "azure-tdx-vtpm".
Verdict verify_evidence(std::string_view json, const EvidenceOptions& options, int64_t at);

// True when `json` has the shape above (for telling evidence kinds apart).
bool looks_like_evidence(std::string_view json);

}  // namespace zkcc::tee::azure

#endif  // ZKCC_TEE_AZURE_EVIDENCE_H_
