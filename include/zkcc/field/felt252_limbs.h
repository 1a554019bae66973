// Limb-level arithmetic modulo the Stark prime p = 2^251 + 17 * 2^192 + 1, on four little-endian
// 64-bit limbs. Felt252 is built on these; hot loops (Poseidon) use the lazy forms directly and
// keep values in [0, 2p) or wider between reductions, which the bounds noted below allow.
#ifndef ZKCC_FIELD_FELT252_LIMBS_H_
#define ZKCC_FIELD_FELT252_LIMBS_H_

#include <array>
#include <cstdint>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace zkcc::field::limbs {

__extension__ typedef unsigned __int128 u128;
using L4 = std::array<uint64_t, 4>;

inline constexpr uint64_t kP3 = 0x0800000000000011ull;  // top limb of p; the others are 1, 0, 0
inline constexpr L4 kP = {1, 0, 0, kP3};

// a + b + carry_in; carry_in and the returned carry are 0 or 1.
inline uint64_t adc(uint64_t a, uint64_t b, unsigned char& carry) {
#if defined(__x86_64__)
  unsigned long long out;
  carry = _addcarry_u64(carry, a, b, &out);
  return out;
#else
  u128 s = u128(a) + b + carry;
  carry = static_cast<unsigned char>(s >> 64);
  return static_cast<uint64_t>(s);
#endif
}

// a - b - borrow_in; borrow_in and the returned borrow are 0 or 1.
inline uint64_t sbb(uint64_t a, uint64_t b, unsigned char& borrow) {
#if defined(__x86_64__)
  unsigned long long out;
  borrow = _subborrow_u64(borrow, a, b, &out);
  return out;
#else
  u128 d = u128(a) - b - borrow;
  borrow = static_cast<unsigned char>((d >> 64) & 1);
  return static_cast<uint64_t>(d);
#endif
}

// Plain 256-bit addition; callers guarantee no overflow (values stay below 16p < 2^256).
inline L4 add(const L4& a, const L4& b) {
#if defined(__x86_64__) && defined(__GNUC__)
  // GCC turns _addcarry_u64 chains into setb/add sequences; four adds in asm are a third as long.
  // r0..r2 are early-clobbered so that no b[j] can share a register with an r[i] written before
  // b[j] is read; r3 is written by the last instruction, so it may.
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
  __asm__("addq %[b0], %[r0]\n\t"
          "adcq %[b1], %[r1]\n\t"
          "adcq %[b2], %[r2]\n\t"
          "adcq %[b3], %[r3]\n\t"
          : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+r"(r3)
          : [b0] "rm"(b[0]), [b1] "rm"(b[1]), [b2] "rm"(b[2]), [b3] "rm"(b[3])
          : "cc");
  return {r0, r1, r2, r3};
#else
  unsigned char c = 0;
  L4 r;
  r[0] = adc(a[0], b[0], c);
  r[1] = adc(a[1], b[1], c);
  r[2] = adc(a[2], b[2], c);
  r[3] = adc(a[3], b[3], c);
  return r;
#endif
}

// 2a as a plain 256-bit value; callers guarantee no overflow.
inline L4 dbl(const L4& a) {
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
  __asm__("addq %[r0], %[r0]\n\t"
          "adcq %[r1], %[r1]\n\t"
          "adcq %[r2], %[r2]\n\t"
          "adcq %[r3], %[r3]\n\t"
          : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3)
          :
          : "cc");
  return {r0, r1, r2, r3};
#else
  return add(a, a);
#endif
}

// Plain 256-bit subtraction; callers guarantee a >= b.
inline L4 sub(const L4& a, const L4& b) {
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t r0 = a[0], r1 = a[1], r2 = a[2], r3 = a[3];
  __asm__("subq %[b0], %[r0]\n\t"
          "sbbq %[b1], %[r1]\n\t"
          "sbbq %[b2], %[r2]\n\t"
          "sbbq %[b3], %[r3]\n\t"
          : [r0] "+&r"(r0), [r1] "+&r"(r1), [r2] "+&r"(r2), [r3] "+r"(r3)
          : [b0] "rm"(b[0]), [b1] "rm"(b[1]), [b2] "rm"(b[2]), [b3] "rm"(b[3])
          : "cc");
  return {r0, r1, r2, r3};
#else
  unsigned char c = 0;
  L4 r;
  r[0] = sbb(a[0], b[0], c);
  r[1] = sbb(a[1], b[1], c);
  r[2] = sbb(a[2], b[2], c);
  r[3] = sbb(a[3], b[3], c);
  return r;
#endif
}

