// The model pipeline on the bundled digits MLP and the two benchmark-shaped models: ONNX import,
// calibration and quantization (once), then float reference inference and exact quantized integer
// inference (the plain inference a proof is measured against), averaged over repeated runs.
// Prints a table; peak RSS at the end.
// Usage: model_bench DIGITS.onnx DIGITS_CALIBRATION.json [NAME.onnx NAME_calibration.json]...
// (models/bench/make_models.py writes dense_4m and cnn_264k with their calibration files).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/float_run.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/run.h"

namespace {

using namespace zkcc;
using Clock = std::chrono::steady_clock;
double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

StatusOr<std::vector<model::FloatTensor>> load_set(const std::string& path, const model::Shape& shape) {
  ZKCC_ASSIGN_OR_RETURN(Bytes text, read_file(path));
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (!doc.is_array() || doc.empty()) return invalid_argument(path + " is not a non-empty JSON array of inputs");
  std::vector<model::FloatTensor> out;
  for (const auto& row : doc) {
    if (!row.is_array() || row.size() != model::element_count(shape)) return invalid_argument(path + ": an input of the wrong size");
    out.push_back({shape, row.get<std::vector<double>>()});
  }
  return out;
}

// Runs f until ~1 s has passed (at least 3 times) and returns the mean in ms.
template <typename F>
double mean_ms(F&& f) {
  int n = 0;
  auto start = Clock::now();
  while (n < 3 || ms_since(start) < 1000) {
    f();
    ++n;
  }
  return ms_since(start) / n;
}

Status bench(const std::string& model_path, const std::string& calibration_path) {
  auto t = Clock::now();
  ZKCC_ASSIGN_OR_RETURN(Bytes bytes, read_file(model_path));
  ZKCC_ASSIGN_OR_RETURN(model::Graph graph, model::import_onnx(bytes));
  double import_ms = ms_since(t);
  ZKCC_ASSIGN_OR_RETURN(auto set, load_set(calibration_path, graph.values[graph.input].shape));
  t = Clock::now();
  ZKCC_ASSIGN_OR_RETURN(model::Calibration calibration, model::calibrate(graph, set));
  ZKCC_ASSIGN_OR_RETURN(model::QuantizedGraph q, model::quantize(graph, calibration));
  double quantize_ms = ms_since(t);
  const model::FloatTensor& input = set.front();
  ZKCC_ASSIGN_OR_RETURN(model::IntTensor qinput, model::quantize_input(q, input));
  bool ok = true;
  double float_ms = mean_ms([&] { ok = ok && model::run_float(graph, input).ok(); });
  double int_ms = mean_ms([&] { ok = ok && model::run(q, qinput).ok(); });
  if (!ok) return internal_error("inference failed on " + model_path);
  std::string name = model_path.substr(model_path.find_last_of('/') + 1);
  std::printf("%-16s %10zu %8zu %10.1f %10.1f %10.3f %12.3f\n", name.c_str(), model::parameter_count(q), q.layers.size(),
              import_ms, quantize_ms, float_ms, int_ms);
  return ok_status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc % 2 == 0) {
    std::fprintf(stderr, "usage: model_bench MODEL.onnx CALIBRATION.json [MODEL.onnx CALIBRATION.json]...\n");
    return 2;
  }
  std::printf("%-16s %10s %8s %10s %10s %10s %12s\n", "model", "int params", "layers", "import ms", "quant ms", "float ms",
              "quantized ms");
  for (int i = 1; i + 1 < argc; i += 2) {
    Status s = bench(argv[i], argv[i + 1]);
    if (!s.ok()) {
      std::fprintf(stderr, "model_bench: %s\n", s.message().c_str());
      return 1;
    }
  }
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
  return 0;
}
