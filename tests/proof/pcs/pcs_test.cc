#include "zkcc/proof/pcs/pcs.h"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

Transcript fresh(const Digest& root) {
  Transcript t(Felt252::from_u64(0x7063735f74657374));
  mix_root(t, root);
  return t;
}

std::vector<M31> random_table(size_t log_size, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<M31> t(size_t{1} << log_size);
  for (auto& v : t) v = M31::from_u32(static_cast<uint32_t>(rng()));
  return t;
}

QM31 random_qm31(std::mt19937_64& rng) {
  auto c = [&] { return M31::from_u32(static_cast<uint32_t>(rng())); };
  return QM31::from_m31s(c(), c(), c(), c());
}

// An honest claim on the block of 2^vars values at offset.
PcsClaim claim_on(std::span<const M31> table, size_t offset, size_t vars, std::mt19937_64& rng) {
  PcsClaim c{offset, {}, {}};
  for (size_t i = 0; i < vars; ++i) c.point.push_back(random_qm31(rng));
  c.value = evaluate_mle(table.subspan(offset, size_t{1} << vars), c.point);
  return c;
}

struct Opened {
  PcsConfig config;
  size_t log_size;
  Digest root;
  std::vector<PcsClaim> claims;
  PcsProof proof;
};

Opened prove(const PcsConfig& config, std::vector<M31> table, std::vector<PcsClaim> claims) {
  size_t log_size = *log2_exact(table.size());
  auto data = pcs_commit(config, std::move(table));
  EXPECT_TRUE(data.ok()) << data.status().message();
  Transcript t = fresh(data->root());
  auto proof = pcs_open(config, *data, claims, t);
  EXPECT_TRUE(proof.ok()) << proof.status().message();
  return {config, log_size, data->root(), std::move(claims), *proof};
}

Status verify(const Opened& o, const PcsProof& proof) {
  Transcript t = fresh(o.root);
  return pcs_verify(o.config, o.log_size, o.root, o.claims, proof, t);
}

// Stacked tensors of 2^9, 2^7, 2^7, 2^4 and 2^0 values with two claims on the first.
Opened stacked(const PcsConfig& config, uint64_t seed) {
  std::vector<size_t> sizes = {1 << 7, 1 << 9, 1, 1 << 4, 1 << 7};
  auto layout = pcs_stack_layout(sizes);
  EXPECT_TRUE(layout.ok());
  std::vector<M31> table = random_table(layout->log_size, seed);
  std::mt19937_64 rng(seed);
  std::vector<PcsClaim> claims;
  for (size_t i = 0; i < sizes.size(); ++i) {
    claims.push_back(claim_on(table, layout->offsets[i], *log2_exact(sizes[i]), rng));
  }
  claims.push_back(claim_on(table, layout->offsets[1], 9, rng));
  return prove(config, std::move(table), std::move(claims));
}

TEST(PcsConfig, StandardHasProvenHundredBitsUpTo2To26) {
  PcsConfig c = PcsConfig::standard();
  EXPECT_TRUE(c.validate().ok());
  for (size_t log = 0; log <= 26; ++log) EXPECT_GE(c.security_bits(log), 100.0) << log;
  // The query term alone: 131 queries at delta = 3/8 (rate 1/4) plus 16 bits of grinding.
  EXPECT_LT(c.security_bits(26), 106.0);
  EXPECT_LT(PcsConfig::for_tests().security_bits(10), 20.0);
  PcsConfig compact = PcsConfig::compact();
  EXPECT_TRUE(compact.validate().ok());
  for (size_t log = 0; log <= 26; ++log) EXPECT_GE(compact.security_bits(log), 100.0) << log;
  EXPECT_LT(compact.security_bits(26), 106.0);
}

TEST(PcsConfig, CompactOpensAndRefusesAsStandardDoes) {
  Opened o = stacked(PcsConfig::compact(), 5);
  EXPECT_TRUE(verify(o, o.proof).ok()) << verify(o, o.proof).to_string();
  PcsProof bad = o.proof;
  bad.layers[0].values[3] ^= 1;
  EXPECT_FALSE(verify(o, bad).ok());
  Opened standard = o;  // the verifier's config is its own: another one refuses the proof
  standard.config = PcsConfig::standard();
  EXPECT_FALSE(verify(standard, o.proof).ok());
}

