#include "zkcc/proof/encoding.h"

#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-encoding-test")); }

struct MatmulCase {
  Matrix a, b;
  std::vector<QM31> r, c;
  QM31 value;
  MatmulProof proof;
};

MatmulCase matmul_case() {
  std::mt19937_64 rng(1);
  MatmulCase m;
  std::vector<M31> da(4 * 8), db(8 * 4);
  for (auto& v : da) v = M31::from_i64(static_cast<int8_t>(rng()));
  for (auto& v : db) v = M31::from_i64(static_cast<int8_t>(rng()));
  m.a = *make_matrix(4, 8, da);
  m.b = *make_matrix(8, 4, db);
  Transcript t = fresh();
  m.r = t.draw_qm31s(2);
  m.c = t.draw_qm31s(2);
  auto rows = fold_rows(m.a, m.r);
  auto cols = fold_cols(m.b, m.c);
  for (size_t x = 0; x < rows.size(); ++x) m.value += rows[x] * cols[x];
  m.proof = matmul_prove(m.a, m.b, m.r, m.c, m.value, t)->proof;
  return m;
}

bool matmul_accepts(const MatmulCase& m, const MatmulProof& proof) {
  Transcript t = fresh();
  t.draw_qm31s(4);
  auto red = matmul_verify(8, m.r, m.c, m.value, proof, t);
  return red.ok() && evaluate_mle(m.a.data, red->a.point) == red->a.value &&
         evaluate_mle(m.b.data, red->b.point) == red->b.value;
}

TEST(Encoding, MatmulRoundTripsAndStillVerifies) {
  MatmulCase m = matmul_case();
  ASSERT_TRUE(matmul_accepts(m, m.proof));
  Bytes bin = encode_binary(m.proof);
  EXPECT_EQ(bin.size(), 9u + 4u + 3u * (4u + 2u * 16u) + 2u * 16u);
  auto back = decode_matmul_binary(bin);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_binary(*back), bin);
  EXPECT_TRUE(matmul_accepts(m, *back));
  auto from_json = decode_matmul_json(encode_json(m.proof));
  ASSERT_TRUE(from_json.ok()) << from_json.status().to_string();
  EXPECT_EQ(encode_binary(*from_json), bin);
}

TEST(Encoding, EveryTruncationAndTrailingByteIsRefused) {
  Bytes bin = encode_binary(matmul_case().proof);
  for (size_t n = 0; n < bin.size(); ++n) {
    EXPECT_FALSE(decode_matmul_binary(std::span(bin).first(n)).ok()) << "prefix " << n;
  }
  Bytes longer = bin;
  longer.push_back(0);
  auto r = decode_matmul_binary(longer);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("trailing"), std::string::npos);
}

TEST(Encoding, NoChangedBitYieldsAnAcceptedProof) {
  MatmulCase m = matmul_case();
  Bytes bin = encode_binary(m.proof);
  size_t decoded_but_rejected = 0;
  for (size_t byte = 0; byte < bin.size(); ++byte) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes bad = bin;
      bad[byte] ^= static_cast<uint8_t>(1 << bit);
      auto p = decode_matmul_binary(bad);
      if (!p.ok()) continue;  // refused by the decoder
      EXPECT_FALSE(matmul_accepts(m, *p)) << "byte " << byte << " bit " << bit;
      ++decoded_but_rejected;
    }
  }
  EXPECT_GT(decoded_but_rejected, 0u);
}

TEST(Encoding, RefusesMalformedHeadersAndValues) {
  Bytes bin = encode_binary(matmul_case().proof);
  Bytes bad_magic = bin;
  bad_magic[0] = 'X';
  EXPECT_NE(decode_matmul_binary(bad_magic).status().message().find("magic"), std::string::npos);
  Bytes bad_version = bin;
  bad_version[6] = static_cast<uint8_t>(kProofEncodingVersion + 1);
  EXPECT_NE(decode_matmul_binary(bad_version).status().message().find("version"), std::string::npos);
  EXPECT_FALSE(decode_logup_binary(bin).ok());  // a matmul proof is not a lookup proof
  // A coordinate equal to p.
  Bytes non_canonical = bin;
  size_t first_value = 9 + 4 + 4;  // header, round count, first round's length
  for (int i = 0; i < 4; ++i) non_canonical[first_value + i] = i == 3 ? 0x7f : 0xff;
  auto r = decode_matmul_binary(non_canonical);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("non-canonical"), std::string::npos);
  // A round count far beyond the input is refused before anything is allocated.
  Bytes huge = bin;
  for (int i = 0; i < 4; ++i) huge[9 + i] = 0xff;
  EXPECT_NE(decode_matmul_binary(huge).status().message().find("exceeds"), std::string::npos);
}

TEST(Encoding, JsonDecoderRefusesMalformedInput) {
  std::string good = encode_json(matmul_case().proof);
  EXPECT_TRUE(decode_matmul_json(good).ok());
  EXPECT_FALSE(decode_matmul_json("{").ok());
  EXPECT_FALSE(decode_matmul_json("[]").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"logup","version":2})").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"matmul","version":9,"sumcheck":{"rounds":[]},"a_eval":[0,0,0,0],"b_eval":[0,0,0,0]})").ok());
  EXPECT_TRUE(decode_matmul_json(R"({"kind":"matmul","version":2,"sumcheck":{"rounds":[]},"a_eval":[0,0,0,0],"b_eval":[1,2,3,4]})").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"matmul","version":2,"sumcheck":{"rounds":[]},"a_eval":[0,0,0,2147483647],"b_eval":[1,2,3,4]})").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"matmul","version":2,"sumcheck":{"rounds":[]},"a_eval":[0,0,0],"b_eval":[1,2,3,4]})").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"matmul","version":2,"sumcheck":{"rounds":[]},"a_eval":[0,0,0,-1],"b_eval":[1,2,3,4]})").ok());
  EXPECT_FALSE(decode_matmul_json(R"({"kind":"matmul","version":2,"sumcheck":{"rounds":[]},"b_eval":[1,2,3,4]})").ok());
}

TEST(Encoding, LogupRoundTrips) {
  std::mt19937_64 rng(2);
  std::vector<Column> table = {Column(16)}, witness = {Column(32)};
  for (uint32_t j = 0; j < 16; ++j) table[0][j] = M31::from_u32(j);
  for (auto& v : witness[0]) v = M31::from_u32(static_cast<uint32_t>(rng() % 16));
  Column m = *logup_multiplicities(witness, table);
  Transcript t = fresh();
  LogupProof proof = logup_prove(witness, table, m, t)->proof;
  Bytes bin = encode_binary(proof);
  auto back = decode_logup_binary(bin);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_binary(*back), bin);
  auto j = decode_logup_json(encode_json(proof));
  ASSERT_TRUE(j.ok()) << j.status().to_string();
  EXPECT_EQ(encode_binary(*j), bin);
  Transcript tv = fresh();
  EXPECT_TRUE(logup_verify(5, 4, 1, *back, tv).ok());
  for (size_t n = 0; n < bin.size(); n += 7) EXPECT_FALSE(decode_logup_binary(std::span(bin).first(n)).ok());
}

}  // namespace
}  // namespace zkcc::proof
