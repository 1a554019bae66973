#include "zkcc/proof/sumcheck.h"

#include <algorithm>
#include <array>
#include <optional>

#include "zkcc/base/parallel.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck_mask.h"

namespace zkcc::proof {
namespace {

// Below this many hypercube points per round, threads cost more than they save.
constexpr size_t kParallelThreshold = 1 << 12;

Status check_terms(std::span<const SumcheckTerm> terms, size_t num_polys) {
  if (terms.empty()) return invalid_argument("sumcheck needs at least one term");
  for (size_t t = 0; t < terms.size(); ++t) {
    const auto& f = terms[t].factors;
    if (f.empty() || f.size() > kMaxSumcheckDegree) {
      return invalid_argument("sumcheck term " + std::to_string(t) + " has " + std::to_string(f.size()) +
                              " factors; 1 to 3 are supported");
    }
    for (size_t j : f) {
      if (j >= num_polys) {
        return invalid_argument("sumcheck term " + std::to_string(t) + " names polynomial " + std::to_string(j) +
                                " of " + std::to_string(num_polys));
      }
    }
  }
  return ok_status();
}

}  // namespace

size_t sumcheck_degree(std::span<const SumcheckTerm> terms) {
  size_t d = 0;
  for (const auto& t : terms) d = std::max(d, t.factors.size());
  return d;
}

size_t sumcheck_first_degree(std::span<const SumcheckTerm> terms, const std::vector<bool>& masked) {
  size_t d = 0;
  for (const auto& t : terms) {
    size_t td = t.factors.size();
    for (size_t j : t.factors) td += j < masked.size() && masked[j] ? 1 : 0;
    d = std::max(d, td);
  }
  return d;
}

QM31 sumcheck_sum(std::span<const std::vector<QM31>> polys, std::span<const SumcheckTerm> terms) {
  QM31 total;
  size_t n = polys.empty() ? 0 : polys[0].size();
  for (const auto& t : terms) {
    QM31 s;
    for (size_t x = 0; x < n; ++x) {
      QM31 p = polys[t.factors[0]][x];
      for (size_t k = 1; k < t.factors.size(); ++k) p *= polys[t.factors[k]][x];
      s += p;
    }
    total += t.coeff * s;
  }
  return total;
}

QM31 sumcheck_final_claim(std::span<const QM31> evals, std::span<const SumcheckTerm> terms) {
  QM31 total;
  for (const auto& t : terms) {
    QM31 p = t.coeff;
    for (size_t j : t.factors) p *= evals[j];
    total += p;
  }
  return total;
}

QM31 interpolate_at(std::span<const QM31> values, const QM31& r) {
  // Lagrange over the nodes 0..d: L_i(r) = prod_{j != i} (r - j) / (i - j).
  size_t d = values.size() - 1;
  QM31 acc;
  for (size_t i = 0; i <= d; ++i) {
    QM31 num = QM31::one();
    M31 den = M31::one();
    for (size_t j = 0; j <= d; ++j) {
      if (j == i) continue;
      num *= r - QM31::from_m31(M31::from_u32(static_cast<uint32_t>(j)));
      den *= M31::from_i64(static_cast<int64_t>(i) - static_cast<int64_t>(j));
    }
    acc += values[i] * num * den.inverse();
  }
  return acc;
}

StatusOr<SumcheckProverResult> sumcheck_prove(std::vector<std::vector<QM31>> polys,
                                              std::span<const SumcheckTerm> terms, Transcript& transcript,
                                              const SumcheckMask* mask, const FactorMasks& factor_masks) {
  ZKCC_RETURN_IF_ERROR(check_terms(terms, polys.size()));
  if (polys.empty()) return invalid_argument("sumcheck needs at least one polynomial");
  ZKCC_ASSIGN_OR_RETURN(size_t num_vars, log2_exact(polys[0].size()));
  for (const auto& p : polys) {
    if (p.size() != polys[0].size()) return invalid_argument("sumcheck polynomials differ in size");
  }
  const size_t rest_degree = sumcheck_degree(terms);
  if (!factor_masks.empty() && factor_masks.size() != polys.size()) {
    return invalid_argument("sumcheck factor masks do not match the polynomials");
  }
  std::vector<bool> is_masked(factor_masks.size());
  for (size_t j = 0; j < factor_masks.size(); ++j) is_masked[j] = factor_masks[j].has_value();
  const size_t first_degree = sumcheck_first_degree(terms, is_masked);
  if (mask && (mask->shape.vars != num_vars || mask->shape.degree != rest_degree ||
               (num_vars > 0 && mask->shape.first != first_degree) || mask->coeffs.size() != mask->shape.coeffs())) {
    return invalid_argument("sumcheck mask does not fit the sumcheck");
  }
  std::optional<SumcheckMaskRounds> masked;
  if (mask) masked.emplace(*mask);
  SumcheckProverResult out;
  out.proof.rounds.reserve(num_vars);
  for (size_t round = 0; round < num_vars; ++round) {
    size_t half = polys[0].size() / 2;
    const size_t degree = round == 0 ? first_degree : rest_degree;
    // Masked factors add x (1 - x) m_j in the first round only; later rounds see them folded in.
    std::vector<std::array<QM31, kMaxFirstRoundDegree + 1>> mask_at(round == 0 ? factor_masks.size() : 0);
    for (size_t j = 0; j < mask_at.size(); ++j) {
      if (!factor_masks[j]) continue;
      for (size_t x = 0; x <= degree; ++x) {
        mask_at[j][x] = mask_weight(QM31::from_m31(M31::from_u32(static_cast<uint32_t>(x)))) * *factor_masks[j];
      }
    }
    // g(X) at X = 0..degree. Each polynomial is lo + X (hi - lo) along variable 0; its values at
    // the nodes are computed once per index and shared by every term that uses it.
    using Evals = std::array<QM31, kMaxFirstRoundDegree + 1>;
    size_t chunks = parallel_chunks(half, kParallelThreshold);
    std::vector<std::vector<Evals>> partial(chunks, std::vector<Evals>(terms.size()));
    parallel_for(half, kParallelThreshold, [&](size_t chunk, size_t begin, size_t end) {
      std::vector<Evals> at(polys.size());
      auto& acc = partial[chunk];
      for (size_t i = begin; i < end; ++i) {
        for (size_t j = 0; j < polys.size(); ++j) {
          QM31 lo = polys[j][i], step = polys[j][i + half] - lo;
          at[j][0] = lo;
          for (size_t x = 1; x <= degree; ++x) at[j][x] = at[j][x - 1] + step;
        }
        for (size_t j = 0; j < mask_at.size(); ++j) {
          if (!factor_masks[j]) continue;
          for (size_t x = 2; x <= degree; ++x) at[j][x] += mask_at[j][x];  // zero at 0 and 1
        }
        for (size_t t = 0; t < terms.size(); ++t) {
          const auto& f = terms[t].factors;
          for (size_t x = 0; x <= degree; ++x) {
            QM31 prod = at[f[0]][x];
            for (size_t k = 1; k < f.size(); ++k) prod *= at[f[k]][x];
            acc[t][x] += prod;
          }
        }
      }
    });
    Evals g{};
    for (size_t t = 0; t < terms.size(); ++t) {
      for (size_t x = 0; x <= degree; ++x) {
        QM31 total;
        for (const auto& part : partial) total += part[t][x];
        g[x] += terms[t].coeff * total;
      }
    }
    if (masked) {
      for (size_t x = 0; x <= degree; ++x) g[x] += masked->at(QM31::from_m31(M31::from_u32(static_cast<uint32_t>(x))));
    }
    std::vector<QM31> msg;
    msg.push_back(g[0]);
    for (size_t x = 2; x <= degree; ++x) msg.push_back(g[x]);
    transcript.mix_qm31s(msg);
    QM31 r = transcript.draw_qm31();
    if (masked) masked->bind(r);
    bool big = polys[0].size() >= 2 * kParallelThreshold;
    parallel_for(polys.size(), big ? 2 : SIZE_MAX, [&](size_t, size_t begin, size_t end) {
      for (size_t j = begin; j < end; ++j) {
        fix_first_variable(polys[j], r);
        if (round == 0 && j < factor_masks.size() && factor_masks[j]) {
          const QM31 add = mask_weight(r) * *factor_masks[j];
          for (QM31& v : polys[j]) v += add;
        }
      }
    });
    out.proof.rounds.push_back(std::move(msg));
    out.point.push_back(r);
  }
  out.final_evals.reserve(polys.size());
  for (const auto& p : polys) out.final_evals.push_back(p[0]);
  return out;
}

StatusOr<SumcheckVerifierResult> sumcheck_verify(const QM31& claim, size_t num_vars, size_t rest_degree,
                                                 const SumcheckProof& proof, Transcript& transcript,
                                                 size_t first_degree) {
  if (rest_degree == 0 || rest_degree > kMaxSumcheckDegree || first_degree > kMaxFirstRoundDegree) {
    return invalid_argument("sumcheck degree " + std::to_string(std::max(rest_degree, first_degree)) +
                            " is not supported");
  }
  first_degree = std::max(first_degree, rest_degree);
  if (proof.rounds.size() != num_vars) {
    return invalid_argument("sumcheck proof has " + std::to_string(proof.rounds.size()) + " rounds, expected " +
                            std::to_string(num_vars));
  }
  SumcheckVerifierResult out;
  QM31 current = claim;
  std::array<QM31, kMaxFirstRoundDegree + 1> values{};
  for (size_t round = 0; round < num_vars; ++round) {
    const auto& msg = proof.rounds[round];
    const size_t degree = round == 0 ? first_degree : rest_degree;
    if (msg.size() != degree) {
      return invalid_argument("sumcheck round " + std::to_string(round) + " carries " + std::to_string(msg.size()) +
                              " values, expected " + std::to_string(degree));
    }
    values[0] = msg[0];
    values[1] = current - msg[0];  // g(0) + g(1) must equal the running claim
    for (size_t x = 2; x <= degree; ++x) values[x] = msg[x - 1];
    transcript.mix_qm31s(msg);
    QM31 r = transcript.draw_qm31();
    current = interpolate_at(std::span<const QM31>(values.data(), degree + 1), r);
    out.point.push_back(r);
  }
  out.final_claim = current;
  return out;
}

}  // namespace zkcc::proof
