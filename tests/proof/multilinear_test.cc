#include "zkcc/proof/multilinear.h"

#include <gtest/gtest.h>

#include <random>

namespace zkcc::proof {
namespace {

QM31 random_qm31(std::mt19937_64& rng) {
  return QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
}

TEST(Multilinear, Log2Exact) {
  EXPECT_EQ(*log2_exact(1), 0u);
  EXPECT_EQ(*log2_exact(1024), 10u);
  EXPECT_FALSE(log2_exact(0).ok());
  EXPECT_FALSE(log2_exact(12).ok());
}

TEST(Multilinear, EqTableMatchesEqEvalAndSumsToOne) {
  std::mt19937_64 rng(1);
  std::vector<QM31> r = {random_qm31(rng), random_qm31(rng), random_qm31(rng), random_qm31(rng)};
  auto t = eq_table(r);
  ASSERT_EQ(t.size(), 16u);
  QM31 sum;
  for (size_t x = 0; x < t.size(); ++x) {
    std::vector<QM31> bits;
    for (size_t i = 0; i < r.size(); ++i) bits.push_back((x >> (r.size() - 1 - i)) & 1 ? QM31::one() : QM31::zero());
    ASSERT_EQ(t[x], eq_eval(r, bits)) << x;  // variable 0 is the most significant bit
    sum += t[x];
  }
  EXPECT_EQ(sum, QM31::one());
}

TEST(Multilinear, EvaluationAgreesOnTheHypercubeAndWithTheEqSum) {
  std::mt19937_64 rng(2);
  std::vector<M31> table(32);
  for (auto& v : table) v = M31::from_u64(rng());
  // On boolean points the extension is the table.
  for (size_t x : {0, 5, 17, 31}) {
    std::vector<QM31> bits;
    for (int i = 4; i >= 0; --i) bits.push_back(QM31::from_m31(M31::from_u32((x >> i) & 1)));
    EXPECT_EQ(evaluate_mle(table, bits), QM31::from_m31(table[x]));
  }
  // Off the hypercube: folding equals sum_x t[x] eq(r, x), for both the M31 and QM31 paths.
  std::vector<QM31> r(5);
  for (auto& v : r) v = random_qm31(rng);
  auto eq = eq_table(r);
  QM31 want;
  for (size_t x = 0; x < table.size(); ++x) want += eq[x] * table[x];
  EXPECT_EQ(evaluate_mle(table, r), want);
  EXPECT_EQ(evaluate_mle(lift(table), r), want);
}

TEST(Multilinear, FixFirstVariableIsLinearInterpolation) {
  std::vector<QM31> t = {QM31::from_m31(M31::from_u32(3)), QM31::from_m31(M31::from_u32(10))};
  fix_first_variable(t, QM31::from_m31(M31::from_u32(2)));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0], QM31::from_m31(M31::from_u32(17)));  // 3 + 2 (10 - 3)
}

}  // namespace
}  // namespace zkcc::proof