TEST(PcsConfig, ValidateRefusesDegenerateParameters) {
  auto refused = [](auto edit) {
    PcsConfig c = PcsConfig::standard();
    edit(c);
    return !c.validate().ok();
  };
  EXPECT_TRUE(refused([](PcsConfig& c) { c.log_blowup = 0; }));  // rate 1
  EXPECT_TRUE(refused([](PcsConfig& c) { c.num_queries = 0; }));
  EXPECT_TRUE(refused([](PcsConfig& c) { c.fold_arity_log = 0; }));
  EXPECT_TRUE(refused([](PcsConfig& c) { c.query_pow_bits = 40; }));
  EXPECT_TRUE(refused([](PcsConfig& c) { c.log_final_size = 20; }));
  EXPECT_FALSE(refused([](PcsConfig&) {}));
  EXPECT_FALSE(pcs_commit(PcsConfig{.log_blowup = 0}, random_table(4, 1)).ok());
}

TEST(PcsStackLayout, AlignsLargestFirst) {
  std::vector<size_t> sizes = {4, 16, 1, 8, 4};
  auto l = pcs_stack_layout(sizes);
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->offsets, (std::vector<size_t>{24, 0, 32, 16, 28}));
  EXPECT_EQ(l->log_size, 6u);  // 33 values round up to 64
  for (size_t i = 0; i < sizes.size(); ++i) EXPECT_EQ(l->offsets[i] % sizes[i], 0u);
  std::vector<size_t> bad = {4, 6};
  EXPECT_FALSE(pcs_stack_layout(bad).ok());
}

TEST(Pcs, SingleClaimAccepted) {
  std::mt19937_64 rng(1);
  auto table = random_table(10, 1);
  auto c = claim_on(table, 0, 10, rng);
  auto data = *pcs_commit(PcsConfig::for_tests(), table);
  Transcript prover = fresh(data.root());
  auto proof = pcs_open(PcsConfig::for_tests(), data, std::vector<PcsClaim>{c}, prover);
  ASSERT_TRUE(proof.ok());
  Transcript verifier = fresh(data.root());
  Status s = pcs_verify(PcsConfig::for_tests(), 10, data.root(), std::vector<PcsClaim>{c}, *proof, verifier);
  EXPECT_TRUE(s.ok()) << s.message();
  // Both sides leave the transcript in the same state, so the caller's protocol can go on.
  EXPECT_EQ(prover.digest(), verifier.digest());
  EXPECT_EQ(prover.draw_qm31(), verifier.draw_qm31());
  Transcript too_large = fresh(data.root());
  EXPECT_EQ(pcs_verify(PcsConfig::for_tests(), kMaxPcsLogSize + 1, data.root(), std::vector<PcsClaim>{c}, *proof, too_large)
                .code(),
            StatusCode::kOutOfRange);
}

TEST(Pcs, StackedClaimsAccepted) {
  Opened o = stacked(PcsConfig::for_tests(), 2);
  Status s = verify(o, o.proof);
  EXPECT_TRUE(s.ok()) << s.message();
}

// Tables smaller than the final message (no fold at all) and sizes that leave a partial layer.
TEST(Pcs, EveryTableSizeAccepted) {
  for (size_t log = 0; log <= 9; ++log) {
    std::mt19937_64 rng(log);
    auto table = random_table(log, log);
    std::vector<PcsClaim> claims = {claim_on(table, 0, log, rng)};
    if (log >= 1) claims.push_back(claim_on(table, size_t{1} << (log - 1), log - 1, rng));
    Opened o = prove(PcsConfig::for_tests(), std::move(table), claims);
    Status s = verify(o, o.proof);
    EXPECT_TRUE(s.ok()) << log << ": " << s.message();
  }
}

