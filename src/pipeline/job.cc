#include "zkcc/pipeline/job.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>

#include <openssl/rand.h>

#include "zkcc/hash/poseidon.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/calibration.h"
#include "zkcc/base/json.h"
#include "zkcc/model/commitment.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/input_json.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/run.h"

namespace zkcc::pipeline {

Status check_input_range(double range) {
  if (std::isfinite(range) && range > 0 && range <= kMaxInputRange) return ok_status();
  char text[32];
  std::snprintf(text, sizeof text, "%g", range);
  return invalid_argument("the input range must lie in (0, 1e6], not " + std::string(text));
}

StatusOr<model::QuantizedGraph> load_model(std::span<const uint8_t> onnx, const ModelOptions& options,
                                           std::vector<std::string>* notes) {
  if (options.calibration_json.empty()) ZKCC_RETURN_IF_ERROR(check_input_range(options.input_range));
  ZKCC_ASSIGN_OR_RETURN(model::ImportedModel imported, model::import_onnx_model(onnx, options.import));
  if (notes) *notes = std::move(imported.notes);
  model::Graph graph = std::move(imported.graph);
  model::Calibration calibration;
  if (options.calibration_json.empty()) {
    calibration = model::interval_calibration(graph, options.input_range);
  } else {
    auto set = parse_input_set(options.calibration_json, graph.values[graph.input].shape);
    if (!set.ok()) return set.status().with_context("calibration set");
    auto c = model::calibrate(graph, *set);
    if (!c.ok()) return c.status().with_context("calibration");
    calibration = std::move(*c);
  }
  ZKCC_ASSIGN_OR_RETURN(model::QuantizedGraph q, model::quantize(graph, calibration, options.quant));
  Status provable = proof::check_provable(q);
  if (!provable.ok()) return provable.with_context("the model cannot be proved");
  return q;
}

StatusOr<LoadedModel> prepare_model(model::QuantizedGraph graph) {
  LoadedModel m;
  m.graph = std::make_shared<const model::QuantizedGraph>(std::move(graph));
  ZKCC_ASSIGN_OR_RETURN(m.circuit, proof::GraphCircuit::build(m.graph));
  m.commitment = proof::model_commitment_felt(m.circuit.model_commitment());
  return m;
}

StatusOr<std::vector<model::FloatTensor>> parse_input_set(std::string_view json, const model::Shape& shape) {
  auto doc = nlohmann::json::parse(json, nullptr, false);
  if (doc.is_discarded() || !doc.is_array() || doc.empty()) {
    return invalid_argument("expected a non-empty JSON array of inputs");
  }
  std::vector<model::FloatTensor> out;
  for (size_t i = 0; i < doc.size(); ++i) {
    auto t = model::parse_input_json(doc[i].dump(), shape);
    if (!t.ok()) return t.status().with_context("input " + std::to_string(i));
    out.push_back(std::move(*t));
  }
  return out;
}

Felt252 payment_commitment(const receipt::ComputeReceipt& r, const starknet::U256& sage_amount) {
  const Felt252 xs[] = {*Felt252::from_short_string("zkcc-payment-v1"),
                        r.job_id,
                        r.worker_pubkey,
                        Felt252::from_u128(sage_amount.low),
                        Felt252::from_u128(sage_amount.high),
                        r.prev_receipt_hash,
                        Felt252::from_u64(r.gpu_time_ms),
                        Felt252::from_u64(r.token_count),
                        Felt252::from_u64(r.billing_amount_sage),
                        Felt252::from_u64(r.billing_rate_per_sec),
                        Felt252::from_u64(r.billing_rate_per_token),
                        Felt252::from_u64(r.timestamp),
                        Felt252::from_u64(r.sequence_number)};
  return hash::poseidon_hash_many(xs);
}

Commitments commit(const Felt252& model_c, const Felt252& input_c, std::span<const model::IntTensor> outputs,
                   const Felt252& payment_c) {
  Commitments c;
  c.model = model_c;
  c.input = input_c;
  c.output = model::output_commitment(outputs);
  c.payment = payment_c;
  c.statement = model::statement_hash(c.model, c.input, c.output, c.payment);
  return c;
}

Felt252 proof_hash(std::span<const uint8_t> proof) {
  hash::Sha256Digest d = hash::sha256(proof);
  return *Felt252::from_bytes_be_var(std::span(d).first(31));
}

std::vector<Felt252> proof_felts(std::span<const uint8_t> proof) {
  std::vector<Felt252> felts = {Felt252::from_u64(proof.size())};
  std::vector<Felt252> chunks = hash::bytes_to_felts(proof);
  felts.insert(felts.end(), chunks.begin(), chunks.end());
  return felts;
}

proof::Transcript proof_transcript(const Felt252& statement, const Felt252& combined_hash) {
  proof::Transcript t(*Felt252::from_short_string("zkcc-proof-v1"));
  t.mix(statement);
  t.mix(combined_hash);
  return t;
}

namespace {

starknet::VerifyAndPayArgs chain_args(const Commitments& c, size_t layers, const receipt::ReceiptV2& r,
                                      const starknet::U256& sage_amount, const Felt252& proof_h, const Felt252& combined) {
  starknet::VerifyAndPayArgs a;
  a.model_id = c.model;
  a.proof_hash = proof_h;
  a.io_commitment = hash::poseidon_hash(c.input, c.output);
  a.weight_commitment = c.model;
  a.num_layers = static_cast<uint32_t>(layers);
  a.job_id = r.compute.job_id;
  a.worker = r.compute.worker_pubkey;
  a.sage_amount = sage_amount;
  a.tee_attestation_hash = combined;
  return a;
}

// A fresh job id: 31 random bytes, a felt below 2^248.
StatusOr<Felt252> random_job_id() {
  uint8_t b[31];
  if (RAND_bytes(b, sizeof b) != 1) return internal_error("the random generator failed to make a job id");
  return *Felt252::from_bytes_be_var(b);
}

// The receipt's attestation time: the receipt's time when the bundle carries evidence, else 0.
uint64_t tee_timestamp(const tee::FullStackAttestation& att, uint64_t timestamp) {
  return att.cpu || !att.gpus.empty() ? timestamp : 0;
}

size_t top_class(const model::FloatTensor& t) {
  return static_cast<size_t>(std::max_element(t.data.begin(), t.data.end()) - t.data.begin());
}

}  // namespace

StatusOr<Package> prove_job(const LoadedModel& model, const model::FloatTensor& input, const JobOptions& options) {
  Package p;
  p.model = model.circuit.model_commitment();
  p.graph = p.model.architecture;
  p.public_input = options.public_input;
  const auto run_start = std::chrono::steady_clock::now();
  ZKCC_ASSIGN_OR_RETURN(model::IntTensor qinput, model::quantize_input_exact(*model.graph, input));
  ZKCC_ASSIGN_OR_RETURN(model::Trace trace, model::run(*model.graph, qinput));
  const auto run_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - run_start).count();
  for (size_t v : p.graph->outputs) p.outputs.push_back(trace.values[v]);
  p.output_values = model::dequantize_outputs(*model.graph, trace);
  if (options.progress) options.progress("commit", 0, 1);
  ZKCC_ASSIGN_OR_RETURN(proof::GraphWitness witness, proof::graph_commit(model.circuit, trace));
  const Felt252 input_c =
      options.public_input ? model::input_commitment(qinput) : model::committed_input_commitment(witness.root());
  if (options.public_input) {
    p.input_values = input;
    p.input = std::move(qinput);
  }

