#include "zkcc/proof/logup.h"

#include <gtest/gtest.h>

#include <random>

namespace zkcc::proof {
namespace {

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-logup-test")); }

QM31 random_qm31(std::mt19937_64& rng) {
  return QM31::from_m31s(M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()), M31::from_u64(rng()));
}

TEST(FractionSum, ProvesTheSumOfFractions) {
  std::mt19937_64 rng(1);
  for (size_t vars : {0, 1, 3, 6}) {
    std::vector<QM31> p(size_t{1} << vars), q(p.size());
    QM31 sum;
    for (size_t i = 0; i < p.size(); ++i) {
      p[i] = random_qm31(rng);
      q[i] = random_qm31(rng);
      sum += p[i] * q[i].inverse();
    }
    Transcript tp = fresh();
    auto proof = fraction_sum_prove(p, q, tp);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(proof->proof.p_total * proof->proof.q_total.inverse(), sum);
    Transcript tv = fresh();
    auto leaf = fraction_sum_verify(vars, proof->proof, tv);
    ASSERT_TRUE(leaf.ok()) << leaf.status().to_string();
    EXPECT_EQ(leaf->point, proof->point);
    EXPECT_EQ(leaf->p.known, evaluate_mle(p, leaf->point));
    EXPECT_EQ(leaf->q.known, evaluate_mle(q, leaf->point));
    // A changed total no longer closes the layers (or, with no layers, changes the stated sum).
    auto bad = proof->proof;
    bad.p_total += QM31::one();
    Transcript tb = fresh();
    auto bad_leaf = fraction_sum_verify(vars, bad, tb);
    EXPECT_TRUE(!bad_leaf.ok() || bad_leaf->p.known != evaluate_mle(p, bad_leaf->point)) << vars;
  }
}

struct Lookup {
  std::vector<Column> witness, table;
  Column m;
};

// Range check: 256 witness values in a 2^8 table of 0..255.
Lookup range_check(std::mt19937_64& rng, size_t n) {
  Lookup l;
  l.table = {Column(256)};
  for (uint32_t v = 0; v < 256; ++v) l.table[0][v] = M31::from_u32(v);
  l.witness = {Column(n)};
  for (auto& v : l.witness[0]) v = M31::from_u32(static_cast<uint32_t>(rng() % 256));
  l.m = *logup_multiplicities(l.witness, l.table);
  return l;
}

// ReLU as an (input, output) function table over int8 inputs.
Lookup relu(std::mt19937_64& rng, size_t n) {
  Lookup l;
  l.table = {Column(256), Column(256)};
  for (int v = -128; v < 128; ++v) {
    l.table[0][static_cast<size_t>(v + 128)] = M31::from_i64(v);
    l.table[1][static_cast<size_t>(v + 128)] = M31::from_i64(v > 0 ? v : 0);
  }
  l.witness = {Column(n), Column(n)};
  for (size_t i = 0; i < n; ++i) {
    int v = static_cast<int>(rng() % 256) - 128;
    l.witness[0][i] = M31::from_i64(v);
    l.witness[1][i] = M31::from_i64(v > 0 ? v : 0);
  }
  l.m = *logup_multiplicities(l.witness, l.table);
  return l;
}

// The verifier's view: the proof, then its claims against the data held in the clear.
bool verifies(const Lookup& l, const LogupProof& proof) {
  Transcript t = fresh();
  auto claims = logup_verify(*log2_exact(l.witness[0].size()), *log2_exact(l.table[0].size()), l.witness.size(), proof, t);
  if (!claims.ok()) return false;
  for (size_t c = 0; c < l.witness.size(); ++c) {
    if (evaluate_mle(l.witness[c], claims->witness_point) != claims->witness_evals[c]) return false;
    if (evaluate_mle(l.table[c], claims->table_point) != claims->table_evals[c]) return false;
  }
  return evaluate_mle(l.m, claims->table_point) == claims->multiplicity_eval;
}

// Every field element of a proof, in a fixed order.
std::vector<QM31*> proof_slots(LogupProof& proof) {
  std::vector<QM31*> slots;
  for (FractionSumProof* fs : {&proof.witness, &proof.table}) {
    slots.push_back(&fs->p_total);
    slots.push_back(&fs->q_total);
    for (auto& layer : fs->layers) {
      for (auto& round : layer.sumcheck.rounds) {
        for (auto& v : round) slots.push_back(&v);
      }
      for (QM31* v : {&layer.p0, &layer.p1, &layer.q0, &layer.q1}) slots.push_back(v);
    }
  }
  for (auto& v : proof.witness_evals) slots.push_back(&v);
  for (auto& v : proof.table_evals) slots.push_back(&v);
  slots.push_back(&proof.multiplicity_eval);
  return slots;
}

LogupProof prove(const Lookup& l) {
  Transcript t = fresh();
  auto proof = logup_prove(l.witness, l.table, l.m, t);
  EXPECT_TRUE(proof.ok()) << proof.status().to_string();
  return proof->proof;
}

TEST(Logup, RangeCheckAndFunctionTableVerify) {
  std::mt19937_64 rng(2);
  for (size_t n : {1, 16, 1024}) {
    Lookup r = range_check(rng, n);
    EXPECT_TRUE(verifies(r, prove(r))) << "range " << n;
    Lookup f = relu(rng, n);
    EXPECT_TRUE(verifies(f, prove(f))) << "relu " << n;
  }
}

TEST(Logup, MultiplicitiesRefuseRowsOutsideTheTable) {
  std::mt19937_64 rng(3);
  Lookup r = range_check(rng, 64);
  r.witness[0][10] = M31::from_u32(256);
  auto m = logup_multiplicities(r.witness, r.table);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("row 10"), std::string::npos);
}

