#include "zkcc/field/m31_vec.h"

#include <cassert>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define ZKCC_HAVE_X86 1
#endif

namespace zkcc::field {

static_assert(sizeof(M31) == sizeof(uint32_t), "M31 must be a bare uint32_t for the vector kernels");

namespace portable {

void m31_add(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] + b[i];
}
void m31_sub(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] - b[i];
}
void m31_mul(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] * b[i];
}
void m31_scale(std::span<const M31> a, M31 s, std::span<M31> out) {
  for (size_t i = 0; i < out.size(); ++i) out[i] = a[i] * s;
}
M31 m31_inner_product(std::span<const M31> a, std::span<const M31> b) {
  // Each product is < 2^62, so four fit in a uint64_t before a fold is needed.
  uint64_t acc = 0;
  size_t i = 0;
  for (; i + 4 <= a.size(); i += 4) {
    uint64_t s = uint64_t(a[i].value()) * b[i].value() + uint64_t(a[i + 1].value()) * b[i + 1].value() +
                 uint64_t(a[i + 2].value()) * b[i + 2].value();
    s = (s & M31::kModulus) + (s >> 31);  // < 2^33
    s += uint64_t(a[i + 3].value()) * b[i + 3].value();
    acc += (s & M31::kModulus) + (s >> 31);  // adds < 2^33 per step
    acc = (acc & M31::kModulus) + (acc >> 31);
  }
  M31 r = M31::from_u64(acc);
  for (; i < a.size(); ++i) r += a[i] * b[i];
  return r;
}

}  // namespace portable

#ifdef ZKCC_HAVE_X86
namespace {

// Lane-wise reduction of s in [0, 2p] to [0, p).
__attribute__((target("avx2"))) inline __m256i reduce_once(__m256i s) {
  const __m256i p = _mm256_set1_epi32(static_cast<int>(M31::kModulus));
  return _mm256_min_epu32(s, _mm256_sub_epi32(s, p));
}

__attribute__((target("avx2"))) inline __m256i add8(__m256i a, __m256i b) {
  return reduce_once(_mm256_add_epi32(a, b));
}

__attribute__((target("avx2"))) inline __m256i sub8(__m256i a, __m256i b) {
  const __m256i p = _mm256_set1_epi32(static_cast<int>(M31::kModulus));
  __m256i d = _mm256_sub_epi32(a, b);
  return _mm256_min_epu32(d, _mm256_add_epi32(d, p));
}

// Multiplies 8 lanes: even lanes with mul_epu32 directly, odd lanes after a 32-bit shift, then
// folds each 62-bit product as (x mod 2^31) + (x >> 31).
__attribute__((target("avx2"))) inline __m256i mul8(__m256i a, __m256i b) {
  const __m256i p = _mm256_set1_epi32(static_cast<int>(M31::kModulus));
  __m256i prod_even = _mm256_mul_epu32(a, b);
  __m256i prod_odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), _mm256_srli_epi64(b, 32));
  // Even products: low 31 bits stay in the low dword; the high part (x >> 31) is shifted down.
  __m256i even_lo = _mm256_and_si256(prod_even, _mm256_set1_epi64x(M31::kModulus));
  __m256i even_hi = _mm256_srli_epi64(prod_even, 31);
  // Odd products: move the low 31 bits into the high dword and the high part into it as well.
  __m256i odd_lo = _mm256_slli_epi64(_mm256_and_si256(prod_odd, _mm256_set1_epi64x(M31::kModulus)), 32);
  __m256i odd_hi = _mm256_slli_epi64(_mm256_srli_epi64(prod_odd, 31), 32);
  __m256i lo = _mm256_blend_epi32(even_lo, odd_lo, 0b10101010);
  __m256i hi = _mm256_blend_epi32(even_hi, odd_hi, 0b10101010);
  __m256i s = _mm256_add_epi32(lo, hi);  // each lane < 2p
  return _mm256_min_epu32(s, _mm256_sub_epi32(s, p));
}

enum class Op { kAdd, kSub, kMul };

template <Op kOp>
__attribute__((target("avx2"))) inline __m256i apply(__m256i x, __m256i y) {
  if constexpr (kOp == Op::kAdd) return add8(x, y);
  if constexpr (kOp == Op::kSub) return sub8(x, y);
  if constexpr (kOp == Op::kMul) return mul8(x, y);
}

