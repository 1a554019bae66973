// Function tables (ReLU, Sigmoid, Tanh, GELU, exp): (x, y) is a row of the public table x -> f(x).
// The lookup runs with every other in the proof's one LogUp (lookup.cc); x and y are committed.
#include "gadgets.h"

#include <algorithm>

namespace zkcc::proof::gadgets {

Status plan_table_lookup(const model::LookupLayer& op, size_t x_value, const Dims& y, size_t y_slot, size_t layer,
                         Plan& p, TableLookupPlan& tp) {
  if (op.table.empty() || !in_half_range(op.in_min) ||
      op.in_min > model::kM31HalfRange - static_cast<int64_t>(op.table.size() - 1)) {
    return invalid_argument("the table's domain is empty or leaves +-(p - 1) / 2");
  }
  if (!std::all_of(op.table.begin(), op.table.end(), in_half_range)) {
    return invalid_argument("a table entry leaves +-(p - 1) / 2");
  }
  ZKCC_ASSIGN_OR_RETURN(tp.table, make_table(op.in_min, op.table));
  tp.m_slot = p.add_slot(row_dims(tp.table.in.size()));
  p.lookups.push_back({y.size(), tp.table.in.size(), {value_col(x_value), slot_col(y_slot)},
                       {ColumnRef{ColumnRef::Kind::kTableIn, layer}, ColumnRef{ColumnRef::Kind::kTableOut, layer}},
                       tp.m_slot});
  return ok_status();
}

Status table_lookup_witness(const TableLookupPlan& tp, const Matrix& x, Matrix& y, Witness& w) {
  ZKCC_ASSIGN_OR_RETURN(w.slots[tp.m_slot],
                        count_in_range(x.data, tp.table.lo, tp.table.rows, tp.table.in.size(), "table lookup"));
  for (size_t i = 0; i < y.data.size(); ++i) {
    y.data[i] = tp.table.out[static_cast<size_t>(x.data[i].to_signed() - tp.table.lo)];
  }
  return ok_status();
}

}  // namespace zkcc::proof::gadgets