// [0, 2p) -> [0, p), without branching on the value.
inline L4 cond_sub_p(const L4& v) {
#if defined(__x86_64__) && defined(__GNUC__)
  // d = v - p; keep v instead when that borrowed (cmovc: no branch on the value). The outputs are
  // early-clobbered: v is read after d is written, so they must not share registers.
  uint64_t d0 = v[0], d1 = v[1], d2 = v[2], d3 = v[3], p3;
  __asm__("movabsq $0x0800000000000011, %[p3]\n\t"
          "subq $1, %[d0]\n\t"
          "sbbq $0, %[d1]\n\t"
          "sbbq $0, %[d2]\n\t"
          "sbbq %[p3], %[d3]\n\t"
          "cmovcq %[v0], %[d0]\n\t"
          "cmovcq %[v1], %[d1]\n\t"
          "cmovcq %[v2], %[d2]\n\t"
          "cmovcq %[v3], %[d3]\n\t"
          : [d0] "+&r"(d0), [d1] "+&r"(d1), [d2] "+&r"(d2), [d3] "+&r"(d3), [p3] "=&r"(p3)
          : [v0] "rm"(v[0]), [v1] "rm"(v[1]), [v2] "rm"(v[2]), [v3] "rm"(v[3])
          : "cc");
  return {d0, d1, d2, d3};
#else
  unsigned char b = 0;
  L4 d;
  d[0] = sbb(v[0], kP[0], b);
  d[1] = sbb(v[1], 0, b);
  d[2] = sbb(v[2], 0, b);
  d[3] = sbb(v[3], kP3, b);
  uint64_t keep = uint64_t(0) - b;  // all ones when v < p
  return {(v[0] & keep) | (d[0] & ~keep), (v[1] & keep) | (d[1] & ~keep), (v[2] & keep) | (d[2] & ~keep),
          (v[3] & keep) | (d[3] & ~keep)};
#endif
}

// [0, 2^256) -> [0, 2p): with q = v >> 251, subtracts (q - 1) p when q > 0. Writing
// v = q 2^251 + r, the result is 2^251 + r - (q - 1)(17 2^192 + 1), which lies in (0, 2^252).
inline L4 reduce_partial(const L4& v) {
#if defined(__x86_64__) && defined(__GNUC__)
  uint64_t r0 = v[0], r1 = v[1], r2 = v[2], r3 = v[3], k, kp;
  __asm__("movq %[r3], %[k]\n\t"
          "shrq $59, %[k]\n\t"      // q
          "subq $1, %[k]\n\t"       // q - 1, borrowing when q = 0 ...
          "adcq $0, %[k]\n\t"       // ... and back to 0 then: k = max(q - 1, 0)
          "movabsq $0x0800000000000011, %[kp]\n\t"
          "imulq %[k], %[kp]\n\t"   // k p3 < 2^64 since k < 31
          "subq %[k], %[r0]\n\t"
          "sbbq $0, %[r1]\n\t"
          "sbbq $0, %[r2]\n\t"
          "sbbq %[kp], %[r3]\n\t"
          : [r0] "+r"(r0), [r1] "+r"(r1), [r2] "+r"(r2), [r3] "+r"(r3), [k] "=&r"(k), [kp] "=&r"(kp)
          :
          : "cc");
  return {r0, r1, r2, r3};
#else
  uint64_t q = v[3] >> 59;
  uint64_t k = q - (q != 0 ? 1 : 0);
  unsigned char b = 0;
  L4 r;
  r[0] = sbb(v[0], k, b);
  r[1] = sbb(v[1], 0, b);
  r[2] = sbb(v[2], 0, b);
  r[3] = sbb(v[3], k * kP3, b);
  return r;
#endif
}

// (a + b) mod p for a, b in [0, p).
inline L4 add_mod(const L4& a, const L4& b) { return cond_sub_p(add(a, b)); }

