// ONNX graph to Graph, one node at a time (see onnx_import.h for what is supported).
#include "onnx_importer.h"

namespace zkcc::model::internal {

// Expands c onto `to` under numpy's unidirectional broadcasting.
StatusOr<std::vector<double>> broadcast_to(const Constant& c, const Shape& to, const std::string& what) {
  if (c.is_integer) return invalid_argument(what + " is an integer tensor; a real tensor is needed");
  auto refuse = [&] {
    return unsupported(what + " of shape " + shape_string(c.shape) + " does not broadcast onto " + shape_string(to));
  };
  if (c.shape.size() > to.size()) return refuse();
  const size_t offset = to.size() - c.shape.size();
  std::vector<size_t> stride(to.size(), 0);  // c's stride along each output dimension (0 when broadcast)
  size_t s = 1;
  for (size_t d = c.shape.size(); d-- > 0;) {
    if (c.shape[d] != 1 && c.shape[d] != to[offset + d]) return refuse();
    stride[offset + d] = c.shape[d] == 1 ? 0 : s;
    s *= c.shape[d];
  }
  std::vector<double> out(element_count(to));
  std::vector<size_t> idx(to.size(), 0);
  for (size_t i = 0; i < out.size(); ++i) {
    size_t src = 0;
    for (size_t d = 0; d < to.size(); ++d) src += idx[d] * stride[d];
    out[i] = c.real[src];
    for (size_t d = to.size(); d-- > 0;) {  // next multi-index, last dimension fastest
      if (++idx[d] < to[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

namespace {

constexpr int64_t kMinOpset = 1, kMaxOpset = 21;
constexpr int64_t kMinIrVersion = 3, kMaxIrVersion = 10;

}  // namespace

Status Importer::check_header() {
  if (!model_.has_ir_version()) return invalid_argument("model has no ir_version");
  if (model_.ir_version() < kMinIrVersion || model_.ir_version() > kMaxIrVersion) {
    return unsupported("IR version " + std::to_string(model_.ir_version()) + " is outside the supported " +
                       std::to_string(kMinIrVersion) + " to " + std::to_string(kMaxIrVersion));
  }
  bool found = false;
  for (const auto& o : model_.opset_import()) {
    if (!is_default_domain(o.domain())) continue;
    if (found) return invalid_argument("model imports the default ONNX domain twice");
    found = true;
    opset_ = o.version();
  }
  if (!found) return invalid_argument("model declares no opset for the default ONNX domain");
  if (opset_ < kMinOpset || opset_ > kMaxOpset) {
    return unsupported("opset " + std::to_string(opset_) + " is outside the supported " + std::to_string(kMinOpset) +
                       " to " + std::to_string(kMaxOpset));
  }
  if (static_cast<size_t>(graph_.node_size()) > limits_.max_nodes) {
    return out_of_range("graph has " + std::to_string(graph_.node_size()) + " nodes, over the limit of " +
                        std::to_string(limits_.max_nodes));
  }
  return ok_status();
}

Status Importer::load_initializers() {
  if (graph_.sparse_initializer_size() > 0) {
    return unsupported("sparse initializer '" + graph_.sparse_initializer(0).values().name() + "' is not supported");
  }
  for (const auto& t : graph_.initializer()) {
    if (t.name().empty()) return invalid_argument("an initializer has no name");
    ZKCC_ASSIGN_OR_RETURN(Constant c, to_constant(t, limits_.max_tensor_elements));
    consts_.push_back(std::move(c));
    ZKCC_RETURN_IF_ERROR(define(t.name(), {Entry::Kind::kConstant, consts_.size() - 1}).with_context("initializer"));
  }
  return ok_status();
}

// The one graph input that is not an initializer: FLOAT, every dimension known, given
// (options.input_shape) or defaulted (a leading symbolic batch dimension).
Status Importer::load_input() {
  std::vector<const onnx::ValueInfoProto*> runtime;
  for (const auto& in : graph_.input()) {
    if (!names_.count(in.name())) runtime.push_back(&in);
  }
  // Registered as unknown first, so that survey mode can go on past a refused input.
  for (const auto* in : runtime) ZKCC_RETURN_IF_ERROR(define(in->name(), {Entry::Kind::kUnknown, 0}));
  if (runtime.size() != 1) {
    std::string names;
    for (const auto* in : runtime) names += (names.empty() ? "" : ", ") + quote(in->name());
    return unsupported("graph has " + std::to_string(runtime.size()) + " runtime inputs" +
                       (names.empty() ? "" : " (" + names + ")") + "; exactly one is supported");
  }
  const onnx::ValueInfoProto& in = *runtime[0];
  const std::string what = "graph input " + quote(in.name());
  if (!in.type().has_tensor_type()) return unsupported(what + " is not a tensor");
  const auto& tt = in.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::FLOAT) {
    return unsupported(what + " has element type " + element_type_name(tt.elem_type()) + "; only FLOAT is supported");
  }
  const bool data = options_.input_shape_source == InputShapeSource::kData;
  if (!tt.has_shape() && (options_.input_shape.empty() || data)) {
    return unsupported(what + " has no shape; give it with --input-shape");
  }
  const int rank = tt.has_shape() ? tt.shape().dim_size() : static_cast<int>(options_.input_shape.size());
  const char* given_by = data ? "the input data's shape" : "the given input shape";
  const Shape* given = options_.input_shape.empty() ? nullptr : &options_.input_shape;
  if (given && given->size() != static_cast<size_t>(rank) && !data) {
    return invalid_argument("the given input shape " + shape_string(*given) + " has " + std::to_string(given->size()) +
                            " dimensions but " + what + " has " + std::to_string(rank));
  }
  // The data's nesting is a hint: a flat array for a 4-D input, or [8, 8] rows for a [1, 64]
  // input, say nothing about the shape (the element count is checked when the data is read).
  if (given && data) {
    bool fits = given->size() == static_cast<size_t>(rank) && tt.has_shape();
    for (int d = 0; fits && d < rank; ++d) {
      const auto& dim = tt.shape().dim(d);
      const size_t want = (*given)[static_cast<size_t>(d)];
      fits = want > 0 && want <= limits_.max_tensor_elements &&
             (!dim.has_dim_value() || static_cast<uint64_t>(dim.dim_value()) == want);
    }
    if (!fits) given = nullptr;
  }
  // An example of --input-shape for the refusals: the known dimensions, the symbolic ones by name.
  auto example = [&] {
    std::string e;
    for (int d = 0; d < rank; ++d) {
      const auto& dim = tt.shape().dim(d);
      e += d ? "," : "";
      e += dim.has_dim_value() ? std::to_string(dim.dim_value())
           : d == 0 && rank > 1 ? "1"
           : "<" + (dim.has_dim_param() ? dim.dim_param() : "axis " + std::to_string(d)) + ">";
    }
    return e;
  };
  Shape shape;
  for (int d = 0; d < rank; ++d) {
    const std::string axis = " at axis " + std::to_string(d);
    const size_t want = given ? (*given)[static_cast<size_t>(d)] : 0;
    if (given && (want == 0 || want > limits_.max_tensor_elements)) {
      return invalid_argument(std::string(given_by) + " " + shape_string(*given) + " has dimension " + std::to_string(want) + axis);
    }
    if (!tt.has_shape()) {
      shape.push_back(want);
      continue;
    }
    const auto& dim = tt.shape().dim(d);
    if (dim.has_dim_value()) {
      if (dim.dim_value() <= 0) return unsupported(what + " has dimension " + std::to_string(dim.dim_value()) + axis);
      if (static_cast<uint64_t>(dim.dim_value()) > limits_.max_tensor_elements) {
        return out_of_range(what + " has a dimension over the element limit");
      }
      const auto v = static_cast<size_t>(dim.dim_value());
      if (given && want != v) {
        return invalid_argument(what + " has dimension " + std::to_string(v) + axis + " but " + given_by + " " +
                                shape_string(*given) + " has " + std::to_string(want));
      }
      shape.push_back(v);
      continue;
    }
    const std::string name = dim.has_dim_param() ? quote(dim.dim_param()) : "";
    size_t v = want;
    if (!given) {
      if (d != 0 || rank < 2) {
        return unsupported(what + " has " + (dim.has_dim_param() ? "the symbolic dimension " + name : "an unknown dimension") +
                           axis + ", which has no default (only a leading batch dimension defaults to 1); give the " +
                           "input's shape with --input-shape " + example());
      }
      v = 1;
      notes_.push_back("input " + quote(in.name()) + ": batch dimension " + (name.empty() ? "(unnamed)" : name) +
                       " set to 1");
    } else {
      notes_.push_back("input " + quote(in.name()) + ": dimension " + (name.empty() ? "(unnamed)" : name) + axis +
                       " set to " + std::to_string(v) + " from " + given_by);
    }
    if (dim.has_dim_param()) {
      auto [it, inserted] = dims_.emplace(dim.dim_param(), v);
      if (!inserted && it->second != v) {
        return invalid_argument(what + " names the dimension " + name + " twice with different sizes (" +
                                std::to_string(it->second) + " and " + std::to_string(v) + ")");
      }
    }
    shape.push_back(v);
  }
  ZKCC_ASSIGN_OR_RETURN(size_t v, new_value(in.name(), shape));
  g_.input = v;
  names_[in.name()] = {Entry::Kind::kRuntime, v};
  return ok_status();
}

std::optional<double> Importer::scalar_constant(const std::string& name) const {
  auto it = names_.find(name);
  if (it != names_.end()) {
    if (it->second.kind != Entry::Kind::kConstant) return std::nullopt;
    const Constant& c = consts_[it->second.index];
    if (c.size() != 1) return std::nullopt;
    return c.is_integer ? static_cast<double>(c.integer[0]) : c.real[0];
  }
  auto p = producer_.find(name);  // a Constant node later in the list
  if (p == producer_.end()) return std::nullopt;
  const onnx::NodeProto& n = graph_.node(static_cast<int>(p->second));
  if (n.op_type() != "Constant" || !is_default_domain(n.domain()) || n.attribute_size() != 1) return std::nullopt;
  const auto& a = n.attribute(0);
  if (a.name() == "value_float") return static_cast<double>(a.f());
  if (a.name() != "value") return std::nullopt;
  auto c = to_constant(a.t(), 1);
  if (!c.ok() || c->size() != 1) return std::nullopt;
  return c->is_integer ? static_cast<double>(c->integer[0]) : c->real[0];
}

void Importer::find_gelu_groups() {
  auto& consumers = consumers_;
  for (int i = 0; i < graph_.node_size(); ++i) {
    for (const auto& in : graph_.node(i).input()) consumers[in].push_back(static_cast<size_t>(i));
    for (const auto& out : graph_.node(i).output()) producer_.emplace(out, static_cast<size_t>(i));
  }
  auto& graph_outputs = graph_outputs_;
  for (const auto& o : graph_.output()) graph_outputs.insert(o.name());
  auto node_at = [&](size_t i) -> const onnx::NodeProto& { return graph_.node(static_cast<int>(i)); };
  auto is_op = [&](size_t i, const char* op, int inputs) {
    return node_at(i).op_type() == op && is_default_domain(node_at(i).domain()) && node_at(i).input_size() == inputs &&
           node_at(i).output_size() == 1;
  };
  // The one consumer of an intermediate that is not a graph output.
  auto only_consumer = [&](const std::string& v) -> std::optional<size_t> {
    auto it = consumers.find(v);
    if (graph_outputs.count(v) || it == consumers.end() || it->second.size() != 1) return std::nullopt;
    return it->second[0];
  };
  auto near = [&](const std::string& name, double want) {
    auto c = scalar_constant(name);
    return c && std::abs(*c - want) <= 1e-4 * std::abs(want);
  };
  // For a binary node with a constant operand near `want`: the other operand's name.
  auto other_operand = [&](size_t i, double want) -> std::optional<std::string> {
    const auto& n = node_at(i);
    if (near(n.input(1), want)) return n.input(0);
    if (near(n.input(0), want) && n.op_type() != "Div") return n.input(1);
    return std::nullopt;
  };
  for (size_t e = 0; e < static_cast<size_t>(graph_.node_size()); ++e) {
    if (!is_op(e, "Erf", 1)) continue;
    auto p1 = producer_.find(node_at(e).input(0));
    if (p1 == producer_.end()) continue;
    size_t n1 = p1->second;
    std::optional<std::string> x;
    if (is_op(n1, "Div", 2)) x = other_operand(n1, std::sqrt(2.0));
    if (is_op(n1, "Mul", 2)) x = other_operand(n1, std::sqrt(0.5));
    if (!x || only_consumer(node_at(n1).output(0)) != e) continue;
    auto n3 = only_consumer(node_at(e).output(0));
    if (!n3 || !is_op(*n3, "Add", 2) || other_operand(*n3, 1.0) != node_at(e).output(0)) continue;
    auto n4 = only_consumer(node_at(*n3).output(0));
    if (!n4 || !is_op(*n4, "Mul", 2)) continue;
    const std::string& t3 = node_at(*n3).output(0);
    const std::string& a = node_at(*n4).input(0) == t3 ? node_at(*n4).input(1) : node_at(*n4).input(0);
    GeluGroup g;
    if (a == *x) {  // ((x * (1 + erf)) * 0.5
      auto n5 = only_consumer(node_at(*n4).output(0));
      if (!n5 || !is_op(*n5, "Mul", 2) || other_operand(*n5, 0.5) != node_at(*n4).output(0)) continue;
      g = {{n1, e, *n3, *n4, *n5}, *x, node_at(*n5).output(0)};
    } else {  // (x * 0.5) * (1 + erf)
      auto p0 = producer_.find(a);
      if (p0 == producer_.end() || !is_op(p0->second, "Mul", 2) || other_operand(p0->second, 0.5) != *x ||
          only_consumer(a) != *n4) {
        continue;
      }
      g = {{p0->second, n1, e, *n3, *n4}, *x, node_at(*n4).output(0)};
    }
    std::sort(g.nodes.begin(), g.nodes.end());
    bool taken = false;
    for (size_t i : g.nodes) taken |= gelu_of_node_.count(i) > 0;
    if (taken) continue;
    for (size_t i : g.nodes) gelu_of_node_[i] = gelu_.size();
    gelu_.push_back(std::move(g));
  }
}

ImportResult Importer::run() {
  ImportResult r;
  auto stop = [&](Status s) {
    r.status = std::move(s);
    return std::move(r);
  };
  Status header = check_header();
  if (header.ok()) header = load_initializers();
  if (!header.ok()) {
    if (!survey_) return stop(header);
    r.refusals.push_back(header.message());
    for (const auto& n : graph_.node()) {
      r.nodes.push_back({is_known_operator(n), "not analysed: " + header.message(), {}, 0});
    }
    return stop(header);
  }
  Status input = load_input();
  if (!input.ok()) {
    if (!survey_) return stop(input);
    r.status = input;
    r.refusals.push_back(input.message());
  }
  find_gelu_groups();
  for (node_index_ = 0; node_index_ < static_cast<size_t>(graph_.node_size()); ++node_index_) {
    const onnx::NodeProto& n = node();
    NodeRecord rec;
    rec.parameter_count = constant_input_elements();
    bool unknown = false;
    for (const auto& in : n.input()) {
      auto it = names_.find(in);
      unknown |= !in.empty() && it != names_.end() && it->second.kind == Entry::Kind::kUnknown;
    }
    Status st;
    if (unknown) {
      rec.supported = is_known_operator(n) || gelu_of_node_.count(node_index_);
      rec.reason = "not analysed: an input comes from an unsupported node or input";
    } else {
      st = import_node();
    }
    if (!st.ok()) {
      st = st.with_context(describe_node(node_index_, n));
      if (!survey_) return stop(st);
      if (r.status.ok()) r.status = st;
      rec.reason = st.message();
      r.refusals.push_back(st.message());
    } else if (!unknown) {
      rec.supported = true;
      for (const auto& out : n.output()) {
        auto it = names_.find(out);
        if (it == names_.end()) {  // inside a GELU group (elementwise, so x's shape), or an unused optional output
          auto group = gelu_of_node_.find(node_index_);
          if (group == gelu_of_node_.end()) continue;
          auto x = names_.find(gelu_[group->second].x);
          if (x != names_.end() && x->second.kind == Entry::Kind::kRuntime) rec.output_shapes.push_back(shape_of(x->second.index));
          continue;
        }
        if (it->second.kind == Entry::Kind::kRuntime) rec.output_shapes.push_back(shape_of(it->second.index));
        if (it->second.kind == Entry::Kind::kConstant) rec.output_shapes.push_back(consts_[it->second.index].shape);
      }
    }
    for (const auto& out : n.output()) {
      if (!out.empty() && !names_.count(out) && (unknown || !st.ok())) names_[out] = {Entry::Kind::kUnknown, 0};
    }
    if (survey_) r.nodes.push_back(std::move(rec));
  }
  for (Status end : {check_value_info(), check_outputs()}) {
    if (end.ok()) continue;
    if (!survey_ && r.status.ok()) return stop(end);
    // An output of a refused node is no refusal of its own.
    if (!r.status.ok() && end.message().find("comes from an unsupported node") != std::string::npos) continue;
    if (r.status.ok()) r.status = end;
    r.refusals.push_back(end.message());
  }
  r.notes = notes_;
  if (r.status.ok()) {
    g_.opset = opset_;
    r.graph = std::move(g_);
  }
  return r;
}

Status Importer::check_outputs() {
  if (graph_.output_size() == 0) return invalid_argument("graph has no outputs");
  for (const auto& o : graph_.output()) {
    const std::string what = "graph output " + quote(o.name());
    auto it = names_.find(o.name());
    if (it == names_.end()) return invalid_argument(what + " is not computed by any node");
    if (it->second.kind == Entry::Kind::kUnknown) return unsupported(what + " comes from an unsupported node or input");
    if (it->second.kind == Entry::Kind::kConstant) return unsupported(what + " is a constant");
    size_t v = it->second.index;
    if (v == g_.input) return unsupported(what + " is the graph input itself");
    if (o.type().has_tensor_type()) {
      const auto& tt = o.type().tensor_type();
      if (tt.elem_type() != 0 && tt.elem_type() != onnx::TensorProto::FLOAT) {
        return unsupported(what + " has element type " + element_type_name(tt.elem_type()) + "; only FLOAT is supported");
      }
    }
    ZKCC_RETURN_IF_ERROR(check_declared(what, o.type(), shape_of(v)));
    g_.outputs.push_back(v);
  }
  return ok_status();
}

// A declared shape against the computed one: every fixed dimension equal, and every symbolic name
// one size throughout the graph (the input's names have theirs; an output's new name takes the
// size it first stands for).
Status Importer::check_declared(const std::string& what, const onnx::TypeProto& type, const Shape& computed) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return ok_status();
  const auto& dims = type.tensor_type().shape().dim();
  bool fits = static_cast<size_t>(dims.size()) == computed.size();
  std::string declared = "[", bound;
  for (int d = 0; d < dims.size(); ++d) {
    const auto& dim = dims[d];
    declared += (d ? ", " : "") + (dim.has_dim_value() ? std::to_string(dim.dim_value())
                                   : dim.has_dim_param() ? dim.dim_param() : std::string("?"));
    if (!fits) continue;
    const size_t c = computed[static_cast<size_t>(d)];
    if (dim.has_dim_value()) {
      fits = dim.dim_value() > 0 && static_cast<size_t>(dim.dim_value()) == c;
    } else if (dim.has_dim_param()) {
      auto [it, inserted] = dims_.emplace(dim.dim_param(), c);
      if (!inserted && it->second != c) {
        fits = false;
        bound = " (" + dim.dim_param() + " = " + std::to_string(it->second) + ")";
      }
    }
  }
  declared += "]";
  if (fits) return ok_status();
  return invalid_argument(what + " is declared with " + std::to_string(dims.size()) + " dimensions " + declared + bound +
                          " but computes to " + shape_string(computed));
}

// value_info of the runtime values: what the exporter's shape inference said, checked.
Status Importer::check_value_info() {
  for (const auto& vi : graph_.value_info()) {
    auto it = names_.find(vi.name());
    if (it == names_.end() || it->second.kind != Entry::Kind::kRuntime) continue;
    ZKCC_RETURN_IF_ERROR(check_declared("value " + quote(vi.name()) + " (value_info)", vi.type(), shape_of(it->second.index)));
  }
  return ok_status();
}

Status Importer::expect_io(size_t min_inputs, size_t max_inputs, size_t outputs) const {
  auto n_in = static_cast<size_t>(node().input_size());
  if (n_in < min_inputs || n_in > max_inputs) {
    return invalid_argument("has " + std::to_string(n_in) + " inputs, expected " + std::to_string(min_inputs) +
                            (max_inputs != min_inputs ? " to " + std::to_string(max_inputs) : ""));
  }
  if (static_cast<size_t>(node().output_size()) != outputs) {
    return unsupported("has " + std::to_string(node().output_size()) + " outputs; " + std::to_string(outputs) +
                       " supported");
  }
  if (outputs > 0 && node().output(0).empty()) return invalid_argument("output 0 has no name");
  return ok_status();
}

StatusOr<Importer::Entry> Importer::lookup(const std::string& name) const {
  auto it = names_.find(name);
  if (it == names_.end()) {
    return invalid_argument("input " + quote(name) + " is not defined by a graph input, an initializer or an earlier node");
  }
  return it->second;
}

StatusOr<size_t> Importer::runtime_input(size_t k) const {
  if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
  const std::string& name = node().input(static_cast<int>(k));
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(name));
  if (e.kind != Entry::Kind::kRuntime) {
    return unsupported("input " + std::to_string(k) + " (" + quote(name) +
                       ") is a constant where a runtime tensor is expected; constant folding is not supported");
  }
  return e.index;
}

StatusOr<const Constant*> Importer::constant_input(size_t k) const {
  if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
  const std::string& name = node().input(static_cast<int>(k));
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(name));
  if (e.kind != Entry::Kind::kConstant) {
    return unsupported("input " + std::to_string(k) + " (" + quote(name) +
                       ") is a runtime tensor where a constant (initializer) is expected");
  }
  return &consts_[e.index];
}

size_t Importer::constant_input_elements() const {
  size_t n = 0;
  for (const auto& in : node().input()) {
    auto it = names_.find(in);
    if (it != names_.end() && it->second.kind == Entry::Kind::kConstant) n += consts_[it->second.index].size();
  }
  return n;
}

StatusOr<size_t> Importer::new_value(std::string name, Shape shape) {
  auto count = checked_element_count(shape, limits_.max_tensor_elements);
  if (!count.ok()) return count.status().with_context("value " + quote(name));
  const size_t n = *count;
  if (n > limits_.max_total_elements - total_elements_) {
    return out_of_range("the activations exceed the limit of " + std::to_string(limits_.max_total_elements) +
                        " elements in all");
  }
  total_elements_ += n;
  g_.values.push_back({std::move(name), std::move(shape)});
  return g_.values.size() - 1;
}

Status Importer::define(const std::string& name, Entry e) {
  if (name.empty()) return ok_status();
  auto [it, inserted] = names_.emplace(name, e);
  if (!inserted) {
    if (it->second.kind != Entry::Kind::kUnknown) return invalid_argument("value " + quote(name) + " is defined twice");
    it->second = e;
  }
  return ok_status();
}

StatusOr<size_t> Importer::emit(Op op, size_t input, Shape shape, const std::string& step) {
  std::string name = node().output(0);
  if (!step.empty()) name += "/" + step;
  ZKCC_ASSIGN_OR_RETURN(size_t v, new_value(std::move(name), std::move(shape)));
  g_.nodes.push_back({node().name(), node().op_type(), node_index_, input, v, std::move(op)});
  return v;
}

Status Importer::import_node() {
  const onnx::NodeProto& n = node();
  if (auto g = gelu_of_node_.find(node_index_); g != gelu_of_node_.end()) {
    const GeluGroup& group = gelu_[g->second];
    if (node_index_ != group.nodes.back()) return ok_status();  // imported with the group's last node
    ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(group.x));
    if (x.kind != Entry::Kind::kRuntime) return unsupported("the GELU's input " + quote(group.x) + " is a constant");
    ZKCC_ASSIGN_OR_RETURN(size_t v, new_value(group.y, shape_of(x.index)));
    g_.nodes.push_back({n.name(), "Gelu(erf)", node_index_, x.index, v, ActivationOp{Activation::kGelu}});
    return define(group.y, {Entry::Kind::kRuntime, v});
  }
  if (const Row* row = find_row(n)) return row->import(*this);
  if (!is_default_domain(n.domain())) {
    return unsupported("operator " + quote(n.op_type()) + " of domain " + quote(n.domain()) + " is not supported");
  }
  return unsupported("operator " + quote(n.op_type()) + " is not supported");
}

Status Importer::import_gemm() {
  Attrs at(node());
  if (opset_ < 7) {
    ZKCC_RETURN_IF_ERROR(at.only({"alpha", "beta", "transA", "transB", "broadcast"}));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"alpha", "beta", "transA", "transB"}));
  }
  ZKCC_RETURN_IF_ERROR(expect_io(2, 3, 1));
  ZKCC_ASSIGN_OR_RETURN(double alpha, at.f("alpha", 1.0));
  ZKCC_ASSIGN_OR_RETURN(double beta, at.f("beta", 1.0));
  ZKCC_ASSIGN_OR_RETURN(int64_t trans_a, at.i("transA", 0));
  ZKCC_ASSIGN_OR_RETURN(int64_t trans_b, at.i("transB", 0));
  ZKCC_ASSIGN_OR_RETURN(int64_t broadcast, at.i("broadcast", 0));
  if ((trans_a != 0 && trans_a != 1) || (trans_b != 0 && trans_b != 1)) return invalid_argument("transA and transB must be 0 or 1");
  if (opset_ < 11 && !has_input(2)) return invalid_argument("C is required before opset 11");
  ZKCC_ASSIGN_OR_RETURN(size_t a, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(const Constant* b, constant_input(1));
  if (b->is_integer) return unsupported("B is an integer tensor; a real weight is needed");
  if (shape_of(a).size() != 2 || b->shape.size() != 2) {
    return invalid_argument("A " + shape_string(shape_of(a)) + " and B " + shape_string(b->shape) + " must be matrices");
  }
  const size_t m = trans_a ? shape_of(a)[1] : shape_of(a)[0];
  const size_t k = trans_a ? shape_of(a)[0] : shape_of(a)[1];
  const size_t kb = trans_b ? b->shape[1] : b->shape[0];
  const size_t n = trans_b ? b->shape[0] : b->shape[1];
  if (k != kb) {
    return invalid_argument("A " + shape_string(shape_of(a)) + (trans_a ? " (transposed)" : "") + " and B " +
                            shape_string(b->shape) + (trans_b ? " (transposed)" : "") + " do not multiply");
  }
  DenseOp dense;
  dense.weight.shape = {k, n};
  dense.weight.data.resize(k * n);
  for (size_t i = 0; i < k; ++i) {
    for (size_t j = 0; j < n; ++j) dense.weight.data[i * n + j] = alpha * b->real[trans_b ? j * k + i : i * n + j];
  }
  std::vector<double> full_bias;  // beta C over [M, N], when C differs between rows
  if (has_input(2) && beta != 0) {
    ZKCC_ASSIGN_OR_RETURN(const Constant* c, constant_input(2));
    const Shape mn = {m, n};
    if (opset_ < 7 && broadcast == 0 && c->shape != mn) {
      return invalid_argument("C " + shape_string(c->shape) + " must be " + shape_string(mn) + " without broadcast");
    }
    ZKCC_ASSIGN_OR_RETURN(std::vector<double> full, broadcast_to(*c, mn, "C"));
    for (double& v : full) v *= beta;
    if (c->shape.size() < 2 || c->shape[0] == 1 || m == 1) {
      dense.bias.assign(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    } else {
      full_bias = std::move(full);
    }
  }
  size_t x = a;
  if (trans_a) {
    ZKCC_ASSIGN_OR_RETURN(x, emit(TransposeOp{}, a, {m, k}, "transA"));
  }
  if (full_bias.empty()) {
    ZKCC_ASSIGN_OR_RETURN(size_t y, emit(std::move(dense), x, {m, n}));
    return define_output(y);
  }
  ZKCC_ASSIGN_OR_RETURN(size_t acc, emit(std::move(dense), x, {m, n}, "product"));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(AddConstOp{FloatTensor{{m, n}, std::move(full_bias)}}, acc, {m, n}));
  return define_output(y);
}

