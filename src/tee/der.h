// A minimal DER walker for the vendor certificate extensions the verifiers read (Intel's SGX
// extension, TCG DICE TcbInfo): one tag-length-value at a time, every length checked against its
// container. Single-byte tags only; short and long definite lengths (up to 4 length bytes).
#ifndef ZKCC_SRC_TEE_DER_H_
#define ZKCC_SRC_TEE_DER_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"

namespace zkcc::tee::der {

inline constexpr uint8_t kInteger = 0x02;
inline constexpr uint8_t kOctetString = 0x04;
inline constexpr uint8_t kOid = 0x06;
inline constexpr uint8_t kSequence = 0x30;

struct Tlv {
  uint8_t tag = 0;
  std::span<const uint8_t> value;
};

// Reads one TLV at the front of `in` and advances `in` past it. `what` names the structure in
// errors ("<what>: truncated DER").
StatusOr<Tlv> next(std::span<const uint8_t>& in, std::string_view what);

// The value of the single TLV that `in` holds, which must carry `tag` and fill `in` exactly.
StatusOr<std::span<const uint8_t>> only(std::span<const uint8_t> in, uint8_t tag, std::string_view what);

}  // namespace zkcc::tee::der

#endif  // ZKCC_SRC_TEE_DER_H_
