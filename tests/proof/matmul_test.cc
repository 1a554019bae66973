#include "zkcc/proof/matmul.h"

#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

Matrix random_matrix(std::mt19937_64& rng, size_t rows, size_t cols) {
  std::vector<M31> d(rows * cols);
  // int8 values, as quantized weights and activations are.
  for (auto& v : d) v = M31::from_i64(static_cast<int8_t>(rng()));
  return *make_matrix(rows, cols, std::move(d));
}

Matrix multiply(const Matrix& a, const Matrix& b) {
  std::vector<M31> c(a.rows * b.cols);
  for (size_t i = 0; i < a.rows; ++i) {
    for (size_t x = 0; x < a.cols; ++x) {
      for (size_t j = 0; j < b.cols; ++j) c[i * b.cols + j] += a.data[i * a.cols + x] * b.data[x * b.cols + j];
    }
  }
  return *make_matrix(a.rows, b.cols, std::move(c));
}

struct Product {
  Matrix a, b, c;
  std::vector<QM31> r, col;
};

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-matmul-test")); }

// The verifier's view: draws the point from the transcript, derives the claim from C, checks the
// proof and the two claims it leaves against A and B.
bool verifies(const Product& s, const Matrix& claimed_c, const MatmulProof& proof) {
  Transcript t = fresh();
  auto r = t.draw_qm31s(*log2_exact(s.a.rows));
  auto col = t.draw_qm31s(*log2_exact(s.b.cols));
  std::vector<QM31> point = r;
  point.insert(point.end(), col.begin(), col.end());
  QM31 value = evaluate_mle(claimed_c.data, point);
  auto reduced = matmul_verify(s.a.cols, r, col, value, proof, t);
  if (!reduced.ok()) return false;
  return evaluate_mle(s.a.data, reduced->a.point) == reduced->a.value &&
         evaluate_mle(s.b.data, reduced->b.point) == reduced->b.value;
}

MatmulProof prove(const Product& s, const Matrix& claimed_c) {
  Transcript t = fresh();
  auto r = t.draw_qm31s(*log2_exact(s.a.rows));
  auto col = t.draw_qm31s(*log2_exact(s.b.cols));
  std::vector<QM31> point = r;
  point.insert(point.end(), col.begin(), col.end());
  auto proof = matmul_prove(s.a, s.b, r, col, evaluate_mle(claimed_c.data, point), t);
  EXPECT_TRUE(proof.ok()) << proof.status().to_string();
  return proof->proof;
}

Product make(std::mt19937_64& rng, size_t m, size_t k, size_t n) {
  Product s;
  s.a = random_matrix(rng, m, k);
  s.b = random_matrix(rng, k, n);
  s.c = multiply(s.a, s.b);
  return s;
}

TEST(Matmul, FoldsMatchTheExtension) {
  std::mt19937_64 rng(1);
  Matrix a = random_matrix(rng, 8, 16);
  Transcript t = fresh();
  auto r = t.draw_qm31s(3);
  auto x = t.draw_qm31s(4);
  auto rows = fold_rows(a, r);
  std::vector<QM31> point = r;
  point.insert(point.end(), x.begin(), x.end());
  EXPECT_EQ(evaluate_mle(rows, x), evaluate_mle(a.data, point));
  auto cols = fold_cols(a, x);
  EXPECT_EQ(evaluate_mle(cols, r), evaluate_mle(a.data, point));
}

TEST(Matmul, HonestProductsVerify) {
  std::mt19937_64 rng(2);
  for (auto [m, k, n] : {std::tuple{1, 1, 1}, {2, 4, 8}, {16, 32, 8}, {64, 64, 64}, {1, 128, 4}}) {
    Product s = make(rng, m, k, n);
    EXPECT_TRUE(verifies(s, s.c, prove(s, s.c))) << m << "x" << k << "x" << n;
  }
}

TEST(Matmul, AWrongProductCannotBeProved) {
  std::mt19937_64 rng(3);
  Product s = make(rng, 16, 16, 16);
  Matrix wrong = s.c;
  wrong.data[37] += M31::one();
  // The honest prover's messages cannot support a claim taken from the wrong C.
  EXPECT_FALSE(verifies(s, wrong, prove(s, wrong)));
  // Nor does the honest proof for C pass as a proof for the wrong C.
  EXPECT_FALSE(verifies(s, wrong, prove(s, s.c)));
}

TEST(Matmul, RejectsEveryChangedFieldElement) {
  std::mt19937_64 rng(4);
  Product s = make(rng, 4, 8, 4);
  MatmulProof proof = prove(s, s.c);
  ASSERT_TRUE(verifies(s, s.c, proof));
  auto bump = [](QM31 q, int coord) {
    auto m = q.to_m31s();
    m[coord] += M31::one();
    return QM31::from_m31s(m[0], m[1], m[2], m[3]);
  };
  size_t changed = 0;
  for (size_t r = 0; r < proof.sumcheck.rounds.size(); ++r) {
    for (size_t v = 0; v < proof.sumcheck.rounds[r].size(); ++v) {
      for (int coord = 0; coord < 4; ++coord) {
        MatmulProof bad = proof;
        bad.sumcheck.rounds[r][v] = bump(bad.sumcheck.rounds[r][v], coord);
        EXPECT_FALSE(verifies(s, s.c, bad));
        ++changed;
      }
    }
  }
  for (int coord = 0; coord < 4; ++coord) {
    MatmulProof bad_a = proof, bad_b = proof;
    bad_a.a_eval = bump(bad_a.a_eval, coord);
    bad_b.b_eval = bump(bad_b.b_eval, coord);
    EXPECT_FALSE(verifies(s, s.c, bad_a));
    EXPECT_FALSE(verifies(s, s.c, bad_b));
    changed += 2;
  }
  EXPECT_EQ(changed, 3u * 2u * 4u + 8u);
}

