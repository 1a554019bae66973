#include "zkcc/field/qm31.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "zkcc/field/batch_inverse.h"

namespace zkcc::field {
namespace {

constexpr uint64_t kP = M31::kModulus;

class Rng {
 public:
  explicit Rng(uint64_t seed) : g_(seed) {}
  M31 m31() { return M31::from_u64(g_() % kP); }
  CM31 cm31() { return {m31(), m31()}; }
  QM31 qm31() { return QM31::from_m31s(m31(), m31(), m31(), m31()); }

 private:
  std::mt19937_64 g_;
};

TEST(CM31, TowerIdentity) {
  CM31 i = {M31::zero(), M31::one()};
  EXPECT_EQ(i * i, -CM31::one());
  Rng rng(1);
  for (int k = 0; k < 20000; ++k) {
    CM31 x = rng.cm31(), y = rng.cm31();
    // (a + bi)(c + di) = (ac - bd) + (ad + bc)i, written out in M31.
    CM31 want = {x.a * y.a - x.b * y.b, x.a * y.b + x.b * y.a};
    ASSERT_EQ(x * y, want);
    if (!x.is_zero()) {
      ASSERT_EQ(x * x.inverse(), CM31::one());
    }
  }
}

TEST(QM31, TowerIdentity) {
  // u^2 = 2 + i.
  QM31 u = {CM31::zero(), CM31::one()};
  EXPECT_EQ(u * u, (QM31{QM31::kR, CM31::zero()}));
  // 2 + i is not a square in CM31: its norm 2^2 + 1 = 5 must be a non-residue... checked directly:
  // (2 + i)^((p^2 - 1) / 2) = -1.
  uint64_t half_order = (kP * kP - 1) / 2;
  EXPECT_EQ(QM31::kR.pow(half_order), -CM31::one());
  // The addition-only multiplication by R agrees with a general CM31 product.
  CM31 x = {M31::from_u32(123456789), M31::from_u32(987654321)};
  EXPECT_EQ(QM31::mul_by_r(x), x * QM31::kR);
}

TEST(QM31, FieldAxiomsOnRandomElements) {
  Rng rng(2);
  for (int k = 0; k < 20000; ++k) {
    QM31 a = rng.qm31(), b = rng.qm31(), c = rng.qm31();
    ASSERT_EQ(a + b, b + a);
    ASSERT_EQ(a * b, b * a);
    ASSERT_EQ((a + b) + c, a + (b + c));
    ASSERT_EQ((a * b) * c, a * (b * c));
    ASSERT_EQ(a * (b + c), a * b + a * c);
    ASSERT_EQ(a + QM31::zero(), a);
    ASSERT_EQ(a * QM31::one(), a);
    ASSERT_EQ(a + (-a), QM31::zero());
    ASSERT_EQ(a - b, a + (-b));
    ASSERT_EQ(a.square(), a * a);
    if (!a.is_zero()) {
      ASSERT_EQ(a * a.inverse(), QM31::one());
    }
    M31 s = rng.m31();
    ASSERT_EQ(a * s, a * QM31::from_m31(s));
  }
}

TEST(QM31, MultiplicationMatchesTheTowerFormula) {
  // The tower definition, computed with CM31 arithmetic: (a + bu)(c + du) = (ac + R bd) + (ad + bc)u.
  Rng rng(9);
  for (int k = 0; k < 100000; ++k) {
    QM31 x = rng.qm31(), y = rng.qm31();
    if (k == 0) x = y = QM31::from_m31s(M31::from_canonical(M31::kModulus - 1), M31::from_canonical(M31::kModulus - 1),
                                        M31::from_canonical(M31::kModulus - 1), M31::from_canonical(M31::kModulus - 1));
    QM31 want = {x.a * y.a + QM31::kR * (x.b * y.b), x.a * y.b + x.b * y.a};
    ASSERT_EQ(x * y, want);
  }
}

TEST(QM31, FrobeniusHasOrderFour) {
  // x^(p^4) = x for every x in a field of p^4 elements, and x^(p^k) != x for some x when k < 4.
  Rng rng(3);
  for (int k = 0; k < 50; ++k) {
    QM31 x = rng.qm31();
    EXPECT_EQ(x.pow(kP).pow(kP).pow(kP).pow(kP), x);
  }
  QM31 x = rng.qm31();
  EXPECT_NE(x.pow(kP).pow(kP), x);
}

TEST(QM31, ConversionsRoundTrip) {
  Rng rng(4);
  QM31 x = rng.qm31();
  auto c = x.to_m31s();
  EXPECT_EQ(QM31::from_m31s(c[0], c[1], c[2], c[3]), x);
  EXPECT_EQ(QM31::from_m31(M31::from_u32(9)).to_m31s()[0], M31::from_u32(9));
}

TEST(QM31, BatchInverse) {
  Rng rng(6);
  std::vector<QM31> xs(257);
  for (auto& x : xs) x = rng.qm31();
  xs[3] = QM31::zero();
  std::vector<QM31> inv = xs;
  batch_inverse(std::span<QM31>(inv));
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].is_zero()) {
      EXPECT_TRUE(inv[i].is_zero());
    } else {
      ASSERT_EQ(inv[i] * xs[i], QM31::one());
    }
  }
}

}  // namespace
}  // namespace zkcc::field
