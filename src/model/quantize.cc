// Graph to QuantizedGraph (the scheme is described in quantize.h).
#include "zkcc/model/quantize.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <utility>

#include "functions.h"
#include "quantizer.h"
#include "window.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model {
namespace {

using internal::tap_offset;
using internal::taps_inside;

constexpr double kWeightMax = 127;

// The ONNX node's name, or "#index" when it has none.
std::string label(const Node& node) { return node.name.empty() ? "#" + std::to_string(node.source) : node.name; }

std::string describe(const Node& node) {
  return node.name.empty() ? "node #" + std::to_string(node.source) + " (" + node.op_type + ")"
                           : "node '" + node.name + "' (" + node.op_type + ")";
}

// round(v) half away from zero, refusing magnitudes that leave no room in M31 anyway.
StatusOr<int64_t> to_int(double v, const std::string& what) {
  if (!(std::abs(v) <= static_cast<double>(kM31HalfRange))) {
    // %g: a value from a tiny scale would take hundreds of digits in fixed notation.
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return out_of_range(what + " quantizes to " + text + ", beyond (p-1)/2 = " + std::to_string(kM31HalfRange));
  }
  return std::llround(v);
}

// The least k >= 0 with range <= qmax * scale * 2^k (a relative slack absorbs float rounding).
unsigned shift_for_range(double range, double scale, int64_t qmax) {
  unsigned k = 0;
  while (k < 62 && range > static_cast<double>(qmax) * scale * std::ldexp(1.0, static_cast<int>(k)) * (1 + 1e-12)) ++k;
  return k;
}

// The least k >= 1 with floor((bound + 2^(k-1)) / 2^k) <= qmax.
unsigned shift_for_bound(int64_t bound, int64_t qmax) {
  unsigned k = 1;
  while (k < 62 && ((bound + (int64_t{1} << (k - 1))) >> k) > qmax) ++k;
  return k;
}

}  // namespace

namespace internal {

Status Quantizer::check(int64_t bound, const std::string& what) const {
  if (bound > kM31HalfRange) {
    return out_of_range(what + " is bounded by " + std::to_string(bound) + ", which may exceed (p-1)/2 = " +
                        std::to_string(kM31HalfRange) + " and wrap in M31");
  }
  return ok_status();
}

StatusOr<size_t> Quantizer::add(LayerOp op, std::vector<size_t> inputs, QuantizedValue out) {
  ZKCC_RETURN_IF_ERROR(check(out.bound, "value '" + out.name + "'"));
  // Intermediates (im2col above all) can be much larger than the model's own tensors.
  auto count = checked_element_count(out.shape, cfg_.max_tensor_elements);
  if (!count.ok()) return count.status().with_context("value '" + out.name + "'");
  if (*count > cfg_.max_total_elements - total_elements_) {
    return out_of_range("the trace exceeds the limit of " + std::to_string(cfg_.max_total_elements) + " elements in all");
  }
  total_elements_ += *count;
  q_.layers.push_back({label(*node_), node_->op_type, std::move(inputs), std::move(op)});
  q_.values.push_back(std::move(out));
  return q_.values.size() - 1;
}

StatusOr<size_t> Quantizer::narrow(size_t v, double range) {
  if (val(v).bound <= qmax_) return v;
  auto key = std::make_pair(v, range);
  if (auto it = narrowed_.find(key); it != narrowed_.end()) return it->second;
  const QuantizedValue& x = val(v);
  const unsigned k = std::min(shift_for_range(range, x.scale, qmax_), shift_for_bound(x.bound, qmax_));
  if (k > 0) ZKCC_RETURN_IF_ERROR(check(x.bound + (int64_t{1} << (k - 1)), "the rounding of '" + x.name + "'"));
  QuantizedValue y = x;
  y.name = x.name + "/requant";
  y.scale = std::ldexp(x.scale, static_cast<int>(k));
  y.bound = qmax_;
  y.error = x.error + (k > 0 ? y.scale / 2 : 0.0);
  ZKCC_ASSIGN_OR_RETURN(size_t out, add(RequantLayer{k, -qmax_, qmax_}, {v}, std::move(y)));
  narrowed_[key] = out;
  return out;
}

// x (narrow, real range x_range) times w [k, n] plus bias, in the accumulator's scale.
StatusOr<size_t> Quantizer::matmul(size_t x, double x_range, const std::vector<double>& w, size_t k, size_t n,
                                   const std::vector<double>& bias, QuantizedValue out) {
  const QuantizedValue& xv = val(x);
  double wmax = 0;
  for (double v : w) wmax = std::max(wmax, std::abs(v));
  const double sw = wmax > 0 ? wmax / kWeightMax : 1.0;
  const double sacc = xv.scale * sw;
  MatMulLayer layer;
  layer.weight.shape = {k, n};
  layer.weight.data.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    layer.weight.data[i] = std::clamp<int64_t>(std::llround(w[i] / sw), -127, 127);
  }
  std::vector<int64_t> abs_sum(n, 0);
  std::vector<double> err(n, 0.0);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const int64_t q = layer.weight.data[i * n + j];
      abs_sum[j] += std::abs(q);
      err[j] += x_range * std::abs(w[i * n + j] - static_cast<double>(q) * sw);
    }
  }
  int64_t bound = 0;
  double error = 0;
  for (size_t j = 0; j < n; ++j) {
    int64_t bq = 0;
    if (!bias.empty()) {
      ZKCC_ASSIGN_OR_RETURN(bq, to_int(bias[j] / sacc, "bias element " + std::to_string(j)));
      layer.bias.push_back(bq);
      err[j] += std::abs(bias[j] - static_cast<double>(bq) * sacc);
    }
    const int64_t column = abs_sum[j] * xv.bound + std::abs(bq);
    if (column > kM31HalfRange) {
      return out_of_range("accumulator of output column " + std::to_string(j) + " is bounded by " + std::to_string(column) +
                          " = sum|w_q| " + std::to_string(abs_sum[j]) + " over " + std::to_string(k) + " inputs * max|x_q| " +
                          std::to_string(xv.bound) + (bias.empty() ? "" : " + |b_q| " + std::to_string(std::abs(bq))) +
                          ", which may exceed (p-1)/2 = " + std::to_string(kM31HalfRange) + " and wrap in M31");
    }
    bound = std::max(bound, column);
    error = std::max(error, err[j] + xv.error * static_cast<double>(abs_sum[j]) * sw);
  }
  out.scale = sacc;
  out.bound = bound;
  out.error = error;
  return add(std::move(layer), {x}, std::move(out));
}

