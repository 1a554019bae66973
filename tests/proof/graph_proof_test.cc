#include "zkcc/proof/graph_proof.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include <nlohmann/json.hpp>

#include "../model/onnx_builder.h"
#include "../model/test_util.h"
#include "graph_prove_util.h"
#include "zkcc/base/bytes.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"

namespace zkcc::proof {
namespace {

using model::testing::float_tensor;
using model::testing::ModelBuilder;
using model::testing::set_attr;
using model::testing::uniform;
using testing::fresh;
using testing::prove;
using testing::Proved;
using testing::quantized;
using testing::verifier_for;
using testing::verify;

std::vector<model::FloatTensor> load_set(const std::string& path) {
  auto text = read_file(path);
  EXPECT_TRUE(text.ok());
  auto doc = nlohmann::json::parse(text->begin(), text->end());
  std::vector<model::FloatTensor> out;
  for (const auto& row : doc) out.push_back({{1, 64}, row.get<std::vector<double>>()});
  return out;
}

Proved digits(bool public_input = false) {
  auto onnx = read_file("models/digits/mlp.onnx");
  EXPECT_TRUE(onnx.ok());
  auto cal = load_set("models/digits/calibration.json");
  return prove(quantized(*onnx, cal), cal[3], public_input);
}

// Conv (padding, 3 channels, non-power-of-two sizes), ReLU, max and average pooling, Add, Gemm.
ModelBuilder small_cnn() {
  ModelBuilder b;
  b.input("x", {1, 3, 6, 6}).output("y");
  b.initializer("w", {5, 3, 3, 3}, uniform(135, 21)).initializer("bias", {5}, uniform(5, 22, 0.1f));
  b.initializer("fc", {20, 7}, uniform(140, 23)).initializer("fcb", {7}, uniform(7, 24, 0.1f));
  b.initializer("shift", {1, 7}, uniform(7, 25, 0.5f));
  set_attr(b.node("Conv", {"x", "w", "bias"}, {"c"}), "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c"}, {"r"});
  auto& mp = b.node("MaxPool", {"r"}, {"p"});
  set_attr(mp, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(mp, "strides", std::vector<int64_t>{3, 3});
  auto& ap = b.node("AveragePool", {"p"}, {"a"});
  set_attr(ap, "kernel_shape", std::vector<int64_t>{1, 1});
  b.node("Flatten", {"a"}, {"f"});
  b.node("Gemm", {"f", "fc", "fcb"}, {"g"});
  b.node("Add", {"g", "shift"}, {"s"});
  b.node("Sigmoid", {"s"}, {"y"});
  return b;
}

TEST(GraphProof, DigitsModelProvesAndVerifies) {
  Proved p = digits();
  EXPECT_TRUE(verify(p, p.proof).ok()) << verify(p, p.proof).to_string();
  EXPECT_TRUE(p.proof.opening.has_value());
  EXPECT_TRUE(p.proof.model_opening.has_value());
  EXPECT_FALSE(p.proof.logups.empty());
}

TEST(GraphProof, SmallCnnProvesAndVerifies) {
  auto onnx = small_cnn().bytes();
  Proved p = prove(quantized(onnx, {}), float_tensor({1, 3, 6, 6}, 26));
  Status s = verify(p, p.proof);
  EXPECT_TRUE(s.ok()) << s.to_string();
  EXPECT_FALSE(p.proof.sumchecks.empty());  // the im2col and pooling gathers
}

TEST(GraphProof, WrongOutputOrInputIsRejected) {
  Proved p = digits(true);
  ASSERT_TRUE(verify(p, p.proof).ok()) << verify(p, p.proof).to_string();
  Proved other = p;
  other.outputs[0].data[4] += 1;
  EXPECT_NE(verify(other, p.proof).message().find("is not the one the proof shows"), std::string::npos);
  other = p;
  other.trace.values[0].data[10] += 1;  // another input
  EXPECT_FALSE(verify(other, p.proof).ok());
  other = p;
  other.trace.values[0].data[10] = 10000;  // outside the quantized input's range
  EXPECT_NE(verify(other, p.proof).message().find("out of range"), std::string::npos);
}

TEST(GraphProof, OutputsOffByAMultipleOfPAreRejected) {
  Proved p = digits(true);
  Proved other = p;
  other.outputs[0].data[1] += M31::kModulus;  // the same residue in M31
  EXPECT_NE(verify(other, p.proof).message().find("output"), std::string::npos) << verify(other, p.proof).to_string();
  other = p;
  other.trace.values[0].data[0] = INT64_MIN;
  EXPECT_FALSE(verify(other, p.proof).ok());
}

// A graph from a file is hostile: bounds, clamps and shifts that would make the circuit ambiguous
// or huge are refused by name.
TEST(GraphProof, HostileGraphsAreRefused) {
  Proved p = digits();
  model::QuantizedGraph g = p.graph;
  g.values[1].bound = -5;
  EXPECT_FALSE(check_provable(g).ok());
  g = p.graph;
  for (auto& layer : g.layers) {
    if (auto* rq = std::get_if<model::RequantLayer>(&layer.op)) {
      rq->shift = 23;
      g.values[&layer - g.layers.data()].bound = model::kM31HalfRange;
    }
  }
  Status s = check_provable(g);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("Requant"), std::string::npos) << s.to_string();
}

// Two weights of the first product changed by da and db with x_a da + x_b db = p, for the input's
// values x_a and x_b: every accumulator keeps its residue modulo p, so an honest trace satisfies
// the changed model's relations in M31, while the changed model's integers differ by p. The
// weights leave int8 and the accumulator leaves its bound: the prover, the verifier and the
// decoder all refuse the changed model.
TEST(GraphProof, WeightsThatWrapTheAccumulatorAreRefused) {
  Proved p = digits();
  const auto& x = p.trace.values[0].data;
  const int64_t prime = M31::kModulus;
  model::QuantizedGraph g = p.graph;
  auto& mm = std::get<model::MatMulLayer>(g.layers[0].op);
  const size_t n = mm.weight.shape[1];
  // Two inputs whose values are coprime, and the solution of x_a da + x_b db = p with 0 <= da < |x_b|.
  size_t a = 0, b = 0;
  for (size_t i = 0; i < x.size() && !b; ++i) {
    for (size_t j = i + 1; j < x.size() && !b; ++j) {
      if (x[i] != 0 && x[j] != 0 && std::gcd(x[i], x[j]) == 1 && std::abs(x[j]) > 1) a = i, b = j;
    }
  }
  ASSERT_NE(b, 0u);
  int64_t da = 0;
  while ((prime - x[a] * da) % x[b] != 0) ++da;
  const int64_t db = (prime - x[a] * da) / x[b];
  ASSERT_EQ(x[a] * da + x[b] * db, prime);
  mm.weight.data[a * n] += da;
  mm.weight.data[b * n] += db;
  // The attack's premise: the honest trace still satisfies the changed product modulo p.
  for (size_t j = 0; j < n; ++j) {
    int64_t honest = 0, changed = 0;
    for (size_t k = 0; k < x.size(); ++k) {
      honest += x[k] * std::get<model::MatMulLayer>(p.graph.layers[0].op).weight.data[k * n + j];
      changed += x[k] * mm.weight.data[k * n + j];
    }
    EXPECT_EQ(((changed - honest) % prime + prime) % prime, 0) << j;
  }
  const std::string weight = "weight [" + std::to_string(b) + ", 0] = " + std::to_string(mm.weight.data[b * n]) +
                             " is outside [-127, 127]";
  Transcript t = fresh();
  auto forged = graph_prove(g, p.trace, t);
  ASSERT_FALSE(forged.ok()) << "the changed model proves the honest outputs";
  EXPECT_NE(forged.status().message().find(weight), std::string::npos) << forged.status().to_string();
  Transcript tv = fresh();
  Status s = graph_verify(g, &p.trace.values[0], p.outputs, p.proof, tv);
  EXPECT_NE(s.message().find(weight), std::string::npos) << s.to_string();
  auto decoded = model::decode_graph(model::encode_graph(g));
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.status().message().find(weight), std::string::npos) << decoded.status().to_string();
  // The honest model still proves.
  EXPECT_TRUE(verify(p, p.proof).ok());
}

