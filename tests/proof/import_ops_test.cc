// The ONNX operators that are lowered onto the existing layers, end to end: a small model built
// through the ONNX protobuf API is imported, calibrated on its input, quantized and run; every
// output must lie within the error bound quantization states of a float reference computed here
// (independently of the importer), that bound must be small, and the proof of the run must verify
// while a changed output is rejected.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <optional>

#include "end_to_end_util.h"

namespace zkcc::proof {
namespace {

using model::Shape;
using model::testing::ModelBuilder;
using model::testing::set_attr;
using testing::check_end_to_end;
using testing::Expected;
using testing::map;
using testing::moved;
using testing::start;
using testing::unary;

TEST(ImportedOperators, FunctionsAsTables) {
  ModelBuilder b(18, 8);
  std::vector<double> x;
  const model::FloatTensor input = start(b, {2, 8}, 41, 2.0, x);
  std::vector<Expected> want;
  auto add = [&](const std::string& op, const std::function<double(double)>& f, double tolerance) -> onnx::NodeProto& {
    want.push_back({map(x, f), tolerance});
    return unary(b, op, "y" + std::to_string(want.size()));
  };
  set_attr(add("LeakyRelu", [](double v) { return v < 0 ? 0.1 * v : v; }, 0.02), "alpha", 0.1f);
  set_attr(add("Elu", [](double v) { return v < 0 ? 0.5 * (std::exp(v) - 1) : v; }, 0.02), "alpha", 0.5f);
  add("Selu", [](double v) { return 1.0507009873554805 * (v <= 0 ? 1.6732632423543772 * (std::exp(v) - 1) : v); }, 0.03);
  set_attr(add("Celu", [](double v) { return std::max(0.0, v) + std::min(0.0, 2 * (std::exp(v / 2) - 1)); }, 0.02),
           "alpha", 2.0f);
  add("HardSigmoid", [](double v) { return std::clamp(0.2 * v + 0.5, 0.0, 1.0); }, 0.01);
  add("HardSwish", [](double v) { return v * std::clamp(v / 6 + 0.5, 0.0, 1.0); }, 0.02);
  add("Softplus", [](double v) { return std::log(1 + std::exp(v)); }, 0.02);
  add("Softsign", [](double v) { return v / (1 + std::abs(v)); }, 0.02);
  add("Mish", [](double v) { return v * std::tanh(std::log(1 + std::exp(v))); }, 0.03);
  add("Erf", [](double v) { return std::erf(v); }, 0.02);
  add("Exp", [](double v) { return std::exp(v); }, 0.1);
  add("Abs", [](double v) { return std::abs(v); }, 0.02);
  add("Neg", [](double v) { return -v; }, 0.02);
  add("Sign", [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }, 1.0);
  add("Floor", [](double v) { return std::floor(v); }, 1.0);
  add("Ceil", [](double v) { return std::ceil(v); }, 1.0);
  add("Round", [](double v) { return std::nearbyint(v); }, 1.0);
  // Clip's bounds as inputs (opset 11 on), one of them absent.
  b.initializer("lo", {}, {-0.5f}).initializer("hi", {}, {1.0f});
  want.push_back({map(x, [](double v) { return std::clamp(v, -0.5, 1.0); }), 0.02});
  b.output("clip").node("Clip", {"x", "lo", "hi"}, {"clip"});
  want.push_back({map(x, [](double v) { return std::max(v, -0.5); }), 0.02});
  b.output("clip_lo").node("Clip", {"x", "lo"}, {"clip_lo"});
  b.initializer("two", {}, {2.0f}).initializer("three", {}, {3.0f});
  want.push_back({map(x, [](double v) { return v * v; }), 0.1});
  b.output("square").node("Pow", {"x", "two"}, {"square"});
  want.push_back({map(x, [](double v) { return v * v * v; }), 0.2});
  b.output("cube").node("Pow", {"x", "three"}, {"cube"});
  check_end_to_end(b, input, want);
}

// Log, Sqrt, Reciprocal and fractional or negative powers: tables over the positive inputs, and
// a run outside them refused by the table.
TEST(ImportedOperators, FunctionsDefinedOnPositiveInputs) {
  ModelBuilder b(18, 8);
  std::vector<double> x;
  model::FloatTensor input = start(b, {2, 8}, 42, 1.25, x);
  for (double& v : input.data) v += 1.75;  // [0.5, 3], then the bias within 0.1
  for (double& v : x) v += 1.75;
  // The bounds hold for any input within the calibrated range, down to the table's least entry
  // (one step above 0), where these functions are steep: loose here, where x >= 0.4.
  std::vector<Expected> want;
  want.push_back({map(x, [](double v) { return std::log(v); }), 1.0, 0.05});
  unary(b, "Log", "log");
  want.push_back({map(x, [](double v) { return std::sqrt(v); }), 0.25, 0.03});
  unary(b, "Sqrt", "sqrt");
  want.push_back({map(x, [](double v) { return 1 / v; }), 25, 0.1});
  unary(b, "Reciprocal", "reciprocal");
  b.initializer("half", {}, {0.5f}).initializer("minus_one", {}, {-1.0f});
  want.push_back({map(x, [](double v) { return std::sqrt(v); }), 0.25, 0.03});
  b.output("root").node("Pow", {"x", "half"}, {"root"});
  want.push_back({map(x, [](double v) { return 1 / v; }), 25, 0.1});
  b.output("inverse").node("Pow", {"x", "minus_one"}, {"inverse"});
  check_end_to_end(b, input, want);

  // Calibrated on positive inputs, run on a negative one: the log table has no entry for it.
  model::QuantizedGraph q = testing::quantized(b.bytes(), std::span<const model::FloatTensor>(&input, 1));
  model::FloatTensor negative = input;
  negative.data[3] = -1.0;
  auto run = model::run_quantized(q, negative);
  ASSERT_FALSE(run.ok());
  EXPECT_NE(run.status().message().find("log table has no entry for"), std::string::npos) << run.status().to_string();
}

// A table must be finite on the whole calibrated range: e^x for |x| <= 1000 is not.
TEST(ImportedOperators, FunctionsBeyondTheDoubleRangeAreRefused) {
  ModelBuilder b(13, 8);
  b.input("x", {1, 4}).output("y");
  b.node("Exp", {"x"}, {"y"}, "exp");
  auto g = model::import_onnx(b.bytes());
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto q = model::quantize(*g, model::interval_calibration(*g, 1000.0));
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(q.status().message().find("node 'exp' (Exp): exp is not finite on the calibrated input range [-1000"),
            std::string::npos)
      << q.status().to_string();
}

TEST(ImportedOperators, ArithmeticWithAConstant) {
  ModelBuilder b(13, 8);
  std::vector<double> x;
  const model::FloatTensor input = start(b, {2, 4}, 43, 1.5, x);
  const std::vector<float> c = {0.5f, -1.25f, 2.0f, 0.75f};
  b.initializer("c", {4}, c).initializer("k", {}, {2.5f}).initializer("m", {}, {-0.5f}).initializer("four", {}, {4.0f});
  auto each = [&](const std::function<double(double, double)>& f) {
    std::vector<double> y;
    for (size_t i = 0; i < x.size(); ++i) y.push_back(f(x[i], c[i % 4]));
    return y;
  };
  std::vector<Expected> want;
  want.push_back({each([](double v, double k) { return v - k; }), 0.02});
  b.output("x_minus_c").node("Sub", {"x", "c"}, {"x_minus_c"});
  want.push_back({map(x, [](double v) { return 2.5 - v; }), 0.02});
  b.output("k_minus_x").node("Sub", {"k", "x"}, {"k_minus_x"});
  want.push_back({map(x, [](double v) { return v * 2.5; }), 0.03});
  b.output("times_k").node("Mul", {"x", "k"}, {"times_k"});
  want.push_back({map(x, [](double v) { return -0.5 * v; }), 0.01});
  b.output("times_m").node("Mul", {"m", "x"}, {"times_m"});
  want.push_back({each([](double v, double k) { return v * k; }), 0.05});
  b.output("times_c").node("Mul", {"x", "c"}, {"times_c"});
  want.push_back({each([](double v, double k) { return v / k; }), 0.05});
  b.output("over_c").node("Div", {"x", "c"}, {"over_c"});
  want.push_back({map(x, [](double v) { return v / 4; }), 0.01});
  b.output("over_four").node("Div", {"x", "four"}, {"over_four"});
  check_end_to_end(b, input, want);

  // A positive scalar changes the scale only; a constant vector is a product with public int8 constants.
  model::QuantizedGraph q = testing::quantized(b.bytes(), std::span<const model::FloatTensor>(&input, 1));
  EXPECT_TRUE(std::holds_alternative<model::ReshapeLayer>(q.layers[q.outputs[2] - 1].op));
  const auto* product = std::get_if<model::MulConstLayer>(&q.layers[q.outputs[4] - 1].op);
  ASSERT_NE(product, nullptr);
  EXPECT_EQ(product->constant.data[2], 127);  // c's largest element

  ModelBuilder divided(13, 8);
  divided.input("x", {2, 4}).output("y").initializer("c", {4}, c);
  divided.node("Div", {"c", "x"}, {"y"}, "inverse");
  EXPECT_EQ(model::import_onnx(divided.bytes()).status().message(),
            "node 'inverse' (Div): a constant divided by an activation; only an activation divided by a constant is "
            "supported");
  ModelBuilder zero(13, 8);
  zero.input("x", {2, 4}).output("y").initializer("c", {4}, {1, 0, 2, 3});
  zero.node("Div", {"x", "c"}, {"y"}, "by_zero");
  EXPECT_EQ(model::import_onnx(zero.bytes()).status().message(), "node 'by_zero' (Div): the divisor has a zero element");
}

TEST(ImportedOperators, BatchNormalization) {
  ModelBuilder b(15, 8);
  b.input("x", {1, 3, 4, 4});
  model::FloatTensor x = model::testing::float_tensor({1, 3, 4, 4}, 44, 1.0);
  const std::vector<float> scale = {1.5f, -0.5f, 0.8f}, bias = {0.1f, 0.2f, -0.3f}, mean = {0.05f, -0.1f, 0.2f},
                           var = {0.5f, 1.2f, 0.9f};
  b.initializer("scale", {3}, scale).initializer("bias", {3}, bias).initializer("mean", {3}, mean).initializer("var", {3}, var);
  auto bn = [&](double v, size_t ch) { return (v - mean[ch]) / std::sqrt(var[ch] + 1e-5) * scale[ch] + bias[ch]; };
  // A 1x1 convolution followed by a normalization it absorbs.
  const std::vector<float> w = {0.5f, -0.25f, 0.75f, 0.3f, 0.6f, -0.4f, -0.2f, 0.1f, 0.9f};
  b.initializer("w", {3, 3, 1, 1}, w);
  b.node("Conv", {"x", "w"}, {"conv"});
  b.output("folded").node("BatchNormalization", {"conv", "scale", "bias", "mean", "var"}, {"folded"});
  std::vector<double> conv(48), folded(48), shifted(48);
  for (size_t m = 0; m < 3; ++m) {
    for (size_t p = 0; p < 16; ++p) {
      double s = 0;
      for (size_t c = 0; c < 3; ++c) s += w[m * 3 + c] * x.data[c * 16 + p];
      folded[m * 16 + p] = bn(s, m);
      shifted[m * 16 + p] = bn(x.data[m * 16 + p], m);
    }
  }
  // On the input itself there is no product to fold into: a scale and a shift.
  b.output("alone").node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"alone"});
  check_end_to_end(b, x, {{folded, 0.1}, {shifted, 0.05}});

