#include "zkcc/model/calibration.h"

#include <algorithm>
#include <cmath>

#include "functions.h"
#include "zkcc/model/float_run.h"

namespace zkcc::model {

StatusOr<Calibration> calibrate(const Graph& graph, std::span<const FloatTensor> inputs) {
  if (inputs.empty()) return invalid_argument("calibration needs at least one input");
  Calibration c;
  c.max_abs.assign(graph.values.size(), 0.0);
  for (size_t i = 0; i < inputs.size(); ++i) {
    auto values = run_float(graph, inputs[i]);
    if (!values.ok()) return values.status().with_context("calibration input " + std::to_string(i));
    for (size_t v = 0; v < values->size(); ++v) {
      for (double x : (*values)[v].data) {
        if (!std::isfinite(x)) {
          return invalid_argument("calibration input " + std::to_string(i) + " makes value '" + graph.values[v].name +
                                  "' non-finite");
        }
        c.max_abs[v] = std::max(c.max_abs[v], std::abs(x));
      }
    }
  }
  return c;
}

Calibration interval_calibration(const Graph& graph, double input_range) {
  Calibration c;
  c.max_abs.assign(graph.values.size(), 0.0);
  c.max_abs[graph.input] = std::abs(input_range);
  // max over outputs n of sum_k |w[k, n]| x + |b[n]|, w viewed as (k rows) x (n columns) or,
  // for a convolution, (filters) x (taps) with the filter first.
  auto product = [](const FloatTensor& w, const std::vector<double>& b, bool filter_major, double x) {
    const size_t outs = filter_major ? w.shape[0] : w.shape[1];
    const size_t ins = w.data.size() / outs;
    double best = 0;
    for (size_t n = 0; n < outs; ++n) {
      double s = b.empty() ? 0.0 : std::abs(b[n]);
      for (size_t k = 0; k < ins; ++k) s += std::abs(filter_major ? w.data[n * ins + k] : w.data[k * outs + n]) * x;
      best = std::max(best, s);
    }
    return best;
  };
  for (const Node& node : graph.nodes) {
    const double x = c.max_abs[node.input];
    double& y = c.max_abs[node.output];
    if (const auto* d = std::get_if<DenseOp>(&node.op)) {
      y = product(d->weight, d->bias, false, x);
    } else if (const auto* cv = std::get_if<ConvOp>(&node.op)) {
      y = product(cv->weight, cv->bias, true, x);
    } else if (const auto* a = std::get_if<AddConstOp>(&node.op)) {
      double m = 0;
      for (double v : a->constant.data) m = std::max(m, std::abs(v));
      y = x + m;
    } else if (const auto* act = std::get_if<ActivationOp>(&node.op)) {
      y = internal::range_on(*act, x);
    } else if (const auto* m = std::get_if<MulConstOp>(&node.op)) {
      double cm = 0;
      for (double v : m->constant.data) cm = std::max(cm, std::abs(v));
      y = x * cm;
    } else if (const auto* r = std::get_if<ReduceLastOp>(&node.op)) {
      const Shape& xs = graph.values[node.input].shape;
      y = r->kind != ReduceLastOp::Kind::kSum || xs.empty() ? x : x * static_cast<double>(xs.back());
    } else if (const auto* sm = std::get_if<SoftmaxOp>(&node.op)) {
      // log softmax lies in [-(2 x + log C), 0]
      const Shape& xs = graph.values[node.input].shape;
      y = sm->log ? 2 * x + std::log(static_cast<double>(xs.empty() ? 1 : xs.back())) : 1.0;
    } else if (const auto* b = std::get_if<BinaryOp>(&node.op)) {
      const double w = c.max_abs[b->other];
      y = b->kind == BinaryOp::Kind::kMul ? x * w : b->kind == BinaryOp::Kind::kAdd || b->kind == BinaryOp::Kind::kSub ? x + w : std::max(x, w);
    } else if (const auto* cat = std::get_if<ConcatOp>(&node.op)) {
      y = 0;
      for (size_t p : cat->parts) y = std::max(y, c.max_abs[p]);
    } else {  // pools, transposes and reshapes keep the range
      y = x;
    }
  }
  return c;
}

}  // namespace zkcc::model
