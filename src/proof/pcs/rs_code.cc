#include "zkcc/proof/pcs/rs_code.h"

#include <cassert>

#include "zkcc/base/parallel.h"

namespace zkcc::proof {
namespace {

// A generator of H_32: z^(2^30 - 1) for the first z = a + i (a = 1, 2, ...) whose power has order
// exactly 2^32, i.e. whose 2^31-th power is not 1.
CM31 find_h32_generator() {
  for (uint32_t a = 1;; ++a) {
    CM31 z{M31::from_u32(a), M31::one()};
    CM31 g = z.pow((uint64_t{1} << 30) - 1);
    CM31 t = g;
    for (int i = 0; i < 31; ++i) t = t.square();
    if (!(t == CM31::one())) return g;
  }
}

// Blocks of this many values (64 KiB) run their remaining stages in cache.
constexpr size_t kInCacheBlock = size_t{1} << 13;

inline void butterfly(CM31& a, CM31& b, const CM31& w) {
  CM31 s = a + b;
  b = (a - b) * w;
  a = s;
}

// tw[h + j] = w_{2h}^j for every power of two h < n and j < h (tw[0] unused).
std::vector<CM31> twiddles(size_t log_n) {
  size_t n = size_t{1} << log_n;
  std::vector<CM31> tw(n);
  if (n < 2) return tw;
  size_t h = n / 2;
  CM31 w = cm31_root_of_unity(log_n);
  CM31 acc = CM31::one();
  for (size_t j = 0; j < h; ++j, acc *= w) tw[h + j] = acc;
  for (h /= 2; h >= 1; h /= 2) {
    for (size_t j = 0; j < h; ++j) tw[h + j] = tw[2 * h + 2 * j];
  }
  return tw;
}

void dif_in_cache(CM31* x, size_t n, const CM31* tw) {
  for (size_t h = n / 2; h >= 1; h /= 2) {
    const CM31* w = tw + h;
    for (size_t blk = 0; blk < n; blk += 2 * h) {
      for (size_t j = 0; j < h; ++j) butterfly(x[blk + j], x[blk + j + h], w[j]);
    }
  }
}

// Depth first, so each half is transformed while it is still in cache.
void dif(CM31* x, size_t n, const CM31* tw) {
  if (n <= kInCacheBlock) return dif_in_cache(x, n, tw);
  size_t h = n / 2;
  const CM31* w = tw + h;
  for (size_t j = 0; j < h; ++j) butterfly(x[j], x[j + h], w[j]);
  dif(x, h, tw);
  dif(x + h, h, tw);
}

size_t log2_of(size_t n) {
  size_t k = 0;
  while ((size_t{1} << k) < n) ++k;
  return k;
}

}  // namespace

CM31 cm31_root_of_unity(size_t log_order) {
  assert(log_order <= kMaxCm31TwoAdicity);
  static const CM31 g32 = find_h32_generator();
  CM31 g = g32;
  for (size_t i = log_order; i < kMaxCm31TwoAdicity; ++i) g = g.square();
  return g;
}

size_t bit_reverse(size_t x, size_t bits) {
  size_t r = 0;
  for (size_t i = 0; i < bits; ++i, x >>= 1) r = (r << 1) | (x & 1);
  return r;
}

CM31 rs_domain_point(size_t log_size, size_t position) {
  return cm31_root_of_unity(log_size).pow(bit_reverse(position, log_size));
}

void ntt_bit_reversed(std::span<CM31> values) {
  size_t log_n = log2_of(values.size());
  assert((size_t{1} << log_n) == values.size());
  std::vector<CM31> tw = twiddles(log_n);
  dif(values.data(), values.size(), tw.data());
}

std::vector<CM31> rs_encode(std::span<const M31> message, size_t log_blowup) {
  size_t log_k = log2_of(message.size());
  assert((size_t{1} << log_k) == message.size() && log_k + log_blowup <= kMaxCm31TwoAdicity);
  size_t k = message.size(), cosets = size_t{1} << log_blowup;
  std::vector<CM31> out(k << log_blowup);
  std::vector<CM31> tw = twiddles(log_k);
  CM31 w = cm31_root_of_unity(log_k + log_blowup);
  // Block s of the bit-reversed codeword is f on the coset w^bitrev(s) H_n, in bit-reversed
  // order: the NTT of the coefficients c_i (w^bitrev(s))^i.
  parallel_for(cosets, 2, [&](size_t, size_t begin, size_t end) {
    for (size_t s = begin; s < end; ++s) {
      CM31 shift = w.pow(bit_reverse(s, log_blowup));
      CM31* x = out.data() + s * k;
      CM31 acc = CM31::one();
      for (size_t i = 0; i < k; ++i, acc *= shift) x[i] = acc * message[i];
      dif(x, k, tw.data());
    }
  });
  return out;
}

}  // namespace zkcc::proof
