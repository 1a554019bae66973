// The model pipeline on the bundled digits MLP and the two benchmark-shaped models: ONNX import,
// calibration and quantization (once), then float reference inference and exact quantized integer
// inference (the plain inference a proof is measured against), then the model commitment (once per
// model: the weights' commitment and their range proof, "commit"), its check by a verifier (once
// per registered model, "model chk"), the proof of that inference with a private input (witness,
// per-proof commitment, GKR/LogUp, both openings), its verification by a verifier holding only the
// architecture and the commitment, and its encoded size in bytes and Starknet calldata felts,
// averaged over repeated runs. Each model runs in its own process, so its peak RSS is its own.
// Prints a table.
// Usage: model_bench DIGITS.onnx DIGITS_CALIBRATION.json [NAME.onnx NAME_calibration.json]...
// (models/bench/make_models.py writes dense_4m and cnn_264k with their calibration files).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/float_run.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/run.h"
#include "zkcc/proof/graph_proof.h"

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
  ZKCC_ASSIGN_OR_RETURN(model::Trace trace, model::run(q, qinput));
  std::vector<model::IntTensor> outputs;
  for (size_t v : q.outputs) outputs.push_back(trace.values[v]);
  const Felt252 seed = *Felt252::from_short_string("zkcc-bench");
  auto shared = std::make_shared<const model::QuantizedGraph>(q);
  t = Clock::now();
  ZKCC_ASSIGN_OR_RETURN(proof::GraphCircuit circuit, proof::GraphCircuit::build(shared));
  double circuit_ms = ms_since(t);
  proof::GraphProof proof;
  Status status;
  double prove_ms = mean_ms([&] {
    proof::Transcript tr(seed);
    auto p = proof::graph_prove(circuit, trace, tr);
    if (!p.ok()) status = p.status();
    if (p.ok()) proof = std::move(*p);
  });
  ZKCC_RETURN_IF_ERROR(status);
  // The verifier holds the architecture and the model commitment's root: no weight, no input.
  t = Clock::now();
  ZKCC_ASSIGN_OR_RETURN(proof::GraphCircuit verifier, proof::GraphCircuit::build_for_verifier(circuit.model_commitment()));
  double model_check_ms = ms_since(t);
  double verify_ms = mean_ms([&] {
    proof::Transcript tr(seed);
    Status s = proof::graph_verify(verifier, nullptr, outputs, proof, tr);
    if (!s.ok()) status = s;
  });
  ZKCC_RETURN_IF_ERROR(status);
  const Bytes encoded = proof::encode_binary(proof);
  const double proof_kib = static_cast<double>(encoded.size()) / 1024.0;
  const size_t felts = (encoded.size() + 30) / 31 + 1;  // Starknet calldata: the length, then 31-byte chunks
  // Where the bytes go: the two openings; the rest is the protocol's messages and the outputs.
  auto opening_kib = [](const std::optional<proof::PcsProof>& o) {
    return o ? static_cast<double>(proof::encode_pcs_proof(*o).size()) / 1024.0 : 0.0;
  };
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  std::string name = model_path.substr(model_path.find_last_of('/') + 1);
  std::printf("%-14s %10zu %6zu %9.1f %9.1f %9.3f %9.3f %9.1f %9.1f %9.1f %9.2f %9.1f %9.1f %9.1f %9zu %9.1f\n",
              name.c_str(), model::parameter_count(q), q.layers.size(), import_ms, quantize_ms, float_ms, int_ms,
              circuit_ms, model_check_ms, prove_ms, verify_ms, proof_kib, opening_kib(proof.model_opening),
              opening_kib(proof.opening), felts, static_cast<double>(ru.ru_maxrss) / 1024.0);
  std::fflush(stdout);
  return ok_status();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc % 2 == 0) {
    std::fprintf(stderr, "usage: model_bench MODEL.onnx CALIBRATION.json [MODEL.onnx CALIBRATION.json]...\n");
    return 2;
  }
  std::printf("%-14s %10s %6s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "model", "params", "layers",
              "import", "quantize", "float", "quantized", "commit", "model chk", "prove", "verify", "proof", "model op",
              "proof op", "felts", "peak RSS");
  std::printf("%-14s %10s %6s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s %9s\n", "", "", "", "ms", "ms", "ms", "ms",
              "ms", "ms", "ms", "ms", "KiB", "KiB", "KiB", "", "MiB");
  std::fflush(stdout);
  for (int i = 1; i + 1 < argc; i += 2) {
    pid_t pid = fork();
    if (pid < 0) return std::perror("fork"), 1;
    if (pid == 0) {
      Status s = bench(argv[i], argv[i + 1]);
      if (!s.ok()) std::fprintf(stderr, "model_bench: %s\n", s.message().c_str());
      _exit(s.ok() ? 0 : 1);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
  }
  return 0;
}