template <Op kOp>
__attribute__((target("avx2"))) inline void binary_avx2(std::span<const M31> a, std::span<const M31> b,
                                                        std::span<M31> out) {
  size_t n = out.size(), i = 0;
  auto* pa = reinterpret_cast<const uint32_t*>(a.data());
  auto* pb = reinterpret_cast<const uint32_t*>(b.data());
  auto* po = reinterpret_cast<uint32_t*>(out.data());
  for (; i + 8 <= n; i += 8) {
    __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + i));
    __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + i), apply<kOp>(va, vb));
  }
  for (; i < n; ++i) {
    __m256i va = _mm256_set1_epi32(static_cast<int>(pa[i]));
    __m256i vb = _mm256_set1_epi32(static_cast<int>(pb[i]));
    po[i] = static_cast<uint32_t>(_mm256_cvtsi256_si32(apply<kOp>(va, vb)));
  }
}

__attribute__((target("avx2"))) void add_avx2(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  binary_avx2<Op::kAdd>(a, b, out);
}
__attribute__((target("avx2"))) void sub_avx2(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  binary_avx2<Op::kSub>(a, b, out);
}
__attribute__((target("avx2"))) void mul_avx2(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  binary_avx2<Op::kMul>(a, b, out);
}
__attribute__((target("avx2"))) void scale_avx2(std::span<const M31> a, M31 s, std::span<M31> out) {
  __m256i vs = _mm256_set1_epi32(static_cast<int>(s.value()));
  size_t n = out.size(), i = 0;
  auto* pa = reinterpret_cast<const uint32_t*>(a.data());
  auto* po = reinterpret_cast<uint32_t*>(out.data());
  for (; i + 8 <= n; i += 8) {
    __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(po + i), mul8(va, vs));
  }
  for (; i < n; ++i) out[i] = a[i] * s;
}
__attribute__((target("avx2"))) M31 inner_product_avx2(std::span<const M31> a, std::span<const M31> b) {
  __m256i acc = _mm256_setzero_si256();
  size_t n = a.size(), i = 0;
  auto* pa = reinterpret_cast<const uint32_t*>(a.data());
  auto* pb = reinterpret_cast<const uint32_t*>(b.data());
  for (; i + 8 <= n; i += 8) {
    __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pa + i));
    __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pb + i));
    acc = add8(acc, mul8(va, vb));
  }
  alignas(32) uint32_t lanes[8];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  M31 r;
  for (uint32_t l : lanes) r += M31::from_canonical(l);
  for (; i < n; ++i) r += a[i] * b[i];
  return r;
}

bool detect_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2");
}

}  // namespace

bool m31_vec_uses_avx2() {
  static const bool has = detect_avx2();
  return has;
}
#else
bool m31_vec_uses_avx2() { return false; }
#endif

void m31_add(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  assert(a.size() == out.size() && b.size() == out.size());
#ifdef ZKCC_HAVE_X86
  if (m31_vec_uses_avx2()) return add_avx2(a, b, out);
#endif
  portable::m31_add(a, b, out);
}
void m31_sub(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  assert(a.size() == out.size() && b.size() == out.size());
#ifdef ZKCC_HAVE_X86
  if (m31_vec_uses_avx2()) return sub_avx2(a, b, out);
#endif
  portable::m31_sub(a, b, out);
}
void m31_mul(std::span<const M31> a, std::span<const M31> b, std::span<M31> out) {
  assert(a.size() == out.size() && b.size() == out.size());
#ifdef ZKCC_HAVE_X86
  if (m31_vec_uses_avx2()) return mul_avx2(a, b, out);
#endif
  portable::m31_mul(a, b, out);
}
void m31_scale(std::span<const M31> a, M31 s, std::span<M31> out) {
  assert(a.size() == out.size());
#ifdef ZKCC_HAVE_X86
  if (m31_vec_uses_avx2()) return scale_avx2(a, s, out);
#endif
  portable::m31_scale(a, s, out);
}
M31 m31_inner_product(std::span<const M31> a, std::span<const M31> b) {
  assert(a.size() == b.size());
#ifdef ZKCC_HAVE_X86
  if (m31_vec_uses_avx2()) return inner_product_avx2(a, b);
#endif
  return portable::m31_inner_product(a, b);
}

}  // namespace zkcc::field