// A model with one weight or bias changed has another commitment: the honest proof does not verify
// against it, and a proof made with the changed model does not verify against the original.
TEST(GraphProof, ChangedWeightIsRejected) {
  Proved p = digits();
  for (int which = 0; which < 2; ++which) {
    model::QuantizedGraph changed = p.graph;
    auto& mm = std::get<model::MatMulLayer>(changed.layers[0].op);
    if (which == 0) mm.weight.data[7] += 1;
    else mm.bias[2] -= 1;
    Proved other = p;
    other.verifier = verifier_for(changed);
    EXPECT_NE(other.verifier->model_root(), p.verifier->model_root());
    EXPECT_FALSE(verify(other, p.proof).ok());
    // The other model's proof (its own outputs, same input) against the original commitment.
    auto run = model::run(changed, p.trace.values[0]);
    ASSERT_TRUE(run.ok());
    Transcript t = fresh();
    auto forged = graph_prove(changed, *run, t);
    ASSERT_TRUE(forged.ok());
    Proved mixed = p;
    mixed.outputs.clear();
    for (size_t v : changed.outputs) mixed.outputs.push_back(run->values[v]);
    EXPECT_FALSE(verify(mixed, *forged).ok());
  }
}

TEST(GraphProof, ChangedTranscriptSeedIsRejected) {
  Proved p = digits();
  EXPECT_FALSE(verify(p, p.proof, Transcript(*Felt252::from_short_string("another statement"))).ok());
}

