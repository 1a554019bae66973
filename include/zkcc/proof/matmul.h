// Proof of a matrix product C = A B (Thaler's protocol). A is m x k and B is k x n, row-major
// M31 matrices with power-of-two dimensions (callers pad with zeros). A claim C~(r, c) = v on the
// multilinear extension of C reduces, through one sumcheck over the k inner indices, to one claim
// on A~ at (r, s) and one on B~ at (s, c):
//   C~(r, c) = sum_x A~(r, x) B~(x, c).
// The prover's work is O(mk + kn); the product itself is never recomputed.
#ifndef ZKCC_PROOF_MATMUL_H_
#define ZKCC_PROOF_MATMUL_H_

#include <cstddef>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/sumcheck.h"
#include "zkcc/proof/sumcheck_mask.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

// A row-major matrix over M31; both dimensions powers of two.
struct Matrix {
  size_t rows = 0;
  size_t cols = 0;
  std::vector<M31> data;  // rows * cols entries
};

StatusOr<Matrix> make_matrix(size_t rows, size_t cols, std::vector<M31> data);

// A claim on a multilinear extension: f~(point) = value.
struct EvalClaim {
  std::vector<QM31> point;
  QM31 value;
};

struct MatmulProof {
  SumcheckProof sumcheck;
  QM31 a_eval;  // A~(r, s)
  QM31 b_eval;  // B~(s, c)
};

// The table x -> A~(r, x) (length A.cols), r the row point (log2(A.rows) coordinates).
std::vector<QM31> fold_rows(const Matrix& a, std::span<const QM31> r);
// The table x -> B~(x, c) (length B.rows), c the column point (log2(B.cols) coordinates).
std::vector<QM31> fold_cols(const Matrix& b, std::span<const QM31> c);

struct MatmulProverResult {
  MatmulProof proof;
  std::vector<QM31> inner_point;  // s: the claims are on A~(r, s) and B~(s, c)
  Masked a;                       // A~(r, s) as the verifier knows it (masked with masks)
};

// Proves C~(r, c) = value for C = A B. The claim's value is mixed into the transcript first.
// With masks, the product's sumcheck is masked (sumcheck_mask.h) and so is A, its witness factor
// (sumcheck.h, masked factors): a_eval is A~(r, s) plus its mask's share, and the claim on A is a
// masked value. B (the weights, claimed on the model commitment) stays unmasked.
StatusOr<MatmulProverResult> matmul_prove(const Matrix& a, const Matrix& b, std::span<const QM31> r,
                                   std::span<const QM31> c, const Masked& value, Transcript& transcript,
                                   SumcheckMasks* masks = nullptr);

struct MatmulReduced {
  EvalClaim a;  // point = r || s
  EvalClaim b;  // point = s || c
  Masked a_value;  // a.value, masked when the product ran with masks
};

// Checks the sumcheck and that a_eval * b_eval closes it; returns the claims left on A and B.
StatusOr<MatmulReduced> matmul_verify(size_t inner_dim, std::span<const QM31> r, std::span<const QM31> c,
                                      const Masked& value, const MatmulProof& proof, Transcript& transcript,
                                      SumcheckMasks* masks = nullptr);

// Several products sharing the inner dimension k, proved with one sumcheck: with a random gamma,
//   sum_t gamma^t C_t~(r_t, c_t) = sum_x sum_t gamma^t A_t~(r_t, x) B_t~(x, c_t).
struct MatmulInstance {
  const Matrix* a;
  const Matrix* b;
  std::vector<QM31> r;  // row point of C_t
  std::vector<QM31> c;  // column point of C_t
  QM31 value;           // C_t~(r, c)
};

struct BatchedMatmulProof {
  SumcheckProof sumcheck;
  std::vector<QM31> a_evals;  // A_t~(r_t, s)
  std::vector<QM31> b_evals;  // B_t~(s, c_t)
};

StatusOr<BatchedMatmulProof> matmul_batch_prove(std::span<const MatmulInstance> instances, Transcript& transcript);

// Returns the claims left on each A_t (point r_t || s) and B_t (point s || c_t), in order.
StatusOr<std::vector<MatmulReduced>> matmul_batch_verify(size_t inner_dim, std::span<const MatmulInstance> instances,
                                                         const BatchedMatmulProof& proof, Transcript& transcript);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_MATMUL_H_
