// Lowering of the operations over several activations and of LogSoftmax (the scheme is in
// quantize.h). Operands of different scales meet in one: every operand's integers times a
// public integer coefficient, in a scale that makes each coefficient exact when the scales are
// powers of two apart, and otherwise fine enough that the coefficients' rounding stays far below
// the result's own resolution.
#include <algorithm>
#include <cmath>

#include "quantizer.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model::internal {
namespace {

// The largest aligned value the coefficients may make (the consumer then requantizes it).
constexpr int64_t kAlignedBoundMax = int64_t{1} << 24;

// k with ratio = 2^k (k >= 0) within float rounding, or -1.
int power_of_two(double ratio) {
  const int k = static_cast<int>(std::lround(std::log2(ratio)));
  if (k < 0 || k > 24) return -1;
  return std::abs(ratio - std::ldexp(1.0, k)) <= 1e-12 * ratio ? k : -1;
}

}  // namespace

Quantizer::Aligned Quantizer::align(const std::vector<size_t>& xs) const {
  double smin = val(xs[0]).scale, smax = smin;
  for (size_t x : xs) {
    smin = std::min(smin, val(x).scale);
    smax = std::max(smax, val(x).scale);
  }
  auto bound = [&](const std::vector<int64_t>& c) {
    int64_t b = 0;
    for (size_t j = 0; j < xs.size(); ++j) b += c[j] * val(xs[j]).bound;
    return b;
  };
  Aligned a;
  bool exact = true;
  for (size_t x : xs) exact = exact && power_of_two(val(x).scale / smin) >= 0;
  if (exact) {
    a.scale = smin;
    for (size_t x : xs) a.coef.push_back(int64_t{1} << power_of_two(val(x).scale / smin));
    if (bound(a.coef) <= kAlignedBoundMax) return a;
    a.coef.clear();  // scales too far apart for exact coefficients: the general case
  }
  // scale = smax / 2^f: f from activation_bits + 1 (the coarsest operand's rounding below a
  // 2^(bits + 1)-th of its step) up while the finest operand's coefficient is coarse and the
  // bound allows.
  auto coefs = [&](int f) {
    std::vector<int64_t> c;
    for (size_t x : xs) c.push_back(std::max<int64_t>(1, std::llround(std::ldexp(val(x).scale / smax, f))));
    return c;
  };
  int f = static_cast<int>(cfg_.activation_bits) + 1;
  while (f < 40 && std::ldexp(smin / smax, f) < 256 && bound(coefs(f + 1)) <= kAlignedBoundMax) ++f;
  a.scale = std::ldexp(smax, -f);
  a.coef = coefs(f);
  return a;
}

// y = sum_j signs[j] x_j (each x_j narrowed into [-qmax, qmax] first, broadcast onto out's shape).
StatusOr<size_t> Quantizer::combine(const std::vector<size_t>& xs, const std::vector<int64_t>& signs, QuantizedValue out) {
  const Aligned a = align(xs);
  AddLayer layer;
  out.scale = a.scale;
  out.bound = 0;
  out.error = 0;
  for (size_t j = 0; j < xs.size(); ++j) {
    const QuantizedValue& x = val(xs[j]);
    layer.coef.push_back(signs[j] * a.coef[j]);
    out.bound += a.coef[j] * x.bound;
    out.error += x.error + std::abs(static_cast<double>(a.coef[j]) * a.scale - x.scale) * static_cast<double>(x.bound);
  }
  return add(std::move(layer), xs, std::move(out));
}

// x spread onto `to` (numpy broadcasting): a gather, or nothing when the elements already match.
StatusOr<size_t> Quantizer::expand(size_t x, const Shape& to) {
  if (element_count(val(x).shape) == element_count(to)) {
    if (val(x).shape == to) return x;
    return add(ReshapeLayer{}, {x}, derived(x, "reshaped", to));
  }
  ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> index, broadcast_index(val(x).shape, to));
  GatherLayer spread{std::vector<int64_t>(index.begin(), index.end()), 0};
  return add(std::move(spread), {x}, derived(x, "broadcast", to));
}

