// Intel PCS answers: finding the exact signed text of a member, and %-decoding issuer chains.
#include "zkcc/tee/collateral/fetch.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto s = zkcc::tee::collateral::split_pcs_body(text, "tcbInfo");
  if (s.ok() && text.find(s->text) == std::string_view::npos) __builtin_trap();  // must be a verbatim slice
  (void)zkcc::tee::collateral::percent_decode(text);
  return 0;
}