StatusOr<size_t> Quantizer::table(size_t x, const std::string& function, int64_t in_min, int64_t in_max,
                                  const std::function<double(int64_t)>& f, QuantizedValue out) {
  LookupLayer layer{function, in_min, {}};
  int64_t bound = 0;
  for (int64_t q = in_min; q <= in_max; ++q) {
    ZKCC_ASSIGN_OR_RETURN(int64_t y, to_int(f(q), function + " table entry"));
    layer.table.push_back(y);
    bound = std::max(bound, std::abs(y));
  }
  out.bound = bound;
  return add(std::move(layer), {x}, std::move(out));
}

StatusOr<size_t> Quantizer::lower_activation(const ActivationOp& op) {
  const Activation fn = op.fn;
  if (fn > Activation::kGeluTanh) return lower_function(op);
  const size_t in = node_->input, outv = node_->output;
  // Relu's requantization only has to fit the positive part: what it clamps below, Relu zeroes.
  const double range = fn == Activation::kRelu ? cal_.max_abs[outv] : cal_.max_abs[in];
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[in], range));
  const double s = val(x).scale, e = val(x).error;
  const auto q = static_cast<double>(qmax_);
  QuantizedValue out = val(x);
  out.name = g_.values[outv].name;
  switch (fn) {
    case Activation::kRelu:
      return table(x, "relu", -qmax_, qmax_, [](int64_t v) { return static_cast<double>(std::max<int64_t>(v, 0)); }, out);
    case Activation::kSigmoid:
    case Activation::kTanh:
      out.scale = 1 / q;
      out.error = internal::lipschitz(fn) * e + 0.5 / q;
      return table(x, fn == Activation::kSigmoid ? "sigmoid" : "tanh", -qmax_, qmax_,
                   [&](int64_t v) { return q * internal::apply(fn, static_cast<double>(v) * s); }, out);
    case Activation::kGelu:
    case Activation::kGeluTanh:
      out.error = internal::lipschitz(fn) * e + s / 2;
      return table(x, fn == Activation::kGelu ? "gelu" : "gelu_tanh", -qmax_, qmax_,
                   [&](int64_t v) { return internal::apply(fn, static_cast<double>(v) * s) / s; }, out);
    default:
      break;  // lower_function's
  }
  return internal_error("unknown activation");
}

