#include "zkcc/model/inspect.h"

#include <gtest/gtest.h>

#include "onnx_builder.h"
#include "test_util.h"

namespace zkcc::model {
namespace {

using testing::ModelBuilder;
using testing::set_attr;
using testing::uniform;

TEST(Inspect, SupportedModel) {
  ModelBuilder b;
  b.input("x", {1, 1, 6, 6}).output("y", {1, 3});
  b.initializer("w", {2, 1, 3, 3}, uniform(18, 1)).initializer("fc", {8, 3}, uniform(24, 2));
  b.node("Conv", {"x", "w"}, {"c"}, "conv");
  auto& p = b.node("MaxPool", {"c"}, {"p"}, "pool");
  set_attr(p, "kernel_shape", std::vector<int64_t>{2, 2});
  set_attr(p, "strides", std::vector<int64_t>{2, 2});
  b.node("Flatten", {"p"}, {"f"}, "flat");
  b.node("MatMul", {"f", "fc"}, {"y"}, "fc");
  auto s = inspect(b.bytes());
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_TRUE(s->supported);
  EXPECT_EQ(s->error, "");
  EXPECT_EQ(s->opset, 13);
  EXPECT_EQ(s->producer, "zkcc-test");
  ASSERT_EQ(s->inputs.size(), 1u);
  EXPECT_EQ(s->inputs[0].dims, (std::vector<std::string>{"1", "1", "6", "6"}));
  EXPECT_EQ(s->parameter_count, 42u);
  ASSERT_EQ(s->nodes.size(), 4u);
  EXPECT_EQ(s->nodes[0].output_shapes, (std::vector<Shape>{{1, 2, 4, 4}}));
  EXPECT_EQ(s->nodes[0].parameter_count, 18u);
  EXPECT_EQ(s->nodes[1].output_shapes, (std::vector<Shape>{{1, 2, 2, 2}}));
  EXPECT_EQ(s->nodes[2].output_shapes, (std::vector<Shape>{{1, 8}}));
  EXPECT_EQ(s->nodes[3].output_shapes, (std::vector<Shape>{{1, 3}}));
  for (const auto& n : s->nodes) EXPECT_TRUE(n.supported) << n.name;
  const std::string text = summary_text(*s);
  EXPECT_NE(text.find("conv"), std::string::npos);
  EXPECT_NE(text.find("[1, 2, 4, 4]"), std::string::npos);
  EXPECT_NE(text.find("supported: yes"), std::string::npos);
  nlohmann::json j = summary_json(*s);
  EXPECT_EQ(j["nodes"].size(), 4u);
  EXPECT_EQ(j["nodes"][3]["output_shapes"][0], (std::vector<size_t>{1, 3}));
  EXPECT_EQ(j["supported"], true);
  // Shapes are integers; the counts are named for the ONNX side.
  EXPECT_EQ(j["inputs"][0]["dims"], nlohmann::json::parse("[1, 1, 6, 6]"));
  EXPECT_EQ(j["onnx_nodes"], 4u);
  EXPECT_EQ(j["onnx_parameters"], 42u);
  EXPECT_EQ(j["nodes"][0]["onnx_parameters"], 18u);
  EXPECT_FALSE(j.contains("parameter_count"));
}

TEST(Inspect, ListsEveryNodeBeyondAnUnsupportedOne) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.initializer("w", {4, 4}, uniform(16, 3));
  b.node("MatMul", {"x", "w"}, {"h"}, "fc");
  b.node("Cos", {"h"}, {"c"}, "odd");
  b.node("Relu", {"c"}, {"y"}, "relu");
  auto s = inspect(b.bytes());
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  EXPECT_FALSE(s->supported);
  EXPECT_EQ(s->error, "node 'odd' (Cos): operator 'Cos' is not supported");
  ASSERT_EQ(s->nodes.size(), 3u);
  EXPECT_TRUE(s->nodes[0].supported);
  EXPECT_EQ(s->nodes[0].output_shapes, (std::vector<Shape>{{1, 4}}));
  EXPECT_FALSE(s->nodes[1].supported);
  EXPECT_EQ(s->nodes[1].reason, "node 'odd' (Cos): operator 'Cos' is not supported");
  EXPECT_TRUE(s->nodes[2].supported);          // Relu is supported...
  EXPECT_TRUE(s->nodes[2].output_shapes.empty());  // ...but its shape is unknown past the Cos
  EXPECT_NE(summary_text(*s).find("supported: no: 1 refusal\n  node 'odd' (Cos): operator 'Cos' is not supported\n"),
            std::string::npos)
      << summary_text(*s);
}

TEST(Inspect, GeluDecompositionNodesAreSupported) {
  ModelBuilder b(13, 8);
  b.input("x", {2, 3}).output("y");
  b.initializer("s", {}, {1.4142135f}).initializer("one", {}, {1.0f}).initializer("half", {}, {0.5f});
  b.node("Div", {"x", "s"}, {"t1"});
  b.node("Erf", {"t1"}, {"t2"});
  b.node("Add", {"t2", "one"}, {"t3"});
  b.node("Mul", {"x", "t3"}, {"t4"});
  b.node("Mul", {"t4", "half"}, {"y"});
  auto s = inspect(b.bytes());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->supported) << s->error;
  ASSERT_EQ(s->nodes.size(), 5u);
  for (const auto& n : s->nodes) {
    EXPECT_TRUE(n.supported) << n.op_type;
    EXPECT_EQ(n.output_shapes, (std::vector<Shape>{{2, 3}})) << n.op_type;
  }
  // An Erf on its own is a function table of its own.
  ModelBuilder lone(13, 8);
  lone.input("x", {2, 3}).output("y");
  lone.node("Erf", {"x"}, {"y"}, "erf");
  s = inspect(lone.bytes());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->nodes[0].supported) << s->nodes[0].reason;
  EXPECT_EQ(s->nodes[0].output_shapes, (std::vector<Shape>{{2, 3}}));
}

