#include "zkcc/model/onnx_import.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "onnx_builder.h"
#include "test_util.h"
#include "zkcc/model/float_run.h"

namespace zkcc::model {
namespace {

using testing::ModelBuilder;
using testing::set_attr;
using testing::uniform;

Graph must_import(const ModelBuilder& b) {
  auto g = import_onnx(b.bytes());
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  return g.ok() ? *g : Graph{};
}

// The error import_onnx gives, for models it must refuse.
Status refusal(const ModelBuilder& b, const ImportLimits& limits = {}) {
  auto g = import_onnx(b.bytes(), limits);
  EXPECT_FALSE(g.ok());
  return g.ok() ? ok_status() : g.status();
}

std::vector<double> run1(const Graph& g, std::vector<double> x) {
  FloatTensor in{g.values[g.input].shape, std::move(x)};
  auto v = run_float(g, in);
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  return v.ok() ? float_outputs(g, *v)[0].data : std::vector<double>{};
}

TEST(OnnxImport, GemmFoldsAlphaBetaAndTransB) {
  ModelBuilder b;
  b.input("x", {1, 3}).output("y", {1, 2});
  b.initializer("w", {2, 3}, {1, 2, 3, 4, 5, 6}).initializer("c", {2}, {10, 20});
  auto& n = b.node("Gemm", {"x", "w", "c"}, {"y"}, "fc");
  set_attr(n, "transB", int64_t{1});
  set_attr(n, "alpha", 0.5f);
  set_attr(n, "beta", 2.0f);
  Graph g = must_import(b);
  ASSERT_EQ(g.nodes.size(), 1u);
  const auto* d = std::get_if<DenseOp>(&g.nodes[0].op);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->weight.shape, (Shape{3, 2}));
  EXPECT_EQ(d->weight.data, (std::vector<double>{0.5, 2, 1, 2.5, 1.5, 3}));
  EXPECT_EQ(d->bias, (std::vector<double>{20, 40}));
  EXPECT_EQ(g.nodes[0].name, "fc");
  // y = 0.5 x W^T + 2 c
  EXPECT_EQ(run1(g, {1, 1, 1}), (std::vector<double>{0.5 * 6 + 20, 0.5 * 15 + 40}));
}

TEST(OnnxImport, GemmTransAAndMatrixBias) {
  ModelBuilder b;
  b.input("a", {3, 2}).output("y");
  b.initializer("w", {3, 2}, {1, 0, 0, 1, 1, 1}).initializer("c", {2, 2}, {1, 2, 3, 4});
  auto& n = b.node("Gemm", {"a", "w", "c"}, {"y"});
  set_attr(n, "transA", int64_t{1});
  Graph g = must_import(b);
  ASSERT_EQ(g.nodes.size(), 3u);  // transpose, product, bias per row
  EXPECT_TRUE(std::holds_alternative<TransposeOp>(g.nodes[0].op));
  EXPECT_TRUE(std::holds_alternative<DenseOp>(g.nodes[1].op));
  EXPECT_TRUE(std::holds_alternative<AddConstOp>(g.nodes[2].op));
  EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{2, 2}));
  // A^T = [[1, 3, 5], [2, 4, 6]]; A^T W = [[6, 8], [8, 10]]
  EXPECT_EQ(run1(g, {1, 2, 3, 4, 5, 6}), (std::vector<double>{7, 10, 11, 14}));
}

TEST(OnnxImport, LegacyGemmBroadcast) {
  ModelBuilder b(6, 3);
  b.input("x", {2, 2}).output("y");
  b.initializer("w", {2, 2}, {1, 0, 0, 1}).initializer("c", {2}, {1, -1});
  auto& n = b.node("Gemm", {"x", "w", "c"}, {"y"});
  set_attr(n, "broadcast", int64_t{1});
  Graph g = must_import(b);
  EXPECT_EQ(run1(g, {1, 2, 3, 4}), (std::vector<double>{2, 1, 4, 3}));
}

TEST(OnnxImport, MatMulOverLeadingDimensions) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", {2, 3, 5});
  b.initializer("w", {4, 5}, uniform(20, 1));
  b.node("MatMul", {"x", "w"}, {"y"});
  Graph g = must_import(b);
  EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{2, 3, 5}));
}