// Any other elementwise function: a table over the quantized input's domain (where the function is
// defined), in the scale that fits the calibrated output range (or 1 for integer-valued functions,
// which are then exact). Its error is measured entry by entry: the largest change of f within the
// input's error of the entry's point, plus the entry's rounding.
StatusOr<size_t> Quantizer::lower_function(const ActivationOp& op) {
  const size_t in = node_->input, outv = node_->output;
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[in], cal_.max_abs[in]));
  const double s = val(x).scale, e = val(x).error;
  const int64_t lo = internal::table_floor(op, qmax_);
  const double defined_from = lo <= 0 ? -HUGE_VAL : s / 2;  // below it Log and Reciprocal have no entry
  auto f = [&](double v) { return internal::apply(op, v); };
  double table_max = 0;
  for (int64_t q = lo; q <= qmax_; ++q) table_max = std::max(table_max, std::abs(f(static_cast<double>(q) * s)));
  if (!std::isfinite(table_max)) {
    return out_of_range(std::string(internal::function_name(op.fn)) + " is not finite on the calibrated input range [" +
                        std::to_string(static_cast<double>(lo) * s) + ", " + std::to_string(static_cast<double>(qmax_) * s) + "]");
  }
  QuantizedValue out = val(x);
  out.name = g_.values[outv].name;
  const bool exact = internal::integer_valued(op.fn);
  // Entries at most 2^20: outputs beyond the calibrated range keep a bounded table.
  out.scale = exact ? 1.0 : std::max(cal_.max_abs[outv] / static_cast<double>(qmax_), table_max / 1048576.0);
  if (!(out.scale > 0)) out.scale = 1.0 / static_cast<double>(qmax_);
  double error = 0;
  constexpr int kSamples = 8;
  for (int64_t q = lo; q <= qmax_; ++q) {
    const double at = static_cast<double>(q) * s, y = f(at);
    for (int k = 0; k <= kSamples; ++k) {
      const double v = std::max(at - e + 2 * e * k / kSamples, defined_from);
      const double d = std::abs(f(v) - y);
      if (std::isfinite(d)) error = std::max(error, d);
    }
  }
  out.error = error + (exact ? 0.0 : out.scale / 2);
  const double scale = out.scale;
  return table(x, internal::function_name(op.fn), lo, qmax_, [&](int64_t v) { return f(static_cast<double>(v) * s) / scale; },
               out);
}

// x * c: for one positive constant a change of scale alone (no layer of its own, exact), for one
// negative constant a product with -1 and that change; otherwise the constant rounded to int8
// (c_q = round(127 c / max|c|)) times x requantized into [-qmax, qmax].
StatusOr<size_t> Quantizer::lower_mul_const(const MulConstOp& op) {
  const std::vector<double>& c = op.constant.data;
  const size_t in = node_->input;
  QuantizedValue out = val(map_[in]);
  out.name = g_.values[node_->output].name;
  const bool uniform = std::all_of(c.begin(), c.end(), [&](double v) { return v == c[0]; });
  if (uniform && c[0] != 0) {
    out.scale *= std::abs(c[0]);
    out.error *= std::abs(c[0]);
    if (c[0] > 0) return add(ReshapeLayer{}, {map_[in]}, std::move(out));
    MulConstLayer negate{IntTensor{out.shape, std::vector<int64_t>(c.size(), -1)}};
    return add(std::move(negate), {map_[in]}, std::move(out));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[in], cal_.max_abs[in]));
  double cmax = 0;
  for (double v : c) cmax = std::max(cmax, std::abs(v));
  const double sc = cmax > 0 ? cmax / kWeightMax : 1.0;
  MulConstLayer layer{IntTensor{out.shape, std::vector<int64_t>(c.size())}};
  int64_t qmax_c = 0;
  double error = 0;
  for (size_t i = 0; i < c.size(); ++i) {
    layer.constant.data[i] = std::clamp<int64_t>(std::llround(c[i] / sc), -127, 127);
    qmax_c = std::max(qmax_c, std::abs(layer.constant.data[i]));
    error = std::max(error, std::abs(c[i]) * val(x).error +
                                cal_.max_abs[in] * std::abs(c[i] - static_cast<double>(layer.constant.data[i]) * sc));
  }
  out.scale = val(x).scale * sc;
  out.bound = val(x).bound * qmax_c;
  out.error = error;
  return add(std::move(layer), {x}, std::move(out));
}

