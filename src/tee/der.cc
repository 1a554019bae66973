#include "der.h"

#include <string>

namespace zkcc::tee::der {

StatusOr<Tlv> next(std::span<const uint8_t>& in, std::string_view what) {
  if (in.size() < 2) return invalid_argument(std::string(what) + ": truncated DER");
  Tlv t;
  t.tag = in[0];
  if ((t.tag & 0x1f) == 0x1f) return invalid_argument(std::string(what) + ": multi-byte DER tag");
  size_t len = in[1], hdr = 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return invalid_argument(std::string(what) + ": bad DER length");
    len = 0;
    for (size_t i = 0; i < n; ++i) len = len << 8 | in[2 + i];
    hdr = 2 + n;
  }
  if (in.size() - hdr < len) return invalid_argument(std::string(what) + ": DER value runs past its container");
  t.value = in.subspan(hdr, len);
  in = in.subspan(hdr + len);
  return t;
}

StatusOr<std::span<const uint8_t>> only(std::span<const uint8_t> in, uint8_t tag, std::string_view what) {
  ZKCC_ASSIGN_OR_RETURN(Tlv t, next(in, what));
  if (t.tag != tag) return invalid_argument(std::string(what) + ": unexpected DER tag 0x" + to_hex(std::span(&t.tag, 1)));
  if (!in.empty()) return invalid_argument(std::string(what) + ": bytes after the DER value");
  return t.value;
}

}  // namespace zkcc::tee::der
