// x86-64 assembly for the Felt252 hot paths (mulx/adcx/adox: BMI2 and ADX). Included by
// felt252_limbs.h after the portable definitions it builds on; callers reach these routines only
// after the run-time check in cpu_has_adx().
#ifndef ZKCC_FIELD_FELT252_ASM_X86_H_
#define ZKCC_FIELD_FELT252_ASM_X86_H_

#ifndef ZKCC_FIELD_FELT252_LIMBS_H_
#error "include zkcc/field/felt252_limbs.h, which includes this file where its definitions allow"
#endif

#include <cstdint>

namespace zkcc::field::limbs {

// ZKCC_HAVE_ADX_ASM: the mulx/adcx/adox product below is compiled in.
#if defined(__x86_64__) && defined(__GNUC__)
#define ZKCC_HAVE_ADX_ASM 1

// The 512-bit product a * b with BMI2/ADX: schoolbook rows, each with two independent carry
// chains (adcx on CF, adox on OF). The operands are memory inputs the compiler addresses itself,
// which leaves it enough registers in every context. Only called after a run-time check that the
// CPU has both extensions. (Moving the reduction into the same block measured slower: it starves
// the surrounding code of registers.)
inline void mul_512_adx(const L4& a, const L4& b, uint64_t t[8]) {
  uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi, zero;
  __asm__(
      // Row 0: T = a * b0
      "movq %[b0], %%rdx\n\t"
      "mulxq %[a0], %[t0], %[t1]\n\t"
      "mulxq %[a1], %[lo], %[t2]\n\t"
      "addq %[lo], %[t1]\n\t"
      "mulxq %[a2], %[lo], %[t3]\n\t"
      "adcq %[lo], %[t2]\n\t"
      "mulxq %[a3], %[lo], %[t4]\n\t"
      "adcq %[lo], %[t3]\n\t"
      "adcq $0, %[t4]\n\t"
      // Row 1: T += a * b1 at limb 1
      "movq %[b1], %%rdx\n\t"
      "xorl %k[zero], %k[zero]\n\t"
      "mulxq %[a0], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t1]\n\t"
      "adoxq %[hi], %[t2]\n\t"
      "mulxq %[a1], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t2]\n\t"
      "adoxq %[hi], %[t3]\n\t"
      "mulxq %[a2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[t4]\n\t"
      "mulxq %[a3], %[lo], %[t5]\n\t"
      "adcxq %[lo], %[t4]\n\t"
      "adoxq %[zero], %[t5]\n\t"
      "adcxq %[zero], %[t5]\n\t"
      // Row 2: T += a * b2 at limb 2
      "movq %[b2], %%rdx\n\t"
      "xorl %k[zero], %k[zero]\n\t"
      "mulxq %[a0], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t2]\n\t"
      "adoxq %[hi], %[t3]\n\t"
      "mulxq %[a1], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[t4]\n\t"
      "mulxq %[a2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t4]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "mulxq %[a3], %[lo], %[t6]\n\t"
      "adcxq %[lo], %[t5]\n\t"
      "adoxq %[zero], %[t6]\n\t"
      "adcxq %[zero], %[t6]\n\t"
      // Row 3: T += a * b3 at limb 3
      "movq %[b3], %%rdx\n\t"
      "xorl %k[zero], %k[zero]\n\t"
      "mulxq %[a0], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[t4]\n\t"
      "mulxq %[a1], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t4]\n\t"
      "adoxq %[hi], %[t5]\n\t"
      "mulxq %[a2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t5]\n\t"
      "adoxq %[hi], %[t6]\n\t"
      "mulxq %[a3], %[lo], %[t7]\n\t"
      "adcxq %[lo], %[t6]\n\t"
      "adoxq %[zero], %[t7]\n\t"
      "adcxq %[zero], %[t7]\n\t"
      : [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5),
        [t6] "=&r"(t6), [t7] "=&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi), [zero] "=&r"(zero)
      : [a0] "m"(a[0]), [a1] "m"(a[1]), [a2] "m"(a[2]), [a3] "m"(a[3]), [b0] "m"(b[0]), [b1] "m"(b[1]),
        [b2] "m"(b[2]), [b3] "m"(b[3])
      : "rdx", "cc");
  t[0] = t0;
  t[1] = t1;
  t[2] = t2;
  t[3] = t3;
  t[4] = t4;
  t[5] = t5;
  t[6] = t6;
  t[7] = t7;
}
// mont_reduce with mulx, in registers: the same two steps (three limbs, then one).
inline L4 mont_reduce_adx(const uint64_t t[8]) {
  uint64_t t0 = t[0], t1 = t[1], t2 = t[2], t3 = t[3], t4 = t[4], t5 = t[5], t6 = t[6], t7 = t[7];
  uint64_t lo, hi, top, c1;
  __asm__(
      // m = -(t0, t1, t2) in place (neg, then not + sbb -1 per limb); CF ends as (t0, t1, t2) != 0,
      // kept as c1 = -CF.
      "negq %[t0]\n\t"
      "notq %[t1]\n\t"
      "sbbq $-1, %[t1]\n\t"
      "notq %[t2]\n\t"
      "sbbq $-1, %[t2]\n\t"
      "sbbq %[c1], %[c1]\n\t"
      // M = m * p3 into (t0, t1, t2, top); mulx leaves the flags alone.
      "movabsq $0x0800000000000011, %%rdx\n\t"
      "mulxq %[t0], %[t0], %[lo]\n\t"
      "mulxq %[t1], %[t1], %[hi]\n\t"
      "mulxq %[t2], %[t2], %[top]\n\t"
      "addq %[lo], %[t1]\n\t"
      "adcq %[hi], %[t2]\n\t"
      "adcq $0, %[top]\n\t"
      // U = t[3..7] + M + c1 (neg sets CF exactly when c1 != 0).
      "negq %[c1]\n\t"
      "adcq %[t0], %[t3]\n\t"
      "adcq %[t1], %[t4]\n\t"
      "adcq %[t2], %[t5]\n\t"
      "adcq %[top], %[t6]\n\t"
      "adcq $0, %[t7]\n\t"
      // Last limb: m' = -u0 (CF = u0 != 0); result = U >> 64 + CF + (m' p3) 2^128.
      "negq %[t3]\n\t"
      "mulxq %[t3], %[lo], %[hi]\n\t"
      "adcq $0, %[t4]\n\t"
      "adcq $0, %[t5]\n\t"
      "adcq %[lo], %[t6]\n\t"
      "adcq %[hi], %[t7]\n\t"
      : [t0] "+&r"(t0), [t1] "+&r"(t1), [t2] "+&r"(t2), [t3] "+&r"(t3), [t4] "+&r"(t4), [t5] "+&r"(t5),
        [t6] "+&r"(t6), [t7] "+&r"(t7), [lo] "=&r"(lo), [hi] "=&r"(hi), [top] "=&r"(top), [c1] "=&r"(c1)
      :
      : "rdx", "cc");
  return {t4, t5, t6, t7};
}
#endif

// x^3 / 2^512 mod p (the lazy Montgomery cube, below 2p for x < 9p) in one assembly block with x
// held in registers: the square and the product run back to back without a round trip through
// memory for the fresh operand. Needs fifteen registers, so it is compiled only where the frame
// pointer is free (not under sanitizers), and a caller that keeps other values in registers across
// it fails to compile ("impossible constraints") rather than misbehaving: inline it only into lean
// loops (Poseidon's), and call it through a non-inlined wrapper elsewhere.
// GCC says __SANITIZE_ADDRESS__; clang says __has_feature(address_sanitizer).
#if defined(__SANITIZE_ADDRESS__)
#define ZKCC_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZKCC_ASAN 1
#endif
#endif
#if defined(ZKCC_HAVE_ADX_ASM) && !defined(ZKCC_ASAN)
#define ZKCC_HAVE_ADX_CUBE 1
// Internal linkage keeps it RIP-addressable under -fPIC (no GOT register needed).
static constexpr uint64_t kAsmZero = 0;

inline L4 mont_cube_lazy_adx(const L4& x) {
  uint64_t a0 = x[0], a1 = x[1], a2 = x[2], a3 = x[3];
  uint64_t t0, t1, t2, t3, t4, t5, t6, t7, lo, hi;
  uint64_t xs0, xs1, xs2, xs3;
  __asm__(
      // Keep x for the second product.
      "movq %[a0], %[xs0]\n\t"
      "movq %[a1], %[xs1]\n\t"
      "movq %[a2], %[xs2]\n\t"
      "movq %[a3], %[xs3]\n\t"
      // Square: T = x^2 as twice the off-diagonal products a_i a_j (i < j) plus the diagonal a_i^2.
      "movq %[a0], %%rdx\n\t"
      "mulxq %[a1], %[t1], %[t2]\n\t"
      "mulxq %[a2], %[lo], %[t3]\n\t"
      "addq %[lo], %[t2]\n\t"
      "mulxq %[a3], %[lo], %[t4]\n\t"
      "adcq %[lo], %[t3]\n\t"
      "adcq $0, %[t4]\n\t"
      "movq %[a1], %%rdx\n\t"
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[a2], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[t4]\n\t"
      "mulxq %[a3], %[lo], %[t5]\n\t"
      "adcxq %[lo], %[t4]\n\t"
      "adoxq %[zero], %[t5]\n\t"
      "adcxq %[zero], %[t5]\n\t"
      "movq %[a2], %%rdx\n\t"
      "mulxq %[a3], %[lo], %[t6]\n\t"
      "addq %[lo], %[t5]\n\t"
      "adcq $0, %[t6]\n\t"
      // Double (t1..t6) into (t1..t7).
      "xorl %k[t7], %k[t7]\n\t"
      "addq %[t1], %[t1]\n\t"
      "adcq %[t2], %[t2]\n\t"
      "adcq %[t3], %[t3]\n\t"
      "adcq %[t4], %[t4]\n\t"
      "adcq %[t5], %[t5]\n\t"
      "adcq %[t6], %[t6]\n\t"
      "adcq %[t7], %[t7]\n\t"
      // Add the squares a_i^2 at limb 2i (mulx and mov leave CF alone).
      "movq %[a0], %%rdx\n\t"
      "mulxq %%rdx, %[t0], %[lo]\n\t"
      "addq %[lo], %[t1]\n\t"
      "movq %[a1], %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t2]\n\t"
      "adcq %[hi], %[t3]\n\t"
      "movq %[a2], %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t4]\n\t"
      "adcq %[hi], %[t5]\n\t"
      "movq %[a3], %%rdx\n\t"
      "mulxq %%rdx, %[lo], %[hi]\n\t"
      "adcq %[lo], %[t6]\n\t"
      "adcq %[hi], %[t7]\n\t"
      // Reduce (as mont_reduce_adx; scratch a0 = lo, a1 = hi, a2 = top, a3 = c1) -> y2 in t4..t7.
      "negq %[t0]\n\t"
      "notq %[t1]\n\t"
      "sbbq $-1, %[t1]\n\t"
      "notq %[t2]\n\t"
      "sbbq $-1, %[t2]\n\t"
      "sbbq %[a3], %[a3]\n\t"
      "movabsq $0x0800000000000011, %%rdx\n\t"
      "mulxq %[t0], %[t0], %[a0]\n\t"
      "mulxq %[t1], %[t1], %[a1]\n\t"
      "mulxq %[t2], %[t2], %[a2]\n\t"
      "addq %[a0], %[t1]\n\t"
      "adcq %[a1], %[t2]\n\t"
      "adcq $0, %[a2]\n\t"
      "negq %[a3]\n\t"
      "adcq %[t0], %[t3]\n\t"
      "adcq %[t1], %[t4]\n\t"
      "adcq %[t2], %[t5]\n\t"
      "adcq %[a2], %[t6]\n\t"
      "adcq $0, %[t7]\n\t"
      "negq %[t3]\n\t"
      "mulxq %[t3], %[a0], %[a1]\n\t"
      "adcq $0, %[t4]\n\t"
      "adcq $0, %[t5]\n\t"
      "adcq %[a0], %[t6]\n\t"
      "adcq %[a1], %[t7]\n\t"
      // Product: P = y2 (t4..t7) * x (xs0..xs3), into (t0, t1, t2, t3, a0, a1, a2, a3).
      "movq %[xs0], %%rdx\n\t"
      "mulxq %[t4], %[t0], %[t1]\n\t"
      "mulxq %[t5], %[lo], %[t2]\n\t"
      "addq %[lo], %[t1]\n\t"
      "mulxq %[t6], %[lo], %[t3]\n\t"
      "adcq %[lo], %[t2]\n\t"
      "mulxq %[t7], %[lo], %[a0]\n\t"
      "adcq %[lo], %[t3]\n\t"
      "adcq $0, %[a0]\n\t"
      "movq %[xs1], %%rdx\n\t"
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[t4], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t1]\n\t"
      "adoxq %[hi], %[t2]\n\t"
      "mulxq %[t5], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t2]\n\t"
      "adoxq %[hi], %[t3]\n\t"
      "mulxq %[t6], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[a0]\n\t"
      "mulxq %[t7], %[lo], %[a1]\n\t"
      "adcxq %[lo], %[a0]\n\t"
      "adoxq %[zero], %[a1]\n\t"
      "adcxq %[zero], %[a1]\n\t"
      "movq %[xs2], %%rdx\n\t"
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[t4], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t2]\n\t"
      "adoxq %[hi], %[t3]\n\t"
      "mulxq %[t5], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[a0]\n\t"
      "mulxq %[t6], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[a0]\n\t"
      "adoxq %[hi], %[a1]\n\t"
      "mulxq %[t7], %[lo], %[a2]\n\t"
      "adcxq %[lo], %[a1]\n\t"
      "adoxq %[zero], %[a2]\n\t"
      "adcxq %[zero], %[a2]\n\t"
      "movq %[xs3], %%rdx\n\t"
      "xorl %k[lo], %k[lo]\n\t"
      "mulxq %[t4], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[t3]\n\t"
      "adoxq %[hi], %[a0]\n\t"
      "mulxq %[t5], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[a0]\n\t"
      "adoxq %[hi], %[a1]\n\t"
      "mulxq %[t6], %[lo], %[hi]\n\t"
      "adcxq %[lo], %[a1]\n\t"
      "adoxq %[hi], %[a2]\n\t"
      "mulxq %[t7], %[lo], %[a3]\n\t"
      "adcxq %[lo], %[a2]\n\t"
      "adoxq %[zero], %[a3]\n\t"
      "adcxq %[zero], %[a3]\n\t"
      // Reduce (scratch t4 = lo, t5 = hi, t6 = top, t7 = c1) -> y3 in a0..a3.
      "negq %[t0]\n\t"
      "notq %[t1]\n\t"
      "sbbq $-1, %[t1]\n\t"
      "notq %[t2]\n\t"
      "sbbq $-1, %[t2]\n\t"
      "sbbq %[t7], %[t7]\n\t"
      "movabsq $0x0800000000000011, %%rdx\n\t"
      "mulxq %[t0], %[t0], %[t4]\n\t"
      "mulxq %[t1], %[t1], %[t5]\n\t"
      "mulxq %[t2], %[t2], %[t6]\n\t"
      "addq %[t4], %[t1]\n\t"
      "adcq %[t5], %[t2]\n\t"
      "adcq $0, %[t6]\n\t"
      "negq %[t7]\n\t"
      "adcq %[t0], %[t3]\n\t"
      "adcq %[t1], %[a0]\n\t"
      "adcq %[t2], %[a1]\n\t"
      "adcq %[t6], %[a2]\n\t"
      "adcq $0, %[a3]\n\t"
      "negq %[t3]\n\t"
      "mulxq %[t3], %[t4], %[t5]\n\t"
      "adcq $0, %[a0]\n\t"
      "adcq $0, %[a1]\n\t"
      "adcq %[t4], %[a2]\n\t"
      "adcq %[t5], %[a3]\n\t"
      : [a0] "+&r"(a0), [a1] "+&r"(a1), [a2] "+&r"(a2), [a3] "+&r"(a3), [t0] "=&r"(t0), [t1] "=&r"(t1),
        [t2] "=&r"(t2), [t3] "=&r"(t3), [t4] "=&r"(t4), [t5] "=&r"(t5), [t6] "=&r"(t6), [t7] "=&r"(t7),
        [lo] "=&r"(lo), [hi] "=&r"(hi), [xs0] "=m"(xs0), [xs1] "=m"(xs1), [xs2] "=m"(xs2), [xs3] "=m"(xs3)
      : [zero] "m"(kAsmZero)
      : "rdx", "cc");
  return {a0, a1, a2, a3};
}
#endif

}  // namespace zkcc::field::limbs

#endif  // ZKCC_FIELD_FELT252_ASM_X86_H_