StatusOr<size_t> Quantizer::lower_binary(const BinaryOp& op) {
  const size_t in_a = node_->input, in_b = op.other;
  const Shape& ys = g_.values[node_->output].shape;
  ZKCC_ASSIGN_OR_RETURN(size_t a, narrow(map_[in_a], cal_.max_abs[in_a]));
  ZKCC_ASSIGN_OR_RETURN(size_t b, narrow(map_[in_b], cal_.max_abs[in_b]));
  QuantizedValue out = val(a);
  out.name = g_.values[node_->output].name;
  out.shape = ys;
  switch (op.kind) {
    case BinaryOp::Kind::kAdd:
      return combine({a, b}, {1, 1}, std::move(out));
    case BinaryOp::Kind::kSub:
      return combine({a, b}, {1, -1}, std::move(out));
    case BinaryOp::Kind::kMul: {
      ZKCC_ASSIGN_OR_RETURN(size_t ea, expand(a, ys));
      ZKCC_ASSIGN_OR_RETURN(size_t eb, expand(b, ys));
      const QuantizedValue &va = val(ea), &vb = val(eb);
      ZKCC_RETURN_IF_ERROR(check(va.bound * vb.bound, "the product"));
      out.scale = va.scale * vb.scale;
      out.bound = va.bound * vb.bound;
      out.error = (cal_.max_abs[in_a] + va.error) * vb.error + cal_.max_abs[in_b] * va.error;
      return add(MulLayer{}, {ea, eb}, std::move(out));
    }
    case BinaryOp::Kind::kMax:
    case BinaryOp::Kind::kMin: {
      // max(a, b) = a + relu(b - a), min(a, b) = a - relu(a - b).
      const bool max = op.kind == BinaryOp::Kind::kMax;
      ZKCC_ASSIGN_OR_RETURN(size_t d, combine({a, b}, {max ? -1 : 1, max ? 1 : -1}, derived(a, "difference", ys)));
      ZKCC_ASSIGN_OR_RETURN(size_t dn, narrow(d, cal_.max_abs[in_a] + cal_.max_abs[in_b]));
      QuantizedValue r_v = derived(dn, "relu", ys);
      ZKCC_ASSIGN_OR_RETURN(size_t r, table(dn, "relu", -qmax_, qmax_,
                                            [](int64_t v) { return static_cast<double>(std::max<int64_t>(v, 0)); }, r_v));
      return combine({a, r}, {1, max ? 1 : -1}, std::move(out));
    }
  }
  return internal_error("unknown binary operation");
}

// The parts in one scale (each scaled by its coefficient when they differ), then concatenated.
StatusOr<size_t> Quantizer::lower_concat(const ConcatOp& op) {
  std::vector<size_t> parts;
  for (size_t p : op.parts) {
    ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[p], cal_.max_abs[p]));
    parts.push_back(x);
  }
  const Aligned a = align(parts);
  QuantizedValue out = val(parts[0]);
  out.name = g_.values[node_->output].name;
  out.shape = g_.values[node_->output].shape;
  out.scale = a.scale;
  out.bound = 0;
  out.error = 0;
  for (size_t j = 0; j < parts.size(); ++j) {
    const QuantizedValue& x = val(parts[j]);
    out.bound = std::max(out.bound, a.coef[j] * x.bound);
    out.error = std::max(out.error, x.error + std::abs(static_cast<double>(a.coef[j]) * a.scale - x.scale) *
                                                  static_cast<double>(x.bound));
    if (a.coef[j] == 1) continue;
    QuantizedValue scaled = derived(parts[j], "scaled" + std::to_string(j), x.shape);
    scaled.scale = a.scale;
    scaled.bound = a.coef[j] * x.bound;
    ZKCC_ASSIGN_OR_RETURN(parts[j], add(AddLayer{{a.coef[j]}}, {parts[j]}, std::move(scaled)));
  }
  return add(ConcatLayer{op.axis}, std::move(parts), std::move(out));
}

// log softmax = -(max - x) - log(sum): the row sums (in 2^-e_bits) requantized to t fraction
// bits, a log table in x's scale over their range, and one sum of the two.
StatusOr<size_t> Quantizer::log_softmax(size_t x, size_t d, size_t sum, int e_bits) {
  const Shape& shape = g_.values[node_->input].shape;
  const auto classes = static_cast<int64_t>(shape.back());
  Shape row_shape = shape;
  row_shape.back() = 1;
  // Every row sum lies in [2^e, classes 2^e] (the maximum's entry is exp(0)); t keeps its table
  // of (classes - 1) 2^t + 1 entries within 2^15.
  int t = e_bits;
  while (t > 0 && (classes << t) > (int64_t{1} << 15)) --t;
  const unsigned shift = static_cast<unsigned>(e_bits - t);
  const int64_t lo = int64_t{1} << t, hi = classes << t;
  QuantizedValue t_v = derived(sum, "sum_requant", row_shape);
  t_v.scale = std::ldexp(1.0, -t);
  t_v.bound = hi;
  ZKCC_ASSIGN_OR_RETURN(size_t ts, add(RequantLayer{shift, lo, hi}, {sum}, t_v));
  const double s = val(x).scale;
  QuantizedValue l_v = derived(x, "log_sum", row_shape);
  ZKCC_ASSIGN_OR_RETURN(size_t l, table(ts, "log", lo, hi,
                                        [&](int64_t v) { return std::log(std::ldexp(static_cast<double>(v), -t)) / s; },
                                        l_v));
  QuantizedValue out = val(x);
  out.name = g_.values[node_->output].name;
  out.shape = shape;
  const double e = val(x).error;
  out.bound = val(d).bound + val(l).bound;
  out.error = 4 * e + static_cast<double>(classes) / std::ldexp(2.0, e_bits) + std::ldexp(1.0, -t - 1) + s;
  return add(AddLayer{{-1, -1}}, {d, l}, std::move(out));
}

}  // namespace zkcc::model::internal