TEST(Inspect, DynamicInput) {
  ModelBuilder b;
  b.input("x", {4, -1}).output("y");
  b.node("Relu", {"x"}, {"y"});
  auto s = inspect(b.bytes());
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->supported);
  EXPECT_EQ(s->inputs[0].dims, (std::vector<std::string>{"4", "N"}));
  EXPECT_EQ(summary_json(*s)["inputs"][0]["dims"], nlohmann::json::parse(R"([4, "N"])"));
  EXPECT_NE(s->error.find("symbolic dimension 'N' at axis 1"), std::string::npos);
  EXPECT_NE(s->error.find("--input-shape 4,<N>"), std::string::npos);
  ASSERT_EQ(s->nodes.size(), 1u);
  EXPECT_TRUE(s->nodes[0].output_shapes.empty());

  // A leading batch dimension defaults to 1, and the summary says so.
  ModelBuilder batch;
  batch.input("x", {-1, 4}).output("y");
  batch.node("Relu", {"x"}, {"y"});
  s = inspect(batch.bytes());
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->supported) << s->error;
  EXPECT_EQ(s->notes, (std::vector<std::string>{"input 'x': batch dimension 'N' set to 1"}));
  EXPECT_EQ(s->nodes[0].output_shapes, (std::vector<Shape>{{1, 4}}));
  EXPECT_NE(summary_text(*s).find("note: input 'x': batch dimension 'N' set to 1\n"), std::string::npos);
  EXPECT_EQ(summary_json(*s)["notes"], nlohmann::json::parse(R"(["input 'x': batch dimension 'N' set to 1"])"));

  // With the shape given, the other symbolic dimension takes its size.
  ModelBuilder given;
  given.input("x", {4, -1}).output("y");
  given.node("Relu", {"x"}, {"y"});
  ImportOptions options;
  options.input_shape = {4, 7};
  s = inspect(given.bytes(), options);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->supported) << s->error;
  EXPECT_EQ(s->nodes[0].output_shapes, (std::vector<Shape>{{4, 7}}));
}

TEST(Inspect, ListsEveryRefusal) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("a").output("c").output("m");
  b.node("Sin", {"x"}, {"a"}, "wave");
  b.node("Relu", {"x"}, {"r"}, "relu");
  b.node("Cos", {"r"}, {"c"}, "other_wave");
  b.node("Pow", {"r", "r"}, {"m"}, "square");
  auto s = inspect(b.bytes());
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->supported);
  EXPECT_EQ(s->error, "node 'wave' (Sin): operator 'Sin' is not supported");
  EXPECT_EQ(s->refusals,
            (std::vector<std::string>{"node 'wave' (Sin): operator 'Sin' is not supported",
                                      "node 'other_wave' (Cos): operator 'Cos' is not supported",
                                      "node 'square' (Pow): the exponent is an activation; only a constant exponent is supported"}));
  const std::string text = summary_text(*s);
  EXPECT_NE(text.find("supported: no: 3 refusals\n"), std::string::npos) << text;
  EXPECT_EQ(summary_json(*s)["refusals"].size(), 3u);
}

TEST(Inspect, CorruptBytesFail) {
  ModelBuilder b;
  b.input("x", {1, 4}).output("y");
  b.node("Relu", {"x"}, {"y"});
  Bytes bytes = b.bytes();
  bytes.resize(bytes.size() / 2);
  EXPECT_EQ(inspect(bytes).status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(inspect({}).status().code(), StatusCode::kDataLoss);
}

}  // namespace
}  // namespace zkcc::model