TEST(OnnxImport, AddBroadcastsAConstantEitherSide) {
  for (bool constant_first : {false, true}) {
    ModelBuilder b;
    b.input("x", {2, 3}).output("y");
    b.initializer("c", {3}, {1, 2, 3});
    b.node("Add", constant_first ? std::vector<std::string>{"c", "x"} : std::vector<std::string>{"x", "c"}, {"y"});
    Graph g = must_import(b);
    EXPECT_EQ(run1(g, {0, 0, 0, 10, 10, 10}), (std::vector<double>{1, 2, 3, 11, 12, 13}));
  }
}

TEST(OnnxImport, ActivationsAndSoftmax) {
  ModelBuilder b;
  b.input("x", {1, 3}).output("y");
  b.node("Relu", {"x"}, {"r"});
  b.node("Sigmoid", {"r"}, {"s"});
  b.node("Tanh", {"s"}, {"t"});
  b.node("Softmax", {"t"}, {"y"});
  Graph g = must_import(b);
  ASSERT_EQ(g.nodes.size(), 4u);
  auto y = run1(g, {-1, 0, 2});
  double t0 = std::tanh(0.5), t2 = std::tanh(1 / (1 + std::exp(-2.0)));
  double z = 2 * std::exp(t0) + std::exp(t2);
  EXPECT_NEAR(y[0], std::exp(t0) / z, 1e-12);
  EXPECT_NEAR(y[2], std::exp(t2) / z, 1e-12);
}

TEST(OnnxImport, ConvGeometry) {
  ModelBuilder b(11, 6);
  b.input("x", {1, 2, 7, 5}).output("y", {1, 3, 4, 2});
  b.initializer("w", {3, 2, 3, 3}, uniform(54, 2)).initializer("bias", {3}, {1, 2, 3});
  auto& n = b.node("Conv", {"x", "w", "bias"}, {"y"}, "conv");
  set_attr(n, "strides", std::vector<int64_t>{2, 2});
  set_attr(n, "pads", std::vector<int64_t>{1, 0, 1, 0});
  Graph g = must_import(b);
  const auto& c = std::get<ConvOp>(g.nodes[0].op);
  EXPECT_EQ(c.window.out_h, 4u);
  EXPECT_EQ(c.window.out_w, 2u);
  // Zero input: every output is its filter's bias.
  auto y = run1(g, std::vector<double>(70, 0.0));
  EXPECT_EQ(y[0], 1);
  EXPECT_EQ(y[8], 2);
  EXPECT_EQ(y[23], 3);
}

TEST(OnnxImport, ConvMatchesDirectSum) {
  ModelBuilder b(11, 6);
  b.input("x", {1, 1, 3, 3}).output("y");
  b.initializer("w", {1, 1, 2, 2}, {1, 2, 3, 4});
  auto& n = b.node("Conv", {"x", "w"}, {"y"});
  set_attr(n, "dilations", std::vector<int64_t>{2, 2});
  Graph g = must_import(b);
  // One window, taps at (0,0), (0,2), (2,0), (2,2).
  EXPECT_EQ(run1(g, {1, 0, 10, 0, 0, 0, 100, 0, 1000}), (std::vector<double>{1 + 20 + 300 + 4000}));
}