Status Importer::import_matmul() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t a, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(const Constant* b, constant_input(1));
  if (b->is_integer) return unsupported("B is an integer tensor; a real weight is needed");
  if (b->shape.size() != 2) {
    return unsupported("B has rank " + std::to_string(b->shape.size()) + "; only a constant matrix is supported");
  }
  const Shape& as = shape_of(a);
  if (as.empty() || as.back() != b->shape[0]) {
    return invalid_argument("A " + shape_string(as) + " and B " + shape_string(b->shape) + " do not multiply");
  }
  Shape out = as;
  out.back() = b->shape[1];
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(DenseOp{FloatTensor{b->shape, b->real}, {}}, a, out));
  return define_output(y);
}

Status Importer::import_activation(Activation fn) {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ActivationOp{fn}, x, shape_of(x)));
  return define_output(y);
}

Status Importer::import_gelu() {
  Attrs at(node());
  Activation fn = Activation::kGelu;
  if (is_default_domain(node().domain())) {
    if (opset_ < 20) return invalid_argument("Gelu is not in the default domain before opset 20");
    ZKCC_RETURN_IF_ERROR(at.only({"approximate"}));
    ZKCC_ASSIGN_OR_RETURN(std::string approximate, at.s("approximate", "none"));
    if (approximate == "tanh") {
      fn = Activation::kGeluTanh;
    } else if (approximate != "none") {
      return invalid_argument("approximate must be 'none' or 'tanh', not " + quote(approximate));
    }
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({}));
  }
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ActivationOp{fn}, x, shape_of(x)));
  return define_output(y);
}