// (a - b) mod p for a, b in [0, p).
inline L4 sub_mod(const L4& a, const L4& b) {
  unsigned char br = 0;
  L4 d;
  d[0] = sbb(a[0], b[0], br);
  d[1] = sbb(a[1], b[1], br);
  d[2] = sbb(a[2], b[2], br);
  d[3] = sbb(a[3], b[3], br);
  uint64_t mask = uint64_t(0) - br;  // add p back when the subtraction borrowed
  unsigned char c = 0;
  d[0] = adc(d[0], kP[0] & mask, c);
  d[1] = adc(d[1], 0, c);
  d[2] = adc(d[2], 0, c);
  d[3] = adc(d[3], kP3 & mask, c);
  return d;
}


// Montgomery reduction of the 512-bit t: returns t / 2^256 mod p, in [0, t / 2^256 + p).
// p = 1 mod 2^192, so the low three limbs go in one step: with L = t mod 2^192 and m = -L mod
// 2^192, t + m p = t + m + m p3 2^192 is divisible by 2^192, and (t + m) / 2^192 is just the high
// part plus one carry (L != 0). One single-limb step then finishes the division by 2^256.
inline L4 mont_reduce(const uint64_t t[8]) {
  unsigned char b = 0;
  uint64_t m0 = sbb(0, t[0], b);
  uint64_t m1 = sbb(0, t[1], b);
  uint64_t m2 = sbb(0, t[2], b);
  // The final borrow of 0 - L is exactly (L != 0), the carry out of L + m.
  // M = m * p3 (four limbs)
  u128 w = u128(m0) * kP3;
  uint64_t M0 = static_cast<uint64_t>(w);
  w = u128(m1) * kP3 + (w >> 64);
  uint64_t M1 = static_cast<uint64_t>(w);
  w = u128(m2) * kP3 + (w >> 64);
  uint64_t M2 = static_cast<uint64_t>(w);
  uint64_t M3 = static_cast<uint64_t>(w >> 64);
  // U = t[3..7] + M + (L != 0), the last entering as the first carry.
  unsigned char c = b;
  uint64_t u0 = adc(t[3], M0, c);
  uint64_t u1 = adc(t[4], M1, c);
  uint64_t u2 = adc(t[5], M2, c);
  uint64_t u3 = adc(t[6], M3, c);
  uint64_t u4 = t[7] + c;
  // Last limb: m' = -u0, adding m' p clears u0 with a carry of (u0 != 0) and adds m' p3 at limb 3.
  uint64_t mm = uint64_t(0) - u0;
  uint64_t nz2 = u0 != 0 ? 1 : 0;
  u128 x = u128(mm) * kP3;
  c = static_cast<unsigned char>(nz2);
  L4 r;
  r[0] = adc(u1, 0, c);
  r[1] = adc(u2, 0, c);
  r[2] = adc(u3, static_cast<uint64_t>(x), c);
  r[3] = adc(u4, static_cast<uint64_t>(x >> 64), c);
  return r;
}

// The 512-bit product a * b, portable C++.
inline void mul_512_portable(const L4& a, const L4& b, uint64_t t[8]) {
  u128 w;
  // Row 0.
  w = u128(a[0]) * b[0];
  t[0] = static_cast<uint64_t>(w);
  w = u128(a[1]) * b[0] + (w >> 64);
  t[1] = static_cast<uint64_t>(w);
  w = u128(a[2]) * b[0] + (w >> 64);
  t[2] = static_cast<uint64_t>(w);
  w = u128(a[3]) * b[0] + (w >> 64);
  t[3] = static_cast<uint64_t>(w);
  t[4] = static_cast<uint64_t>(w >> 64);
  // Rows 1..3: each a[j] * b[i] + t + carry fits in 128 bits.
  for (int i = 1; i < 4; ++i) {
    w = u128(a[0]) * b[i] + t[i];
    t[i] = static_cast<uint64_t>(w);
    w = u128(a[1]) * b[i] + t[i + 1] + (w >> 64);
    t[i + 1] = static_cast<uint64_t>(w);
    w = u128(a[2]) * b[i] + t[i + 2] + (w >> 64);
    t[i + 2] = static_cast<uint64_t>(w);
    w = u128(a[3]) * b[i] + t[i + 3] + (w >> 64);
    t[i + 3] = static_cast<uint64_t>(w);
    t[i + 4] = static_cast<uint64_t>(w >> 64);
  }
}

}  // namespace zkcc::field::limbs