TEST(OnnxImport, PoolsWithPaddingAndCeilMode) {
  ModelBuilder b(12, 7);
  b.input("x", {1, 1, 4, 4}).output("avg").output("max");
  auto& a = b.node("AveragePool", {"x"}, {"avg"});
  set_attr(a, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(a, "strides", std::vector<int64_t>{2, 2});
  set_attr(a, "ceil_mode", int64_t{1});
  auto& m = b.node("MaxPool", {"x"}, {"max"});
  set_attr(m, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(m, "auto_pad", std::string("SAME_UPPER"));
  Graph g = must_import(b);
  std::vector<double> x(16);
  for (size_t i = 0; i < 16; ++i) x[i] = static_cast<double>(i + 1);
  auto v = run_float(g, FloatTensor{{1, 1, 4, 4}, x});
  ASSERT_TRUE(v.ok());
  auto outs = float_outputs(g, *v);
  // ONNX's test_averagepool_2d_ceil: the last windows average only the taps inside.
  EXPECT_EQ(outs[0].data, (std::vector<double>{6, 7.5, 12, 13.5}));
  EXPECT_EQ(outs[1].shape, (Shape{1, 1, 4, 4}));
  EXPECT_EQ(outs[1].data[0], 6);
  EXPECT_EQ(outs[1].data[15], 16);
}

TEST(OnnxImport, AveragePoolCountIncludePad) {
  ModelBuilder b(12, 7);
  b.input("x", {1, 1, 2, 2}).output("y");
  auto& a = b.node("AveragePool", {"x"}, {"y"});
  set_attr(a, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(a, "pads", std::vector<int64_t>{1, 1, 0, 0});
  set_attr(a, "count_include_pad", int64_t{1});
  Graph g = must_import(b);
  EXPECT_EQ(run1(g, {4, 8, 12, 16}), (std::vector<double>{1, 3, 4, 10}));
}

TEST(OnnxImport, FlattenAndReshape) {
  ModelBuilder b;
  b.input("x", {2, 3, 4}).output("y", {4, 6});
  b.int_initializer("shape", {2}, {0, -1});
  auto& f = b.node("Flatten", {"x"}, {"f"});
  set_attr(f, "axis", int64_t{-1});
  b.node("Reshape", {"f", "shape"}, {"r"});  // [6, 4] -> [6, 4] (0 copies, -1 infers)
  b.int_initializer("shape2", {2}, {4, -1});
  b.node("Reshape", {"r", "shape2"}, {"y"});
  Graph g = must_import(b);
  EXPECT_EQ(g.values[g.nodes[0].output].shape, (Shape{6, 4}));
  EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{4, 6}));
}

TEST(OnnxImport, ReshapeShapeFromConstantNode) {
  ModelBuilder b;
  b.input("x", {1, 2, 2}).output("y");
  auto& c = b.node("Constant", {}, {"shape"});
  auto* a = c.add_attribute();
  a->set_name("value_ints");
  a->set_type(onnx::AttributeProto::INTS);
  a->add_ints(1);
  a->add_ints(4);
  b.node("Reshape", {"x", "shape"}, {"y"});
  Graph g = must_import(b);
  EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{1, 4}));
}

TEST(OnnxImport, GeluOperatorAndErfDecompositions) {
  const double x = 0.7;
  const double want = 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  {
    ModelBuilder b(20, 9);
    b.input("x", {1, 1}).output("y");
    b.node("Gelu", {"x"}, {"y"});
    Graph g = must_import(b);
    EXPECT_NEAR(run1(g, {x})[0], want, 1e-12);
  }
  // PyTorch's export: Div(x, sqrt 2) -> Erf -> Add 1 -> Mul x -> Mul 0.5, constants as Constant nodes.
  {
    ModelBuilder b(13, 8);
    b.input("x", {1, 1}).output("y");
    auto constant = [&](const std::string& name, float v) {
      testing::set_tensor_attr(b.node("Constant", {}, {name}), "value", ModelBuilder::tensor("", {}, {v}));
    };
    constant("sqrt2", 1.4142135f);
    b.node("Div", {"x", "sqrt2"}, {"t1"}, "div");
    b.node("Erf", {"t1"}, {"t2"}, "erf");
    constant("one", 1.0f);
    b.node("Add", {"t2", "one"}, {"t3"});
    b.node("Mul", {"x", "t3"}, {"t4"});
    constant("half", 0.5f);
    b.node("Mul", {"t4", "half"}, {"y"}, "gelu_out");
    Graph g = must_import(b);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_EQ(g.nodes[0].op_type, "Gelu(erf)");
    EXPECT_NEAR(run1(g, {x})[0], want, 1e-6);
  }
  // (x * 0.5) * (1 + erf(x * (1 / sqrt 2))), constants as initializers.
  {
    ModelBuilder b(13, 8);
    b.input("x", {1, 1}).output("y");
    b.initializer("half", {}, {0.5f}).initializer("rsqrt2", {}, {0.70710678f}).initializer("one", {}, {1.0f});
    b.node("Mul", {"x", "half"}, {"h"});
    b.node("Mul", {"rsqrt2", "x"}, {"t1"});
    b.node("Erf", {"t1"}, {"t2"});
    b.node("Add", {"one", "t2"}, {"t3"});
    b.node("Mul", {"h", "t3"}, {"y"});
    Graph g = must_import(b);
    ASSERT_EQ(g.nodes.size(), 1u);
    EXPECT_NEAR(run1(g, {x})[0], want, 1e-6);
  }
  // Not GELU (0.6 instead of 0.5): each node on its own, x * (1 + erf) a product of two activations.
  {
    ModelBuilder b(13, 8);
    b.input("x", {1, 1}).output("y");
    b.initializer("c", {}, {0.6f}).initializer("s", {}, {1.4142135f}).initializer("one", {}, {1.0f});
    b.node("Div", {"x", "s"}, {"t1"}, "div");
    b.node("Erf", {"t1"}, {"t2"});
    b.node("Add", {"t2", "one"}, {"t3"});
    b.node("Mul", {"x", "t3"}, {"t4"}, "product");
    b.node("Mul", {"t4", "c"}, {"y"});
    Graph g = must_import(b);
    ASSERT_EQ(g.nodes.size(), 5u);
    const auto* product = std::get_if<BinaryOp>(&g.nodes[3].op);
    ASSERT_NE(product, nullptr);
    EXPECT_EQ(product->kind, BinaryOp::Kind::kMul);
    EXPECT_NEAR(run1(g, {0.8})[0], 0.8 * 0.6 * (1 + std::erf(0.8 / std::sqrt(2.0))), 1e-6);
  }
}