Status Importer::import_softmax(bool log) {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"axis"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const auto rank = static_cast<int64_t>(shape_of(x).size());
  ZKCC_ASSIGN_OR_RETURN(int64_t axis, at.i("axis", opset_ < 13 ? 1 : -1));
  if (axis < -rank || axis >= rank) {
    return invalid_argument("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  // Before opset 13 the input is coerced to 2-D at `axis`; at the last axis both meanings agree.
  if (axis != rank - 1) return softmax_off_last(x, static_cast<size_t>(axis), log);
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(SoftmaxOp{log}, x, shape_of(x)));
  return define_output(y);
}

Status Importer::import_flatten() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"axis"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(size_t x, runtime_input(0));
  const Shape& xs = shape_of(x);
  const auto rank = static_cast<int64_t>(xs.size());
  ZKCC_ASSIGN_OR_RETURN(int64_t axis, at.i("axis", 1));
  if (axis < -rank || axis > rank) {
    return invalid_argument("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  }
  if (axis < 0) axis += rank;
  size_t outer = 1, inner = 1;
  for (size_t d = 0; d < xs.size(); ++d) (static_cast<int64_t>(d) < axis ? outer : inner) *= xs[d];
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ReshapeOp{}, x, {outer, inner}));
  return define_output(y);
}

