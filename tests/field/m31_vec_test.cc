#include "zkcc/field/m31_vec.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace zkcc::field {
namespace {

std::vector<M31> random_vec(std::mt19937_64& rng, size_t n) {
  std::vector<M31> v(n);
  for (auto& x : v) x = M31::from_u64(rng());
  // Edge values exercise the reductions.
  if (n > 2) {
    v[0] = M31::from_canonical(M31::kModulus - 1);
    v[1] = M31::zero();
  }
  return v;
}

TEST(M31Vec, DispatchedKernelsMatchScalarArithmetic) {
  std::mt19937_64 rng(7);
  // Lengths around the 8-lane width check the tails.
  for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 63, 64, 1000, 4099}) {
    auto a = random_vec(rng, n), b = random_vec(rng, n);
    std::vector<M31> sum(n), diff(n), prod(n), scaled(n);
    M31 s = M31::from_u64(rng());
    m31_add(a, b, sum);
    m31_sub(a, b, diff);
    m31_mul(a, b, prod);
    m31_scale(a, s, scaled);
    M31 ip;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_EQ(sum[i], a[i] + b[i]) << n << " " << i;
      ASSERT_EQ(diff[i], a[i] - b[i]) << n << " " << i;
      ASSERT_EQ(prod[i], a[i] * b[i]) << n << " " << i;
      ASSERT_EQ(scaled[i], a[i] * s) << n << " " << i;
      ip += a[i] * b[i];
    }
    EXPECT_EQ(m31_inner_product(a, b), ip) << n;
    EXPECT_EQ(portable::m31_inner_product(a, b), ip) << n;
  }
}

TEST(M31Vec, WorstCaseInnerProductDoesNotOverflow) {
  std::vector<M31> a(1001, M31::from_canonical(M31::kModulus - 1));
  // (p-1)^2 = 1, so the sum is 1001 mod p.
  EXPECT_EQ(m31_inner_product(a, a), M31::from_u32(1001));
  EXPECT_EQ(portable::m31_inner_product(a, a), M31::from_u32(1001));
}

TEST(M31Vec, OutputMayAliasInput) {
  std::mt19937_64 rng(8);
  auto a = random_vec(rng, 100), b = random_vec(rng, 100);
  std::vector<M31> want(100);
  portable::m31_mul(a, b, want);
  m31_mul(a, b, a);
  EXPECT_EQ(a, want);
}

}  // namespace
}  // namespace zkcc::field