TEST(Pcs, StandardConfigAccepted) {
  Opened o = stacked(PcsConfig::standard(), 3);
  EXPECT_TRUE(verify(o, o.proof).ok());
  EXPECT_EQ(o.proof.fold_nonces.size(), o.proof.sumcheck.size());
  auto bad = o.proof;
  bad.query_nonce ^= 1;
  EXPECT_EQ(verify(o, bad).message(), "pcs query nonce fails the proof of work");
}

TEST(Pcs, ProverRefusesWrongClaims) {
  std::mt19937_64 rng(4);
  auto table = random_table(8, 4);
  auto data = *pcs_commit(PcsConfig::for_tests(), table);
  auto c = claim_on(table, 0, 6, rng);
  c.value += QM31::one();
  Transcript t = fresh(data.root());
  EXPECT_EQ(pcs_open(PcsConfig::for_tests(), data, std::vector<PcsClaim>{c}, t).status().message(),
            "pcs claim 0 has the wrong value");
  auto misaligned = claim_on(table, 0, 6, rng);
  misaligned.offset = 32;
  EXPECT_FALSE(pcs_open(PcsConfig::for_tests(), data, std::vector<PcsClaim>{misaligned}, t).ok());
  EXPECT_FALSE(pcs_open(PcsConfig::standard(), data, std::vector<PcsClaim>{claim_on(table, 0, 6, rng)}, t).ok());
}

TEST(Pcs, RejectsWrongClaims) {
  Opened o = stacked(PcsConfig::for_tests(), 5);
  for (size_t i = 0; i < o.claims.size(); ++i) {
    Opened bad = o;
    bad.claims[i].value += QM31::one();
    EXPECT_FALSE(verify(bad, o.proof).ok()) << "value of claim " << i;
    if (!bad.claims[i].point.empty()) {
      bad = o;
      bad.claims[i].point[0] += QM31::one();
      EXPECT_FALSE(verify(bad, o.proof).ok()) << "point of claim " << i;
    }
    bad = o;
    bad.claims[i].offset ^= size_t{1} << bad.claims[i].point.size();
    EXPECT_FALSE(verify(bad, o.proof).ok()) << "offset of claim " << i;
  }
  Opened fewer = o;
  fewer.claims.pop_back();
  EXPECT_FALSE(verify(fewer, o.proof).ok());
}

// Every field of the proof, changed one at a time.
TEST(Pcs, RejectsEveryMutatedField) {
  Opened o = stacked(PcsConfig::for_tests(), 6);
  ASSERT_TRUE(verify(o, o.proof).ok());
  size_t tried = 0;
  auto expect_rejected = [&](const std::string& what, const std::function<void(PcsProof&)>& edit) {
    PcsProof bad = o.proof;
    edit(bad);
    ++tried;
    EXPECT_FALSE(verify(o, bad).ok()) << what;
  };
  for (size_t r = 0; r < o.proof.sumcheck.size(); ++r) {
    for (size_t j = 0; j < 2; ++j) {
      expect_rejected("sumcheck " + std::to_string(r), [&](PcsProof& p) { p.sumcheck[r][j] += QM31::one(); });
    }
  }
  ASSERT_EQ(o.proof.fold_nonces.size(), o.proof.sumcheck.size());
  for (size_t r = 0; r < o.proof.fold_nonces.size(); ++r) {
    // A nonce that still passes the 1-bit grinding changes the challenges.
    expect_rejected("fold nonce " + std::to_string(r), [&](PcsProof& p) { p.fold_nonces[r] += 2; });
  }
  for (size_t l = 0; l < o.proof.layer_roots.size(); ++l) {
    expect_rejected("layer root " + std::to_string(l), [&](PcsProof& p) { p.layer_roots[l][3] ^= 1; });
  }
  for (size_t i = 0; i < o.proof.final_message.size(); ++i) {
    expect_rejected("final " + std::to_string(i), [&](PcsProof& p) { p.final_message[i] += QM31::one(); });
  }
  expect_rejected("query nonce", [&](PcsProof& p) { p.query_nonce += 4; });
  for (size_t l = 0; l < o.proof.layers.size(); ++l) {
    for (size_t i = 0; i < o.proof.layers[l].values.size(); ++i) {
      expect_rejected("value", [&](PcsProof& p) { p.layers[l].values[i] = (p.layers[l].values[i] + 1) % M31::kModulus; });
    }
    for (size_t i = 0; i < o.proof.layers[l].merkle.nodes.size(); ++i) {
      expect_rejected("node", [&](PcsProof& p) { p.layers[l].merkle.nodes[i][0] ^= 1; });
    }
  }
  EXPECT_GT(tried, 100u);
}

