// What the importer and inspect() share: protobuf parsing with limits, constant tensors, and the
// node-by-node import that can either stop at the first problem or record every node's.
#ifndef ZKCC_SRC_MODEL_ONNX_INTERNAL_H_
#define ZKCC_SRC_MODEL_ONNX_INTERNAL_H_

// onnx_pb.h defines ONNX_API and, with ONNX_ML (set by the onnx_proto target), includes onnx-ml.pb.h.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/graph.h"
#include "zkcc/model/onnx_import.h"

namespace zkcc::model::internal {

inline Status unsupported(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }

// Parses untrusted bytes as one whole message, with the size limit and a nesting limit.
StatusOr<onnx::ModelProto> parse_model(std::span<const uint8_t> bytes, const ImportLimits& limits);
StatusOr<onnx::TensorProto> parse_tensor(std::span<const uint8_t> bytes, const ImportLimits& limits);

// An initializer or Constant: real (FLOAT, DOUBLE) or integer (INT32, INT64, BOOL as 0 or 1) elements.
struct Constant {
  Shape shape;  // rank 0 for a scalar
  bool is_integer = false;
  std::vector<double> real;
  std::vector<int64_t> integer;
  size_t size() const { return is_integer ? integer.size() : real.size(); }
};

// Checks the dimensions, the storage (no external data or segments) and the element count, and
// refuses non-finite reals.
StatusOr<Constant> to_constant(const onnx::TensorProto& t, size_t max_elements);

// "FLOAT", "INT64", or the number when unknown.
std::string element_type_name(int32_t type);

// "node 'fc1' (Gemm)", or "node #3 (Gemm, output 'y')" when the node has no name.
std::string describe_node(size_t index, const onnx::NodeProto& node);

// The default ONNX domain ("" or "ai.onnx").
bool is_default_domain(const std::string& domain);

// Whether import knows the operator at all (attributes and shapes aside).
bool is_known_operator(const onnx::NodeProto& node);

struct NodeRecord {
  bool supported = false;
  std::string reason;
  std::vector<Shape> output_shapes;  // empty when unknown
  size_t parameter_count = 0;
};

struct ImportResult {
  Status status;  // the first problem
  Graph graph;    // complete only when status is OK
  std::vector<NodeRecord> nodes;     // survey mode: one per ONNX node
  std::vector<std::string> notes;    // ImportedModel::notes
  std::vector<std::string> refusals;  // survey mode: every problem, the input's, each node's, the outputs'
};

// Strict mode returns at the first problem; survey mode records each node's and goes on.
ImportResult import_model(const onnx::ModelProto& model, const ImportOptions& options, bool survey);

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_ONNX_INTERNAL_H_
