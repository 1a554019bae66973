// prove-model prove and verify: the main job (pipeline/job.h) from files to a proof directory, and
// the offline check of such a directory.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/input_json.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/pipeline/job.h"
#include "zkcc/service/result.h"
#include "zkcc/starknet/calldata.h"

namespace zkcc::cli {
namespace {

namespace fs = std::filesystem;

// One line on standard error, redrawn in place; only when standard error is a terminal.
class Progress {
 public:
  explicit Progress(bool quiet) : on_(!quiet && isatty(STDERR_FILENO)) {}
  ~Progress() { done(); }
  void stage(std::string_view what) {
    if (!on_) return;
    std::fprintf(stderr, "\r\033[K%.*s...", static_cast<int>(what.size()), what.data());
    std::fflush(stderr);
    drawn_ = true;
  }
  void step(std::string_view what, size_t done, size_t total) {
    if (!on_ || total == 0) return;
    constexpr size_t kWidth = 30;
    const size_t filled = done * kWidth / total;
    std::fprintf(stderr, "\r\033[K%-8.*s [%s%s] %zu/%zu layers", static_cast<int>(what.size()), what.data(),
                 std::string(filled, '#').c_str(), std::string(kWidth - filled, ' ').c_str(), done, total);
    std::fflush(stderr);
    drawn_ = true;
  }
  void done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }

 private:
  bool on_;
  bool drawn_ = false;
};

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

StatusOr<Felt252> felt_option(const std::string& value, const char* name) {
  auto f = Felt252::parse(value);
  if (!f.ok()) return f.status().with_context(name);
  return f;
}

Status write_bytes(const std::string& path, const Bytes& bytes) {
  return write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

}  // namespace

StatusOr<model::QuantizedGraph> load_quantized(const std::string& model, const std::string& calibration,
                                               double input_range) {
  auto onnx = read_file(model, size_t{1} << 31);
  if (!onnx.ok()) return onnx.status();
  pipeline::ModelOptions model_options;
  model_options.input_range = input_range;
  if (!calibration.empty()) {
    auto cal = read_file(calibration, size_t{1} << 30);
    if (!cal.ok()) return cal.status();
    model_options.calibration_json = text_of(*cal);
  }
  auto graph = pipeline::load_model(*onnx, model_options);
  if (!graph.ok()) return graph.status().with_context(model);
  return graph;
}

int commit(const CommitArgs& a) {
  Progress progress(a.json);
  progress.stage("importing and quantizing " + a.model);
  auto graph = load_quantized(a.model, a.calibration, a.input_range);
  if (!graph.ok()) return fail(graph.status());
  progress.stage("committing to the weights and proving their ranges");
  auto loaded = pipeline::prepare_model(std::move(*graph));
  if (!loaded.ok()) return fail(loaded.status());
  const Bytes bytes = proof::encode_model_commitment(loaded->circuit.model_commitment());
  if (Status s = write_bytes(a.out, bytes); !s.ok()) return fail(s);
  progress.done();
  nlohmann::json summary = {{"model_commitment", loaded->commitment.to_hex()},
                            {"out", a.out},
                            {"bytes", bytes.size()},
                            {"parameters", model::parameter_count(*loaded->graph)}};
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    std::cout << "model commitment " << loaded->commitment.to_hex() << "\nwrote " << a.out << " (" << bytes.size()
              << " bytes: the architecture, the weights' root and their range proof; no weight)\n";
  }
  return 0;
}

