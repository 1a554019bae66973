// Range checks: a committed tensor's entries in [0, 2^bits). Up to 16 bits the tensor is looked
// up in [0, 2^bits) directly; wider tensors are split into a 16-bit low limb and a high limb,
// each looked up, and the limbs are tied to the tensor at a random point.
#include "gadgets.h"

namespace zkcc::proof::gadgets {

Status add_range(Plan& p, RangePlan& r, size_t tensor, unsigned bits) {
  if (bits == 0 || bits > kMaxRangeBits) return invalid_argument("range check of " + std::to_string(bits) + " bits");
  r.bits = bits;
  r.tensor = tensor;
  auto in_range = [&](size_t t, unsigned b) {
    const size_t m = p.add_slot(row_dims(size_t{1} << b));
    p.lookups.push_back({p.slots[t].size(), size_t{1} << b, {slot_col(t), {}}, {{ColumnRef::Kind::kIota, 0}, {}}, m});
    return m;
  };
  if (bits <= kLimbBits) {
    r.mult[0] = in_range(tensor, bits);
    return ok_status();
  }
  r.limb[0] = p.add_slot(p.slots[tensor]);
  r.limb[1] = p.add_slot(p.slots[tensor]);
  r.mult[0] = in_range(r.limb[0], kLimbBits);
  r.mult[1] = in_range(r.limb[1], bits - kLimbBits);
  return ok_status();
}

Status range_witness(const RangePlan& r, Witness& w) {
  auto count = [&](size_t tensor, unsigned bits, size_t mult) -> Status {
    ZKCC_ASSIGN_OR_RETURN(w.slots[mult], count_in_range(w.slots[tensor].data, 0, size_t{1} << bits, size_t{1} << bits,
                                                         "range check"));
    return ok_status();
  };
  if (r.bits <= kLimbBits) return count(r.tensor, r.bits, r.mult[0]);
  const Matrix& t = w.slots[r.tensor];
  Matrix l0{t.rows, t.cols, std::vector<M31>(t.data.size())}, l1 = l0;
  for (size_t i = 0; i < t.data.size(); ++i) {
    const uint32_t v = t.data[i].value();
    l0.data[i] = M31::from_u32(v & ((1u << kLimbBits) - 1));
    l1.data[i] = M31::from_u32(v >> kLimbBits);
  }
  w.slots[r.limb[0]] = std::move(l0);
  w.slots[r.limb[1]] = std::move(l1);
  ZKCC_RETURN_IF_ERROR(count(r.limb[0], kLimbBits, r.mult[0]));
  return count(r.limb[1], r.bits - kLimbBits, r.mult[1]);
}

template <typename R>
Status range_check(R& r, const RangePlan& rp, const std::string& what) {
  // The lookups themselves run in batched_lookup; wide values also need their limbs to add up.
  if (rp.bits <= kLimbBits) return ok_status();
  std::vector<QM31> z = r.t.draw_qm31s(r.plan.slots[rp.tensor].vars());
  ZKCC_ASSIGN_OR_RETURN(Masked l0, state(r, rp.limb[0], z, what + " low limb"));
  ZKCC_ASSIGN_OR_RETURN(Masked l1, state(r, rp.limb[1], z, what + " high limb"));
  return open(r, rp.tensor, z, l0 + l1 * M31::from_u32(1u << kLimbBits), what + " limbs");
}

Status plan_input_range(int64_t bound, Plan& p) {
  if (bound < 0 || bound > model::kM31HalfRange) return invalid_argument("the input's bound is outside [0, (p - 1) / 2]");
  InputRangePlan& ip = p.input_range;
  ip.bound = bound;
  const auto bits = static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(2 * bound)));
  ip.lo_slot = p.add_slot(p.dims[0]);
  ip.hi_slot = p.add_slot(p.dims[0]);
  ZKCC_RETURN_IF_ERROR(add_range(p, ip.lo, ip.lo_slot, bits));
  return add_range(p, ip.hi, ip.hi_slot, bits);
}

Status input_range_witness(const InputRangePlan& ip, const Matrix& x, Witness& w) {
  Matrix lo{x.rows, x.cols, std::vector<M31>(x.data.size())}, hi = lo;
  const M31 b = M31::from_i64(ip.bound);
  for (size_t i = 0; i < x.data.size(); ++i) {
    lo.data[i] = x.data[i] + b;
    hi.data[i] = b - x.data[i];
  }
  w.slots[ip.lo_slot] = std::move(lo);
  w.slots[ip.hi_slot] = std::move(hi);
  ZKCC_RETURN_IF_ERROR(range_witness(ip.lo, w).with_context("the input is outside its bound"));
  return range_witness(ip.hi, w).with_context("the input is outside its bound");
}

template <typename R>
Status input_range(R& r, const InputRangePlan& ip) {
  ZKCC_RETURN_IF_ERROR(range_check(r, ip.lo, "input + bound"));
  ZKCC_RETURN_IF_ERROR(range_check(r, ip.hi, "bound - input"));
  std::vector<QM31> z = r.t.draw_qm31s(r.plan.dims[0].vars());
  ZKCC_ASSIGN_OR_RETURN(Masked lo, state(r, ip.lo_slot, z, "input + bound"));
  ZKCC_ASSIGN_OR_RETURN(Masked hi, state(r, ip.hi_slot, z, "bound - input"));
  const QM31 b = QM31::from_m31(M31::from_i64(ip.bound));
  ZKCC_RETURN_IF_ERROR(r.masks.require(lo + hi, b + b, "the input's range: (x + bound) + (bound - x) = 2 bound"));
  return claim(r, 0, std::move(z), lo - Masked(b), "the input's range");
}

template Status input_range(Prover&, const InputRangePlan&);
template Status input_range(Verifier&, const InputRangePlan&);
template Status range_check(Prover&, const RangePlan&, const std::string&);
template Status range_check(Verifier&, const RangePlan&, const std::string&);

}  // namespace zkcc::proof::gadgets
