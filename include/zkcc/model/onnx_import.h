// ONNX import: a serialized ModelProto (untrusted bytes) to a Graph.
//
// Supported, default domain, opsets 1 to 21: Gemm (alpha, beta, transA, transB; B a constant),
// MatMul (the right operand a constant matrix), Add (one operand a constant broadcast onto the
// other), Relu, Sigmoid, Tanh, Softmax (last axis), Conv (2-D, group 1, strides, pads, dilations,
// auto_pad), MaxPool and AveragePool (2-D, ceil_mode, count_include_pad, auto_pad),
// GlobalMaxPool, GlobalAveragePool, Flatten, Reshape (shape a constant), Constant, Gelu (opset 20
// or com.microsoft, and the erf decomposition x * 0.5 * (1 + erf(x / sqrt 2)) as exporters write
// it). The model has exactly one runtime input, of element type FLOAT with every dimension known;
// weights are FLOAT or DOUBLE initializers stored in the file (an initializer is a constant even
// when the graph also lists it as an input, as IR versions before 4 require).
//
// Everything else is refused with an error that names the node (its name, or its index and first
// output when unnamed, and its op_type): other operators, unknown or unsupported attributes,
// dynamic or inconsistent shapes, external or sparse data, non-finite weights. Nothing is guessed.
#ifndef ZKCC_MODEL_ONNX_IMPORT_H_
#define ZKCC_MODEL_ONNX_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "zkcc/base/status.h"
#include "zkcc/model/graph.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

struct ImportLimits {
  size_t max_model_bytes = size_t{1} << 30;     // protobuf itself stops at 2 GiB
  size_t max_nodes = size_t{1} << 16;
  size_t max_tensor_elements = size_t{1} << 28;  // any one weight or activation
  size_t max_total_elements = size_t{1} << 30;   // all activations together (the trace's size)
};

StatusOr<Graph> import_onnx(std::span<const uint8_t> bytes, const ImportLimits& limits = {});

// A serialized TensorProto of element type FLOAT or DOUBLE (the ONNX test data format,
// input_N.pb / output_N.pb).
StatusOr<FloatTensor> parse_onnx_tensor(std::span<const uint8_t> bytes, const ImportLimits& limits = {});

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_ONNX_IMPORT_H_
