// GKR for a sum of fractions: proves sum_i p_i / q_i = P / Q over 2^n leaves, the engine of the
// LogUp lookup argument.
//
// Layers halve by pairing each entry of the low half with the one at the same place in the high
// half (the first variable): p'[i] = p[i] q[i + h] + p[i + h] q[i], q'[i] = q[i] q[i + h]. The root
// is (P, Q). Going down, a claim (p'~(z), q'~(z)) becomes, with a random lambda, one degree-3
// sumcheck over eq(z, x) (p0 q1 + p1 q0 + lambda q0 q1); the prover then states p0, p1, q0, q1 at
// the sumcheck point s, and a random mu turns them into the claim (p~(mu, s), q~(mu, s)) on the
// layer below. What is left is a claim on the leaves' p~ and q~ at one point.
#ifndef ZKCC_PROOF_FRACTION_SUM_H_
#define ZKCC_PROOF_FRACTION_SUM_H_

#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/qm31.h"
#include "zkcc/proof/sumcheck.h"
#include "zkcc/proof/sumcheck_mask.h"
#include "zkcc/proof/transcript.h"

namespace zkcc::proof {

struct FractionLayerProof {
  SumcheckProof sumcheck;
  QM31 p0, p1, q0, q1;  // the child halves at the sumcheck point
};

struct FractionSumProof {
  QM31 p_total;
  QM31 q_total;
  std::vector<FractionLayerProof> layers;  // root first
};

struct FractionLeafClaim {
  std::vector<QM31> point;  // n coordinates
  Masked p;                 // p~(point)
  Masked q;                 // q~(point)
};

struct FractionSumProverResult {
  FractionSumProof proof;
  std::vector<QM31> point;  // where the verifier's leaf claim will be
  Masked p, q;              // the leaf claim's values, as the verifier will hold them
};

// p and q must have the same power-of-two length. With masks, every layer's sumcheck is masked
// (sumcheck_mask.h) and so are the children it leaves (sumcheck.h, masked factors): the stated
// halves carry their masks, and the claims on the layer below, the leaf claim included, are
// masked values. With ones_at_leaves every leaf numerator is one (a LogUp witness): the leaf
// layer skips them and leaves them unmasked.
StatusOr<FractionSumProverResult> fraction_sum_prove(std::vector<QM31> p, std::vector<QM31> q,
                                                     Transcript& transcript, SumcheckMasks* masks = nullptr,
                                                     bool ones_at_leaves = false);

// Replays the layers and returns the claim left on the leaves (the caller checks it) together with
// the totals the proof states (the caller checks what they must be).
StatusOr<FractionLeafClaim> fraction_sum_verify(size_t num_vars, const FractionSumProof& proof,
                                                Transcript& transcript, SumcheckMasks* masks = nullptr,
                                                bool ones_at_leaves = false);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_FRACTION_SUM_H_
