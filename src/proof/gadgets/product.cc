// Matrix products Y = X W + b: a claim on Y~(r, c) becomes, through Thaler's product sumcheck
// over the inner index, a claim on X~(r, s) and one on W~(s, c). The bias is added to the real
// rows only (so padding carries nothing of the model): it enters as rows~(r) b~(c), rows the mask
// of the real rows, inside the same sumcheck (a constant table at the first inner index), so its
// value is stated masked like the weights' and claimed on the model.
#include "gadgets.h"

#include "zkcc/field/m31_vec.h"

namespace zkcc::proof::gadgets {

// Committed weights are proved to lie in [-128, 128) (model/bounds.h: kWeightRange).
constexpr unsigned kWeightBits = 8;

Status plan_matmul(const model::MatMulLayer& op, const Dims& x, const Dims& y, Plan& p, ModelData& md, MatMulPlan& mp) {
  if (op.weight.shape.size() != 2) return invalid_argument("weight is not a matrix");
  const size_t k = op.weight.shape[0], n = op.weight.shape[1];
  if (x.cols != k || y.cols != n || y.rows != x.rows) {
    return invalid_argument("the product's input is not rows x " + std::to_string(k));
  }
  const Dims wd = dims_of(op.weight.shape);
  mp.weight = p.add_model_slot(wd, kWeightBits);
  mp.bias = p.add_model_slot(row_dims(y.pcols), md.present ? model::signed_width(op.bias) : op.bias_bits);
  if (!md.present) {
    if (!op.weight.data.empty() || !op.bias.empty()) return invalid_argument("an architecture carries a weight");
    return ok_status();
  }
  if (op.weight.data.size() != k * n) return invalid_argument("the weight's data does not match its shape");
  if (!op.bias.empty() && op.bias.size() != n) return invalid_argument("bias does not match the weight");
  md.tensors.push_back(pad_matrix(op.weight, wd));
  Matrix bias = zeros(row_dims(y.pcols));
  for (size_t j = 0; j < op.bias.size(); ++j) bias.data[j] = M31::from_i64(op.bias[j]);
  md.tensors.push_back(std::move(bias));
  return ok_status();
}

void matmul_witness(const MatMulPlan& mp, const ModelData& md, const Dims& yd, const Matrix& x, Matrix& y) {
  const Matrix& weight = md.tensors[mp.weight];
  const std::vector<M31>& bias = md.tensors[mp.bias].data;
  std::vector<M31> scaled(y.cols);
  for (size_t i = 0; i < x.rows; ++i) {
    std::span<M31> out = std::span(y.data).subspan(i * y.cols, y.cols);
    if (i < yd.rows) std::copy(bias.begin(), bias.end(), out.begin());
    for (size_t k = 0; k < x.cols; ++k) {
      const M31 xv = x.data[i * x.cols + k];
      if (xv.is_zero()) continue;
      field::m31_scale(std::span<const M31>(weight.data).subspan(k * y.cols, y.cols), xv, scaled);
      field::m31_add(out, scaled, out);
    }
  }
}

template <typename R>
Status matmul(R& r, const LayerPlan& lp, const MatMulPlan& mp, std::span<const QM31> z, const Masked& v,
              const std::string& what) {
  const Dims& xd = r.plan.dims[lp.inputs[0]];
  const Dims& yd = r.plan.dims[lp.output];
  auto rows = z.first(yd.row_vars());
  auto cols = z.subspan(yd.row_vars());
  const auto inner_vars = static_cast<size_t>(std::countr_zero(xd.pcols));
  // Y~(r, c) = sum_s X~(r, s) W~(s, c) + rows~(r) eq(0, s) b~(c): the bias rides in the sumcheck as
  // a constant table B(s) = b~(c), so that X, W and B all run masked (X from the pool, W and B
  // from the model's mask block) and none of their values is stated in the clear.
  const QM31 row_weight = prefix_mle(rows, yd.rows);
  const SumcheckTerm terms[] = {{QM31::one(), {0, 1}}, {row_weight, {2, 3}}};
  const ModelMask wm = draw_model_mask(r), bm = draw_model_mask(r);
  FactorMasks given(4);
  given[1] = wm.value;
  given[3] = bm.value;
  std::vector<std::vector<QM31>> polys;
  if constexpr (R::kProver) {
    std::vector<QM31> e0(xd.pcols);
    e0[0] = QM31::one();
    const QM31 b = evaluate_mle(r.model.tensors[mp.bias].data, cols);
    polys = {fold_rows(r.w.values[lp.inputs[0]], rows), fold_cols(r.model.tensors[mp.weight], cols), std::move(e0),
             std::vector<QM31>(xd.pcols, b)};
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckRun sc,
                        run_sumcheck(r, std::move(polys), terms, v, inner_vars, 2, what, {true, true, false, true}, given));
  std::vector<QM31> evals(4);
  if constexpr (R::kProver) evals = sc.final_evals;
  for (size_t j : {0, 1, 3}) {
    ZKCC_ASSIGN_OR_RETURN(evals[j], send(r, evals[j]));
  }
  if constexpr (!R::kProver) {
    evals[2] = QM31::one();  // eq(0, s)
    for (const QM31& s : sc.point) evals[2] *= QM31::one() - s;
    if (sumcheck_final_claim(evals, terms) != sc.final_claim) {
      return invalid_argument(what + ": X~(r, s) W~(s, c) + rows~(r) eq(0, s) b~(c) does not close the sumcheck");
    }
  }
  // An input of one column sums over a single entry, padded (role.h): the claims are at `entry`.
  ZKCC_RETURN_IF_ERROR(open_model_masked(r, mp.weight, concat(sc.entry, cols), sc.model_stated(evals[1]), true, wm,
                                         sc.model_weight(), what + " weight"));
  ZKCC_RETURN_IF_ERROR(open_model_masked(r, mp.bias, cols, sc.model_stated(evals[3]), true, bm, sc.model_weight(),
                                         what + " bias"));
  return claim(r, lp.inputs[0], concat(rows, sc.entry), sc.factor(0, evals[0]), what + " input");
}

template Status matmul(Prover&, const LayerPlan&, const MatMulPlan&, std::span<const QM31>, const Masked&,
                       const std::string&);
template Status matmul(Verifier&, const LayerPlan&, const MatMulPlan&, std::span<const QM31>, const Masked&,
                       const std::string&);

}  // namespace zkcc::proof::gadgets
