#include "zkcc/proof/fraction_sum.h"

#include <algorithm>
#include <array>
#include <optional>

#include "zkcc/base/parallel.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck_mask.h"

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

QM31 lerp(const QM31& a, const QM31& b, const QM31& t) { return a + t * (b - a); }

constexpr size_t kParallelThreshold = 1 << 12;

struct LayerResult {
  SumcheckProof sumcheck;
  std::vector<QM31> point;
  QM31 p0, p1, q0, q1;
};

// The sumcheck of one layer, sum_x eq(z, x) (p0 q1 + p1 q0 + lambda q0 q1) over the halves of the
// children, with the messages a generic sumcheck_prove over those terms would send but less work: eq(z, x)
// splits into the bound variables' product (a scalar), eq(z_k, X) (linear, multiplied in at the
// end) and eq(z_rest, x_rest), so only the quadratic factor is evaluated, at X = 0, 1, 2. When
// every numerator is one (a LogUp witness's leaves) p0 = p1 = 1 is never stored.
LayerResult layer_sumcheck(std::span<const QM31> z, std::span<const QM31> cp, std::span<const QM31> cq,
                           bool ones, const QM31& lambda, const SumcheckMask* mask, Transcript& transcript) {
  const size_t h = cq.size() / 2;
  std::vector<QM31> p0, p1;
  if (!ones) {
    p0.assign(cp.begin(), cp.begin() + static_cast<std::ptrdiff_t>(h));
    p1.assign(cp.begin() + static_cast<std::ptrdiff_t>(h), cp.end());
  }
  std::vector<QM31> q0(cq.begin(), cq.begin() + static_cast<std::ptrdiff_t>(h));
  std::vector<QM31> q1(cq.begin() + static_cast<std::ptrdiff_t>(h), cq.end());
  LayerResult out;
  QM31 scale = QM31::one();  // eq over the variables bound so far
  const QM31 one = QM31::one(), two = one + one;
  std::optional<SumcheckMaskRounds> masked;
  if (mask) masked.emplace(*mask);
  for (size_t k = 0; k < z.size(); ++k) {
    const size_t half = q0.size() / 2;
    const std::vector<QM31> eq = eq_table(z.subspan(k + 1));
    using Acc = std::array<QM31, 3>;
    std::vector<Acc> partial(parallel_chunks(half, kParallelThreshold), Acc{});
    parallel_for(half, kParallelThreshold, [&](size_t chunk, size_t begin, size_t end) {
      Acc acc{};
      for (size_t i = begin; i < end; ++i) {
        const QM31 a0 = q0[i], a1 = q0[i + half], b0 = q1[i], b1 = q1[i + half];
        const QM31 a2 = a1 + a1 - a0, b2 = b1 + b1 - b0;
        QM31 f0, f1, f2;
        if (ones) {
          f0 = a0 + b0 + lambda * a0 * b0;
          f1 = a1 + b1 + lambda * a1 * b1;
          f2 = a2 + b2 + lambda * a2 * b2;
        } else {
          const QM31 c0 = p0[i], c1 = p0[i + half], d0 = p1[i], d1 = p1[i + half];
          const QM31 c2 = c1 + c1 - c0, d2 = d1 + d1 - d0;
          f0 = c0 * b0 + a0 * (d0 + lambda * b0);
          f1 = c1 * b1 + a1 * (d1 + lambda * b1);
          f2 = c2 * b2 + a2 * (d2 + lambda * b2);
        }
        acc[0] += eq[i] * f0;
        acc[1] += eq[i] * f1;
        acc[2] += eq[i] * f2;
      }
      partial[chunk] = acc;
    });
    Acc hx{};
    for (const Acc& a : partial) {
      for (size_t x = 0; x < 3; ++x) hx[x] += a[x];
    }
    const QM31 h3 = hx[0] - (hx[1] + hx[1] + hx[1]) + (hx[2] + hx[2] + hx[2]);
    // eq(z_k, X) = 1 - z_k - X + 2 z_k X at X = 0, 2, 3.
    const QM31 zk = z[k];
    std::vector<QM31> msg = {scale * (one - zk) * hx[0], scale * (zk + zk + zk - one) * hx[2],
                             scale * (zk + zk + zk + zk + zk - two) * h3};
    if (masked) {
      const QM31 three = two + one;
      msg[0] += masked->at(QM31::zero());
      msg[1] += masked->at(two);
      msg[2] += masked->at(three);
    }
    transcript.mix_qm31s(msg);
    const QM31 r = transcript.draw_qm31();
    if (masked) masked->bind(r);
    scale *= one - zk - r + two * zk * r;
    std::vector<QM31>* polys[] = {&q0, &q1, &p0, &p1};
    for (std::vector<QM31>* poly : polys) {
      if (!poly->empty()) fix_first_variable(*poly, r);
    }
    out.sumcheck.rounds.push_back(std::move(msg));
    out.point.push_back(r);
  }
  out.p0 = ones ? one : p0[0];
  out.p1 = ones ? one : p1[0];
  out.q0 = q0[0];
  out.q1 = q1[0];
  return out;
}

}  // namespace

