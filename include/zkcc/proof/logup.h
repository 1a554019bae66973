// LogUp lookup argument: every row of the witness columns is a row of the table columns, with
// multiplicities m (m_j = how many witness rows equal table row j). With random alpha and beta,
//   sum_i 1 / (alpha - w_i) = sum_j m_j / (alpha - t_j),  w_i = sum_c beta^c W_c[i] (t likewise).
// Both sides are proved with fraction_sum GKR; the verifier checks P_w Q_t = P_t Q_w (with both Q
// nonzero when they are stated; masked, the check runs on the hidden totals), and the leaf claims reduce to claims on each column's multilinear extension (and on
// m~), which the caller checks against the data it trusts. Single columns serve range checks and
// activation inputs; (input, output) column pairs serve function tables (ReLU, requantization).
//
// The caller must bind the witness, table and multiplicities into the transcript before calling
// (their commitments, or the data itself), so alpha and beta are drawn after them.
#ifndef ZKCC_PROOF_LOGUP_H_
#define ZKCC_PROOF_LOGUP_H_

#include <optional>
#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/proof/fraction_sum.h"
#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {

using Column = std::vector<M31>;

struct LogupProof {
  // Masked: the two sides' totals compared hidden (fraction_pair.h, claim P_w Q_t - P_t Q_w = 0),
  // which leaves both fraction sums' roots as masked claims.
  std::optional<FractionLayerProof> joint;
  FractionSumProof witness;
  FractionSumProof table;
  std::vector<QM31> witness_evals;  // W_c~(witness point), one per column
  std::vector<QM31> table_evals;    // T_c~(table point), one per column
  QM31 multiplicity_eval;           // m~(table point)
};

// The claims a verified lookup leaves on the data.
struct LogupClaims {
  std::vector<QM31> witness_point;
  std::vector<QM31> witness_evals;
  std::vector<QM31> table_point;
  std::vector<QM31> table_evals;
  QM31 multiplicity_eval;
  // With masked columns, where each stated value's mask lies in the pool (sumcheck_mask.h): the
  // evaluations above are then the stated, masked values; witness(k) and the others give them as
  // masked values (public ones without masks).
  std::vector<size_t> witness_masks, table_masks;
  std::optional<size_t> multiplicity_mask;
  Masked witness(size_t k) const;
  Masked table(size_t k) const;
  Masked multiplicity() const;
};

// Words a masked lookup takes (logup_prove's masks, without masked columns' values).
inline size_t logup_mask_words(size_t witness_vars, size_t table_vars) {
  return fraction_pair_mask_words() + fraction_sum_mask_words(witness_vars) + fraction_sum_mask_words(table_vars);
}

// Multiplicities of table rows in the witness; fails (naming the row) when a witness row is not in
// the table. Duplicate table rows take their count at the first occurrence.
StatusOr<Column> logup_multiplicities(std::span<const Column> witness, std::span<const Column> table);

struct LogupProverResult {
  LogupProof proof;
  std::vector<QM31> witness_point;  // where the witness column claims are
  std::vector<QM31> table_point;    // where the table and multiplicity claims are
  LogupClaims claims;               // what the verifier will hold
};

// With masks, both fraction sums are masked (fraction_sum.h); with mask_columns too, so are the
// column and multiplicity evaluations the proof states (each plus its own pool words), when the
// caller can carry masked claims on to the data (claims on one commitment with the pool).
StatusOr<LogupProverResult> logup_prove(std::span<const Column> witness, std::span<const Column> table,
                                        const Column& multiplicities, Transcript& transcript,
                                        SumcheckMasks* masks = nullptr, bool mask_columns = false);

StatusOr<LogupClaims> logup_verify(size_t witness_vars, size_t table_vars, size_t num_columns,
                                   const LogupProof& proof, Transcript& transcript, SumcheckMasks* masks = nullptr,
                                   bool mask_columns = false);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_LOGUP_H_
