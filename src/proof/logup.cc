#include "zkcc/proof/logup.h"

#include <tuple>
#include <unordered_map>

namespace zkcc::proof {
namespace {

Status check_columns(std::span<const Column> cols, const char* what) {
  if (cols.empty()) return invalid_argument(std::string("lookup ") + what + " has no columns");
  for (const Column& c : cols) {
    if (c.size() != cols[0].size()) return invalid_argument(std::string("lookup ") + what + " columns differ in length");
  }
  return log2_exact(cols[0].size()).status().with_context(std::string("lookup ") + what);
}

// alpha - sum_c beta^c col_c[i] for every row.
std::vector<QM31> denominators(std::span<const Column> cols, const QM31& alpha, const QM31& beta) {
  std::vector<QM31> q(cols[0].size(), alpha);
  QM31 power = QM31::one();
  for (const Column& c : cols) {
    for (size_t i = 0; i < q.size(); ++i) q[i] -= power * c[i];
    power *= beta;
  }
  return q;
}

// A hashable key for one row of several M31 columns.
uint64_t row_key(std::span<const Column> cols, size_t i) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const Column& c : cols) h = (h ^ c[i].value()) * 0x100000001b3ull;
  return h;
}

bool same_row(std::span<const Column> a, size_t i, std::span<const Column> b, size_t j) {
  for (size_t c = 0; c < a.size(); ++c) {
    if (a[c][i] != b[c][j]) return false;
  }
  return true;
}

}  // namespace

StatusOr<Column> logup_multiplicities(std::span<const Column> witness, std::span<const Column> table) {
  ZKCC_RETURN_IF_ERROR(check_columns(witness, "witness"));
  ZKCC_RETURN_IF_ERROR(check_columns(table, "table"));
  if (witness.size() != table.size()) return invalid_argument("lookup witness and table have different column counts");
  std::unordered_multimap<uint64_t, size_t> index;
  for (size_t j = table[0].size(); j-- > 0;) index.emplace(row_key(table, j), j);
  std::vector<uint64_t> counts(table[0].size());
  for (size_t i = 0; i < witness[0].size(); ++i) {
    auto [lo, hi] = index.equal_range(row_key(witness, i));
    size_t found = SIZE_MAX;
    for (auto it = lo; it != hi; ++it) {
      if (same_row(witness, i, table, it->second) && it->second < found) found = it->second;
    }
    if (found == SIZE_MAX) {
      std::string row;
      for (const Column& c : witness) row += (row.empty() ? "" : ", ") + std::to_string(c[i].value());
      return not_found("lookup witness row " + std::to_string(i) + " (" + row + ") is not in the table");
    }
    ++counts[found];
  }
  Column m(counts.size());
  for (size_t j = 0; j < counts.size(); ++j) m[j] = M31::from_u64(counts[j]);
  return m;
}

namespace {

constexpr char kWitnessDenominators[] = "lookup: witness denominators do not match the stated column evaluations";
constexpr char kTableNumerators[] = "lookup: table numerators do not match m~";
constexpr char kTableDenominators[] = "lookup: table denominators do not match the stated column evaluations";

// A leaf claim against the value the stated columns give: compared at once when public, else (a
// masked fraction sum's leaf or masked columns) a claim on the pool.
Status leaf_matches(SumcheckMasks* masks, const Masked& leaf, const Masked& expected, const char* failure) {
  const Masked diff = leaf - expected;
  if (diff.is_public()) return diff.known.is_zero() ? ok_status() : invalid_argument(failure);
  if (!masks) return internal_error("lookup: a masked leaf claim needs the masks");
  return masks->require(diff, QM31::zero(), failure);
}

Masked with_mask(const QM31& stated, std::span<const size_t> at, size_t k) {
  if (k >= at.size()) return Masked(stated);
  return Masked(stated) - mask_term(at[k], QM31::one());
}

// alpha - sum_c beta^c e_c over the columns' masked values.
Masked combine_masked(const LogupClaims& c, bool witness, size_t columns, const QM31& alpha, const QM31& beta) {
  Masked q(alpha);
  QM31 power = QM31::one();
  for (size_t k = 0; k < columns; ++k) {
    q = q - (witness ? c.witness(k) : c.table(k)) * power;
    power *= beta;
  }
  return q;
}

// The prover's evaluation of each column at point, masked when `at` is given: takes each mask's
// words and returns the stated values.
StatusOr<std::vector<QM31>> state_columns(std::span<const Column> cols, std::span<const QM31> point,
                                          SumcheckMasks* masks, std::vector<size_t>* at) {
  std::vector<QM31> out;
  for (const Column& c : cols) {
    QM31 e = evaluate_mle(c, point);
    if (at) {
      ZKCC_ASSIGN_OR_RETURN(size_t w, masks->take_value());
      e += masks->value_at(w);
      at->push_back(w);
    }
    out.push_back(e);
  }
  return out;
}

// The verifier's side of state_columns: where the masks lie.
StatusOr<std::vector<size_t>> take_columns(size_t count, SumcheckMasks* masks) {
  std::vector<size_t> at;
  for (size_t k = 0; k < count; ++k) {
    ZKCC_ASSIGN_OR_RETURN(size_t w, masks->take_value());
    at.push_back(w);
  }
  return at;
}

// The two sides' roots from the joint pair: (P_w, Q_w) and (-P_t, Q_t).
std::pair<MaskedFraction, MaskedFraction> sides(const FractionPair& pair) {
  return {pair.lo, MaskedFraction{pair.hi.p * (QM31::zero() - QM31::one()), pair.hi.q}};
}

}  // namespace

