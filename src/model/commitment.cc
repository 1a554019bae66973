#include "zkcc/model/commitment.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "zkcc/hash/poseidon.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/graph_encoding.h"

namespace zkcc::model {
namespace {

// Tags are compile-time constants of this module and its callers, so a bad one is a bug.
Felt252 short_string(std::string_view s) {
  auto f = Felt252::from_short_string(s);
  if (!f.ok()) {
    std::fprintf(stderr, "zkcc: bad commitment tag: %s\n", f.status().message().c_str());
    std::abort();
  }
  return *f;
}

}  // namespace

Felt252 model_commitment(const QuantizedGraph& graph, std::span<const uint8_t, 32> weights_root) {
  const Bytes encoding = encode_graph(architecture_of(graph));
  const hash::Sha256Digest d = hash::sha256(encoding);
  const Felt252 xs[] = {short_string("zkcc-model-v3"),
                        hash::bytes_to_felts(weights_root.first(16))[0],
                        hash::bytes_to_felts(weights_root.subspan(16))[0],
                        Felt252::from_u64(encoding.size()),
                        hash::bytes_to_felts(std::span(d).first(16))[0],
                        hash::bytes_to_felts(std::span(d).subspan(16))[0]};
  return hash::poseidon_hash_many(xs);
}

Felt252 committed_input_commitment(std::span<const uint8_t, 32> root) {
  const Felt252 xs[] = {short_string("zkcc-input-v2"), hash::bytes_to_felts(root.first(16))[0],
                        hash::bytes_to_felts(root.subspan(16))[0]};
  return hash::poseidon_hash_many(xs);
}

Felt252 tensor_commitment(std::string_view tag, const IntTensor& tensor) {
  std::vector<Felt252> xs;
  xs.reserve(3 + tensor.shape.size() + tensor.data.size());
  xs.push_back(short_string(tag));
  xs.push_back(Felt252::from_u64(tensor.shape.size()));
  for (size_t d : tensor.shape) xs.push_back(Felt252::from_u64(d));
  xs.push_back(Felt252::from_u64(tensor.data.size()));
  for (int64_t v : tensor.data) xs.push_back(Felt252::from_i64(v));
  return hash::poseidon_hash_many(xs);
}

Felt252 input_commitment(const IntTensor& input) { return tensor_commitment("zkcc-input-v1", input); }

Felt252 output_commitment(std::span<const IntTensor> outputs) {
  std::vector<Felt252> xs = {short_string("zkcc-output-v1"), Felt252::from_u64(outputs.size())};
  for (const IntTensor& t : outputs) xs.push_back(tensor_commitment("zkcc-tensor-v1", t));
  return hash::poseidon_hash_many(xs);
}

Felt252 statement_hash(const Felt252& model_c, const Felt252& input_c, const Felt252& output_c,
                       const Felt252& payment_c) {
  const Felt252 xs[] = {short_string("zkcc-stmt-v2"), model_c, input_c, output_c, payment_c};
  return hash::poseidon_hash_many(xs);
}

}  // namespace zkcc::model
