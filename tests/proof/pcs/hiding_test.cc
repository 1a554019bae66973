// Hiding commitments (pcs.h, config.hiding): openings bind the data, carry fresh randomness, and
// refuse every tampered mask or claim.
#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/multilinear.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof {
namespace {

const PcsConfig kConfig = PcsConfig::for_tests().with_hiding();

Transcript fresh(const Digest& root) {
  Transcript t(Felt252::from_u64(0x6869646531));
  mix_root(t, root);
  return t;
}

QM31 random_qm31(std::mt19937_64& rng) {
  auto c = [&] { return M31::from_u32(static_cast<uint32_t>(rng())); };
  return QM31::from_m31s(c(), c(), c(), c());
}

// Tensors of 2^9 and 2^7 values and the blinding segment, stacked; data from `seed`.
struct Stacked {
  std::vector<M31> table;
  PcsStackLayout layout;
  PcsBlinding blinding;
};
Stacked stacked(uint64_t seed) {
  Stacked s;
  const size_t b = pcs_blinding_size(kConfig);
  std::vector<size_t> sizes = {1 << 9, 1 << 7, b};
  s.layout = *pcs_stack_layout(sizes);
  std::mt19937_64 rng(seed);
  s.table.resize(size_t{1} << s.layout.log_size);
  for (M31& v : s.table) v = M31::from_u32(static_cast<uint32_t>(rng()) & 0xffff);
  s.blinding = PcsBlinding{s.layout.offsets[2], b, std::nullopt, SIZE_MAX};
  return s;
}

std::vector<PcsClaim> claims_on(std::span<const M31> table, const PcsStackLayout& layout, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<PcsClaim> out;
  for (size_t i : {0, 1, 0}) {
    PcsClaim c{layout.offsets[i], {}, {}};
    for (size_t v = 0; v < (i == 0 ? 9u : 7u); ++v) c.point.push_back(random_qm31(rng));
    c.value = evaluate_mle(table.subspan(c.offset, size_t{1} << c.point.size()), c.point);
    out.push_back(std::move(c));
  }
  return out;
}

struct Opened {
  size_t log_size;
  Digest root;
  std::vector<PcsClaim> claims;
  PcsProof proof;
};

Opened open_fresh(const Stacked& s) {
  auto data = pcs_commit(kConfig, s.table, s.blinding);
  EXPECT_TRUE(data.ok()) << data.status().message();
  Opened o{data->log_size(), data->root(), claims_on(data->table(), s.layout, 7), {}};
  Transcript t = fresh(o.root);
  auto proof = pcs_open(kConfig, *data, o.claims, t);
  EXPECT_TRUE(proof.ok()) << proof.status().message();
  o.proof = *proof;
  return o;
}

Status verify(const Opened& o, const PcsProof& proof, const PcsConfig& config = kConfig) {
  Transcript t = fresh(o.root);
  return pcs_verify(config, o.log_size, o.root, o.claims, proof, t);
}
Status verify_claims(const Opened& o, std::span<const PcsClaim> claims) {
  Transcript t = fresh(o.root);
  return pcs_verify(kConfig, o.log_size, o.root, claims, o.proof, t);
}

TEST(PcsHiding, OpensAndRefusesTamperedMasksAndClaims) {
  Opened o = open_fresh(stacked(1));
  ASSERT_EQ(o.proof.masks.size(), o.claims.size());
  EXPECT_TRUE(verify(o, o.proof).ok()) << verify(o, o.proof).to_string();
  for (size_t i = 0; i < o.proof.masks.size(); ++i) {
    PcsProof bad = o.proof;
    bad.masks[i] += QM31::one();
    EXPECT_FALSE(verify(o, bad).ok()) << i;
  }
  for (size_t i = 0; i < o.claims.size(); ++i) {
    std::vector<PcsClaim> claims = o.claims;
    claims[i].value += QM31::one();
    EXPECT_FALSE(verify_claims(o, claims).ok()) << i;
  }
  PcsProof fewer = o.proof;
  fewer.masks.pop_back();
  EXPECT_FALSE(verify(o, fewer).ok());
  // Hiding is the verifier's choice, never the proof's.
  EXPECT_FALSE(verify(o, o.proof, PcsConfig::for_tests()).ok());
  EXPECT_FALSE(verify(o, PcsProof{}).ok());
}

TEST(PcsHiding, AShiftedValueCannotBeCoveredByItsMask) {
  // Moving delta from a claim's value into its mask keeps (1 - rho) v + rho mu for the honest
  // rho; rho is drawn after the masks, so it moves too and the opening fails.
  Opened o = open_fresh(stacked(2));
  Transcript t = fresh(o.root);
  t.mix_qm31s(o.proof.masks);
  QM31 rho = t.draw_qm31();
  QM31 delta = QM31::from_m31s(M31::from_u32(5), M31::zero(), M31::zero(), M31::zero());
  std::vector<PcsClaim> claims = o.claims;
  claims[0].value += delta;
  PcsProof shifted = o.proof;
  shifted.masks[0] -= delta * (QM31::one() - rho) * rho.inverse();
  Transcript t2 = fresh(o.root);
  EXPECT_FALSE(pcs_verify(kConfig, o.log_size, o.root, claims, shifted, t2).ok());
}

TEST(PcsHiding, FreshRandomnessPerCommitmentAndDeterministicUnderASeed) {
  Stacked s = stacked(3);
  Opened a = open_fresh(s), b = open_fresh(s);
  EXPECT_TRUE(verify(a, a.proof).ok());
  EXPECT_TRUE(verify(b, b.proof).ok());
  EXPECT_NE(a.root, b.root);
  EXPECT_NE(a.proof.masks, b.proof.masks);
  EXPECT_NE(a.proof.final_message, b.proof.final_message);
  EXPECT_EQ(a.claims[0].value, b.claims[0].value);  // the same data, seen the same way

  s.blinding.seed = std::array<uint8_t, 32>{1, 2, 3};
  auto x = pcs_commit(kConfig, s.table, s.blinding), y = pcs_commit(kConfig, s.table, s.blinding);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(x->root(), y->root());
  s.blinding.seed->at(0) ^= 1;
  auto z = pcs_commit(kConfig, s.table, s.blinding);
  ASSERT_TRUE(z.ok());
  EXPECT_NE(x->root(), z->root());
}

TEST(PcsHiding, TheBlindingSegmentIsRandomAndNeverClaimed) {
  Stacked s = stacked(4);
  std::fill(s.table.begin(), s.table.end(), M31::zero());
  auto data = pcs_commit(kConfig, s.table, s.blinding);
  ASSERT_TRUE(data.ok());
  auto segment = data->table().subspan(s.blinding.offset, s.blinding.size);
  EXPECT_GT(std::count_if(segment.begin(), segment.end(), [](M31 v) { return !(v == M31::zero()); }),
            static_cast<long>(segment.size() / 2));
  for (size_t i = 0; i < s.table.size(); ++i) {
    if (i < s.blinding.offset || i >= s.blinding.offset + s.blinding.size) {
      ASSERT_EQ(data->table()[i], M31::zero()) << i;
    }
  }
  // All-zero data: the opened symbols are random all the same.
  std::vector<PcsClaim> claims = claims_on(data->table(), s.layout, 9);
  Transcript t = fresh(data->root());
  auto proof = pcs_open(kConfig, *data, claims, t);
  ASSERT_TRUE(proof.ok());
  const auto& words = proof->layers[0].values;
  EXPECT_GT(std::count_if(words.begin(), words.end(), [](uint32_t w) { return w != 0; }), static_cast<long>(words.size() / 2));

  PcsClaim on_blinding{s.blinding.offset, {QM31::one()}, {}};
  on_blinding.value = evaluate_mle(segment.subspan(0, 2), on_blinding.point);
  Transcript t2 = fresh(data->root());
  auto refused = pcs_open(kConfig, *data, std::vector<PcsClaim>{on_blinding}, t2);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("blinding"), std::string::npos);
}

