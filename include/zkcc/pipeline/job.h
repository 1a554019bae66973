// The main job, as plain functions the command line and the server share (DESIGN.md's data flow):
//
//   load_model:   ONNX bytes -> import -> calibrate -> quantize -> QuantizedGraph (provable)
//   prove_job:    graph + input -> run -> commitments -> statement -> attest -> proof -> receipt,
//                 calldata: a Package
//   package_files / parse_package: a Package as its seven files and back
//   verify_package: every check, one Verdict
//
// Commitments and the statement (model/commitment.h):
//   model_c  = model_commitment(architecture, root of the weights' commitment): the model's weights
//              are committed once (proof/graph_proof.h ModelCommitment) and never leave the prover
//   input_c  = committed_input_commitment(the proof's per-proof root) for a private input (the
//              default), input_commitment(quantized input) for a public one (JobOptions::public_input)
//   output_c = output_commitment(quantized outputs): the outputs are public
//   payment_c = poseidon_hash_many(['zkcc-payment-v1', job_id, worker, sage_amount.low,
//               sage_amount.high, prev_receipt_hash, gpu_time_ms, token_count, billing_amount_sage,
//               billing_rate_per_sec, billing_rate_per_token, timestamp, sequence_number])
//               (integers as felts of their value; the receipt's fields and verify_and_pay's
//               sage_amount)
//   statement = poseidon_hash_many(['zkcc-stmt-v2', model_c, input_c, output_c, payment_c])
// The proof's transcript starts from the tag 'zkcc-proof-v1' and absorbs the statement and the
// attestation's combined hash before anything else, so a proof cannot be paired with another
// attestation or statement. proof_hash = the first 31 bytes of SHA-256(proof.bin) as a felt.
//
// Every field of the receipt and of verify_and_pay is either bound into the statement or a
// function of what is bound, which verify_package recomputes:
//   bound (payment_c):  job_id, worker_pubkey, sage_amount, prev_receipt_hash, gpu_time_ms,
//                       token_count, billing_amount_sage, billing_rate_per_sec,
//                       billing_rate_per_token, timestamp, sequence_number
//   bound (statement):  model, input and output commitments
//   recomputed:         statement (from the above); tee_report_hash, cpu/gpu_tee_report_hash and
//                       tee_attestation_hash (the bundle's, which the transcript absorbs);
//                       tee_timestamp (= timestamp when the bundle carries evidence, else 0);
//                       proof_digest (proof.bin's hash); receipt_hash (the receipt's fields);
//                       verify_and_pay: model_id = weight_commitment = model_c,
//                       io_commitment = poseidon_hash(input_c, output_c), proof_hash,
//                       num_layers = the quantized graph's layer count, tee_attestation_hash =
//                       combined hash, job_id, worker and sage_amount as bound above.
// So rewriting any of them on an honest package changes the statement (and the proof no longer
// verifies) or contradicts a recomputed value. What must be known before the statement is fixed
// is: gpu_time_ms is the time of the exact integer inference (measured before committing; the
// proving time is Package::prove_ms, for people), and the job id is the caller's, or by default a
// fresh random felt below 2^248 (a hash of the statement and the proof would be circular now that
// the statement binds the job id).
//
// The input: input_c commits to the quantized input. With a public input, verify_package also
// requires public_input.json's float values to be finite, within the calibrated range (|v| <= qmax * scale, so no value is
// clamped) and to quantize exactly to the committed integers; so public_input.json's values, as numbers,
// are those the statement's integers stand for, up to rounding to the input's scale.
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
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/proof/graph_proof.h"
#include "zkcc/receipt/receipt.h"
#include "zkcc/starknet/calldata.h"
#include "zkcc/tee/bundle.h"
#include "zkcc/tee/full_stack.h"
#include "zkcc/tee/verdict.h"

