// Requantization y = clamp(floor((x + h) / 2^s), lo, hi): the prover commits q and r with
// x + h = 2^s q + r; r is range-checked in [0, 2^s), (q, y) is looked up in the public table
// q -> clamp(q), and the identity at a random point leaves the claim on x.
#include "gadgets.h"

#include <algorithm>

namespace zkcc::proof::gadgets {

Status plan_requant(const model::RequantLayer& op, int64_t in_bound, const Dims& y, size_t y_slot, size_t layer,
                    Plan& p, RequantPlan& rp) {
  if (op.shift > kMaxRangeBits || op.lo > op.hi || !in_half_range(op.lo) || !in_half_range(op.hi)) {
    return invalid_argument("bad shift or clamp");
  }
  rp.shift = op.shift;
  rp.half = op.shift ? int64_t{1} << (op.shift - 1) : 0;
  rp.lo = op.lo;
  rp.hi = op.hi;
  const int64_t qlo = floor_div(-in_bound + rp.half, int64_t{1} << op.shift);
  const int64_t qhi = floor_div(in_bound + rp.half, int64_t{1} << op.shift);
  if (qhi - qlo >= int64_t{1} << kMaxTableVars) {
    return invalid_argument("requantization by 2^" + std::to_string(op.shift) + " of values up to " +
                            std::to_string(in_bound) + " needs a table of " + std::to_string(qhi - qlo + 1) +
                            " rows, above 2^" + std::to_string(kMaxTableVars));
  }
  // x + h = 2^s q + r must determine q and r: the (qhi - qlo + 1) 2^s integers 2^s q + r must be
  // distinct modulo p, or a prover could take another residue of x.
  if (((qhi - qlo + 1) << op.shift) > static_cast<int64_t>(M31::kModulus)) {
    return invalid_argument("requantization by 2^" + std::to_string(op.shift) + " of values up to " +
                            std::to_string(in_bound) + " is ambiguous modulo p");
  }
  std::vector<int64_t> out(static_cast<size_t>(qhi - qlo + 1));
  for (size_t j = 0; j < out.size(); ++j) out[j] = std::clamp(qlo + static_cast<int64_t>(j), op.lo, op.hi);
  ZKCC_ASSIGN_OR_RETURN(rp.table, make_table(qlo, out));
  rp.q_slot = p.add_slot(y);
  rp.m_slot = p.add_slot(row_dims(rp.table.in.size()));
  p.lookups.push_back({y.size(), rp.table.in.size(), {slot_col(rp.q_slot), slot_col(y_slot)},
                       {ColumnRef{ColumnRef::Kind::kTableIn, layer}, ColumnRef{ColumnRef::Kind::kTableOut, layer}},
                       rp.m_slot});
  if (op.shift > 0) {
    rp.r_slot = p.add_slot(y);
    ZKCC_RETURN_IF_ERROR(add_range(p, rp.range, rp.r_slot, op.shift));
  }
  return ok_status();
}

Status requant_witness(const RequantPlan& rp, const Matrix& x, Matrix& y, Witness& w) {
  Matrix q{y.rows, y.cols, std::vector<M31>(y.data.size())}, rem = q;
  for (size_t i = 0; i < y.data.size(); ++i) {
    const int64_t t = x.data[i].to_signed() + rp.half;
    const int64_t qi = t >> rp.shift;  // floors (C++20)
    q.data[i] = M31::from_i64(qi);
    rem.data[i] = M31::from_i64(t - (qi << rp.shift));
    y.data[i] = M31::from_i64(std::clamp(qi, rp.lo, rp.hi));
  }
  ZKCC_ASSIGN_OR_RETURN(w.slots[rp.m_slot],
                        count_in_range(q.data, rp.table.lo, rp.table.rows, rp.table.in.size(), "requantization"));
  w.slots[rp.q_slot] = std::move(q);
  if (rp.shift > 0) {
    w.slots[rp.r_slot] = std::move(rem);
    ZKCC_RETURN_IF_ERROR(range_witness(rp.range, w));
  }
  return ok_status();
}

template <typename R>
Status requant(R& r, const LayerPlan& lp, const RequantPlan& rp, const std::string& what) {
  if (rp.shift > 0) ZKCC_RETURN_IF_ERROR(range_check(r, rp.range, what + " remainder"));
  std::vector<QM31> z = r.t.draw_qm31s(r.plan.dims[lp.output].vars());
  ZKCC_ASSIGN_OR_RETURN(Masked q, state(r, rp.q_slot, z, what + " quotient"));
  Masked rem;
  if (rp.shift > 0) {
    ZKCC_ASSIGN_OR_RETURN(rem, state(r, rp.r_slot, z, what + " remainder"));
  }
  Masked x = q * M31::from_u64(uint64_t{1} << rp.shift) + rem - Masked(QM31::from_m31(M31::from_i64(rp.half)));
  return claim(r, lp.inputs[0], std::move(z), x, what + " input");
}

template Status requant(Prover&, const LayerPlan&, const RequantPlan&, const std::string&);
template Status requant(Verifier&, const LayerPlan&, const RequantPlan&, const std::string&);

}  // namespace zkcc::proof::gadgets