Masked LogupClaims::witness(size_t k) const { return with_mask(witness_evals[k], witness_masks, k); }
Masked LogupClaims::table(size_t k) const { return with_mask(table_evals[k], table_masks, k); }
Masked LogupClaims::multiplicity() const {
  if (!multiplicity_mask) return Masked(multiplicity_eval);
  return Masked(multiplicity_eval) - mask_term(*multiplicity_mask, QM31::one());
}

StatusOr<LogupProverResult> logup_prove(std::span<const Column> witness, std::span<const Column> table,
                                        const Column& multiplicities, Transcript& transcript,
                                        SumcheckMasks* masks, bool mask_columns) {
  if (mask_columns && !masks) return internal_error("lookup: masked columns need the masks");
  ZKCC_RETURN_IF_ERROR(check_columns(witness, "witness"));
  ZKCC_RETURN_IF_ERROR(check_columns(table, "table"));
  if (witness.size() != table.size()) return invalid_argument("lookup witness and table have different column counts");
  if (multiplicities.size() != table[0].size()) return invalid_argument("lookup multiplicities do not match the table");
  QM31 alpha = transcript.draw_qm31();
  QM31 beta = transcript.draw_qm31();

  LogupProof proof;
  ZKCC_ASSIGN_OR_RETURN(FractionTree wt, fraction_tree(std::vector<QM31>(witness[0].size(), QM31::one()),
                                                       denominators(witness, alpha, beta)));
  ZKCC_ASSIGN_OR_RETURN(FractionTree tt, fraction_tree(lift(multiplicities), denominators(table, alpha, beta)));
  std::optional<MaskedFraction> w_root, t_root;
  if (masks) {
    FractionLayerProof joint;
    ZKCC_ASSIGN_OR_RETURN(FractionPair pair,
                          fraction_pair_prove({wt.p_root(), wt.q_root()}, {QM31::zero() - tt.p_root(), tt.q_root()},
                                              Masked(), QM31::zero(), false, transcript, *masks, joint));
    proof.joint = std::move(joint);
    std::tie(w_root, t_root) = sides(pair);
  }
  ZKCC_ASSIGN_OR_RETURN(FractionSumProverResult w, fraction_sum_prove(wt, transcript, masks, true, w_root));
  proof.witness = std::move(w.proof);
  LogupClaims c;
  ZKCC_ASSIGN_OR_RETURN(proof.witness_evals,
                        state_columns(witness, w.point, masks, mask_columns ? &c.witness_masks : nullptr));
  c.witness_evals = proof.witness_evals;
  ZKCC_RETURN_IF_ERROR(
      leaf_matches(masks, w.q, combine_masked(c, true, witness.size(), alpha, beta), kWitnessDenominators));
  transcript.mix_qm31s(proof.witness_evals);

  ZKCC_ASSIGN_OR_RETURN(FractionSumProverResult t, fraction_sum_prove(tt, transcript, masks, false, t_root));
  proof.table = std::move(t.proof);
  ZKCC_ASSIGN_OR_RETURN(proof.table_evals, state_columns(table, t.point, masks, mask_columns ? &c.table_masks : nullptr));
  c.table_evals = proof.table_evals;
  const Column m_col[] = {multiplicities};
  std::vector<size_t> m_at;
  ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> m_eval, state_columns(m_col, t.point, masks, mask_columns ? &m_at : nullptr));
  proof.multiplicity_eval = c.multiplicity_eval = m_eval[0];
  if (!m_at.empty()) c.multiplicity_mask = m_at[0];
  ZKCC_RETURN_IF_ERROR(leaf_matches(masks, t.p, c.multiplicity(), kTableNumerators));
  ZKCC_RETURN_IF_ERROR(
      leaf_matches(masks, t.q, combine_masked(c, false, table.size(), alpha, beta), kTableDenominators));
  transcript.mix_qm31s(proof.table_evals);
  const QM31 m[] = {proof.multiplicity_eval};
  transcript.mix_qm31s(m);
  c.witness_point = w.point;
  c.table_point = t.point;
  return LogupProverResult{std::move(proof), std::move(w.point), std::move(t.point), std::move(c)};
}