namespace zkcc::pipeline {

// The widest input range a model takes without a calibration set: beyond it the input's scale
// leaves too little precision to prove anything useful.
inline constexpr double kMaxInputRange = 1e6;

// An input range given without a calibration set: a finite number above 0, at most
// kMaxInputRange; the error says which and repeats the value.
Status check_input_range(double range);

struct ModelOptions {
  // A JSON array of inputs to calibrate on (parse_input_set); empty: the interval default over
  // [-input_range, input_range].
  std::string calibration_json;
  double input_range = 1.0;
  model::QuantConfig quant;
  model::ImportOptions import;  // the input shape, when the model leaves dimensions symbolic
};

// Imports, calibrates and quantizes, and checks that the result can be proved. The importer's
// notes (a batch dimension set to 1, ...) go to `notes` when it is given.
StatusOr<model::QuantizedGraph> load_model(std::span<const uint8_t> onnx, const ModelOptions& options,
                                           std::vector<std::string>* notes = nullptr);

// A quantized model ready to prove: its circuit is built once and shared by every job on it.
struct LoadedModel {
  std::shared_ptr<const model::QuantizedGraph> graph;
  proof::GraphCircuit circuit;  // holds the weights' commitment and its range proof
  Felt252 commitment;           // model_commitment_felt(circuit.model_commitment())
};
StatusOr<LoadedModel> prepare_model(model::QuantizedGraph graph);

// A JSON array of inputs (each flattened row-major, or nested) for calibration.
StatusOr<std::vector<model::FloatTensor>> parse_input_set(std::string_view json, const model::Shape& shape);

// payment_c above, over a receipt's bound fields and verify_and_pay's sage_amount.
Felt252 payment_commitment(const receipt::ComputeReceipt& r, const starknet::U256& sage_amount);

struct Commitments {
  Felt252 model, input, output, payment, statement;
};
// model_c is computed once per model (LoadedModel::commitment); input_c as above.
Commitments commit(const Felt252& model_c, const Felt252& input_c, std::span<const model::IntTensor> outputs,
                   const Felt252& payment_c);

struct JobOptions {
  tee::SecurityLevel level = tee::SecurityLevel::kAuto;
  tee::CpuAttester* cpu = nullptr;  // null: no CPU TEE
  tee::GpuAttester* gpu = nullptr;  // null: no GPU in confidential-computing mode
  std::optional<Felt252> job_id;    // default: a random felt below 2^248
  Felt252 worker;                   // a ContractAddress (below 2^251)
  starknet::U256 sage_amount;
  uint64_t now = 0;                 // Unix seconds for the receipt
  // The receipt's chain link and billing fields (prev_receipt_hash, token_count,
  // billing_amount_sage, billing_rate_per_sec, billing_rate_per_token, sequence_number) are taken
  // from here and bound into the statement like the rest; prove_job fills its other fields.
  receipt::ComputeReceipt billing;
  bool public_input = false;        // reveal the input (public_input.json) instead of committing to it
  proof::ProveProgress progress;
};

// Everything prove writes and verify reads.
struct Package {
  std::shared_ptr<const model::QuantizedGraph> graph;  // the architecture only (no weights)
  proof::ModelCommitment model;            // the architecture, the weights' root and range proof
  bool public_input = false;
  model::FloatTensor input_values;         // the input as given (public input only)
  model::IntTensor input;                  // quantized (public input only)
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

// The files: model_commitment.bin (the model commitment: proof/graph_proof.h encode_model_commitment, no
// weights), public_input.json (only for a public input), output.json, proof.bin, bundle.json,
// receipt.json, calldata.json. output.json also carries the dequantized outputs and each output's
// top class, for people; verify checks them too. No file carries a weight, a private input or an
// intermediate value.
inline constexpr const char* kPackageFiles[] = {"model_commitment.bin",   "public_input.json",   "output.json", "proof.bin",
                                                 "bundle.json", "receipt.json", "calldata.json"};
// The most bytes `verify` reads from any one file of a proof directory (or a result document).
inline constexpr size_t kMaxPackageFileBytes = size_t{256} << 20;
inline constexpr const char* kRequiredPackageFiles[] = {"model_commitment.bin",   "output.json",  "proof.bin",
                                                         "bundle.json", "receipt.json", "calldata.json"};
std::map<std::string, Bytes> package_files(const Package& p);
// Fails, naming the file, when one is missing or malformed.
StatusOr<Package> parse_package(const std::map<std::string, Bytes>& files);

// Every check, in order: the files agree with each other (the input's values, commitments,
// statement), the evidence bundle (platforms, bindings, hashes, policy), the proof, the receipt
// and the calldata. With
// `expected_model`, the package's model must also be that one.
tee::Verdict verify_package(const Package& p, const tee::BundleRoots& roots, const tee::Policy* policy, int64_t at,
                            const std::optional<Felt252>& expected_model = std::nullopt);

}  // namespace zkcc::pipeline

#endif  // ZKCC_PIPELINE_JOB_H_