  // Everything the receipt and verify_and_pay carry that is known now goes into the statement.
  receipt::ReceiptV2& r = p.receipt;
  r.compute = options.billing;
  Felt252 job_id;
  if (options.job_id) {
    job_id = *options.job_id;
  } else {
    ZKCC_ASSIGN_OR_RETURN(job_id, random_job_id());
  }
  r.compute.job_id = job_id;
  r.compute.worker_pubkey = options.worker;
  r.compute.gpu_time_ms = static_cast<uint64_t>(run_ms);
  r.compute.timestamp = options.now;
  const Commitments c = commit(model.commitment, input_c, p.outputs, payment_commitment(r.compute, options.sage_amount));

  if (options.progress) options.progress("attest", 0, 1);
  auto att = tee::attest(c.statement, options.level, options.cpu, options.gpu);
  if (!att.ok()) return att.status().with_context("attestation");
  p.bundle = tee::bundle_to_json(*att);

  auto start = std::chrono::steady_clock::now();
  proof::Transcript t = proof_transcript(c.statement, att->combined_hash);
  ZKCC_ASSIGN_OR_RETURN(proof::GraphProof gp,
                        proof::graph_prove(model.circuit, witness, t, {options.public_input, options.progress}));
  p.proof = proof::encode_binary(gp);
  p.prove_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  const Felt252 proof_h = proof_hash(p.proof);