TEST(PcsHiding, CommitRefusesMissingOrMisplacedBlinding) {
  Stacked s = stacked(5);
  EXPECT_FALSE(pcs_commit(kConfig, s.table).ok());  // no segment
  PcsBlinding small = s.blinding;
  small.size /= 2;
  EXPECT_FALSE(pcs_commit(kConfig, s.table, small).ok());
  PcsBlinding misaligned = s.blinding;
  misaligned.offset += 1;
  EXPECT_FALSE(pcs_commit(kConfig, s.table, misaligned).ok());
  PcsBlinding outside = s.blinding;
  outside.offset = s.table.size();
  EXPECT_FALSE(pcs_commit(kConfig, s.table, outside).ok());
  EXPECT_FALSE(pcs_commit(PcsConfig::for_tests(), s.table, s.blinding).ok());  // blinding without hiding
  // A table the first fold would not reach: the final message would be the data itself.
  PcsConfig big_final = kConfig;
  big_final.log_final_size = 12;
  EXPECT_FALSE(pcs_commit(big_final, s.table, s.blinding).ok());
}

// The layout's zero padding (PcsBlinding::zero_from): declared, it must be zero; openings on a
// table with padding verify, claims reaching into the padding included, odd live lengths too.
TEST(PcsHiding, DeclaredPaddingIsZeroAndOpensLikeTheRest) {
  for (uint64_t seed : {11, 12}) {
    Stacked s = stacked(seed);
    const size_t used = s.layout.used;
    ASSERT_LT(used, s.table.size());
    std::fill(s.table.begin() + static_cast<std::ptrdiff_t>(used), s.table.end(), M31::zero());
    PcsBlinding b = s.blinding;
    b.zero_from = seed == 11 ? used : used + 3;  // odd: the live prefix is rounded up to pairs
    auto data = pcs_commit(kConfig, s.table, b);
    ASSERT_TRUE(data.ok()) << data.status().message();
    std::vector<PcsClaim> claims = claims_on(data->table(), s.layout, seed);
    // A claim on the last block of the table, inside the padding.
    PcsClaim tail(s.table.size() - 4, {QM31::one() + QM31::one(), QM31::one()}, QM31::zero());
    claims.push_back(tail);
    Transcript tp = fresh(data->root());
    auto proof = pcs_open(kConfig, *data, claims, tp);
    ASSERT_TRUE(proof.ok()) << proof.status().message();
    Transcript tv = fresh(data->root());
    EXPECT_TRUE(pcs_verify(kConfig, data->log_size(), data->root(), claims, *proof, tv).ok());
    claims.back().value = QM31::one();
    Transcript tw = fresh(data->root());
    EXPECT_FALSE(pcs_verify(kConfig, data->log_size(), data->root(), claims, *proof, tw).ok());
  }
  Stacked s = stacked(13);
  std::fill(s.table.begin() + static_cast<std::ptrdiff_t>(s.layout.used), s.table.end(), M31::zero());
  PcsBlinding b = s.blinding;
  b.zero_from = s.layout.used;
  s.table.back() = M31::one();  // not zero where padding is declared
  auto nonzero = pcs_commit(kConfig, s.table, b);
  ASSERT_FALSE(nonzero.ok());
  EXPECT_NE(nonzero.status().message().find("not zero where its padding"), std::string::npos);
  s.table.back() = M31::zero();
  b.zero_from = b.offset;  // the blinding segment inside the padding
  auto inside = pcs_commit(kConfig, s.table, b);
  ASSERT_FALSE(inside.ok());
  EXPECT_NE(inside.status().message().find("blinding segment lies in"), std::string::npos);
}

TEST(PcsHiding, BlindingSizeCoversEveryResidueClassPerQuery) {
  EXPECT_EQ(pcs_blinding_size(PcsConfig::compact()), 1024u);       // 8 classes x 107 queries
  EXPECT_EQ(pcs_blinding_size(PcsConfig::standard()), 2048u);      // 8 x 131
  EXPECT_EQ(pcs_blinding_size(PcsConfig::standard(), 64), 131072u);  // 64 openings
}

TEST(PcsHiding, MasksSurviveTheEncoding) {
  Opened o = open_fresh(stacked(6));
  Bytes bytes = encode_pcs_proof(o.proof);
  auto back = decode_pcs_proof(bytes);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, o.proof);
  EXPECT_TRUE(verify(o, *back).ok());
}

}  // namespace
}  // namespace zkcc::proof
