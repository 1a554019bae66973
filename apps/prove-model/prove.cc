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
#include "progress.h"
#include "zkcc/base/bytes.h"
#include "zkcc/base/json.h"
#include "zkcc/model/input_json.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/pipeline/job.h"
#include "zkcc/service/result.h"
#include "zkcc/starknet/calldata.h"
#include "zkcc/tee/capability.h"

namespace zkcc::cli {
namespace {

namespace fs = std::filesystem;

std::string text_of(const Bytes& b) { return std::string(b.begin(), b.end()); }

StatusOr<Felt252> felt_option(const std::string& value, const char* name) {
  auto f = Felt252::parse(value);
  if (!f.ok()) return f.status().with_context(name);
  return f;
}

Status write_bytes(const std::string& path, const Bytes& bytes) {
  return write_file_atomic(path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The proof directory must not silently replace another proof or a user's files: --out is a new
// or empty folder, or --force says to overwrite.
Status check_out_dir(const std::string& out, bool force) {
  std::error_code ec;
  const fs::file_status st = fs::status(out, ec);
  if (!fs::exists(st)) return ok_status();
  if (!fs::is_directory(st)) return Status(StatusCode::kAlreadyExists, "--out " + out + " exists and is not a folder");
  if (force) return ok_status();
  fs::directory_iterator it(out, ec);
  if (ec) return not_found("cannot read --out " + out + ": " + ec.message());
  if (it != fs::directory_iterator()) {
    return Status(StatusCode::kAlreadyExists, "--out " + out + " is not empty; pass --force to overwrite the proof files in it");
  }
  return ok_status();
}

// The package's files as read from a proof directory, or from a server's job result
// (GET /api/v1/jobs/ID/result): the same files in one JSON document.
StatusOr<std::map<std::string, Bytes>> read_package_files(const std::string& where) {
  std::map<std::string, Bytes> files;
  std::error_code ec;
  if (fs::is_regular_file(where, ec)) {
    ZKCC_ASSIGN_OR_RETURN(Bytes text, read_regular_file(where, pipeline::kMaxPackageFileBytes));
    // Strict: a repeated key, in the result or in a file it carries, is refused.
    auto doc = parse_strict_object(text_of(text), where);
    if (!doc.ok()) return invalid_argument(where + " is neither a proof directory nor a JSON result (" + doc.status().message() + ")");
    auto from_result = service::result_files(*doc, nullptr);
    if (!from_result.ok()) return from_result.status().with_context(where);
    files = std::move(*from_result);
  } else {
    if (!fs::is_directory(where, ec)) {
      if (fs::exists(where, ec)) return invalid_argument(where + " is neither a regular file nor a directory");
      return not_found(where + " does not exist (verify takes a proof directory or a JSON result)");
    }
    for (const char* name : pipeline::kPackageFiles) {
      const fs::path path = fs::path(where) / name;
      const bool required = std::any_of(std::begin(pipeline::kRequiredPackageFiles), std::end(pipeline::kRequiredPackageFiles),
                                        [&](const char* r) { return std::string_view(r) == name; });
      if (!required && !fs::exists(path, ec)) continue;  // public_input.json: only for a public input
      ZKCC_ASSIGN_OR_RETURN(files[name], read_regular_file(path.string(), pipeline::kMaxPackageFileBytes));
    }
  }
  // A file that is not JSON at all is malformed input; JSON whose contents do not hold together
  // is a proof that does not verify (parse_package's errors become a failed check).
  for (const auto& [name, bytes] : files) {
    if (name.ends_with(".json") && !nlohmann::json::accept(bytes.begin(), bytes.end())) {
      return invalid_argument(name + " is not JSON").with_context(where);
    }
  }
  return files;
}

// What a proof directory says it proved, beside the verdict's checks: the platforms the evidence
// came from, the model commitment, whether the input was private, each output's top class.
struct ProvedFacts {
  std::optional<std::string> cpu;  // the CPU TEE's name
  size_t gpus = 0;
  Felt252 model_commitment;
  bool public_input = false;
  std::vector<size_t> top1;
};

ProvedFacts proved_facts(const pipeline::Package& p) {
  ProvedFacts f;
  if (auto att = tee::bundle_from_json(p.bundle); att.ok()) {
    if (att->cpu) f.cpu = std::string(tee::cpu_platform_name(att->cpu->platform));
    f.gpus = att->gpus.size();
  }
  f.model_commitment = p.receipt.compute.model_commitment;
  f.public_input = p.public_input;
  for (const auto& o : p.output_values) {
    f.top1.push_back(o.data.empty() ? 0 : std::max_element(o.data.begin(), o.data.end()) - o.data.begin());
  }
  return f;
}

nlohmann::json facts_json(const ProvedFacts& f) {
  return {{"platforms", {{"cpu", f.cpu ? nlohmann::json(*f.cpu) : nlohmann::json(nullptr)}, {"gpus", f.gpus}}},
          {"top1", f.top1}};
}

// The verdict for people (its first line names the level and the platforms), with the facts
// after that line.
void print_verdict(const tee::Verdict& v, const std::optional<ProvedFacts>& f) {
  const std::string summary = v.summary();
  const size_t first = summary.find('\n') + 1;  // summary() ends every line with one
  std::cout << summary.substr(0, first);
  if (f) {
    // The platforms are on the summary line.
    std::cout << "  model commitment: " << f->model_commitment.to_hex() << "\n"
              << "  input:            " << (f->public_input ? "public (public_input.json)" : "private (committed, not revealed)") << "\n";
    for (size_t o = 0; o < f->top1.size(); ++o) std::cout << "  output " << o << ":         top class " << f->top1[o] << "\n";
  }
  std::cout << summary.substr(first);
}

void print_checks(const tee::Verdict& v) {
  std::cout << "checks:\n";
  for (const tee::Check& c : v.checks) {
    std::cout << (c.ok ? "  ok    " : "  FAIL  ") << c.name << (c.detail.empty() ? "" : ": " + c.detail) << "\n";
  }
}

}  // namespace

StatusOr<model::QuantizedGraph> load_quantized(const std::string& model, const std::string& calibration,
                                               double input_range, const model::ImportOptions& import,
                                               std::vector<std::string>* notes) {
  if (calibration.empty()) {
    Status range = pipeline::check_input_range(input_range);
    if (!range.ok()) return invalid_argument("--input-range: " + range.message());
  }
  auto onnx = read_file(model, size_t{1} << 31);
  if (!onnx.ok()) return onnx.status();
  pipeline::ModelOptions model_options;
  model_options.input_range = input_range;
  model_options.import = import;
  if (!calibration.empty()) {
    auto cal = read_file(calibration, size_t{1} << 30);
    if (!cal.ok()) return cal.status();
    model_options.calibration_json = text_of(*cal);
  }
  auto graph = pipeline::load_model(*onnx, model_options, notes);
  if (!graph.ok()) return graph.status().with_context(model);
  return graph;
}

namespace {

// --input-shape when given; else the nesting of the input JSON (`input_text`, when there is one),
// which the importer takes only where its rank is the model input's.
StatusOr<model::ImportOptions> import_options(const std::string& input_shape, const std::string* input_text) {
  model::ImportOptions import;
  if (!input_shape.empty()) {
    ZKCC_ASSIGN_OR_RETURN(import.input_shape, parse_input_shape(input_shape));
  } else if (input_text) {
    if (auto nesting = model::input_json_shape(*input_text); nesting.ok()) {
      import.input_shape = *nesting;
      import.input_shape_source = model::InputShapeSource::kData;
    }
  }
  return import;
}

void print_notes(const std::vector<std::string>& notes) {
  for (const auto& n : notes) std::cout << "note: " << n << "\n";
}

}  // namespace

int commit(const CommitArgs& a) {
  Progress progress(a.json);
  auto import = import_options(a.input_shape, nullptr);
  if (!import.ok()) return usage_error(import.status().message());
  progress.stage("importing and quantizing " + a.model);
  std::vector<std::string> notes;
  auto graph = load_quantized(a.model, a.calibration, a.input_range, *import, &notes);
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
                            {"parameters", model::parameter_count(*loaded->graph)},
                            {"notes", notes}};
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
  } else {
    print_notes(notes);
    std::cout << "model commitment " << loaded->commitment.to_hex() << "\nwrote " << a.out << " (" << bytes.size()
              << " bytes: the architecture, the weights' root and their range proof; no weight)\n";
  }
  return 0;
}

int prove(const ProveArgs& a) {
  Progress progress(a.json);
  if (Status s = check_out_dir(a.out, a.force); !s.ok()) return fail(s);
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

  auto input_text = read_file(a.input, size_t{1} << 30);
  if (!input_text.ok()) return fail(input_text.status());
  const std::string input_json = text_of(*input_text);
  auto import = import_options(a.input_shape, &input_json);
  if (!import.ok()) return usage_error(import.status().message());
  progress.stage("importing and quantizing " + a.model);
  std::vector<std::string> notes;
  auto graph = load_quantized(a.model, a.calibration, a.input_range, *import, &notes);
  if (!graph.ok()) return fail(graph.status());
  auto input = model::parse_input_json(input_json, graph->values[0].shape);
  if (!input.ok()) return fail(input.status().with_context(a.input));

  const std::string first_run = first_run_note(a.attest);
  progress.stage(first_run.empty() ? "attesting" : "attesting: " + first_run);
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
  // A file of an earlier proof (public_input.json of a public input) must not sit beside this one.
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
                            {"outputs", outputs},
                            {"notes", notes}};
  if (a.json) {
    std::cout << summary.dump(2) << "\n";
    return 0;
  }
  print_notes(notes);
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
  auto policy = effective_policy(trust->policy, a.require_level);
  if (!policy.ok()) return fail(policy.status());
  std::optional<Felt252> expected_model;
  if (!a.model_commitment.empty()) {
    auto m = felt_option(a.model_commitment, "--model-commitment");
    if (!m.ok()) return fail(m.status());
    expected_model = *m;
  }
  auto files = read_package_files(a.dir);
  if (!files.ok()) return fail(files.status());
  auto package = pipeline::parse_package(*files);
  tee::Verdict v;
  if (package.ok()) {
    v = pipeline::verify_package(*package, trust->roots, &*policy, trust->at, expected_model);
  } else {
    v.kind = "zkcc-proof";
    v.add("proof directory's files are well-formed", false, package.status().with_context(a.dir).message());
  }
  std::optional<ProvedFacts> facts;
  if (package.ok()) facts = proved_facts(*package);
  if (a.json) {
    nlohmann::json j = verdict_json(v);
    if (facts) j.update(facts_json(*facts));
    std::cout << j.dump(2) << "\n";
    return verdict_exit(v);
  }
  print_verdict(v, facts);
  if (a.verbose) print_checks(v);
  return verdict_exit(v);
}

}  // namespace zkcc::cli
