// Linear maps with public coefficients. y = x + c (c one of the model's tensors, its value stated
// by the prover and claimed on the model) continues the claim on y as one on x; any other
// map out[i] = c[i] + sum coef * x[in] reduces a claim y~(z) = v, for each input, through one
// degree-2 sumcheck of sum_x G_z(x) X(x) with G_z(x) = sum over the map's entries eq(z, out) coef,
// an extension the verifier computes from the map.
#include "gadgets.h"

#include "zkcc/base/overloaded.h"

namespace zkcc::proof::gadgets {

Status plan_sparse(const model::Layer& layer, std::span<const Dims* const> in, const Dims& y, Plan& p, ModelData& md,
                   GadgetPlan& out) {
  auto need_inputs = [&](size_t n) -> Status {
    if (in.size() != n) return invalid_argument("takes " + std::to_string(n) + " inputs");
    return ok_status();
  };
  auto sparse_of = [&](std::vector<SparseTerm> terms, std::vector<M31> constant = {}) {
    out = SparsePlan{Sparse{std::move(terms), std::move(constant)}};
    return ok_status();
  };
  return std::visit(
      Overloaded{
          [&](const model::AddConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(*in[0] == y) || model::element_count(op.constant.shape) != y.rows * y.cols) {
              return invalid_argument("shape mismatch");
            }
            out = PassPlan{p.add_model_slot(y, md.present ? model::signed_width(op.constant.data) : op.constant_bits)};
            if (!md.present) {
              return op.constant.data.empty() ? ok_status() : invalid_argument("an architecture carries a constant");
            }
            if (op.constant.data.size() != y.rows * y.cols) return invalid_argument("the constant's data does not match");
            md.tensors.push_back(pad_matrix(op.constant, y));
            return ok_status();
          },
          [&](const model::MulConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(*in[0] == y) || op.constant.data.size() != y.rows * y.cols) return invalid_argument("shape mismatch");
            SparseTerm t;
            for (size_t i = 0; i < op.constant.data.size(); ++i) t.add(y.at(i), y.at(i), M31::from_i64(op.constant.data[i]));
            return sparse_of({std::move(t)});
          },
          [&](const model::ReshapeLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = *in[0];
            if (x.rows * x.cols != y.rows * y.cols) return invalid_argument("reshape changes the element count");
            if (x == y) {
              out = PassPlan{};
              return ok_status();
            }
            SparseTerm t;
            for (size_t i = 0; i < y.rows * y.cols; ++i) t.add(y.at(i), x.at(i), M31::one());
            return sparse_of({std::move(t)});
          },
          [&](const model::GatherLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = *in[0];
            if (op.index.size() != y.rows * y.cols) return invalid_argument("index does not match the output");
            SparseTerm t;
            std::vector<M31> constant;
            const M31 fill = M31::from_i64(op.fill);
            if (!fill.is_zero()) constant.assign(y.size(), fill);
            for (size_t i = 0; i < op.index.size(); ++i) {
              if (op.index[i] >= static_cast<int64_t>(x.rows * x.cols)) return invalid_argument("index past the input");
              if (op.index[i] < 0) continue;
              t.add(y.at(i), x.at(static_cast<size_t>(op.index[i])), M31::one());
              if (!fill.is_zero()) constant[y.at(i)] = M31::zero();
            }
            return sparse_of({std::move(t)}, std::move(constant));
          },
          [&](const model::RowSumLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = *in[0];
            if (y.cols != 1 || y.rows != x.rows) return invalid_argument("shape mismatch");
            SparseTerm t;
            for (size_t i = 0; i < x.rows * x.cols; ++i) t.add(i / x.cols, x.at(i), M31::one());
            return sparse_of({std::move(t)});
          },
          [&](const model::RowSubLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            const Dims &m = *in[0], &x = *in[1];
            if (!(x == y) || m.cols != 1 || m.rows != x.rows) return invalid_argument("shape mismatch");
            SparseTerm tm{0, {}, {}, {}}, tx{1, {}, {}, {}};
            for (size_t i = 0; i < x.rows * x.cols; ++i) {
              tm.add(y.at(i), i / x.cols, M31::one());
              tx.add(y.at(i), x.at(i), -M31::one());
            }
            return sparse_of({std::move(tm), std::move(tx)});
          },
          [&](const auto&) -> Status { return internal_error("not a linear map"); },
      },
      layer.op);
}