Status Importer::import_reshape() {
  Attrs at(node());
  std::vector<int64_t> target;
  int64_t allow_zero = 0;
  if (opset_ < 5) {
    ZKCC_RETURN_IF_ERROR(at.only({"shape"}));
    ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
    if (!at.find("shape")) return invalid_argument("attribute 'shape' is missing");
    ZKCC_ASSIGN_OR_RETURN(target, at.ints("shape", {}));
  } else {
    ZKCC_RETURN_IF_ERROR(at.only({"allowzero"}));
    ZKCC_RETURN_IF_ERROR(expect_io(2, 2, 1));
    ZKCC_ASSIGN_OR_RETURN(allow_zero, at.i("allowzero", 0));
    auto shape = constant_input(1);
    if (!shape.ok()) {
      return shape.status().code() == StatusCode::kUnimplemented
                 ? unsupported("the target shape is computed from activation values; only a constant shape (or one "
                               "folded from static shapes) is supported")
                 : shape.status();
    }
    if (!(*shape)->is_integer || (*shape)->shape.size() != 1) {
      return invalid_argument("the target shape must be a 1-D integer tensor");
    }
    target = (*shape)->integer;
  }
  if (!has_input(0)) return invalid_argument("input 0 is missing");
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  if (x.kind == Entry::Kind::kConstant) {
    Constant c = consts_[x.index];
    ZKCC_ASSIGN_OR_RETURN(c.shape, reshape_target(c.shape, target, allow_zero != 0, kMaxFoldedElements));
    return define_constant(std::move(c));
  }
  ZKCC_ASSIGN_OR_RETURN(size_t xv, runtime_input(0));
  ZKCC_ASSIGN_OR_RETURN(Shape out, reshape_target(shape_of(xv), target, allow_zero != 0, limits_.max_tensor_elements));
  ZKCC_ASSIGN_OR_RETURN(size_t y, emit(ReshapeOp{}, xv, out));
  return define_output(y);
}

