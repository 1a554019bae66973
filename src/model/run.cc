#include "zkcc/model/run.h"

#include <algorithm>
#include <cmath>

#include "zkcc/base/overloaded.h"
#include "zkcc/model/broadcast.h"

namespace zkcc::model {
namespace {

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

// Runs one layer into y (already shaped as its value); checks every size it relies on, since a
// graph may come from anywhere.
Status run_layer(const Layer& layer, const std::vector<const IntTensor*>& in, IntTensor& y) {
  auto need_inputs = [&](size_t n) -> Status {
    if (in.size() != n) return invalid_argument("takes " + std::to_string(n) + " inputs, has " + std::to_string(in.size()));
    return ok_status();
  };
  auto same_size = [&](size_t a, size_t b, const char* what) -> Status {
    if (a != b) return invalid_argument(std::string(what) + " has " + std::to_string(a) + " elements, expected " + std::to_string(b));
    return ok_status();
  };
  // The rows x C view of a tensor's last axis.
  auto columns = [](const IntTensor& t) { return t.shape.empty() ? size_t{1} : t.shape.back(); };
  return std::visit(
      Overloaded{
          [&](const MatMulLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const IntTensor& x = *in[0];
            if (op.weight.shape.size() != 2) return invalid_argument("weight is not a matrix");
            const size_t k = op.weight.shape[0], n = op.weight.shape[1];
            ZKCC_RETURN_IF_ERROR(same_size(op.weight.data.size(), k * n, "weight"));
            if (k == 0 || x.data.size() % k != 0) return invalid_argument("input does not split into rows of " + std::to_string(k));
            const size_t rows = x.data.size() / k;
            ZKCC_RETURN_IF_ERROR(same_size(y.data.size(), rows * n, "output"));
            if (!op.bias.empty()) ZKCC_RETURN_IF_ERROR(same_size(op.bias.size(), n, "bias"));
            for (size_t r = 0; r < rows; ++r) {
              int64_t* out = &y.data[r * n];
              for (size_t j = 0; j < n; ++j) out[j] = op.bias.empty() ? 0 : op.bias[j];
              for (size_t i = 0; i < k; ++i) {
                const int64_t xv = x.data[r * k + i];
                if (xv == 0) continue;
                const int64_t* w = &op.weight.data[i * n];
                for (size_t j = 0; j < n; ++j) out[j] += xv * w[j];
              }
            }
            return ok_status();
          },
          [&](const AddConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "input"));
            ZKCC_RETURN_IF_ERROR(same_size(op.constant.data.size(), y.data.size(), "constant"));
            for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = in[0]->data[i] + op.constant.data[i];
            return ok_status();
          },
          [&](const MulConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "input"));
            ZKCC_RETURN_IF_ERROR(same_size(op.constant.data.size(), y.data.size(), "constant"));
            for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = in[0]->data[i] * op.constant.data[i];
            return ok_status();
          },
          [&](const RequantLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "input"));
            if (op.shift > 62 || op.lo > op.hi) return invalid_argument("bad shift or clamp");
            const int64_t half = op.shift ? int64_t{1} << (op.shift - 1) : 0;
            for (size_t i = 0; i < y.data.size(); ++i) {
              y.data[i] = std::clamp((in[0]->data[i] + half) >> op.shift, op.lo, op.hi);  // >> floors (C++20)
            }
            return ok_status();
          },
          [&](const LookupLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "input"));
            const auto size = static_cast<int64_t>(op.table.size());
            for (size_t i = 0; i < y.data.size(); ++i) {
              const int64_t at = in[0]->data[i] - op.in_min;
              if (at < 0 || at >= size) {
                return out_of_range(op.function + " table has no entry for " + std::to_string(in[0]->data[i]) +
                                    " (element " + std::to_string(i) + ")");
              }
              y.data[i] = op.table[static_cast<size_t>(at)];
            }
            return ok_status();
          },
          [&](const GatherLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(op.index.size(), y.data.size(), "index"));
            const auto size = static_cast<int64_t>(in[0]->data.size());
            for (size_t i = 0; i < y.data.size(); ++i) {
              const int64_t at = op.index[i];
              if (at >= size) return invalid_argument("index " + std::to_string(at) + " is past the input");
              y.data[i] = at < 0 ? op.fill : in[0]->data[static_cast<size_t>(at)];
            }
            return ok_status();
          },
          [&](const ReshapeLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "input"));
            y.data = in[0]->data;
            return ok_status();
          },
          [&](const RowMaxLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const size_t c = columns(*in[0]);
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size() * c, "input"));
            for (size_t r = 0; r < y.data.size(); ++r) {
              const int64_t* row = &in[0]->data[r * c];
              y.data[r] = *std::max_element(row, row + c);
            }
            return ok_status();
          },
          [&](const RowSumLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const size_t c = columns(*in[0]);
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size() * c, "input"));
            for (size_t r = 0; r < y.data.size(); ++r) {
              int64_t s = 0;
              for (size_t j = 0; j < c; ++j) s += in[0]->data[r * c + j];
              y.data[r] = s;
            }
            return ok_status();
          },
          [&](const RowSubLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            const IntTensor &m = *in[0], &x = *in[1];
            const size_t c = columns(x);
            ZKCC_RETURN_IF_ERROR(same_size(x.data.size(), y.data.size(), "input"));
            ZKCC_RETURN_IF_ERROR(same_size(m.data.size() * c, y.data.size(), "row operand"));
            for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = m.data[i / c] - x.data[i];
            return ok_status();
          },
          [&](const RowDivLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            const IntTensor &e = *in[0], &s = *in[1];
            const size_t c = columns(e);
            ZKCC_RETURN_IF_ERROR(same_size(e.data.size(), y.data.size(), "input"));
            ZKCC_RETURN_IF_ERROR(same_size(s.data.size() * c, y.data.size(), "divisor"));
            for (size_t i = 0; i < y.data.size(); ++i) {
              const int64_t d = s.data[i / c];
              if (d <= 0) return out_of_range("divisor " + std::to_string(d) + " is not positive");
              y.data[i] = floor_div(e.data[i] * op.numerator_scale + d / 2, d);
            }
            return ok_status();
          },
          [&](const AddLayer& op) -> Status {
            if (in.empty() || op.coef.size() != in.size()) return invalid_argument("needs one coefficient per input");
            for (size_t j = 0; j < in.size(); ++j) {
              ZKCC_ASSIGN_OR_RETURN(std::vector<size_t> index, broadcast_index(in[j]->shape, y.shape));
              for (size_t i = 0; i < y.data.size(); ++i) y.data[i] += op.coef[j] * in[j]->data[index[i]];
            }
            return ok_status();
          },
          [&](const ConcatLayer& op) -> Status {
            std::vector<Shape> parts;
            for (const IntTensor* t : in) parts.push_back(t->shape);
            ZKCC_ASSIGN_OR_RETURN(Shape shape, concat_shape(parts, op.axis));
            if (shape != y.shape) return invalid_argument("the parts make " + shape_string(shape) + ", not " + shape_string(y.shape));
            const auto index = concat_index(parts, op.axis);
            for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = in[index[i].first]->data[index[i].second];
            return ok_status();
          },
          [&](const MulLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            ZKCC_RETURN_IF_ERROR(same_size(in[0]->data.size(), y.data.size(), "first input"));
            ZKCC_RETURN_IF_ERROR(same_size(in[1]->data.size(), y.data.size(), "second input"));
            for (size_t i = 0; i < y.data.size(); ++i) y.data[i] = in[0]->data[i] * in[1]->data[i];
            return ok_status();
          },
      },
      layer.op);
}

}  // namespace

