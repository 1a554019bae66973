// The importer's node-by-node state, shared by the files that lower one family of ONNX operators
// each (onnx_import.cc: the walk, products and folding; onnx_window.cc: convolution and pools;
// onnx_elementwise.cc: functions and constant arithmetic; onnx_binary.cc: operators over several
// activations; onnx_layout.cc: data movement on activations; onnx_table.cc: the operator table).
#ifndef ZKCC_SRC_MODEL_ONNX_IMPORTER_H_
#define ZKCC_SRC_MODEL_ONNX_IMPORTER_H_

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "onnx_fold.h"
#include "onnx_internal.h"
#include "zkcc/model/operators.h"

namespace zkcc::model::internal {

inline std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

// The attributes of one node, each read with its declared type.
class Attrs {
 public:
  explicit Attrs(const onnx::NodeProto& node) : node_(node) {}

  // Refuses attributes outside `known` and repeated ones.
  Status only(std::initializer_list<std::string_view> known) const {
    std::set<std::string> seen;
    for (const auto& a : node_.attribute()) {
      if (std::find(known.begin(), known.end(), a.name()) == known.end()) {
        return unsupported("attribute " + quote(a.name()) + " is not supported");
      }
      if (!seen.insert(a.name()).second) return invalid_argument("attribute " + quote(a.name()) + " appears twice");
    }
    return ok_status();
  }

  const onnx::AttributeProto* find(std::string_view name) const {
    for (const auto& a : node_.attribute()) {
      if (a.name() == name) return &a;
    }
    return nullptr;
  }

  StatusOr<int64_t> i(std::string_view name, int64_t fallback) const {
    const auto* a = find(name);
    if (!a) return fallback;
    if (!typed(*a, onnx::AttributeProto::INT, a->has_i())) return wrong_type(*a, "INT");
    return a->i();
  }
  StatusOr<double> f(std::string_view name, double fallback) const {
    const auto* a = find(name);
    if (!a) return fallback;
    if (!typed(*a, onnx::AttributeProto::FLOAT, a->has_f())) return wrong_type(*a, "FLOAT");
    if (!std::isfinite(a->f())) return invalid_argument("attribute " + quote(name) + " is not finite");
    return static_cast<double>(a->f());
  }
  StatusOr<std::vector<int64_t>> ints(std::string_view name, std::vector<int64_t> fallback) const {
    const auto* a = find(name);
    if (!a) return fallback;
    if (!typed(*a, onnx::AttributeProto::INTS, a->ints_size() > 0)) return wrong_type(*a, "INTS");
    return std::vector<int64_t>(a->ints().begin(), a->ints().end());
  }
  StatusOr<std::string> s(std::string_view name, std::string fallback) const {
    const auto* a = find(name);
    if (!a) return fallback;
    if (!typed(*a, onnx::AttributeProto::STRING, a->has_s())) return wrong_type(*a, "STRING");
    return a->s();
  }

 private:
  // Old exporters may leave `type` unset; then the field that is present decides.
  static bool typed(const onnx::AttributeProto& a, onnx::AttributeProto::AttributeType want, bool has_field) {
    return a.type() == want || (a.type() == onnx::AttributeProto::UNDEFINED && has_field);
  }
  static Status wrong_type(const onnx::AttributeProto& a, const char* want) {
    return invalid_argument("attribute " + quote(a.name()) + " should be " + want + " but is " +
                            onnx::AttributeProto::AttributeType_Name(a.type()));
  }

  const onnx::NodeProto& node_;
};

// Expands c onto `to` under numpy's unidirectional broadcasting.
StatusOr<std::vector<double>> broadcast_to(const Constant& c, const Shape& to, const std::string& what);

class Importer {
 public:
  Importer(const onnx::ModelProto& model, const ImportOptions& options, bool survey)
      : model_(model), graph_(model.graph()), options_(options), limits_(options.limits), survey_(survey) {}

  ImportResult run();

  // The operator table (operators.h): what each operator is, and the function that imports it.
  using ImportFn = Status (*)(Importer&);
  struct Row {
    OperatorSupport info;
    ImportFn import;
  };
  static std::span<const Row> rows();
  static const Row* find_row(const onnx::NodeProto& node);

 private:
  struct Entry {
    enum class Kind : uint8_t { kRuntime, kConstant, kUnknown } kind;
    size_t index = 0;  // into g_.values or consts_
  };
  // x * 0.5 * (1 + erf(x / sqrt 2)) spread over five nodes, imported as one Gelu at the last.
  struct GeluGroup {
    std::vector<size_t> nodes;
    std::string x, y;
  };

  Status check_header();
  Status load_initializers();
  Status load_input();
  void find_gelu_groups();
  Status import_node();
  Status check_outputs();
  Status check_declared(const std::string& what, const onnx::TypeProto& type, const Shape& computed);
  Status check_value_info();

