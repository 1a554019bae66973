#include "zkcc/model/bounds.h"

#include <algorithm>
#include <limits>
#include <string>

#include "zkcc/base/overloaded.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model {
namespace {

constexpr int64_t kHalf = kM31HalfRange;
constexpr int64_t kHuge = std::numeric_limits<int64_t>::max();

// Saturating arithmetic on non-negative bounds: a result past int64 reads as "far too large".
int64_t sat_add(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_add_overflow(a, b, &r) ? kHuge : r;
}
int64_t sat_mul(int64_t a, int64_t b) {
  int64_t r;
  return __builtin_mul_overflow(a, b, &r) ? kHuge : r;
}
// |v|, saturating (|INT64_MIN| does not fit).
int64_t mag(int64_t v) { return v == std::numeric_limits<int64_t>::min() ? kHuge : (v < 0 ? -v : v); }

int64_t max_mag(const std::vector<int64_t>& v) {
  int64_t m = 0;
  for (int64_t x : v) m = std::max(m, mag(x));
  return m;
}

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

Status within_half(int64_t bound, const std::string& what) {
  if (bound > kHalf) {
    return out_of_range(what + " may reach " + (bound == kHuge ? std::string("beyond 2^63") : std::to_string(bound)) +
                        ", beyond (p - 1) / 2 = " + std::to_string(kHalf) + ", and wrap around p");
  }
  return ok_status();
}

// The bound of layer l's output from its inputs' derived bounds `b`.
StatusOr<int64_t> derive_layer(const QuantizedGraph& g, size_t l, const std::vector<int64_t>& b, bool worst_case) {
  const Layer& layer = g.layers[l];
  auto need_inputs = [&](size_t n) -> Status {
    if (layer.inputs.size() != n) return invalid_argument("takes " + std::to_string(n) + " inputs, has " + std::to_string(layer.inputs.size()));
    return ok_status();
  };
  auto in = [&](size_t k) { return b[layer.inputs[k]]; };
  const int64_t declared = g.values[l + 1].bound;
  return std::visit(
      Overloaded{
          [&](const MatMulLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (op.weight.shape.size() != 2) return invalid_argument("weight is not a matrix");
            const size_t k = op.weight.shape[0], n = op.weight.shape[1];
            if (g.architecture_only || worst_case) {
              // Any weights of the committed widths: |w| <= 128 and |bias| <= 2^(bias_bits - 1).
              const unsigned bits = g.architecture_only ? op.bias_bits : signed_width(op.bias);
              if (bits == 0 || bits > 30) return invalid_argument("bias width " + std::to_string(bits) + " is outside [1, 30]");
              const int64_t column = sat_add(sat_mul(sat_mul(static_cast<int64_t>(k), kWeightRange), in(0)),
                                             int64_t{1} << (bits - 1));
              ZKCC_RETURN_IF_ERROR(within_half(column, "the accumulator (" + std::to_string(k) + " inputs x 128 x bound " +
                                                           std::to_string(in(0)) + " + 2^" + std::to_string(bits - 1) + ")"));
              return column;
            }
            if (op.weight.data.size() != k * n) return invalid_argument("weight is not a matrix");
            if (!op.bias.empty() && op.bias.size() != n) return invalid_argument("bias does not match the weight");
            std::vector<int64_t> abs_sum(n, 0);
            for (size_t i = 0; i < op.weight.data.size(); ++i) {
              const int64_t w = op.weight.data[i];
              if (w < -kMaxWeight || w > kMaxWeight) {
                return out_of_range("weight [" + std::to_string(i / n) + ", " + std::to_string(i % n) + "] = " +
                                    std::to_string(w) + " is outside [-" + std::to_string(kMaxWeight) + ", " +
                                    std::to_string(kMaxWeight) + "]");
              }
              abs_sum[i % n] += mag(w);  // at most 127 * 2^28 per column: no overflow
            }
            int64_t bound = 0;
            for (size_t j = 0; j < n; ++j) {
              const int64_t column = sat_add(sat_mul(abs_sum[j], in(0)), op.bias.empty() ? 0 : mag(op.bias[j]));
              ZKCC_RETURN_IF_ERROR(within_half(column, "the accumulator of output column " + std::to_string(j) + " (sum |w| " +
                                                           std::to_string(abs_sum[j]) + " over " + std::to_string(k) +
                                                           " inputs x bound " + std::to_string(in(0)) + " + |bias|)"));
              bound = std::max(bound, column);
            }
            return bound;
          },
          [&](const AddConstLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (g.architecture_only || worst_case) {
              const unsigned bits = g.architecture_only ? op.constant_bits : signed_width(op.constant.data);
              if (bits == 0 || bits > 30) return invalid_argument("constant width " + std::to_string(bits) + " is outside [1, 30]");
              return sat_add(in(0), int64_t{1} << (bits - 1));
            }
            return sat_add(in(0), max_mag(op.constant.data));
          },
          [&](const MulConstLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            return sat_mul(in(0), max_mag(op.constant.data));
          },
          [&](const RequantLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (op.shift > 30 || op.lo > op.hi) return invalid_argument("bad shift or clamp");
            ZKCC_RETURN_IF_ERROR(within_half(std::max(mag(op.lo), mag(op.hi)), "the clamp range"));
            const int64_t h = op.shift ? int64_t{1} << (op.shift - 1) : 0;
            ZKCC_RETURN_IF_ERROR(within_half(in(0) + h, "the rounding's intermediate x + 2^(shift - 1)"));
            const int64_t qlo = floor_div(-in(0) + h, int64_t{1} << op.shift);
            const int64_t qhi = floor_div(in(0) + h, int64_t{1} << op.shift);
            return std::max(mag(std::clamp(qlo, op.lo, op.hi)), mag(std::clamp(qhi, op.lo, op.hi)));
          },
          [&](const LookupLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (op.table.empty()) return invalid_argument("the table is empty");
            return max_mag(op.table);
          },
          [&](const GatherLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const bool pads = std::any_of(op.index.begin(), op.index.end(), [](int64_t i) { return i < 0; });
            return pads ? std::max(in(0), mag(op.fill)) : in(0);
          },
          [&](const ReshapeLayer&) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            return in(0);
          },
          [&](const RowMaxLayer&) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            return in(0);
          },
          [&](const RowSumLayer&) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Shape& s = g.values[layer.inputs[0]].shape;
            const size_t cols = s.empty() ? 1 : s.back();
            if (cols > (size_t{1} << 32)) return invalid_argument("rows of " + std::to_string(cols) + " columns");
            return sat_mul(static_cast<int64_t>(cols), in(0));
          },
          [&](const RowSubLayer&) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            return sat_add(in(0), in(1));
          },
          [&](const RowDivLayer& op) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            if (op.numerator_scale <= 0) return invalid_argument("numerator scale is not positive");
            const int64_t numerator = sat_add(sat_mul(in(0), op.numerator_scale), in(1) / 2);
            ZKCC_RETURN_IF_ERROR(within_half(numerator, "the division's numerator e k + floor(s / 2)"));
            return std::min(std::max<int64_t>(declared, 0), numerator);
          },
          [&](const AddLayer& op) -> StatusOr<int64_t> {
            if (layer.inputs.empty() || op.coef.size() != layer.inputs.size()) {
              return invalid_argument("needs one coefficient per input");
            }
            int64_t bound = 0;
            for (size_t j = 0; j < op.coef.size(); ++j) {
              if (op.coef[j] == 0 || mag(op.coef[j]) >= (int64_t{1} << 30)) {
                return invalid_argument("coefficient " + std::to_string(op.coef[j]) + " is 0 or beyond 2^30");
              }
              ZKCC_RETURN_IF_ERROR(broadcast_index(g.values[layer.inputs[j]].shape, g.values[l + 1].shape).status());
              bound = sat_add(bound, sat_mul(mag(op.coef[j]), in(j)));
            }
            return bound;
          },
          [&](const ConcatLayer& op) -> StatusOr<int64_t> {
            std::vector<Shape> parts;
            int64_t bound = 0;
            for (size_t j = 0; j < layer.inputs.size(); ++j) {
              parts.push_back(g.values[layer.inputs[j]].shape);
              bound = std::max(bound, in(j));
            }
            ZKCC_ASSIGN_OR_RETURN(Shape shape, concat_shape(parts, op.axis));
            if (shape != g.values[l + 1].shape) return invalid_argument("the parts make " + shape_string(shape));
            return bound;
          },
          [&](const MulLayer&) -> StatusOr<int64_t> {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            for (size_t v : layer.inputs) {
              if (g.values[v].shape != g.values[l + 1].shape) return invalid_argument("an input's shape is not the output's");
            }
            return sat_mul(in(0), in(1));
          },
      },
      layer.op);
}