TEST(Matmul, RejectsMismatchedShapes) {
  std::mt19937_64 rng(5);
  Matrix a = random_matrix(rng, 4, 8), b = random_matrix(rng, 4, 4);
  Transcript t = fresh();
  auto r = t.draw_qm31s(2);
  auto c = t.draw_qm31s(2);
  EXPECT_FALSE(matmul_prove(a, b, r, c, QM31::zero(), t).ok());
  EXPECT_FALSE(make_matrix(3, 4, std::vector<M31>(12)).ok());
  EXPECT_FALSE(make_matrix(4, 4, std::vector<M31>(15)).ok());
}

}  // namespace
}  // namespace zkcc::proof

namespace zkcc::proof {
namespace {

struct Batch {
  std::vector<Product> products;
  std::vector<MatmulInstance> instances;
};

// Three products with inner dimension 16 and different outer shapes.
Batch make_batch(std::mt19937_64& rng, Transcript& t, int corrupt = -1) {
  Batch b;
  b.products = {make(rng, 4, 16, 8), make(rng, 8, 16, 2), make(rng, 1, 16, 16)};
  for (size_t i = 0; i < b.products.size(); ++i) {
    Product& p = b.products[i];
    MatmulInstance m{&p.a, &p.b, t.draw_qm31s(*log2_exact(p.a.rows)), t.draw_qm31s(*log2_exact(p.b.cols)), {}};
    Matrix c = p.c;
    if (static_cast<int>(i) == corrupt) c.data[1] += M31::one();
    std::vector<QM31> point = m.r;
    point.insert(point.end(), m.c.begin(), m.c.end());
    m.value = evaluate_mle(c.data, point);
    b.instances.push_back(std::move(m));
  }
  return b;
}

bool batch_verifies(const Batch& b, const BatchedMatmulProof& proof) {
  Transcript t = fresh();
  for (const auto& m : b.instances) {  // replay the point draws
    t.draw_qm31s(m.r.size());
    t.draw_qm31s(m.c.size());
  }
  auto red = matmul_batch_verify(16, b.instances, proof, t);
  if (!red.ok()) return false;
  for (size_t i = 0; i < b.instances.size(); ++i) {
    if (evaluate_mle(b.instances[i].a->data, (*red)[i].a.point) != (*red)[i].a.value) return false;
    if (evaluate_mle(b.instances[i].b->data, (*red)[i].b.point) != (*red)[i].b.value) return false;
  }
  return true;
}

TEST(MatmulBatch, OneSumcheckForSeveralProducts) {
  std::mt19937_64 rng(10);
  Transcript t = fresh();
  Batch b = make_batch(rng, t);
  auto proof = matmul_batch_prove(b.instances, t);
  ASSERT_TRUE(proof.ok()) << proof.status().to_string();
  EXPECT_EQ(proof->sumcheck.rounds.size(), 4u);  // log2(16), shared by all three
  EXPECT_TRUE(batch_verifies(b, *proof));
  // Any changed element is refused.
  for (size_t i = 0; i < 3; ++i) {
    BatchedMatmulProof bad = *proof;
    bad.a_evals[i] += QM31::one();
    EXPECT_FALSE(batch_verifies(b, bad));
    bad = *proof;
    bad.b_evals[i] += QM31::one();
    EXPECT_FALSE(batch_verifies(b, bad));
  }
  BatchedMatmulProof bad = *proof;
  bad.sumcheck.rounds[2][1] += QM31::one();
  EXPECT_FALSE(batch_verifies(b, bad));
}

TEST(MatmulBatch, OneWrongProductSinksTheBatch) {
  std::mt19937_64 rng(11);
  for (int corrupt = 0; corrupt < 3; ++corrupt) {
    Transcript t = fresh();
    Batch b = make_batch(rng, t, corrupt);
    auto proof = matmul_batch_prove(b.instances, t);
    ASSERT_TRUE(proof.ok());
    EXPECT_FALSE(batch_verifies(b, *proof)) << corrupt;
  }
}

TEST(MatmulBatch, RefusesMixedInnerDimensions) {
  std::mt19937_64 rng(12);
  Product p1 = make(rng, 4, 16, 4), p2 = make(rng, 4, 8, 4);
  Transcript t = fresh();
  std::vector<MatmulInstance> inst = {{&p1.a, &p1.b, t.draw_qm31s(2), t.draw_qm31s(2), {}},
                                      {&p2.a, &p2.b, t.draw_qm31s(2), t.draw_qm31s(2), {}}};
  EXPECT_FALSE(matmul_batch_prove(inst, t).ok());
  EXPECT_FALSE(matmul_batch_prove({}, t).ok());
}

}  // namespace
}  // namespace zkcc::proof