template <typename R>
Status sparse(R& r, const Sparse& map, std::span<const size_t> inputs, std::span<const QM31> z, const Masked& v,
              const std::string& what) {
  std::vector<QM31> eqz = eq_table(z);
  std::vector<std::vector<QM31>> g(map.terms.size());
  std::vector<Masked> sigma(map.terms.size());
  for (size_t j = 0; j < map.terms.size(); ++j) {
    const SparseTerm& term = map.terms[j];
    QM31 honest;
    if constexpr (R::kProver) {
      const Matrix& x = r.w.values[inputs[term.input]];
      g[j].assign(x.data.size(), QM31::zero());
      for (size_t k = 0; k < term.out.size(); ++k) g[j][term.in[k]] += eqz[term.out[k]] * term.coef[k];
      honest = dot(g[j], x.data);
    }
    ZKCC_ASSIGN_OR_RETURN(sigma[j], r.masks.mask_value(honest, r.t));
  }
  Masked rest = v;  // the claim less the parts: zero
  for (const Masked& s : sigma) rest = std::move(rest) - s;
  ZKCC_RETURN_IF_ERROR(r.masks.require(rest, map.constant.empty() ? QM31::zero() : dot(eqz, map.constant),
                                       what + ": the parts adding up to the claim"));
  const SumcheckTerm product[] = {{QM31::one(), {0, 1}}};
  for (size_t j = 0; j < map.terms.size(); ++j) {
    const SparseTerm& term = map.terms[j];
    const size_t value = inputs[term.input];
    std::vector<std::vector<QM31>> polys;
    if constexpr (R::kProver) polys = {std::move(g[j]), lift(r.w.values[value].data)};
    ZKCC_ASSIGN_OR_RETURN(SumcheckRun sc, run_sumcheck(r, std::move(polys), product, sigma[j], r.plan.dims[value].vars(),
                                                       2, what, {false, true}));
    ZKCC_ASSIGN_OR_RETURN(QM31 x_eval, send(r, R::kProver ? sc.final_evals[1] : QM31::zero()));
    if constexpr (!R::kProver) {
      std::vector<QM31> eqs = eq_table(sc.point);
      QM31 g_at = QM31::zero();
      for (size_t k = 0; k < term.out.size(); ++k) g_at += eqz[term.out[k]] * eqs[term.in[k]] * term.coef[k];
      if (g_at * x_eval != sc.final_claim) return invalid_argument(what + ": the sumcheck does not close");
    }
    const Masked x_at = sc.factor(1, x_eval);
    ZKCC_RETURN_IF_ERROR(claim(r, value, std::move(sc.entry), x_at, what + " input " + std::to_string(term.input)));
  }
  return ok_status();
}

template <typename R>
Status pass(R& r, const LayerPlan& lp, const PassPlan& pp, std::vector<QM31> z, const Masked& v, const std::string& what) {
  if (!pp.constant) return claim(r, lp.inputs[0], std::move(z), v, what + " input");
  // Y~(z) = sum_x eq(z, x) (X(x) + C(x)): a sumcheck, so that X and the model's C run masked and
  // C's value at z is never stated in the clear.
  const size_t vars = z.size();
  const SumcheckTerm terms[] = {{QM31::one(), {0, 1}}, {QM31::one(), {0, 2}}};
  const ModelMask cm = draw_model_mask(r);
  FactorMasks given(3);
  given[2] = cm.value;
  std::vector<std::vector<QM31>> polys;
  if constexpr (R::kProver) {
    polys = {eq_table(z), lift(r.w.values[lp.inputs[0]].data), lift(r.model.tensors[*pp.constant].data)};
  }
  ZKCC_ASSIGN_OR_RETURN(SumcheckRun sc, run_sumcheck(r, std::move(polys), terms, v, vars, 2, what, {false, true, true}, given));
  ZKCC_ASSIGN_OR_RETURN(std::vector<QM31> evals,
                        close_eq_sumcheck(r, sc, z, terms, 3, what + ": X + C does not close the sumcheck"));
  ZKCC_RETURN_IF_ERROR(open_model_masked(r, *pp.constant, sc.entry, sc.model_stated(evals[2]), true, cm,
                                         sc.model_weight(), what + " constant"));
  return claim(r, lp.inputs[0], sc.entry, sc.factor(1, evals[1]), what + " input");
}

template Status sparse(Prover&, const Sparse&, std::span<const size_t>, std::span<const QM31>, const Masked&,
                       const std::string&);
template Status sparse(Verifier&, const Sparse&, std::span<const size_t>, std::span<const QM31>, const Masked&,
                       const std::string&);
template Status pass(Prover&, const LayerPlan&, const PassPlan&, std::vector<QM31>, const Masked&, const std::string&);
template Status pass(Verifier&, const LayerPlan&, const PassPlan&, std::vector<QM31>, const Masked&, const std::string&);

}  // namespace zkcc::proof::gadgets
