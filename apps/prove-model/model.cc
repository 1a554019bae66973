// prove-model inspect: what an ONNX model holds and whether zkcc can prove it.
#include <iostream>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/inspect.h"
#include "zkcc/pipeline/job.h"

namespace zkcc::cli {

int inspect_model(const std::string& path, bool json) {
  auto bytes = read_file(path, size_t{1} << 30);
  if (!bytes.ok()) return fail(bytes.status());
  auto summary = model::inspect(*bytes);
  if (!summary.ok()) return fail(summary.status().with_context(path));
  bool all = true;
  for (const auto& n : summary->nodes) all = all && n.supported;
  // Every node may be supported while the quantized graph still holds a layer the proof system
  // cannot take yet; quantizing (with the interval default) tells.
  Status provable = all ? pipeline::load_model(*bytes, {}).status() : failed_precondition("a node is not supported");
  if (json) {
    nlohmann::json j = model::summary_json(*summary);
    j["provable"] = provable.ok();
    if (!provable.ok()) j["provable_error"] = provable.message();
    std::cout << j.dump(2) << "\n";
  } else {
    std::cout << model::summary_text(*summary);
    std::cout << "provable: " << (provable.ok() ? "yes" : "no (" + provable.message() + ")") << "\n";
  }
  return provable.ok() ? 0 : kExitFailure;
}

}  // namespace zkcc::cli
