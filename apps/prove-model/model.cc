// prove-model inspect: what an ONNX model holds and whether zkcc can prove it.
#include <iostream>
#include <optional>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/inspect.h"
#include "zkcc/pipeline/job.h"

namespace zkcc::cli {

int inspect_model(const std::string& path, const std::string& calibration, double input_range, bool json) {
  auto bytes = read_file(path, size_t{1} << 30);
  if (!bytes.ok()) return fail(bytes.status());
  auto summary = model::inspect(*bytes);
  if (!summary.ok()) return fail(summary.status().with_context(path));
  bool all = true;
  for (const auto& n : summary->nodes) all = all && n.supported;
  // Every node may be supported while the quantized graph still holds a layer the proof system
  // cannot take yet; quantizing (with the interval default) tells.
  Status provable = failed_precondition("a node is not supported");
  std::optional<Felt252> commitment;
  nlohmann::json quantized_counts;
  if (all) {
    auto graph = load_quantized(path, calibration, input_range);
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

}  // namespace zkcc::cli