// With a private input the verifier holds neither the input nor the weights nor any
// intermediate tensor, and none of their values appears in the proof's bytes.
TEST(GraphProof, PrivateInputAndWeightsStayOutOfTheProof) {
  Proved p = digits();
  ASSERT_TRUE(verify(p, p.proof).ok());
  Bytes bytes = encode_binary(p.proof);
  // Runs of zeros are everywhere (padding, lengths): only windows with a nonzero value count.
  auto contains = [&](std::span<const int64_t> values) {
    if (std::all_of(values.begin(), values.end(), [](int64_t x) { return x == 0; })) return false;
    Bytes needle;
    for (int64_t v : values) {
      const uint32_t w = M31::from_i64(v).value();
      for (int i = 0; i < 4; ++i) needle.push_back(static_cast<uint8_t>(w >> (8 * i)));
    }
    return std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end()) != bytes.end();
  };
  const auto& mm = std::get<model::MatMulLayer>(p.graph.layers[0].op);
  for (size_t at = 0; at + 6 <= mm.weight.data.size(); at += 97) {
    EXPECT_FALSE(contains(std::span(mm.weight.data).subspan(at, 6))) << "weights at " << at;
  }
  for (size_t at = 0; at + 6 <= p.trace.values[0].data.size(); at += 5) {
    EXPECT_FALSE(contains(std::span(p.trace.values[0].data).subspan(at, 6))) << "input at " << at;
  }
  for (size_t v = 1; v + 1 < p.trace.values.size(); ++v) {
    const auto& d = p.trace.values[v].data;
    if (d.size() < 6) continue;
    EXPECT_FALSE(contains(std::span(d).first(6))) << "value " << v;
  }
  // The same proof with another per-proof root (another committed input) is refused.
  GraphProof bad = p.proof;
  bad.root[5] ^= 1;
  EXPECT_FALSE(verify(p, bad).ok());
}

// Both commitments are hiding and the per-proof one draws fresh randomness: two proofs of one
// statement (model, input, outputs, transcript) differ in every part a commitment touches, and
// both verify.
TEST(GraphProof, TwoProofsOfOneStatementDiffer) {
  Proved a = digits();
  Proved b = digits();
  ASSERT_TRUE(verify(a, a.proof).ok());
  ASSERT_TRUE(verify(b, b.proof).ok());
  ASSERT_EQ(a.proof.outputs.size(), b.proof.outputs.size());
  for (size_t i = 0; i < a.proof.outputs.size(); ++i) EXPECT_EQ(a.proof.outputs[i].data, b.proof.outputs[i].data);
  EXPECT_NE(a.proof.root, b.proof.root);
  EXPECT_NE(a.proof.evals, b.proof.evals);
  ASSERT_TRUE(a.proof.opening && b.proof.opening && a.proof.model_opening && b.proof.model_opening);
  EXPECT_NE(a.proof.opening->masks, b.proof.opening->masks);
  EXPECT_NE(a.proof.opening->final_message, b.proof.opening->final_message);
  EXPECT_NE(a.proof.model_opening->final_message, b.proof.model_opening->final_message);
  EXPECT_EQ(a.proof.opening->masks.size(), b.proof.opening->masks.size());
  // The model commitment itself is a function of the model: both proofs name the same one.
  EXPECT_EQ(a.verifier->model_root(), b.verifier->model_root());
  EXPECT_EQ(encode_model_commitment(a.verifier->model_commitment()), encode_model_commitment(b.verifier->model_commitment()));
  // Each proof is bound to its own per-proof commitment.
  GraphProof mixed = a.proof;
  mixed.opening = b.proof.opening;
  EXPECT_FALSE(verify(a, mixed).ok());
}

