// Row division y = floor((e k + h) / s) with s = 2h + parity, on the real entries (mask m):
//   e k + h - y s - rem = 0   and   s - 1 - rem - d = 0,   with rem, d, h in range, parity a bit,
// checked as one masked zero-sum sumcheck with a random gamma; s = 2h + parity at a random row.
// s - 1 is committed and range-checked on the real rows, so no divisor is zero (without it,
// 2h + parity = p would pass as a zero divisor).
#include "gadgets.h"

namespace zkcc::proof::gadgets {

Status plan_row_div(const QuantizedGraph& g, size_t l, const model::RowDivLayer& op, Plan& p, RowDivPlan& dp) {
  const model::Layer& layer = g.layers[l];
  if (layer.inputs.size() != 2) return invalid_argument("takes 2 inputs");
  const Dims &e = p.dims[layer.inputs[0]], &sum = p.dims[layer.inputs[1]], &y = p.dims[l + 1];
  if (!(e == y) || sum.cols != 1 || sum.rows != e.rows) return invalid_argument("shape mismatch");
  if (op.numerator_scale <= 0) return invalid_argument("numerator scale is not positive");
  dp.numerator_scale = op.numerator_scale;
  // Every divisor, remainder and half divisor is below the divisor's bound.
  const int64_t e_bound = g.values[layer.inputs[0]].bound, s_bound = g.values[layer.inputs[1]].bound;
  const auto bits = static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(s_bound)));
  // The quotient's range, exactly [0, bound]: y s must not wrap around p.
  const int64_t y_bound = g.values[l + 1].bound;
  // The M31 identity e k + h = y s + rem is the integer one only while both sides stay below
  // (p - 1) / 2 (e, y >= 0; h, rem < s).
  const int64_t half = model::kM31HalfRange;  // every bound is already within it
  if (s_bound <= 0 || e_bound > (half - s_bound / 2) / op.numerator_scale || y_bound + 1 > half / s_bound) {
    return invalid_argument("division of values up to " + std::to_string(e_bound) + " x " +
                            std::to_string(op.numerator_scale) + " by up to " + std::to_string(s_bound) +
                            " could wrap around the field");
  }
  if (y_bound >= int64_t{1} << kMaxTableVars) {
    return invalid_argument("quotients up to " + std::to_string(y_bound) + " need a table above 2^" +
                            std::to_string(kMaxTableVars) + " rows");
  }
  std::vector<int64_t> values(static_cast<size_t>(y_bound + 1));
  for (size_t j = 0; j < values.size(); ++j) values[j] = static_cast<int64_t>(j);
  ZKCC_ASSIGN_OR_RETURN(dp.table, make_table(0, values));
  dp.m_slot = p.add_slot(row_dims(dp.table.in.size()));
  p.lookups.push_back({y.size(), dp.table.in.size(), {slot_col(*p.slot_of[l + 1]), {}},
                       {ColumnRef{ColumnRef::Kind::kTableIn, l}, {}}, dp.m_slot});
  dp.h_slot = p.add_slot(sum);
  dp.parity_slot = p.add_slot(sum);
  dp.rem_slot = p.add_slot(y);
  dp.d_slot = p.add_slot(y);
  dp.s1_slot = p.add_slot(sum);
  ZKCC_RETURN_IF_ERROR(add_range(p, dp.parity_range, dp.parity_slot, 1));
  ZKCC_RETURN_IF_ERROR(add_range(p, dp.h_range, dp.h_slot, bits));
  ZKCC_RETURN_IF_ERROR(add_range(p, dp.range, dp.rem_slot, bits));
  ZKCC_RETURN_IF_ERROR(add_range(p, dp.d_range, dp.d_slot, bits));
  return add_range(p, dp.s1_range, dp.s1_slot, bits);
}

