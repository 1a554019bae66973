#include "zkcc/model/quantize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "onnx_builder.h"
#include "test_util.h"
#include "zkcc/field/m31.h"
#include "zkcc/model/float_run.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/run.h"

namespace zkcc::model {
namespace {

using testing::float_tensor;
using testing::ModelBuilder;
using testing::set_attr;
using testing::uniform;

std::vector<FloatTensor> inputs(const Shape& shape, size_t n, uint64_t seed, double scale = 1.0) {
  std::vector<FloatTensor> v;
  for (size_t i = 0; i < n; ++i) v.push_back(float_tensor(shape, seed + i, scale));
  return v;
}

// Every trace value has its value's shape, stays within its bound, and so reads back unchanged
// from M31.
void expect_trace_fits(const QuantizedGraph& q, const Trace& t) {
  ASSERT_EQ(t.values.size(), q.layers.size() + 1);
  for (size_t v = 0; v < t.values.size(); ++v) {
    ASSERT_EQ(t.values[v].shape, q.values[v].shape) << q.values[v].name;
    ASSERT_LE(q.values[v].bound, kM31HalfRange);
    for (int64_t x : t.values[v].data) {
      ASSERT_LE(std::abs(x), q.values[v].bound) << q.values[v].name;
      ASSERT_EQ(field::M31::from_i64(x).to_signed(), x);
    }
  }
}

struct Agreement {
  QuantizedGraph graph;
  double max_error = 0;  // largest |quantized - reference| seen
  double bound = 0;      // the largest output error bound
  double range = 0;      // the largest |reference output|
};

// Imports, calibrates on `set`, quantizes and runs every input of the set both ways: each output
// element must lie within its value's error bound of the reference.
Agreement agree(const ModelBuilder& b, const std::vector<FloatTensor>& set, QuantConfig config = {}) {
  Agreement a;
  auto g = import_onnx(b.bytes());
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  if (!g.ok()) return a;
  auto cal = calibrate(*g, set);
  EXPECT_TRUE(cal.ok()) << cal.status().to_string();
  if (!cal.ok()) return a;
  auto q = quantize(*g, *cal, config);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  if (!q.ok()) return a;
  a.graph = *q;
  for (size_t o : q->outputs) a.bound = std::max(a.bound, q->values[o].error);
  for (const FloatTensor& x : set) {
    auto ref = run_float(*g, x);
    auto run = run_quantized(*q, x);
    EXPECT_TRUE(ref.ok() && run.ok());
    if (!ref.ok() || !run.ok()) return a;
    expect_trace_fits(*q, run->trace);
    auto want = float_outputs(*g, *ref);
    for (size_t o = 0; o < want.size(); ++o) {
      const double bound = q->values[q->outputs[o]].error;
      for (size_t i = 0; i < want[o].data.size(); ++i) {
        const double err = std::abs(run->outputs[o].data[i] - want[o].data[i]);
        EXPECT_LE(err, bound + 1e-9) << "output " << o << " element " << i;
        a.max_error = std::max(a.max_error, err);
        a.range = std::max(a.range, std::abs(want[o].data[i]));
      }
    }
  }
  return a;
}

// The bound is sound (checked in agree) and the actual error small against the output's range.
void expect_accurate(const Agreement& a, double max_relative_error, double max_relative_bound) {
  ASSERT_GT(a.range, 0);
  EXPECT_LE(a.max_error, max_relative_error * a.range) << "max error " << a.max_error << " range " << a.range;
  EXPECT_LE(a.bound, max_relative_bound * a.range) << "bound " << a.bound << " range " << a.range;
}

TEST(Quantize, GemmWithBias) {
  ModelBuilder b;
  b.input("x", {1, 16}).output("y");
  b.initializer("w", {8, 16}, uniform(128, 1)).initializer("c", {8}, uniform(8, 2));
  set_attr(b.node("Gemm", {"x", "w", "c"}, {"y"}, "fc"), "transB", int64_t{1});
  Agreement a = agree(b, inputs({1, 16}, 16, 100));
  expect_accurate(a, 0.03, 0.25);
  ASSERT_EQ(a.graph.layers.size(), 1u);
  const auto& mm = std::get<MatMulLayer>(a.graph.layers[0].op);
  EXPECT_EQ(mm.weight.shape, (Shape{16, 8}));
  EXPECT_EQ(mm.bias.size(), 8u);
  int64_t wmax = 0;
  for (int64_t w : mm.weight.data) wmax = std::max(wmax, std::abs(w));
  EXPECT_EQ(wmax, 127);  // symmetric int8, the largest weight at full scale
  EXPECT_EQ(a.graph.layers[0].node, "fc");
}

TEST(Quantize, MlpWithRelu) {
  ModelBuilder b;
  b.input("x", {1, 32}).output("y");
  b.initializer("w1", {32, 24}, uniform(768, 3)).initializer("b1", {24}, uniform(24, 4, 0.1f));
  b.initializer("w2", {24, 10}, uniform(240, 5)).initializer("b2", {10}, uniform(10, 6, 0.1f));
  b.node("Gemm", {"x", "w1", "b1"}, {"h"});
  b.node("Relu", {"h"}, {"r"});
  b.node("Gemm", {"r", "w2", "b2"}, {"y"});
  Agreement a = agree(b, inputs({1, 32}, 32, 200));
  expect_accurate(a, 0.05, 0.5);
  // Product, requantization, Relu table, product.
  std::vector<std::string> kinds;
  for (const Layer& l : a.graph.layers) kinds.push_back(layer_kind_name(l.op));
  EXPECT_EQ(kinds, (std::vector<std::string>{"MatMul", "Requant", "Lookup", "MatMul"}));
}

TEST(Quantize, MatMulOverBatchAndAddConstant) {
  ModelBuilder b;
  b.input("x", {2, 3, 8}).output("y");
  b.initializer("w", {8, 4}, uniform(32, 7)).initializer("c", {4}, {0.5f, -0.25f, 1, 0});
  b.node("MatMul", {"x", "w"}, {"p"});
  b.node("Add", {"p", "c"}, {"y"});
  Agreement a = agree(b, inputs({2, 3, 8}, 8, 300));
  expect_accurate(a, 0.03, 0.25);
  EXPECT_TRUE(std::holds_alternative<AddConstLayer>(a.graph.layers.back().op));  // in the accumulator's scale
}

TEST(Quantize, ReshapeFlattenAndTransposedGemm) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y");
  b.int_initializer("shape", {2}, {6, 4});
  b.initializer("w", {6, 5}, uniform(30, 17)).initializer("c", {4, 5}, uniform(20, 18));
  b.node("Reshape", {"x", "shape"}, {"r"});                            // [6, 4]
  set_attr(b.node("Gemm", {"r", "w", "c"}, {"g"}), "transA", int64_t{1});  // [4, 6] x [6, 5] + c [4, 5]
  set_attr(b.node("Flatten", {"g"}, {"y"}), "axis", int64_t{0});        // [1, 20]
  Agreement a = agree(b, inputs({2, 3, 4}, 8, 1300));
  expect_accurate(a, 0.03, 0.25);
  std::vector<std::string> kinds;
  for (const Layer& l : a.graph.layers) kinds.push_back(layer_kind_name(l.op));
  EXPECT_EQ(kinds, (std::vector<std::string>{"Reshape", "Gather", "MatMul", "AddConst", "Reshape"}));
}

TEST(Quantize, Activations) {
  for (const char* op : {"Relu", "Sigmoid", "Tanh"}) {
    ModelBuilder b;
    b.input("x", {4, 8}).output("y");
    b.node(op, {"x"}, {"y"});
    Agreement a = agree(b, inputs({4, 8}, 8, 400, 3.0));
    expect_accurate(a, 0.02, 0.05);
  }
  ModelBuilder gelu(20, 9);
  gelu.input("x", {4, 8}).output("y");
  gelu.node("Gelu", {"x"}, {"y"});
  expect_accurate(agree(gelu, inputs({4, 8}, 8, 500, 3.0)), 0.02, 0.05);
  ModelBuilder gelu_tanh(20, 9);
  gelu_tanh.input("x", {4, 8}).output("y");
  set_attr(gelu_tanh.node("Gelu", {"x"}, {"y"}), "approximate", std::string("tanh"));
  expect_accurate(agree(gelu_tanh, inputs({4, 8}, 8, 500, 3.0)), 0.02, 0.05);
}

TEST(Quantize, SoftmaxRowsSumToOne) {
  ModelBuilder b;
  b.input("x", {3, 10}).output("y");
  b.node("Softmax", {"x"}, {"y"});
  auto set = inputs({3, 10}, 8, 600, 4.0);
  Agreement a = agree(b, set);
  EXPECT_LE(a.max_error, 0.02);
  EXPECT_LE(a.bound, 0.1);
  auto run = run_quantized(a.graph, set[0]);
  ASSERT_TRUE(run.ok());
  for (size_t r = 0; r < 3; ++r) {
    double sum = 0;
    for (size_t c = 0; c < 10; ++c) sum += run->outputs[0].data[r * 10 + c];
    EXPECT_NEAR(sum, 1.0, 10 * 0.5 / 127);
  }
  std::vector<std::string> kinds;
  for (const Layer& l : a.graph.layers) kinds.push_back(layer_kind_name(l.op));
  EXPECT_EQ(kinds, (std::vector<std::string>{"RowMax", "RowSub", "Lookup", "RowSum", "RowDiv"}));
}

// Two activations meet in one scale: coefficients 2^k where the scales are powers of two apart
// (exact), rounded integers otherwise (their rounding in the error bound agree() checks).
TEST(Quantize, TwoActivationsMeetInOneScale) {
  ModelBuilder b;
  b.input("x", {1, 8}).output("same").output("halved").output("apart").output("product");
  b.initializer("half", {}, {0.5f});
  b.node("Relu", {"x"}, {"r"});
  b.node("Mul", {"x", "half"}, {"h"});  // x in scale s / 2, no layer
  b.node("Sigmoid", {"x"}, {"g"});      // scale 1 / qmax
  b.node("Add", {"x", "r"}, {"same"});
  b.node("Add", {"x", "h"}, {"halved"});
  b.node("Sub", {"x", "g"}, {"apart"});
  b.node("Mul", {"x", "g"}, {"product"});
  Agreement a = agree(b, inputs({1, 8}, 16, 300, 2.0));
  expect_accurate(a, 0.03, 0.1);
  std::vector<std::vector<int64_t>> coefs;
  size_t products = 0;
  for (const Layer& l : a.graph.layers) {
    if (const auto* add = std::get_if<AddLayer>(&l.op)) coefs.push_back(add->coef);
    if (std::holds_alternative<MulLayer>(l.op)) ++products;
  }
  ASSERT_EQ(coefs.size(), 3u);
  EXPECT_EQ(coefs[0], (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(coefs[1], (std::vector<int64_t>{2, 1}));
  // x's scale 2 / 127 against 1 / 127 (a power of two after the requantization of x), or rounded.
  ASSERT_EQ(coefs[2].size(), 2u);
  EXPECT_GT(coefs[2][0], 0);
  EXPECT_LT(coefs[2][1], 0);
  EXPECT_EQ(products, 1u);
}

TEST(Quantize, ConvWithPaddingAndStride) {
  ModelBuilder b(11, 6);
  b.input("x", {1, 3, 8, 8}).output("y");
  b.initializer("w", {4, 3, 3, 3}, uniform(108, 8)).initializer("bias", {4}, uniform(4, 9, 0.2f));
  auto& n = b.node("Conv", {"x", "w", "bias"}, {"y"});
  set_attr(n, "strides", std::vector<int64_t>{2, 2});
  set_attr(n, "pads", std::vector<int64_t>{1, 1, 1, 1});
  Agreement a = agree(b, inputs({1, 3, 8, 8}, 6, 700));
  expect_accurate(a, 0.03, 0.3);
  std::vector<std::string> kinds;
  for (const Layer& l : a.graph.layers) kinds.push_back(layer_kind_name(l.op));
  EXPECT_EQ(kinds, (std::vector<std::string>{"Gather", "MatMul", "Gather"}));  // im2col, product, back to NCHW
  EXPECT_EQ(a.graph.values[1].shape, (Shape{16, 27}));
}

TEST(Quantize, Pools) {
  {
    ModelBuilder b(12, 7);
    b.input("x", {1, 2, 6, 6}).output("y");
    auto& n = b.node("MaxPool", {"x"}, {"y"});
    set_attr(n, "kernel_shape", std::vector<int64_t>{3, 3});
    set_attr(n, "strides", std::vector<int64_t>{2, 2});
    set_attr(n, "pads", std::vector<int64_t>{1, 1, 1, 1});
    Agreement a = agree(b, inputs({1, 2, 6, 6}, 4, 800));
    EXPECT_LE(a.max_error, a.graph.values[0].scale / 2 + 1e-12);  // max is exact on the quantized input
  }
  {
    ModelBuilder b(12, 7);
    b.input("x", {1, 2, 4, 4}).output("y");
    auto& n = b.node("AveragePool", {"x"}, {"y"});
    set_attr(n, "kernel_shape", std::vector<int64_t>{2, 2});
    set_attr(n, "strides", std::vector<int64_t>{2, 2});
    Agreement a = agree(b, inputs({1, 2, 4, 4}, 4, 900));
    expect_accurate(a, 0.02, 0.05);
    bool multiplies = false;
    for (const Layer& l : a.graph.layers) multiplies |= std::holds_alternative<MulConstLayer>(l.op);
    EXPECT_FALSE(multiplies);  // four taps everywhere: the mean is a shift
  }
  {
    ModelBuilder b(12, 7);
    b.input("x", {1, 2, 5, 5}).output("y");
    auto& n = b.node("AveragePool", {"x"}, {"y"});
    set_attr(n, "kernel_shape", std::vector<int64_t>{3, 3});
    set_attr(n, "pads", std::vector<int64_t>{1, 1, 1, 1});
    Agreement a = agree(b, inputs({1, 2, 5, 5}, 4, 1000));
    expect_accurate(a, 0.02, 0.05);
    bool multiplies = false;
    for (const Layer& l : a.graph.layers) multiplies |= std::holds_alternative<MulConstLayer>(l.op);
    EXPECT_TRUE(multiplies);  // 4, 6 or 9 taps: a multiplier per window
  }
}

TEST(Quantize, SmallCnn) {
  ModelBuilder b(13, 8);
  b.input("x", {1, 1, 8, 8}).output("y");
  b.initializer("w", {4, 1, 3, 3}, uniform(36, 11)).initializer("bias", {4}, uniform(4, 12, 0.1f));
  b.initializer("fc", {36, 10}, uniform(360, 13)).initializer("fcb", {10}, uniform(10, 14, 0.1f));
  b.node("Conv", {"x", "w", "bias"}, {"c"});
  b.node("Relu", {"c"}, {"r"});
  auto& mp = b.node("MaxPool", {"r"}, {"p"});
  set_attr(mp, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(mp, "strides", std::vector<int64_t>{2, 2});
  b.node("Flatten", {"p"}, {"f"});
  b.node("Gemm", {"f", "fc", "fcb"}, {"logits"});
  b.node("Softmax", {"logits"}, {"y"});
  Agreement a = agree(b, inputs({1, 1, 8, 8}, 8, 1100));
  EXPECT_LE(a.max_error, 0.05);
  EXPECT_LE(a.bound, 1.0);
}

TEST(Quantize, IntervalDefaultNeverClips) {
  ModelBuilder b;
  b.input("x", {1, 8}).output("y");
  b.initializer("w", {8, 4}, uniform(32, 15)).initializer("c", {4}, uniform(4, 16));
  b.node("Gemm", {"x", "w", "c"}, {"h"});
  b.node("Tanh", {"h"}, {"y"});
  auto g = import_onnx(b.bytes());
  ASSERT_TRUE(g.ok());
  QuantConfig config;
  auto q = quantize(*g, interval_calibration(*g, config.default_input_range), config);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  for (const FloatTensor& x : inputs({1, 8}, 50, 1200)) {  // anywhere in [-1, 1]
    auto ref = run_float(*g, x);
    auto run = run_quantized(*q, x);
    ASSERT_TRUE(ref.ok() && run.ok());
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_LE(std::abs(run->outputs[0].data[i] - float_outputs(*g, *ref)[0].data[i]), q->values[q->outputs[0]].error + 1e-9);
    }
  }
}

QuantConfig bits(unsigned b) {
  QuantConfig c;
  c.activation_bits = b;
  return c;
}

ModelBuilder wide_gemm(int64_t k, float w) {
  ModelBuilder b;
  b.input("x", {1, k}).output("y");
  b.initializer("w", {k, 1}, std::vector<float>(static_cast<size_t>(k), w));
  b.node("Gemm", {"x", "w"}, {"y"}, "big");
  return b;
}

TEST(Quantize, RefusesAccumulatorsThatCouldWrap) {
  // 127 * 127 * k against (p - 1)/2 = 1073741823: k = 66000 fits, k = 70000 does not.
  for (auto [k, fits] : {std::pair<int64_t, bool>{66000, true}, {70000, false}}) {
    auto g = import_onnx(wide_gemm(k, 0.5f).bytes());
    ASSERT_TRUE(g.ok());
    auto q = quantize(*g, interval_calibration(*g, 1.0));
    EXPECT_EQ(q.ok(), fits) << k;
    if (!fits) {
      EXPECT_EQ(q.status().code(), StatusCode::kOutOfRange);
      EXPECT_EQ(q.status().message(),
                "node 'big' (Gemm): accumulator of output column 0 is bounded by 1129030000 = sum|w_q| 8890000 over "
                "70000 inputs * max|x_q| 127, which may exceed (p-1)/2 = 1073741823 and wrap in M31");
    }
  }
  // Wider activations leave less room: 300 inputs fit at 8 bits, not at 16.
  auto g = import_onnx(wide_gemm(300, 0.5f).bytes());
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(quantize(*g, interval_calibration(*g, 1.0), bits(8)).ok());
  auto q16 = quantize(*g, interval_calibration(*g, 1.0), bits(16));
  EXPECT_EQ(q16.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(q16.status().message().find("max|x_q| 32767"), std::string::npos);
}

TEST(Quantize, RefusesBiasesBeyondTheAccumulator) {
  ModelBuilder b;
  b.input("x", {1, 2}).output("y");
  b.initializer("w", {2, 1}, {1, 1}).initializer("c", {1}, {1e6f});
  b.node("Gemm", {"x", "w", "c"}, {"y"}, "fc");
  auto g = import_onnx(b.bytes());
  ASSERT_TRUE(g.ok());
  auto q = quantize(*g, interval_calibration(*g, 1.0));
  EXPECT_EQ(q.status().code(), StatusCode::kOutOfRange);
  EXPECT_NE(q.status().message().find("node 'fc' (Gemm): bias element 0 quantizes to"), std::string::npos)
      << q.status().message();
}

TEST(Quantize, RefusesBadConfigAndCalibration) {
  auto g = import_onnx(wide_gemm(4, 0.5f).bytes());
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(quantize(*g, interval_calibration(*g, 1.0), bits(1)).status().message(),
            "activation_bits must lie in [2, 16], not 1");
  EXPECT_EQ(quantize(*g, Calibration{{1.0}}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(calibrate(*g, {}).status().message(), "calibration needs at least one input");
  std::vector<FloatTensor> wrong = {float_tensor({1, 5}, 1)};
  EXPECT_EQ(calibrate(*g, wrong).status().message(),
            "calibration input 0: input has shape [1, 5], the model takes [1, 4]");
}

TEST(Quantize, RefusesIntermediatesOverTheLimits) {
  // A 3x3 convolution's im2col holds nine times its input.
  ModelBuilder b(11, 6);
  b.input("x", {1, 1, 10, 10}).output("y");
  b.initializer("w", {1, 1, 3, 3}, uniform(9, 1));
  set_attr(b.node("Conv", {"x", "w"}, {"y"}, "conv"), "pads", std::vector<int64_t>{1, 1, 1, 1});
  auto g = import_onnx(b.bytes());
  ASSERT_TRUE(g.ok());
  QuantConfig config;
  config.max_tensor_elements = 500;
  EXPECT_EQ(quantize(*g, interval_calibration(*g, 1.0), config).status().message(),
            "node 'conv' (Conv): value 'y/im2col': shape [100, 9] has more than 500 elements");
  config = QuantConfig{};
  config.max_total_elements = 1000;
  EXPECT_EQ(quantize(*g, interval_calibration(*g, 1.0), config).status().message(),
            "node 'conv' (Conv): the trace exceeds the limit of 1000 elements in all");
  EXPECT_TRUE(quantize(*g, interval_calibration(*g, 1.0)).ok());
}

// Exact integer semantics of each layer, on hand-built graphs.
QuantizedGraph one_input(Shape shape, int64_t bound) {
  QuantizedGraph q;
  q.values.push_back({"x", std::move(shape), 1.0, bound, 0});
  return q;
}

void add_layer(QuantizedGraph& q, LayerOp op, std::vector<size_t> inputs, Shape shape, int64_t bound) {
  q.layers.push_back({"n", "Test", std::move(inputs), std::move(op)});
  q.values.push_back({"v" + std::to_string(q.values.size()), std::move(shape), 1.0, bound, 0});
}

std::vector<int64_t> last(const QuantizedGraph& q, std::vector<int64_t> input) {
  auto t = run(q, IntTensor{q.values[0].shape, std::move(input)});
  EXPECT_TRUE(t.ok()) << t.status().to_string();
  return t.ok() ? t->values.back().data : std::vector<int64_t>{};
}

TEST(QuantizedRun, LayerSemantics) {
  {
    QuantizedGraph q = one_input({2, 2}, 10);
    add_layer(q, MatMulLayer{IntTensor{{2, 2}, {1, -1, 2, 0}}, {5, 0}}, {0}, {2, 2}, 100);
    EXPECT_EQ(last(q, {1, 2, 3, 4}), (std::vector<int64_t>{10, -1, 16, -3}));
  }
  {
    // floor((x + 2) / 4), clamped to [-3, 3]: ties round upward.
    QuantizedGraph q = one_input({9}, 100);
    add_layer(q, RequantLayer{2, -3, 3}, {0}, {9}, 3);
    EXPECT_EQ(last(q, {-6, -5, -2, 2, 5, 6, 7, 100, -100}), (std::vector<int64_t>{-1, -1, 0, 1, 1, 2, 2, 3, -3}));
  }
  {
    QuantizedGraph q = one_input({3}, 1);
    add_layer(q, LookupLayer{"test", -1, {7, 8, 9}}, {0}, {3}, 9);
    EXPECT_EQ(last(q, {-1, 1, 0}), (std::vector<int64_t>{7, 9, 8}));
    QuantizedGraph wide = one_input({1}, 5);
    add_layer(wide, LookupLayer{"test", -1, {7, 8, 9}}, {0}, {1}, 9);
    EXPECT_EQ(run(wide, IntTensor{{1}, {2}}).status().message(),
              "layer 0 (Lookup of node n): test table has no entry for 2 (element 0)");
  }
  {
    QuantizedGraph q = one_input({3}, 30);
    add_layer(q, GatherLayer{{2, -1, 0}, -9}, {0}, {3}, 30);
    add_layer(q, AddConstLayer{IntTensor{{3}, {1, 2, 3}}}, {1}, {3}, 40);
    add_layer(q, MulConstLayer{IntTensor{{3}, {2, -1, 0}}}, {2}, {3}, 80);
    add_layer(q, ReshapeLayer{}, {3}, {1, 3}, 80);
    auto t = run(q, IntTensor{{3}, {10, 20, 30}});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->values[1].data, (std::vector<int64_t>{30, -9, 10}));
    EXPECT_EQ(t->values[2].data, (std::vector<int64_t>{31, -7, 13}));
    EXPECT_EQ(t->values[3].data, (std::vector<int64_t>{62, 7, 0}));
    EXPECT_EQ(t->values[4].shape, (Shape{1, 3}));
  }
  {
    // The softmax pieces: m = max, d = m - x, S = sum d, y = floor((d * 10 + floor(S / 2)) / S).
    QuantizedGraph q = one_input({1, 3}, 10);
    add_layer(q, RowMaxLayer{}, {0}, {1, 1}, 10);
    add_layer(q, RowSubLayer{}, {1, 0}, {1, 3}, 20);
    add_layer(q, RowSumLayer{}, {2}, {1, 1}, 60);
    add_layer(q, RowDivLayer{10}, {2, 3}, {1, 3}, 10);
    auto t = run(q, IntTensor{{1, 3}, {1, 5, 3}});
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->values[1].data, (std::vector<int64_t>{5}));
    EXPECT_EQ(t->values[2].data, (std::vector<int64_t>{4, 0, 2}));
    EXPECT_EQ(t->values[3].data, (std::vector<int64_t>{6}));
    EXPECT_EQ(t->values[4].data, (std::vector<int64_t>{7, 0, 3}));
  }
  {
    // Layers over several activations: 2 x - 3 m with m [2, 1] broadcast, the parts joined along
    // the last axis, a product.
    QuantizedGraph q = one_input({2, 2}, 10);
    add_layer(q, RowMaxLayer{}, {0}, {2, 1}, 10);
    add_layer(q, AddLayer{{2, -3}}, {0, 1}, {2, 2}, 50);
    add_layer(q, ConcatLayer{1}, {1, 2, 0}, {2, 5}, 50);
    add_layer(q, MulLayer{}, {0, 2}, {2, 2}, 500);
    auto t = run(q, IntTensor{{2, 2}, {1, 4, -2, -5}});
    ASSERT_TRUE(t.ok()) << t.status().to_string();
    EXPECT_EQ(t->values[2].data, (std::vector<int64_t>{-10, -4, 2, -4}));
    EXPECT_EQ(t->values[3].data, (std::vector<int64_t>{4, -10, -4, 1, 4, -2, 2, -4, -2, -5}));
    EXPECT_EQ(t->values[4].data, (std::vector<int64_t>{-10, -16, -4, 20}));
    QuantizedGraph bad = q;
    bad.values[3].shape = {2, 4};
    EXPECT_EQ(run(bad, IntTensor{{2, 2}, {1, 4, -2, -5}}).status().message(),
              "layer 2 (Concat of node n): the parts make [2, 5], not [2, 4]");
  }
}

TEST(QuantizedRun, RefusesWhatQuantizationRulesOut) {
  QuantizedGraph q = one_input({2}, 10);
  add_layer(q, AddConstLayer{IntTensor{{2}, {5, 5}}}, {0}, {2}, 12);
  EXPECT_EQ(run(q, IntTensor{{2}, {11, 0}}).status().message(), "input element 0 = 11 is outside [-10, 10]");
  EXPECT_EQ(run(q, IntTensor{{3}, {1, 2, 3}}).status().message(), "input has shape [3], the model takes [2]");
  auto t = run(q, IntTensor{{2}, {8, 0}});
  EXPECT_EQ(t.status().code(), StatusCode::kInternal);
  EXPECT_EQ(t.status().message(), "layer 0 (AddConst of node n): element 0 = 13 exceeds the bound 12");
  QuantizedGraph bad = one_input({2}, 10);
  add_layer(bad, GatherLayer{{0, 5}, 0}, {0}, {2}, 10);
  EXPECT_EQ(run(bad, IntTensor{{2}, {1, 2}}).status().message(),
            "layer 0 (Gather of node n): index 5 is past the input");
}

// The bundled digits model (models/digits): float logits as recorded, quantized accuracy close.
TEST(Quantize, BundledDigitsModel) {
  const std::string dir = std::string(ZKCC_SOURCE_DIR) + "/models/digits/";
  std::ifstream model_file(dir + "mlp.onnx", std::ios::binary);
  if (!model_file) GTEST_SKIP() << "no " << dir << "mlp.onnx";
  Bytes bytes((std::istreambuf_iterator<char>(model_file)), std::istreambuf_iterator<char>());
  auto g = import_onnx(bytes);
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  auto images = nlohmann::json::parse(std::ifstream(dir + "heldout_inputs.json"));
  auto labels = nlohmann::json::parse(std::ifstream(dir + "heldout_labels.json"));
  auto logits = nlohmann::json::parse(std::ifstream(dir + "heldout_logits.json"));
  ASSERT_EQ(images.size(), labels.size());
  std::vector<FloatTensor> xs;
  for (const auto& img : images) xs.push_back(FloatTensor{{1, 64}, img.get<std::vector<double>>()});
  // Calibrate on the first 100 held-out images, measure on all.
  auto cal = calibrate(*g, std::span<const FloatTensor>(xs.data(), 100));
  ASSERT_TRUE(cal.ok()) << cal.status().to_string();
  auto q = quantize(*g, *cal);
  ASSERT_TRUE(q.ok()) << q.status().to_string();
  auto argmax = [](const std::vector<double>& v) { return std::max_element(v.begin(), v.end()) - v.begin(); };
  size_t float_right = 0, quant_right = 0, same = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    auto ref = run_float(*g, xs[i]);
    auto run = run_quantized(*q, xs[i]);
    ASSERT_TRUE(ref.ok() && run.ok());
    const std::vector<double> f = float_outputs(*g, *ref)[0].data;
    auto want = logits[i].get<std::vector<double>>();
    for (size_t c = 0; c < 10; ++c) ASSERT_NEAR(f[c], want[c], 1e-5) << "image " << i;
    const auto label = labels[i].get<int64_t>();
    float_right += argmax(f) == label;
    quant_right += argmax(run->outputs[0].data) == label;
    same += argmax(f) == argmax(run->outputs[0].data);
  }
  std::printf("digits: float %zu/%zu, quantized %zu/%zu, same class %zu/%zu\n", float_right, xs.size(), quant_right,
              xs.size(), same, xs.size());
  EXPECT_EQ(float_right, 351u);
  EXPECT_GE(quant_right, 345u);
  EXPECT_GE(same, 350u);
}

}  // namespace
}  // namespace zkcc::model