TEST(OnnxImport, UnsupportedOperatorNamesTheNode) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"r"});
  b.node("Cos", {"r"}, {"y"}, "mystery");
  Status s = refusal(b);
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(), "node 'mystery' (Cos): operator 'Cos' is not supported");

  ModelBuilder unnamed;
  unnamed.input("x", {1, 4}).output("y");
  unnamed.node("Relu", {"x"}, {"r"});
  unnamed.node("Sin", {"r"}, {"y"});
  s = refusal(unnamed);
  EXPECT_EQ(s.message(), "node #1 (Sin, output 'y'): operator 'Sin' is not supported");

  ModelBuilder domain;
  domain.input("x", {1, 4}).output("y");
  domain.node("Relu", {"x"}, {"y"}, "custom").set_domain("com.example");
  s = refusal(domain);
  EXPECT_NE(s.message().find("node 'custom' (Relu): operator 'Relu' of domain 'com.example'"), std::string::npos);
}

TEST(OnnxImport, UnsupportedAttributesAreRefused) {
  {
    ModelBuilder b(11, 6);
    b.input("x", {1, 2, 4, 4}).output("y");
    b.initializer("w", {2, 1, 3, 3}, uniform(18, 3));
    set_attr(b.node("Conv", {"x", "w"}, {"y"}, "grouped"), "group", int64_t{2});
    Status s = refusal(b);
    EXPECT_EQ(s.message(), "node 'grouped' (Conv): group 2; only group 1 is supported");
  }
  {
    ModelBuilder b;
    b.input("x", {2, 3}).output("y");
    set_attr(b.node("Softmax", {"x"}, {"y"}, "sm"), "axis", int64_t{2});
    Status s = refusal(b);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.message(), "node 'sm' (Softmax): axis 2 is out of range for rank 2");
  }
  {
    ModelBuilder b;
    b.input("x", {2, 3}).output("y");
    set_attr(b.node("Relu", {"x"}, {"y"}, "r"), "alpha", 0.1f);
    EXPECT_EQ(refusal(b).message(), "node 'r' (Relu): attribute 'alpha' is not supported");
  }
  {
    ModelBuilder b(12, 7);
    b.input("x", {1, 1, 4, 4}).output("y").output("idx");
    set_attr(b.node("MaxPool", {"x"}, {"y", "idx"}, "mp"), "kernel_shape", std::vector<int64_t>{2, 2});
    EXPECT_EQ(refusal(b).message(), "node 'mp' (MaxPool): the Indices output is not supported");
  }
}

TEST(OnnxImport, RuntimeOperandsWhereConstantsAreNeeded) {
  ModelBuilder b;
  b.input("x", {2, 2}).output("y");
  b.node("Relu", {"x"}, {"r"});
  b.node("MatMul", {"x", "r"}, {"y"}, "mm");
  Status s = refusal(b);
  EXPECT_EQ(s.message(),
            "node 'mm' (MatMul): input 1 ('r') is a runtime tensor where a constant (initializer) is expected");

  ModelBuilder div;
  div.input("x", {2, 2}).output("y");
  div.initializer("c", {}, {2.0f});
  div.node("Div", {"c", "x"}, {"y"}, "inverse");
  EXPECT_EQ(refusal(div).message(),
            "node 'inverse' (Div): a constant divided by an activation; only an activation divided by a constant is "
            "supported");
}

