#include "zkcc/proof/fraction_sum.h"

#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

// Combines the low and high halves of a layer into the layer above.
void combine(const std::vector<QM31>& p, const std::vector<QM31>& q, std::vector<QM31>& up_p, std::vector<QM31>& up_q) {
  size_t h = p.size() / 2;
  up_p.resize(h);
  up_q.resize(h);
  for (size_t i = 0; i < h; ++i) {
    up_p[i] = p[i] * q[i + h] + p[i + h] * q[i];
    up_q[i] = q[i] * q[i + h];
  }
}

std::vector<SumcheckTerm> layer_terms(const QM31& lambda) {
  // Polynomials: 0 = eq(z, .), 1 = p0, 2 = p1, 3 = q0, 4 = q1.
  return {{QM31::one(), {0, 1, 4}}, {QM31::one(), {0, 2, 3}}, {lambda, {0, 3, 4}}};
}

QM31 lerp(const QM31& a, const QM31& b, const QM31& t) { return a + t * (b - a); }

}  // namespace

StatusOr<FractionSumProverResult> fraction_sum_prove(std::vector<QM31> p, std::vector<QM31> q,
                                                     Transcript& transcript) {
  if (p.size() != q.size()) return invalid_argument("fraction sum: numerators and denominators differ in length");
  ZKCC_ASSIGN_OR_RETURN(size_t num_vars, log2_exact(p.size()));
  // All layers, leaves first.
  std::vector<std::vector<QM31>> ps(num_vars + 1), qs(num_vars + 1);
  ps[0] = std::move(p);
  qs[0] = std::move(q);
  for (size_t l = 0; l < num_vars; ++l) combine(ps[l], qs[l], ps[l + 1], qs[l + 1]);

  FractionSumProof proof;
  proof.p_total = ps[num_vars][0];
  proof.q_total = qs[num_vars][0];
  const QM31 totals[] = {proof.p_total, proof.q_total};
  transcript.mix_qm31s(totals);

  std::vector<QM31> z;  // the claim's point on the current parent layer
  for (size_t l = num_vars; l-- > 0;) {
    const auto& cp = ps[l];
    const auto& cq = qs[l];
    size_t h = cp.size() / 2;
    QM31 lambda = transcript.draw_qm31();
    std::vector<std::vector<QM31>> polys = {
        eq_table(z),
        std::vector<QM31>(cp.begin(), cp.begin() + static_cast<std::ptrdiff_t>(h)),
        std::vector<QM31>(cp.begin() + static_cast<std::ptrdiff_t>(h), cp.end()),
        std::vector<QM31>(cq.begin(), cq.begin() + static_cast<std::ptrdiff_t>(h)),
        std::vector<QM31>(cq.begin() + static_cast<std::ptrdiff_t>(h), cq.end()),
    };
    auto terms = layer_terms(lambda);
    ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), terms, transcript));
    FractionLayerProof layer{std::move(sc.proof), sc.final_evals[1], sc.final_evals[2], sc.final_evals[3],
                             sc.final_evals[4]};
    const QM31 halves[] = {layer.p0, layer.p1, layer.q0, layer.q1};
    transcript.mix_qm31s(halves);
    QM31 mu = transcript.draw_qm31();
    z.clear();
    z.push_back(mu);
    z.insert(z.end(), sc.point.begin(), sc.point.end());
    proof.layers.push_back(std::move(layer));
  }
  return FractionSumProverResult{std::move(proof), std::move(z)};
}

StatusOr<FractionLeafClaim> fraction_sum_verify(size_t num_vars, const FractionSumProof& proof,
                                                Transcript& transcript) {
  if (proof.layers.size() != num_vars) {
    return invalid_argument("fraction sum proof has " + std::to_string(proof.layers.size()) + " layers, expected " +
                            std::to_string(num_vars));
  }
  const QM31 totals[] = {proof.p_total, proof.q_total};
  transcript.mix_qm31s(totals);
  std::vector<QM31> z;
  QM31 claim_p = proof.p_total, claim_q = proof.q_total;
  for (size_t k = 0; k < num_vars; ++k) {
    const FractionLayerProof& layer = proof.layers[k];
    QM31 lambda = transcript.draw_qm31();
    ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc,
                          sumcheck_verify(claim_p + lambda * claim_q, z.size(), 3, layer.sumcheck, transcript));
    QM31 e = eq_eval(z, sc.point);
    QM31 expect = e * (layer.p0 * layer.q1 + layer.p1 * layer.q0 + lambda * layer.q0 * layer.q1);
    if (expect != sc.final_claim) {
      return invalid_argument("fraction sum: layer " + std::to_string(k) + " does not close its sumcheck");
    }
    const QM31 halves[] = {layer.p0, layer.p1, layer.q0, layer.q1};
    transcript.mix_qm31s(halves);
    QM31 mu = transcript.draw_qm31();
    claim_p = lerp(layer.p0, layer.p1, mu);
    claim_q = lerp(layer.q0, layer.q1, mu);
    z.clear();
    z.push_back(mu);
    z.insert(z.end(), sc.point.begin(), sc.point.end());
  }
  return FractionLeafClaim{std::move(z), claim_p, claim_q};
}

}  // namespace zkcc::proof
