// A quantized model: integer layers in topological order, each defining one new value.
// values[0] is the quantized input and layers[i] defines values[i + 1], so a run's trace lines up
// with the values. A value stands for the real tensor integer * scale.
#ifndef ZKCC_MODEL_QUANTIZED_GRAPH_H_
#define ZKCC_MODEL_QUANTIZED_GRAPH_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "zkcc/model/layer.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

// (p - 1) / 2 for p = 2^31 - 1: every value and intermediate stays within +- this, so signed
// integers and their residues in M31 are the same thing.
inline constexpr int64_t kM31HalfRange = (int64_t{1} << 30) - 1;

struct QuantizedValue {
  std::string name;  // the ONNX value it carries, or "<onnx value>/<step>" for intermediates
  Shape shape;
  double scale = 1;  // real = integer * scale
  int64_t bound = 0;  // |integer| <= bound for every input (proved at quantization)
  // A bound on |integer * scale - reference| for inputs whose every tensor stays within the
  // calibrated ranges (see quantize.h).
  double error = 0;
};

struct QuantizedGraph {
  unsigned activation_bits = 8;
  int64_t qmax = 127;  // activations entering a product or a lookup lie in [-qmax, qmax]
  std::vector<QuantizedValue> values;
  std::vector<Layer> layers;
  std::vector<size_t> outputs;  // value indices of the ONNX graph outputs, in order
  // The public architecture only: the private tensors (MatMul weights and biases, AddConst
  // constants) keep their shapes but carry no data. Such a graph can be verified against a model
  // commitment, never run or proved.
  bool architecture_only = false;
};

// The graph without its private tensors' data (see architecture_only).
QuantizedGraph architecture_of(QuantizedGraph graph);

// The number of integer parameters (weights, biases, constants and table entries).
size_t parameter_count(const QuantizedGraph& graph);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_QUANTIZED_GRAPH_H_