// The row sum is exact; the mean is the sum in a scale C times smaller; the maximum (a row
// maximum of x requantized into [-qmax, qmax], as for MaxPool) is exact too.
StatusOr<size_t> Quantizer::lower_reduce(const ReduceLastOp& op) {
  const Shape& xs = g_.values[node_->input].shape;
  const size_t c = xs.empty() ? 1 : xs.back();
  if (op.kind == ReduceLastOp::Kind::kMax) {
    ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[node_->input], cal_.max_abs[node_->input]));
    QuantizedValue out = val(x);
    out.name = g_.values[node_->output].name;
    out.shape = g_.values[node_->output].shape;
    return add(RowMaxLayer{}, {x}, std::move(out));
  }
  const size_t x = map_[node_->input];
  QuantizedValue out = val(x);
  out.name = g_.values[node_->output].name;
  out.shape = g_.values[node_->output].shape;
  if (c > static_cast<size_t>(kM31HalfRange) || out.bound > kM31HalfRange / static_cast<int64_t>(c)) {
    return out_of_range("the sum of " + std::to_string(c) + " values bounded by " + std::to_string(out.bound) +
                        " may exceed (p-1)/2 = " + std::to_string(kM31HalfRange));
  }
  out.bound *= static_cast<int64_t>(c);
  if (op.kind == ReduceLastOp::Kind::kMean) {
    out.scale /= static_cast<double>(c);
  } else {
    out.error *= static_cast<double>(c);
  }
  return add(RowSumLayer{}, {x}, std::move(out));
}

StatusOr<size_t> Quantizer::lower_conv(const ConvOp& op) {
  const Window2D& w = op.window;
  const Shape& xs = g_.values[node_->input].shape;
  const size_t batch = xs[0], channels = xs[1], filters = op.weight.shape[0];
  const size_t plane = w.in_h * w.in_w, taps = w.kernel_h * w.kernel_w, positions = w.out_h * w.out_w;
  const size_t k = channels * taps;
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[node_->input], cal_.max_abs[node_->input]));
  // im2col: one row per output position, one column per (channel, tap); padding reads 0.
  GatherLayer cols{std::vector<int64_t>(batch * positions * k), 0};
  size_t i = 0;
  for (size_t b = 0; b < batch; ++b) {
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        for (size_t c = 0; c < channels; ++c) {
          const auto base = static_cast<int64_t>((b * channels + c) * plane);
          for (size_t kh = 0; kh < w.kernel_h; ++kh) {
            for (size_t kw = 0; kw < w.kernel_w; ++kw) {
              int64_t off = tap_offset(w, oh, ow, kh, kw);
              cols.index[i++] = off < 0 ? -1 : base + off;
            }
          }
        }
      }
    }
  }
  ZKCC_ASSIGN_OR_RETURN(size_t c, add(std::move(cols), {x}, derived(x, "im2col", {batch * positions, k})));
  // The weight as [(channel, tap), filter].
  std::vector<double> wt(k * filters);
  for (size_t m = 0; m < filters; ++m) {
    for (size_t j = 0; j < k; ++j) wt[j * filters + m] = op.weight.data[m * k + j];
  }
  ZKCC_ASSIGN_OR_RETURN(size_t acc, matmul(c, cal_.max_abs[node_->input], wt, k, filters, op.bias,
                                           derived(c, "product", {batch * positions, filters})));
  // [batch, position, filter] back to NCHW.
  GatherLayer nchw{std::vector<int64_t>(batch * filters * positions), 0};
  i = 0;
  for (size_t b = 0; b < batch; ++b) {
    for (size_t m = 0; m < filters; ++m) {
      for (size_t p = 0; p < positions; ++p) nchw.index[i++] = static_cast<int64_t>((b * positions + p) * filters + m);
    }
  }
  QuantizedValue out = val(acc);
  out.name = g_.values[node_->output].name;
  out.shape = g_.values[node_->output].shape;
  return add(std::move(nchw), {acc}, std::move(out));
}

