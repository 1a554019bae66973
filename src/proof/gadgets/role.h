// The two roles that run one description of the protocol: every gadget is written once as
// `template <class R> Status gadget(R&, ...)` and instantiated for the Prover (which computes and
// sends) and the Verifier (which reads what was sent and checks). Both absorb the same messages
// and draw the same challenges.
//
// Claims on data the verifier does not compute itself go through `open` and `open_model`: claims
// on the committed tensors and on a private input become claims on the per-proof commitment,
// claims on the weights claims on the model commitment, and each commitment is opened once at the
// end for all of its claims. Claims on the outputs (carried in the clear) and on a public input
// are checked at once.
#ifndef ZKCC_SRC_PROOF_GADGETS_ROLE_H_
#define ZKCC_SRC_PROOF_GADGETS_ROLE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "circuit.h"
#include "zkcc/proof/graph_proof.h"
#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/sumcheck_mask.h"

namespace zkcc::proof::gadgets {

// A claim on a chained value, left for its producer; its value may be masked.
struct PendingClaim {
  std::vector<QM31> point;
  Masked value;
};

struct Common {
  const QuantizedGraph& graph;
  const Plan& plan;
  Transcript& t;
  const Matrix& input;                            // padded
  const ModelData& model;                         // the model's private tensors
  bool public_input;
  std::vector<const Matrix*> slots;               // the committed tensors (the verifier: outputs only)
  std::vector<std::optional<PendingClaim>> pending;  // per chained value
  std::vector<PcsClaim> proof_claims, model_claims;
  SumcheckMasks masks;                            // every sumcheck's, from the per-proof commitment
  std::span<const M31> model_masks;               // the model's mask block (the prover's)
};

struct Prover : Common {
  static constexpr bool kProver = true;
  const Witness& w;
  GraphProof& out;
};

struct Verifier : Common {
  static constexpr bool kProver = false;
  const GraphProof& in;
  size_t evals = 0, sumchecks = 0, logups = 0;
  template <typename T>
  StatusOr<const T*> next(const std::vector<T>& v, size_t& at, const char* what) {
    if (at >= v.size()) return invalid_argument(std::string("proof ends early: too few ") + what);
    return &v[at++];
  }
};

Status check_eval(std::span<const M31> table, std::span<const QM31> point, const QM31& value, const std::string& what);
inline Status check_eval(const Matrix& m, std::span<const QM31> point, const QM31& value, const std::string& what) {
  return check_eval(m.data, point, value, what);
}

// A value the prover states: sent, absorbed, and (by the verifier) returned for checking.
template <typename R>
StatusOr<QM31> send(R& r, const QM31& honest) {
  QM31 v = honest;
  if constexpr (R::kProver) {
    r.out.evals.push_back(v);
  } else {
    ZKCC_ASSIGN_OR_RETURN(const QM31* got, r.next(r.in.evals, r.evals, "stated values"));
    v = *got;
  }
  const QM31 sent[] = {v};
  r.t.mix_qm31s(sent);
  return v;
}

// A claim on the per-proof table: the tensor at `offset` takes v at point (joined with its pool
// words when masked).
template <typename R>
void add_proof_claim(R& r, size_t offset, std::vector<QM31> point, const Masked& v) {
  add_masked_claim(r.proof_claims, offset, std::move(point), v, r.plan.mask_offset);
}

// A claim on data both sides hold (the clear outputs, a public input): checked at once when it is
// public, else a claim on the pool.
template <typename R>
Status check_held(R& r, std::span<const M31> table, std::span<const QM31> point, const Masked& v, const std::string& what) {
  if (!v.is_public()) return r.masks.require(v, evaluate_mle(table, point), what);
  if constexpr (!R::kProver) return check_eval(table, point, v.known, what);
  return ok_status();
}

// A claim on a committed tensor: checked against the clear outputs, else left to the opening.
template <typename R>
Status open(R& r, size_t slot, std::span<const QM31> point, const Masked& v, const std::string& what) {
  if (r.plan.slot_is_output[slot]) return check_held(r, r.slots[slot]->data, point, v, what);
  if (point.size() != r.plan.slots[slot].vars()) return internal_error(what + ": the point does not fit");
  add_proof_claim(r, r.plan.proof_offsets[slot], {point.begin(), point.end()}, v);
  return ok_status();
}

// A claim on one of the model's private tensors (model_slots).
template <typename R>
Status open_model(R& r, size_t tensor, std::span<const QM31> point, const QM31& v, const std::string& what) {
  if (point.size() != r.plan.model_slots[tensor].vars()) return internal_error(what + ": the point does not fit");
  r.model_claims.push_back(PcsClaim{r.plan.model_offsets[tensor], {point.begin(), point.end()}, v});
  return ok_status();
}

// A mask from the model commitment: M~(tau), M the model's mask block, tau a fresh challenge.
// The block is fixed with the model, so its masks are fresh only while the openings of the model
// stay within their budget (kModelOpeningBudget: the block has room for that many proofs' masks).
struct ModelMask {
  std::vector<QM31> tau;
  QM31 value;  // the prover's
};
template <typename R>
ModelMask draw_model_mask(R& r) {
  ModelMask m;
  m.tau = r.t.draw_qm31s(r.plan.model_mask_vars);
  if constexpr (R::kProver) m.value = evaluate_mle(r.model_masks, m.tau);
  return m;
}

// A claim that a model tensor at point, plus c M~(tau), is `stated` (a masked factor on the
// model): a joined run of the tensor's claim and a claim on the mask block at tau, scaled by c.
// Unmasked (a sumcheck with no variable to mask), a plain claim on the tensor.
template <typename R>
Status open_model_masked(R& r, size_t tensor, std::span<const QM31> point, const QM31& stated, bool masked,
                         const ModelMask& m, const QM31& c, const std::string& what) {
  ZKCC_RETURN_IF_ERROR(open_model(r, tensor, point, stated, what));
  if (!masked) return ok_status();
  r.model_claims.back().joined = true;
  PcsClaim mask(r.plan.model_mask_offset, m.tau, QM31::zero());
  mask.scale = c;
  r.model_claims.push_back(std::move(mask));
  return ok_status();
}

// The prover states a committed tensor's value at a point, masked unless the tensor is a public
// output; the opening (or the clear output) checks it.
template <typename R>
StatusOr<Masked> state(R& r, size_t slot, std::span<const QM31> point, const std::string& what) {
  QM31 honest;
  if constexpr (R::kProver) honest = evaluate_mle(r.slots[slot]->data, point);
  Masked v;
  if (r.plan.slot_is_output[slot]) {
    ZKCC_ASSIGN_OR_RETURN(v.known, send(r, honest));
  } else {
    ZKCC_ASSIGN_OR_RETURN(v, r.masks.mask_value(honest, r.t));
  }
  ZKCC_RETURN_IF_ERROR(open(r, slot, point, v, what));
  return v;
}

// A claim on a value: checked at once when it is committed (or the input), else left for its
// producer (GKR chaining).
template <typename R>
Status claim(R& r, size_t value, std::vector<QM31> point, const Masked& v, const std::string& what) {
  if (value == 0) {
    if (r.public_input) return check_held(r, r.input.data, point, v, what);
    if (point.size() != r.plan.dims[0].vars()) return internal_error(what + ": the point does not fit");
    add_proof_claim(r, r.plan.input_offset, std::move(point), v);
    return ok_status();
  }
  if (r.plan.slot_of[value]) return open(r, *r.plan.slot_of[value], point, v, what);
  if (r.pending[value]) return internal_error(what + ": a second claim on a chained value");
  r.pending[value] = PendingClaim{std::move(point), v};
  return ok_status();
}

// Proves sum_x prod polys(x) over `terms`; the verifier replays it from `claim` and gets back the
// point and the final claim the factors' values must meet. One helper for every gadget's sumcheck.
// The polynomials `masked` (witness factors) run masked (sumcheck.h): their final values, as the
// prover states them, carry their masks, which factor() turns into masked values.
// A sum over a single entry runs over one variable s, every table padded with a zero entry (a
// sumcheck over no variable would have to state its masked claim): a table's value at s is its
// entry times 1 - s (`pad`), so a factor's claim on its entry is its stated value over 1 - s, at
// the empty point (`entry`), and a public table's value at s is its entry's times pad.
struct SumcheckRun {
  std::vector<QM31> point;
  std::vector<QM31> entry;         // where the factors' claims are: the point, empty when padded
  QM31 pad = QM31::one();          // 1 - s when padded
  QM31 unpad = QM31::one();        // 1 / pad
  std::vector<QM31> final_evals;  // prover only
  QM31 final_claim;               // verifier only
  std::vector<std::optional<size_t>> mask_at;  // per polynomial: its mask's words, when masked
  // Polynomial j's claim at `entry` from its stated final value, as a masked value (public when
  // it was not masked).
  Masked factor(size_t j, const QM31& stated) const {
    if (j >= mask_at.size() || !mask_at[j]) return Masked(stated * unpad);
    return masked_factor(stated, *mask_at[j], point[0]) * unpad;
  }
  // A model factor's stated value and mask weight at `entry` (open_model_masked).
  QM31 model_stated(const QM31& stated) const { return stated * unpad; }
  QM31 model_weight() const { return mask_weight(point[0]) * unpad; }
};
// Masks in `given` (per polynomial; the verifier's values are placeholders) come from the caller
// (the model's, ModelMask); the other polynomials in `masked` take theirs from the pool. A sum
// over a single entry (vars 0) is padded to one variable (above).
template <typename R>
StatusOr<SumcheckRun> run_sumcheck(R& r, std::vector<std::vector<QM31>> polys, std::span<const SumcheckTerm> terms,
                                   const Masked& claim_value, size_t vars, size_t degree, const std::string& what,
                                   const std::vector<bool>& masked = {}, const FactorMasks& given = {}) {
  SumcheckRun run;
  const bool padded = vars == 0;
  if (padded) {
    vars = 1;
    if constexpr (R::kProver) {
      for (std::vector<QM31>& p : polys) p.resize(2);
    }
  }
  std::vector<bool> from_pool = masked;
  for (size_t j = 0; j < given.size() && j < from_pool.size(); ++j) from_pool[j] = from_pool[j] && !given[j];
  ZKCC_ASSIGN_OR_RETURN(SumcheckMasks::Factors factors, r.masks.take_factors(vars, from_pool));
  run.mask_at = std::move(factors.at);
  if constexpr (R::kProver) {
    for (size_t j = 0; j < given.size() && vars > 0; ++j) {
      if (given[j] && j < masked.size() && masked[j]) factors.values[j] = given[j];
    }
  }
  const size_t first = sumcheck_first_degree(terms, masked);
  ZKCC_ASSIGN_OR_RETURN(const QM31 masked_claim, r.masks.begin(MaskShape(vars, degree, first), claim_value, r.t));
  QM31 final_claim;
  if constexpr (R::kProver) {
    ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc,
                          sumcheck_prove(std::move(polys), terms, r.t, r.masks.mask(), factors.values));
    r.out.sumchecks.push_back(std::move(sc.proof));
    run.point = std::move(sc.point);
    run.final_evals = std::move(sc.final_evals);
  } else {
    ZKCC_ASSIGN_OR_RETURN(const SumcheckProof* proof, r.next(r.in.sumchecks, r.sumchecks, "sumchecks"));
    auto sc = sumcheck_verify(masked_claim, vars, degree, *proof, r.t, first);
    if (!sc.ok()) return sc.status().with_context(what);
    run.point = std::move(sc->point);
    final_claim = sc->final_claim;
  }
  ZKCC_ASSIGN_OR_RETURN(run.final_claim, r.masks.end(run.point, final_claim, r.t));
  if (padded) {
    run.pad = QM31::one() - run.point[0];
    if (run.pad.is_zero()) return invalid_argument(what + ": the padded sumcheck's point is 1");
    run.unpad = run.pad.inverse();
  } else {
    run.entry = run.point;
  }
  return run;
}

// Ends a sumcheck whose polynomial 0 is eq(z, x) and whose others (1, ..., n - 1) are witness
// factors: the prover states the factors' final values, the verifier computes eq(z, r) itself and
// checks them against the final claim (`failure` names the check). Returns the n values.
template <typename R>
StatusOr<std::vector<QM31>> close_eq_sumcheck(R& r, const SumcheckRun& sc, std::span<const QM31> z,
                                              std::span<const SumcheckTerm> terms, size_t n, const std::string& failure) {
  std::vector<QM31> evals(n);
  if constexpr (R::kProver) evals = sc.final_evals;
  for (size_t j = 1; j < n; ++j) {
    ZKCC_ASSIGN_OR_RETURN(evals[j], send(r, evals[j]));
  }
  if constexpr (!R::kProver) {
    evals[0] = eq_eval(z, sc.entry) * sc.pad;
    if (sumcheck_final_claim(evals, terms) != sc.final_claim) return invalid_argument(failure);
  }
  return evals;
}

}  // namespace zkcc::proof::gadgets

#endif  // ZKCC_SRC_PROOF_GADGETS_ROLE_H_
