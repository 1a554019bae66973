#include "zkcc/proof/matmul.h"

#include "zkcc/base/parallel.h"
#include "zkcc/field/m31_vec.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck_mask.h"

namespace zkcc::proof {
namespace {

// Per-coordinate accumulators: a QM31 vector stored as four M31 planes, so each update is an
// M31 AXPY the vector kernels run eight lanes at a time.
struct Planes {
  explicit Planes(size_t n) : p{std::vector<M31>(n), std::vector<M31>(n), std::vector<M31>(n), std::vector<M31>(n)} {}
  std::array<std::vector<M31>, 4> p;

  void axpy(const QM31& s, std::span<const M31> x, std::vector<M31>& scratch) {
    auto c = s.to_m31s();
    for (int k = 0; k < 4; ++k) {
      field::m31_scale(x, c[k], scratch);
      field::m31_add(p[k], scratch, p[k]);
    }
  }
  std::vector<QM31> to_qm31s() const {
    std::vector<QM31> out(p[0].size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = QM31::from_m31s(p[0][i], p[1][i], p[2][i], p[3][i]);
    return out;
  }
};

}  // namespace

StatusOr<Matrix> make_matrix(size_t rows, size_t cols, std::vector<M31> data) {
  ZKCC_RETURN_IF_ERROR(log2_exact(rows).status().with_context("matrix rows"));
  ZKCC_RETURN_IF_ERROR(log2_exact(cols).status().with_context("matrix columns"));
  if (data.size() != rows * cols) {
    return invalid_argument("matrix has " + std::to_string(data.size()) + " entries, expected " +
                            std::to_string(rows) + " x " + std::to_string(cols));
  }
  return Matrix{rows, cols, std::move(data)};
}

std::vector<QM31> fold_rows(const Matrix& a, std::span<const QM31> r) {
  // A~(r, x) = sum_i eq(r, i) A[i][x]: one scaled row added per row. Threads split the columns,
  // so each owns its slice of the accumulators.
  std::vector<QM31> eq = eq_table(r);
  std::vector<QM31> out(a.cols);
  size_t min_cols = a.rows * a.cols >= (size_t{1} << 16) ? 64 : SIZE_MAX;
  parallel_for(a.cols, min_cols, [&](size_t, size_t begin, size_t end) {
    size_t w = end - begin;
    Planes acc(w);
    std::vector<M31> scratch(w);
    for (size_t i = 0; i < a.rows; ++i) {
      acc.axpy(eq[i], std::span<const M31>(a.data).subspan(i * a.cols + begin, w), scratch);
    }
    auto part = acc.to_qm31s();
    std::copy(part.begin(), part.end(), out.begin() + static_cast<std::ptrdiff_t>(begin));
  });
  return out;
}

std::vector<QM31> fold_cols(const Matrix& b, std::span<const QM31> c) { return fold_trailing(b.data, c); }

namespace {

// With masks, A (the product's first factor) runs masked: the sumcheck's first round has degree 3.
const std::vector<bool> kMaskA = {true, false};
MaskShape product_mask_shape(size_t inner_vars) { return MaskShape(inner_vars, 2, 3); }

Masked masked_a(const QM31& a_eval, const SumcheckMasks::Factors& factors, std::span<const QM31> point) {
  if (factors.at.empty() || !factors.at[0]) return Masked(a_eval);
  return masked_factor(a_eval, *factors.at[0], point[0]);
}

}  // namespace

StatusOr<MatmulProverResult> matmul_prove(const Matrix& a, const Matrix& b, std::span<const QM31> r,
                                   std::span<const QM31> c, const Masked& value, Transcript& transcript,
                                   SumcheckMasks* masks) {
  if (a.cols != b.rows) {
    return invalid_argument("matmul: A is " + std::to_string(a.rows) + " x " + std::to_string(a.cols) + " but B is " +
                            std::to_string(b.rows) + " x " + std::to_string(b.cols));
  }
  if ((size_t{1} << r.size()) != a.rows || (size_t{1} << c.size()) != b.cols) {
    return invalid_argument("matmul: claim point does not match the matrix dimensions");
  }
  if (!masks && !value.is_public()) return internal_error("matmul: a masked claim needs the masks");
  const QM31 claim[] = {value.known};
  transcript.mix_qm31s(claim);
  std::vector<std::vector<QM31>> polys = {fold_rows(a, r), fold_cols(b, c)};
  const SumcheckTerm term[] = {{QM31::one(), {0, 1}}};
  ZKCC_ASSIGN_OR_RETURN(size_t inner_vars, log2_exact(a.cols));
  SumcheckMasks::Factors factors;
  if (masks) {
    ZKCC_ASSIGN_OR_RETURN(factors, masks->take_factors(inner_vars, kMaskA));
    ZKCC_RETURN_IF_ERROR(masks->begin(product_mask_shape(inner_vars), value, transcript).status());
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), term, transcript,
                                                                masks ? masks->mask() : nullptr, factors.values));
  if (masks) ZKCC_RETURN_IF_ERROR(masks->end(sc.point, QM31::zero(), transcript).status());
  MatmulProof proof{std::move(sc.proof), sc.final_evals[0], sc.final_evals[1]};
  const QM31 evals[] = {proof.a_eval, proof.b_eval};
  transcript.mix_qm31s(evals);
  Masked a_value = masked_a(proof.a_eval, factors, sc.point);
  return MatmulProverResult{std::move(proof), std::move(sc.point), std::move(a_value)};
}