StatusOr<size_t> Quantizer::lower_pool(const Window2D& w, bool max, bool count_include_pad) {
  const Shape& xs = g_.values[node_->input].shape;
  const size_t planes = xs[0] * xs[1], plane = w.in_h * w.in_w, taps = w.kernel_h * w.kernel_w;
  const size_t rows = planes * w.out_h * w.out_w;
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[node_->input], cal_.max_abs[node_->input]));
  // One row per window, one column per tap; padding reads -qmax for a maximum (never above a real
  // tap, and every window has one) and 0 for a sum.
  GatherLayer windows{std::vector<int64_t>(rows * taps), max ? -qmax_ : 0};
  std::vector<size_t> counts(rows);
  size_t i = 0, r = 0;
  for (size_t p = 0; p < planes; ++p) {
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        counts[r++] = count_include_pad ? taps : taps_inside(w, oh, ow);
        for (size_t kh = 0; kh < w.kernel_h; ++kh) {
          for (size_t kw = 0; kw < w.kernel_w; ++kw) {
            int64_t off = tap_offset(w, oh, ow, kh, kw);
            windows.index[i++] = off < 0 ? -1 : static_cast<int64_t>(p * plane) + off;
          }
        }
      }
    }
  }
  ZKCC_ASSIGN_OR_RETURN(size_t win, add(std::move(windows), {x}, derived(x, "windows", {rows, taps})));
  QuantizedValue out = val(x);
  out.name = g_.values[node_->output].name;
  out.shape = g_.values[node_->output].shape;
  if (max) {
    ZKCC_ASSIGN_OR_RETURN(size_t m, add(RowMaxLayer{}, {win}, derived(x, "max", {rows, 1})));
    return add(ReshapeLayer{}, {m}, std::move(out));
  }
  QuantizedValue sum_v = derived(x, "sum", {rows, 1});
  sum_v.bound = static_cast<int64_t>(taps) * qmax_;
  ZKCC_ASSIGN_OR_RETURN(size_t sum, add(RowSumLayer{}, {win}, sum_v));
  const size_t cmin = *std::min_element(counts.begin(), counts.end());
  const size_t cmax = *std::max_element(counts.begin(), counts.end());
  const double range = cal_.max_abs[node_->input] + val(x).error;
  size_t scaled = sum;
  unsigned shift = 0;
  if (cmin == cmax && std::has_single_bit(cmin)) {
    shift = static_cast<unsigned>(std::countr_zero(cmin));  // the mean is a shift
  } else {
    // sum * round(2^F / count) >> F, F as large as the bounds allow.
    auto multiplier = [&](unsigned f, size_t count) { return std::llround(std::ldexp(1.0, static_cast<int>(f)) / static_cast<double>(count)); };
    unsigned f = 24;
    while (f > 0 && sum_v.bound * multiplier(f, cmin) + (int64_t{1} << (f - 1)) > kM31HalfRange) --f;
    if (f < 8) {
      return out_of_range("a window of " + std::to_string(taps) + " taps leaves fewer than 8 bits for the divisor");
    }
    MulConstLayer mul{IntTensor{{rows, 1}, std::vector<int64_t>(rows)}};
    double approx = 0;
    for (size_t j = 0; j < rows; ++j) {
      mul.constant.data[j] = multiplier(f, counts[j]);
      approx = std::max(approx, std::abs(static_cast<double>(mul.constant.data[j]) * static_cast<double>(counts[j]) /
                                             std::ldexp(1.0, static_cast<int>(f)) - 1.0));
    }
    QuantizedValue prod_v = derived(x, "scaled", {rows, 1});
    prod_v.bound = sum_v.bound * multiplier(f, cmin);
    ZKCC_ASSIGN_OR_RETURN(scaled, add(std::move(mul), {sum}, prod_v));
    out.error += range * approx;
    shift = f;
  }
  out.error += shift > 0 ? val(x).scale / 2 : 0.0;
  if (shift > 0) ZKCC_RETURN_IF_ERROR(check(val(scaled).bound + (int64_t{1} << (shift - 1)), "the pooling's rounding"));
  QuantizedValue mean_v = derived(x, "mean", {rows, 1});
  ZKCC_ASSIGN_OR_RETURN(size_t mean, add(RequantLayer{shift, -qmax_, qmax_}, {scaled}, mean_v));
  return add(ReshapeLayer{}, {mean}, std::move(out));
}

