#include "zkcc/model/float_run.h"

#include <cmath>
#include <limits>

#include "functions.h"
#include "window.h"
#include "zkcc/base/overloaded.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model {
namespace {

using internal::tap_offset;
using internal::taps_inside;

void dense(const DenseOp& op, const FloatTensor& x, FloatTensor& y) {
  const size_t k = op.weight.shape[0], n = op.weight.shape[1];
  const size_t rows = x.data.size() / k;
  for (size_t r = 0; r < rows; ++r) {
    double* out = &y.data[r * n];
    for (size_t j = 0; j < n; ++j) out[j] = op.bias.empty() ? 0.0 : op.bias[j];
    for (size_t i = 0; i < k; ++i) {
      const double xv = x.data[r * k + i];
      const double* w = &op.weight.data[i * n];
      for (size_t j = 0; j < n; ++j) out[j] += xv * w[j];
    }
  }
}

void conv(const ConvOp& op, const FloatTensor& x, FloatTensor& y) {
  const Window2D& w = op.window;
  const size_t batch = x.shape[0], channels = x.shape[1], filters = op.weight.shape[0];
  const size_t plane = w.in_h * w.in_w, taps = w.kernel_h * w.kernel_w;
  size_t o = 0;
  for (size_t b = 0; b < batch; ++b) {
    for (size_t m = 0; m < filters; ++m) {
      for (size_t oh = 0; oh < w.out_h; ++oh) {
        for (size_t ow = 0; ow < w.out_w; ++ow) {
          double s = op.bias.empty() ? 0.0 : op.bias[m];
          for (size_t c = 0; c < channels; ++c) {
            const double* in = &x.data[(b * channels + c) * plane];
            const double* f = &op.weight.data[(m * channels + c) * taps];
            for (size_t kh = 0; kh < w.kernel_h; ++kh) {
              for (size_t kw = 0; kw < w.kernel_w; ++kw) {
                int64_t off = tap_offset(w, oh, ow, kh, kw);
                if (off >= 0) s += in[off] * f[kh * w.kernel_w + kw];
              }
            }
          }
          y.data[o++] = s;
        }
      }
    }
  }
}

// MaxPool when `max`, else AveragePool (count_include_pad divides by every kernel tap).
void pool(const Window2D& w, bool max, bool count_include_pad, const FloatTensor& x, FloatTensor& y) {
  const size_t planes = x.shape[0] * x.shape[1], plane = w.in_h * w.in_w;
  size_t o = 0;
  for (size_t p = 0; p < planes; ++p) {
    const double* in = &x.data[p * plane];
    for (size_t oh = 0; oh < w.out_h; ++oh) {
      for (size_t ow = 0; ow < w.out_w; ++ow) {
        double acc = max ? -std::numeric_limits<double>::infinity() : 0.0;
        for (size_t kh = 0; kh < w.kernel_h; ++kh) {
          for (size_t kw = 0; kw < w.kernel_w; ++kw) {
            int64_t off = tap_offset(w, oh, ow, kh, kw);
            if (off < 0) continue;
            acc = max ? std::max(acc, in[off]) : acc + in[off];
          }
        }
        if (!max) acc /= static_cast<double>(count_include_pad ? w.kernel_h * w.kernel_w : taps_inside(w, oh, ow));
        y.data[o++] = acc;
      }
    }
  }
}

void softmax(const FloatTensor& x, bool log, FloatTensor& y) {
  const size_t c = x.shape.back(), rows = x.data.size() / c;
  for (size_t r = 0; r < rows; ++r) {
    const double* in = &x.data[r * c];
    double* out = &y.data[r * c];
    double m = in[0];
    for (size_t j = 1; j < c; ++j) m = std::max(m, in[j]);
    double sum = 0;
    for (size_t j = 0; j < c; ++j) sum += out[j] = std::exp(in[j] - m);
    for (size_t j = 0; j < c; ++j) out[j] = log ? in[j] - m - std::log(sum) : out[j] / sum;
  }
}

Status binary(const BinaryOp& op, const FloatTensor& a, const FloatTensor& b, const Shape& shape, FloatTensor& y) {
  ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> ia, broadcast_index(a.shape, shape));
  ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> ib, broadcast_index(b.shape, shape));
  y.shape = shape;
  y.data.resize(ia.size());
  for (size_t i = 0; i < ia.size(); ++i) {
    const double u = a.data[ia[i]], w = b.data[ib[i]];
    switch (op.kind) {
      case BinaryOp::Kind::kAdd: y.data[i] = u + w; break;
      case BinaryOp::Kind::kSub: y.data[i] = u - w; break;
      case BinaryOp::Kind::kMul: y.data[i] = u * w; break;
      case BinaryOp::Kind::kMax: y.data[i] = std::max(u, w); break;
      case BinaryOp::Kind::kMin: y.data[i] = std::min(u, w); break;
    }
  }
  return ok_status();
}

