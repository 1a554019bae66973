// The main job, as plain functions the command line and the server share (DESIGN.md's data flow):
//
//   load_model:   ONNX bytes -> import -> calibrate -> quantize -> QuantizedGraph (provable)
//   prove_job:    graph + input -> run -> commitments -> statement -> attest -> proof -> receipt,
//                 calldata: a Package
//   package_files / parse_package: a Package as its seven files and back
//   verify_package: every check, one Verdict
//
// Commitments and the statement (model/commitment.h):
//   model_c  = model_commitment(graph)       input_c = input_commitment(quantized input)
//   output_c = output_commitment(quantized outputs)
//   statement = poseidon_hash_many(['zkcc-stmt-v1', model_c, input_c, output_c])
// The proof's transcript starts from the tag 'zkcc-proof-v1' and absorbs the statement and the
// attestation's combined hash before anything else, so a proof cannot be paired with another
// attestation or statement. proof_hash = the first 31 bytes of SHA-256(proof.bin) as a felt.
//
// verify_and_pay (starknet/calldata.h): model_id = weight_commitment = model_c,
// io_commitment = poseidon_hash(input_c, output_c), proof_hash, num_layers = the quantized
// graph's layer count, tee_attestation_hash = combined hash; job_id, worker and sage_amount as
// the receipt and the options say. The proof's calldata carries proof.bin as felts: its byte
// length, then bytes_to_felts (31-byte big-endian chunks).
#ifndef ZKCC_PIPELINE_JOB_H_
#define ZKCC_PIPELINE_JOB_H_

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/model/quantize.h"
#include "zkcc/proof/graph_proof.h"
#include "zkcc/receipt/receipt.h"
#include "zkcc/starknet/calldata.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::pipeline {

struct ModelOptions {
  // A JSON array of inputs to calibrate on (parse_input_set); empty: the interval default over
  // [-input_range, input_range].
  std::string calibration_json;
  double input_range = 1.0;
  model::QuantConfig quant;
};

// Imports, calibrates and quantizes, and checks that the result can be proved.
StatusOr<model::QuantizedGraph> load_model(std::span<const uint8_t> onnx, const ModelOptions& options);

// A quantized model ready to prove: its circuit is built once and shared by every job on it.
struct LoadedModel {
  std::shared_ptr<const model::QuantizedGraph> graph;
  proof::GraphCircuit circuit;
  Felt252 commitment;  // model_commitment(*graph)
};
StatusOr<LoadedModel> prepare_model(model::QuantizedGraph graph);

// A JSON array of inputs (each flattened row-major, or nested) for calibration.
StatusOr<std::vector<model::FloatTensor>> parse_input_set(std::string_view json, const model::Shape& shape);

struct Commitments {
  Felt252 model, input, output, statement;
};
// model_c is model_commitment(graph), computed once per model (LoadedModel::commitment).
Commitments commit(const Felt252& model_c, const model::IntTensor& input, std::span<const model::IntTensor> outputs);

struct JobOptions {
  tee::SecurityLevel level = tee::SecurityLevel::kAuto;
  tee::CpuAttester* cpu = nullptr;  // null: no CPU TEE
  tee::GpuAttester* gpu = nullptr;  // null: no GPU in confidential-computing mode
  std::optional<Felt252> job_id;    // default: poseidon_hash(statement, proof_hash)
  Felt252 worker;                   // a ContractAddress (below 2^251)
  starknet::U256 sage_amount;
  uint64_t now = 0;                 // Unix seconds for the receipt
  proof::ProveProgress progress;
};

// Everything prove writes and verify reads.
struct Package {
  std::shared_ptr<const model::QuantizedGraph> graph;
  model::FloatTensor input_values;         // the input as given
  model::IntTensor input;                  // quantized
  std::vector<model::IntTensor> outputs;   // quantized
  Bytes proof;                             // proof/graph_proof.h binary encoding
  nlohmann::json bundle;                   // tee/bundle.h
  std::vector<model::FloatTensor> output_values;  // dequantized, for people (checked)
  receipt::ReceiptV2 receipt;
  starknet::VerifyAndPayArgs verify_and_pay;
  std::vector<Felt252> verify_and_pay_calldata;  // 10 felts
  std::vector<Felt252> proof_calldata;           // [statement, combined_hash, n, proof felts...]
  double prove_ms = 0;                     // for the summary; not part of any check
};

StatusOr<Package> prove_job(const LoadedModel& model, const model::FloatTensor& input, const JobOptions& options);

Felt252 proof_hash(std::span<const uint8_t> proof);
std::vector<Felt252> proof_felts(std::span<const uint8_t> proof);
proof::Transcript proof_transcript(const Felt252& statement, const Felt252& combined_hash);

// The files: model.zkq (model/graph_encoding.h), input.json, output.json, proof.bin, bundle.json,
// receipt.json, calldata.json. output.json also carries the dequantized outputs and each output's
// top class, for people; verify checks them too.
inline constexpr const char* kPackageFiles[] = {"model.zkq",   "input.json",   "output.json", "proof.bin",
                                                 "bundle.json", "receipt.json", "calldata.json"};
std::map<std::string, Bytes> package_files(const Package& p);
// Fails, naming the file, when one is missing or malformed.
StatusOr<Package> parse_package(const std::map<std::string, Bytes>& files);

// Every check, in order: the files agree with each other (commitments, statement), the evidence
// bundle (platforms, bindings, hashes, policy), the proof, the receipt and the calldata. With
// `expected_model`, the package's model must also be that one.
tee::Verdict verify_package(const Package& p, const tee::BundleRoots& roots, const tee::Policy* policy, int64_t at,
                            const std::optional<Felt252>& expected_model = std::nullopt);

}  // namespace zkcc::pipeline

#endif  // ZKCC_PIPELINE_JOB_H_
