#include "zkcc/proof/fraction_pair.h"

#include <optional>
#include <vector>

namespace zkcc::proof {
namespace {

QM31 small(uint32_t x) { return QM31::from_m31(M31::from_u32(x)); }

// Where one line's mask (a, b) lies in the pool.
struct LineMask {
  std::optional<size_t> a, b;
};

struct PairMasks {
  LineMask p, q;
};

StatusOr<LineMask> take_line(SumcheckMasks& masks, bool masked) {
  LineMask m;
  if (!masked) return m;
  ZKCC_ASSIGN_OR_RETURN(m.a, masks.take_value());
  ZKCC_ASSIGN_OR_RETURN(m.b, masks.take_value());
  return m;
}

StatusOr<PairMasks> take_pair(SumcheckMasks& masks, bool ones) {
  PairMasks m;
  ZKCC_ASSIGN_OR_RETURN(m.p, take_line(masks, !ones));
  ZKCC_ASSIGN_OR_RETURN(m.q, take_line(masks, true));
  return m;
}

// The prover's masked line e0 + x (e1 - e0) + x (1 - x) (a + b x).
struct Line {
  QM31 e0, e1, a, b;
  QM31 at(const QM31& x) const { return e0 + x * (e1 - e0) + mask_weight(x) * (a + b * x); }
};

Line line_of(const SumcheckMasks& masks, const LineMask& m, const QM31& e0, const QM31& e1) {
  Line l{e0, e1, QM31::zero(), QM31::zero()};
  if (m.a) l.a = masks.value_at(*m.a);
  if (m.b) l.b = masks.value_at(*m.b);
  return l;
}

// The round polynomial (p~(x) q~(1 - x) + p~(1 - x) q~(x) + lambda q~(x) q~(1 - x)) / 2 at x.
QM31 pair_poly(const QM31& p_x, const QM31& p_1x, const QM31& q_x, const QM31& q_1x, const QM31& lambda) {
  return (p_x * q_1x + p_1x * q_x + lambda * q_x * q_1x) * small(2).inverse();
}

// A line's entries from its stated values at r and 1 - r, each less its mask's share.
std::pair<Masked, Masked> entries(const QM31& at_r, const QM31& at_1r, const LineMask& m, const QM31& r) {
  Masked vr(at_r), v1r(at_1r);
  if (m.a) {
    const QM31 w = mask_weight(r);
    vr = vr - mask_term(*m.a, w) - mask_term(*m.b, w * r);
    v1r = v1r - mask_term(*m.a, w) - mask_term(*m.b, w * (QM31::one() - r));
  }
  // vr = e0 + r d, v1r = e0 + (1 - r) d.
  const Masked d = (vr - v1r) * (r + r - QM31::one()).inverse();
  Masked e0 = vr - d * r;
  Masked e1 = e0 + d;
  return {std::move(e0), std::move(e1)};
}

StatusOr<FractionPair> finish(const FractionLayerProof& proof, const PairMasks& m, bool ones, const QM31& r,
                              Transcript& transcript) {
  if (ones && (proof.p0 != QM31::one() || proof.p1 != QM31::one())) {
    return invalid_argument("fraction pair: a numerator of ones is not one");
  }
  const QM31 stated[] = {proof.p0, proof.p1, proof.q0, proof.q1};
  transcript.mix_qm31s(stated);
  auto [p0, p1] = entries(proof.p0, proof.p1, m.p, r);
  auto [q0, q1] = entries(proof.q0, proof.q1, m.q, r);
  return FractionPair{{std::move(p0), std::move(q0)}, {std::move(p1), std::move(q1)}};
}

Status check_point(const QM31& r) {
  if (r + r == QM31::one()) return invalid_argument("fraction pair: the sumcheck point is 1/2");
  return ok_status();
}

}  // namespace

StatusOr<FractionPair> fraction_pair_prove(const std::array<QM31, 2>& lo, const std::array<QM31, 2>& hi,
                                           const Masked& claim, const QM31& lambda, bool ones, Transcript& transcript,
                                           SumcheckMasks& masks, FractionLayerProof& out) {
  ZKCC_ASSIGN_OR_RETURN(const PairMasks m, take_pair(masks, ones));
  ZKCC_RETURN_IF_ERROR(masks.begin(fraction_pair_mask_shape(), claim, transcript).status());
  const SumcheckMask* mask = masks.mask();
  if (!mask) return internal_error("fraction pair: the prover's sumcheck has no mask");
  const Line p = line_of(masks, m.p, lo[0], hi[0]), q = line_of(masks, m.q, lo[1], hi[1]);
  SumcheckMaskRounds rounds(*mask);
  std::vector<QM31> msg;
  for (uint32_t x : {0u, 2u, 3u, 4u, 5u, 6u}) {
    const QM31 xq = small(x), yq = QM31::one() - xq;
    msg.push_back(pair_poly(p.at(xq), p.at(yq), q.at(xq), q.at(yq), lambda) + rounds.at(xq));
  }
  transcript.mix_qm31s(msg);
  const QM31 r = transcript.draw_qm31();
  ZKCC_RETURN_IF_ERROR(check_point(r));
  out.sumcheck.rounds = {std::move(msg)};
  const QM31 point[] = {r};
  ZKCC_RETURN_IF_ERROR(masks.end(point, QM31::zero(), transcript).status());
  const QM31 s = QM31::one() - r;
  out.p0 = p.at(r);
  out.p1 = p.at(s);
  out.q0 = q.at(r);
  out.q1 = q.at(s);
  return finish(out, m, ones, r, transcript);
}

StatusOr<FractionPair> fraction_pair_verify(const FractionLayerProof& proof, const Masked& claim, const QM31& lambda,
                                            bool ones, Transcript& transcript, SumcheckMasks& masks) {
  ZKCC_ASSIGN_OR_RETURN(const PairMasks m, take_pair(masks, ones));
  ZKCC_ASSIGN_OR_RETURN(const QM31 start, masks.begin(fraction_pair_mask_shape(), claim, transcript));
  const MaskShape shape = fraction_pair_mask_shape();
  ZKCC_ASSIGN_OR_RETURN(SumcheckVerifierResult sc,
                        sumcheck_verify(start, 1, shape.degree, proof.sumcheck, transcript, shape.first));
  ZKCC_RETURN_IF_ERROR(check_point(sc.point[0]));
  ZKCC_ASSIGN_OR_RETURN(const QM31 final_claim, masks.end(sc.point, sc.final_claim, transcript));
  if (pair_poly(proof.p0, proof.p1, proof.q0, proof.q1, lambda) != final_claim) {
    return invalid_argument("fraction pair: the stated lines do not close the sumcheck");
  }
  return finish(proof, m, ones, sc.point[0], transcript);
}

}  // namespace zkcc::proof
