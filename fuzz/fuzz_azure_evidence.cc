// Azure vTPM evidence: the JSON document, the TPM quote (TPMS_ATTEST) and the TDREPORT parsers.
#include "zkcc/tee/azure/evidence.h"
#include "zkcc/tee/azure/tpm_quote.h"
#include "zkcc/tee/tdx/tdreport.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  (void)zkcc::tee::azure::parse_tpm_quote(bytes);
  (void)zkcc::tee::tdx::parse_tdreport(bytes);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)zkcc::tee::azure::verify_evidence(text, {}, 1767225600);
  return 0;
}
