#include "zkcc/proof/layered.h"

#include <gtest/gtest.h>

#include <random>

#include "zkcc/proof/encoding.h"

namespace zkcc::proof {
namespace {

Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-layered-test")); }

Matrix random_matrix(std::mt19937_64& rng, size_t rows, size_t cols, int lo, int hi) {
  std::vector<M31> d(rows * cols);
  for (auto& v : d) v = M31::from_i64(lo + static_cast<int>(rng() % static_cast<uint64_t>(hi - lo)));
  return *make_matrix(rows, cols, std::move(d));
}

// Requantize-and-ReLU as one function table over [-512, 512): max(x, 0) >> 2, clamped to 127.
LookupTable requant_relu() {
  LookupTable t{Column(1024), Column(1024)};
  for (int x = -512; x < 512; ++x) {
    t.in[static_cast<size_t>(x + 512)] = M31::from_i64(x);
    t.out[static_cast<size_t>(x + 512)] = M31::from_i64(std::min(std::max(x, 0) >> 2, 127));
  }
  return t;
}

// input 4x8 -> matmul 8x16 -> bias -> requant/ReLU -> matmul 16x4 -> bias -> Hadamard -> scale 3
Circuit mlp(std::mt19937_64& rng) {
  Circuit c;
  c.input_rows = 4;
  c.input_cols = 8;
  c.params = {random_matrix(rng, 8, 16, -4, 4), random_matrix(rng, 1, 16, -8, 8), random_matrix(rng, 16, 4, -4, 4),
              random_matrix(rng, 1, 4, -8, 8), random_matrix(rng, 4, 4, -2, 3)};
  c.tables = {requant_relu()};
  c.layers = {{LayerKind::kMatMul, 0, {}},  {LayerKind::kAddBias, 1, {}}, {LayerKind::kLookup, 0, {}},
              {LayerKind::kMatMul, 2, {}},  {LayerKind::kAddBias, 3, {}}, {LayerKind::kHadamard, 4, {}},
              {LayerKind::kScale, 0, M31::from_u32(3)}};
  return c;
}

struct ProvedRun {
  Circuit circuit;
  Matrix input;
  Trace trace;
  LayeredProof proof;
};

ProvedRun honest(uint64_t seed) {
  std::mt19937_64 rng(seed);
  ProvedRun r;
  r.circuit = mlp(rng);
  r.input = random_matrix(rng, 4, 8, -4, 4);
  auto trace = run_circuit(r.circuit, r.input);
  EXPECT_TRUE(trace.ok()) << trace.status().to_string();
  r.trace = *trace;
  Transcript t = fresh();
  auto proof = layered_prove(r.circuit, r.trace, t);
  EXPECT_TRUE(proof.ok()) << proof.status().to_string();
  r.proof = *proof;
  return r;
}

Status verify(const ProvedRun& r, const Matrix& output, const LayeredProof& proof) {
  Transcript t = fresh();
  ZKCC_ASSIGN_OR_RETURN(std::vector<FinalClaim> claims, layered_verify(r.circuit, r.input, output, proof, t));
  return check_final_claims(r.circuit, r.input, r.trace, claims);
}

TEST(Layered, RunsTheCircuitExactly) {
  ProvedRun r = honest(1);
  ASSERT_EQ(r.trace.size(), 8u);
  // Spot-check one output entry by hand: ((relu-requant(x W1 + b1)) W2 + b2) o H * 3.
  const auto& c = r.circuit;
  std::vector<int64_t> hidden(16);
  for (size_t j = 0; j < 16; ++j) {
    int64_t acc = c.params[1].data[j].to_signed();
    for (size_t k = 0; k < 8; ++k) acc += r.input.data[k].to_signed() * c.params[0].data[k * 16 + j].to_signed();
    hidden[j] = std::min<int64_t>(std::max<int64_t>(acc, 0) >> 2, 127);
  }
  int64_t out = c.params[3].data[0].to_signed();
  for (size_t j = 0; j < 16; ++j) out += hidden[j] * c.params[2].data[j * 4].to_signed();
  out = out * c.params[4].data[0].to_signed() * 3;
  EXPECT_EQ(r.trace.back().data[0].to_signed(), out);
}

TEST(Layered, HonestProofVerifies) {
  ProvedRun r = honest(2);
  Status s = verify(r, r.trace.back(), r.proof);
  EXPECT_TRUE(s.ok()) << s.to_string();
}

TEST(Layered, LeavesClaimsOnInputParametersAndCommittedTensors) {
  ProvedRun r = honest(9);
  Transcript t = fresh();
  auto claims = layered_verify(r.circuit, r.input, r.trace.back(), r.proof, t);
  ASSERT_TRUE(claims.ok());
  size_t input = 0, params = 0, committed = 0;
  for (const auto& c : *claims) {
    input += c.ref.what == TensorRef::What::kInput;
    params += c.ref.what == TensorRef::What::kParam;
    committed += c.ref.what == TensorRef::What::kActivation || c.ref.what == TensorRef::What::kMultiplicity;
  }
  EXPECT_EQ(input, 1u);
  EXPECT_EQ(params, 5u);  // two weights, two biases, one Hadamard factor
  EXPECT_EQ(committed, 4u);
  // A wrong weight is caught by its claim.
  Circuit tampered = r.circuit;
  tampered.params[2].data[0] += M31::one();
  EXPECT_FALSE(check_final_claims(tampered, r.input, r.trace, *claims).ok());
}

TEST(Layered, AWrongOutputIsRejected) {
  ProvedRun r = honest(3);
  Matrix wrong = r.trace.back();
  wrong.data[5] += M31::one();
  EXPECT_FALSE(verify(r, wrong, r.proof).ok());
}

TEST(Layered, AWrongMatrixProductCannotBeProved) {
  ProvedRun r = honest(4);
  // A prover whose first product is off by one in one entry, with everything downstream recomputed
  // from the wrong value.
  Trace bad = r.trace;
  bad[1].data[3] += M31::one();
  for (size_t l = 1; l < r.circuit.layers.size(); ++l) {
    Circuit step = r.circuit;
    step.layers = {r.circuit.layers[l]};
    step.input_rows = bad[l].rows;
    step.input_cols = bad[l].cols;
    auto next = run_circuit(step, bad[l]);
    if (!next.ok()) GTEST_SKIP() << "perturbation left the lookup table";
    bad[l + 1] = (*next)[1];
  }
  Transcript t = fresh();
  auto proof = layered_prove(r.circuit, bad, t);
  ASSERT_TRUE(proof.ok()) << proof.status().to_string();
  ProvedRun cheat = r;
  cheat.trace = bad;
  EXPECT_FALSE(verify(cheat, bad.back(), *proof).ok());
}

TEST(Layered, AWrongActivationCannotBeProved) {
  ProvedRun r = honest(5);
  Trace bad = r.trace;
  bad[3].data[0] += M31::one();  // an activation output that is not f(input)
  Transcript t = fresh();
  auto proof = layered_prove(r.circuit, bad, t);
  ASSERT_FALSE(proof.ok());
  EXPECT_NE(proof.status().message().find("not in the table"), std::string::npos);
}

// Every field element of the proof, in a fixed order.
std::vector<QM31*> slots(LayeredProof& p) {
  std::vector<QM31*> out;
  auto add_sumcheck = [&out](SumcheckProof& s) {
    for (auto& round : s.rounds) {
      for (auto& v : round) out.push_back(&v);
    }
  };
  auto add_fraction = [&](FractionSumProof& f) {
    out.push_back(&f.p_total);
    out.push_back(&f.q_total);
    for (auto& layer : f.layers) {
      add_sumcheck(layer.sumcheck);
      for (QM31* v : {&layer.p0, &layer.p1, &layer.q0, &layer.q1}) out.push_back(v);
    }
  };
  for (LayerProof& l : p.layers) {
    switch (l.kind) {
      case LayerKind::kMatMul:
        add_sumcheck(l.matmul.sumcheck);
        out.push_back(&l.matmul.a_eval);
        out.push_back(&l.matmul.b_eval);
        break;
      case LayerKind::kAddBias:
        out.push_back(&l.x_eval);
        break;
      case LayerKind::kHadamard:
        add_sumcheck(l.sumcheck);
        out.push_back(&l.x_eval);
        out.push_back(&l.h_eval);
        break;
      case LayerKind::kScale:
        break;
      case LayerKind::kLookup:
        add_fraction(l.logup.witness);
        add_fraction(l.logup.table);
        for (auto& v : l.logup.witness_evals) out.push_back(&v);
        for (auto& v : l.logup.table_evals) out.push_back(&v);
        out.push_back(&l.logup.multiplicity_eval);
        break;
    }
  }
  return out;
}

TEST(Layered, RejectsEveryChangedFieldElementAndDigest) {
  ProvedRun r = honest(6);
  ASSERT_TRUE(verify(r, r.trace.back(), r.proof).ok());
  size_t total = slots(r.proof).size();
  ASSERT_GT(total, 100u);
  for (size_t s = 0; s < total; ++s) {
    LayeredProof bad = r.proof;
    QM31& v = *slots(bad)[s];
    auto m = v.to_m31s();
    m[s % 4] += M31::one();  // a different coordinate for neighbouring elements
    v = QM31::from_m31s(m[0], m[1], m[2], m[3]);
    EXPECT_FALSE(verify(r, r.trace.back(), bad).ok()) << "element " << s;
  }
  for (int which = 0; which < 3; ++which) {
    LayeredProof bad = r.proof;
    Felt252* d[] = {&bad.layers[2].x_digest, &bad.layers[2].y_digest, &bad.layers[2].m_digest};
    *d[which] += Felt252::one();
    EXPECT_FALSE(verify(r, r.trace.back(), bad).ok()) << "digest " << which;
  }
}

TEST(Layered, RefusesBadCircuitsAndInputs) {
  std::mt19937_64 rng(7);
  Circuit c = mlp(rng);
  Matrix input = random_matrix(rng, 4, 8, -4, 4);
  Circuit bad_shape = c;
  bad_shape.params[0] = random_matrix(rng, 4, 16, -4, 4);
  EXPECT_FALSE(run_circuit(bad_shape, input).ok());
  Circuit bad_scale = c;
  bad_scale.layers.back().scale = M31::zero();
  EXPECT_FALSE(run_circuit(bad_scale, input).ok());
  Circuit missing = c;
  missing.layers[0].param = 99;
  EXPECT_FALSE(run_circuit(missing, input).ok());
  Matrix big = random_matrix(rng, 4, 8, 100, 120);  // pre-activations leave the table
  auto out_of_table = run_circuit(c, big);
  ASSERT_FALSE(out_of_table.ok());
  EXPECT_NE(out_of_table.status().message().find("outside the lookup table"), std::string::npos);
}

}  // namespace
}  // namespace zkcc::proof

