// TDX quote parsing and the PCK chain's PEM parsing.
#include "zkcc/tee/tdx/quote.h"
#include "zkcc/tee/x509.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto q = zkcc::tee::tdx::parse_quote(std::span<const uint8_t>(data, size));
  if (q.ok()) (void)zkcc::tee::Certificate::from_pem_bundle(q->pck_chain_pem);
  return 0;
}