Status row_div_witness(const RowDivPlan& dp, const Dims& ed, const Matrix& e, const Matrix& sum, Matrix& y,
                       Witness& w) {
  // Everything is zero on padding; padded rows of the divisor are zero and keep s - 1 at zero.
  Matrix h{sum.rows, sum.cols, std::vector<M31>(sum.data.size())}, parity = h, s1 = h;
  Matrix rem{y.rows, y.cols, std::vector<M31>(y.data.size())}, d = rem;
  for (size_t r = 0; r < sum.data.size(); ++r) {
    const int64_t sv = sum.data[r].to_signed();
    const bool real = r < ed.rows;
    if (sv < 0 || (real && sv == 0)) return out_of_range("divisor " + std::to_string(sv) + " in row " + std::to_string(r));
    h.data[r] = M31::from_i64(sv / 2);
    parity.data[r] = M31::from_i64(sv % 2);
    s1.data[r] = M31::from_i64(real ? sv - 1 : sv);
  }
  for (size_t r = 0; r < ed.rows; ++r) {
    const int64_t sv = sum.data[r].to_signed();
    for (size_t c = 0; c < ed.cols; ++c) {
      const size_t i = r * ed.pcols + c;
      const int64_t t = e.data[i].to_signed() * dp.numerator_scale + sv / 2;
      const int64_t q = floor_div(t, sv);
      y.data[i] = M31::from_i64(q);
      rem.data[i] = M31::from_i64(t - q * sv);
      d.data[i] = M31::from_i64(sv - 1 - (t - q * sv));
    }
  }
  ZKCC_ASSIGN_OR_RETURN(w.slots[dp.m_slot], count_in_range(y.data, 0, dp.table.rows, dp.table.in.size(), "quotient"));
  w.slots[dp.h_slot] = std::move(h);
  w.slots[dp.parity_slot] = std::move(parity);
  w.slots[dp.rem_slot] = std::move(rem);
  w.slots[dp.d_slot] = std::move(d);
  w.slots[dp.s1_slot] = std::move(s1);
  for (const RangePlan* rp : {&dp.parity_range, &dp.h_range, &dp.range, &dp.d_range, &dp.s1_range}) {
    ZKCC_RETURN_IF_ERROR(range_witness(*rp, w));
  }
  return ok_status();
}

