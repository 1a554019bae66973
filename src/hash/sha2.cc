#include "zkcc/hash/sha2.h"

#include <openssl/sha.h>

namespace zkcc::hash {

Sha256Digest sha256(std::span<const uint8_t> data) {
  Sha256Digest d;
  SHA256(data.data(), data.size(), d.data());
  return d;
}

Sha384Digest sha384(std::span<const uint8_t> data) {
  Sha384Digest d;
  SHA384(data.data(), data.size(), d.data());
  return d;
}

Sha512Digest sha512(std::span<const uint8_t> data) {
  Sha512Digest d;
  SHA512(data.data(), data.size(), d.data());
  return d;
}

}  // namespace zkcc::hash
