// Every vector in tests/data/poseidon (computed by an independent implementation).
#include <gtest/gtest.h>

#include <vector>

#include "test_data.h"
#include "zkcc/base/bytes.h"
#include "zkcc/hash/poseidon.h"
#include "zkcc/hash/sha2.h"

namespace zkcc::hash {
namespace {

const nlohmann::json& vectors() {
  static const nlohmann::json v = testing::load_test_json("poseidon/starknet_poseidon_vectors.json");
  return v;
}

Felt252 felt(const nlohmann::json& j) {
  auto f = Felt252::from_hex(j.get<std::string>());
  EXPECT_TRUE(f.ok()) << j << ": " << f.status().to_string();
  return f.ok() ? *f : Felt252();
}

std::vector<Felt252> felts(const nlohmann::json& arr) {
  std::vector<Felt252> out;
  for (const auto& j : arr) out.push_back(felt(j));
  return out;
}

TEST(PoseidonVectors, FieldPrimeMatches) {
  EXPECT_EQ(vectors()["field_prime"], "0x800000000000011000000000000000000000000000000000000000000000001");
  EXPECT_EQ(vectors()["params"]["partial_rounds"], kPoseidonPartialRounds);
  EXPECT_EQ(vectors()["params"]["full_rounds"], kPoseidonFullRounds);
}

TEST(PoseidonVectors, RoundConstantsMatchListAndPinnedHash) {
  auto ours = poseidon_round_constants();
  const auto& theirs = vectors()["round_constants"];
  ASSERT_EQ(theirs.size(), ours.size());
  Bytes concat;
  for (size_t k = 0; k < ours.size(); ++k) {
    ASSERT_EQ(ours[k].to_hex(), theirs[k].get<std::string>()) << "round constant " << k;
    auto b = ours[k].to_bytes_be();
    concat.insert(concat.end(), b.begin(), b.end());
  }
  EXPECT_EQ(to_hex(sha256(concat)), vectors()["params"]["round_constants_sha256"].get<std::string>());
  // Pinned here as well, so a change to the shared file cannot silently change the constants.
  EXPECT_EQ(to_hex(sha256(concat)), "aa0967d3c3727bbf5ec5814e46010a73446ecca609dfb421ec4b2b68dd2de17f");
}

TEST(PoseidonVectors, Permutation) {
  const auto& cases = vectors()["permutation"];
  ASSERT_EQ(cases.size(), 20u);
  for (const auto& c : cases) {
    auto in = felts(c["in"]);
    auto out = felts(c["out"]);
    PoseidonState s = {in[0], in[1], in[2]};
    hades_permutation(s);
    EXPECT_EQ(s, (PoseidonState{out[0], out[1], out[2]})) << c;
    // The portable path must agree wherever the mulx/adcx/adox path was taken above.
    PoseidonState q = {in[0], in[1], in[2]};
    hades_permutation_portable(q);
    EXPECT_EQ(q, (PoseidonState{out[0], out[1], out[2]})) << c;
  }
}

TEST(PoseidonVectors, Hash) {
  const auto& cases = vectors()["hash"];
  ASSERT_EQ(cases.size(), 48u);
  for (const auto& c : cases) EXPECT_EQ(poseidon_hash(felt(c["x"]), felt(c["y"])).to_hex(), c["out"]) << c;
}

TEST(PoseidonVectors, Single) {
  const auto& cases = vectors()["single"];
  ASSERT_EQ(cases.size(), 24u);
  for (const auto& c : cases) EXPECT_EQ(poseidon_hash_single(felt(c["x"])).to_hex(), c["out"]) << c;
}

TEST(PoseidonVectors, Many) {
  const auto& cases = vectors()["many"];
  ASSERT_EQ(cases.size(), 43u);
  for (const auto& c : cases) {
    auto xs = felts(c["xs"]);
    ASSERT_EQ(xs.size(), c["n"].get<size_t>());
    EXPECT_EQ(poseidon_hash_many(xs).to_hex(), c["out"]) << "n=" << xs.size();
  }
}

TEST(PoseidonVectors, ReportHash) {
  const auto& cases = vectors()["report_hash"];
  ASSERT_EQ(cases.size(), 30u);
  for (const auto& c : cases) {
    auto bytes = from_hex(c["bytes"].get<std::string>());
    ASSERT_TRUE(bytes.ok());
    ASSERT_EQ(bytes->size(), c["len"].get<size_t>());
    auto chunks = bytes_to_felts(*bytes);
    EXPECT_EQ(chunks, felts(c["chunks"])) << "len=" << bytes->size();
    EXPECT_EQ(report_hash_felt(*bytes).to_hex(), c["out"]) << "len=" << bytes->size();
  }
}

}  // namespace
}  // namespace zkcc::hash
