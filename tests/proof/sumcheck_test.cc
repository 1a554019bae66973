#include "zkcc/proof/sumcheck.h"

#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

QM31 random_qm31(std::mt19937_64& rng) {
  return QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
}

std::vector<QM31> random_table(std::mt19937_64& rng, size_t n) {
  std::vector<QM31> t(n);
  for (auto& v : t) v = random_qm31(rng);
  return t;
}

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-sumcheck-test")); }

// A verifier that trusts the polynomials themselves: replays the proof, then evaluates each
// polynomial at the challenge point and checks the final claim.
bool verifies(const QM31& claim, const std::vector<std::vector<QM31>>& polys, const std::vector<SumcheckTerm>& terms,
              const SumcheckProof& proof) {
  Transcript t = fresh();
  size_t num_vars = *log2_exact(polys[0].size());
  auto v = sumcheck_verify(claim, num_vars, sumcheck_degree(terms), proof, t);
  if (!v.ok()) return false;
  std::vector<QM31> evals;
  for (const auto& p : polys) evals.push_back(evaluate_mle(p, v->point));
  return sumcheck_final_claim(evals, terms) == v->final_claim;
}

struct Case {
  std::vector<std::vector<QM31>> polys;
  std::vector<SumcheckTerm> terms;
};

Case make_case(std::mt19937_64& rng, size_t num_vars) {
  Case c;
  for (int i = 0; i < 4; ++i) c.polys.push_back(random_table(rng, size_t{1} << num_vars));
  c.terms = {{random_qm31(rng), {0, 1, 2}}, {random_qm31(rng), {3}}, {random_qm31(rng), {1, 3}}};
  return c;
}

TEST(Sumcheck, HonestProofsVerifyForEveryDegree) {
  std::mt19937_64 rng(1);
  for (size_t num_vars : {1, 2, 5, 8}) {
    for (size_t degree = 1; degree <= 3; ++degree) {
      Case c = make_case(rng, num_vars);
      std::vector<size_t> factors;
      for (size_t j = 0; j < degree; ++j) factors.push_back(j);
      c.terms = {{QM31::one(), factors}};
      QM31 claim = sumcheck_sum(c.polys, c.terms);
      Transcript t = fresh();
      auto proof = sumcheck_prove(c.polys, c.terms, t);
      ASSERT_TRUE(proof.ok()) << proof.status().to_string();
      EXPECT_TRUE(verifies(claim, c.polys, c.terms, proof->proof)) << num_vars << " vars, degree " << degree;
      // The prover's own final evaluations are the polynomials at the verifier's point.
      for (size_t j = 0; j < c.polys.size(); ++j) {
        EXPECT_EQ(proof->final_evals[j], evaluate_mle(c.polys[j], proof->point));
      }
    }
  }
}

// Masked factors: the sum is unchanged, the first round's degree grows by one per masked factor of
// a term, and a masked factor's final value is its own plus x_0 (1 - x_0) m at the point.
TEST(Sumcheck, MaskedFactorsKeepTheSumAndMaskTheirFinalValues) {
  std::mt19937_64 rng(11);
  for (size_t num_vars : {1, 3, 6}) {
    Case c = make_case(rng, num_vars);  // terms {0, 1, 2}, {3}, {1, 3}
    const QM31 claim = sumcheck_sum(c.polys, c.terms);
    const FactorMasks masks = {random_qm31(rng), std::nullopt, random_qm31(rng), random_qm31(rng)};
    const std::vector<bool> masked = {true, false, true, true};
    const size_t first = sumcheck_first_degree(c.terms, masked);
    EXPECT_EQ(first, 5u);  // {0, 1, 2} with 0 and 2 masked
    Transcript t = fresh();
    auto proof = sumcheck_prove(c.polys, c.terms, t, nullptr, masks);
    ASSERT_TRUE(proof.ok()) << proof.status().to_string();
    EXPECT_EQ(proof->proof.rounds[0].size(), first);
    for (size_t r = 1; r < num_vars; ++r) EXPECT_EQ(proof->proof.rounds[r].size(), 3u);
    const QM31 w = mask_weight(proof->point[0]);
    for (size_t j = 0; j < c.polys.size(); ++j) {
      const QM31 own = evaluate_mle(c.polys[j], proof->point);
      EXPECT_EQ(proof->final_evals[j], masks[j] ? own + w * *masks[j] : own) << j;
    }
    Transcript tv = fresh();
    auto v = sumcheck_verify(claim, num_vars, 3, proof->proof, tv, first);
    ASSERT_TRUE(v.ok()) << v.status().to_string();
    EXPECT_EQ(v->point, proof->point);
    EXPECT_EQ(sumcheck_final_claim(proof->final_evals, c.terms), v->final_claim);
    // The unmasked values do not close it, nor does a verifier expecting the plain degree.
    std::vector<QM31> plain;
    for (const auto& poly : c.polys) plain.push_back(evaluate_mle(poly, v->point));
    EXPECT_NE(sumcheck_final_claim(plain, c.terms), v->final_claim);
    Transcript tw = fresh();
    EXPECT_FALSE(sumcheck_verify(claim, num_vars, 3, proof->proof, tw).ok());
    // A wrong claim replays, but to a final claim the factors cannot meet.
    Transcript ty = fresh();
    auto wrong = sumcheck_verify(claim + QM31::one(), num_vars, 3, proof->proof, ty, first);
    ASSERT_TRUE(wrong.ok());
    EXPECT_NE(sumcheck_final_claim(proof->final_evals, c.terms), wrong->final_claim);
  }
  // Masks that do not match the polynomials are refused.
  Case c = make_case(rng, 2);
  Transcript t = fresh();
  EXPECT_FALSE(sumcheck_prove(c.polys, c.terms, t, nullptr, FactorMasks(2)).ok());
}