StatusOr<const Constant*> Importer::fold_input(size_t k) const {
  if (!has_input(k)) return invalid_argument("input " + std::to_string(k) + " is missing");
  const std::string& name = node().input(static_cast<int>(k));
  ZKCC_ASSIGN_OR_RETURN(Entry e, lookup(name));
  if (e.kind != Entry::Kind::kConstant) {
    return unsupported("input " + std::to_string(k) + " (" + quote(name) + ") is an activation; " + node().op_type() +
                       " is supported only on constants and static shapes, folded at import");
  }
  return &consts_[e.index];
}

StatusOr<std::vector<int64_t>> Importer::int_list(size_t k) const {
  ZKCC_ASSIGN_OR_RETURN(const Constant* c, fold_input(k));
  if (!c->is_integer || c->shape.size() > 1) {
    return invalid_argument("input " + std::to_string(k) + " must be a 1-D integer tensor, not " +
                            (c->is_integer ? "" : std::string("a real ")) + shape_string(c->shape));
  }
  return c->integer;
}

Status Importer::define_constant(Constant c) {
  consts_.push_back(std::move(c));
  return define(node().output(0), {Entry::Kind::kConstant, consts_.size() - 1});
}

// The output names the input's value: no layer, no proof.
Status Importer::import_identity() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  return define(node().output(0), x);
}