TEST(Pcs, RejectsTruncatedAndExtendedLists) {
  Opened o = stacked(PcsConfig::for_tests(), 7);
  std::vector<std::pair<std::string, std::function<void(PcsProof&)>>> edits = {
      {"sumcheck-", [](PcsProof& p) { p.sumcheck.pop_back(); }},
      {"sumcheck+", [](PcsProof& p) { p.sumcheck.push_back(p.sumcheck.back()); }},
      {"nonces-", [](PcsProof& p) { p.fold_nonces.pop_back(); }},
      {"nonces+", [](PcsProof& p) { p.fold_nonces.push_back(0); }},
      {"roots-", [](PcsProof& p) { p.layer_roots.pop_back(); }},
      {"roots+", [](PcsProof& p) { p.layer_roots.push_back({}); }},
      {"final-", [](PcsProof& p) { p.final_message.pop_back(); }},
      {"final+", [](PcsProof& p) { p.final_message.push_back({}); }},
      {"layers-", [](PcsProof& p) { p.layers.pop_back(); }},
      {"layers+", [](PcsProof& p) { p.layers.push_back(p.layers.back()); }},
      {"values-", [](PcsProof& p) { p.layers[1].values.pop_back(); }},
      {"values+", [](PcsProof& p) { p.layers[0].values.push_back(0); }},
      {"nodes-", [](PcsProof& p) { p.layers[0].merkle.nodes.pop_back(); }},
      {"nodes+", [](PcsProof& p) { p.layers[1].merkle.nodes.push_back({}); }},
      {"non-canonical", [](PcsProof& p) { p.layers[0].values[0] = M31::kModulus; }},
  };
  ASSERT_GE(o.proof.layers.size(), 2u);
  for (const auto& [what, edit] : edits) {
    PcsProof bad = o.proof;
    edit(bad);
    EXPECT_FALSE(verify(o, bad).ok()) << what;
  }
}

TEST(Pcs, RejectsProofOfAnotherTableOrSize) {
  Opened a = stacked(PcsConfig::for_tests(), 8);
  Opened b = stacked(PcsConfig::for_tests(), 9);
  // b's claims and proof against a's root.
  Opened mixed = b;
  mixed.root = a.root;
  EXPECT_FALSE(verify(mixed, b.proof).ok());
  // a's proof for b's claims.
  EXPECT_FALSE(verify(b, a.proof).ok());
  for (size_t log : {a.log_size - 1, a.log_size + 1}) {
    Opened resized = a;
    resized.log_size = log;
    EXPECT_FALSE(verify(resized, a.proof).ok()) << log;
  }
  Opened other_config = a;
  other_config.config.num_queries += 1;
  EXPECT_FALSE(verify(other_config, a.proof).ok());
}

