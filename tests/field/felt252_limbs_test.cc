// The lazy limb primitives on their documented input ranges, both the portable and the
// mulx/adcx/adox paths, against GMP: congruence and the stated output bounds.
#include "zkcc/field/felt252_limbs.h"

#include <gmp.h>
#include <gtest/gtest.h>

#include <random>

namespace zkcc::field::limbs {
namespace {

constexpr int kCases = 100000;

struct Z {
  Z() { mpz_init(v); }
  ~Z() { mpz_clear(v); }
  Z(const Z&) = delete;
  Z& operator=(const Z&) = delete;
  mpz_t v;
};

void set(Z& z, const L4& l) { mpz_import(z.v, 4, -1, sizeof(uint64_t), 0, 0, l.data()); }

const Z& prime() {
  static Z p;
  static bool init = (mpz_set_str(p.v, "800000000000011000000000000000000000000000000000000000000000001", 16), true);
  (void)init;
  return p;
}

// Uniform below bound_multiple * p.
L4 random_below(std::mt19937_64& rng, int bound_multiple) {
  Z bound, r, x;
  mpz_mul_ui(bound.v, prime().v, static_cast<unsigned long>(bound_multiple));
  for (;;) {
    L4 l = {rng(), rng(), rng(), rng()};
    set(x, l);
    if (mpz_cmp(x.v, bound.v) < 0) return l;
    mpz_mod(r.v, x.v, bound.v);
    L4 out{};
    size_t n = 0;
    mpz_export(out.data(), &n, -1, sizeof(uint64_t), 0, 0, r.v);
    return out;
  }
}

// Checks out = a b / 2^256 (mod p) and out < a b / 2^256 + p.
void check_mont(const L4& a, const L4& b, const L4& out, const char* what) {
  Z za, zb, zo, prod, rinv, want, lhs, bound;
  set(za, a);
  set(zb, b);
  set(zo, out);
  mpz_mul(prod.v, za.v, zb.v);
  mpz_set_ui(rinv.v, 1);
  mpz_mul_2exp(rinv.v, rinv.v, 256);
  ASSERT_NE(mpz_invert(rinv.v, rinv.v, prime().v), 0);
  mpz_mul(want.v, prod.v, rinv.v);
  mpz_mod(want.v, want.v, prime().v);
  mpz_mod(lhs.v, zo.v, prime().v);
  ASSERT_EQ(mpz_cmp(lhs.v, want.v), 0) << what;
  mpz_tdiv_q_2exp(bound.v, prod.v, 256);
  mpz_add_ui(bound.v, bound.v, 1);
  mpz_add(bound.v, bound.v, prime().v);
  ASSERT_LT(mpz_cmp(zo.v, bound.v), 0) << what << ": output above a b / 2^256 + p";
}

TEST(Felt252Limbs, MontMulBothPathsOnLazyRanges) {
  std::mt19937_64 rng(11);
  for (int i = 0; i < kCases; ++i) {
    // Poseidon feeds products with inputs below 9p.
    L4 a = random_below(rng, 9), b = random_below(rng, 9);
    check_mont(a, b, mont_mul_lazy_with<false>(a, b), "portable mul");
    check_mont(a, a, mont_sqr_lazy_with<false>(a), "portable sqr");
    if (kUseAdx) {
      check_mont(a, b, mont_mul_lazy_with<true>(a, b), "adx mul");
      check_mont(a, a, mont_sqr_lazy_with<true>(a), "adx sqr");
    }
  }
}

#ifdef ZKCC_HAVE_ADX_CUBE
// The fused cube needs every register, so the test calls it from a lean function of its own.
__attribute__((noinline)) L4 cube_asm(const L4& x) { return mont_cube_lazy_adx(x); }

// The fused cube: x^3 / 2^512 (mod p), below 2p for every x < 9p (Poseidon's bound).
TEST(Felt252Limbs, AsmCubeOnLazyRange) {
  if (!kUseAdx) GTEST_SKIP() << "CPU lacks BMI2/ADX";
  std::mt19937_64 rng(14);
  Z zx, zo, want, rinv2, two_p, lhs;
  mpz_set_ui(rinv2.v, 1);
  mpz_mul_2exp(rinv2.v, rinv2.v, 512);
  ASSERT_NE(mpz_invert(rinv2.v, rinv2.v, prime().v), 0);
  mpz_mul_ui(two_p.v, prime().v, 2);
  for (int i = 0; i < kCases; ++i) {
    L4 x = random_below(rng, 9);
    if (i == 0) {  // the top of the range, 9p - 1
      L4 p4 = add(add(kP, kP), add(kP, kP));
      x = sub(add(add(p4, p4), kP), L4{1, 0, 0, 0});
    }
    L4 y = cube_asm(x);
    set(zx, x);
    set(zo, y);
    mpz_powm_ui(want.v, zx.v, 3, prime().v);
    mpz_mul(want.v, want.v, rinv2.v);
    mpz_mod(want.v, want.v, prime().v);
    mpz_mod(lhs.v, zo.v, prime().v);
    ASSERT_EQ(mpz_cmp(lhs.v, want.v), 0);
    ASSERT_LT(mpz_cmp(zo.v, two_p.v), 0);
  }
}
#endif

TEST(Felt252Limbs, MontMulAcceptsAny256BitLeftOperandWithCanonicalRight) {
  std::mt19937_64 rng(12);
  for (int i = 0; i < kCases; ++i) {
    L4 a = {rng(), rng(), rng(), rng()};
    L4 b = random_below(rng, 1);
    check_mont(a, b, mont_mul_lazy_with<false>(a, b), "portable");
    if (kUseAdx) check_mont(a, b, mont_mul_lazy_with<true>(a, b), "adx");
  }
}

TEST(Felt252Limbs, ReducePartialAndCondSub) {
  std::mt19937_64 rng(13);
  Z v, r, two_p, vm, rm;
  mpz_mul_ui(two_p.v, prime().v, 2);
  for (int i = 0; i < kCases; ++i) {
    L4 x = {rng(), rng(), rng(), rng()};
    if (i % 10 == 0) x = {~0ull, ~0ull, ~0ull, ~0ull};
    L4 y = reduce_partial(x);
    set(v, x);
    set(r, y);
    ASSERT_LT(mpz_cmp(r.v, two_p.v), 0);
    mpz_mod(vm.v, v.v, prime().v);
    mpz_mod(rm.v, r.v, prime().v);
    ASSERT_EQ(mpz_cmp(vm.v, rm.v), 0);
    L4 z = cond_sub_p(y);
    set(r, z);
    ASSERT_EQ(mpz_cmp(r.v, vm.v), 0);
  }
}

}  // namespace
}  // namespace zkcc::field::limbs
