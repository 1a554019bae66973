// Import of what exporters write around the layers: symbolic input dimensions, shape arithmetic
// folded at import, and the operators that pass an activation through.
#include <gtest/gtest.h>

#include "onnx_builder.h"
#include "test_util.h"
#include "zkcc/model/float_run.h"
#include "zkcc/model/onnx_import.h"

namespace zkcc::model {
namespace {

using testing::ModelBuilder;
using testing::set_attr;
using testing::set_tensor_attr;
using testing::uniform;

StatusOr<ImportedModel> import(const ModelBuilder& b, const ImportOptions& options = {}) {
  return import_onnx_model(b.bytes(), options);
}

onnx::TensorProto int_tensor(const std::vector<int64_t>& dims, const std::vector<int64_t>& values) {
  onnx::TensorProto t;
  t.set_data_type(onnx::TensorProto::INT64);
  for (int64_t d : dims) t.add_dims(d);
  for (int64_t v : values) t.add_int64_data(v);
  return t;
}

// What torch.onnx.export writes for x.view(x.size(0), -1) with a dynamic batch axis, then a Gemm:
// Shape -> Gather(0) -> Unsqueeze -> Concat with a constant -1 -> Reshape.
ModelBuilder flatten_model(int64_t opset = 13) {
  ModelBuilder b(opset);
  b.input("x", {-1, 2, 3}).output("y");
  b.proto().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_param("N");
  b.proto().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim()->set_dim_value(2);
  b.initializer("w", {6, 2}, uniform(12, 5)).int_initializer("zero", {}, {0}).int_initializer("minus_one", {1}, {-1});
  b.node("Shape", {"x"}, {"shape"}, "shape");
  set_attr(b.node("Gather", {"shape", "zero"}, {"batch"}, "gather"), "axis", int64_t{0});
  if (opset >= 13) {
    b.int_initializer("axes", {1}, {0});
    b.node("Unsqueeze", {"batch", "axes"}, {"batch_1d"}, "unsqueeze");
  } else {
    set_attr(b.node("Unsqueeze", {"batch"}, {"batch_1d"}, "unsqueeze"), "axes", std::vector<int64_t>{0});
  }
  set_attr(b.node("Concat", {"batch_1d", "minus_one"}, {"target"}, "concat"), "axis", int64_t{0});
  b.node("Reshape", {"x", "target"}, {"flat"}, "view");
  b.node("Gemm", {"flat", "w"}, {"y"}, "fc");
  return b;
}

TEST(ImportFold, FlattenPatternWithASymbolicBatch) {
  for (int64_t opset : {11, 13}) {
    auto m = import(flatten_model(opset));
    ASSERT_TRUE(m.ok()) << m.status().to_string();
    EXPECT_EQ(m->notes, (std::vector<std::string>{"input 'x': batch dimension 'N' set to 1"}));
    const Graph& g = m->graph;
    EXPECT_EQ(g.values[g.input].shape, (Shape{1, 2, 3}));
    ASSERT_EQ(g.nodes.size(), 2u);  // the shape arithmetic is gone: a reshape and the product
    EXPECT_TRUE(std::holds_alternative<ReshapeOp>(g.nodes[0].op));
    EXPECT_EQ(g.values[g.nodes[0].output].shape, (Shape{1, 6}));
    EXPECT_TRUE(std::holds_alternative<DenseOp>(g.nodes[1].op));
    EXPECT_EQ(g.values[g.outputs[0]].shape, (Shape{1, 2}));
  }
}

TEST(ImportFold, GivenInputShape) {
  ImportOptions options;
  options.input_shape = {3, 2, 3};
  auto m = import(flatten_model(), options);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->notes, (std::vector<std::string>{"input 'x': dimension 'N' at axis 0 set to 3 from the given input shape"}));
  EXPECT_EQ(m->graph.values[m->graph.outputs[0]].shape, (Shape{3, 2}));
  // The batch of three runs as three rows: row i of the output is the product of row i.
  FloatTensor x{{3, 2, 3}, {}};
  for (float v : uniform(18, 9)) x.data.push_back(v);
  auto values = run_float(m->graph, x);
  ASSERT_TRUE(values.ok()) << values.status().to_string();
  const std::vector<float> w = uniform(12, 5);
  const std::vector<double> y = float_outputs(m->graph, *values)[0].data;
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < 2; ++c) {
      double want = 0;
      for (size_t k = 0; k < 6; ++k) want += x.data[r * 6 + k] * static_cast<double>(w[k * 2 + c]);
      EXPECT_NEAR(y[r * 2 + c], want, 1e-9);
    }
  }

  options.input_shape = {3, 2, 4};
  EXPECT_EQ(import(flatten_model(), options).status().message(),
            "graph input 'x' has dimension 3 at axis 2 but the given input shape [3, 2, 4] has 4");
  options.input_shape = {3, 6};
  EXPECT_EQ(import(flatten_model(), options).status().message(),
            "the given input shape [3, 6] has 2 dimensions but graph input 'x' has 3");
  // The data's nesting is only a hint: one that does not fit leaves the batch default.
  options.input_shape = {6, 3};
  options.input_shape_source = InputShapeSource::kData;
  auto hint = import(flatten_model(), options);
  ASSERT_TRUE(hint.ok()) << hint.status().to_string();
  EXPECT_EQ(hint->graph.values[hint->graph.input].shape, (Shape{1, 2, 3}));
  options.input_shape = {2, 2, 3};
  hint = import(flatten_model(), options);
  ASSERT_TRUE(hint.ok()) << hint.status().to_string();
  EXPECT_EQ(hint->graph.values[hint->graph.input].shape, (Shape{2, 2, 3}));
  EXPECT_EQ(hint->notes, (std::vector<std::string>{"input 'x': dimension 'N' at axis 0 set to 2 from the input data's shape"}));
}