StatusOr<MatmulReduced> matmul_verify(size_t inner_dim, std::span<const QM31> r, std::span<const QM31> c,
                                      const Masked& value, const MatmulProof& proof, Transcript& transcript,
                                      SumcheckMasks* masks) {
  ZKCC_ASSIGN_OR_RETURN(size_t inner_vars, log2_exact(inner_dim));
  if (!masks && !value.is_public()) return internal_error("matmul: a masked claim needs the masks");
  const QM31 claim[] = {value.known};
  transcript.mix_qm31s(claim);
  QM31 start = value.known;
  SumcheckMasks::Factors factors;
  if (masks) {
    ZKCC_ASSIGN_OR_RETURN(factors, masks->take_factors(inner_vars, kMaskA));
    ZKCC_ASSIGN_OR_RETURN(start, masks->begin(product_mask_shape(inner_vars), value, transcript));
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc, sumcheck_verify(start, inner_vars, 2, proof.sumcheck, transcript,
                                                                   masks ? product_mask_shape(inner_vars).first : 0));
  QM31 final_claim = sc.final_claim;
  if (masks) {
    ZKCC_ASSIGN_OR_RETURN(final_claim, masks->end(sc.point, final_claim, transcript));
  }
  if (proof.a_eval * proof.b_eval != final_claim) {
    return invalid_argument("matmul: A~(r, s) * B~(s, c) does not match the sumcheck's final claim");
  }
  const QM31 evals[] = {proof.a_eval, proof.b_eval};
  transcript.mix_qm31s(evals);
  MatmulReduced out;
  out.a.point.assign(r.begin(), r.end());
  out.a.point.insert(out.a.point.end(), sc.point.begin(), sc.point.end());
  out.a.value = proof.a_eval;
  out.b.point = sc.point;
  out.b.point.insert(out.b.point.end(), c.begin(), c.end());
  out.b.value = proof.b_eval;
  out.a_value = masked_a(proof.a_eval, factors, sc.point);
  return out;
}

namespace {

void mix_claims(std::span<const MatmulInstance> instances, Transcript& transcript) {
  std::vector<QM31> values;
  for (const auto& m : instances) values.push_back(m.value);
  transcript.mix_qm31s(values);
}

// gamma^t for t = 0..n-1.
std::vector<QM31> powers(const QM31& gamma, size_t n) {
  std::vector<QM31> out(n);
  QM31 g = QM31::one();
  for (auto& p : out) {
    p = g;
    g *= gamma;
  }
  return out;
}

}  // namespace

StatusOr<BatchedMatmulProof> matmul_batch_prove(std::span<const MatmulInstance> instances, Transcript& transcript) {
  if (instances.empty()) return invalid_argument("matmul batch is empty");
  size_t k = instances[0].a->cols;
  for (size_t t = 0; t < instances.size(); ++t) {
    const auto& m = instances[t];
    if (m.a->cols != k || m.b->rows != k) {
      return invalid_argument("matmul batch: product " + std::to_string(t) + " has another inner dimension");
    }
    if ((size_t{1} << m.r.size()) != m.a->rows || (size_t{1} << m.c.size()) != m.b->cols) {
      return invalid_argument("matmul batch: product " + std::to_string(t) + "'s claim point does not fit");
    }
  }
  mix_claims(instances, transcript);
  std::vector<QM31> g = powers(transcript.draw_qm31(), instances.size());
  std::vector<std::vector<QM31>> polys;
  std::vector<SumcheckTerm> terms;
  for (size_t t = 0; t < instances.size(); ++t) {
    polys.push_back(fold_rows(*instances[t].a, instances[t].r));
    polys.push_back(fold_cols(*instances[t].b, instances[t].c));
    terms.push_back({g[t], {2 * t, 2 * t + 1}});
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), terms, transcript));
  BatchedMatmulProof proof{std::move(sc.proof), {}, {}};
  for (size_t t = 0; t < instances.size(); ++t) {
    proof.a_evals.push_back(sc.final_evals[2 * t]);
    proof.b_evals.push_back(sc.final_evals[2 * t + 1]);
  }
  transcript.mix_qm31s(proof.a_evals);
  transcript.mix_qm31s(proof.b_evals);
  return proof;
}

StatusOr<std::vector<MatmulReduced>> matmul_batch_verify(size_t inner_dim, std::span<const MatmulInstance> instances,
                                                         const BatchedMatmulProof& proof, Transcript& transcript) {
  ZKCC_ASSIGN_OR_RETURN(size_t inner_vars, log2_exact(inner_dim));
  if (instances.empty()) return invalid_argument("matmul batch is empty");
  if (proof.a_evals.size() != instances.size() || proof.b_evals.size() != instances.size()) {
    return invalid_argument("matmul batch proof has the wrong number of evaluations");
  }
  mix_claims(instances, transcript);
  std::vector<QM31> g = powers(transcript.draw_qm31(), instances.size());
  QM31 claim, closing;
  for (size_t t = 0; t < instances.size(); ++t) {
    claim += g[t] * instances[t].value;
    closing += g[t] * proof.a_evals[t] * proof.b_evals[t];
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc, sumcheck_verify(claim, inner_vars, 2, proof.sumcheck, transcript));
  if (closing != sc.final_claim) return invalid_argument("matmul batch: the evaluations do not close the sumcheck");
  transcript.mix_qm31s(proof.a_evals);
  transcript.mix_qm31s(proof.b_evals);
  std::vector<MatmulReduced> out;
  for (size_t t = 0; t < instances.size(); ++t) {
    MatmulReduced red;
    red.a.point = instances[t].r;
    red.a.point.insert(red.a.point.end(), sc.point.begin(), sc.point.end());
    red.a.value = proof.a_evals[t];
    red.b.point = sc.point;
    red.b.point.insert(red.b.point.end(), instances[t].c.begin(), instances[t].c.end());
    red.b.value = proof.b_evals[t];
    out.push_back(std::move(red));
  }
  return out;
}

}  // namespace zkcc::proof