std::string value_label(const QuantizedGraph& g, size_t v) {
  return "value " + std::to_string(v) + " ('" + g.values[v].name + "')";
}

}  // namespace

StatusOr<std::vector<int64_t>> derive_bounds(const QuantizedGraph& g, bool worst_case) {
  if (g.values.size() != g.layers.size() + 1) return invalid_argument("graph values do not match its layers");
  if (g.values.empty()) return invalid_argument("graph has no input");
  std::vector<int64_t> b(g.values.size());
  b[0] = g.values[0].bound;
  if (b[0] < 0) return out_of_range("the input's bound " + std::to_string(b[0]) + " is negative");
  ZKCC_RETURN_IF_ERROR(within_half(b[0], "the input"));
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const Layer& layer = g.layers[l];
    const std::string where = "layer " + std::to_string(l) + " (" + layer_kind_name(layer.op) + " of node " + layer.node + ")";
    for (size_t v : layer.inputs) {
      if (v > l) return invalid_argument(where + " reads value " + std::to_string(v) + " before it is defined");
    }
    auto bound = derive_layer(g, l, b, worst_case);
    if (!bound.ok()) return bound.status().with_context(where);
    Status s = within_half(*bound, value_label(g, l + 1));
    if (!s.ok()) return s.with_context(where);
    b[l + 1] = *bound;
  }
  return b;
}