TEST(Sumcheck, MixedTermsVerify) {
  std::mt19937_64 rng(2);
  Case c = make_case(rng, 6);
  QM31 claim = sumcheck_sum(c.polys, c.terms);
  Transcript t = fresh();
  auto proof = sumcheck_prove(c.polys, c.terms, t);
  ASSERT_TRUE(proof.ok());
  EXPECT_TRUE(verifies(claim, c.polys, c.terms, proof->proof));
}

TEST(Sumcheck, RejectsAWrongClaim) {
  std::mt19937_64 rng(3);
  Case c = make_case(rng, 5);
  QM31 claim = sumcheck_sum(c.polys, c.terms);
  Transcript t = fresh();
  auto proof = sumcheck_prove(c.polys, c.terms, t);
  ASSERT_TRUE(proof.ok());
  EXPECT_FALSE(verifies(claim + QM31::one(), c.polys, c.terms, proof->proof));
}

TEST(Sumcheck, RejectsEveryChangedProofElement) {
  std::mt19937_64 rng(4);
  Case c = make_case(rng, 4);
  QM31 claim = sumcheck_sum(c.polys, c.terms);
  Transcript t = fresh();
  auto proof = sumcheck_prove(c.polys, c.terms, t);
  ASSERT_TRUE(proof.ok());
  ASSERT_TRUE(verifies(claim, c.polys, c.terms, proof->proof));
  size_t changed = 0;
  for (size_t r = 0; r < proof->proof.rounds.size(); ++r) {
    for (size_t k = 0; k < proof->proof.rounds[r].size(); ++k) {
      for (size_t coord = 0; coord < 4; ++coord) {
        SumcheckProof bad = proof->proof;
        auto m = bad.rounds[r][k].to_m31s();
        m[coord] += M31::one();
        bad.rounds[r][k] = QM31::from_m31s(m[0], m[1], m[2], m[3]);
        EXPECT_FALSE(verifies(claim, c.polys, c.terms, bad)) << "round " << r << " value " << k << " coord " << coord;
        ++changed;
      }
    }
  }
  EXPECT_EQ(changed, 4u * 3u * 4u);
}

TEST(Sumcheck, RejectsMalformedShapes) {
  std::mt19937_64 rng(5);
  Case c = make_case(rng, 3);
  QM31 claim = sumcheck_sum(c.polys, c.terms);
  Transcript t = fresh();
  auto proof = sumcheck_prove(c.polys, c.terms, t);
  ASSERT_TRUE(proof.ok());
  SumcheckProof short_proof = proof->proof;
  short_proof.rounds.pop_back();
  EXPECT_FALSE(verifies(claim, c.polys, c.terms, short_proof));
  SumcheckProof wide = proof->proof;
  wide.rounds[0].push_back(QM31::one());
  EXPECT_FALSE(verifies(claim, c.polys, c.terms, wide));
  Transcript t2 = fresh();
  EXPECT_FALSE(sumcheck_verify(claim, 3, 4, proof->proof, t2).ok());
}

TEST(Sumcheck, ProverRefusesBadInput) {
  std::mt19937_64 rng(6);
  Transcript t = fresh();
  std::vector<std::vector<QM31>> polys = {random_table(rng, 8), random_table(rng, 4)};
  std::vector<SumcheckTerm> terms = {{QM31::one(), {0, 1}}};
  EXPECT_FALSE(sumcheck_prove(polys, terms, t).ok());  // sizes differ
  polys[1] = random_table(rng, 8);
  std::vector<SumcheckTerm> too_many = {{QM31::one(), {0, 1, 0, 1}}};
  EXPECT_FALSE(sumcheck_prove(polys, too_many, t).ok());
  std::vector<SumcheckTerm> out_of_range = {{QM31::one(), {0, 2}}};
  EXPECT_FALSE(sumcheck_prove(polys, out_of_range, t).ok());
  std::vector<std::vector<QM31>> odd = {random_table(rng, 6)};
  std::vector<SumcheckTerm> single = {{QM31::one(), {0}}};
  EXPECT_FALSE(sumcheck_prove(odd, single, t).ok());
}

TEST(Sumcheck, InterpolationRecoversPolynomials) {
  // g(X) = 5 + 3X + 2X^2 + 7X^3 sampled at 0..3, evaluated at 10.
  auto g = [](uint64_t x) { return M31::from_u64(5 + 3 * x + 2 * x * x + 7 * x * x * x); };
  std::vector<QM31> values = {QM31::from_m31(g(0)), QM31::from_m31(g(1)), QM31::from_m31(g(2)), QM31::from_m31(g(3))};
  EXPECT_EQ(interpolate_at(values, QM31::from_m31(M31::from_u32(10))), QM31::from_m31(g(10)));
}

}  // namespace
}  // namespace zkcc::proof
