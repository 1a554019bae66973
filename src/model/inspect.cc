#include "zkcc/model/inspect.h"

#include <charconv>
#include <cstdio>
#include <set>

#include "onnx_internal.h"

namespace zkcc::model {
namespace {

TensorSummary summarize(const onnx::ValueInfoProto& v) {
  TensorSummary t{v.name(), {}, "?"};
  if (!v.type().has_tensor_type()) return t;
  const auto& tt = v.type().tensor_type();
  if (tt.elem_type() != 0) t.element_type = internal::element_type_name(tt.elem_type());
  for (const auto& d : tt.shape().dim()) {
    t.dims.push_back(d.has_dim_value() ? std::to_string(d.dim_value()) : d.has_dim_param() ? d.dim_param() : "?");
  }
  return t;
}

// The element count a tensor declares, saturating instead of overflowing.
size_t declared_elements(const onnx::TensorProto& t) {
  size_t n = 1;
  for (int64_t d : t.dims()) {
    if (d <= 0) return 0;
    n = static_cast<uint64_t>(d) > SIZE_MAX / n ? SIZE_MAX : n * static_cast<size_t>(d);
  }
  return n;
}

std::string dims_string(const std::vector<std::string>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i];
  return s + "]";
}

std::string shapes_string(const std::vector<Shape>& shapes) {
  if (shapes.empty()) return "?";
  std::string s;
  for (size_t i = 0; i < shapes.size(); ++i) s += (i ? " " : "") + shape_string(shapes[i]);
  return s;
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

}  // namespace

StatusOr<ModelSummary> inspect(std::span<const uint8_t> bytes, const ImportLimits& limits) {
  ImportOptions options;
  options.limits = limits;
  return inspect(bytes, options);
}

StatusOr<ModelSummary> inspect(std::span<const uint8_t> bytes, const ImportOptions& options) {
  ZKCC_ASSIGN_OR_RETURN(onnx::ModelProto model, internal::parse_model(bytes, options.limits));
  const onnx::GraphProto& g = model.graph();
  ModelSummary s;
  s.ir_version = model.ir_version();
  s.producer = model.producer_name();
  if (!model.producer_version().empty()) s.producer += " " + model.producer_version();
  for (const auto& o : model.opset_import()) {
    if (internal::is_default_domain(o.domain())) s.opset = o.version();
  }
  std::set<std::string> initializers;
  for (const auto& t : g.initializer()) {
    initializers.insert(t.name());
    s.parameter_count += declared_elements(t);
  }
  for (const auto& n : g.node()) {
    if (n.op_type() != "Constant") continue;
    for (const auto& a : n.attribute()) {
      if (a.has_t()) s.parameter_count += declared_elements(a.t());
      s.parameter_count += static_cast<size_t>(a.floats_size() + a.ints_size()) + (a.has_f() || a.has_i() ? 1 : 0);
    }
  }
  for (const auto& in : g.input()) {
    if (!initializers.count(in.name())) s.inputs.push_back(summarize(in));
  }
  for (const auto& out : g.output()) s.outputs.push_back(summarize(out));
  internal::ImportResult r = internal::import_model(model, options, true);
  for (int i = 0; i < g.node_size(); ++i) {
    const auto& rec = r.nodes.at(static_cast<size_t>(i));
    s.nodes.push_back({g.node(i).name(), g.node(i).op_type(), rec.output_shapes, rec.parameter_count, rec.supported,
                       rec.reason});
  }
  s.supported = r.status.ok();
  if (!s.supported) s.error = r.status.message();
  s.refusals = std::move(r.refusals);
  s.notes = std::move(r.notes);
  return s;
}

std::string summary_text(const ModelSummary& s) {
  std::string out = "model: IR version " + std::to_string(s.ir_version) + ", opset " + std::to_string(s.opset) +
                    (s.producer.empty() ? "" : ", producer " + s.producer) + "\n";
  for (const auto& t : s.inputs) out += "input  " + t.name + " " + t.element_type + " " + dims_string(t.dims) + "\n";
  for (const auto& t : s.outputs) out += "output " + t.name + " " + t.element_type + " " + dims_string(t.dims) + "\n";
  out += pad("#", 5) + pad("node", 24) + pad("op", 20) + pad("output shape", 24) + pad("parameters", 12) + "supported\n";
  for (size_t i = 0; i < s.nodes.size(); ++i) {
    const NodeSummary& n = s.nodes[i];
    out += pad(std::to_string(i), 5) + pad(n.name.empty() ? "-" : n.name, 24) + pad(n.op_type, 20) +
           pad(shapes_string(n.output_shapes), 24) + pad(std::to_string(n.parameter_count), 12) +
           (n.supported ? "yes" : "no") + (n.reason.empty() ? "" : " (" + n.reason + ")") + "\n";
  }
  out += "parameters: " + std::to_string(s.parameter_count) + "\n";
  for (const auto& n : s.notes) out += "note: " + n + "\n";
  if (s.supported) return out + "supported: yes\n";
  out += "supported: no: " + std::to_string(s.refusals.size()) + (s.refusals.size() == 1 ? " refusal\n" : " refusals\n");
  for (const auto& r : s.refusals) out += "  " + r + "\n";
  return out;
}

nlohmann::json onnx_counts_json(const ModelSummary& s) {
  return {{"onnx_nodes", s.nodes.size()}, {"onnx_parameters", s.parameter_count}};
}

nlohmann::json quantized_counts_json(const QuantizedGraph& graph) {
  return {{"quantized_layers", graph.layers.size()}, {"committed_parameters", parameter_count(graph)}};
}

nlohmann::json summary_json(const ModelSummary& s) {
  // A dimension is an integer; a symbolic one keeps its name, an unknown one is null.
  auto dims = [](const std::vector<std::string>& ds) {
    nlohmann::json out = nlohmann::json::array();
    for (const std::string& d : ds) {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(d.data(), d.data() + d.size(), v);
      if (ec == std::errc() && end == d.data() + d.size()) {
        out.push_back(v);
      } else if (d == "?") {
        out.push_back(nullptr);
      } else {
        out.push_back(d);
      }
    }
    return out;
  };
  auto tensor = [&](const TensorSummary& t) {
    return nlohmann::json{{"name", t.name}, {"element_type", t.element_type}, {"dims", dims(t.dims)}};
  };
  nlohmann::json j = {{"ir_version", s.ir_version},        {"opset", s.opset},
                      {"producer", s.producer},            {"inputs", nlohmann::json::array()},
                      {"outputs", nlohmann::json::array()}, {"nodes", nlohmann::json::array()},
                      {"supported", s.supported}};
  j.update(onnx_counts_json(s));
  if (!s.supported) j["error"] = s.error;
  j["refusals"] = s.refusals;
  j["notes"] = s.notes;
  for (const auto& t : s.inputs) j["inputs"].push_back(tensor(t));
  for (const auto& t : s.outputs) j["outputs"].push_back(tensor(t));
  for (const auto& n : s.nodes) {
    nlohmann::json node = {{"name", n.name}, {"op_type", n.op_type}, {"output_shapes", n.output_shapes},
                           {"onnx_parameters", n.parameter_count}, {"supported", n.supported}};
    if (!n.reason.empty()) node["reason"] = n.reason;
    j["nodes"].push_back(std::move(node));
  }
  return j;
}

}  // namespace zkcc::model