  auto g = model::import_onnx(b.bytes());
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  ASSERT_EQ(g->nodes.size(), 3u);  // the folded Conv, then the scale and the shift
  EXPECT_EQ(g->nodes[0].op_type, "Conv+BatchNormalization");
  EXPECT_TRUE(std::holds_alternative<model::MulConstOp>(g->nodes[1].op));
  EXPECT_TRUE(std::holds_alternative<model::AddConstOp>(g->nodes[2].op));

  // A Gemm, whose columns are the channels, absorbs it too; not when its output is read elsewhere.
  for (bool shared : {false, true}) {
    ModelBuilder dense(15, 8);
    dense.input("x", {2, 6});
    const model::FloatTensor x2 = model::testing::float_tensor({2, 6}, 46, 1.0);
    const std::vector<float> wd = model::testing::uniform(18, 47, 0.5f), bd = model::testing::uniform(3, 48, 0.1f);
    dense.initializer("w", {6, 3}, wd).initializer("b", {3}, bd);
    dense.initializer("scale", {3}, scale).initializer("bias", {3}, bias).initializer("mean", {3}, mean).initializer("var", {3}, var);
    dense.node("Gemm", {"x", "w", "b"}, {"g"});
    dense.output("y").node("BatchNormalization", {"g", "scale", "bias", "mean", "var"}, {"y"});
    std::vector<double> gemm(6), normalized(6);
    for (size_t r = 0; r < 2; ++r) {
      for (size_t j = 0; j < 3; ++j) {
        double s = bd[j];
        for (size_t k = 0; k < 6; ++k) s += x2.data[r * 6 + k] * wd[k * 3 + j];
        gemm[r * 3 + j] = s;
        normalized[r * 3 + j] = bn(s, j);
      }
    }
    std::vector<Expected> expected = {{normalized, 0.1}};
    if (shared) {
      dense.output("g");
      expected.push_back({gemm, 0.1});
    }
    check_end_to_end(dense, x2, expected, !shared);  // the unfolded form's layers are proved above
    auto imported = model::import_onnx(dense.bytes());
    ASSERT_TRUE(imported.ok()) << imported.status().to_string();
    ASSERT_EQ(imported->nodes.size(), shared ? 3u : 1u);
    EXPECT_EQ(imported->nodes[0].op_type, shared ? "Gemm" : "Gemm+BatchNormalization");
  }