// A private input is never seen by the verifier, so its range is proved: an input beyond the
// quantized input's bound (which could make an accumulator wrap) cannot be proved, and the range
// check's committed columns are part of the proof's claims.
TEST(GraphProof, PrivateInputOutsideItsBoundCannotBeProved) {
  Proved p = digits();
  for (int64_t beyond : {p.graph.values[0].bound + 1, -p.graph.values[0].bound - 1}) {
    model::Trace forged = p.trace;  // model::run refuses such an input; a cheating prover need not
    forged.values[0].data[5] = beyond;
    Transcript t = fresh();
    auto proof = graph_prove(p.graph, forged, t);
    ASSERT_FALSE(proof.ok()) << beyond;
    EXPECT_NE(proof.status().message().find("the input is outside its bound"), std::string::npos)
        << proof.status().to_string();
  }
}

// A prover cannot claim the proof is about another input than the one it committed to: a proof
// made for one input does not verify with another public input.
TEST(GraphProof, OtherInputThanCommittedIsRejected) {
  Proved p = digits(true);
  Proved other = p;
  other.trace.values[0].data[3] = other.trace.values[0].data[3] == 0 ? 1 : 0;
  EXPECT_FALSE(verify(other, p.proof).ok());
}

// Every part of the proof matters: a changed committed value, stated value, sumcheck message,
// product evaluation or lookup value makes the verifier refuse.
TEST(GraphProof, EveryTamperedPartIsRejected) {
  auto onnx = small_cnn().bytes();
  Proved p = prove(quantized(onnx, {}), float_tensor({1, 3, 6, 6}, 27));
  ASSERT_TRUE(verify(p, p.proof).ok());
  const QM31 one = QM31::one();
  size_t checked = 0;
  for (size_t k = 0; k < p.proof.outputs.size(); ++k) {
    for (size_t i = 0; i < p.proof.outputs[k].data.size(); ++i) {
      GraphProof bad = p.proof;
      bad.outputs[k].data[i] += M31::one();
      EXPECT_FALSE(verify(p, bad).ok()) << "output " << k << " entry " << i;
      ++checked;
    }
  }
  for (size_t i = 0; i < p.proof.root.size(); i += 7) {
    GraphProof bad = p.proof;
    bad.root[i] ^= 0x40;
    EXPECT_FALSE(verify(p, bad).ok()) << "root byte " << i;
    ++checked;
  }
  for (std::optional<PcsProof> GraphProof::*opening : {&GraphProof::opening, &GraphProof::model_opening}) {
    ASSERT_TRUE((p.proof.*opening).has_value());
    const PcsProof& o = *(p.proof.*opening);
    auto tamper = [&](auto&& change, const char* what) {
      GraphProof bad = p.proof;
      change(*(bad.*opening));
      EXPECT_FALSE(verify(p, bad).ok()) << what;
      ++checked;
    };
    ASSERT_FALSE(o.masks.empty());  // both commitments are hiding
    for (size_t m = 0; m < o.masks.size(); ++m) tamper([&](PcsProof& b) { b.masks[m] += one; }, "pcs mask");
    tamper([&](PcsProof& b) { b.masks.pop_back(); }, "pcs masks count");
    for (size_t r = 0; r < o.sumcheck.size(); ++r) tamper([&](PcsProof& b) { b.sumcheck[r][0] += one; }, "pcs sumcheck");
    tamper([&](PcsProof& b) { b.final_message[0] += one; }, "pcs final message");
    tamper([&](PcsProof& b) { b.query_nonce ^= 1; }, "pcs query nonce");
    for (size_t l = 0; l < o.layers.size(); ++l) {
      tamper([&](PcsProof& b) { b.layers[l].values[0] ^= 1; }, "pcs opened value");
      if (!o.layers[l].merkle.nodes.empty()) {
        tamper([&](PcsProof& b) { b.layers[l].merkle.nodes[0][0] ^= 1; }, "pcs merkle node");
      }
    }
    GraphProof bad = p.proof;
    (bad.*opening).reset();
    EXPECT_NE(verify(p, bad).message().find("lacks"), std::string::npos);
  }
  for (size_t i = 0; i < p.proof.evals.size(); ++i) {
    GraphProof bad = p.proof;
    bad.evals[i] += one;
    EXPECT_FALSE(verify(p, bad).ok()) << "eval " << i;
    ++checked;
  }
  for (size_t i = 0; i < p.proof.sumchecks.size(); ++i) {
    for (size_t r = 0; r < p.proof.sumchecks[i].rounds.size(); ++r) {
      GraphProof bad = p.proof;
      bad.sumchecks[i].rounds[r][0] += one;
      EXPECT_FALSE(verify(p, bad).ok()) << "sumcheck " << i << " round " << r;
      ++checked;
    }
  }
  for (size_t i = 0; i < p.proof.logups.size(); ++i) {
    GraphProof bad = p.proof;
    bad.logups[i].multiplicity_eval += one;
    EXPECT_FALSE(verify(p, bad).ok()) << "logup " << i;
    bad = p.proof;
    bad.logups[i].witness_evals.back() += one;
    EXPECT_FALSE(verify(p, bad).ok()) << "logup " << i;
    // The sides' totals stay hidden: the joint pair's round and stated lines, the roots' pairs.
    ASSERT_TRUE(p.proof.logups[i].joint.has_value());
    for (QM31 FractionLayerProof::*v : {&FractionLayerProof::p0, &FractionLayerProof::p1, &FractionLayerProof::q0,
                                        &FractionLayerProof::q1}) {
      bad = p.proof;
      (*bad.logups[i].joint).*v += one;
      EXPECT_NE(verify(p, bad).message().find("fraction pair"), std::string::npos) << "logup " << i;
      bad = p.proof;
      bad.logups[i].table.layers[0].*v += one;
      EXPECT_FALSE(verify(p, bad).ok()) << "logup " << i;
    }
    bad = p.proof;
    bad.logups[i].joint->sumcheck.rounds[0][3] += one;
    EXPECT_FALSE(verify(p, bad).ok()) << "logup " << i;
    bad = p.proof;
    bad.logups[i].witness.root_hidden = false;
    EXPECT_NE(verify(p, bad).message().find("must hide"), std::string::npos) << "logup " << i;
    bad = p.proof;
    bad.logups[i].joint.reset();
    EXPECT_NE(verify(p, bad).message().find("hidden"), std::string::npos) << "logup " << i;
    checked += 13;
  }
  GraphProof bad = p.proof;
  bad.evals.push_back(one);
  EXPECT_NE(verify(p, bad).message().find("does not use"), std::string::npos);
  bad = p.proof;
  bad.logups.pop_back();
  EXPECT_FALSE(verify(p, bad).ok());
  bad = p.proof;
  bad.outputs.pop_back();
  EXPECT_FALSE(verify(p, bad).ok());
  EXPECT_GT(checked, 100u);
}

