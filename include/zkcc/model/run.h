// Exact integer inference of a QuantizedGraph, keeping every intermediate tensor (the prover
// needs each one), and the conversions between real tensors and the graph's integers.
#ifndef ZKCC_MODEL_RUN_H_
#define ZKCC_MODEL_RUN_H_

#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

// values[i] is the integer tensor of graph.values[i]: values[0] the input, values[i + 1] the
// output of layer i.
struct Trace {
  std::vector<IntTensor> values;
};

// round(x / scale) (half away from zero), clamped to [-qmax, qmax]; the shape must be the input's
// and every element finite.
StatusOr<IntTensor> quantize_input(const QuantizedGraph& graph, const FloatTensor& input);
// quantize_input, refusing elements that it would clamp (|x / scale| >= qmax + 1/2, beyond the
// calibrated range): the integers then stand for exactly the given values, up to rounding.
StatusOr<IntTensor> quantize_input_exact(const QuantizedGraph& graph, const FloatTensor& input);

// Runs every layer. Fails if the input's shape or range is wrong, or (which quantization rules
// out) a value leaves its bound or a table's domain.
StatusOr<Trace> run(const QuantizedGraph& graph, const IntTensor& input);

// The graph outputs as real tensors: integer * scale.
std::vector<FloatTensor> dequantize_outputs(const QuantizedGraph& graph, const Trace& trace);

// quantize_input, run and dequantize_outputs in one call.
struct QuantizedRun {
  Trace trace;
  std::vector<FloatTensor> outputs;
};
StatusOr<QuantizedRun> run_quantized(const QuantizedGraph& graph, const FloatTensor& input);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_RUN_H_