TEST(PcsEncoding, RoundTripsAndRefusesMalformedInput) {
  Opened o = stacked(PcsConfig::for_tests(), 10);
  Bytes enc = encode_pcs_proof(o.proof);
  auto dec = decode_pcs_proof(enc);
  ASSERT_TRUE(dec.ok()) << dec.status().message();
  EXPECT_EQ(*dec, o.proof);
  EXPECT_TRUE(verify(o, *dec).ok());
  for (size_t n = 0; n < enc.size(); ++n) {
    EXPECT_FALSE(decode_pcs_proof(std::span<const uint8_t>(enc).first(n)).ok()) << n;
  }
  Bytes longer = enc;
  longer.push_back(0);
  EXPECT_NE(decode_pcs_proof(longer).status().message().find("trailing"), std::string::npos);
  Bytes absurd = enc;
  absurd[9] = 0xff;  // the sumcheck count's low byte
  absurd[12] = 0x7f;
  EXPECT_FALSE(decode_pcs_proof(absurd).ok());
  Bytes non_canonical = enc;
  for (size_t i = 13; i < 17; ++i) non_canonical[i] = 0xff;  // first sumcheck coordinate = 2^32 - 1
  EXPECT_FALSE(decode_pcs_proof(non_canonical).ok());
  Bytes bad_magic = enc;
  bad_magic[0] = 'X';
  EXPECT_FALSE(decode_pcs_proof(bad_magic).ok());
}


// Weighted claims (sum_j w_j T[offset + j]), alone and beside point claims, on blocks inside the
// bound variables (4 values) and spanning the final message (the whole table), plain and hiding.
// A table of 2^log_size values committed plain or hiding (the hiding table keeps its upper half
// as the blinding segment) and opened on `claims`; check() verifies that opening against claims.
struct OpenedTable {
  PcsConfig config;
  size_t data_log;
  PcsProverData committed;
  PcsProof proof;
  Status check(std::span<const PcsClaim> cs) const {
    Transcript t = fresh(committed.root());
    return pcs_verify(config, data_log, committed.root(), cs, proof, t);
  }
};
size_t data_log_of(const PcsConfig& config, size_t log_size) { return config.hiding ? log_size - 1 : log_size; }
StatusOr<OpenedTable> commit_and_open(const PcsConfig& config, std::span<const M31> table, size_t log_size,
                                      std::span<const PcsClaim> claims) {
  const size_t data_log = data_log_of(config, log_size);
  std::vector<M31> data(table.begin(), table.begin() + (ptrdiff_t{1} << data_log));
  PcsBlinding blinding;
  if (config.hiding) blinding = PcsBlinding{size_t{1} << (data_log - 1), size_t{1} << (data_log - 1), std::nullopt, SIZE_MAX};
  ZKCC_ASSIGN_OR_RETURN(PcsProverData committed, pcs_commit(config, std::move(data), blinding));
  Transcript t = fresh(committed.root());
  ZKCC_ASSIGN_OR_RETURN(PcsProof proof, pcs_open(config, committed, claims, t));
  return OpenedTable{config, data_log, std::move(committed), std::move(proof)};
}

TEST(Pcs, WeightedClaimsOpenAndRefuseTampering) {
  const size_t log_size = 8;
  const std::vector<M31> table = random_table(log_size, 21);
  std::mt19937_64 rng(22);
  auto weighted = [&](size_t offset, size_t size) {
    std::vector<QM31> w(size);
    QM31 v;
    for (size_t j = 0; j < size; ++j) {
      w[j] = random_qm31(rng);
      v += w[j] * table[offset + j];
    }
    return PcsClaim::weighted(offset, std::move(w), v);
  };
  for (const PcsConfig& config : {PcsConfig::for_tests(), PcsConfig::for_tests().with_hiding()}) {
    const size_t data_log = data_log_of(config, log_size);
    const size_t usable = config.hiding ? size_t{1} << (data_log - 1) : size_t{1} << data_log;
    std::vector<PcsClaim> claims = {weighted(4, 4), claim_on(table, 16, 3, rng), weighted(0, usable), weighted(8, 8)};
    auto opened = commit_and_open(config, table, log_size, claims);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto check = [&](std::span<const PcsClaim> cs) { return opened->check(cs); };
    EXPECT_TRUE(check(claims).ok()) << check(claims).to_string();
    for (size_t i : {0, 2, 3}) {
      std::vector<PcsClaim> bad = claims;
      bad[i].value += QM31::one();
      EXPECT_FALSE(check(bad).ok()) << i;
      bad = claims;
      bad[i].weights[1] += QM31::one();  // the verifier's own weights differ from the prover's
      EXPECT_FALSE(check(bad).ok()) << i;
    }
    // A point and weights at once, weights not a power of two long, or past the table: refused.
    std::vector<PcsClaim> bad = claims;
    bad[0].point.push_back(QM31::one());
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[0].weights.pop_back();
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[3].offset = (size_t{1} << data_log) - 4;
    EXPECT_FALSE(check(bad).ok());
  }
}

