// Linear maps over several activations: y = sum_j c_j x_j (Add, with the scale-aligning integer
// coefficients) and concatenation. When every operand has y's shape the claim y~(z) = v passes
// straight through: the prover states x_j~(z) masked for every operand but the last, whose value
// is then v less the others, over its coefficient (a masked value too); no sumcheck runs and
// nothing is stated in the clear. An operand broadcast onto y (numpy's rules) and a concatenation
// are public linear maps whose terms each read one operand: the sparse map's sumchecks
// (sparse_map.cc) reduce them.
#include "gadgets.h"

#include "zkcc/model/broadcast.h"

namespace zkcc::proof::gadgets {

Status plan_combine(const QuantizedGraph& g, size_t l, const Plan& p, GadgetPlan& out) {
  const model::Layer& layer = g.layers[l];
  const Dims& y = p.dims[l + 1];
  const model::Shape& ys = g.values[l + 1].shape;
  if (layer.inputs.empty()) return invalid_argument("takes at least one input");
  if (const auto* add = std::get_if<model::AddLayer>(&layer.op)) {
    if (add->coef.size() != layer.inputs.size()) return invalid_argument("needs one coefficient per input");
    std::vector<M31> coef;
    bool same = true;
    for (size_t j = 0; j < layer.inputs.size(); ++j) {
      if (add->coef[j] == 0 || !in_half_range(add->coef[j])) return invalid_argument("a coefficient is 0 or too large");
      coef.push_back(M31::from_i64(add->coef[j]));
      const size_t v = layer.inputs[j];
      same = same && p.dims[v] == y && model::element_count(g.values[v].shape) == model::element_count(ys);
    }
    if (same) {
      out = SumPlan{std::move(coef)};
      return ok_status();
    }
    Sparse map;
    for (size_t j = 0; j < layer.inputs.size(); ++j) {
      const size_t v = layer.inputs[j];
      ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> index, model::broadcast_index(g.values[v].shape, ys));
      SparseTerm t{j, {}, {}, {}};
      for (size_t i = 0; i < index.size(); ++i) t.add(y.at(i), p.dims[v].at(index[i]), coef[j]);
      map.terms.push_back(std::move(t));
    }
    out = SparsePlan{std::move(map)};
    return ok_status();
  }
  const auto* cat = std::get_if<model::ConcatLayer>(&layer.op);
  if (!cat) return internal_error("not an Add or a Concat");
  std::vector<model::Shape> parts;
  for (size_t v : layer.inputs) parts.push_back(g.values[v].shape);
  ZKCC_ASSIGN_OR_RETURN(model::Shape shape, model::concat_shape(parts, cat->axis));
  if (shape != ys) return invalid_argument("the parts make " + model::shape_string(shape) + ", not the output's shape");
  Sparse map;
  for (size_t j = 0; j < layer.inputs.size(); ++j) map.terms.push_back(SparseTerm{j, {}, {}, {}});
  const auto index = model::concat_index(parts, cat->axis);
  for (size_t i = 0; i < index.size(); ++i) {
    const auto [part, at] = index[i];
    map.terms[part].add(y.at(i), p.dims[layer.inputs[part]].at(at), M31::one());
  }
  out = SparsePlan{std::move(map)};
  return ok_status();
}

void sum_witness(const SumPlan& sp, std::span<const Matrix* const> in, Matrix& y) {
  for (size_t j = 0; j < in.size(); ++j) {
    for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += sp.coef[j] * in[j]->data[i];
  }
}

template <typename R>
Status linear_sum(R& r, const LayerPlan& lp, const SumPlan& sp, std::span<const QM31> z, const Masked& v,
                  const std::string& what) {
  const size_t n = lp.inputs.size();
  if (n == 0 || sp.coef.size() != n) return internal_error(what + ": no operands");
  Masked rest = v;
  for (size_t j = 0; j + 1 < n; ++j) {
    QM31 honest;
    if constexpr (R::kProver) honest = evaluate_mle(r.w.values[lp.inputs[j]].data, z);
    ZKCC_ASSIGN_OR_RETURN(Masked x, r.masks.mask_value(honest, r.t));
    rest = std::move(rest) - x * sp.coef[j];
    ZKCC_RETURN_IF_ERROR(claim(r, lp.inputs[j], {z.begin(), z.end()}, x, what + " input " + std::to_string(j)));
  }
  // The coefficients are non-zero below p (plan_combine), so the last operand's value is fixed.
  return claim(r, lp.inputs[n - 1], {z.begin(), z.end()}, std::move(rest) * sp.coef[n - 1].inverse(),
               what + " input " + std::to_string(n - 1));
}

template Status linear_sum(Prover&, const LayerPlan&, const SumPlan&, std::span<const QM31>, const Masked&,
                           const std::string&);
template Status linear_sum(Verifier&, const LayerPlan&, const SumPlan&, std::span<const QM31>, const Masked&,
                           const std::string&);

}  // namespace zkcc::proof::gadgets