Status check_bounds(const QuantizedGraph& g) {
  // Soundness: whatever parameters of the committed widths, no value may wrap around p, and a
  // row maximum's differences (up to twice its input's bound) stay unambiguous.
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> worst, derive_bounds(g, true));
  for (size_t l = 0; l < g.layers.size(); ++l) {
    if (!std::holds_alternative<RowMaxLayer>(g.layers[l].op)) continue;
    const size_t x = g.layers[l].inputs.empty() ? 0 : g.layers[l].inputs[0];
    if (x < worst.size() && worst[x] > kHalf / 2) {
      return out_of_range("the row maximum of " + value_label(g, x) + " compares values up to " +
                          std::to_string(worst[x]) + ", beyond (p - 1) / 4");
    }
  }
  if (g.architecture_only) return ok_status();
  // Completeness and the model file's honesty: the declared bounds cover what the data produce.
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> derived, derive_bounds(g, false));
  for (size_t v = 0; v < g.values.size(); ++v) {
    const int64_t declared = g.values[v].bound;
    if (declared < derived[v] || declared > kHalf) {
      return out_of_range(value_label(g, v) + " declares bound " + std::to_string(declared) + ", but its values reach " +
                          std::to_string(derived[v]) + " (bounds derived from the architecture must be declared, within " +
                          std::to_string(kHalf) + ")");
    }
  }
  return ok_status();
}

}  // namespace zkcc::model