TEST(ImportFold, SymbolicNonBatchDimensionIsRefusedWithItsAxis) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_param("features");
  b.node("Relu", {"x"}, {"y"});
  auto m = import(b);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(),
            "graph input 'x' has the symbolic dimension 'features' at axis 1, which has no default (only a leading "
            "batch dimension defaults to 1); give the input's shape with --input-shape 1,<features>");
  ImportOptions options;
  options.input_shape = {1, 5};
  m = import(b, options);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.values[m->graph.outputs[0]].shape, (Shape{1, 5}));

  // An input without a declared shape takes the given one whole.
  ModelBuilder shapeless;
  shapeless.input("x", {}).output("y");
  shapeless.proto().mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  shapeless.node("Relu", {"x"}, {"y"});
  EXPECT_EQ(import(shapeless).status().message(), "graph input 'x' has no shape; give it with --input-shape");
  options.input_shape = {2, 3};
  m = import(shapeless, options);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  EXPECT_EQ(m->graph.values[m->graph.input].shape, (Shape{2, 3}));
  options.input_shape_source = InputShapeSource::kData;  // a hint is not enough
  EXPECT_FALSE(import(shapeless, options).ok());

  // A rank-1 input has no batch axis to default.
  ModelBuilder vec;
  vec.input("v", {-1}).output("y");
  vec.node("Relu", {"v"}, {"y"});
  EXPECT_NE(import(vec).status().message().find("symbolic dimension 'N' at axis 0, which has no default"), std::string::npos);
}

