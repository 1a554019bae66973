// Starknet calldata that zkcc emits, as Cairo Serde felts (serde.h); felts_to_json writes the JSON
// form, an array of lowercase 0x hex strings.
//
// ObelyskVerifier.verify_and_pay (ABI in starknet/abi/obelysk_verifier.json):
//   fn verify_and_pay(model_id: felt252, proof_hash: felt252, io_commitment: felt252,
//                     weight_commitment: felt252, num_layers: u32, job_id: felt252,
//                     worker: ContractAddress, sage_amount: u256, tee_attestation_hash: felt252) -> bool
// Calldata, 10 felts:
//   [model_id, proof_hash, io_commitment, weight_commitment, num_layers, job_id, worker,
//    sage_amount.low, sage_amount.high, tee_attestation_hash]
// tee_attestation_hash is DESIGN.md's combined_hash (0 without TEE evidence). The contract records
// the proof under proof_id = poseidon_hash_many([model_id, io_commitment, weight_commitment,
// proof_hash]). worker is a ContractAddress, as in the contract's interface: a felt below 2^251;
// builders and decoders refuse others (starknet.js would encode them, the contract would reject
// them). The ABI file's impl and interface names are ours; calldata does not depend on them.
//
// Our full proof calldata: the arguments (statement: felt252, combined_hash: felt252,
// proof: Array<felt252>) of a verifier entry point, 3 + n felts:
//   [statement, combined_hash, n, proof[0], ..., proof[n-1]]
// where proof is the proof serialized to felts by the proof module. Cairo reads an Array length
// as u32, so n < 2^32.
#ifndef ZKCC_STARKNET_CALLDATA_H_
#define ZKCC_STARKNET_CALLDATA_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/field/felt252.h"
#include "zkcc/starknet/serde.h"

namespace zkcc::starknet {

struct VerifyAndPayArgs {
  Felt252 model_id;
  Felt252 proof_hash;
  Felt252 io_commitment;
  Felt252 weight_commitment;
  uint32_t num_layers = 0;
  Felt252 job_id;
  Felt252 worker;  // ContractAddress: below 2^251
  U256 sage_amount;
  Felt252 tee_attestation_hash;

  friend bool operator==(const VerifyAndPayArgs&, const VerifyAndPayArgs&) = default;
};

inline constexpr size_t kVerifyAndPayFelts = 10;

// Fails unless a < 2^251; `what` names the value in the error.
Status check_contract_address(const Felt252& a, std::string_view what);

// The 10 felts above; fails when worker is not a ContractAddress.
StatusOr<std::vector<Felt252>> verify_and_pay_calldata(const VerifyAndPayArgs& args);
// Reads exactly 10 felts back, range-checking num_layers (u32), worker (< 2^251) and the u256 halves
// (u128 each); errors name the argument.
StatusOr<VerifyAndPayArgs> decode_verify_and_pay_calldata(std::span<const Felt252> calldata);

// poseidon_hash_many([model_id, io_commitment, weight_commitment, proof_hash]).
Felt252 proof_id(const Felt252& model_id, const Felt252& io_commitment, const Felt252& weight_commitment,
                 const Felt252& proof_hash);
Felt252 proof_id(const VerifyAndPayArgs& args);

// The arguments as a JSON object keyed by the ABI's parameter names, all nine and no others:
// felts as strings (0x hex or decimal, below the Stark prime); num_layers and sage_amount as a JSON
// unsigned integer or such a string, num_layers below 2^32 and sage_amount below 2^256. Duplicate
// keys are refused. The writer uses lowercase 0x hex for felts and sage_amount, a number for
// num_layers.
StatusOr<VerifyAndPayArgs> verify_and_pay_args_from_json(std::string_view json);
std::string verify_and_pay_args_to_json(const VerifyAndPayArgs& args);

// An unsigned integer below 2^256 written as 0x hex (leading zeros allowed) or decimal.
StatusOr<U256> parse_u256(std::string_view s);
// Lowercase 0x hex without leading zeros ("0x0" for zero).
std::string u256_to_hex(const U256& v);

struct ProofCalldata {
  Felt252 statement;
  Felt252 combined_hash;
  std::vector<Felt252> proof;

  friend bool operator==(const ProofCalldata&, const ProofCalldata&) = default;
};

// [statement, combined_hash, n, proof...]; fails when n does not fit in u32.
StatusOr<std::vector<Felt252>> proof_calldata(const Felt252& statement, const Felt252& combined_hash,
                                              std::span<const Felt252> proof);
// The inverse; refuses a length that disagrees with the felts present.
StatusOr<ProofCalldata> decode_proof_calldata(std::span<const Felt252> calldata);

}  // namespace zkcc::starknet

#endif  // ZKCC_STARKNET_CALLDATA_H_