Status Importer::import_dropout() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({"ratio", "seed", "is_test"}));
  if (node().output_size() == 2 && !node().output(1).empty()) {
    return unsupported("the mask output is not supported (inference only)");
  }
  ZKCC_RETURN_IF_ERROR(expect_io(1, 3, node().output_size() == 2 ? 2 : 1));
  if (has_input(2)) {
    auto training = fold_input(2);
    if (!training.ok() || (*training)->size() != 1 || (*training)->integer.empty() || (*training)->integer[0] != 0) {
      return unsupported("training_mode must be a constant false; only inference is supported");
    }
  }
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  return define(node().output(0), x);
}

Status Importer::import_cast() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"to", "saturate"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  if (!at.find("to")) return invalid_argument("attribute 'to' is missing");
  ZKCC_ASSIGN_OR_RETURN(int64_t to, at.i("to", 0));
  if (to < INT32_MIN || to > INT32_MAX) return invalid_argument("attribute 'to' is not an element type");
  const auto type = static_cast<int32_t>(to);
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  if (x.kind == Entry::Kind::kConstant) {
    ZKCC_ASSIGN_OR_RETURN(Constant c, fold_cast(consts_[x.index], type));
    return define_constant(std::move(c));
  }
  if (!is_float_type(type)) {
    return unsupported("Cast of an activation to " + element_type_name(type) +
                       "; an activation passes through a Cast only between float types");
  }
  return define(node().output(0), x);
}