// A joined run claims only the sum of its functionals: an evaluation hidden by a mask elsewhere in
// the table opens without either part's value being known.
TEST(Pcs, JoinedClaimsOpenTheirSumOnly) {
  const size_t log_size = 8;
  const std::vector<M31> table = random_table(log_size, 31);
  std::mt19937_64 rng(32);
  for (const PcsConfig& config : {PcsConfig::for_tests(), PcsConfig::for_tests().with_hiding()}) {
    // T~(point) on [16, 32) plus c times the value at word 5 (weights c at 4..7's second slot).
    PcsClaim eval = claim_on(table, 16, 4, rng);
    const QM31 c = random_qm31(rng);
    std::vector<QM31> w(4);
    w[1] = c;
    PcsClaim mask = PcsClaim::weighted(4, w, QM31::zero());
    const QM31 total = eval.value + c * table[5];
    eval.joined = true;
    eval.value = random_qm31(rng);  // any split of the total
    mask.value = total - eval.value;
    std::vector<PcsClaim> claims = {claim_on(table, 8, 3, rng), eval, mask, claim_on(table, 0, 2, rng)};
    auto opened = commit_and_open(config, table, log_size, claims);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto check = [&](std::span<const PcsClaim> cs) { return opened->check(cs); };
    const PcsProverData& committed = opened->committed;
    EXPECT_TRUE(check(claims).ok()) << check(claims).to_string();
    std::vector<PcsClaim> bad = claims;
    bad[2].value += QM31::one();  // a wrong total
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[1].joined = false;  // the parts claimed one by one: neither holds alone
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[2].weights[1] += QM31::one();
    EXPECT_FALSE(check(bad).ok());
    // The prover refuses a wrong total and a run left open at the end.
    bad = claims;
    bad[1].value += QM31::one();
    Transcript t1 = fresh(committed.root());
    EXPECT_FALSE(pcs_open(config, committed, bad, t1).ok());
    bad = claims;
    bad.back().joined = true;
    Transcript t2 = fresh(committed.root());
    EXPECT_FALSE(pcs_open(config, committed, bad, t2).ok());
    EXPECT_FALSE(check(bad).ok());
  }
}

// A scaled point claim: c T~(point) = value, the scale bound like the point.
TEST(Pcs, ScaledPointClaimsOpenAndBindTheirScale) {
  const size_t log_size = 8;
  const std::vector<M31> table = random_table(log_size, 41);
  std::mt19937_64 rng(42);
  for (const PcsConfig& config : {PcsConfig::for_tests(), PcsConfig::for_tests().with_hiding()}) {
    PcsClaim scaled = claim_on(table, 16, 4, rng);
    scaled.scale = random_qm31(rng);
    scaled.value *= scaled.scale;
    std::vector<PcsClaim> claims = {claim_on(table, 0, 3, rng), scaled};
    auto opened = commit_and_open(config, table, log_size, claims);
    ASSERT_TRUE(opened.ok()) << opened.status().message();
    auto check = [&](std::span<const PcsClaim> cs) { return opened->check(cs); };
    EXPECT_TRUE(check(claims).ok()) << check(claims).to_string();
    std::vector<PcsClaim> bad = claims;
    bad[1].scale += QM31::one();
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[1].scale = QM31::one();  // the unscaled value is not what was claimed
    EXPECT_FALSE(check(bad).ok());
    bad = claims;
    bad[0] = PcsClaim::weighted(0, std::vector<QM31>(4, QM31::one()), QM31::zero());
    bad[0].scale = QM31::one() + QM31::one();  // weights carry their own factors
    EXPECT_FALSE(check(bad).ok());
  }
}

}  // namespace
}  // namespace zkcc::proof
