// Masked sumchecks (sumcheck_mask.h): honest runs verify and leave a true claim on the pool, the
// rounds change with the mask while the polynomials' values do not, and every tampered message or
// stated mask value is caught (by the sumcheck or by the claim on the pool).
#include "zkcc/proof/sumcheck_mask.h"

#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/fraction_pair.h"
#include "zkcc/proof/fraction_sum.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/matmul.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck.h"

namespace zkcc::proof {
namespace {

QM31 random_qm31(std::mt19937_64& rng) {
  return QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
}

std::vector<M31> random_pool(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<M31> pool(n);
  for (M31& w : pool) w = M31::from_u64(rng());
  return pool;
}

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-mask-test")); }

// Whether a claim on the pool holds (what the per-proof opening checks in a graph proof).
bool holds(const PcsClaim& c, std::span<const M31> pool) {
  QM31 v;
  for (size_t j = 0; j < c.weights.size(); ++j) v += c.weights[j] * pool[c.offset + j];
  return v == c.value;
}

constexpr size_t kPool = 1024;

struct Case {
  std::vector<std::vector<QM31>> polys;
  std::vector<SumcheckTerm> terms;
  QM31 claim;
};

Case make_case(uint64_t seed, size_t vars) {
  std::mt19937_64 rng(seed);
  Case c;
  for (int p = 0; p < 3; ++p) {
    std::vector<QM31> t(size_t{1} << vars);
    for (QM31& v : t) v = random_qm31(rng);
    c.polys.push_back(std::move(t));
  }
  c.terms = {{random_qm31(rng), {0, 1, 2}}, {random_qm31(rng), {1}}};
  c.claim = sumcheck_sum(c.polys, c.terms);
  return c;
}

struct Proved {
  SumcheckProof proof, second;
  std::vector<QM31> stated;
  std::vector<QM31> final_evals;
};

// Two masked sumchecks in a row on one transcript (so the pool's segments follow one another).
Proved prove(const Case& c, std::span<const M31> pool) {
  Proved out;
  Transcript t = fresh();
  SumcheckMasks masks = SumcheckMasks::for_prover(pool, out.stated);
  for (int run = 0; run < 2; ++run) {
    const size_t vars = *log2_exact(c.polys[0].size());
    EXPECT_TRUE(masks.begin(vars, 3, c.claim, t).ok());
    auto sc = sumcheck_prove(c.polys, c.terms, t, masks.mask());
    EXPECT_TRUE(sc.ok());
    EXPECT_TRUE(masks.end(sc->point, QM31::zero(), t).ok());
    (run == 0 ? out.proof : out.second) = sc->proof;
    out.final_evals = sc->final_evals;
  }
  return out;
}

// The verifier's side; returns the claim on the pool, or the failure.
StatusOr<PcsClaim> verify(const Case& c, const SumcheckProof& proof, const SumcheckProof& second,
                          std::span<const QM31> stated) {
  Transcript t = fresh();
  size_t cursor = 0;
  SumcheckMasks masks = SumcheckMasks::for_verifier(kPool, stated, cursor);
  const size_t vars = *log2_exact(c.polys[0].size());
  for (int run = 0; run < 2; ++run) {
    ZKCC_ASSIGN_OR_RETURN(QM31 start, masks.begin(vars, 3, c.claim, t));
    ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc, sumcheck_verify(start, vars, 3, run == 0 ? proof : second, t));
    ZKCC_ASSIGN_OR_RETURN(QM31 final_claim, masks.end(sc.point, sc.final_claim, t));
    std::vector<QM31> evals;
    for (const auto& p : c.polys) evals.push_back(evaluate_mle(p, sc.point));
    if (sumcheck_final_claim(evals, c.terms) != final_claim) return invalid_argument("the sumcheck does not close");
  }
  if (cursor != stated.size()) return invalid_argument("unused stated values");
  std::optional<PcsClaim> claim = masks.pool_claim(0, kPool, QM31::from_m31(M31::from_u32(7)));
  if (!claim) return internal_error("no claim on the pool");
  return *claim;
}

TEST(SumcheckMask, HonestRunsVerifyAndClaimTheTruthOnThePool) {
  const std::vector<M31> pool = random_pool(1, kPool);
  for (size_t vars : {1, 2, 5}) {
    const Case c = make_case(10 + vars, vars);
    const Proved p = prove(c, pool);
    ASSERT_EQ(p.stated.size(), 4u);  // S and g(point), twice
    auto claim = verify(c, p.proof, p.second, p.stated);
    ASSERT_TRUE(claim.ok()) << claim.status().message();
    EXPECT_EQ(claim->weights.size(), kPool);
    EXPECT_EQ(claim->point.size(), 0u);
    EXPECT_TRUE(holds(*claim, pool));
    // Another pool: the same statement, other rounds; the polynomials' values are unchanged.
    const std::vector<M31> other = random_pool(2, kPool);
    const Proved q = prove(c, other);
    EXPECT_NE(p.proof.rounds, q.proof.rounds);
    EXPECT_NE(p.stated, q.stated);
    auto claim_q = verify(c, q.proof, q.second, q.stated);
    ASSERT_TRUE(claim_q.ok());
    EXPECT_TRUE(holds(*claim_q, other));
    EXPECT_FALSE(holds(*claim_q, pool));  // the claim is on the pool the prover committed
  }
}

// Within one sumcheck the rounds' mask parts are independent uniform polynomials: with the
// polynomial's own part fixed, every round's first value changes with the mask.
TEST(SumcheckMask, EveryRoundCarriesTheMask) {
  const Case c = make_case(3, 4);
  const Proved a = prove(c, random_pool(5, kPool));
  const Proved b = prove(c, random_pool(6, kPool));
  ASSERT_EQ(a.proof.rounds.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    for (size_t k = 0; k < a.proof.rounds[i].size(); ++k) EXPECT_NE(a.proof.rounds[i][k], b.proof.rounds[i][k]) << i;
  }
}

TEST(SumcheckMask, TamperingIsCaught) {
  const std::vector<M31> pool = random_pool(1, kPool);
  const Case c = make_case(4, 3);
  const Proved p = prove(c, pool);
  const QM31 delta = QM31::from_m31s(M31::one(), M31::zero(), M31::zero(), M31::zero());
  // A stated mask sum or value off: the sumcheck no longer closes, or the pool claim is false.
  for (size_t i = 0; i < p.stated.size(); ++i) {
    std::vector<QM31> bad = p.stated;
    bad[i] += delta;
    auto claim = verify(c, p.proof, p.second, bad);
    EXPECT_TRUE(!claim.ok() || !holds(*claim, pool)) << "stated value " << i;
  }
  // A round value off.
  for (size_t r = 0; r < p.proof.rounds.size(); ++r) {
    SumcheckProof bad = p.proof;
    bad.rounds[r][0] += delta;
    auto claim = verify(c, bad, p.second, p.stated);
    EXPECT_TRUE(!claim.ok() || !holds(*claim, pool)) << "round " << r;
  }
  // A false claim on the polynomials.
  Case wrong = c;
  wrong.claim += delta;
  auto claim = verify(wrong, p.proof, p.second, p.stated);
  EXPECT_TRUE(!claim.ok() || !holds(*claim, pool));
  // Too few stated values, or a pool too small for the sumchecks.
  EXPECT_FALSE(verify(c, p.proof, p.second, std::span<const QM31>(p.stated).first(3)).ok());
  Transcript t = fresh();
  size_t cursor = 0;
  SumcheckMasks small = SumcheckMasks::for_verifier(sumcheck_mask_words(3, 3) - 1, p.stated, cursor);
  EXPECT_FALSE(small.begin(3, 3, c.claim, t).ok());
}

std::vector<QM31> concat_points(std::vector<QM31> a, std::span<const QM31> b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(SumcheckMask, ProductsAndFractionSumsRunMasked) {
  std::mt19937_64 rng(9);
  const std::vector<M31> pool = random_pool(3, kPool);
  // A product: a 4 x 8 times 8 x 2 matrix product's sumcheck.
  std::vector<M31> ad(32), bd(16);
  for (M31& v : ad) v = M31::from_u64(rng() % 1000);
  for (M31& v : bd) v = M31::from_u64(rng() % 1000);
  const Matrix a{4, 8, ad}, b{8, 2, bd};
  const std::vector<QM31> r = {random_qm31(rng), random_qm31(rng)}, col = {random_qm31(rng)};
  Matrix prod{4, 2, std::vector<M31>(8)};
  for (size_t i = 0; i < 4; ++i) {
    for (size_t j = 0; j < 2; ++j) {
      for (size_t k = 0; k < 8; ++k) prod.data[i * 2 + j] += ad[i * 8 + k] * bd[k * 2 + j];
    }
  }
  std::vector<QM31> point = r;
  point.push_back(col[0]);
  const QM31 value = evaluate_mle(prod.data, point);
  std::vector<QM31> stated;
  Transcript tp = fresh();
  SumcheckMasks pm = SumcheckMasks::for_prover(pool, stated);
  auto proved = matmul_prove(a, b, r, col, value, tp, &pm);
  ASSERT_TRUE(proved.ok());
  // A's stated value carries its mask; the masked value resolves to A~(r, s).
  std::vector<QM31> rs = r;
  rs.insert(rs.end(), proved->inner_point.begin(), proved->inner_point.end());
  EXPECT_NE(proved->proof.a_eval, evaluate_mle(ad, rs));
  EXPECT_EQ(pm.reveal(proved->a), evaluate_mle(ad, rs));
  EXPECT_EQ(proved->proof.b_eval, evaluate_mle(bd, concat_points(proved->inner_point, col)));
  // Fraction sums: sum of 1 / q over 16 leaves.
  std::vector<QM31> ones(16, QM31::one()), q(16);
  for (QM31& v : q) v = random_qm31(rng);
  auto fs = fraction_sum_prove(ones, q, tp, &pm);
  ASSERT_TRUE(fs.ok());
  EXPECT_EQ(stated.size(), 2 * (1 + 4));  // the product, the root's pair, then the layers over 1, 2, 3 variables

  auto check = [&](const std::vector<QM31>& sent, const MatmulProof& mp) -> StatusOr<PcsClaim> {
    Transcript tv = fresh();
    size_t cursor = 0;
    SumcheckMasks vm = SumcheckMasks::for_verifier(kPool, sent, cursor);
    ZKCC_RETURN_IF_ERROR(matmul_verify(8, r, col, value, mp, tv, &vm).status());
    ZKCC_ASSIGN_OR_RETURN(FractionLeafClaim leaf, fraction_sum_verify(4, fs->proof, tv, &vm));
    // The leaf claim is masked: its known part is not q~(point), its value with the pool is.
    const QM31 q_at = evaluate_mle(q, leaf.point);
    QM31 resolved = leaf.q.known;
    for (const auto& [word, coeff] : leaf.q.hidden) resolved += coeff * pool[word];
    if (leaf.q.is_public() || leaf.q.known == q_at || resolved != q_at) {
      return invalid_argument("the leaf claim is not the masked q~(point)");
    }
    if (cursor != sent.size()) return invalid_argument("unused stated values");
    return *vm.pool_claim(0, kPool, QM31::one());
  };
  auto claim = check(stated, proved->proof);
  ASSERT_TRUE(claim.ok()) << claim.status().message();
  EXPECT_TRUE(holds(*claim, pool));
  // Unmasked verification of a masked proof fails.
  Transcript tv = fresh();
  EXPECT_FALSE(matmul_verify(8, r, col, value, proved->proof, tv).ok());
  // Each stated value tampered.
  for (size_t i = 0; i < stated.size(); ++i) {
    std::vector<QM31> bad = stated;
    bad[i] += QM31::one();
    auto c = check(bad, proved->proof);
    EXPECT_TRUE(!c.ok() || !holds(*c, pool)) << i;
  }
}

// A masked value: the stated value is the honest one plus pool words, a sumcheck started from it
// and an identity between masked values hold only as claims on the pool.
TEST(SumcheckMask, MaskedValuesHideTheirValueAndStayBound) {
  const std::vector<M31> pool = random_pool(4, kPool);
  const Case c = make_case(21, 3);
  const QM31 a = QM31::from_m31(M31::from_u32(3)), b = QM31::from_m31(M31::from_u32(7));
  struct Run {
    std::vector<QM31> stated;
    SumcheckProof proof;
  };
  Run run;
  {
    Transcript t = fresh();
    SumcheckMasks masks = SumcheckMasks::for_prover(pool, run.stated);
    auto claim = masks.mask_value(c.claim, t);
    ASSERT_TRUE(claim.ok());
    EXPECT_NE(claim->known, c.claim);  // what the verifier sees is not the value
    EXPECT_EQ(masks.reveal(*claim), c.claim);
    ASSERT_TRUE(masks.begin(3, 3, *claim, t).ok());
    auto sc = sumcheck_prove(c.polys, c.terms, t, masks.mask());
    ASSERT_TRUE(sc.ok());
    run.proof = sc->proof;
    ASSERT_TRUE(masks.end(sc->point, QM31::zero(), t).ok());
    auto ma = masks.mask_value(a, t), mb = masks.mask_value(b, t);
    ASSERT_TRUE(ma.ok() && mb.ok());
    ASSERT_TRUE(masks.require(*ma + *mb, a + b, "a + b").ok());
  }
  // The verifier; `sum` is the value a + b is required to take.
  auto verify = [&](const std::vector<QM31>& stated, const QM31& sum) -> StatusOr<PcsClaim> {
    Transcript t = fresh();
    size_t cursor = 0;
    SumcheckMasks masks = SumcheckMasks::for_verifier(kPool, stated, cursor);
    ZKCC_ASSIGN_OR_RETURN(Masked claim, masks.mask_value(QM31::zero(), t));
    ZKCC_ASSIGN_OR_RETURN(QM31 start, masks.begin(3, 3, claim, t));
    ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc, sumcheck_verify(start, 3, 3, run.proof, t));
    ZKCC_ASSIGN_OR_RETURN(QM31 final_claim, masks.end(sc.point, sc.final_claim, t));
    std::vector<QM31> evals;
    for (const auto& p : c.polys) evals.push_back(evaluate_mle(p, sc.point));
    if (sumcheck_final_claim(evals, c.terms) != final_claim) return invalid_argument("the sumcheck does not close");
    ZKCC_ASSIGN_OR_RETURN(Masked ma, masks.mask_value(QM31::zero(), t));
    ZKCC_ASSIGN_OR_RETURN(Masked mb, masks.mask_value(QM31::zero(), t));
    ZKCC_RETURN_IF_ERROR(masks.require(ma + mb, sum, "a + b"));
    if (cursor != stated.size()) return invalid_argument("unused stated values");
    return *masks.pool_claim(0, kPool, QM31::from_m31(M31::from_u32(5)));
  };
  auto honest = verify(run.stated, a + b);
  ASSERT_TRUE(honest.ok()) << honest.status().message();
  EXPECT_TRUE(holds(*honest, pool));
  auto wrong_sum = verify(run.stated, a + b + QM31::one());
  EXPECT_TRUE(!wrong_sum.ok() || !holds(*wrong_sum, pool));
  for (size_t i = 0; i < run.stated.size(); ++i) {
    std::vector<QM31> bad = run.stated;
    bad[i] += QM31::one();
    auto claim = verify(bad, a + b);
    EXPECT_TRUE(!claim.ok() || !holds(*claim, pool)) << "stated value " << i;
  }
  // Public values are checked at once.
  std::vector<QM31> none;
  size_t cursor = 0;
  SumcheckMasks verifier = SumcheckMasks::for_verifier(kPool, none, cursor);
  EXPECT_TRUE(verifier.require(Masked(a), a, "a").ok());
  EXPECT_FALSE(verifier.require(Masked(a), b, "a").ok());
}

// A pair's entries stay hidden: the stated lines are not the entries, less their masks they are,
// and every tampered round value or stated line is caught.
TEST(FractionPair, ProvesTheRootOfTwoHiddenEntries) {
  std::mt19937_64 rng(31);
  const std::vector<M31> pool = random_pool(8, kPool);
  const std::array<QM31, 2> lo = {random_qm31(rng), random_qm31(rng)}, hi = {random_qm31(rng), random_qm31(rng)};
  const QM31 lambda = random_qm31(rng);
  const QM31 truth = lo[0] * hi[1] + hi[0] * lo[1] + lambda * lo[1] * hi[1];
  std::vector<QM31> stated;
  FractionLayerProof proof;
  {
    Transcript t = fresh();
    SumcheckMasks masks = SumcheckMasks::for_prover(pool, stated);
    auto claim = masks.mask_value(truth, t);
    ASSERT_TRUE(claim.ok());
    auto pair = fraction_pair_prove(lo, hi, *claim, lambda, false, t, masks, proof);
    ASSERT_TRUE(pair.ok()) << pair.status().message();
    for (const QM31& v : {proof.p0, proof.p1, proof.q0, proof.q1}) {
      for (const QM31& e : {lo[0], lo[1], hi[0], hi[1]}) EXPECT_NE(v, e);
    }
  }
  auto verify = [&](const FractionLayerProof& pr, const std::vector<QM31>& sent) -> StatusOr<PcsClaim> {
    Transcript t = fresh();
    size_t cursor = 0;
    SumcheckMasks masks = SumcheckMasks::for_verifier(kPool, sent, cursor);
    ZKCC_ASSIGN_OR_RETURN(Masked claim, masks.mask_value(QM31::zero(), t));
    ZKCC_ASSIGN_OR_RETURN(FractionPair pair, fraction_pair_verify(pr, claim, lambda, false, t, masks));
    const Masked got[] = {pair.lo.p, pair.lo.q, pair.hi.p, pair.hi.q};
    const QM31 want[] = {lo[0], lo[1], hi[0], hi[1]};
    for (size_t k = 0; k < 4; ++k) {
      if (got[k].is_public() || got[k].known == want[k]) return invalid_argument("an entry is in the clear");
      // What the rest of a proof would claim on the entries.
      ZKCC_RETURN_IF_ERROR(masks.require(got[k], want[k], "entry"));
    }
    if (cursor != sent.size()) return invalid_argument("unused stated values");
    return *masks.pool_claim(0, kPool, QM31::from_m31(M31::from_u32(3)));
  };
  auto honest = verify(proof, stated);
  ASSERT_TRUE(honest.ok()) << honest.status().message();
  EXPECT_TRUE(holds(*honest, pool));
  for (size_t i = 0; i < stated.size(); ++i) {
    std::vector<QM31> bad = stated;
    bad[i] += QM31::one();
    auto c = verify(proof, bad);
    EXPECT_TRUE(!c.ok() || !holds(*c, pool)) << "stated value " << i;
  }
  for (size_t x = 0; x < proof.sumcheck.rounds[0].size(); ++x) {
    FractionLayerProof bad = proof;
    bad.sumcheck.rounds[0][x] += QM31::one();
    auto c = verify(bad, stated);
    EXPECT_TRUE(!c.ok() || !holds(*c, pool)) << "round value " << x;
  }
  for (QM31 FractionLayerProof::*v : {&FractionLayerProof::p0, &FractionLayerProof::p1, &FractionLayerProof::q0,
                                      &FractionLayerProof::q1}) {
    FractionLayerProof bad = proof;
    bad.*v += QM31::one();
    EXPECT_FALSE(verify(bad, stated).ok());
  }
}

// A masked lookup compares its sides hidden: no totals in the proof, the roots are masked claims,
// and a witness row outside the table still fails.
TEST(FractionPair, MaskedLookupsHideTheirTotals) {
  const std::vector<M31> pool = random_pool(9, 1 << 14);
  Column table(8), witness(16);
  for (size_t j = 0; j < 8; ++j) table[j] = M31::from_u32(static_cast<uint32_t>(10 * j));
  for (size_t i = 0; i < 16; ++i) witness[i] = table[(i * 5) % 8];
  const Column w_cols[] = {witness}, t_cols[] = {table};
  auto m = logup_multiplicities(w_cols, t_cols);
  ASSERT_TRUE(m.ok());
  auto prove_with = [&](std::span<const Column> w, const Column& mult, std::vector<QM31>& stated) {
    Transcript t = fresh();
    SumcheckMasks masks = SumcheckMasks::for_prover(pool, stated);
    return logup_prove(w, t_cols, mult, t, &masks);
  };
  auto verify = [&](const LogupProof& proof, const std::vector<QM31>& stated) -> StatusOr<PcsClaim> {
    Transcript t = fresh();
    size_t cursor = 0;
    SumcheckMasks masks = SumcheckMasks::for_verifier(pool.size(), stated, cursor);
    ZKCC_ASSIGN_OR_RETURN(LogupClaims c, logup_verify(4, 3, 1, proof, t, &masks));
    ZKCC_RETURN_IF_ERROR(masks.require(Masked(c.witness_evals[0]), evaluate_mle(witness, c.witness_point), "W~"));
    ZKCC_RETURN_IF_ERROR(masks.require(Masked(c.multiplicity_eval), evaluate_mle(*m, c.table_point), "m~"));
    if (cursor != stated.size()) return invalid_argument("unused stated values");
    return *masks.pool_claim(0, pool.size(), QM31::from_m31(M31::from_u32(11)));
  };
  std::vector<QM31> stated;
  auto proved = prove_with(w_cols, *m, stated);
  ASSERT_TRUE(proved.ok()) << proved.status().message();
  ASSERT_TRUE(proved->proof.joint.has_value());
  EXPECT_TRUE(proved->proof.witness.root_hidden && proved->proof.table.root_hidden);
  EXPECT_LE(logup_mask_words(4, 3), pool.size());
  auto honest = verify(proved->proof, stated);
  ASSERT_TRUE(honest.ok()) << honest.status().message();
  EXPECT_TRUE(holds(*honest, pool));
  // Unmasked verification refuses a masked proof.
  Transcript t = fresh();
  EXPECT_NE(logup_verify(4, 3, 1, proved->proof, t).status().message().find("hidden"), std::string::npos);
  // A witness row outside the table, with the multiplicities of the honest witness.
  Column outside = witness;
  outside[3] = M31::from_u32(11);
  const Column bad_cols[] = {outside};
  std::vector<QM31> bad_stated;
  auto bad = prove_with(bad_cols, *m, bad_stated);
  ASSERT_TRUE(bad.ok()) << bad.status().message();
  auto refused = verify(bad->proof, bad_stated);
  EXPECT_TRUE(!refused.ok() || !holds(*refused, pool));
}

}  // namespace
}  // namespace zkcc::proof