TEST(ImportFold, DeclaredSymbolicShapesAreChecked) {
  // The output declares [N, 2]; N is the batch, 1: a declared [N, 3] does not fit.
  ModelBuilder b = flatten_model();
  b.proto().mutable_graph()->mutable_output(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(1)->set_dim_value(3);
  EXPECT_EQ(import(b).status().message(), "graph output 'y' is declared with 2 dimensions [N, 3] but computes to [1, 2]");

  // value_info saying the flattened value's first axis is N (1) while it is 6 wide: refused.
  ModelBuilder v = flatten_model();
  auto* vi = v.proto().mutable_graph()->add_value_info();
  vi->set_name("flat");
  auto* shape = vi->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  shape->add_dim()->set_dim_param("N");
  EXPECT_EQ(import(v).status().message(),
            "value 'flat' (value_info) is declared with 2 dimensions [N, N] (N = 1) but computes to [1, 6]");
  shape->mutable_dim(1)->set_dim_value(6);
  EXPECT_TRUE(import(v).ok());
}

// Imports x [1, n] + Cast<FLOAT>(value), where the builder's nodes make `value`, and returns the
// constant the Add carries: the folded value, broadcast to [1, n].
std::vector<double> folded(ModelBuilder& b, const std::string& value, size_t n) {
  b.input("x", {1, static_cast<int64_t>(n)}).output("y");
  set_attr(b.node("Cast", {value}, {"value_f"}), "to", int64_t{onnx::TensorProto::FLOAT});
  b.node("Add", {"x", "value_f"}, {"y"}, "add");
  auto m = import(b);
  EXPECT_TRUE(m.ok()) << m.status().to_string();
  if (!m.ok() || m->graph.nodes.size() != 1) return {};
  const auto* add = std::get_if<AddConstOp>(&m->graph.nodes[0].op);
  return add ? add->constant.data : std::vector<double>{};
}

TEST(ImportFold, ShapeAndSize) {
  ModelBuilder b(15);
  b.initializer("c", {2, 3, 4}, uniform(24, 1));
  auto& s = b.node("Shape", {"c"}, {"s"});
  set_attr(s, "start", int64_t{-2});
  EXPECT_EQ(folded(b, "s", 2), (std::vector<double>{3, 4}));

  ModelBuilder size;
  size.initializer("c", {2, 3}, uniform(6, 1));
  size.node("Size", {"c"}, {"n"});
  EXPECT_EQ(folded(size, "n", 2), (std::vector<double>{6, 6}));
}

TEST(ImportFold, GatherAlongAnAxisWithNegativeIndices) {
  ModelBuilder flat;
  flat.int_initializer("data", {2, 3}, {1, 2, 3, 4, 5, 6}).int_initializer("idx", {2}, {-1, 0});
  set_attr(flat.node("Gather", {"data", "idx"}, {"g"}), "axis", int64_t{1});  // [[3, 1], [6, 4]]
  flat.int_initializer("four", {1}, {4});
  flat.node("Reshape", {"g", "four"}, {"g4"});
  EXPECT_EQ(folded(flat, "g4", 4), (std::vector<double>{3, 1, 6, 4}));
}

TEST(ImportFold, SliceInBothOpsetForms) {
  ModelBuilder b(13);
  b.int_initializer("data", {6}, {10, 11, 12, 13, 14, 15});
  b.int_initializer("starts", {1}, {-1}).int_initializer("ends", {1}, {-100}).int_initializer("axes", {1}, {0});
  b.int_initializer("steps", {1}, {-2});
  b.node("Slice", {"data", "starts", "ends", "axes", "steps"}, {"s"});  // 15, 13, 11
  EXPECT_EQ(folded(b, "s", 3), (std::vector<double>{15, 13, 11}));

  ModelBuilder old(9);
  old.int_initializer("data", {2, 3}, {1, 2, 3, 4, 5, 6});
  auto& n = old.node("Slice", {"data"}, {"s"});
  set_attr(n, "starts", std::vector<int64_t>{1, 1});
  set_attr(n, "ends", std::vector<int64_t>{INT64_MAX, 3});
  EXPECT_EQ(folded(old, "s", 2), (std::vector<double>{5, 6}));

  ModelBuilder extreme(13);  // steps of INT64_MIN and INT64_MAX take one element each
  extreme.int_initializer("data", {2, 3}, {1, 2, 3, 4, 5, 6});
  extreme.int_initializer("starts", {2}, {-1, 0}).int_initializer("ends", {2}, {INT64_MIN, INT64_MAX});
  extreme.int_initializer("axes", {2}, {1, 0}).int_initializer("steps", {2}, {INT64_MIN, INT64_MAX});
  extreme.node("Slice", {"data", "starts", "ends", "axes", "steps"}, {"s"});  // [[3]]
  EXPECT_EQ(folded(extreme, "s", 2), (std::vector<double>{3, 3}));

  ModelBuilder zero(13);
  zero.int_initializer("data", {3}, {1, 2, 3}).int_initializer("starts", {1}, {0}).int_initializer("ends", {1}, {3});
  zero.int_initializer("axes", {1}, {0}).int_initializer("steps", {1}, {0});
  zero.node("Slice", {"data", "starts", "ends", "axes", "steps"}, {"s"}, "bad_slice");
  zero.input("x", {1, 3}).output("y");
  set_attr(zero.node("Cast", {"s"}, {"f"}), "to", int64_t{onnx::TensorProto::FLOAT});
  zero.node("Add", {"x", "f"}, {"y"});
  EXPECT_EQ(import(zero).status().message(), "node 'bad_slice' (Slice): a step is 0");
}

TEST(ImportFold, ConcatUnsqueezeSqueezeAndReshapeOfConstants) {
  ModelBuilder b;
  b.int_initializer("a", {1, 1}, {7}).int_initializer("b", {1, 2}, {8, 9});
  set_attr(b.node("Concat", {"a", "b"}, {"ab"}), "axis", int64_t{-1});  // [1, 3]
  b.int_initializer("sq_axes", {1}, {0});
  b.node("Squeeze", {"ab", "sq_axes"}, {"v"});  // [3]
  b.int_initializer("un_axes", {2}, {0, -1});
  b.node("Unsqueeze", {"v", "un_axes"}, {"u"});  // [1, 3, 1]
  b.int_initializer("shape", {2}, {1, -1});
  b.node("Reshape", {"u", "shape"}, {"r"});  // [1, 3]
  EXPECT_EQ(folded(b, "r", 3), (std::vector<double>{7, 8, 9}));

  ModelBuilder old(11);
  old.int_initializer("v", {1, 3}, {1, 2, 3});
  b.node("Squeeze", {"v"}, {"s"});
  set_attr(old.node("Squeeze", {"v"}, {"s"}), "axes", std::vector<int64_t>{0});
  set_attr(old.node("Unsqueeze", {"s"}, {"u"}), "axes", std::vector<int64_t>{0});
  EXPECT_EQ(folded(old, "u", 3), (std::vector<double>{1, 2, 3}));
}

TEST(ImportFold, ExpandConstantOfShapeAndRange) {
  ModelBuilder b;
  b.initializer("one", {1}, {2.5f}).int_initializer("shape", {2}, {1, 3});
  b.node("Expand", {"one", "shape"}, {"e"});
  EXPECT_EQ(folded(b, "e", 3), (std::vector<double>{2.5, 2.5, 2.5}));

  ModelBuilder c;
  c.int_initializer("shape", {1}, {3});
  auto& n = c.node("ConstantOfShape", {"shape"}, {"k"});
  testing::set_tensor_attr(n, "value", int_tensor({1}, {4}));
  EXPECT_EQ(folded(c, "k", 3), (std::vector<double>{4, 4, 4}));

  ModelBuilder r;
  r.int_initializer("start", {}, {5}).int_initializer("limit", {}, {-2}).int_initializer("delta", {}, {-3});
  r.node("Range", {"start", "limit", "delta"}, {"k"});  // 5, 2, -1
  EXPECT_EQ(folded(r, "k", 3), (std::vector<double>{5, 2, -1}));
}

TEST(ImportFold, CastWhereAndComparisons) {
  ModelBuilder cast;
  cast.initializer("v", {3}, {-1.7f, 0.0f, 2.9f});
  set_attr(cast.node("Cast", {"v"}, {"i"}), "to", int64_t{onnx::TensorProto::INT32});  // truncates
  EXPECT_EQ(folded(cast, "i", 3), (std::vector<double>{-1, 0, 2}));

  ModelBuilder where;
  where.int_initializer("a", {3}, {1, 5, 3}).int_initializer("b", {3}, {2, 5, 1});
  where.node("Equal", {"a", "b"}, {"eq"});
  where.node("Less", {"a", "b"}, {"lt"});
  where.node("Greater", {"a", "b"}, {"gt"});
  where.int_initializer("hundred", {}, {100});
  where.node("Mul", {"gt", "hundred"}, {"gt100"});
  where.node("Where", {"lt", "a", "gt100"}, {"w"});  // lt: a, else 100 * gt
  where.node("Add", {"w", "eq"}, {"k"});             // 1 + 0, 0 + 1, 100 + 0
  EXPECT_EQ(folded(where, "k", 3), (std::vector<double>{1, 1, 100}));

  ModelBuilder div;
  div.int_initializer("a", {2}, {-7, 7}).int_initializer("b", {}, {2});
  div.node("Div", {"a", "b"}, {"q"});  // truncation: -3, 3
  div.node("Sub", {"q", "b"}, {"k"});
  EXPECT_EQ(folded(div, "k", 2), (std::vector<double>{-5, 1}));

  ModelBuilder zero;
  zero.int_initializer("a", {1}, {1}).int_initializer("b", {1}, {0});
  zero.node("Div", {"a", "b"}, {"q"}, "div0");
  zero.input("x", {1, 1}).output("y");
  set_attr(zero.node("Cast", {"q"}, {"f"}), "to", int64_t{onnx::TensorProto::FLOAT});
  zero.node("Add", {"x", "f"}, {"y"});
  EXPECT_EQ(import(zero).status().message(), "node 'div0' (Div): integer division by zero at element 0");
}

TEST(ImportFold, IdentityDropoutAndCastPassActivationsThrough) {
  ModelBuilder b(13);
  b.input("x", {1, 4}).output("y");
  b.node("Identity", {"x"}, {"a"});
  b.node("Relu", {"a"}, {"r"});
  b.node("Dropout", {"r"}, {"d"});
  set_attr(b.node("Cast", {"d"}, {"c"}), "to", int64_t{onnx::TensorProto::DOUBLE});
  b.node("Identity", {"c"}, {"y"});
  auto m = import(b);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ASSERT_EQ(m->graph.nodes.size(), 1u);  // only the Relu is a layer
  EXPECT_TRUE(std::holds_alternative<ActivationOp>(m->graph.nodes[0].op));
  EXPECT_EQ(m->graph.outputs, (std::vector<size_t>{m->graph.nodes[0].output}));

  ModelBuilder to_int;
  to_int.input("x", {1, 4}).output("y");
  set_attr(to_int.node("Cast", {"x"}, {"i"}, "to_int"), "to", int64_t{onnx::TensorProto::INT64});
  to_int.node("Relu", {"i"}, {"y"});
  EXPECT_EQ(import(to_int).status().message(),
            "node 'to_int' (Cast): Cast of an activation to INT64; an activation passes through a Cast only between float "
            "types");

  ModelBuilder mask;
  mask.input("x", {1, 4}).output("y");
  mask.node("Dropout", {"x"}, {"d", "m"}, "drop");
  mask.node("Relu", {"d"}, {"y"});
  EXPECT_EQ(import(mask).status().message(), "node 'drop' (Dropout): the mask output is not supported (inference only)");

  ModelBuilder training(13);
  training.input("x", {1, 4}).output("y");
  auto t = int_tensor({}, {1});
  t.set_data_type(onnx::TensorProto::BOOL);
  t.clear_int64_data();
  t.add_int32_data(1);
  t.set_name("train");
  *training.proto().mutable_graph()->add_initializer() = t;
  training.node("Dropout", {"x", "", "train"}, {"d"}, "drop");
  training.node("Relu", {"d"}, {"y"});
  EXPECT_EQ(import(training).status().message(),
            "node 'drop' (Dropout): training_mode must be a constant false; only inference is supported");
}

TEST(ImportFold, FoldedOperatorsRefuseActivations) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.int_initializer("starts", {1}, {0});
  b.node("Relu", {"x"}, {"r"});
  b.node("Range", {"starts", "r", "starts"}, {"y"}, "count");
  EXPECT_EQ(import(b).status().message(),
            "node 'count' (Range): input 1 ('r') is an activation; Range is supported only on constants and static "
            "shapes, folded at import");
}

}  // namespace
}  // namespace zkcc::model
