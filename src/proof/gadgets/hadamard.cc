// The Hadamard product of two activations, y = a * b on the padded matrices (padding is zero in
// both, so in y too). A claim y~(z) = v becomes, through one sumcheck of
//   sum_x eq(z, x) a~(x) b~(x) = v
// (degree 3, a and b masked factors), claims on a~ and b~ at the sumcheck's point: the prover
// states their values there, masked, and the verifier checks eq(z, r) a b against the final claim.
#include "gadgets.h"

namespace zkcc::proof::gadgets {

Status plan_hadamard(const Dims& a, const Dims& b, const Dims& y) {
  if (!(a == y) || !(b == y)) return invalid_argument("the operands' shapes are not the output's");
  return ok_status();
}

void hadamard_witness(const Matrix& a, const Matrix& b, Matrix& y) {
  for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = a.data[i] * b.data[i];
}

template <typename R>
Status hadamard(R& r, const LayerPlan& lp, std::span<const QM31> z, const Masked& v, const std::string& what) {
  const size_t a = lp.inputs[0], b = lp.inputs[1];
  const SumcheckTerm terms[] = {{QM31::one(), {0, 1, 2}}};
  std::vector<std::vector<QM31>> polys;
  if constexpr (R::kProver) polys = {eq_table(z), lift(r.w.values[a].data), lift(r.w.values[b].data)};
  ZKCC_ASSIGN_OR_RETURN(SumcheckRun sc, run_sumcheck(r, std::move(polys), terms, v, z.size(), 3, what, {false, true, true}));
  ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> evals,
                        close_eq_sumcheck(r, sc, z, terms, 3, what + ": eq(z, r) a~(r) b~(r) does not close the sumcheck"));
  ZKCC_RETURN_IF_ERROR(claim(r, a, sc.entry, sc.factor(1, evals[1]), what + " first operand"));
  return claim(r, b, sc.entry, sc.factor(2, evals[2]), what + " second operand");
}

template Status hadamard(Prover&, const LayerPlan&, std::span<const QM31>, const Masked&, const std::string&);
template Status hadamard(Verifier&, const LayerPlan&, std::span<const QM31>, const Masked&, const std::string&);

}  // namespace zkcc::proof::gadgets