namespace {

StatusOr<IntTensor> quantize_input(const QuantizedGraph& graph, const FloatTensor& input, bool exact) {
  if (graph.values.empty()) return invalid_argument("graph has no input");
  const QuantizedValue& in = graph.values[0];
  if (input.shape != in.shape) {
    return invalid_argument("input has shape " + shape_string(input.shape) + ", the model takes " + shape_string(in.shape));
  }
  if (input.data.size() != element_count(in.shape)) return invalid_argument("input data does not match its shape");
  IntTensor q{in.shape, std::vector<int64_t>(input.data.size())};
  const auto qmax = static_cast<double>(graph.qmax);
  for (size_t i = 0; i < input.data.size(); ++i) {
    if (!std::isfinite(input.data[i])) return invalid_argument("input element " + std::to_string(i) + " is not finite");
    const double x = input.data[i] / in.scale;
    // Values from qmax + 1/2 on round beyond qmax: clamped, they would stand for another number.
    if (exact && !(std::abs(x) < qmax + 0.5)) {
      return out_of_range("input element " + std::to_string(i) + " = " + std::to_string(input.data[i]) +
                          " is outside the calibrated range +-" + std::to_string(qmax * in.scale));
    }
    q.data[i] = std::llround(std::clamp(x, -qmax, qmax));
  }
  return q;
}

}  // namespace

