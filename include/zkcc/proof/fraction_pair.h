// The top of a fraction sum with its two entries hidden.
//
// A fraction sum's root (P, Q) combines two entries, P = p0 q1 + p1 q0 and Q = q0 q1: a sumcheck
// over no variables, which would state the four entries in the clear (and with them one half of
// the witness's fractions). Here they stay hidden. With e~(x) = e0 + x (e1 - e0) the line through
// an entry pair,
//   p0 q1 + p1 q0 + lambda q0 q1 = sum over x in {0, 1} of (p~(x) q~(1 - x) + p~(1 - x) q~(x)
//                                                        + lambda q~(x) q~(1 - x)) / 2,
// one masked sumcheck over one variable. Each line runs masked as e~(x) + x (1 - x) (a + b x), a
// and b two masked values of the pool (sumcheck_mask.h), so that its values at both r and 1 - r
// (which the sumcheck's end needs) are uniformly random: the stated p^(r), p^(1 - r), q^(r),
// q^(1 - r) show nothing, and less their masks they give the four entries as masked values (two
// points determine a line; r = 1/2 is refused). The round polynomial has degree 6.
//
// Soundness: the sumcheck binds the claim to the lines' product at r (error 6 / |F|), the pool's
// opening binds the masks, and the masked entries are then exactly the lines' values at 0 and 1.
#ifndef ZKCC_PROOF_FRACTION_PAIR_H_
#define ZKCC_PROOF_FRACTION_PAIR_H_

#include <array>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/sumcheck.h"
#include "zkcc/proof/sumcheck_mask.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

// One layer of a fraction sum as the proof carries it: its sumcheck and the four values stated at
// its end (the child halves p0, p1, q0, q1 at the sumcheck point; for a pair, the masked lines at
// r and 1 - r in that order).
struct FractionLayerProof {
  SumcheckProof sumcheck;
  QM31 p0, p1, q0, q1;
};

struct MaskedFraction {
  Masked p, q;
};

// The two entries, as the verifier holds them.
struct FractionPair {
  MaskedFraction lo, hi;
};

// The pair's mask: the sumcheck's and two masked values per line.
inline MaskShape fraction_pair_mask_shape() { return MaskShape(1, 3, 6); }
inline size_t fraction_pair_mask_words() {
  return sumcheck_mask_words(fraction_pair_mask_shape()) + 4 * kMaskedValueWords;
}

// Proves claim = p0 q1 + p1 q0 + lambda q0 q1 for the entries (p0, q0) = lo and (p1, q1) = hi.
// With ones both numerators are one (a LogUp witness's leaves): they are public and not masked.
StatusOr<FractionPair> fraction_pair_prove(const std::array<QM31, 2>& lo, const std::array<QM31, 2>& hi,
                                           const Masked& claim, const QM31& lambda, bool ones, Transcript& transcript,
                                           SumcheckMasks& masks, FractionLayerProof& out);

StatusOr<FractionPair> fraction_pair_verify(const FractionLayerProof& proof, const Masked& claim, const QM31& lambda,
                                            bool ones, Transcript& transcript, SumcheckMasks& masks);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_FRACTION_PAIR_H_