StatusOr<size_t> Quantizer::lower_softmax(bool log) {
  const Shape& shape = g_.values[node_->input].shape;
  const auto classes = static_cast<int64_t>(shape.back());
  Shape row_shape = shape;
  row_shape.back() = 1;
  ZKCC_ASSIGN_OR_RETURN(size_t x, narrow(map_[node_->input], cal_.max_abs[node_->input]));
  const double s = val(x).scale;
  // e = round(2^E exp(-d s)) with d = max - x; E as large as the division's products allow.
  int e_bits = 16;
  auto fits = [&](int e) {
    const int64_t one = int64_t{1} << e;
    return qmax_ * classes * one <= kM31HalfRange && one * qmax_ + classes * (one / 2) <= kM31HalfRange;
  };
  while (e_bits >= 8 && !fits(e_bits)) --e_bits;
  if (e_bits < 8) {
    return out_of_range("softmax over " + std::to_string(classes) + " classes with qmax " + std::to_string(qmax_) +
                        " leaves fewer than 8 bits for exp in (p-1)/2");
  }
  const int64_t one = int64_t{1} << e_bits;
  ZKCC_ASSIGN_OR_RETURN(size_t m, add(RowMaxLayer{}, {x}, derived(x, "max", row_shape)));
  QuantizedValue d_v = derived(x, "shifted", shape);
  d_v.bound = 2 * qmax_;
  ZKCC_ASSIGN_OR_RETURN(size_t d, add(RowSubLayer{}, {m, x}, d_v));
  QuantizedValue e_v = derived(x, "exp", shape);
  e_v.scale = 1.0 / static_cast<double>(one);
  ZKCC_ASSIGN_OR_RETURN(size_t e, table(d, "exp", 0, 2 * qmax_,
                                        [&](int64_t v) { return static_cast<double>(one) * std::exp(-static_cast<double>(v) * s); },
                                        e_v));
  QuantizedValue sum_v = derived(e, "sum", row_shape);
  sum_v.bound = classes * one;
  ZKCC_ASSIGN_OR_RETURN(size_t sum, add(RowSumLayer{}, {e}, sum_v));
  if (log) return log_softmax(x, d, sum, e_bits);
  const auto q = static_cast<double>(qmax_);
  QuantizedValue out = val(x);
  out.name = g_.values[node_->output].name;
  out.scale = 1 / q;
  out.bound = qmax_;
  out.error = val(x).error / 2 + static_cast<double>(classes + 1) / static_cast<double>(2 * one) +
              (0.5 + 0.5 / static_cast<double>(one)) / q;
  return add(RowDivLayer{qmax_}, {e, sum}, std::move(out));
}