namespace zkcc::proof {
namespace {

TEST(LayeredEncoding, RoundTripsAndRefusesDamage) {
  ProvedRun r = honest(8);
  Bytes bin = encode_binary(r.proof);
  auto back = decode_layered_binary(bin);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_binary(*back), bin);
  EXPECT_TRUE(verify(r, r.trace.back(), *back).ok());
  for (size_t n = 0; n < bin.size(); ++n) {
    ASSERT_FALSE(decode_layered_binary(std::span(bin).first(n)).ok()) << "prefix " << n;
  }
  Bytes longer = bin;
  longer.push_back(1);
  EXPECT_FALSE(decode_layered_binary(longer).ok());
  // A sample of single-bit changes across the whole encoding: none yields an accepted proof.
  for (size_t byte = 9; byte < bin.size(); byte += 13) {
    Bytes bad = bin;
    bad[byte] ^= static_cast<uint8_t>(1 << (byte % 8));
    auto p = decode_layered_binary(bad);
    if (p.ok()) {
      EXPECT_FALSE(verify(r, r.trace.back(), *p).ok()) << "byte " << byte;
    }
  }
  auto from_json = decode_layered_json(encode_json(r.proof));
  ASSERT_TRUE(from_json.ok()) << from_json.status().to_string();
  EXPECT_EQ(encode_binary(*from_json), bin);
  EXPECT_FALSE(decode_layered_json(R"({"kind":"layered","version":2,"layers":[{"kind":"conv"}]})").ok());
  EXPECT_FALSE(decode_layered_json(R"({"kind":"layered","version":2,"layers":[{"kind":"add_bias"}]})").ok());
  EXPECT_TRUE(decode_layered_json(R"({"kind":"layered","version":2,"layers":[{"kind":"scale"}]})").ok());
  Bytes bad_kind = bin;
  bad_kind[13] = 9;  // the first layer's kind
  EXPECT_FALSE(decode_layered_binary(bad_kind).ok());
}

}  // namespace
}  // namespace zkcc::proof
