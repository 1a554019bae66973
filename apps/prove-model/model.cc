// prove-model inspect: what an ONNX model holds and whether zkcc can prove it; operators: what
// the importer supports.
#include <charconv>
#include <iostream>
#include <optional>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/inspect.h"
#include "zkcc/model/operators.h"
#include "zkcc/pipeline/job.h"

namespace zkcc::cli {

StatusOr<model::Shape> parse_input_shape(const std::string& text) {
  model::Shape shape;
  size_t begin = 0;
  while (begin <= text.size()) {
    const size_t end = std::min(text.find(',', begin), text.size());
    const char* first = text.data() + begin;
    const char* last = text.data() + end;
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(first, last, v);
    if (first == last || ec != std::errc() || ptr != last || v == 0 || v > (uint64_t{1} << 28)) {
      return invalid_argument("--input-shape " + text + ": dimension " + std::to_string(shape.size()) + " (" +
                              std::string(first, last) + ") is not a positive integer up to 2^28");
    }
    shape.push_back(static_cast<size_t>(v));
    begin = end + 1;
  }
  return shape;
}

int inspect_model(const std::string& path, const std::string& calibration, double input_range,
                  const std::string& input_shape, bool json) {
  model::ImportOptions import;
  if (!input_shape.empty()) {
    auto shape = parse_input_shape(input_shape);
    if (!shape.ok()) return usage_error(shape.status().message());
    import.input_shape = *shape;
  }
  if (calibration.empty()) {
    Status range = pipeline::check_input_range(input_range);
    if (!range.ok()) return usage_error("--input-range: " + range.message());
  }
  auto bytes = read_file(path, size_t{1} << 30);
  if (!bytes.ok()) return fail(bytes.status());
  auto summary = model::inspect(*bytes, import);
  if (!summary.ok()) return fail(summary.status().with_context(path));
  bool all = true;
  for (const auto& n : summary->nodes) all = all && n.supported;
  // Every node may be supported while the quantized graph still holds a layer the proof system
  // cannot take yet; quantizing (with the interval default) tells.
  Status provable = failed_precondition("a node is not supported");
  std::optional<Felt252> commitment;
  nlohmann::json quantized_counts;
  if (all) {
    auto graph = load_quantized(path, calibration, input_range, import);
    provable = graph.status();
    if (graph.ok()) {
      quantized_counts = model::quantized_counts_json(*graph);
      // The weights' commitment and their range proof, as prove and commit make them.
      auto loaded = pipeline::prepare_model(std::move(*graph));
      provable = loaded.status();
      if (loaded.ok()) commitment = loaded->commitment;
    }
  }
  if (json) {
    nlohmann::json j = model::summary_json(*summary);
    if (!quantized_counts.is_null()) j.update(quantized_counts);
    j["provable"] = provable.ok();
    if (!provable.ok()) j["provable_error"] = provable.message();
    if (commitment) j["model_commitment"] = commitment->to_hex();
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << model::summary_text(*summary);
    std::cout << "provable: " << (provable.ok() ? "yes" : "no (" + provable.message() + ")") << "\n";
    if (commitment) std::cout << "model commitment: " << commitment->to_hex() << "\n";
  }
  return provable.ok() ? 0 : kExitRejected;
}

int print_operators(bool markdown, bool json) {
  if (markdown) {
    std::cout << model::operators_markdown();
    return 0;
  }
  if (json) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& op : model::onnx_operators()) {
      j.push_back({{"op_type", op.op_type}, {"domain", op.domain.empty() ? "ai.onnx" : op.domain}, {"support", op.support},
                   {"proof", op.proof}, {"notes", op.notes}});
    }
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  for (const auto& op : model::onnx_operators()) {
    std::string name(op.op_type);
    if (!op.domain.empty()) name += " (" + std::string(op.domain) + ")";
    name.resize(std::max<size_t>(name.size() + 1, 32), ' ');
    std::cout << name << op.support << (op.notes.empty() ? "" : ": " + std::string(op.notes)) << "\n";
  }
  return 0;
}

}  // namespace zkcc::cli
