#include "zkcc/hash/poseidon.h"

#include <gtest/gtest.h>

#include <vector>

namespace zkcc::hash {
namespace {

Felt252 f(uint64_t v) { return Felt252::from_u64(v); }

TEST(Poseidon, PublishedFixedPoints) {
  EXPECT_EQ(poseidon_hash(f(1), f(2)).to_hex(), "0x5d44a3decb2b2e0cc71071f7b802f45dd792d064f0fc7316c46514f70f9891a");
  EXPECT_EQ(poseidon_hash_many({}).to_hex(), "0x2272be0f580fd156823304800919530eaa97430e972d7213ee13f4fbf7a5dbc");
  std::vector<Felt252> four = {f(1), f(2), f(3), f(4)};
  EXPECT_EQ(poseidon_hash_many(four).to_hex(), "0x26e3ad8b876e02bc8a4fc43dad40a8f81a6384083cabffa190bcf40d512ae1d");
}

TEST(Poseidon, HashVariantsDifferByDesign) {
  std::vector<Felt252> two = {f(1), f(2)};
  std::vector<Felt252> one = {f(1)};
  EXPECT_NE(poseidon_hash(f(1), f(2)), poseidon_hash_many(two));
  EXPECT_NE(poseidon_hash_single(f(1)), poseidon_hash_many(one));
}

TEST(Poseidon, ManyMatchesItsSpongeDefinition) {
  // Odd and even lengths both follow the padding rule written out by hand.
  std::vector<Felt252> xs = {f(10), f(20), f(30)};
  PoseidonState s{};
  s[0] += xs[0];
  s[1] += xs[1];
  hades_permutation(s);
  s[0] += xs[2];
  s[1] += Felt252::one();
  hades_permutation(s);
  EXPECT_EQ(poseidon_hash_many(xs), s[0]);
}

TEST(ReportHash, EmptyIsZeroAndChunkingIsBigEndian) {
  EXPECT_EQ(report_hash_felt({}), Felt252::zero());
  std::vector<uint8_t> bytes(32);
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(i + 1);
  auto chunks = bytes_to_felts(bytes);
  ASSERT_EQ(chunks.size(), 2u);
  EXPECT_EQ(chunks[0].to_hex(), "0x102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  EXPECT_EQ(chunks[1].to_hex(), "0x20");
  EXPECT_EQ(report_hash_felt(bytes), poseidon_hash_many(chunks));
  // A 1184-byte SNP report is 39 chunks: 38 full and one of 6 bytes.
  std::vector<uint8_t> report(1184, 0xab);
  EXPECT_EQ(bytes_to_felts(report).size(), 39u);
}

}  // namespace
}  // namespace zkcc::hash
