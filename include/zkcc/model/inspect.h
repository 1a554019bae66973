// What `prove-model inspect` shows of an ONNX file: its inputs and outputs, each node with its
// shapes, parameter count and whether zkcc can prove it (and why not), without stopping at the
// first problem the way import_onnx does.
#ifndef ZKCC_MODEL_INSPECT_H_
#define ZKCC_MODEL_INSPECT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/status.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model {

struct TensorSummary {
  std::string name;
  std::vector<std::string> dims;  // a number, a symbolic name, or "?"
  std::string element_type;       // "FLOAT", "INT64", ...
};

struct NodeSummary {
  std::string name;  // may be empty
  std::string op_type;
  std::vector<Shape> output_shapes;  // empty when unknown (after an unsupported node)
  size_t parameter_count = 0;        // elements of the constant inputs (onnx_parameters in JSON)
  bool supported = false;
  std::string reason;  // why not, when not supported
};

struct ModelSummary {
  int64_t ir_version = 0;
  int64_t opset = 0;
  std::string producer;
  std::vector<TensorSummary> inputs;  // runtime inputs (initializers left out)
  std::vector<TensorSummary> outputs;
  std::vector<NodeSummary> nodes;
  size_t parameter_count = 0;  // all initializer and Constant elements
  bool supported = false;      // import_onnx would accept the model
  std::string error;           // import_onnx's error when not (the first refusal)
  std::vector<std::string> refusals;  // every refusal: the input's, each node's, the outputs'
  std::vector<std::string> notes;     // what the importer decided (ImportedModel::notes)
};

// Fails only when the bytes are not a ModelProto at all (or exceed the limits).
StatusOr<ModelSummary> inspect(std::span<const uint8_t> bytes, const ImportOptions& options = {});
StatusOr<ModelSummary> inspect(std::span<const uint8_t> bytes, const ImportLimits& limits);

// The counts `prove-model inspect --json` and the server's model description both give, under the
// same names, so that the two can be compared:
//   onnx_nodes            nodes of the ONNX graph
//   onnx_parameters       elements of the ONNX initializers and Constant nodes, as stored
//   quantized_layers      layers of zkcc's quantized graph (what the proof proves, one by one)
//   committed_parameters  integers the model commitment binds: weights, biases, constants and
//                         lookup-table entries, without the zero padding to powers of two
nlohmann::json onnx_counts_json(const ModelSummary& summary);
nlohmann::json quantized_counts_json(const QuantizedGraph& graph);

// A table for people, one node a line.
std::string summary_text(const ModelSummary& summary);
nlohmann::json summary_json(const ModelSummary& summary);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_INSPECT_H_