Status Importer::import_shape() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"start", "end"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  const Shape& xs = x.kind == Entry::Kind::kRuntime ? shape_of(x.index) : consts_[x.index].shape;
  const auto rank = static_cast<int64_t>(xs.size());
  ZKCC_ASSIGN_OR_RETURN(int64_t start, at.i("start", 0));
  ZKCC_ASSIGN_OR_RETURN(int64_t end, at.i("end", rank));
  if (start < 0) start = std::max<int64_t>(start, -rank) + rank;
  if (end < 0) end = std::max<int64_t>(end, -rank) + rank;
  start = std::min(start, rank);
  end = std::min(end, rank);
  if (end <= start) return unsupported("the shape's slice [" + std::to_string(start) + ", " + std::to_string(end) + ") is empty");
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d) dims.push_back(static_cast<int64_t>(xs[static_cast<size_t>(d)]));
  return define_constant(int_vector(std::move(dims)));
}

Status Importer::import_size() {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(Entry x, lookup(node().input(0)));
  const Shape& xs = x.kind == Entry::Kind::kRuntime ? shape_of(x.index) : consts_[x.index].shape;
  return define_constant(int_scalar(static_cast<int64_t>(element_count(xs))));
}

Status Importer::import_constant_of_shape() {
  Attrs at(node());
  ZKCC_RETURN_IF_ERROR(at.only({"value"}));
  ZKCC_RETURN_IF_ERROR(expect_io(1, 1, 1));
  ZKCC_ASSIGN_OR_RETURN(std::vector<int64_t> shape, int_list(0));
  Constant value;
  value.real = {0.0};  // the default: a float 0
  if (const auto* a = at.find("value")) {
    if (!a->has_t()) return invalid_argument("attribute 'value' holds no tensor");
    ZKCC_ASSIGN_OR_RETURN(value, to_constant(a->t(), 1));
  }
  ZKCC_ASSIGN_OR_RETURN(Constant c, fold_constant_of_shape(shape, value));
  return define_constant(std::move(c));
}

