#include "zkcc/proof/fraction_sum.h"

#include <algorithm>
#include <array>
#include <optional>
#include <tuple>
#include <utility>

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

constexpr size_t kParallelThreshold = 1 << 12;

struct LayerResult {
  SumcheckProof sumcheck;
  std::vector<QM31> point;
  QM31 p0, p1, q0, q1;
};

// g at X = 0, 2, 3 for a round without masked children: only the quadratic factor is evaluated
// (at X = 0, 1, 2, then extrapolated to 3) and eq(z_k, X) multiplied in.
std::vector<QM31> plain_round(const std::vector<QM31>& eq, const std::vector<QM31>& p0, const std::vector<QM31>& p1,
                            const std::vector<QM31>& q0, const std::vector<QM31>& q1, bool ones, const QM31& lambda,
                            const QM31& scale, const QM31& zk, const SumcheckMaskRounds* masked) {
  const QM31 one = QM31::one(), two = one + one;
  const size_t half = q0.size() / 2;
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
  std::vector<QM31> msg = {scale * (one - zk) * hx[0], scale * (zk + zk + zk - one) * hx[2],
                           scale * (zk + zk + zk + zk + zk - two) * h3};
  if (masked) {
    const QM31 three = two + one;
    msg[0] += masked->at(QM31::zero());
    msg[1] += masked->at(two);
    msg[2] += masked->at(three);
  }
  return msg;
}

// h(X) = sum_i eq_rest[i] f(X) at X = 0..5 for the first round with masked children (each child c
// is c_lo + X (c_hi - c_lo) + X (1 - X) m_c, so f has degree 4 and the round degree 5).
std::array<QM31, 6> masked_first_round(const std::vector<QM31>& eq, const std::vector<QM31>* tables[4], bool ones,
                                       const QM31& lambda, const FactorMasks& fm) {
  const size_t half = tables[2]->size() / 2;
  std::array<std::array<QM31, 6>, 4> add{};  // X (1 - X) m_c per child and X
  for (size_t c = 0; c < 4; ++c) {
    if (!fm[c]) continue;
    for (size_t x = 0; x < 6; ++x) add[c][x] = mask_weight(QM31::from_m31(M31::from_u32(static_cast<uint32_t>(x)))) * *fm[c];
  }
  using Acc = std::array<QM31, 6>;
  std::vector<Acc> partial(parallel_chunks(half, kParallelThreshold), Acc{});
  parallel_for(half, kParallelThreshold, [&](size_t chunk, size_t begin, size_t end) {
    Acc acc{};
    std::array<std::array<QM31, 6>, 4> v{};  // p0, p1, q0, q1 at X
    for (size_t i = begin; i < end; ++i) {
      for (size_t c = ones ? 2 : 0; c < 4; ++c) {
        const QM31 lo = (*tables[c])[i], step = (*tables[c])[i + half] - lo;
        v[c][0] = lo;
        for (size_t x = 1; x < 6; ++x) v[c][x] = v[c][x - 1] + step;
        for (size_t x = 2; x < 6; ++x) v[c][x] += add[c][x];
      }
      for (size_t x = 0; x < 6; ++x) {
        const QM31 &a = v[2][x], &b = v[3][x];
        const QM31 f = ones ? a + b + lambda * a * b : v[0][x] * b + a * (v[1][x] + lambda * b);
        acc[x] += eq[i] * f;
      }
    }
    partial[chunk] = acc;
  });
  Acc h{};
  for (const Acc& a : partial) {
    for (size_t x = 0; x < 6; ++x) h[x] += a[x];
  }
  return h;
}

