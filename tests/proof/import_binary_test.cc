// The ONNX operators over several activations, end to end (end_to_end_util.h): Add, Sub, Sum and
// Mean of activations (same shapes, and broadcast), Mul (the Hadamard gadget), Concat of several
// activations with constants, LogSoftmax, Max, Min and PRelu. Each model starts from x = input +
// bias and makes a second activation of another scale from it (a sigmoid, a row maximum), so that
// the operands meet in different scales.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "end_to_end_util.h"

namespace zkcc::proof::testing {
namespace {

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// The maxima of x's rows of `cols`.
std::vector<double> row_max(const std::vector<double>& x, size_t cols) {
  std::vector<double> m;
  for (size_t r = 0; r < x.size() / cols; ++r) {
    m.push_back(*std::max_element(x.begin() + static_cast<std::ptrdiff_t>(r * cols),
                                  x.begin() + static_cast<std::ptrdiff_t>((r + 1) * cols)));
  }
  return m;
}

// x = input + bias over [1, 2, 3, 4], s = sigmoid(x) and m = the maxima of x's last axis (kept as
// [.., 1]), and their float references.
struct Operands {
  ModelBuilder b{13, 8};
  std::vector<double> x, s, m;
  model::FloatTensor input;
  explicit Operands(uint64_t seed) {
    input = start(b, {1, 2, 3, 4}, seed, 1.5, x);
    b.node("Sigmoid", {"x"}, {"s"});
    set_attr(b.node("ReduceMax", {"x"}, {"m"}), "axes", std::vector<int64_t>{-1});
    s = map(x, sigmoid);
    m = row_max(x, 4);
  }
};

TEST(ImportedBinaryOperators, AddAndSubOfTwoActivations) {
  Operands o(61);
  auto& [b, x, s, m, input] = o;
  b.output("sum").node("Add", {"x", "s"}, {"sum"});            // one shape: the claim passes through
  b.output("shifted").node("Sub", {"x", "m"}, {"shifted"});    // m broadcast along the last axis
  b.output("doubled").node("Add", {"x", "x"}, {"doubled"});    // one value twice
  b.output("reversed").node("Sub", {"m", "s"}, {"reversed"});  // the first operand broadcast
  b.initializer("c", {4}, {0.5f, -0.25f, 0.125f, 1.0f});
  b.output("total").node("Sum", {"x", "s", "c", "m"}, {"total"});
  b.output("mean").node("Mean", {"x", "s"}, {"mean"});
  std::vector<double> sum, shifted, doubled, reversed, total, mean;
  const double c[] = {0.5, -0.25, 0.125, 1.0};
  for (size_t i = 0; i < x.size(); ++i) {
    sum.push_back(x[i] + s[i]);
    shifted.push_back(x[i] - m[i / 4]);
    doubled.push_back(2 * x[i]);
    reversed.push_back(m[i / 4] - s[i]);
    total.push_back(x[i] + s[i] + c[i % 4] + m[i / 4]);
    mean.push_back((x[i] + s[i]) / 2);
  }
  check_end_to_end(b, input,
                   {{sum, 0.04}, {shifted, 0.05}, {doubled, 0.05}, {reversed, 0.05}, {total, 0.1}, {mean, 0.02}});
}

TEST(ImportedBinaryOperators, MulOfTwoActivations) {
  Operands o(62);
  auto& [b, x, s, m, input] = o;
  b.output("gated").node("Mul", {"x", "s"}, {"gated"});    // x sigmoid(x): SiLU from two activations
  b.output("scaled").node("Mul", {"m", "x"}, {"scaled"});  // m spread by a gather first
  b.output("square").node("Mul", {"x", "x"}, {"square"});
  b.output("ratio").node("Div", {"x", "s"}, {"ratio"});    // x * reciprocal(s), s > 0
  std::vector<double> gated, scaled, square, ratio;
  for (size_t i = 0; i < x.size(); ++i) {
    gated.push_back(x[i] * s[i]);
    scaled.push_back(m[i / 4] * x[i]);
    square.push_back(x[i] * x[i]);
    ratio.push_back(x[i] / s[i]);
  }
  // The reciprocal table's bound is its worst case near 0 (1 / s is steep there); s here stays
  // away from 0, and so does the error.
  check_end_to_end(b, input, {{gated, 0.05}, {scaled, 0.1}, {square, 0.1}, {ratio, 200, 0.3}});
}

TEST(ImportedBinaryOperators, ConcatOfSeveralActivations) {
  Operands o(63);
  auto& [b, x, s, m, input] = o;
  set_attr(b.output("channels").node("Concat", {"x", "s", "x"}, {"channels"}), "axis", int64_t{1});
  const std::vector<float> c = {0.5f, -0.25f, 0.125f, 1.0f, -1.0f, 0.75f};
  b.initializer("c", {1, 2, 3, 1}, c);
  set_attr(b.output("columns").node("Concat", {"m", "c", "x"}, {"columns"}), "axis", int64_t{-1});
  std::vector<double> channels(x), columns;
  channels.insert(channels.end(), s.begin(), s.end());
  channels.insert(channels.end(), x.begin(), x.end());
  for (size_t r = 0; r < 6; ++r) {
    columns.push_back(m[r]);
    columns.push_back(c[r]);
    for (size_t j = 0; j < 4; ++j) columns.push_back(x[r * 4 + j]);
  }
  check_end_to_end(b, input, {{channels, 0.03}, {columns, 0.05}});
}

TEST(ImportedBinaryOperators, LogSoftmaxOverAnyAxis) {
  for (int64_t axis : {-1, 1}) {
    ModelBuilder b(13, 8);
    std::vector<double> x;
    const model::FloatTensor input = start(b, {2, 3, 4}, 64 + static_cast<uint64_t>(axis), 2.0, x);
    set_attr(b.output("y").node("LogSoftmax", {"x"}, {"y"}), "axis", axis);
    std::vector<double> y(24);
    for (size_t n = 0; n < 2; ++n) {
      const size_t groups = axis == 1 ? 4 : 3, members = axis == 1 ? 3 : 4;
      for (size_t g = 0; g < groups; ++g) {
        auto at = [&](size_t k) { return axis == 1 ? n * 12 + k * 4 + g : n * 12 + g * 4 + k; };
        double top = x[at(0)], sum = 0;
        for (size_t k = 0; k < members; ++k) top = std::max(top, x[at(k)]);
        for (size_t k = 0; k < members; ++k) sum += std::exp(x[at(k)] - top);
        for (size_t k = 0; k < members; ++k) y[at(k)] = x[at(k)] - top - std::log(sum);
      }
    }
    check_end_to_end(b, input, {{y, 0.15}});
  }
}

TEST(ImportedBinaryOperators, MaxMinAndPRelu) {
  Operands o(65);
  auto& [b, x, s, m, input] = o;
  b.output("larger").node("Max", {"x", "s"}, {"larger"});
  b.output("smaller").node("Min", {"m", "x", "s"}, {"smaller"});
  b.initializer("floor", {}, {0.25f});
  b.output("clipped").node("Max", {"x", "floor"}, {"clipped"});  // a constant scalar: a clip
  const std::vector<float> ceiling = {0.5f, -0.25f, 1.0f, 0.0f};
  b.initializer("ceiling", {4}, ceiling);
  b.output("capped").node("Min", {"x", "ceiling"}, {"capped"});  // a constant tensor, broadcast
  b.initializer("slope", {2, 1, 1}, {0.25f, -0.5f});
  b.output("prelu").node("PRelu", {"x", "slope"}, {"prelu"});
  std::vector<double> larger, smaller, clipped, capped, prelu;
  for (size_t i = 0; i < x.size(); ++i) {
    larger.push_back(std::max(x[i], s[i]));
    smaller.push_back(std::min({m[i / 4], x[i], s[i]}));
    clipped.push_back(std::max(x[i], 0.25));
    capped.push_back(std::min(x[i], static_cast<double>(ceiling[i % 4])));
    prelu.push_back(x[i] >= 0 ? x[i] : (i < 12 ? 0.25 : -0.5) * x[i]);
  }
  check_end_to_end(b, input, {{larger, 0.07}, {smaller, 0.16}, {clipped, 0.03}, {capped, 0.07}, {prelu, 0.05}});
}

// Every value the prover states and every sumcheck message bears on the proof: changing any one
// is rejected, and a changed operand value of the Hadamard product fails its own check.
TEST(ImportedBinaryOperators, TamperedProofsAreRejected) {
  ModelBuilder b(13, 8);
  std::vector<double> x;
  const model::FloatTensor input = start(b, {1, 8}, 66, 1.5, x);
  b.node("Sigmoid", {"x"}, {"s"});
  b.node("Mul", {"x", "s"}, {"gated"});
  b.output("y").node("Add", {"gated", "x"}, {"y"});
  testing::Proved p = testing::prove(testing::quantized(b.bytes(), std::span(&input, 1)), input);
  ASSERT_TRUE(testing::verify(p, p.proof).ok());
  bool hadamard_check = false;
  for (size_t i = 0; i < p.proof.evals.size(); ++i) {
    GraphProof bad = p.proof;
    bad.evals[i] += QM31::one();
    Status s = testing::verify(p, bad);
    EXPECT_FALSE(s.ok()) << "stated value " << i;
    hadamard_check = hadamard_check || s.message().find("eq(z, r) a~(r) b~(r) does not close the sumcheck") != std::string::npos;
  }
  EXPECT_TRUE(hadamard_check) << "no changed value failed the Hadamard product's check";
  for (size_t k = 0; k < p.proof.sumchecks.size(); ++k) {
    for (size_t r = 0; r < p.proof.sumchecks[k].rounds.size(); ++r) {
      GraphProof bad = p.proof;
      bad.sumchecks[k].rounds[r][0] += QM31::one();
      EXPECT_FALSE(testing::verify(p, bad).ok()) << "sumcheck " << k << " round " << r;
    }
  }
}

}  // namespace
}  // namespace zkcc::proof::testing