  // The current node's pieces.
  const onnx::NodeProto& node() const { return graph_.node(static_cast<int>(node_index_)); }
  bool has_input(size_t k) const { return static_cast<int>(k) < node().input_size() && !node().input(static_cast<int>(k)).empty(); }
  Status expect_io(size_t min_inputs, size_t max_inputs, size_t outputs) const;
  StatusOr<Entry> lookup(const std::string& name) const;
  StatusOr<size_t> runtime_input(size_t k) const;
  StatusOr<const Constant*> constant_input(size_t k) const;
  StatusOr<size_t> new_value(std::string name, Shape shape);
  Status define(const std::string& name, Entry e);
  // Adds a node reading `input`; defines a new value of `shape` named after output 0 (plus `step`
  // for an intermediate) and returns it.
  StatusOr<size_t> emit(Op op, size_t input, Shape shape, const std::string& step = "");
  Status define_output(size_t value) { return define(node().output(0), {Entry::Kind::kRuntime, value}); }
  const Shape& shape_of(size_t value) const { return g_.values[value].shape; }
  std::optional<double> scalar_constant(const std::string& name) const;
  size_t constant_input_elements() const;

  Status import_gemm();
  Status import_matmul();
  Status import_activation(Activation fn);
  Status import_gelu();
  Status import_softmax(bool log);
  Status import_flatten();
  Status import_reshape();
  // Sliding windows (onnx_window.cc).
  Status import_conv();
  Status import_pool(bool max, bool global);
  Status import_constant();
  // Folding and pass-through (onnx_fold.h).
  StatusOr<const Constant*> fold_input(size_t k) const;
  StatusOr<std::vector<int64_t>> int_list(size_t k) const;
  Status define_constant(Constant c);
  Status import_identity();
  Status import_dropout();
  Status import_cast();
  Status import_shape();
  Status import_size();
  Status import_gather();
  Status import_slice();
  Status import_concat();
  Status import_unsqueeze(bool squeeze);
  Status import_expand();
  Status import_constant_of_shape();
  Status fold_all(size_t n, const std::function<StatusOr<Constant>(const std::vector<const Constant*>&)>& f);
  Status import_binary(BinaryFold op);
  // Elementwise functions and arithmetic with a constant (onnx_elementwise.cc).
  Status import_function(Activation fn);
  Status import_clip();
  Status import_pow();
  Status import_neg();
  Status import_add();
  Status import_sub();
  Status import_mul_div(bool div);
  Status import_batch_norm();
  Status apply_function(const ActivationOp& op);
  // For a binary node with one runtime operand: that operand's value and which input it is, or
  // none for two constants (then folded); for two runtime operands x and other (c null).
  struct MixedOperands {
    size_t x = 0;
    size_t x_input = 0;
    const Constant* c = nullptr;
    size_t other = 0;
  };
  StatusOr<std::optional<MixedOperands>> mixed_operands();
  // The constant operand of a binary node spread over the runtime operand's shape (numpy
  // broadcasting, or before opset 7 the legacy broadcast and axis attributes).
  StatusOr<std::vector<double>> spread(const Constant& c, const Shape& xs);
  // Operators over several activations (onnx_binary.cc).
  Status combine_activations(BinaryOp::Kind kind, size_t a, size_t b);
  Status import_max_min(bool max);
  Status import_sum_mean(bool mean);
  Status import_prelu();
  // Concatenation of several distinct activations (and constants): `parts` per input.
  Status concat_activations(const std::vector<Entry>& parts, int64_t axis);
  // Data movement on activations (onnx_layout.cc): the output as a gather of x, or as a reshape
  // when it keeps the order; `source` gives, per output element, its index in x (-1: a zero).
  StatusOr<size_t> emit_moved(size_t x, const Constant& source, size_t output);
  // The same, then `fill` added where source < 0 (a padding value or concatenated constants).
  Status emit_moved_filled(size_t x, const Constant& source, std::vector<double> fill);
  Status import_transpose();
  Status import_pad();
  Status import_tile();
  Status import_split();
  // ReduceMin is the maximum of -x, negated.
  Status import_reduce(ReduceLastOp::Kind kind, bool min = false);
  // Softmax over an axis of x other than the last.
  Status softmax_off_last(size_t x, size_t axis, bool log);
  // Layout operators on activations or constants alike: `move` maps an index tensor of the
  // input's shape (each element its own flat index) to the output's.
  Status move_any(const std::function<StatusOr<Constant>(const Constant&)>& move);

  const onnx::ModelProto& model_;
  const onnx::GraphProto& graph_;
  const ImportOptions& options_;
  const ImportLimits& limits_;
  const bool survey_;
  int64_t opset_ = 0;
  Graph g_;
  std::vector<Constant> consts_;
  std::unordered_map<std::string, Entry> names_;
  size_t total_elements_ = 0;
  size_t node_index_ = 0;
  std::unordered_map<std::string, size_t> producer_;
  std::vector<GeluGroup> gelu_;
  std::unordered_map<size_t, size_t> gelu_of_node_;
  std::vector<std::string> notes_;
  std::unordered_map<std::string, size_t> dims_;  // symbolic dimension name -> its size
  std::unordered_map<std::string, std::vector<size_t>> consumers_;  // value name -> the nodes reading it
  std::set<std::string> graph_outputs_;
};

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_ONNX_IMPORTER_H_