// The sumcheck of one layer, sum_x eq(z, x) (p0 q1 + p1 q0 + lambda q0 q1) over the halves of the
// children, with the messages a generic sumcheck_prove over those terms would send but less work: eq(z, x)
// splits into the bound variables' product (a scalar), eq(z_k, X) (linear, multiplied in at the
// end) and eq(z_rest, x_rest), so only the quadratic factor is evaluated, at X = 0, 1, 2. When
// every numerator is one (a LogUp witness's leaves) p0 = p1 = 1 is never stored. With masks
// (fm: p0, p1, q0, q1) the children run masked (sumcheck.h), which changes the first round only.
LayerResult layer_sumcheck(std::span<const QM31> z, std::span<const QM31> cp, std::span<const QM31> cq,
                           bool ones, const QM31& lambda, const SumcheckMask* mask, const FactorMasks& fm,
                           Transcript& transcript) {
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
    const std::vector<QM31> eq = eq_table(z.subspan(k + 1));
    const QM31 zk = z[k];
    std::vector<QM31> msg;
    if (k == 0 && !fm.empty()) {
      // Masked children: g(X) = eq(z_0, X) h(X) at X = 0, 2, 3, 4, 5.
      const std::vector<QM31>* tables[4] = {&p0, &p1, &q0, &q1};
      const std::array<QM31, 6> hx = masked_first_round(eq, tables, ones, lambda, fm);
      for (size_t x : {0, 2, 3, 4, 5}) {
        const QM31 xq = QM31::from_m31(M31::from_u32(static_cast<uint32_t>(x)));
        QM31 m = scale * (one - zk - xq + two * zk * xq) * hx[x];
        if (masked) m += masked->at(xq);
        msg.push_back(m);
      }
    } else {
      msg = plain_round(eq, p0, p1, q0, q1, ones, lambda, scale, zk, masked ? &*masked : nullptr);
    }
    transcript.mix_qm31s(msg);
    const QM31 r = transcript.draw_qm31();
    if (masked) masked->bind(r);
    scale *= one - zk - r + two * zk * r;
    std::vector<QM31>* polys[] = {&p0, &p1, &q0, &q1};
    for (size_t c = 0; c < 4; ++c) {
      if (polys[c]->empty()) continue;
      fix_first_variable(*polys[c], r);
      if (k == 0 && !fm.empty() && fm[c]) {
        const QM31 add = mask_weight(r) * *fm[c];
        for (QM31& v : *polys[c]) v += add;
      }
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

// Which children of a layer run masked (p0, p1, q0, q1): all but the numerators of a layer of ones.
std::vector<bool> masked_children(bool ones) { return {!ones, !ones, true, true}; }

// The children's claims on the layer below, from their stated values (masked: each less its mask's
// share, sumcheck.h) at mu.
std::pair<Masked, Masked> next_claims(const FractionLayerProof& layer, const SumcheckMasks::Factors& factors,
                                      std::span<const QM31> point, const QM31& mu) {
  auto child = [&](size_t c, const QM31& stated) {
    if (c >= factors.at.size() || !factors.at[c]) return Masked(stated);
    return masked_factor(stated, *factors.at[c], point[0]);
  };
  const QM31 keep = QM31::one() - mu;
  return {child(0, layer.p0) * keep + child(1, layer.p1) * mu, child(2, layer.q0) * keep + child(3, layer.q1) * mu};
}

}  // namespace

StatusOr<FractionTree> fraction_tree(std::vector<QM31> p, std::vector<QM31> q) {
  if (p.size() != q.size()) return invalid_argument("fraction sum: numerators and denominators differ in length");
  ZKCC_ASSIGN_OR_RETURN(size_t num_vars, log2_exact(p.size()));
  FractionTree tree;
  tree.p.resize(num_vars + 1);
  tree.q.resize(num_vars + 1);
  tree.p[0] = std::move(p);
  tree.q[0] = std::move(q);
  for (size_t l = 0; l < num_vars; ++l) combine(tree.p[l], tree.q[l], tree.p[l + 1], tree.q[l + 1]);
  return tree;
}

namespace {

// The start of a fraction sum's replay, shared by both sides: the root's claim, stated totals
// when it is not hidden.
StatusOr<MaskedFraction> root_claim(const FractionSumProof& proof, const std::optional<MaskedFraction>& root,
                                    SumcheckMasks* masks, Transcript& transcript) {
  if (root) {
    if (!masks) return internal_error("fraction sum: a hidden root needs the masks");
    return *root;
  }
  const QM31 totals[] = {proof.p_total, proof.q_total};
  transcript.mix_qm31s(totals);
  return MaskedFraction{proof.p_total, proof.q_total};
}

// The claims on the root's children layer at mu, from the pair's hidden entries.
MaskedFraction at_mu(const FractionPair& pair, const QM31& mu) {
  const QM31 keep = QM31::one() - mu;
  return {pair.lo.p * keep + pair.hi.p * mu, pair.lo.q * keep + pair.hi.q * mu};
}

}  // namespace

StatusOr<FractionSumProverResult> fraction_sum_prove(std::vector<QM31> p, std::vector<QM31> q,
                                                     Transcript& transcript, SumcheckMasks* masks,
                                                     bool ones_at_leaves) {
  ZKCC_ASSIGN_OR_RETURN(FractionTree tree, fraction_tree(std::move(p), std::move(q)));
  return fraction_sum_prove(tree, transcript, masks, ones_at_leaves);
}

StatusOr<FractionSumProverResult> fraction_sum_prove(const FractionTree& tree, Transcript& transcript,
                                                     SumcheckMasks* masks, bool ones_at_leaves,
                                                     const std::optional<MaskedFraction>& root) {
  const size_t num_vars = tree.vars();
  const auto& ps = tree.p;
  const auto& qs = tree.q;
  if (ones_at_leaves && !std::all_of(ps[0].begin(), ps[0].end(), [](const QM31& v) { return v == QM31::one(); })) {
    return invalid_argument("fraction sum: a leaf numerator is not one");
  }
  FractionSumProof proof;
  proof.root_hidden = root.has_value();
  if (!root) {
    proof.p_total = tree.p_root();
    proof.q_total = tree.q_root();
  }
  ZKCC_ASSIGN_OR_RETURN(MaskedFraction claim, root_claim(proof, root, masks, transcript));
  std::vector<QM31> z;  // the claim's point on the current parent layer
  for (size_t l = num_vars; l-- > 0;) {
    const bool ones = l == 0 && ones_at_leaves;
    QM31 lambda = transcript.draw_qm31();
    if (masks && z.empty()) {
      FractionLayerProof layer;
      ZKCC_ASSIGN_OR_RETURN(FractionPair pair,
                            fraction_pair_prove({ps[l][0], qs[l][0]}, {ps[l][1], qs[l][1]}, claim.p + claim.q * lambda,
                                                lambda, ones, transcript, *masks, layer));
      const QM31 mu = transcript.draw_qm31();
      claim = at_mu(pair, mu);
      z = {mu};
      proof.layers.push_back(std::move(layer));
      continue;
    }
    SumcheckMasks::Factors factors;
    if (masks) {
      ZKCC_ASSIGN_OR_RETURN(factors, masks->take_factors(z.size(), masked_children(ones)));
      ZKCC_RETURN_IF_ERROR(masks->begin(layer_mask_shape(z.size()), claim.p + claim.q * lambda, transcript).status());
    }
    LayerResult sc =
        layer_sumcheck(z, ps[l], qs[l], ones, lambda, masks ? masks->mask() : nullptr, factors.values, transcript);
    if (masks) ZKCC_RETURN_IF_ERROR(masks->end(sc.point, QM31::zero(), transcript).status());
    FractionLayerProof layer{std::move(sc.sumcheck), sc.p0, sc.p1, sc.q0, sc.q1};
    const QM31 halves[] = {layer.p0, layer.p1, layer.q0, layer.q1};
    transcript.mix_qm31s(halves);
    QM31 mu = transcript.draw_qm31();
    std::tie(claim.p, claim.q) = next_claims(layer, factors, sc.point, mu);
    z.clear();
    z.push_back(mu);
    z.insert(z.end(), sc.point.begin(), sc.point.end());
    proof.layers.push_back(std::move(layer));
  }
  return FractionSumProverResult{std::move(proof), std::move(z), std::move(claim.p), std::move(claim.q)};
}

StatusOr<FractionLeafClaim> fraction_sum_verify(size_t num_vars, const FractionSumProof& proof,
                                                Transcript& transcript, SumcheckMasks* masks, bool ones_at_leaves,
                                                const std::optional<MaskedFraction>& root) {
  if (proof.layers.size() != num_vars) {
    return invalid_argument("fraction sum proof has " + std::to_string(proof.layers.size()) + " layers, expected " +
                            std::to_string(num_vars));
  }
  if (proof.root_hidden != root.has_value()) {
    return invalid_argument(root ? "fraction sum proof states the totals it must hide"
                                 : "fraction sum proof hides the totals it must state");
  }
  ZKCC_ASSIGN_OR_RETURN(MaskedFraction claim, root_claim(proof, root, masks, transcript));
  std::vector<QM31> z;
  for (size_t k = 0; k < num_vars; ++k) {
    const bool ones = k + 1 == num_vars && ones_at_leaves;
    const FractionLayerProof& layer = proof.layers[k];
    QM31 lambda = transcript.draw_qm31();
    const Masked combined = claim.p + claim.q * lambda;
    if (masks && z.empty()) {
      ZKCC_ASSIGN_OR_RETURN(FractionPair pair,
                            fraction_pair_verify(layer, combined, lambda, ones, transcript, *masks));
      const QM31 mu = transcript.draw_qm31();
      claim = at_mu(pair, mu);
      z = {mu};
      continue;
    }
    QM31 start = combined.known;
    SumcheckMasks::Factors factors;
    size_t first_degree = 0;
    if (masks) {
      ZKCC_ASSIGN_OR_RETURN(factors, masks->take_factors(z.size(), masked_children(ones)));
      ZKCC_ASSIGN_OR_RETURN(start, masks->begin(layer_mask_shape(z.size()), combined, transcript));
      first_degree = layer_mask_shape(z.size()).first;
    } else if (!combined.is_public()) {
      return internal_error("fraction sum: a masked claim needs the masks");
    }
    ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc,
                          sumcheck_verify(start, z.size(), 3, layer.sumcheck, transcript, first_degree));
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
    std::tie(claim.p, claim.q) = next_claims(layer, factors, sc.point, mu);
    z.clear();
    z.push_back(mu);
    z.insert(z.end(), sc.point.begin(), sc.point.end());
  }
  return FractionLeafClaim{std::move(z), std::move(claim.p), std::move(claim.q)};
}

}  // namespace zkcc::proof