TEST(Logup, AWrongActivationOutputCannotBeProved) {
  std::mt19937_64 rng(4);
  Lookup f = relu(rng, 64);
  // A prover that claims ReLU(x) = x for a negative x: the row is not in the table, so whatever
  // multiplicities it picks, the sums differ.
  size_t bad_row = 0;
  while (f.witness[0][bad_row].value() < M31::kModulus / 2) ++bad_row;
  f.witness[1][bad_row] = f.witness[0][bad_row];
  EXPECT_FALSE(verifies(f, prove(f)));
  // Nor does moving a count to another row help.
  f.m[0] += M31::one();
  EXPECT_FALSE(verifies(f, prove(f)));
}

TEST(Logup, RejectsWrongMultiplicities) {
  std::mt19937_64 rng(5);
  Lookup r = range_check(rng, 64);
  r.m[3] += M31::one();
  EXPECT_FALSE(verifies(r, prove(r)));
}

TEST(Logup, RejectsEveryChangedFieldElement) {
  std::mt19937_64 rng(6);
  Lookup f = relu(rng, 8);
  f.table[0].resize(8);
  f.table[1].resize(8);
  for (size_t i = 0; i < 8; ++i) {  // a small table holding exactly the witness rows (and more)
    f.table[0][i] = f.witness[0][i];
    f.table[1][i] = f.witness[1][i];
  }
  f.m = *logup_multiplicities(f.witness, f.table);
  LogupProof proof = prove(f);
  ASSERT_TRUE(verifies(f, proof));
  size_t count = 0;
  size_t total = proof_slots(proof).size();
  for (size_t s = 0; s < total; ++s) {
    for (int coord = 0; coord < 4; ++coord) {
      LogupProof bad = proof;
      QM31& v = *proof_slots(bad)[s];
      auto m = v.to_m31s();
      m[coord] += M31::one();
      v = QM31::from_m31s(m[0], m[1], m[2], m[3]);
      EXPECT_FALSE(verifies(f, bad)) << "element " << s << " coordinate " << coord;
      ++count;
    }
  }
  EXPECT_GT(count, 100u);
}

TEST(Logup, RejectsMalformedInput) {
  std::mt19937_64 rng(7);
  Lookup r = range_check(rng, 16);
  Transcript t = fresh();
  Column short_m(10);
  EXPECT_FALSE(logup_prove(r.witness, r.table, short_m, t).ok());
  std::vector<Column> odd = {Column(12)};
  EXPECT_FALSE(logup_prove(odd, r.table, r.m, t).ok());
  LogupProof proof = prove(r);
  Transcript tv = fresh();
  EXPECT_FALSE(logup_verify(4, 8, 2, proof, tv).ok());  // wrong column count
  Transcript tv2 = fresh();
  EXPECT_FALSE(logup_verify(5, 8, 1, proof, tv2).ok());  // wrong witness size
}

}  // namespace
}  // namespace zkcc::proof
