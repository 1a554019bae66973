// Row maxima y[r] = max_c x[r, c]: (r, y[r]) is one of the (r, x[r, c]) pairs of the row's real
// columns (a LogUp whose padding columns carry a row number no row has), and d = y - x >= 0 on the
// real columns (a range check; the identity d = y - x by a sparse map).
#include "gadgets.h"

namespace zkcc::proof::gadgets {

Status plan_row_max(size_t x_value, int64_t x_bound, const Dims& x, const Dims& y, size_t y_slot, Plan& p,
                    RowMaxPlan& mp) {
  if (y.cols != 1 || y.rows != x.rows) return invalid_argument("shape mismatch");
  mp.m_slot = p.add_slot(row_dims(x.size()));
  p.lookups.push_back({y.prows, x.size(), {{ColumnRef::Kind::kIota, 0}, slot_col(y_slot)},
                       {{ColumnRef::Kind::kRowTag, x_value}, value_col(x_value)}, mp.m_slot});
  mp.d_slot = p.add_slot(x);
  ZKCC_RETURN_IF_ERROR(
      add_range(p, mp.range, mp.d_slot, static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(2 * x_bound)))));
  // d[r, c] = y[r] - x[r, c] on the real columns, over every padded row.
  SparseTerm ty{0, {}, {}, {}}, tx{1, {}, {}, {}};
  for (size_t r = 0; r < x.prows; ++r) {
    for (size_t c = 0; c < x.cols; ++c) {
      ty.add(r * x.pcols + c, r, M31::one());
      tx.add(r * x.pcols + c, r * x.pcols + c, -M31::one());
    }
  }
  mp.map.terms.push_back(std::move(ty));
  mp.map.terms.push_back(std::move(tx));
  return ok_status();
}

Status row_max_witness(const RowMaxPlan& mp, const Dims& xd, const Matrix& x, Matrix& y, Witness& w) {
  Matrix m{1, x.data.size(), std::vector<M31>(x.data.size())};
  for (size_t r = 0; r < x.rows; ++r) {
    size_t best = r * x.cols;
    for (size_t c = 1; c < xd.cols; ++c) {
      if (x.data[r * x.cols + c].to_signed() > x.data[best].to_signed()) best = r * x.cols + c;
    }
    y.data[r] = x.data[best];
    m.data[best] = M31::one();
  }
  w.slots[mp.m_slot] = std::move(m);
  Matrix d = zeros(xd);
  const Matrix* both[] = {&y, &x};
  apply_sparse(mp.map, both, d);
  w.slots[mp.d_slot] = std::move(d);
  return range_witness(mp.range, w);
}

template <typename R>
Status row_max(R& r, const LayerPlan& lp, const RowMaxPlan& mp, const std::string& what) {
  ZKCC_RETURN_IF_ERROR(range_check(r, mp.range, what + " differences"));
  std::vector<QM31> z = r.t.draw_qm31s(r.plan.dims[lp.inputs[0]].vars());
  ZKCC_ASSIGN_OR_RETURN(Masked v, state(r, mp.d_slot, z, what + " differences"));
  const size_t ins[] = {lp.output, lp.inputs[0]};
  return sparse(r, mp.map, ins, z, v, what + " differences");
}

template Status row_max(Prover&, const LayerPlan&, const RowMaxPlan&, const std::string&);
template Status row_max(Verifier&, const LayerPlan&, const RowMaxPlan&, const std::string&);

}  // namespace zkcc::proof::gadgets