StatusOr<LogupClaims> logup_verify(size_t witness_vars, size_t table_vars, size_t num_columns,
                                   const LogupProof& proof, Transcript& transcript, SumcheckMasks* masks,
                                   bool mask_columns) {
  if (mask_columns && !masks) return internal_error("lookup: masked columns need the masks");
  if (proof.witness_evals.size() != num_columns || proof.table_evals.size() != num_columns) {
    return invalid_argument("lookup proof carries the wrong number of column evaluations");
  }
  QM31 alpha = transcript.draw_qm31();
  QM31 beta = transcript.draw_qm31();

  LogupClaims c{{}, proof.witness_evals, {}, proof.table_evals, proof.multiplicity_eval, {}, {}, std::nullopt};
  if (proof.joint.has_value() != (masks != nullptr)) {
    return invalid_argument(masks ? "lookup proof does not compare its sides hidden"
                                  : "lookup proof compares its sides hidden without masks");
  }
  std::optional<MaskedFraction> w_root, t_root;
  if (masks) {
    ZKCC_ASSIGN_OR_RETURN(FractionPair pair,
                          fraction_pair_verify(*proof.joint, Masked(), QM31::zero(), false, transcript, *masks));
    std::tie(w_root, t_root) = sides(pair);
  }
  ZKCC_ASSIGN_OR_RETURN(FractionLeafClaim w,
                        fraction_sum_verify(witness_vars, proof.witness, transcript, masks, true, w_root));
  // Witness leaves are 1 / (alpha - w_i): p~ is the constant 1.
  if (!w.p.is_public() || w.p.known != QM31::one()) return invalid_argument("lookup: witness numerators are not all one");
  if (mask_columns) {
    ZKCC_ASSIGN_OR_RETURN(c.witness_masks, take_columns(num_columns, masks));
  }
  ZKCC_RETURN_IF_ERROR(
      leaf_matches(masks, w.q, combine_masked(c, true, num_columns, alpha, beta), kWitnessDenominators));
  transcript.mix_qm31s(proof.witness_evals);

  ZKCC_ASSIGN_OR_RETURN(FractionLeafClaim t,
                        fraction_sum_verify(table_vars, proof.table, transcript, masks, false, t_root));
  if (mask_columns) {
    ZKCC_ASSIGN_OR_RETURN(c.table_masks, take_columns(num_columns, masks));
    ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> m_at, take_columns(1, masks));
    c.multiplicity_mask = m_at[0];
  }
  ZKCC_RETURN_IF_ERROR(leaf_matches(masks, t.p, c.multiplicity(), kTableNumerators));
  ZKCC_RETURN_IF_ERROR(
      leaf_matches(masks, t.q, combine_masked(c, false, num_columns, alpha, beta), kTableDenominators));
  transcript.mix_qm31s(proof.table_evals);
  const QM31 m[] = {proof.multiplicity_eval};
  transcript.mix_qm31s(m);

  c.witness_point = std::move(w.point);
  c.table_point = std::move(t.point);
  if (masks) return c;  // the joint pair compared the hidden totals
  const FractionSumProof& pw = proof.witness;
  const FractionSumProof& pt = proof.table;
  if (pw.q_total.is_zero() || pt.q_total.is_zero()) return invalid_argument("lookup: a denominator product is zero");
  if (pw.p_total * pt.q_total != pt.p_total * pw.q_total) {
    return invalid_argument("lookup: the witness and table sums differ (a witness row is not in the table)");
  }
  return c;
}

}  // namespace zkcc::proof