  ModelBuilder training(15, 8);
  training.input("x", {1, 3, 4, 4}).output("y");
  training.initializer("scale", {3}, scale).initializer("bias", {3}, bias).initializer("mean", {3}, mean).initializer("var", {3}, var);
  set_attr(training.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn"), "training_mode", int64_t{1});
  EXPECT_EQ(model::import_onnx(training.bytes()).status().message(),
            "node 'bn' (BatchNormalization): training_mode 1; only inference is supported");
}

// Softmax over a middle axis: from opset 13 over that axis alone (moved last by a gather and
// back), before it over the flattened block of the trailing axes from it.
TEST(ImportedOperators, SoftmaxOverAnyAxis) {
  for (int64_t opset : {13, 11}) {
    ModelBuilder b(opset, opset == 13 ? 8 : 6);
    std::vector<double> x;
    const model::FloatTensor input = start(b, {2, 3, 4}, 49, 2.0, x);
    set_attr(b.output("y").node("Softmax", {"x"}, {"y"}), "axis", int64_t{1});
    std::vector<double> y(24);
    for (size_t n = 0; n < 2; ++n) {
      // Opset 13: each (n, w) over h; before: each n over all of (h, w).
      const size_t groups = opset == 13 ? 4 : 1, members = opset == 13 ? 3 : 12;
      for (size_t g = 0; g < groups; ++g) {
        auto at = [&](size_t m) { return n * 12 + (opset == 13 ? m * 4 + g : m); };
        double sum = 0;
        for (size_t m = 0; m < members; ++m) sum += std::exp(x[at(m)]);
        for (size_t m = 0; m < members; ++m) y[at(m)] = std::exp(x[at(m)]) / sum;
      }
    }
    check_end_to_end(b, input, {{y, 0.02}}, opset == 13);  // before 13: reshapes around the same softmax
  }
}

TEST(ImportedOperators, DataMovementAndReductions) {
  ModelBuilder b(13, 8);
  const Shape xs = {1, 2, 3, 4};
  std::vector<double> x;
  const model::FloatTensor input = start(b, xs, 45, 1.0, x);
  std::vector<Expected> want;
  const double exact = 2.0 / 254;  // the rounding of the input and of the bias (range / (2 qmax) each), no more
  auto moves = [&](const Shape& ys, const std::function<std::optional<std::vector<size_t>>(const std::vector<size_t>&)>& f) {
    want.push_back({moved(x, xs, ys, f), exact});
  };
  using Idx = std::vector<size_t>;
  set_attr(b.output("transposed").node("Transpose", {"x"}, {"transposed"}), "perm", std::vector<int64_t>{0, 3, 1, 2});
  moves({1, 4, 2, 3}, [](const Idx& i) { return Idx{0, i[2], i[3], i[1]}; });
  b.int_initializer("s_start", {1}, {1}).int_initializer("s_end", {1}, {4}).int_initializer("s_axis", {1}, {3});
  b.int_initializer("s_step", {1}, {2});
  b.output("sliced").node("Slice", {"x", "s_start", "s_end", "s_axis", "s_step"}, {"sliced"});
  moves({1, 2, 3, 2}, [](const Idx& i) { return Idx{0, i[1], i[2], 1 + 2 * i[3]}; });
  b.int_initializer("pads", {8}, {0, 0, 1, 0, 0, 0, 0, 2});
  b.output("padded").node("Pad", {"x", "pads"}, {"padded"});
  moves({1, 2, 4, 6}, [](const Idx& i) -> std::optional<Idx> {
    if (i[2] == 0 || i[3] >= 4) return std::nullopt;
    return Idx{0, i[1], i[2] - 1, i[3]};
  });
  b.int_initializer("r_pads", {8}, {0, 0, 0, 1, 0, 0, 0, 1});
  set_attr(b.output("reflected").node("Pad", {"x", "r_pads"}, {"reflected"}), "mode", std::string("reflect"));
  moves({1, 2, 3, 6}, [](const Idx& i) { return Idx{0, i[1], i[2], i[3] == 0 ? 1 : i[3] == 5 ? 2 : i[3] - 1}; });
  b.int_initializer("sizes", {2}, {1, 2});
  set_attr(b.output("first").output("rest").node("Split", {"x", "sizes"}, {"first", "rest"}), "axis", int64_t{2});
  moves({1, 2, 1, 4}, [](const Idx& i) { return Idx{0, i[1], 0, i[3]}; });
  moves({1, 2, 2, 4}, [](const Idx& i) { return Idx{0, i[1], i[2] + 1, i[3]}; });
  b.int_initializer("repeats", {4}, {1, 1, 1, 2});
  b.output("tiled").node("Tile", {"x", "repeats"}, {"tiled"});
  moves({1, 2, 3, 8}, [](const Idx& i) { return Idx{0, i[1], i[2], i[3] % 4}; });
  b.int_initializer("axis0", {1}, {0});
  b.output("squeezed").node("Squeeze", {"x", "axis0"}, {"squeezed"});
  moves({2, 3, 4}, [](const Idx& i) { return Idx{0, i[0], i[1], i[2]}; });
  b.int_initializer("picks", {2}, {3, 0});
  set_attr(b.output("picked").node("Gather", {"x", "picks"}, {"picked"}), "axis", int64_t{3});
  moves({1, 2, 3, 2}, [](const Idx& i) { return Idx{0, i[1], i[2], i[3] == 0 ? size_t{3} : size_t{0}}; });
  b.int_initializer("to", {4}, {2, 2, 3, 4});
  b.output("expanded").node("Expand", {"x", "to"}, {"expanded"});
  moves({2, 2, 3, 4}, [](const Idx& i) { return Idx{0, i[1], i[2], i[3]}; });
  // Constants beside the activation: a padding value, and a concatenated [1, 2, 3, 1] block.
  b.int_initializer("v_pads", {8}, {0, 0, 0, 0, 0, 0, 0, 1}).initializer("value", {}, {1.5f});
  b.output("valued").node("Pad", {"x", "v_pads", "value"}, {"valued"});
  moves({1, 2, 3, 5}, [](const Idx& i) -> std::optional<Idx> {
    if (i[3] == 4) return std::nullopt;
    return Idx{0, i[1], i[2], i[3]};
  });
  for (size_t i = 4; i < want.back().values.size(); i += 5) want.back().values[i] = 1.5;
  want.back().tolerance = 3.0 / 254;  // the value's rounding in x's scale too
  const std::vector<float> cls = {0.25f, -0.5f, 0.75f, 0.1f, -0.2f, 0.3f};
  b.initializer("cls", {1, 2, 3, 1}, cls);
  set_attr(b.output("joined").node("Concat", {"cls", "x"}, {"joined"}), "axis", int64_t{3});
  moves({1, 2, 3, 5}, [](const Idx& i) -> std::optional<Idx> {
    if (i[3] == 0) return std::nullopt;
    return Idx{0, i[1], i[2], i[3] - 1};
  });
  for (size_t r = 0; r < 6; ++r) want.back().values[r * 5] = cls[r];
  want.back().tolerance = 3.0 / 254;
  set_attr(b.output("twice").node("Concat", {"x", "x"}, {"twice"}), "axis", int64_t{1});
  moves({1, 4, 3, 4}, [](const Idx& i) { return Idx{0, i[1] % 2, i[2], i[3]}; });
  // Sums over the last axis; a mean over the middle two (moved behind the kept ones first).
  b.int_initializer("last", {1}, {3});
  b.output("row_sums").node("ReduceSum", {"x", "last"}, {"row_sums"});
  std::vector<double> sums, means;
  for (size_t r = 0; r < 6; ++r) {
    double s = 0;
    for (size_t j = 0; j < 4; ++j) s += x[r * 4 + j];
    sums.push_back(s);
  }
  want.push_back({sums, 4 * exact});
  auto& mean = b.output("means").node("ReduceMean", {"x"}, {"means"});
  set_attr(mean, "axes", std::vector<int64_t>{1, 2});
  set_attr(mean, "keepdims", int64_t{0});
  for (size_t k = 0; k < 4; ++k) {
    double s = 0;
    for (size_t r = 0; r < 6; ++r) s += x[r * 4 + k];
    means.push_back(s / 6);
  }
  want.push_back({means, exact});
  // The largest of each row, and the least over the channels (axis 1, moved last first).
  set_attr(b.output("row_max").node("ReduceMax", {"x"}, {"row_max"}), "axes", std::vector<int64_t>{3});
  std::vector<double> maxima, minima;
  for (size_t r = 0; r < 6; ++r) maxima.push_back(*std::max_element(x.begin() + static_cast<std::ptrdiff_t>(r * 4),
                                                                     x.begin() + static_cast<std::ptrdiff_t>(r * 4 + 4)));
  const double requantized = 4.0 / 254;  // x + bias requantized into [-qmax, qmax] before the row maxima
  want.push_back({maxima, requantized});
  auto& least = b.output("channel_min").node("ReduceMin", {"x"}, {"channel_min"});
  set_attr(least, "axes", std::vector<int64_t>{1});
  set_attr(least, "keepdims", int64_t{0});
  for (size_t p = 0; p < 12; ++p) minima.push_back(std::min(x[p], x[12 + p]));
  want.push_back({minima, requantized});
  check_end_to_end(b, input, want);

  ModelBuilder far(13, 8);
  far.input("x", {1, 4}).output("y").int_initializer("pads", {4}, {0, 0, 0, int64_t{1} << 40});
  far.node("Pad", {"x", "pads"}, {"y"}, "pad");
  EXPECT_EQ(model::import_onnx(far.bytes()).status().message(), "node 'pad' (Pad): a pad lies outside [-2^24, 2^24]");
  ModelBuilder split(13, 8);
  split.input("x", {1, 4}).output("a").output("b").int_initializer("sizes", {2}, {INT64_MAX, 1});
  set_attr(split.node("Split", {"x", "sizes"}, {"a", "b"}, "split"), "axis", int64_t{1});
  EXPECT_EQ(model::import_onnx(split.bytes()).status().message(),
            "node 'split' (Split): a split part of size 9223372036854775807 exceeds the axis (4)");
}

}  // namespace
}  // namespace zkcc::proof