  r.compute.input_commitment = c.input;
  r.compute.output_commitment = c.output;
  r.compute.model_commitment = c.model;
  r.compute.tee_timestamp = tee_timestamp(*att, r.compute.timestamp);
  receipt::set_attestation(r, att->cpu_hash, att->gpu_hash);
  r.statement = c.statement;
  r.proof_digest = proof_h;

  p.verify_and_pay = chain_args(c, p.graph->layers.size(), r, options.sage_amount, proof_h, att->combined_hash);
  ZKCC_ASSIGN_OR_RETURN(p.verify_and_pay_calldata, starknet::verify_and_pay_calldata(p.verify_and_pay));
  ZKCC_ASSIGN_OR_RETURN(p.proof_calldata, starknet::proof_calldata(c.statement, att->combined_hash, proof_felts(p.proof)));
  return p;
}

// ---- files ----

namespace {

using nlohmann::json;

json felts_json(std::span<const Felt252> fs) {
  json a = json::array();
  for (const Felt252& f : fs) a.push_back(f.to_hex());
  return a;
}

Bytes text(const json& j) {
  std::string s = j.dump(2) + "\n";
  return Bytes(s.begin(), s.end());
}

std::string_view view(const Bytes& b) { return {reinterpret_cast<const char*>(b.data()), b.size()}; }

StatusOr<const json*> member(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return invalid_argument(std::string("missing '") + key + "'");
  return &obj.at(key);
}

StatusOr<model::Shape> shape_from(const json& j) {
  if (!j.is_array() || j.empty() || j.size() > 8) return invalid_argument("'shape' must be an array of 1 to 8 dimensions");
  model::Shape s;
  for (const json& d : j) {
    if (!d.is_number_unsigned() || d.get<uint64_t>() == 0 || d.get<uint64_t>() > (uint64_t{1} << 28)) {
      return invalid_argument("a dimension of 'shape' is not a positive integer");
    }
    s.push_back(d.get<size_t>());
  }
  ZKCC_RETURN_IF_ERROR(model::checked_element_count(s, size_t{1} << 28).status());
  return s;
}

StatusOr<model::IntTensor> ints_from(const json& obj, const model::Shape& shape) {
  ZKCC_ASSIGN_OR_RETURN(const json* q, member(obj, "quantized"));
  if (!q->is_array() || q->size() != model::element_count(shape)) {
    return invalid_argument("'quantized' must hold " + std::to_string(model::element_count(shape)) + " integers");
  }
  model::IntTensor t{shape, {}};
  t.data.reserve(q->size());
  for (const json& v : *q) {
    if (!v.is_number_integer() || std::llabs(v.get<int64_t>()) > model::kM31HalfRange) {
      return invalid_argument("'quantized' holds a value that is not an integer within (p - 1) / 2");
    }
    t.data.push_back(v.get<int64_t>());
  }
  return t;
}

StatusOr<model::FloatTensor> floats_from(const json& obj, const model::Shape& shape) {
  ZKCC_ASSIGN_OR_RETURN(const json* q, member(obj, "values"));
  if (!q->is_array() || q->size() != model::element_count(shape)) {
    return invalid_argument("'values' must hold " + std::to_string(model::element_count(shape)) + " numbers");
  }
  model::FloatTensor t{shape, {}};
  for (const json& v : *q) {
    if (!v.is_number()) return invalid_argument("'values' holds a non-number");
    t.data.push_back(v.get<double>());
  }
  return t;
}

StatusOr<std::vector<Felt252>> felts_from(const json& j, const char* what) {
  if (!j.is_array()) return invalid_argument(std::string(what) + " must be an array of felts");
  std::vector<Felt252> out;
  out.reserve(j.size());
  for (const json& f : j) {
    if (!f.is_string()) return invalid_argument(std::string(what) + " holds a non-string");
    auto v = Felt252::parse(f.get_ref<const std::string&>());
    if (!v.ok()) return v.status().with_context(what);
    out.push_back(*v);
  }
  return out;
}

template <typename F>
auto in_file(const char* name, F&& f) -> decltype(f()) {
  auto r = f();
  if (!r.ok()) return r.status().with_context(name);
  return r;
}

}  // namespace

