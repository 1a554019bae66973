#include "zkcc/proof/logup.h"

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

QM31 combine(std::span<const QM31> evals, const QM31& alpha, const QM31& beta) {
  QM31 q = alpha, power = QM31::one();
  for (const QM31& e : evals) {
    q -= power * e;
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

StatusOr<LogupProverResult> logup_prove(std::span<const Column> witness, std::span<const Column> table,
                                        const Column& multiplicities, Transcript& transcript,
                                        SumcheckMasks* masks) {
  ZKCC_RETURN_IF_ERROR(check_columns(witness, "witness"));
  ZKCC_RETURN_IF_ERROR(check_columns(table, "table"));
  if (witness.size() != table.size()) return invalid_argument("lookup witness and table have different column counts");
  if (multiplicities.size() != table[0].size()) return invalid_argument("lookup multiplicities do not match the table");
  QM31 alpha = transcript.draw_qm31();
  QM31 beta = transcript.draw_qm31();

  LogupProof proof;
  std::vector<QM31> ones(witness[0].size(), QM31::one());
  ZKCC_ASSIGN_OR_RETURN(FractionSumProverResult w,
                        fraction_sum_prove(std::move(ones), denominators(witness, alpha, beta), transcript, masks));
  proof.witness = std::move(w.proof);
  for (const Column& c : witness) proof.witness_evals.push_back(evaluate_mle(c, w.point));
  transcript.mix_qm31s(proof.witness_evals);

  ZKCC_ASSIGN_OR_RETURN(FractionSumProverResult t,
                        fraction_sum_prove(lift(multiplicities), denominators(table, alpha, beta), transcript, masks));
  proof.table = std::move(t.proof);
  for (const Column& c : table) proof.table_evals.push_back(evaluate_mle(c, t.point));
  proof.multiplicity_eval = evaluate_mle(multiplicities, t.point);
  transcript.mix_qm31s(proof.table_evals);
  const QM31 m[] = {proof.multiplicity_eval};
  transcript.mix_qm31s(m);
  return LogupProverResult{std::move(proof), std::move(w.point), std::move(t.point)};
}

StatusOr<LogupClaims> logup_verify(size_t witness_vars, size_t table_vars, size_t num_columns,
                                   const LogupProof& proof, Transcript& transcript, SumcheckMasks* masks) {
  if (proof.witness_evals.size() != num_columns || proof.table_evals.size() != num_columns) {
    return invalid_argument("lookup proof carries the wrong number of column evaluations");
  }
  QM31 alpha = transcript.draw_qm31();
  QM31 beta = transcript.draw_qm31();

  ZKCC_ASSIGN_OR_RETURN(FractionLeafClaim w, fraction_sum_verify(witness_vars, proof.witness, transcript, masks));
  // Witness leaves are 1 / (alpha - w_i): p~ is the constant 1.
  if (w.p != QM31::one()) return invalid_argument("lookup: witness numerators are not all one");
  if (w.q != combine(proof.witness_evals, alpha, beta)) {
    return invalid_argument("lookup: witness denominators do not match the stated column evaluations");
  }
  transcript.mix_qm31s(proof.witness_evals);

  ZKCC_ASSIGN_OR_RETURN(FractionLeafClaim t, fraction_sum_verify(table_vars, proof.table, transcript, masks));
  if (t.p != proof.multiplicity_eval) return invalid_argument("lookup: table numerators do not match m~");
  if (t.q != combine(proof.table_evals, alpha, beta)) {
    return invalid_argument("lookup: table denominators do not match the stated column evaluations");
  }
  transcript.mix_qm31s(proof.table_evals);
  const QM31 m[] = {proof.multiplicity_eval};
  transcript.mix_qm31s(m);

  const FractionSumProof& pw = proof.witness;
  const FractionSumProof& pt = proof.table;
  if (pw.q_total.is_zero() || pt.q_total.is_zero()) return invalid_argument("lookup: a denominator product is zero");
  if (pw.p_total * pt.q_total != pt.p_total * pw.q_total) {
    return invalid_argument("lookup: the witness and table sums differ (a witness row is not in the table)");
  }
  return LogupClaims{std::move(w.point), proof.witness_evals, std::move(t.point), proof.table_evals,
                     proof.multiplicity_eval};
}

}  // namespace zkcc::proof
