// Compute receipts: what a job did, for whom, at what price, under which attestation, folded into
// one Poseidon hash that chains receipts together and that Starknet can recompute.
//
// v1 is the reference prover's ComputeReceipt. Its hash is poseidon_hash_many over these 15 felts,
// in this order (integers as felts of their value):
//    0 job_id                    8 billing_amount_sage (u64)
//    1 worker_pubkey             9 billing_rate_per_sec (u64)
//    2 input_commitment         10 billing_rate_per_token (u64)
//    3 output_commitment        11 tee_report_hash
//    4 model_commitment         12 tee_timestamp (u64, Unix seconds)
//    5 prev_receipt_hash        13 timestamp (u64, Unix seconds)
//    6 gpu_time_ms (u64)        14 sequence_number (u32)
//    7 token_count (u32)
// (The reference also records peak_memory_mb, outside the hash; it is not kept here.)
//
// v2 extends v1 with the full-stack attestation and the proof. Its hash is poseidon_hash_many over
// 21 felts:
//    0      the Cairo short string 'zkcc-receipt-v2' (0x7a6b63632d726563656970742d7632): a domain
//           tag, so a v2 hash can never equal a v1 hash or another 21-felt hash of ours;
//    1..15  the 15 v1 felts above, in v1 order;
//   16      cpu_tee_report_hash   (DESIGN.md cpu_hash; 0 without CPU evidence)
//   17      gpu_tee_report_hash   (DESIGN.md gpu_hash; 0 without GPU evidence)
//   18      tee_attestation_hash  (DESIGN.md combined_hash; what verify_and_pay carries on chain)
//   19      statement
//   20      proof_digest          (the felt naming the proof; verify_and_pay's proof_hash)
// In v2 the v1 field tee_report_hash holds the combined hash: the reference fills it with the hash
// the verifier contract expects, which is now the combined one (and equals gpu_hash with GPU-only
// evidence, as in the reference). validate() enforces that and the combined-hash formula.
//
// JSON (one object, keys in the order above, no others):
//   {"version": 1 or 2, <v1 fields>, [<v2 fields>,] "receipt_hash": "0x..."}
// Felts are strings in canonical form: lowercase 0x hex without leading zeros ("0x0" for zero),
// below the Stark prime. Integers are JSON unsigned integers within their type (JavaScript readers
// lose precision above 2^53; none of the fields gets there in practice). Decoding refuses
// unknown, duplicate or missing keys, other spellings of a felt, and a receipt_hash that is not the
// hash of the fields.
#ifndef ZKCC_RECEIPT_RECEIPT_H_
#define ZKCC_RECEIPT_RECEIPT_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "zkcc/base/status.h"
#include "zkcc/field/felt252.h"

namespace zkcc::receipt {

using field::Felt252;

struct ComputeReceipt {
  // Identity.
  Felt252 job_id;
  Felt252 worker_pubkey;
  // Commitments.
  Felt252 input_commitment;
  Felt252 output_commitment;
  Felt252 model_commitment;
  // Chain link: the previous receipt's hash, 0 for the first of a session.
  Felt252 prev_receipt_hash;
  // Execution and billing.
  uint64_t gpu_time_ms = 0;
  uint32_t token_count = 0;
  uint64_t billing_amount_sage = 0;
  uint64_t billing_rate_per_sec = 0;
  uint64_t billing_rate_per_token = 0;
  // Attestation.
  Felt252 tee_report_hash;
  uint64_t tee_timestamp = 0;
  // Metadata: Unix seconds, and the position in the chain.
  uint64_t timestamp = 0;
  uint32_t sequence_number = 0;

  friend bool operator==(const ComputeReceipt&, const ComputeReceipt&) = default;
};

struct ReceiptV2 {
  ComputeReceipt compute;
  Felt252 cpu_tee_report_hash;
  Felt252 gpu_tee_report_hash;
  Felt252 tee_attestation_hash;
  Felt252 statement;
  Felt252 proof_digest;

  friend bool operator==(const ReceiptV2&, const ReceiptV2&) = default;
};

inline constexpr size_t kComputeReceiptFelts = 15;
inline constexpr size_t kReceiptV2Felts = 21;
inline constexpr std::string_view kReceiptV2Tag = "zkcc-receipt-v2";

// The felts the hashes run over, in the orders documented above.
std::array<Felt252, kComputeReceiptFelts> receipt_felts(const ComputeReceipt& r);
std::array<Felt252, kReceiptV2Felts> receipt_felts(const ReceiptV2& r);
Felt252 receipt_hash(const ComputeReceipt& r);
Felt252 receipt_hash(const ReceiptV2& r);

// Fills the four attestation fields from DESIGN.md's cpu_hash and gpu_hash (0 = no evidence):
// cpu_tee_report_hash, gpu_tee_report_hash, and tee_attestation_hash = compute.tee_report_hash =
// the combined hash.
void set_attestation(ReceiptV2& r, const Felt252& cpu_hash, const Felt252& gpu_hash);
// Checks that tee_attestation_hash is the combined hash of the CPU and GPU hashes and that
// compute.tee_report_hash equals it.
Status validate(const ReceiptV2& r);

// Pretty-printed JSON as described above, with the receipt_hash.
std::string to_json(const ComputeReceipt& r);
std::string to_json(const ReceiptV2& r);
StatusOr<ComputeReceipt> compute_receipt_from_json(std::string_view json);
// Also runs validate().
StatusOr<ReceiptV2> receipt_v2_from_json(std::string_view json);

}  // namespace zkcc::receipt

#endif  // ZKCC_RECEIPT_RECEIPT_H_
