#include "zkcc/model/commitment.h"

#include <gtest/gtest.h>

#include <array>

#include <cmath>
#include <set>
#include <vector>

#include "quantized_models.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/graph_encoding.h"

namespace zkcc::model {
namespace {

using hash::poseidon_hash_many;
using testing::all_kinds_graph;

Felt252 short_string(std::string_view s) { return *Felt252::from_short_string(s); }

Felt252 felt(uint64_t v) { return Felt252::from_u64(v); }

// A stand-in for the root of the weights' commitment (proof/graph_proof.h computes the real one).
std::array<uint8_t, 32> root_of(uint8_t seed) {
  std::array<uint8_t, 32> r{};
  for (size_t i = 0; i < r.size(); ++i) r[i] = static_cast<uint8_t>(seed + 7 * i);
  return r;
}

Felt252 big_endian(std::span<const uint8_t> b) {
  Felt252 v;
  for (uint8_t x : b) v = v * felt(256) + felt(x);
  return v;
}

TEST(Commitment, ModelCommitmentIsTheFormula) {
  const QuantizedGraph g = all_kinds_graph();
  const Bytes enc = encode_graph(architecture_of(g));
  ASSERT_GT(enc.size(), 31u * 4);  // several packed felts
  // SHA-256 of the architecture's encoding and the root, each as two 16-byte big-endian felts.
  const hash::Sha256Digest d = hash::sha256(enc);
  const auto r = root_of(3);
  std::vector<Felt252> xs = {short_string("zkcc-model-v3"), big_endian(std::span(r).first(16)),
                             big_endian(std::span(r).subspan(16)), felt(enc.size()),
                             big_endian(std::span(d).first(16)), big_endian(std::span(d).subspan(16))};
  EXPECT_EQ(model_commitment(g, r), poseidon_hash_many(xs));
  const std::vector<Felt252> in = {short_string("zkcc-input-v2"), big_endian(std::span(r).first(16)),
                                   big_endian(std::span(r).subspan(16))};
  EXPECT_EQ(committed_input_commitment(r), poseidon_hash_many(in));
}

// The weights enter through the root only: the architecture's hash is the same with or without
// them, and survives encoding.
TEST(Commitment, ModelCommitmentIsDeterministicAndSurvivesEncoding) {
  auto g = testing::small_cnn_graph();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  const auto r = root_of(1);
  const Felt252 c = model_commitment(*g, r);
  EXPECT_EQ(model_commitment(*g, r), c);
  EXPECT_EQ(model_commitment(architecture_of(*g), r), c);
  auto again = testing::small_cnn_graph();  // quantization itself is deterministic
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(model_commitment(*again, r), c);
  auto back = decode_graph(encode_graph(architecture_of(*g)));
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_TRUE(back->architecture_only);
  EXPECT_EQ(model_commitment(*back, r), c);
  EXPECT_EQ(encode_graph(*back), encode_graph(architecture_of(*g)));
}

TEST(Commitment, AnyArchitectureOrRootChangeChangesTheCommitment) {
  auto g = testing::small_cnn_graph();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  const auto r = root_of(1);
  std::set<Felt252> seen = {model_commitment(*g, r)};
  EXPECT_TRUE(seen.insert(model_commitment(*g, root_of(2))).second);  // other weights
  {
    QuantizedGraph c = *g;
    c.values[2].scale = std::nextafter(c.values[2].scale, 1e9);  // the last bit of one scale
    EXPECT_TRUE(seen.insert(model_commitment(c, r)).second);
  }
  {
    QuantizedGraph c = *g;
    c.values.back().error *= 2;
    EXPECT_TRUE(seen.insert(model_commitment(c, r)).second);
  }
  {
    QuantizedGraph c = *g;
    c.layers[0].node += "x";
    EXPECT_TRUE(seen.insert(model_commitment(c, r)).second);
  }
  {
    QuantizedGraph c = *g;
    c.qmax -= 1;
    EXPECT_TRUE(seen.insert(model_commitment(c, r)).second);
  }
  {
    QuantizedGraph c = architecture_of(*g);  // a wider bias
    for (Layer& l : c.layers) {
      if (auto* m = std::get_if<MatMulLayer>(&l.op)) ++m->bias_bits;
    }
    EXPECT_TRUE(seen.insert(model_commitment(c, r)).second);
  }
}

TEST(Commitment, TensorCommitmentIsTheFormula) {
  const IntTensor t{{2, 3}, {0, 1, -1, (int64_t{1} << 62) - 1, -((int64_t{1} << 62) - 1), 42}};
  const Felt252 p_minus_1 = *Felt252::from_hex("0x800000000000011000000000000000000000000000000000000000000000000");
  const Felt252 two62 = felt(uint64_t{1} << 62);
  const std::vector<Felt252> xs = {short_string("zkcc-input-v1"), felt(2), felt(2), felt(3), felt(6),
                                   felt(0), felt(1), p_minus_1, two62 - felt(1),
                                   Felt252::zero() - (two62 - felt(1)), felt(42)};
  EXPECT_EQ(input_commitment(t), poseidon_hash_many(xs));
  EXPECT_EQ(input_commitment(t), tensor_commitment("zkcc-input-v1", t));
  EXPECT_EQ(Felt252::from_i64(-1), p_minus_1);
}

TEST(Commitment, AnyInputChangeChangesTheCommitment) {
  const IntTensor base{{1, 64}, std::vector<int64_t>(64, 3)};
  std::set<Felt252> seen = {input_commitment(base)};
  IntTensor t = base;
  t.data[63] = 4;  // one element
  EXPECT_TRUE(seen.insert(input_commitment(t)).second);
  t = base;
  t.data[0] = -3;  // one sign
  EXPECT_TRUE(seen.insert(input_commitment(t)).second);
  for (Shape s : {Shape{64}, Shape{64, 1}, Shape{8, 8}, Shape{1, 1, 64}}) {  // the same data, other shapes
    t = base;
    t.shape = s;
    EXPECT_TRUE(seen.insert(input_commitment(t)).second) << shape_string(s);
  }
  // The tag separates inputs from outputs' tensors.
  EXPECT_TRUE(seen.insert(tensor_commitment("zkcc-tensor-v1", base)).second);
  // A tensor whose data does not fill its shape still commits to what is there.
  t = base;
  t.data.pop_back();
  EXPECT_TRUE(seen.insert(input_commitment(t)).second);
}

TEST(Commitment, OutputCommitmentIsTheFormula) {
  const std::vector<IntTensor> outs = {IntTensor{{1, 3}, {5, -6, 7}}, IntTensor{{2}, {-1, 1}}};
  const std::vector<Felt252> xs = {short_string("zkcc-output-v1"), felt(2), tensor_commitment("zkcc-tensor-v1", outs[0]),
                                   tensor_commitment("zkcc-tensor-v1", outs[1])};
  EXPECT_EQ(output_commitment(outs), poseidon_hash_many(xs));
  const Felt252 none[] = {short_string("zkcc-output-v1"), felt(0)};
  EXPECT_EQ(output_commitment({}), poseidon_hash_many(none));
  // Order and count matter.
  const std::vector<IntTensor> swapped = {outs[1], outs[0]};
  EXPECT_NE(output_commitment(swapped), output_commitment(outs));
  EXPECT_NE(output_commitment(std::span(outs).first(1)), output_commitment(outs));
}

TEST(Commitment, StatementHash) {
  const Felt252 m = felt(1), i = felt(2), o = felt(3), pay = felt(4);
  const Felt252 xs[] = {short_string("zkcc-stmt-v2"), m, i, o, pay};
  EXPECT_EQ(statement_hash(m, i, o, pay), poseidon_hash_many(xs));
  EXPECT_EQ(short_string("zkcc-stmt-v2").to_hex(), "0x7a6b63632d73746d742d7632");
  // Pinned (and matched by @scure/starknet 1.1.2's poseidonHashMany), so the formula cannot drift unnoticed.
  EXPECT_EQ(statement_hash(m, i, o, pay).to_hex(), "0xa0fb6b4879814113f3e0e8beddd1936ec00f426d8e968c99f2f11f0d3ed430");
  EXPECT_NE(statement_hash(m, o, i, pay), statement_hash(m, i, o, pay));
  EXPECT_NE(statement_hash(m, i, o, felt(5)), statement_hash(m, i, o, pay));
}

// The end-to-end statement of a digits inference changes with any one of its parts.
TEST(Commitment, DigitsStatement) {
  auto g = testing::digits_graph();
  if (!g) GTEST_SKIP() << "no models/digits";
  ASSERT_TRUE(g->ok()) << g->status().to_string();
  const IntTensor x{{1, 64}, std::vector<int64_t>(64, 10)};
  const std::vector<IntTensor> y = {IntTensor{{1, 10}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}}};
  const auto r = root_of(9);
  const Felt252 s = statement_hash(model_commitment(**g, r), input_commitment(x), output_commitment(y), felt(7));
  const Felt252 xs[] = {short_string("zkcc-stmt-v2"), model_commitment(**g, r), input_commitment(x),
                        output_commitment(y), felt(7)};
  EXPECT_EQ(s, poseidon_hash_many(xs));
  QuantizedGraph other = **g;
  other.values[0].scale *= 2;
  EXPECT_NE(statement_hash(model_commitment(other, r), input_commitment(x), output_commitment(y), felt(7)), s);
}

}  // namespace
}  // namespace zkcc::model