TEST(OnnxImport, OperandsThatDoNotFitAreRefused) {
  ModelBuilder add;
  add.input("x", {2, 3}).output("y");
  add.initializer("w", {3, 2}, std::vector<float>(6, 0.5f));
  add.node("MatMul", {"x", "w"}, {"p"});
  add.node("Add", {"x", "p"}, {"y"}, "sum");
  EXPECT_EQ(refusal(add).message(), "node 'sum' (Add): shapes [2, 3] and [2, 2] do not broadcast (axis 1)");

  ModelBuilder concat;
  concat.input("x", {2, 3}).output("y");
  concat.initializer("w", {3, 2}, std::vector<float>(6, 0.5f));
  concat.node("MatMul", {"x", "w"}, {"p"});
  set_attr(concat.node("Concat", {"x", "p"}, {"y"}, "join"), "axis", int64_t{0});
  EXPECT_EQ(refusal(concat).message(), "node 'join' (Concat): part [2, 2] does not concatenate with [2, 3] along axis 0");

  ModelBuilder prelu;
  prelu.input("x", {1, 2}).output("y");
  prelu.node("Relu", {"x"}, {"r"});
  prelu.node("PRelu", {"x", "r"}, {"y"}, "prelu");
  EXPECT_EQ(refusal(prelu).message(), "node 'prelu' (PRelu): the slope is an activation; only a constant slope is supported");
}

TEST(OnnxImport, DynamicAndUnknownShapesAreRefused) {
  // A leading batch dimension defaults to 1 (import_fold_test.cc); any other needs a given shape.
  ModelBuilder b;
  b.input("x", {1, -1}).output("y");
  b.node("Relu", {"x"}, {"y"});
  Status s = refusal(b);
  EXPECT_EQ(s.code(), StatusCode::kUnimplemented);
  EXPECT_EQ(s.message(),
            "graph input 'x' has the symbolic dimension 'N' at axis 1, which has no default (only a leading batch "
            "dimension defaults to 1); give the input's shape with --input-shape 1,<N>");

  ModelBuilder unknown;
  unknown.input("x", {1, 4}).output("y");
  unknown.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->clear_dim_value();
  unknown.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(refusal(unknown).message(),
            "graph input 'x' has an unknown dimension at axis 1, which has no default (only a leading batch dimension "
            "defaults to 1); give the input's shape with --input-shape 1,<axis 1>");

  ModelBuilder noshape;
  noshape.input("x", {}).output("y");
  noshape.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  noshape.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(refusal(noshape).message(), "graph input 'x' has no shape; give it with --input-shape");

  ModelBuilder ints;
  ints.input("x", {1, 4}, onnx::TensorProto::INT64).output("y");
  ints.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(refusal(ints).message(), "graph input 'x' has element type INT64; only FLOAT is supported");

  ModelBuilder two;
  two.input("a", {1, 4}).input("b", {1, 4}).output("y");
  two.node("Relu", {"a"}, {"y"});
  EXPECT_EQ(refusal(two).message(), "graph has 2 runtime inputs ('a', 'b'); exactly one is supported");
}

