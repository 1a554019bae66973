#include "zkcc/field/m31.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zkcc/field/batch_inverse.h"

namespace zkcc::field {
namespace {

constexpr uint64_t kP = M31::kModulus;

TEST(M31, ReductionOfEdgeValues) {
  EXPECT_EQ(M31::from_u32(0).value(), 0u);
  EXPECT_EQ(M31::from_u32(0x7fffffff).value(), 0u);
  EXPECT_EQ(M31::from_u32(0x80000000).value(), 1u);
  EXPECT_EQ(M31::from_u32(0xffffffff).value(), 1u);
  EXPECT_EQ(M31::from_u64(~uint64_t{0}).value(), (~uint64_t{0}) % kP);
  EXPECT_EQ(M31::from_i64(-1).value(), kP - 1);
  EXPECT_EQ(M31::from_i64(-1).to_signed(), -1);
  // -2^63 = -(2^31)^2 * 2 = -2 (mod p).
  EXPECT_EQ(M31::from_i64(INT64_MIN).value(), kP - 2);
  EXPECT_EQ(M31::from_i64(123456).to_signed(), 123456);
}

TEST(M31, MatchesNaiveArithmeticOnRandomInputs) {
  std::mt19937_64 rng(31);
  for (int i = 0; i < 200000; ++i) {
    uint64_t x = rng() % kP, y = rng() % kP;
    M31 a = M31::from_u64(x), b = M31::from_u64(y);
    ASSERT_EQ((a + b).value(), (x + y) % kP);
    ASSERT_EQ((a - b).value(), (x + kP - y) % kP);
    ASSERT_EQ((a * b).value(), (x * y) % kP);
    ASSERT_EQ((-a).value(), (kP - x) % kP);
    ASSERT_EQ(a.square().value(), (x * x) % kP);
    uint64_t r = rng();
    ASSERT_EQ(M31::from_u64(r).value(), r % kP);
    if (x != 0) {
      ASSERT_EQ((a * a.inverse()).value(), 1u);
    }
  }
}

TEST(M31, PowAndFermat) {
  M31 g = M31::from_u32(7);
  EXPECT_EQ(g.pow(0), M31::one());
  EXPECT_EQ(g.pow(kP - 1), M31::one());
  EXPECT_EQ(g.pow(5), g * g * g * g * g);
  EXPECT_EQ(M31::zero().inverse(), M31::zero());
}

TEST(M31, BatchInverseMatchesSingleAndKeepsZeros) {
  std::mt19937_64 rng(5);
  std::vector<M31> xs(1000);
  for (auto& x : xs) x = M31::from_u64(rng());
  xs[10] = M31::zero();
  xs[999] = M31::zero();
  std::vector<M31> inv = xs;
  batch_inverse(std::span<M31>(inv));
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].is_zero()) {
      EXPECT_TRUE(inv[i].is_zero());
    } else {
      ASSERT_EQ(inv[i], xs[i].inverse()) << i;
    }
  }
  std::vector<M31> empty;
  batch_inverse(std::span<M31>(empty));
}

}  // namespace
}  // namespace zkcc::field