StatusOr<FractionSumProverResult> fraction_sum_prove(std::vector<QM31> p, std::vector<QM31> q,
                                                     Transcript& transcript, SumcheckMasks* masks) {
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

  // A LogUp witness has all leaf numerators one: its leaf layer skips them.
  const bool leaf_ones = std::all_of(ps[0].begin(), ps[0].end(), [](const QM31& v) { return v == QM31::one(); });
  std::vector<QM31> z;  // the claim's point on the current parent layer
  QM31 claim_p = proof.p_total, claim_q = proof.q_total;
  for (size_t l = num_vars; l-- > 0;) {
    QM31 lambda = transcript.draw_qm31();
    if (masks) ZKCC_RETURN_IF_ERROR(masks->begin(z.size(), 3, claim_p + lambda * claim_q, transcript).status());
    LayerResult sc =
        layer_sumcheck(z, ps[l], qs[l], l == 0 && leaf_ones, lambda, masks ? masks->mask() : nullptr, transcript);
    if (masks) ZKCC_RETURN_IF_ERROR(masks->end(sc.point, QM31::zero(), transcript).status());
    FractionLayerProof layer{std::move(sc.sumcheck), sc.p0, sc.p1, sc.q0, sc.q1};
    const QM31 halves[] = {layer.p0, layer.p1, layer.q0, layer.q1};
    transcript.mix_qm31s(halves);
    QM31 mu = transcript.draw_qm31();
    claim_p = lerp(layer.p0, layer.p1, mu);
    claim_q = lerp(layer.q0, layer.q1, mu);
    z.clear();
    z.push_back(mu);
    z.insert(z.end(), sc.point.begin(), sc.point.end());
    proof.layers.push_back(std::move(layer));
  }
  return FractionSumProverResult{std::move(proof), std::move(z)};
}

StatusOr<FractionLeafClaim> fraction_sum_verify(size_t num_vars, const FractionSumProof& proof,
                                                Transcript& transcript, SumcheckMasks* masks) {
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
    QM31 claim = claim_p + lambda * claim_q;
    if (masks) {
    ZKCC_ASSIGN_OR_RETURN(claim, masks->begin(z.size(), 3, claim, transcript));
  }
    ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc, sumcheck_verify(claim, z.size(), 3, layer.sumcheck, transcript));
    QM31 final_claim = sc.final_claim;
    if (masks) {
    ZKCC_ASSIGN_OR_RETURN(final_claim, masks->end(sc.point, final_claim, transcript));
  }
    QM31 e = eq_eval(z, sc.point);
    QM31 expect = e * (layer.p0 * layer.q1 + layer.p1 * layer.q0 + lambda * layer.q0 * layer.q1);
    if (expect != final_claim) {
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
