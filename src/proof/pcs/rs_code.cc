#include "zkcc/proof/pcs/rs_code.h"

#include <cassert>

#include "zkcc/base/parallel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define ZKCC_RS_HAVE_X86 1
#endif

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

// (a, b) <- (a + b, (a - b) w), with the product's real and imaginary parts each reduced once.
inline void butterfly(CM31& a, CM31& b, const CM31& w) {
  constexpr uint64_t kP = M31::kModulus;
  CM31 s = a + b;
  CM31 d = a - b;
  uint64_t dr = d.a.value(), di = d.b.value(), wr = w.a.value(), wi = w.b.value();
  b = {M31::from_u64(dr * wr + (kP * kP - di * wi)), M31::from_u64(dr * wi + di * wr)};
  a = s;
}

void butterflies_portable(CM31* x, CM31* y, const CM31* w, size_t n) {
  for (size_t j = 0; j < n; ++j) butterfly(x[j], y[j], w[j]);
}

#if ZKCC_RS_HAVE_X86
// Four butterflies per step on interleaved (re, im) lanes. Lane values stay canonical: sums and
// differences are corrected with an unsigned min, products reduced from 64 bits by folding 2^31.
__attribute__((target("avx2"))) inline __m256i reduce64(__m256i v) {
  const __m256i p = _mm256_set1_epi64x(M31::kModulus);
  v = _mm256_add_epi64(_mm256_and_si256(v, p), _mm256_srli_epi64(v, 31));  // < 2^33 + 2^31
  v = _mm256_add_epi64(_mm256_and_si256(v, p), _mm256_srli_epi64(v, 31));  // < 2^31 + 4
  return v;
}

__attribute__((target("avx2"))) void butterflies_avx2(CM31* x, CM31* y, const CM31* w, size_t n) {
  static_assert(sizeof(CM31) == 8, "CM31 must be two bare words");
  const __m256i p32 = _mm256_set1_epi32(static_cast<int>(M31::kModulus));
  const __m256i p2 = _mm256_set1_epi64x(static_cast<long long>(uint64_t(M31::kModulus) * M31::kModulus));
  size_t j = 0;
  for (; j + 4 <= n; j += 4) {
    __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + j));
    __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(y + j));
    __m256i tw = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w + j));
    __m256i s = _mm256_add_epi32(a, b);
    s = _mm256_min_epu32(s, _mm256_sub_epi32(s, p32));
    __m256i d = _mm256_sub_epi32(a, b);
    d = _mm256_min_epu32(d, _mm256_add_epi32(d, p32));
    __m256i d_hi = _mm256_srli_epi64(d, 32);
    __m256i w_hi = _mm256_srli_epi64(tw, 32);
    __m256i rr = _mm256_mul_epu32(d, tw);        // dr wr
    __m256i ii = _mm256_mul_epu32(d_hi, w_hi);   // di wi
    __m256i ri = _mm256_mul_epu32(d, w_hi);      // dr wi
    __m256i ir = _mm256_mul_epu32(d_hi, tw);     // di wr
    __m256i re = reduce64(_mm256_add_epi64(rr, _mm256_sub_epi64(p2, ii)));
    __m256i im = reduce64(_mm256_add_epi64(ri, ir));
    __m256i out = _mm256_or_si256(re, _mm256_slli_epi64(im, 32));
    out = _mm256_min_epu32(out, _mm256_sub_epi32(out, p32));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(x + j), s);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + j), out);
  }
  butterflies_portable(x + j, y + j, w + j, n - j);
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

// n butterflies between x[j] and y[j] with twiddle w[j].
inline void butterflies(CM31* x, CM31* y, const CM31* w, size_t n) {
#if ZKCC_RS_HAVE_X86
  if (n >= 4 && have_avx2()) return butterflies_avx2(x, y, w, n);
#endif
  butterflies_portable(x, y, w, n);
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
    for (size_t blk = 0; blk < n; blk += 2 * h) butterflies(x + blk, x + blk + h, w, h);
  }
}

// Depth first, so each half is transformed while it is still in cache.
void dif(CM31* x, size_t n, const CM31* tw) {
  if (n <= kInCacheBlock) return dif_in_cache(x, n, tw);
  size_t h = n / 2;
  const CM31* w = tw + h;
  butterflies(x, x + h, w, h);
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

namespace {

template <class F>
std::vector<CM31> encode(std::span<const F> message, size_t log_blowup) {
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

}  // namespace

std::vector<CM31> rs_encode(std::span<const M31> message, size_t log_blowup) { return encode(message, log_blowup); }
std::vector<CM31> rs_encode(std::span<const CM31> message, size_t log_blowup) { return encode(message, log_blowup); }

}  // namespace zkcc::proof
