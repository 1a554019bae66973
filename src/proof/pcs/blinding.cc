// The randomness of hiding commitments: the blinding segment's size, and the segment and the
// mask drawn from ChaCha20 under a seed (the system's generator supplies one when none is given).
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

#include "protocol.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof {

size_t pcs_blinding_size(const PcsConfig& config, size_t openings) {
  // Each queried coset of layer 0 shows every residue class (mod 2^(fold_arity_log - 1)) of the
  // data's coefficients at one point; a class stays uniform while it holds at least as many
  // random coefficients as points shown (docs/soundness.md, "Zero knowledge").
  size_t need = (size_t{1} << (config.fold_arity_log - 1)) * config.num_queries * std::max<size_t>(openings, 1);
  size_t size = 1;
  while (size < need) size <<= 1;
  return size;
}

Status pcs_random_words(std::span<M31> out, const std::optional<std::array<uint8_t, 32>>& seed) {
  return pcs_internal::fill_random(seed, out, {});
}

namespace pcs_internal {

Status fill_random(const std::optional<std::array<uint8_t, 32>>& seed, std::span<M31> first, std::span<M31> second) {
  std::array<uint8_t, 32> key;
  if (seed) {
    key = *seed;
  } else if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) {
    return internal_error("the system's random generator failed");
  }
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  const uint8_t iv[16] = {};
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_chacha20(), nullptr, key.data(), iv) != 1) {
    return internal_error("ChaCha20 is not available");
  }
  constexpr size_t kChunk = 1 << 16;
  std::vector<uint8_t> zeros(kChunk), stream(kChunk);
  size_t used = kChunk;  // bytes of `stream` consumed
  auto next_word = [&]() -> StatusOr<uint32_t> {
    if (used == kChunk) {
      int len = 0;
      if (EVP_EncryptUpdate(ctx.get(), stream.data(), &len, zeros.data(), static_cast<int>(kChunk)) != 1 ||
          len != static_cast<int>(kChunk)) {
        return internal_error("ChaCha20 failed");
      }
      used = 0;
    }
    uint32_t w = uint32_t(stream[used]) | uint32_t(stream[used + 1]) << 8 | uint32_t(stream[used + 2]) << 16 |
                 uint32_t(stream[used + 3]) << 24;
    used += 4;
    return w;
  };
  for (std::span<M31> out : {first, second}) {
    for (M31& v : out) {
      uint32_t w;
      do {
        ZKCC_ASSIGN_OR_RETURN(w, next_word());
        w &= M31::kModulus;  // 31 bits; 2^31 - 1 itself is refused so the value is uniform
      } while (w == M31::kModulus);
      v = M31::from_canonical(w);
    }
  }
  OPENSSL_cleanse(key.data(), key.size());
  OPENSSL_cleanse(stream.data(), stream.size());
  return ok_status();
}

std::vector<PcsClaim> hiding_claims(std::span<const PcsClaim> claims, std::span<const QM31> masks, const QM31& rho) {
  std::vector<PcsClaim> out;
  out.reserve(claims.size());
  const QM31 keep = QM31::one() - rho;
  for (size_t i = 0; i < claims.size(); ++i) {
    PcsClaim c(2 * claims[i].offset, claims[i].point, keep * claims[i].value + rho * masks[i]);
    c.joined = claims[i].joined;
    c.scale = claims[i].scale;
    if (claims[i].weights.empty()) {
      c.point.push_back(rho);
    } else {
      // W[2 x + b] weighs (1 - rho) w on the data and rho w on the mask, as eq(rho, b) does.
      c.weights.reserve(2 * claims[i].weights.size());
      for (const QM31& w : claims[i].weights) {
        c.weights.push_back(keep * w);
        c.weights.push_back(rho * w);
      }
    }
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace pcs_internal
}  // namespace zkcc::proof