// A folded operator without attributes whose `n` inputs are all constants.
Status Importer::fold_all(size_t n, const std::function<StatusOr<Constant>(const std::vector<const Constant*>&)>& f) {
  ZKCC_RETURN_IF_ERROR(Attrs(node()).only({}));
  ZKCC_RETURN_IF_ERROR(expect_io(n, n, 1));
  std::vector<const Constant*> in;
  for (size_t k = 0; k < n; ++k) {
    ZKCC_ASSIGN_OR_RETURN(const Constant* c, fold_input(k));
    in.push_back(c);
  }
  ZKCC_ASSIGN_OR_RETURN(Constant c, f(in));
  return define_constant(std::move(c));
}

// Before opset 7 the arithmetic operators broadcast only with an attribute; not folded there.
Status Importer::import_binary(BinaryFold op) {
  return fold_all(2, [op](const std::vector<const Constant*>& in) { return fold_binary(op, *in[0], *in[1]); });
}

Status Importer::import_constant() {
  ZKCC_RETURN_IF_ERROR(expect_io(0, 0, 1));
  if (node().attribute_size() != 1) return invalid_argument("needs exactly one value attribute");
  const auto& a = node().attribute(0);
  Constant c;
  if (a.name() == "value") {
    if (!a.has_t()) return invalid_argument("attribute 'value' holds no tensor");
    ZKCC_ASSIGN_OR_RETURN(c, to_constant(a.t(), limits_.max_tensor_elements));
  } else if (a.name() == "value_float") {
    c.real = {static_cast<double>(a.f())};
    if (!std::isfinite(c.real[0])) return invalid_argument("value_float is not finite");
  } else if (a.name() == "value_floats") {
    c.shape = {static_cast<size_t>(a.floats_size())};
    for (float f : a.floats()) {
      if (!std::isfinite(f)) return invalid_argument("value_floats has a non-finite element");
      c.real.push_back(f);
    }
  } else if (a.name() == "value_int") {
    c.is_integer = true;
    c.integer = {a.i()};
  } else if (a.name() == "value_ints") {
    c.is_integer = true;
    c.shape = {static_cast<size_t>(a.ints_size())};
    c.integer.assign(a.ints().begin(), a.ints().end());
  } else {
    return unsupported("attribute " + quote(a.name()) + " is not supported");
  }
  if (c.size() == 0) return unsupported("an empty constant is not supported");
  consts_.push_back(std::move(c));
  return define(node().output(0), {Entry::Kind::kConstant, consts_.size() - 1});
}

ImportResult import_model(const onnx::ModelProto& model, const ImportOptions& options, bool survey) {
  return Importer(model, options, survey).run();
}

}  // namespace zkcc::model::internal

namespace zkcc::model {

StatusOr<ImportedModel> import_onnx_model(std::span<const uint8_t> bytes, const ImportOptions& options) {
  ZKCC_ASSIGN_OR_RETURN(onnx::ModelProto model, internal::parse_model(bytes, options.limits));
  internal::ImportResult r = internal::import_model(model, options, false);
  if (!r.status.ok()) return r.status;
  return ImportedModel{std::move(r.graph), std::move(r.notes)};
}

StatusOr<Graph> import_onnx(std::span<const uint8_t> bytes, const ImportLimits& limits) {
  ImportOptions options;
  options.limits = limits;
  ZKCC_ASSIGN_OR_RETURN(ImportedModel m, import_onnx_model(bytes, options));
  return std::move(m.graph);
}

}  // namespace zkcc::model