TEST(OnnxImport, InconsistentModelsAreRefused) {
  {
    ModelBuilder b;
    b.input("x", {1, 3}).output("y");
    b.initializer("w", {4, 2}, uniform(8, 4));
    b.node("MatMul", {"x", "w"}, {"y"}, "mm");
    EXPECT_EQ(refusal(b).message(), "node 'mm' (MatMul): A [1, 3] and B [4, 2] do not multiply");
  }
  {
    ModelBuilder b;
    b.input("x", {1, 3}).output("y", {1, 4});
    b.node("Relu", {"x"}, {"y"});
    EXPECT_EQ(refusal(b).message(), "graph output 'y' is declared with 2 dimensions [1, 4] but computes to [1, 3]");
  }
  {
    ModelBuilder b;
    b.input("x", {1, 3}).output("y");
    b.node("Relu", {"nowhere"}, {"y"}, "r");
    EXPECT_EQ(refusal(b).message(),
              "node 'r' (Relu): input 'nowhere' is not defined by a graph input, an initializer or an earlier node");
  }
  {
    ModelBuilder b;  // out of topological order
    b.input("x", {1, 3}).output("y");
    b.node("Relu", {"r"}, {"y"}, "second");
    b.node("Relu", {"x"}, {"r"}, "first");
    EXPECT_NE(refusal(b).message().find("node 'second' (Relu): input 'r' is not defined"), std::string::npos);
  }
  {
    ModelBuilder b;
    b.input("x", {1, 3}).output("y");
    b.node("Relu", {"x"}, {"y"});
    b.node("Relu", {"x"}, {"y"}, "again");
    EXPECT_EQ(refusal(b).message(), "node 'again' (Relu): value 'y' is defined twice");
  }
  {
    ModelBuilder b;
    b.input("x", {6}).output("y");
    b.int_initializer("shape", {2}, {4, -1});
    b.node("Reshape", {"x", "shape"}, {"y"}, "rs");
    EXPECT_EQ(refusal(b).message(), "node 'rs' (Reshape): cannot reshape [6] with a -1 dimension");
  }
  {
    ModelBuilder b(12, 7);
    b.input("x", {1, 1, 2, 2}).output("y");
    set_attr(b.node("MaxPool", {"x"}, {"y"}, "big"), "kernel_shape", std::vector<int64_t>{3, 3});
    EXPECT_EQ(refusal(b).message(),
              "node 'big' (MaxPool): the kernel (extent 3) exceeds the padded input (2) along height");
  }
}

TEST(OnnxImport, HeaderProblemsAreRefused) {
  ModelBuilder none;
  none.input("x", {1}).output("y");
  none.node("Relu", {"x"}, {"y"});
  none.proto().clear_opset_import();
  EXPECT_EQ(refusal(none).message(), "model declares no opset for the default ONNX domain");

  ModelBuilder future(99, 8);
  future.input("x", {1}).output("y");
  future.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(refusal(future).message(), "opset 99 is outside the supported 1 to 21");

  ModelBuilder old(13, 2);
  old.input("x", {1}).output("y");
  old.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(refusal(old).message(), "IR version 2 is outside the supported 3 to 10");
}

TEST(OnnxImport, BadInitializersAreRefused) {
  auto model = [](auto edit) {
    ModelBuilder b;
    b.input("x", {1, 2}).output("y");
    b.initializer("w", {2, 2}, {1, 2, 3, 4});
    b.node("MatMul", {"x", "w"}, {"y"});
    edit(*b.proto().mutable_graph()->mutable_initializer(0));
    return b;
  };
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) { t.set_float_data(1, std::nanf("")); })).message(),
            "tensor 'w' has a non-finite element at index 1");
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) {
              t.clear_float_data();
              t.set_data_location(onnx::TensorProto::EXTERNAL);
            })).message(),
            "tensor 'w' keeps its data in an external file; only data inside the model is supported");
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) {
              t.clear_float_data();
              t.set_raw_data(std::string(15, '\0'));
            })).message(),
            "tensor 'w' of shape [2, 2] needs 4 elements but holds 15 raw bytes");
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) { t.add_float_data(5); })).message(),
            "tensor 'w' of shape [2, 2] needs 4 elements but holds 5 elements");
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) { t.set_data_type(onnx::TensorProto::FLOAT16); })).message(),
            "tensor 'w' has element type FLOAT16; only FLOAT, DOUBLE, INT32, INT64 and BOOL are supported");
  EXPECT_EQ(refusal(model([](onnx::TensorProto& t) { t.set_dims(0, -2); })).message(),
            "tensor 'w' has a negative dimension -2");
  // raw_data little-endian floats are read like float_data.
  ModelBuilder raw = model([](onnx::TensorProto& t) {
    t.clear_float_data();
    const float v[4] = {1, 2, 3, 4};
    t.set_raw_data(std::string(reinterpret_cast<const char*>(v), sizeof v));
  });
  auto g = import_onnx(raw.bytes());
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  EXPECT_EQ(std::get<DenseOp>(g->nodes[0].op).weight.data, (std::vector<double>{1, 2, 3, 4}));
}