std::map<std::string, Bytes> package_files(const Package& p) {
  std::map<std::string, Bytes> files;
  files["model_commitment.bin"] = proof::encode_model_commitment(p.model);
  if (p.public_input) {
    files["public_input.json"] = text({{"shape", p.input.shape},
                                {"scale", p.graph->values[0].scale},
                                {"values", p.input_values.data},
                                {"quantized", p.input.data}});
  }
  json outs = json::array();
  for (size_t o = 0; o < p.outputs.size(); ++o) {
    const model::QuantizedValue& v = p.graph->values[p.graph->outputs[o]];
    outs.push_back({{"name", v.name},
                    {"shape", p.outputs[o].shape},
                    {"scale", v.scale},
                    {"values", p.output_values[o].data},
                    {"quantized", p.outputs[o].data},
                    {"top1", top_class(p.output_values[o])}});
  }
  files["output.json"] = text({{"outputs", outs}});
  files["proof.bin"] = p.proof;
  files["bundle.json"] = text(p.bundle);
  std::string receipt = receipt::to_json(p.receipt);
  files["receipt.json"] = Bytes(receipt.begin(), receipt.end());
  files["calldata.json"] =
      text({{"verify_and_pay", {{"args", json::parse(starknet::verify_and_pay_args_to_json(p.verify_and_pay))},
                                {"calldata", felts_json(p.verify_and_pay_calldata)}}},
            {"proof", felts_json(p.proof_calldata)}});
  return files;
}

