// Test helper: imports an ONNX model, calibrates it on a set of inputs, quantizes it and runs the
// exact integer inference on each input of a second set. Prints JSON:
//   {"outputs": [[...]...], "top1": [...], "error_bound": e}
// (the first graph output, dequantized; e bounds |ours - float| while tensors stay in range).
// Usage: quantized_run_tool MODEL.onnx CALIBRATION.json INPUTS.json
#include <iostream>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/run.h"

namespace {

using namespace zkcc;

StatusOr<std::vector<model::FloatTensor>> load_inputs(const std::string& path, const model::Shape& shape) {
  ZKCC_ASSIGN_OR_RETURN(Bytes text, read_file(path));
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!doc.is_array()) return invalid_argument(path + " is not a JSON array of inputs");
  std::vector<model::FloatTensor> out;
  for (const auto& row : doc) {
    if (!row.is_array() || row.size() != model::element_count(shape)) return invalid_argument(path + ": an input of the wrong size");
    model::FloatTensor t{shape, {}};
    for (const auto& v : row) {
      if (!v.is_number()) return invalid_argument(path + ": a non-number");
      t.data.push_back(v.get<double>());
    }
    out.push_back(std::move(t));
  }
  return out;
}

int run(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: quantized_run_tool MODEL.onnx CALIBRATION.json INPUTS.json\n";
    return 2;
  }
  auto bytes = read_file(argv[1]);
  if (!bytes.ok()) return std::cerr << bytes.status().message() << "\n", 1;
  auto graph = model::import_onnx(*bytes);
  if (!graph.ok()) return std::cerr << graph.status().message() << "\n", 1;
  const model::Shape& shape = graph->values[graph->input].shape;
  auto calibration_set = load_inputs(argv[2], shape);
  auto inputs = load_inputs(argv[3], shape);
  if (!calibration_set.ok() || !inputs.ok()) {
    std::cerr << (calibration_set.ok() ? inputs.status() : calibration_set.status()).message() << "\n";
    return 1;
  }
  auto calibration = model::calibrate(*graph, *calibration_set);
  if (!calibration.ok()) return std::cerr << calibration.status().message() << "\n", 1;
  auto quantized = model::quantize(*graph, *calibration);
  if (!quantized.ok()) return std::cerr << quantized.status().message() << "\n", 1;
  nlohmann::json outputs = nlohmann::json::array(), top1 = nlohmann::json::array();
  for (const auto& input : *inputs) {
    auto r = model::run_quantized(*quantized, input);
    if (!r.ok()) return std::cerr << r.status().message() << "\n", 1;
    const auto& y = r->outputs.front().data;
    outputs.push_back(y);
    top1.push_back(std::max_element(y.begin(), y.end()) - y.begin());
  }
  double bound = quantized->values[quantized->outputs.front()].error;
  std::cout << nlohmann::json{{"outputs", outputs}, {"top1", top1}, {"error_bound", bound}}.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return run(argc, argv); }
