// Poseidon commitments to a quantized model, its input and its outputs, and the statement hash
// that binds the three (what a proof of inference is about). All end in Starknet's
// poseidon_hash_many, so a Cairo verifier can recompute them; each hashed sequence starts with a
// domain tag (a Cairo short string) and carries every length, so no two kinds or shapes of data
// hash the same sequence.
//
//   model_commitment(g, r)   = H(['zkcc-model-v3', r_hi, r_lo, n, hi, lo]): r the root of the
//                              commitment to the model's private tensors (proof/graph_proof.h:
//                              the weights, biases and added constants, as one committed table),
//                              n the byte length of the architecture's encoding
//                              (encode_graph(architecture_of(g))) and hi, lo the two 128-bit halves
//                              of its SHA-256; r_hi, r_lo the root's halves (big-endian felts). The
//                              architecture (layer kinds, shapes, scales, tables, widths) is public;
//                              the weights are only committed
//   committed_input_commitment(r) = H(['zkcc-input-v2', r_hi, r_lo]): a private input, committed
//                              with the proof's other private tensors in one table whose root is r
//   tensor_commitment(tag,t) = H([tag, rank, dims..., count, values...]), count = t.data.size(),
//                              each int64 value v as the felt v mod p (negative v as p - |v|),
//                              which is one-to-one since p > 2^64
//   input_commitment(t)      = tensor_commitment('zkcc-input-v1', t)
//   output_commitment(ts)    = H(['zkcc-output-v1', count, tensor_commitment('zkcc-tensor-v1', t)...])
//   statement_hash(m, i, o, pay) = H(['zkcc-stmt-v2', m, i, o, pay]), pay the commitment to what
//                              the job is paid for and to whom (pipeline/job.h: payment_commitment)
#ifndef ZKCC_MODEL_COMMITMENT_H_
#define ZKCC_MODEL_COMMITMENT_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "zkcc/field/felt252.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

Felt252 model_commitment(const QuantizedGraph& graph, std::span<const uint8_t, 32> weights_root);
Felt252 committed_input_commitment(std::span<const uint8_t, 32> root);

// `tag` is a Cairo short string: at most 31 ASCII bytes (anything else is a programming error
// and aborts).
Felt252 tensor_commitment(std::string_view tag, const IntTensor& tensor);

Felt252 input_commitment(const IntTensor& input);

Felt252 output_commitment(std::span<const IntTensor> outputs);

Felt252 statement_hash(const Felt252& model_c, const Felt252& input_c, const Felt252& output_c,
                       const Felt252& payment_c);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_COMMITMENT_H_