StatusOr<Package> parse_package(const std::map<std::string, Bytes>& files) {
  for (const char* name : kRequiredPackageFiles) {
    if (!files.count(name)) return not_found("the proof directory has no " + std::string(name));
  }
  for (const auto& entry : files) {
    const std::string& name = entry.first;  // a structured binding cannot be captured by clang 14
    if (std::none_of(std::begin(kPackageFiles), std::end(kPackageFiles), [&](const char* k) { return name == k; })) {
      return invalid_argument("the proof directory holds an unknown file " + name);
    }
  }
  Package p;
  ZKCC_ASSIGN_OR_RETURN(p.model, in_file("model_commitment.bin", [&] { return proof::decode_model_commitment(files.at("model_commitment.bin")); }));
  p.graph = p.model.architecture;
  auto doc = [&](const char* name) -> StatusOr<json> { return parse_strict_object(view(files.at(name)), name); };

  p.public_input = files.count("public_input.json") > 0;
  Status s = ok_status();
  if (p.public_input) {
    ZKCC_ASSIGN_OR_RETURN(json input, doc("public_input.json"));
    s = [&]() -> Status {
      ZKCC_ASSIGN_OR_RETURN(const json* shape, member(input, "shape"));
      ZKCC_ASSIGN_OR_RETURN(model::Shape sh, shape_from(*shape));
      ZKCC_ASSIGN_OR_RETURN(p.input, ints_from(input, sh));
      ZKCC_ASSIGN_OR_RETURN(p.input_values, floats_from(input, sh));
      return ok_status();
    }();
    if (!s.ok()) return s.with_context("public_input.json");
  }

  ZKCC_ASSIGN_OR_RETURN(json output, doc("output.json"));
  s = [&]() -> Status {
    ZKCC_ASSIGN_OR_RETURN(const json* outs, member(output, "outputs"));
    if (!outs->is_array() || outs->size() != p.graph->outputs.size()) {
      return invalid_argument("'outputs' must list the model's " + std::to_string(p.graph->outputs.size()) + " outputs");
    }
    for (const json& o : *outs) {
      ZKCC_ASSIGN_OR_RETURN(const json* shape, member(o, "shape"));
      ZKCC_ASSIGN_OR_RETURN(model::Shape sh, shape_from(*shape));
      ZKCC_ASSIGN_OR_RETURN(model::IntTensor q, ints_from(o, sh));
      ZKCC_ASSIGN_OR_RETURN(model::FloatTensor f, floats_from(o, sh));
      ZKCC_ASSIGN_OR_RETURN(const json* top1, member(o, "top1"));
      if (!top1->is_number_unsigned() || top1->get<size_t>() != top_class(f)) {
        return invalid_argument("'top1' is not the largest of 'values'");
      }
      p.outputs.push_back(std::move(q));
      p.output_values.push_back(std::move(f));
    }
    return ok_status();
  }();
  if (!s.ok()) return s.with_context("output.json");

  p.proof = files.at("proof.bin");
  // As strict as the other files: a repeated key would let the bundle say two things at once.
  ZKCC_ASSIGN_OR_RETURN(p.bundle, doc("bundle.json"));
  ZKCC_ASSIGN_OR_RETURN(p.receipt, in_file("receipt.json", [&] { return receipt::receipt_v2_from_json(view(files.at("receipt.json"))); }));

  ZKCC_ASSIGN_OR_RETURN(json calldata, doc("calldata.json"));
  s = [&]() -> Status {
    ZKCC_ASSIGN_OR_RETURN(const json* vp, member(calldata, "verify_and_pay"));
    ZKCC_ASSIGN_OR_RETURN(const json* args, member(*vp, "args"));
    ZKCC_ASSIGN_OR_RETURN(p.verify_and_pay, starknet::verify_and_pay_args_from_json(args->dump()));
    ZKCC_ASSIGN_OR_RETURN(const json* felts, member(*vp, "calldata"));
    ZKCC_ASSIGN_OR_RETURN(p.verify_and_pay_calldata, felts_from(*felts, "verify_and_pay calldata"));
    ZKCC_ASSIGN_OR_RETURN(const json* proof, member(calldata, "proof"));
    ZKCC_ASSIGN_OR_RETURN(p.proof_calldata, felts_from(*proof, "proof calldata"));
    return ok_status();
  }();
  if (!s.ok()) return s.with_context("calldata.json");
  return p;
}

// ---- verification ----

