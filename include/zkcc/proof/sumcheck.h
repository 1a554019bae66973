// Sumcheck for sums of products of up to three multilinear polynomials:
//   claim = sum over x in {0,1}^n of  sum_t coeff_t * prod_{j in factors_t} f_j(x).
// Each round the prover sends the round polynomial g (degree d = the largest factor count) as its
// values at 0, 2, 3, ..., d; the verifier recovers g(1) = claim - g(0) (the compressed form), mixes
// the message into the transcript, draws r, and continues with claim = g(r). What is left at the
// end is a claim about f_j(point), which the caller checks against the f_j it trusts
// (sumcheck_final_claim gives the value the factors must produce).
#ifndef ZKCC_PROOF_SUMCHECK_H_
#define ZKCC_PROOF_SUMCHECK_H_

#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

inline constexpr size_t kMaxSumcheckDegree = 3;
// With masked factors (below) the first round's degree can reach twice that.
inline constexpr size_t kMaxFirstRoundDegree = 2 * kMaxSumcheckDegree;

struct SumcheckTerm {
  QM31 coeff;
  std::vector<size_t> factors;  // indices into the polynomial list; 1 to 3 of them
};

struct SumcheckProof {
  // One message per variable: g(0), g(2), ..., g(d) (the first round's d may be higher).
  std::vector<std::vector<QM31>> rounds;
};

// Masked factors (zero knowledge of the values a sumcheck leaves, Libra section 4.2): factor j
// with a mask m_j runs as f_j(x) + x_0 (1 - x_0) m_j, equal to f_j on the hypercube (so the sum is
// unchanged) and, at the final point, f_j(r) + r_0 (1 - r_0) m_j: uniform when m_j is. Only the
// first round sees the extra degree, one per masked factor of a term.
using FactorMasks = std::vector<std::optional<QM31>>;  // per polynomial; empty: none masked
// The first round's degree for these terms with `masked` (per polynomial; empty: none) factors.
size_t sumcheck_first_degree(std::span<const SumcheckTerm> terms, const std::vector<bool>& masked);
// x (1 - x): the masks' weight at the first variable's value x.
inline QM31 mask_weight(const QM31& x) { return x * (QM31::one() - x); }

struct SumcheckProverResult {
  SumcheckProof proof;
  std::vector<QM31> point;        // the challenges, one per variable
  std::vector<QM31> final_evals;  // f_j(point) for every polynomial
};

// The degree of the round polynomials for these terms (largest factor count).
size_t sumcheck_degree(std::span<const SumcheckTerm> terms);

// The sum the terms take over the hypercube (the honest claim).
QM31 sumcheck_sum(std::span<const std::vector<QM31>> polys, std::span<const SumcheckTerm> terms);

struct SumcheckMask;  // sumcheck_mask.h

// Proves `claim` (which the caller has already bound into the transcript, or not, consistently
// with the verifier). All tables must have the same power-of-two size; terms must be well formed.
// With a mask (of the rounds' degrees), the rounds are those of the polynomial plus mask->rho
// times the mask (sumcheck_mask.h); final_evals stay the polynomials' own (masked factors': theirs
// with the mask, f_j(point) + mask_weight(point[0]) m_j).
StatusOr<SumcheckProverResult> sumcheck_prove(std::vector<std::vector<QM31>> polys,
                                              std::span<const SumcheckTerm> terms, Transcript& transcript,
                                              const SumcheckMask* mask = nullptr, const FactorMasks& factor_masks = {});

struct SumcheckVerifierResult {
  std::vector<QM31> point;
  QM31 final_claim;  // what sum_t coeff_t * prod f_j(point) must equal
};

// Replays the rounds: checks shapes, mixes each message and draws the same challenges. The first
// round has degree first_degree when that is larger (masked factors).
StatusOr<SumcheckVerifierResult> sumcheck_verify(const QM31& claim, size_t num_vars, size_t degree,
                                                 const SumcheckProof& proof, Transcript& transcript,
                                                 size_t first_degree = 0);

// sum_t coeff_t * prod_j evals[j] over the factors of each term.
QM31 sumcheck_final_claim(std::span<const QM31> evals, std::span<const SumcheckTerm> terms);

// The value at r of the polynomial of degree <= 3 given by its values at 0, 1, ..., d.
QM31 interpolate_at(std::span<const QM31> values, const QM31& r);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_SUMCHECK_H_