// A cheating prover that changes one ReLU output (and everything after it) cannot make a proof
// the verifier accepts: the lookup no longer holds.
TEST(GraphProof, ForgedActivationCannotBeProved) {
  Proved p = digits();
  model::Trace forged = p.trace;
  size_t relu = 0;
  for (size_t l = 0; l < p.graph.layers.size(); ++l) {
    if (std::holds_alternative<model::LookupLayer>(p.graph.layers[l].op)) relu = l + 1;
  }
  ASSERT_GT(relu, 0u);
  forged.values[relu].data[0] += 1;
  Transcript t = fresh();
  EXPECT_FALSE(graph_prove(p.graph, forged, t).ok());  // the prover's own consistency check
}

// Softmax over rows of 3 and of 10 classes (two rows): row max, differences, the exp table, the
// row sum and the rounded division.
TEST(GraphProof, SoftmaxProvesAndTamperingFails) {
  for (int64_t classes : {3, 10}) {
    ModelBuilder b;
    b.input("x", {2, 4}).output("y");
    b.initializer("w", {4, classes}, uniform(static_cast<size_t>(4 * classes), 31));
    b.node("MatMul", {"x", "w"}, {"h"});
    b.node("Softmax", {"h"}, {"y"}, "soft");
    auto onnx = b.bytes();
    Proved p = prove(quantized(onnx, {}), float_tensor({2, 4}, 32));
    Status s = verify(p, p.proof);
    EXPECT_TRUE(s.ok()) << s.to_string();
    for (size_t k = 0; k < p.proof.outputs[0].data.size(); ++k) {
      GraphProof bad = p.proof;
      bad.outputs[0].data[k] += M31::one();
      EXPECT_FALSE(verify(p, bad).ok()) << "output entry " << k;
    }
    for (size_t i = 0; i < p.proof.evals.size(); ++i) {
      GraphProof bad = p.proof;
      bad.evals[i] += QM31::one();
      EXPECT_FALSE(verify(p, bad).ok()) << "eval " << i;
    }
    // Each row of probabilities sums to about qmax (127).
    const auto& y = p.outputs[0].data;
    for (size_t row = 0; row < 2; ++row) {
      int64_t total = 0;
      for (int64_t c = 0; c < classes; ++c) total += y[row * static_cast<size_t>(classes) + static_cast<size_t>(c)];
      EXPECT_NEAR(static_cast<double>(total), 127.0, static_cast<double>(classes));
    }
  }
}