ModelBuilder small_mlp() {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y", {1, 2});
  b.initializer("w1", {4, 3}, uniform(12, 5)).initializer("b1", {3}, uniform(3, 6));
  b.initializer("w2", {3, 2}, uniform(6, 7));
  b.node("Gemm", {"x", "w1", "b1"}, {"h"}, "fc1");
  b.node("Relu", {"h"}, {"r"}, "relu");
  b.node("MatMul", {"r", "w2"}, {"y"}, "fc2");
  return b;
}

TEST(OnnxImport, TruncatedBytesFailCleanly) {
  Bytes bytes = small_mlp().bytes();
  ASSERT_TRUE(import_onnx(bytes).ok());
  EXPECT_EQ(import_onnx({}).status().message(), "ONNX model is empty");
  // ModelProto's fields are written in field order, the graph (7) before opset_import (8), so every
  // strict prefix either cuts a length-delimited field or loses the opset.
  for (size_t n = 1; n < bytes.size(); ++n) {
    auto g = import_onnx(std::span<const uint8_t>(bytes.data(), n));
    ASSERT_FALSE(g.ok()) << "prefix of " << n << " bytes was accepted";
  }
  auto g = import_onnx(std::span<const uint8_t>(bytes.data(), bytes.size() / 2));
  EXPECT_EQ(g.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(g.status().message().find("not a valid protobuf message (truncated or corrupt)"), std::string::npos);
}

TEST(OnnxImport, CorruptBytesFailCleanly) {
  const Bytes good = small_mlp().bytes();
  std::mt19937_64 rng(42);
  size_t refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    Bytes b = good;
    for (int k = 0; k < 3; ++k) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    auto g = import_onnx(b);
    if (!g.ok()) {
      ++refused;
      EXPECT_FALSE(g.status().message().empty());
    } else {
      // A change that still parses (a weight's bits, a name) must still give a consistent graph.
      EXPECT_EQ(g->values.size(), g->nodes.size() + 1);
    }
  }
  EXPECT_GT(refused, 100u);
  Bytes garbage(1000);
  for (auto& x : garbage) x = static_cast<uint8_t>(rng());
  EXPECT_FALSE(import_onnx(garbage).ok());
}

TEST(OnnxImport, LimitsAreEnforced) {
  ModelBuilder b = small_mlp();
  ImportLimits tiny_file;
  tiny_file.max_model_bytes = 64;
  EXPECT_EQ(refusal(b, tiny_file).code(), StatusCode::kOutOfRange);
  ImportLimits few_nodes;
  few_nodes.max_nodes = 2;
  EXPECT_EQ(refusal(b, few_nodes).message(), "graph has 3 nodes, over the limit of 2");
  ImportLimits small_tensors;
  small_tensors.max_tensor_elements = 8;
  EXPECT_EQ(refusal(b, small_tensors).message(), "tensor 'w1': shape [4, 3] has more than 8 elements");
  ImportLimits small_trace;
  small_trace.max_total_elements = 8;
  EXPECT_NE(refusal(b, small_trace).message().find("the activations exceed the limit of 8 elements"), std::string::npos);
}

TEST(OnnxImport, ParsesTestDataTensors) {
  onnx::TensorProto t = ModelBuilder::tensor("input_0", {2, 2}, {1.5f, -2, 3, 4});
  std::string s = t.SerializeAsString();
  auto f = parse_onnx_tensor(Bytes(s.begin(), s.end()));
  ASSERT_TRUE(f.ok()) << f.status().to_string();
  EXPECT_EQ(f->shape, (Shape{2, 2}));
  EXPECT_EQ(f->data, (std::vector<double>{1.5, -2, 3, 4}));

  t.set_data_type(onnx::TensorProto::INT64);
  t.clear_float_data();
  for (int i = 0; i < 4; ++i) t.add_int64_data(i);
  s = t.SerializeAsString();
  EXPECT_EQ(parse_onnx_tensor(Bytes(s.begin(), s.end())).status().message(),
            "tensor 'input_0' has element type INT64; a real tensor (FLOAT or DOUBLE) is needed");
  EXPECT_EQ(parse_onnx_tensor(Bytes{0x0a, 0x05}).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace zkcc::model