// The assembly routines build on the definitions above.
#include "zkcc/field/felt252_asm_x86.h"  // IWYU pragma: export

namespace zkcc::field::limbs {

// True when the CPU has BMI2 and ADX, so the mulx/adcx/adox product can be used.
bool cpu_has_adx();
inline const bool kUseAdx = cpu_has_adx();

// a * b / 2^256 mod p, without the final subtraction: the result is below a b / 2^256 + p, so
// inputs below 3p give results below 1.29p, and any a < 2^256 with b < p gives a result below 2p.
template <bool kAdx>
inline L4 mont_mul_lazy_with(const L4& a, const L4& b) {
  uint64_t t[8];
#ifdef ZKCC_HAVE_ADX_ASM
  if constexpr (kAdx) {
    mul_512_adx(a, b, t);
    return mont_reduce_adx(t);
  }
#endif
  mul_512_portable(a, b, t);
  return mont_reduce(t);
}

inline L4 mont_mul_lazy(const L4& a, const L4& b) {
  return kUseAdx ? mont_mul_lazy_with<true>(a, b) : mont_mul_lazy_with<false>(a, b);
}

// The 512-bit square a^2: the off-diagonal products are computed once and doubled.
inline void sqr_512_portable(const L4& a, uint64_t t[8]) {
  u128 w;
  // Off-diagonal terms a[i] a[j], i < j, at limb i + j.
  w = u128(a[0]) * a[1];
  t[1] = static_cast<uint64_t>(w);
  w = u128(a[0]) * a[2] + (w >> 64);
  t[2] = static_cast<uint64_t>(w);
  w = u128(a[0]) * a[3] + (w >> 64);
  t[3] = static_cast<uint64_t>(w);
  t[4] = static_cast<uint64_t>(w >> 64);
  w = u128(a[1]) * a[2] + t[3];
  t[3] = static_cast<uint64_t>(w);
  w = u128(a[1]) * a[3] + t[4] + (w >> 64);
  t[4] = static_cast<uint64_t>(w);
  t[5] = static_cast<uint64_t>(w >> 64);
  w = u128(a[2]) * a[3] + t[5];
  t[5] = static_cast<uint64_t>(w);
  t[6] = static_cast<uint64_t>(w >> 64);
  // Double them.
  t[7] = t[6] >> 63;
  t[6] = (t[6] << 1) | (t[5] >> 63);
  t[5] = (t[5] << 1) | (t[4] >> 63);
  t[4] = (t[4] << 1) | (t[3] >> 63);
  t[3] = (t[3] << 1) | (t[2] >> 63);
  t[2] = (t[2] << 1) | (t[1] >> 63);
  t[1] = t[1] << 1;
  // Add the squares a[i]^2 at limb 2i.
  unsigned char c = 0;
  w = u128(a[0]) * a[0];
  t[0] = static_cast<uint64_t>(w);
  t[1] = adc(t[1], static_cast<uint64_t>(w >> 64), c);
  w = u128(a[1]) * a[1];
  t[2] = adc(t[2], static_cast<uint64_t>(w), c);
  t[3] = adc(t[3], static_cast<uint64_t>(w >> 64), c);
  w = u128(a[2]) * a[2];
  t[4] = adc(t[4], static_cast<uint64_t>(w), c);
  t[5] = adc(t[5], static_cast<uint64_t>(w >> 64), c);
  w = u128(a[3]) * a[3];
  t[6] = adc(t[6], static_cast<uint64_t>(w), c);
  t[7] = adc(t[7], static_cast<uint64_t>(w >> 64), c);
}

// a^2 / 2^256 mod p, lazy as mont_mul_lazy: the 10-product squaring, then the reduction (in
// registers with mulx where the CPU allows).
template <bool kAdx>
inline L4 mont_sqr_lazy_with(const L4& a) {
  uint64_t t[8];
  sqr_512_portable(a, t);
#ifdef ZKCC_HAVE_ADX_ASM
  if constexpr (kAdx) return mont_reduce_adx(t);
#endif
  return mont_reduce(t);
}

inline L4 mont_sqr_lazy(const L4& a) {
  return kUseAdx ? mont_sqr_lazy_with<true>(a) : mont_sqr_lazy_with<false>(a);
}

}  // namespace zkcc::field::limbs

#endif  // ZKCC_FIELD_FELT252_LIMBS_H_
