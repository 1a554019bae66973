// Matrix products Y = X W + b: a claim on Y~(r, c) becomes, through Thaler's product sumcheck
// over the inner index, a claim on X~(r, s) and one on W~(s, c). The bias is added to the real
// rows only (so padding carries nothing of the model): it enters as rows~(r) b~(c), rows the mask
// of the real rows, with b~(c) stated by the prover and claimed on the model.
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
  ZKCC_ASSIGN_OR_RETURN(QM31 bias, state_model(r, mp.bias, cols, what + " bias"));
  const Masked product = v - Masked(prefix_mle(rows, yd.rows) * bias);
  std::vector<QM31> inner;
  QM31 a_eval;
  if constexpr (R::kProver) {
    ZKCC_ASSIGN_OR_RETURN(MatmulProverResult m,
                          matmul_prove(r.w.values[lp.inputs[0]], r.model.tensors[mp.weight], rows, cols, product, r.t,
                                       &r.masks));
    inner = std::move(m.inner_point);
    a_eval = m.proof.a_eval;
    ZKCC_RETURN_IF_ERROR(open_model(r, mp.weight, concat(inner, cols), m.proof.b_eval, what + " weight"));
    r.out.matmuls.push_back(std::move(m.proof));
  } else {
    ZKCC_ASSIGN_OR_RETURN(const MatmulProof* proof, r.next(r.in.matmuls, r.matmuls, "matrix products"));
    auto red = matmul_verify(xd.pcols, rows, cols, product, *proof, r.t, &r.masks);
    if (!red.ok()) return red.status().with_context(what);
    ZKCC_RETURN_IF_ERROR(open_model(r, mp.weight, red->b.point, red->b.value, what + " weight"));
    inner = {red->a.point.begin() + static_cast<std::ptrdiff_t>(rows.size()), red->a.point.end()};
    a_eval = red->a.value;
  }
  return claim(r, lp.inputs[0], concat(rows, inner), a_eval, what + " input");
}

template Status matmul(Prover&, const LayerPlan&, const MatMulPlan&, std::span<const QM31>, const Masked&,
                       const std::string&);
template Status matmul(Verifier&, const LayerPlan&, const MatMulPlan&, std::span<const QM31>, const Masked&,
                       const std::string&);

}  // namespace zkcc::proof::gadgets