// Single entries and one-column products: a scalar through Gemm with one input feature and one
// output, an added constant, a product of two activations and ReLU, a column of three rows times a 1 x 4 weight, and a Softmax
// over one row. Every sumcheck has a variable to mask (a masked claim reaching a sumcheck over
// none is a protocol error), so these prove and verify like any other, and a changed output is
// refused.
TEST(GraphProof, SingleEntriesAndOneColumnProductsRunMasked) {
  ModelBuilder scalar;
  scalar.input("x", {1, 1}).output("y");
  scalar.initializer("w", {1, 1}, {0.75}).initializer("b", {1}, {0.25}).initializer("c", {1, 1}, {-0.5});
  scalar.node("Gemm", {"x", "w", "b"}, {"h"});
  scalar.node("Add", {"h", "c"}, {"a"});
  scalar.node("Mul", {"a", "h"}, {"m"});
  scalar.node("Relu", {"m"}, {"y"});
  ModelBuilder column;
  column.input("x", {3, 1}).output("y");
  column.initializer("w", {1, 4}, uniform(4, 41));
  column.node("MatMul", {"x", "w"}, {"y"});
  // One row: its maximum and sum are single entries that the row's subtraction and division read.
  ModelBuilder softmax;
  softmax.input("x", {1, 4}).output("y");
  softmax.initializer("w", {4, 3}, uniform(12, 43));
  softmax.node("MatMul", {"x", "w"}, {"h"});
  softmax.node("Softmax", {"h"}, {"y"});
  const std::pair<ModelBuilder*, model::Shape> cases[] = {{&scalar, {1, 1}}, {&column, {3, 1}}, {&softmax, {1, 4}}};
  for (const auto& [builder, shape] : cases) {
    Proved p = prove(quantized(builder->bytes(), {}), float_tensor(shape, 42));
    Status s = verify(p, p.proof);
    ASSERT_TRUE(s.ok()) << s.to_string();
    GraphProof bad = p.proof;
    bad.outputs[0].data[0] += M31::one();
    EXPECT_FALSE(verify(p, bad).ok());
  }
}

TEST(GraphProof, BinaryEncodingRoundTripsAndRejectsDamage) {
  Proved p = digits();
  Bytes bytes = encode_binary(p.proof);
  auto back = decode_graph_binary(bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_binary(*back), bytes);
  EXPECT_TRUE(verify(p, *back).ok());
  for (size_t cut : {size_t{0}, size_t{8}, size_t{9}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    EXPECT_FALSE(decode_graph_binary(std::span(bytes).first(cut)).ok()) << cut;
  }
  Bytes trailing = bytes;
  trailing.push_back(0);
  EXPECT_NE(decode_graph_binary(trailing).status().message().find("trailing"), std::string::npos);
  // Flipped bits either fail to decode or fail to verify.
  for (size_t i = 9; i < bytes.size(); i += bytes.size() / 97 + 1) {
    Bytes flipped = bytes;
    flipped[i] ^= 0x10;
    auto d = decode_graph_binary(flipped);
    if (d.ok()) {
      EXPECT_FALSE(verify(p, *d).ok()) << "byte " << i;
    }
  }
}

}  // namespace
}  // namespace zkcc::proof
