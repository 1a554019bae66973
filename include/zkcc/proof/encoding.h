// Proof encoding: a compact versioned binary form and a JSON form, with decoders that reject
// anything malformed (bad magic or version, truncation, lengths larger than the input, field
// elements >= p, trailing bytes).
//
// Binary: "ZKCCPF" (6 bytes), version u16 LE (= 1), kind u8, then the body. Integers are little
// endian; a QM31 is its four M31 coordinates as u32; a list is a u32 count then its items.
//   SumcheckProof:     list of rounds, each a list of QM31
//   MatmulProof:       SumcheckProof, a_eval, b_eval
//   FractionSumProof:  p_total, q_total, list of layers (SumcheckProof, p0, p1, q0, q1)
//   LogupProof:        FractionSumProof witness, FractionSumProof table, list witness_evals,
//                      list table_evals, multiplicity_eval
//   LayeredProof:      list of layers, each its kind (u8) then: kMatMul a MatmulProof body;
//                      kAddBias x_eval; kHadamard SumcheckProof, x_eval, h_eval; kScale nothing;
//                      kLookup three digests (32-byte big-endian felts) and a LogupProof body
// JSON: objects with the same field names; a QM31 is an array of four integers, a digest a
// lowercase 0x hex felt, a layer kind its name ("matmul", "add_bias", "hadamard", "scale",
// "lookup").
#ifndef ZKCC_PROOF_ENCODING_H_
#define ZKCC_PROOF_ENCODING_H_

#include <string>
#include <string_view>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/proof/layered.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/matmul.h"

namespace zkcc::proof {

inline constexpr uint16_t kProofEncodingVersion = 2;

// Kind 4 was the graph proof that carried its committed tensors in the clear; it is no longer
// read. Kind 5 is a polynomial commitment opening (pcs.h).
enum class ProofKind : uint8_t { kMatmul = 1, kLogup = 2, kLayered = 3, kGraph = 6 };

Bytes encode_binary(const MatmulProof& proof);
Bytes encode_binary(const LogupProof& proof);
StatusOr<MatmulProof> decode_matmul_binary(std::span<const uint8_t> bytes);
StatusOr<LogupProof> decode_logup_binary(std::span<const uint8_t> bytes);
Bytes encode_binary(const LayeredProof& proof);
StatusOr<LayeredProof> decode_layered_binary(std::span<const uint8_t> bytes);

std::string encode_json(const MatmulProof& proof);
std::string encode_json(const LogupProof& proof);
StatusOr<MatmulProof> decode_matmul_json(std::string_view json);
StatusOr<LogupProof> decode_logup_json(std::string_view json);
std::string encode_json(const LayeredProof& proof);
StatusOr<LayeredProof> decode_layered_json(std::string_view json);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_ENCODING_H_
