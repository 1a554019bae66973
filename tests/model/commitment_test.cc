#include "zkcc/model/commitment.h"

#include <gtest/gtest.h>

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

TEST(Commitment, ModelCommitmentIsTheFormula) {
  const QuantizedGraph g = all_kinds_graph();
  const Bytes enc = encode_graph(g);
  ASSERT_GT(enc.size(), 31u * 4);  // several packed felts
  // SHA-256 of the encoding, its two 16-byte halves as big-endian felts.
  const hash::Sha256Digest d = hash::sha256(enc);
  Felt252 hi, lo;
  for (size_t i = 0; i < 16; ++i) hi = hi * felt(256) + felt(d[i]);
  for (size_t i = 16; i < 32; ++i) lo = lo * felt(256) + felt(d[i]);
  std::vector<Felt252> xs = {short_string("zkcc-model-v2"), felt(enc.size()), hi, lo};
  EXPECT_EQ(model_commitment(g), poseidon_hash_many(xs));
}

TEST(Commitment, ModelCommitmentIsDeterministicAndSurvivesEncoding) {
  auto g = testing::small_cnn_graph();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  const Felt252 c = model_commitment(*g);
  EXPECT_EQ(model_commitment(*g), c);
  auto again = testing::small_cnn_graph();  // quantization itself is deterministic
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(model_commitment(*again), c);
  auto back = decode_graph(encode_graph(*g));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(model_commitment(*back), c);
}

TEST(Commitment, AnyModelChangeChangesTheCommitment) {
  auto g = testing::small_cnn_graph();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  std::set<Felt252> seen = {model_commitment(*g)};
  size_t mm = 0;
  while (!std::holds_alternative<MatMulLayer>(g->layers[mm].op)) ++mm;
  {
    QuantizedGraph c = *g;
    std::get<MatMulLayer>(c.layers[mm].op).weight.data[5] += 1;  // one weight
    EXPECT_TRUE(seen.insert(model_commitment(c)).second);
  }
  {
    QuantizedGraph c = *g;
    c.values[2].scale = std::nextafter(c.values[2].scale, 1e9);  // the last bit of one scale
    EXPECT_TRUE(seen.insert(model_commitment(c)).second);
  }
  {
    QuantizedGraph c = *g;
    c.values.back().error *= 2;
    EXPECT_TRUE(seen.insert(model_commitment(c)).second);
  }
  {
    QuantizedGraph c = *g;
    c.layers[0].node += "x";
    EXPECT_TRUE(seen.insert(model_commitment(c)).second);
  }
  {
    QuantizedGraph c = *g;
    c.qmax -= 1;
    EXPECT_TRUE(seen.insert(model_commitment(c)).second);
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
  const Felt252 s = statement_hash(model_commitment(**g), input_commitment(x), output_commitment(y), felt(7));
  const Felt252 xs[] = {short_string("zkcc-stmt-v2"), model_commitment(**g), input_commitment(x), output_commitment(y),
                        felt(7)};
  EXPECT_EQ(s, poseidon_hash_many(xs));
  QuantizedGraph other = **g;
  other.values[0].scale *= 2;
  EXPECT_NE(statement_hash(model_commitment(other), input_commitment(x), output_commitment(y), felt(7)), s);
}

}  // namespace
}  // namespace zkcc::model
