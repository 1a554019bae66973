// prove-model inspect: what an ONNX model holds and whether zkcc can prove it.
#include <iostream>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/inspect.h"

namespace zkcc::cli {

int inspect_model(const std::string& path, bool json) {
  auto bytes = read_file(path, size_t{1} << 30);
  if (!bytes.ok()) return fail(bytes.status());
  auto summary = model::inspect(*bytes);
  if (!summary.ok()) return fail(summary.status().with_context(path));
  if (json) {
    std::cout << model::summary_json(*summary).dump(2) << "\n";
  } else {
    std::cout << model::summary_text(*summary);
  }
  bool all = true;
  for (const auto& n : summary->nodes) all = all && n.supported;
  return all ? 0 : kExitFailure;
}

}  // namespace zkcc::cli