Status concat(const ConcatOp& op, const std::vector<FloatTensor>& v, const Shape& shape, FloatTensor& y) {
  std::vector<Shape> parts;
  for (size_t p : op.parts) parts.push_back(v[p].shape);
  ZKCC_ASSIGN_OR_RETURN(Shape made, concat_shape(parts, op.axis));
  if (made != shape) return invalid_argument("the parts make " + shape_string(made) + ", not " + shape_string(shape));
  y.shape = shape;
  y.data.clear();
  for (const auto& [part, at] : concat_index(parts, op.axis)) y.data.push_back(v[op.parts[part]].data[at]);
  return ok_status();
}

}  // namespace

StatusOr<std::vector<FloatTensor>> run_float(const Graph& graph, const FloatTensor& input) {
  const Shape& want = graph.values.at(graph.input).shape;
  if (input.shape != want) {
    return invalid_argument("input has shape " + shape_string(input.shape) + ", the model takes " + shape_string(want));
  }
  if (input.data.size() != element_count(want)) return invalid_argument("input data does not match its shape");
  for (size_t i = 0; i < input.data.size(); ++i) {
    if (!std::isfinite(input.data[i])) return invalid_argument("input element " + std::to_string(i) + " is not finite");
  }
  std::vector<FloatTensor> v(graph.values.size());
  v[graph.input] = input;
  for (const Node& node : graph.nodes) {
    if (const auto* b = std::get_if<BinaryOp>(&node.op)) {
      ZKCC_RETURN_IF_ERROR(binary(*b, v[node.input], v[b->other], graph.values[node.output].shape, v[node.output]));
      continue;
    }
    if (const auto* c = std::get_if<ConcatOp>(&node.op)) {
      ZKCC_RETURN_IF_ERROR(concat(*c, v, graph.values[node.output].shape, v[node.output]));
      continue;
    }
    const FloatTensor& x = v[node.input];
    FloatTensor& y = v[node.output];
    y.shape = graph.values[node.output].shape;
    y.data.assign(element_count(y.shape), 0.0);
    std::visit(Overloaded{
                   [&](const DenseOp& op) { dense(op, x, y); },
                   [&](const ConvOp& op) { conv(op, x, y); },
                   [&](const MaxPoolOp& op) { pool(op.window, true, false, x, y); },
                   [&](const AvgPoolOp& op) { pool(op.window, false, op.count_include_pad, x, y); },
                   [&](const AddConstOp& op) {
                     for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = x.data[i] + op.constant.data[i];
                   },
                   [&](const TransposeOp&) {
                     const size_t rows = x.shape[0], cols = x.shape[1];
                     for (size_t i = 0; i < rows; ++i) {
                       for (size_t j = 0; j < cols; ++j) y.data[j * rows + i] = x.data[i * cols + j];
                     }
                   },
                   [&](const ReshapeOp&) { y.data = x.data; },
                   [&](const ActivationOp& op) {
                     for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = internal::apply(op, x.data[i]);
                   },
                   [&](const SoftmaxOp& op) { softmax(x, op.log, y); },
                   [&](const MulConstOp& op) {
                     for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = x.data[i] * op.constant.data[i];
                   },
                   [&](const GatherOp& op) {
                     for (size_t i = 0; i < y.data.size(); ++i) {
                       y.data[i] = op.index[i] < 0 ? 0.0 : x.data[static_cast<size_t>(op.index[i])];
                     }
                   },
                   [&](const BinaryOp&) {},
                   [&](const ConcatOp&) {},
                   [&](const ReduceLastOp& op) {
                     const size_t c = x.shape.empty() ? 1 : x.shape.back();
                     for (size_t r = 0; r < y.data.size(); ++r) {
                       double sum = 0, max = x.data[r * c];
                       for (size_t j = 0; j < c; ++j) {
                         sum += x.data[r * c + j];
                         max = std::max(max, x.data[r * c + j]);
                       }
                       y.data[r] = op.kind == ReduceLastOp::Kind::kMax    ? max
                                   : op.kind == ReduceLastOp::Kind::kMean ? sum / static_cast<double>(c)
                                                                          : sum;
                     }
                   },
               },
               node.op);
  }
  return v;
}

std::vector<FloatTensor> float_outputs(const Graph& graph, const std::vector<FloatTensor>& values) {
  std::vector<FloatTensor> out;
  for (size_t o : graph.outputs) out.push_back(values.at(o));
  return out;
}

}  // namespace zkcc::model
