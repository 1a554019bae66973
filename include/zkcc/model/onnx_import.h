// ONNX import: a serialized ModelProto (untrusted bytes) to a Graph.
//
// What is supported is one table (operators.h, docs/operators.md): operators proved as layers
// (Gemm, MatMul, Conv, pooling, activations, ...), operators folded at import when their operands
// are constants or static shapes (Shape, Gather, Concat, Unsqueeze, Reshape, Range, ...), and
// pass-throughs (Identity, Dropout, Cast between float types), which alias their input. The model
// has exactly one runtime input, of element type FLOAT; weights are FLOAT or DOUBLE initializers
// stored in the file (an initializer is a constant even when the graph also lists it as an input,
// as IR versions before 4 require).
//
// Symbolic input dimensions are resolved from ImportOptions::input_shape; without it, a leading
// symbolic batch dimension (of an input of rank 2 or more) is set to 1 and a note says so, and any
// other symbolic dimension is refused, naming the input and the axis. Declared output and
// value_info shapes are checked against the computed ones, a symbolic name standing for the value
// it was given.
//
// Everything else is refused with an error that names the node (its name, or its index and first
// output when unnamed, and its op_type): other operators, unknown or unsupported attributes,
// inconsistent shapes, external or sparse data, non-finite weights. Nothing is guessed.
#ifndef ZKCC_MODEL_ONNX_IMPORT_H_
#define ZKCC_MODEL_ONNX_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

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

// Where ImportOptions::input_shape came from, for the notes and errors that mention it.
enum class InputShapeSource : uint8_t {
  kGiven,  // by the user (--input-shape): its rank must be the input's
  kData,   // the nesting of the input data: used only when its rank is the input's
};

struct ImportOptions {
  ImportLimits limits;
  // The runtime input's shape; empty: the model's own, with the batch default above. Fixed
  // dimensions must agree with it.
  Shape input_shape;
  InputShapeSource input_shape_source = InputShapeSource::kGiven;
};

struct ImportedModel {
  Graph graph;
  // What the importer decided for the user to know, e.g.
  // "input 'x': batch dimension 'batch_size' set to 1".
  std::vector<std::string> notes;
};

StatusOr<ImportedModel> import_onnx_model(std::span<const uint8_t> bytes, const ImportOptions& options);
StatusOr<Graph> import_onnx(std::span<const uint8_t> bytes, const ImportLimits& limits = {});

// A serialized TensorProto of element type FLOAT or DOUBLE (the ONNX test data format,
// input_N.pb / output_N.pb).
StatusOr<FloatTensor> parse_onnx_tensor(std::span<const uint8_t> bytes, const ImportLimits& limits = {});

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_ONNX_IMPORT_H_