Status Quantizer::lower() {
  const Node& node = *node_;
  QuantizedValue out = val(map_[node.input]);
  out.name = g_.values[node.output].name;
  out.shape = g_.values[node.output].shape;
  StatusOr<size_t> y = internal_error("unlowered");
  if (const auto* d = std::get_if<DenseOp>(&node.op)) {
    auto x = narrow(map_[node.input], cal_.max_abs[node.input]);
    if (!x.ok()) return x.status();
    y = matmul(*x, cal_.max_abs[node.input], d->weight.data, d->weight.shape[0], d->weight.shape[1], d->bias, out);
  } else if (const auto* c = std::get_if<ConvOp>(&node.op)) {
    y = lower_conv(*c);
  } else if (const auto* mp = std::get_if<MaxPoolOp>(&node.op)) {
    y = lower_pool(mp->window, true, false);
  } else if (const auto* ap = std::get_if<AvgPoolOp>(&node.op)) {
    y = lower_pool(ap->window, false, ap->count_include_pad);
  } else if (const auto* a = std::get_if<AddConstOp>(&node.op)) {
    AddConstLayer layer{IntTensor{out.shape, std::vector<int64_t>(a->constant.data.size())}};
    int64_t cmax = 0;
    double err = 0;
    for (size_t i = 0; i < a->constant.data.size(); ++i) {
      auto cq = to_int(a->constant.data[i] / out.scale, "constant element " + std::to_string(i));
      if (!cq.ok()) return cq.status();
      layer.constant.data[i] = *cq;
      cmax = std::max(cmax, std::abs(*cq));
      err = std::max(err, std::abs(a->constant.data[i] - static_cast<double>(*cq) * out.scale));
    }
    out.bound += cmax;
    out.error += err;
    y = add(std::move(layer), {map_[node.input]}, std::move(out));
  } else if (std::holds_alternative<TransposeOp>(node.op)) {
    const Shape& xs = g_.values[node.input].shape;
    GatherLayer t{std::vector<int64_t>(xs[0] * xs[1]), 0};
    for (size_t i = 0; i < xs[0]; ++i) {
      for (size_t j = 0; j < xs[1]; ++j) t.index[j * xs[0] + i] = static_cast<int64_t>(i * xs[1] + j);
    }
    y = add(std::move(t), {map_[node.input]}, std::move(out));
  } else if (std::holds_alternative<ReshapeOp>(node.op)) {
    y = add(ReshapeLayer{}, {map_[node.input]}, std::move(out));
  } else if (const auto* act = std::get_if<ActivationOp>(&node.op)) {
    y = lower_activation(*act);
  } else if (const auto* sm = std::get_if<SoftmaxOp>(&node.op)) {
    y = lower_softmax(sm->log);
  } else if (const auto* b = std::get_if<BinaryOp>(&node.op)) {
    y = lower_binary(*b);
  } else if (const auto* cat = std::get_if<ConcatOp>(&node.op)) {
    y = lower_concat(*cat);
  } else if (const auto* m = std::get_if<MulConstOp>(&node.op)) {
    y = lower_mul_const(*m);
  } else if (const auto* gather = std::get_if<GatherOp>(&node.op)) {
    y = add(GatherLayer{gather->index, 0}, {map_[node.input]}, std::move(out));  // zeros are exact in any scale
  } else if (const auto* r = std::get_if<ReduceLastOp>(&node.op)) {
    y = lower_reduce(*r);
  }
  if (!y.ok()) return y.status();
  map_[node.output] = *y;
  return ok_status();
}

StatusOr<QuantizedGraph> Quantizer::run() {
  if (cfg_.activation_bits < 2 || cfg_.activation_bits > 16) {
    return invalid_argument("activation_bits must lie in [2, 16], not " + std::to_string(cfg_.activation_bits));
  }
  if (cal_.max_abs.size() != g_.values.size()) {
    return invalid_argument("calibration covers " + std::to_string(cal_.max_abs.size()) + " values, the graph has " +
                            std::to_string(g_.values.size()));
  }
  for (size_t i = 0; i < cal_.max_abs.size(); ++i) {
    if (!std::isfinite(cal_.max_abs[i]) || cal_.max_abs[i] < 0) {
      return invalid_argument("calibrated range of '" + g_.values[i].name + "' is not a finite non-negative number");
    }
  }
  qmax_ = (int64_t{1} << (cfg_.activation_bits - 1)) - 1;
  q_.activation_bits = cfg_.activation_bits;
  q_.qmax = qmax_;
  map_.assign(g_.values.size(), 0);
  const double range = cal_.max_abs[g_.input] > 0 ? cal_.max_abs[g_.input] : 1.0;
  const double scale = range / static_cast<double>(qmax_);
  q_.values.push_back({g_.values[g_.input].name, g_.values[g_.input].shape, scale, qmax_, scale / 2});
  total_elements_ = element_count(g_.values[g_.input].shape);
  map_[g_.input] = 0;
  for (node_index_ = 0; node_index_ < g_.nodes.size(); ++node_index_) {
    node_ = &g_.nodes[node_index_];
    Status s = lower();
    if (!s.ok()) return s.with_context(describe(*node_));
  }
  for (size_t o : g_.outputs) q_.outputs.push_back(map_[o]);
  return std::move(q_);
}

}  // namespace internal

StatusOr<QuantizedGraph> quantize(const Graph& graph, const Calibration& calibration, const QuantConfig& config) {
  return internal::Quantizer(graph, calibration, config).run();
}

}  // namespace zkcc::model
