// SHA-2 digests through OpenSSL.
#ifndef ZKCC_HASH_SHA2_H_
#define ZKCC_HASH_SHA2_H_

#include <array>
#include <cstdint>
#include <span>

namespace zkcc::hash {

using Sha256Digest = std::array<uint8_t, 32>;
using Sha384Digest = std::array<uint8_t, 48>;
using Sha512Digest = std::array<uint8_t, 64>;

Sha256Digest sha256(std::span<const uint8_t> data);
Sha384Digest sha384(std::span<const uint8_t> data);
Sha512Digest sha512(std::span<const uint8_t> data);

}  // namespace zkcc::hash

#endif  // ZKCC_HASH_SHA2_H_