int prove(const ProveArgs& a) {
  Progress progress(a.json);
  auto level = tee::parse_security_level(a.attest.level);
  if (!level.ok()) return fail(level.status());
  auto worker = felt_option(a.worker, "--worker");
  if (!worker.ok()) return fail(worker.status());
  if (Status s = starknet::check_contract_address(*worker, "--worker"); !s.ok()) return fail(s);
  auto sage = starknet::parse_u256(a.sage_amount);
  if (!sage.ok()) return fail(sage.status().with_context("--sage-amount"));
  std::optional<Felt252> job_id;
  if (!a.job_id.empty()) {
    auto j = felt_option(a.job_id, "--job-id");
    if (!j.ok()) return fail(j.status());
    job_id = *j;
  }

  progress.stage("importing and quantizing " + a.model);
  auto graph = load_quantized(a.model, a.calibration, a.input_range);
  if (!graph.ok()) return fail(graph.status());
  auto input_text = read_file(a.input, size_t{1} << 30);
  if (!input_text.ok()) return fail(input_text.status());
  auto input = model::parse_input_json(text_of(*input_text), graph->values[0].shape);
  if (!input.ok()) return fail(input.status().with_context(a.input));

  progress.stage("attesting");
  auto attesters = make_attesters(a.attest);
  if (!attesters.ok()) return fail(attesters.status());
  pipeline::JobOptions options;
  options.level = *level;
  options.cpu = attesters->cpu.get();
  options.gpu = attesters->gpu.get();
  options.job_id = job_id;
  options.worker = *worker;
  options.sage_amount = *sage;
  options.now = static_cast<uint64_t>(std::time(nullptr));
  options.public_input = a.public_input;
  options.progress = [&](std::string_view stage, size_t done, size_t total) {
    if (stage == "prove") progress.step("proving", done, total);
  };
  progress.stage("committing to the weights");
  auto loaded = pipeline::prepare_model(std::move(*graph));
  if (!loaded.ok()) return fail(loaded.status());
  auto package = pipeline::prove_job(*loaded, *input, options);
  if (!package.ok()) return fail(package.status());

  progress.stage("writing " + a.out);
  std::error_code ec;
  fs::create_directories(a.out, ec);
  if (ec) return fail(failed_precondition("cannot create " + a.out + ": " + ec.message()));
  size_t total_bytes = 0;
  const std::map<std::string, Bytes> files = pipeline::package_files(*package);
  for (const auto& [name, bytes] : files) {
    if (Status s = write_bytes((fs::path(a.out) / name).string(), bytes); !s.ok()) return fail(s);
    total_bytes += bytes.size();
  }
  // A file of an earlier proof (input.json of a public input) must not sit beside this one.
  for (const char* name : pipeline::kPackageFiles) {
    if (!files.count(name)) fs::remove(fs::path(a.out) / name, ec);
  }
  progress.done();

  auto bundle = tee::bundle_from_json(package->bundle);
  const auto& r = package->receipt;
  nlohmann::json outputs = nlohmann::json::array();
  for (const auto& o : package->output_values) {
    outputs.push_back({{"shape", o.shape}, {"values", o.data},
                       {"top1", std::max_element(o.data.begin(), o.data.end()) - o.data.begin()}});
  }
  nlohmann::json summary = {{"out", a.out},
                            {"level", bundle.ok() ? tee::security_level_name(bundle->level) : "unknown"},
                            {"statement", r.statement.to_hex()},
                            {"combined_hash", r.tee_attestation_hash.to_hex()},
                            {"model_commitment", r.compute.model_commitment.to_hex()},
                            {"input", package->public_input ? "public" : "private"},
                            {"input_commitment", r.compute.input_commitment.to_hex()},
                            {"proof_hash", r.proof_digest.to_hex()},
                            {"receipt_hash", receipt::receipt_hash(r).to_hex()},
                            {"proof_bytes", package->proof.size()},
                            {"prove_ms", package->prove_ms},
                            {"outputs", outputs}};
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
    return 0;
  }
  std::cout << "proved " << a.model << " on " << a.input << " (level " << summary["level"].get<std::string>() << ")\n";
  for (size_t o = 0; o < package->output_values.size(); ++o) {
    std::cout << "output " << o << ": top class " << outputs[o]["top1"] << "\n";
  }
  std::cout << "statement     " << r.statement.to_hex() << "\ncombined_hash " << r.tee_attestation_hash.to_hex()
            << "\nproof         " << package->proof.size() << " bytes in " << static_cast<int64_t>(package->prove_ms)
            << " ms\nwrote " << files.size() << " files (" << total_bytes << " bytes) to "
            << a.out << "\n";
  return 0;
}

int verify(const VerifyArgs& a) {
  auto trust = load_trust(a.roots_dir, a.policy_file, a.at);
  if (!trust.ok()) return fail(trust.status());
  std::optional<Felt252> expected_model;
  if (!a.model_commitment.empty()) {
    auto m = felt_option(a.model_commitment, "--model-commitment");
    if (!m.ok()) return fail(m.status());
    expected_model = *m;
  }
  std::map<std::string, Bytes> files;
  std::error_code ec;
  if (fs::is_regular_file(a.dir, ec)) {
    // A server's job result (GET /api/v1/jobs/ID/result): the same files in one JSON document.
    auto text = read_file(a.dir, size_t{1} << 31);
    if (!text.ok()) return fail(text.status());
    auto doc = nlohmann::json::parse(text_of(*text), nullptr, false);
    if (doc.is_discarded()) return fail(invalid_argument(a.dir + " is neither a proof directory nor a JSON result"));
    auto from_result = service::result_files(doc, nullptr);
    if (!from_result.ok()) return fail(from_result.status().with_context(a.dir));
    files = std::move(*from_result);
  } else {
    for (const char* name : pipeline::kPackageFiles) {
      const fs::path path = fs::path(a.dir) / name;
      const bool required = std::any_of(std::begin(pipeline::kRequiredPackageFiles), std::end(pipeline::kRequiredPackageFiles),
                                        [&](const char* r) { return std::string_view(r) == name; });
      if (!required && !fs::exists(path, ec)) continue;  // input.json: only for a public input
      auto bytes = read_file(path.string(), size_t{1} << 31);
      if (!bytes.ok()) return fail(bytes.status());
      files[name] = std::move(*bytes);
    }
  }
  auto package = pipeline::parse_package(files);
  if (!package.ok()) return fail(package.status().with_context(a.dir));
  tee::Verdict v = pipeline::verify_package(*package, trust->roots, trust->policy ? &*trust->policy : nullptr,
                                            trust->at, expected_model);
  if (a.json) {
    std::cout << v.to_json().dump(2) << "\n";
  } else {
    std::cout << v.summary();
  }
  return v.ok() ? 0 : kExitFailure;
}

}  // namespace zkcc::cli