template <typename R>
Status row_div(R& r, const LayerPlan& lp, const RowDivPlan& dp, const std::string& what) {
  const Dims& ed = r.plan.dims[lp.inputs[0]];
  const Dims& sd = r.plan.dims[lp.inputs[1]];
  const size_t y = *r.plan.slot_of[lp.output];
  for (const auto& [rp, name] : {std::pair{&dp.parity_range, " parity"}, {&dp.h_range, " half divisor"},
                                 {&dp.range, " remainder"}, {&dp.d_range, " remainder bound"},
                                 {&dp.s1_range, " divisor less one"}}) {
    ZKCC_RETURN_IF_ERROR(range_check(r, *rp, what + name));
  }
  std::vector<QM31> zr = r.t.draw_qm31s(sd.vars());
  ZKCC_ASSIGN_OR_RETURN(Masked h_at, state(r, dp.h_slot, zr, what + " half divisor"));
  ZKCC_ASSIGN_OR_RETURN(Masked parity_at, state(r, dp.parity_slot, zr, what + " parity"));
  ZKCC_ASSIGN_OR_RETURN(Masked s1_at, state(r, dp.s1_slot, zr, what + " divisor less one"));
  const Masked s_at = h_at + h_at + parity_at;
  ZKCC_RETURN_IF_ERROR(r.masks.require(s_at - s1_at, prefix_mle(zr, ed.rows), what + ": s - 1 being the divisor less one"));
  ZKCC_RETURN_IF_ERROR(claim(r, lp.inputs[1], zr, s_at, what + ": s = 2h + parity"));

  std::vector<QM31> z = r.t.draw_qm31s(ed.vars());
  const QM31 gamma = r.t.draw_qm31();
  const QM31 k = QM31::from_m31(M31::from_i64(dp.numerator_scale));
  // Polynomials: 0 eq(z, .) * mask, 1 e, 2 h broadcast, 3 y, 4 s broadcast, 5 rem, 6 d.
  const SumcheckTerm terms[] = {{k, {0, 1}},           {QM31::one(), {0, 2}},        {-QM31::one(), {0, 3, 4}},
                                {-(QM31::one() + gamma), {0, 5}}, {gamma, {0, 4}}, {-gamma, {0}},
                                {-gamma, {0, 6}}};
  std::vector<std::vector<QM31>> polys;
  if constexpr (R::kProver) {
    std::vector<QM31> eqm = eq_table(z);
    auto broadcast = [&](const Matrix& rows) {
      std::vector<QM31> t(ed.size());
      for (size_t i = 0; i < t.size(); ++i) t[i] = QM31::from_m31(rows.data[i / ed.pcols]);
      return t;
    };
    for (size_t i = 0; i < eqm.size(); ++i) {
      if (i / ed.pcols >= ed.rows || i % ed.pcols >= ed.cols) eqm[i] = QM31::zero();
    }
    polys = {std::move(eqm), lift(r.w.values[lp.inputs[0]].data), broadcast(*r.slots[dp.h_slot]),
             lift(r.slots[y]->data), broadcast(r.w.values[lp.inputs[1]]), lift(r.slots[dp.rem_slot]->data),
             lift(r.slots[dp.d_slot]->data)};
  }
  // Every polynomial but the public eq(z, .) * mask runs masked.
  ZKCC_ASSIGN_OR_RETURN(SumcheckRun sc, run_sumcheck(r, std::move(polys), terms, QM31::zero(), ed.vars(), 3, what,
                                                     {false, true, true, true, true, true, true}));
  std::vector<QM31> evals(7);
  if constexpr (R::kProver) {
    evals = std::move(sc.final_evals);
  } else {
    auto pt = std::span<const QM31>(sc.entry);
    auto zs = std::span<const QM31>(z);
    evals[0] = masked_eq(zs.first(ed.row_vars()), pt.first(ed.row_vars()), ed.rows) *
               masked_eq(zs.subspan(ed.row_vars()), pt.subspan(ed.row_vars()), ed.cols) * sc.pad;
  }
  for (size_t j = 1; j < evals.size(); ++j) {
    ZKCC_ASSIGN_OR_RETURN(evals[j], send(r, evals[j]));
  }
  if constexpr (!R::kProver) {
    if (sumcheck_final_claim(evals, terms) != sc.final_claim) {
      return invalid_argument(what + ": the division does not hold (sumcheck does not close)");
    }
  }
  auto pt = std::span<const QM31>(sc.entry);
  std::vector<QM31> rows(pt.begin(), pt.begin() + static_cast<std::ptrdiff_t>(ed.row_vars()));
  ZKCC_RETURN_IF_ERROR(claim(r, lp.inputs[0], sc.entry, sc.factor(1, evals[1]), what + " numerators"));
  ZKCC_RETURN_IF_ERROR(open(r, dp.h_slot, rows, sc.factor(2, evals[2]), what + " half divisor"));
  ZKCC_RETURN_IF_ERROR(open(r, y, pt, sc.factor(3, evals[3]), what + " output"));
  ZKCC_RETURN_IF_ERROR(claim(r, lp.inputs[1], rows, sc.factor(4, evals[4]), what + " divisor"));
  ZKCC_RETURN_IF_ERROR(open(r, dp.rem_slot, pt, sc.factor(5, evals[5]), what + " remainder"));
  return open(r, dp.d_slot, pt, sc.factor(6, evals[6]), what + " remainder bound");
}

template Status row_div(Prover&, const LayerPlan&, const RowDivPlan&, const std::string&);
template Status row_div(Verifier&, const LayerPlan&, const RowDivPlan&, const std::string&);

}  // namespace zkcc::proof::gadgets
