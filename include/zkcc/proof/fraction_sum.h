// GKR for a sum of fractions: proves sum_i p_i / q_i = P / Q over 2^n leaves, the engine of the
// LogUp lookup argument.
//
// Layers halve by pairing each entry of the low half with the one at the same place in the high
// half (the first variable): p'[i] = p[i] q[i + h] + p[i + h] q[i], q'[i] = q[i] q[i + h]. The root
// is (P, Q). Going down, a claim (p'~(z), q'~(z)) becomes, with a random lambda, one degree-3
// sumcheck over eq(z, x) (p0 q1 + p1 q0 + lambda q0 q1); the prover then states p0, p1, q0, q1 at
// the sumcheck point s, and a random mu turns them into the claim (p~(mu, s), q~(mu, s)) on the
// layer below. What is left is a claim on the leaves' p~ and q~ at one point. Masked, the root's
// step (over no variables) is fraction_pair's instead, which keeps its two children hidden.
#ifndef ZKCC_PROOF_FRACTION_SUM_H_
#define ZKCC_PROOF_FRACTION_SUM_H_

#include <optional>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/fraction_pair.h"
#include "zkcc/proof/sumcheck.h"
#include "zkcc/proof/sumcheck_mask.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

struct FractionSumProof {
  // The root is a masked claim the caller holds (a LogUp's sides, compared hidden): no totals.
  bool root_hidden = false;
  QM31 p_total;
  QM31 q_total;
  std::vector<FractionLayerProof> layers;  // root first
};

// Words a masked fraction sum over 2^vars leaves takes: the root's pair (fraction_pair.h), then
// its layers' sumchecks over 1, ..., vars - 1 variables with their children's masked values.
inline size_t fraction_sum_mask_words(size_t vars) {
  size_t words = vars > 0 ? fraction_pair_mask_words() : 0;
  for (size_t k = 1; k < vars; ++k) words += sumcheck_mask_words(layer_mask_shape(k)) + 4 * kMaskedValueWords;
  return words;
}

struct FractionLeafClaim {
  std::vector<QM31> point;  // n coordinates
  Masked p;                 // p~(point)
  Masked q;                 // q~(point)
};

// Every layer of a fraction sum, leaves first (the prover's).
struct FractionTree {
  std::vector<std::vector<QM31>> p, q;
  size_t vars() const { return p.size() - 1; }
  QM31 p_root() const { return p.back()[0]; }
  QM31 q_root() const { return q.back()[0]; }
};
// p and q must have the same power-of-two length.
StatusOr<FractionTree> fraction_tree(std::vector<QM31> p, std::vector<QM31> q);

struct FractionSumProverResult {
  FractionSumProof proof;
  std::vector<QM31> point;  // where the verifier's leaf claim will be
  Masked p, q;              // the leaf claim's values, as the verifier will hold them
};

// With masks, every layer's sumcheck is masked (sumcheck_mask.h) and so are the children it
// leaves (sumcheck.h, masked factors): the stated halves carry their masks, and the claims on the
// layer below, the leaf claim included, are masked values; the root's two children stay hidden
// (fraction_pair.h). With `root` (masks needed) the totals are not stated either: the caller holds
// them as masked values. With ones_at_leaves every leaf numerator is one (a LogUp witness): the
// leaf layer skips them and leaves them unmasked.
StatusOr<FractionSumProverResult> fraction_sum_prove(const FractionTree& tree, Transcript& transcript,
                                                     SumcheckMasks* masks = nullptr, bool ones_at_leaves = false,
                                                     const std::optional<MaskedFraction>& root = std::nullopt);
StatusOr<FractionSumProverResult> fraction_sum_prove(std::vector<QM31> p, std::vector<QM31> q,
                                                     Transcript& transcript, SumcheckMasks* masks = nullptr,
                                                     bool ones_at_leaves = false);

// Replays the layers and returns the claim left on the leaves (the caller checks it, and the
// stated totals when the root is not hidden).
StatusOr<FractionLeafClaim> fraction_sum_verify(size_t num_vars, const FractionSumProof& proof,
                                                Transcript& transcript, SumcheckMasks* masks = nullptr,
                                                bool ones_at_leaves = false,
                                                const std::optional<MaskedFraction>& root = std::nullopt);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_FRACTION_SUM_H_