StatusOr<IntTensor> quantize_input(const QuantizedGraph& graph, const FloatTensor& input) {
  return quantize_input(graph, input, false);
}

StatusOr<IntTensor> quantize_input_exact(const QuantizedGraph& graph, const FloatTensor& input) {
  return quantize_input(graph, input, true);
}

StatusOr<Trace> run(const QuantizedGraph& graph, const IntTensor& input) {
  if (graph.architecture_only) return failed_precondition("the graph is an architecture without weights: it cannot run");
  if (graph.values.size() != graph.layers.size() + 1) {
    return invalid_argument("graph has " + std::to_string(graph.values.size()) + " values for " +
                            std::to_string(graph.layers.size()) + " layers");
  }
  const QuantizedValue& in = graph.values[0];
  if (input.shape != in.shape || input.data.size() != element_count(in.shape)) {
    return invalid_argument("input has shape " + shape_string(input.shape) + ", the model takes " + shape_string(in.shape));
  }
  for (size_t i = 0; i < input.data.size(); ++i) {
    if (std::abs(input.data[i]) > in.bound) {
      return out_of_range("input element " + std::to_string(i) + " = " + std::to_string(input.data[i]) +
                          " is outside [-" + std::to_string(in.bound) + ", " + std::to_string(in.bound) + "]");
    }
  }
  Trace t;
  t.values.reserve(graph.values.size());
  t.values.push_back(input);
  for (size_t l = 0; l < graph.layers.size(); ++l) {
    const Layer& layer = graph.layers[l];
    const QuantizedValue& out = graph.values[l + 1];
    const std::string where = "layer " + std::to_string(l) + " (" + layer_kind_name(layer.op) + " of node " + layer.node + ")";
    std::vector<const IntTensor*> ins;
    for (size_t v : layer.inputs) {
      if (v > l) return invalid_argument(where + " reads value " + std::to_string(v) + " before it is defined");
      ins.push_back(&t.values[v]);
    }
    IntTensor y{out.shape, std::vector<int64_t>(element_count(out.shape))};
    Status s = run_layer(layer, ins, y);
    if (!s.ok()) return s.with_context(where);
    for (size_t i = 0; i < y.data.size(); ++i) {
      if (std::abs(y.data[i]) > out.bound) {
        return internal_error(where + ": element " + std::to_string(i) + " = " + std::to_string(y.data[i]) +
                              " exceeds the bound " + std::to_string(out.bound));
      }
    }
    t.values.push_back(std::move(y));
  }
  return t;
}

std::vector<FloatTensor> dequantize_outputs(const QuantizedGraph& graph, const Trace& trace) {
  std::vector<FloatTensor> out;
  for (size_t v : graph.outputs) {
    const IntTensor& q = trace.values.at(v);
    FloatTensor f{q.shape, std::vector<double>(q.data.size())};
    for (size_t i = 0; i < q.data.size(); ++i) f.data[i] = static_cast<double>(q.data[i]) * graph.values[v].scale;
    out.push_back(std::move(f));
  }
  return out;
}

StatusOr<QuantizedRun> run_quantized(const QuantizedGraph& graph, const FloatTensor& input) {
  ZKCC_ASSIGN_OR_RETURN(IntTensor q, quantize_input(graph, input));
  ZKCC_ASSIGN_OR_RETURN(Trace trace, run(graph, q));
  std::vector<FloatTensor> outputs = dequantize_outputs(graph, trace);
  return QuantizedRun{std::move(trace), std::move(outputs)};
}

}  // namespace zkcc::model
