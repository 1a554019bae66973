#include "zkcc/proof/table_range.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>
#include <string>

namespace zkcc::proof {
namespace {

Transcript fresh(const Digest& root) {
  Transcript t(Felt252::from_u64(0x7472616e6765));
  mix_root(t, root);
  return t;
}

M31 signed_m31(int64_t v) { return M31::from_i64(v); }

// A stacked table of tensors with the given sizes and bit widths, filled with values in range
// (each range's both ends included), the last `padding` entries of each tensor left zero; then
// the range proof's region (filled) and, with a hiding config, the blinding segment.
struct Model {
  std::vector<RangeSegment> segments;
  std::vector<M31> table;
  size_t log_size = 0;
  size_t region = 0;
  PcsBlinding blinding;
};

Model make_model(const std::vector<std::pair<size_t, unsigned>>& tensors, size_t padding, uint64_t seed,
                 const PcsConfig& config = PcsConfig::for_tests(), const std::array<uint8_t, 32>& mask_seed = {1}) {
  std::vector<size_t> sizes;
  std::vector<RangeSegment> shapes;
  for (auto [size, bits] : tensors) {
    sizes.push_back(size);
    shapes.push_back({0, size, bits});
  }
  sizes.push_back(*range_region_size(config, shapes));
  if (config.hiding) sizes.push_back(pcs_blinding_size(config));
  PcsStackLayout layout = *pcs_stack_layout(sizes);
  Model m;
  m.log_size = std::max<size_t>(layout.log_size, 1);
  m.table.assign(size_t{1} << m.log_size, M31::zero());
  m.region = layout.offsets[tensors.size()];
  if (config.hiding) m.blinding = PcsBlinding{layout.offsets.back(), sizes.back(), std::nullopt, layout.used};
  std::mt19937_64 rng(seed);
  for (size_t k = 0; k < tensors.size(); ++k) {
    auto [size, bits] = tensors[k];
    m.segments.push_back({layout.offsets[k], size, bits});
    const int64_t half = int64_t{1} << (bits - 1);
    const size_t filled = size > padding ? size - padding : size;
    for (size_t i = 0; i < filled; ++i) {
      int64_t v = static_cast<int64_t>(rng() % static_cast<uint64_t>(2 * half)) - half;
      if (i == 0) v = -half;
      if (i == 1) v = half - 1;
      m.table[layout.offsets[k] + i] = signed_m31(v);
    }
  }
  EXPECT_TRUE(fill_range_region(config, m.table, m.region, m.segments, mask_seed).ok());
  return m;
}

struct Proved {
  PcsConfig config;
  Model model;
  PcsProverData data;
  TableRangeProof proof;
};

StatusOr<TableRangeProof> prove_on(const PcsConfig& config, const PcsProverData& data, const Model& model,
                                   const Digest& root) {
  Transcript t = fresh(root);
  return prove_table_range(config, data, model.segments, model.region, t);
}

Proved prove(const Model& model, const PcsConfig& config = PcsConfig::for_tests()) {
  auto data = pcs_commit(config, model.table, model.blinding);
  EXPECT_TRUE(data.ok()) << data.status().to_string();
  auto proof = prove_on(config, *data, model, data->root());
  EXPECT_TRUE(proof.ok()) << proof.status().to_string();
  return {config, model, std::move(*data), std::move(*proof)};
}

Status verify(const Proved& p, const TableRangeProof& proof, const Digest& root, std::span<const RangeSegment> segments) {
  Transcript t = fresh(root);
  return verify_table_range(p.config, p.model.log_size, root, segments, p.model.region, proof, t);
}
Status verify(const Proved& p, const TableRangeProof& proof) { return verify(p, proof, p.data.root(), p.model.segments); }

// 8, 12 and 20 bits (limbs), plus 1, 4, 16 and 30 bits, sizes from 1 to 1024, padded tensors.
const std::vector<std::pair<size_t, unsigned>> kTensors = {{1024, 8}, {256, 12}, {512, 20}, {64, 4},
                                                           {16, 30},  {8, 1},    {128, 16}, {1, 8},
                                                           {2, 3},    {32, 8}};

TEST(TableRangeTest, HonestProofOfSeveralWidthsVerifies) {
  Proved p = prove(make_model(kTensors, 3, 1));
  EXPECT_TRUE(verify(p, p.proof).ok()) << verify(p, p.proof).to_string();
  // Negative values are in the table as p - |v|.
  EXPECT_EQ(p.model.table[p.model.segments[0].offset].value(), M31::kModulus - 128);
}

TEST(TableRangeTest, EncodingRoundTripsAndTheDecodedProofVerifies) {
  Proved p = prove(make_model(kTensors, 0, 2));
  Bytes bytes = encode_table_range_proof(p.proof);
  auto back = decode_table_range_proof(bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_table_range_proof(*back), bytes);
  EXPECT_TRUE(verify(p, *back).ok());
}

TEST(TableRangeTest, DecoderRefusesMalformedInput) {
  Proved p = prove(make_model({{64, 8}, {32, 20}}, 0, 3));
  Bytes bytes = encode_table_range_proof(p.proof);
  for (size_t n = 0; n < bytes.size(); n += (n < 64 ? 1 : 37)) {
    EXPECT_FALSE(decode_table_range_proof(std::span(bytes).first(n)).ok()) << "prefix of " << n << " bytes";
  }
  Bytes longer = bytes;
  longer.push_back(0);
  auto s = decode_table_range_proof(longer).status();
  EXPECT_NE(s.message().find("trailing"), std::string::npos) << s.to_string();

  Bytes bad_kind = bytes;
  bad_kind[8] = 5;
  EXPECT_FALSE(decode_table_range_proof(bad_kind).ok());

  // The stated values follow the header (9) and the lookup blob.
  const size_t logup_len = bytes[9] | bytes[10] << 8 | bytes[11] << 16 | static_cast<size_t>(bytes[12]) << 24;
  ASSERT_LT(13 + logup_len + 4, bytes.size());
  const size_t stated = 13 + logup_len + 4;
  Bytes noncanonical = bytes;
  for (size_t i = 0; i < 4; ++i) noncanonical[stated + i] = 0xff;
  noncanonical[stated + 3] = 0x7f;
  s = decode_table_range_proof(noncanonical).status();
  EXPECT_NE(s.message().find("non-canonical"), std::string::npos) << s.to_string();

  Bytes huge_count = bytes;
  huge_count[stated - 1] = 0x7f;
  s = decode_table_range_proof(huge_count).status();
  EXPECT_NE(s.message().find("larger than the input"), std::string::npos) << s.to_string();
}

TEST(TableRangeTest, ProverRefusesOutOfRangeEntries) {
  const PcsConfig config = PcsConfig::for_tests();
  for (auto [tensor, value] : std::vector<std::pair<size_t, int64_t>>{
           {0, 128}, {0, -129}, {1, 2048}, {2, 1 << 19}, {2, -(1 << 19) - 1}, {4, int64_t{1} << 29}, {5, 1}, {7, -200}}) {
    Model m = make_model(kTensors, 0, 4);
    const RangeSegment& seg = m.segments[tensor];
    m.table[seg.offset + seg.size - 1] = signed_m31(value);
    auto data = pcs_commit(config, m.table);
    ASSERT_TRUE(data.ok());
    auto proof = prove_on(config, *data, m, data->root());
    ASSERT_FALSE(proof.ok()) << "tensor " << tensor << " value " << value;
    EXPECT_NE(proof.status().message().find("entry " + std::to_string(seg.offset + seg.size - 1) + " = " +
                                            std::to_string(value) + " is outside"),
              std::string::npos)
        << proof.status().to_string();
  }
}

TEST(TableRangeTest, SegmentsAreChecked) {
  const std::vector<std::pair<std::vector<RangeSegment>, std::string>> cases = {
      {{}, "no segments"},
      {{{0, 16, 0}}, "bits"},
      {{{0, 16, 31}}, "bits"},
      {{{0, 12, 8}}, "power of two"},
      {{{8, 16, 8}}, "multiple of its size"},
      {{{2048, 1024, 8}}, "outside the table"},
      {{{0, 4096, 8}}, "outside the table"},
      {{{0, 64, 8}, {32, 32, 8}}, "overlap"},
  };
  for (const auto& [segments, want] : cases) {
    Status s = check_range_segments(11, segments);
    EXPECT_NE(s.message().find(want), std::string::npos) << want << ": " << s.to_string();
  }
  EXPECT_TRUE(check_range_segments(11, std::vector<RangeSegment>{{0, 1024, 8}, {1024, 1024, 30}}).ok());
}

TEST(TableRangeTest, ProofForAnotherTableIsRejected) {
  Proved p = prove(make_model(kTensors, 0, 5));
  // The same table with one 8-bit entry out of range, and with one 20-bit entry out of range.
  for (auto [tensor, value] : std::vector<std::pair<size_t, int64_t>>{{0, 200}, {2, 1 << 20}, {9, -129}}) {
    std::vector<M31> bad = p.model.table;
    bad[p.model.segments[tensor].offset + 5] = signed_m31(value);
    auto other = pcs_commit(p.config, bad);
    ASSERT_TRUE(other.ok());
    Status s = verify(p, p.proof, other->root(), p.model.segments);
    // The root enters the transcript first, so every challenge differs from the prover's.
    EXPECT_NE(s.message().find("table range"), std::string::npos) << "tensor " << tensor << ": " << s.to_string();
  }
}

// A cheating prover that commits to an out-of-range table, mixes that root, and then runs the
// honest protocol on an in-range table (the lookup, the stated values and the region all
// consistent with it): only the table's opening can tell, and it does.
TEST(TableRangeTest, LookupOnAnotherTableIsCaughtByTheOpening) {
  Proved p = prove(make_model(kTensors, 0, 9));
  for (auto [tensor, value] : std::vector<std::pair<size_t, int64_t>>{{0, 128}, {1, -3000}, {2, 1 << 19}, {5, 1}}) {
    std::vector<M31> bad = p.model.table;
    bad[p.model.segments[tensor].offset + 1] = signed_m31(value);
    auto committed = pcs_commit(p.config, bad);
    ASSERT_TRUE(committed.ok());
    auto forged = prove_on(p.config, p.data, p.model, committed->root());
    ASSERT_TRUE(forged.ok()) << forged.status().to_string();
    Status s = verify(p, *forged, committed->root(), p.model.segments);
    EXPECT_NE(s.message().find("table range: opening"), std::string::npos) << "tensor " << tensor << ": " << s.to_string();
  }
}

TEST(TableRangeTest, ProofForWiderRangesIsRejectedForNarrowerOnes) {
  Proved p = prove(make_model(kTensors, 0, 6));
  for (size_t k = 0; k < p.model.segments.size(); ++k) {
    if (p.model.segments[k].bits == 1) continue;
    std::vector<RangeSegment> narrower = p.model.segments;
    narrower[k].bits -= 1;
    EXPECT_FALSE(verify(p, p.proof, p.data.root(), narrower).ok()) << "segment " << k;
  }
  std::vector<RangeSegment> fewer(p.model.segments.begin() + 1, p.model.segments.end());
  EXPECT_FALSE(verify(p, p.proof, p.data.root(), fewer).ok());
}

void bump(QM31& q) { q += QM31::one(); }

TEST(TableRangeTest, EveryTamperedFieldIsRejected) {
  Proved p = prove(make_model(kTensors, 0, 7));
  ASSERT_TRUE(verify(p, p.proof).ok());
  using Edit = std::function<void(TableRangeProof&)>;
  std::vector<std::pair<std::string, Edit>> edits = {
      {"witness p_total", [](TableRangeProof& x) { bump(x.logup.witness.p_total); }},
      {"witness q_total", [](TableRangeProof& x) { bump(x.logup.witness.q_total); }},
      {"witness layer p0", [](TableRangeProof& x) { bump(x.logup.witness.layers.back().p0); }},
      {"witness layer q1", [](TableRangeProof& x) { bump(x.logup.witness.layers[1].q1); }},
      {"witness sumcheck", [](TableRangeProof& x) { bump(x.logup.witness.layers.back().sumcheck.rounds[0][1]); }},
      {"table p_total", [](TableRangeProof& x) { bump(x.logup.table.p_total); }},
      {"table q_total", [](TableRangeProof& x) { bump(x.logup.table.q_total); }},
      {"table layer p1", [](TableRangeProof& x) { bump(x.logup.table.layers.back().p1); }},
      {"table sumcheck", [](TableRangeProof& x) { bump(x.logup.table.layers[2].sumcheck.rounds[1][0]); }},
      {"multiplicity eval", [](TableRangeProof& x) { bump(x.logup.multiplicity_eval); }},
      {"dropped stated value", [](TableRangeProof& x) { x.stated.pop_back(); }},
      {"opening sumcheck", [](TableRangeProof& x) { bump(x.opening.sumcheck[0][0]); }},
      {"opening last sumcheck", [](TableRangeProof& x) { bump(x.opening.sumcheck.back()[1]); }},
      {"opening final message", [](TableRangeProof& x) { bump(x.opening.final_message[0]); }},
      {"opening query nonce", [](TableRangeProof& x) { x.opening.query_nonce ^= 1; }},
      {"opening values", [](TableRangeProof& x) { x.opening.layers[0].values[0] ^= 1; }},
      {"opening last values", [](TableRangeProof& x) { x.opening.layers[0].values.back() ^= 1; }},
      {"opening merkle", [](TableRangeProof& x) { x.opening.layers[0].merkle.nodes[0][0] ^= 1; }},
  };
  for (size_t i = 0; i < p.proof.logup.witness_evals.size(); ++i) {
    edits.push_back({"witness eval " + std::to_string(i), [i](TableRangeProof& x) { bump(x.logup.witness_evals[i]); }});
    edits.push_back({"table eval " + std::to_string(i), [i](TableRangeProof& x) { bump(x.logup.table_evals[i]); }});
  }
  for (size_t i = 0; i < p.proof.stated.size(); ++i) {
    edits.push_back({"stated value " + std::to_string(i), [i](TableRangeProof& x) { bump(x.stated[i]); }});
  }
  for (const auto& [name, edit] : edits) {
    TableRangeProof bad = p.proof;
    edit(bad);
    EXPECT_FALSE(verify(p, bad).ok()) << name;
  }
  // A stated value's change is caught by the lookup's column claim.
  TableRangeProof bad = p.proof;
  bump(bad.stated[0]);
  EXPECT_NE(verify(p, bad).message().find("do not match the lookup's witness column"), std::string::npos);
}

// The production parameters: accepted, and a changed table rejected.
TEST(TableRangeTest, StandardConfigAcceptsAndRejects) {
  Proved p = prove(make_model({{2048, 8}, {512, 20}, {256, 12}}, 5, 8), PcsConfig::standard());
  EXPECT_TRUE(verify(p, p.proof).ok()) << verify(p, p.proof).to_string();
  std::vector<M31> bad = p.model.table;
  bad[7] = signed_m31(1000);
  auto other = pcs_commit(p.config, bad);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(verify(p, p.proof, other->root(), p.model.segments).ok());
}

// With a hiding config the proof is zero knowledge: every sumcheck of the lookup is masked and
// every value it states is masked (none in the clear); each stated value tampered (or one dropped
// or added) is rejected, the same table with another pool gives a proof that shares no stated
// value, and the proof is a function of the committed table.
TEST(TableRangeTest, HidingProofStatesOnlyMaskedValues) {
  const PcsConfig config = PcsConfig::for_tests().with_hiding();
  Model m = make_model(kTensors, 0, 9, config);
  Proved p = prove(m, config);
  EXPECT_TRUE(verify(p, p.proof).ok()) << verify(p, p.proof).to_string();
  EXPECT_TRUE(p.proof.stated.empty());
  EXPECT_TRUE(p.proof.logup.joint.has_value());
  ASSERT_FALSE(p.proof.masks.empty());
  for (size_t i = 0; i < p.proof.masks.size(); ++i) {
    TableRangeProof bad = p.proof;
    bump(bad.masks[i]);
    EXPECT_FALSE(verify(p, bad).ok()) << "mask value " << i;
  }
  TableRangeProof fewer = p.proof;
  fewer.masks.pop_back();
  EXPECT_FALSE(verify(p, fewer).ok());
  TableRangeProof more = p.proof;
  more.masks.push_back(QM31::one());
  EXPECT_FALSE(verify(p, more).ok());
  TableRangeProof clear = p.proof;
  clear.stated.push_back(QM31::one());
  EXPECT_NE(verify(p, clear).message().find("in the clear"), std::string::npos);
  // A table whose region is not the table's own is refused by the prover.
  Model wrong = m;
  wrong.table[wrong.region] += M31::one();
  auto wrong_data = pcs_commit(config, wrong.table, wrong.blinding);
  ASSERT_TRUE(wrong_data.ok());
  EXPECT_NE(prove_on(config, *wrong_data, wrong, wrong_data->root()).status().message().find("region"),
            std::string::npos);
  // Another pool: the same weights, no stated value in common.
  Proved other = prove(make_model(kTensors, 0, 9, config, {2}), config);
  ASSERT_EQ(other.proof.masks.size(), p.proof.masks.size());
  for (size_t i = 0; i < p.proof.masks.size(); ++i) EXPECT_NE(other.proof.masks[i], p.proof.masks[i]) << i;
  // The encoding carries the masks; the proof is a function of the committed table.
  auto back = decode_table_range_proof(encode_table_range_proof(p.proof));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->masks, p.proof.masks);
  EXPECT_TRUE(verify(p, *back).ok());
  auto again = prove_on(config, p.data, m, p.data.root());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(encode_table_range_proof(*again), encode_table_range_proof(p.proof));
}

}  // namespace
}  // namespace zkcc::proof