tee::Verdict verify_package(const Package& p, const tee::BundleRoots& roots, const tee::Policy* policy, int64_t at,
                            const std::optional<Felt252>& expected_model) {
  tee::Verdict v;
  v.kind = "zkcc-proof";
  // A check's detail says what went wrong, so it is kept only when the check fails.
  auto add = [&v](std::string name, bool ok, std::string detail) {
    v.add(std::move(name), ok, ok ? "" : std::move(detail));
  };
  // The proof carries the per-proof root, which commits a private input.
  auto gp = proof::decode_graph_binary(p.proof);
  const proof::Digest root = gp.ok() ? gp->root : proof::Digest{};
  const Felt252 input_c = p.public_input ? model::input_commitment(p.input) : model::committed_input_commitment(root);
  // The payment fields come from the receipt and the calldata: rewriting any changes the statement.
  const Commitments c = commit(proof::model_commitment_felt(p.model), input_c, p.outputs,
                               payment_commitment(p.receipt.compute, p.verify_and_pay.sage_amount));
  v.claims = {{"model_commitment", c.model.to_hex()},
              {"input_commitment", c.input.to_hex()},
              {"input", p.public_input ? "public" : "private"},
              {"output_commitment", c.output.to_hex()},
              {"payment_commitment", c.payment.to_hex()},
              {"statement", c.statement.to_hex()}};

  // The files agree with each other.
  if (expected_model) {
    add("model is the expected one", c.model == *expected_model,
          "the package's model commitment is " + c.model.to_hex() + ", expected " + expected_model->to_hex());
  }
  auto circuit = proof::GraphCircuit::build_for_verifier(p.model);
  add("model commitment's parameters are in range", circuit.ok(), circuit.status().message());
  if (p.public_input) {
    auto quantized = model::quantize_input_exact(*p.graph, p.input_values);
    add("input is the quantized given input", quantized.ok() && quantized->data == p.input.data,
          quantized.ok() ? "public_input.json's quantized values are not its values' quantization" : quantized.status().message());
  }
  bool outputs_ok = p.output_values.size() == p.outputs.size();
  for (size_t o = 0; outputs_ok && o < p.outputs.size(); ++o) {
    const double scale = p.graph->values[p.graph->outputs[o]].scale;
    outputs_ok = p.output_values[o].data.size() == p.outputs[o].data.size();
    for (size_t i = 0; outputs_ok && i < p.outputs[o].data.size(); ++i) {
      const double want = static_cast<double>(p.outputs[o].data[i]) * scale;
      outputs_ok = std::abs(p.output_values[o].data[i] - want) <= 1e-9 * std::max(1.0, std::abs(want));
    }
  }
  add("output values are the dequantized outputs", outputs_ok, "output.json's values differ from quantized x scale");
  add("model commitment", p.receipt.compute.model_commitment == c.model,
        "the model differs from the one the receipt names");
  add("input commitment", p.receipt.compute.input_commitment == c.input,
        "the input differs from the one the receipt names");
  add("output commitment", p.receipt.compute.output_commitment == c.output,
        "the output differs from the one the receipt names");
  add("statement", p.receipt.statement == c.statement,
        "the receipt's statement is not the hash of the model, input, output and payment commitments");

  // The evidence bundle.
  auto att = tee::bundle_from_json(p.bundle);
  add("bundle is for this statement", att.ok() && att->statement == c.statement,
        att.ok() ? "the bundle attests statement " + att->statement.to_hex() : att.status().message());
  v.merge(tee::verify_bundle(p.bundle, roots, policy, at), "evidence");
  const Felt252 combined = att.ok() ? att->combined_hash : Felt252();

  // The proof.
  Status proof_status = [&]() -> Status {
    if (!gp.ok()) return gp.status();
    if (!circuit.ok()) return failed_precondition("the model commitment does not hold");
    proof::Transcript t = proof_transcript(c.statement, combined);
    return proof::graph_verify(*circuit, p.public_input ? &p.input : nullptr, p.outputs, *gp, t);
  }();
  add("proof", proof_status.ok(), proof_status.message());

  // The receipt and the calldata repeat what the checks above established.
  const Felt252 proof_h = proof_hash(p.proof);
  add("receipt names this proof", p.receipt.proof_digest == proof_h, "proof_digest is not proof.bin's hash");
  add("receipt names this attestation",
        att.ok() && p.receipt.tee_attestation_hash == combined && p.receipt.cpu_tee_report_hash == att->cpu_hash &&
            p.receipt.gpu_tee_report_hash == att->gpu_hash,
        "the receipt's attestation hashes are not the bundle's");
  add("receipt's attestation time",
        att.ok() && p.receipt.compute.tee_timestamp == tee_timestamp(*att, p.receipt.compute.timestamp),
        "tee_timestamp is not the receipt's timestamp (with evidence) or 0 (without)");
  const starknet::VerifyAndPayArgs expected =
      chain_args(c, p.graph->layers.size(), p.receipt, p.verify_and_pay.sage_amount, proof_h, combined);
  auto vp_calldata = starknet::verify_and_pay_calldata(expected);
  add("verify_and_pay arguments", p.verify_and_pay == expected,
        "calldata.json's arguments differ from the commitments, proof, receipt or attestation");
  add("verify_and_pay calldata", vp_calldata.ok() && *vp_calldata == p.verify_and_pay_calldata,
        "calldata.json's verify_and_pay felts are not its arguments' encoding");
  auto pc = starknet::proof_calldata(c.statement, combined, proof_felts(p.proof));
  add("proof calldata", pc.ok() && *pc == p.proof_calldata, "calldata.json's proof felts are not proof.bin");
  return v;
}

}  // namespace zkcc::pipeline
