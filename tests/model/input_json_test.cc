#include "zkcc/model/input_json.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

namespace zkcc::model {
namespace {

std::string error(std::string_view text, const Shape& shape) {
  auto t = parse_input_json(text, shape);
  return t.ok() ? "parsed" : t.status().message();
}

#define EXPECT_PREFIX(text, prefix) EXPECT_EQ((text).substr(0, std::string_view(prefix).size()), prefix)

std::string read(const std::filesystem::path& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

TEST(InputJson, FlatArray) {
  auto t = parse_input_json(" [1, -2.5, 3e2, 0,\n-0, 18446744073709551615] ", {2, 3});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->shape, (Shape{2, 3}));
  EXPECT_EQ(t->data, (std::vector<double>{1, -2.5, 300, 0, 0, 18446744073709551615.0}));
}

TEST(InputJson, NestedRectangularArraysFlattenRowMajor) {
  auto t = parse_input_json("[[1, 2, 3], [4, 5, 6]]", {2, 3});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  // Only the count has to match the model's shape.
  t = parse_input_json("[[[1], [2]], [[3], [4]], [[5], [6]]]", {1, 6});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->data, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(t->shape, (Shape{1, 6}));
  t = parse_input_json("[7]", {});  // a scalar input
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->data, (std::vector<double>{7}));
}

TEST(InputJson, ObjectWithInputKey) {
  auto t = parse_input_json(R"({"input": [[0.5, 1], [2, 3]]})", {4});
  ASSERT_TRUE(t.ok()) << t.status().to_string();
  EXPECT_EQ(t->data, (std::vector<double>{0.5, 1, 2, 3}));
  EXPECT_EQ(error(R"({"input": [1, 2], "input": [3, 4]})", {2}), "input JSON has the key \"input\" twice");
  EXPECT_EQ(error(R"({"input": [1, 2], "label": 3})", {2}), "input JSON has the key \"label\"; the only key allowed is \"input\"");
  EXPECT_EQ(error(R"({"x": [1, 2]})", {2}), "input JSON has the key \"x\"; the only key allowed is \"input\"");
  EXPECT_EQ(error(R"({})", {2}), "input JSON object has no \"input\" key");
  EXPECT_EQ(error(R"({"input": 1})", {1}), "input JSON's \"input\" value is not an array");
  EXPECT_EQ(error(R"({"input": {"input": [1]}})", {1}), "input JSON's \"input\" value is not an array");
  EXPECT_EQ(error(R"({"input": null})", {1}), "input JSON's \"input\" value is not an array");
}

TEST(InputJson, RefusesWhatIsNotJson) {
  EXPECT_EQ(error("", {1}),
            "input JSON does not parse: parse error at line 1, column 1: syntax error while parsing value - unexpected "
            "end of input; expected '[', '{', or a literal");
  EXPECT_EQ(error("[1, 2", {2}),
            "input JSON does not parse: parse error at line 1, column 6: syntax error while parsing array - unexpected "
            "end of input; expected ']'");
  EXPECT_EQ(error("[1,\n 2,]", {2}),
            "input JSON does not parse: parse error at line 2, column 4: syntax error while parsing value - unexpected "
            "']'; expected '[', '{', or a literal");
  EXPECT_EQ(error("[1, 2] x", {2}),
            "input JSON does not parse: parse error at line 1, column 8: syntax error while parsing value - invalid "
            "literal; last read: '2] x'; expected end of input");
  EXPECT_PREFIX(error("[1, 2] [3]", {2}), "input JSON does not parse: parse error at line 1, column 8:");
  EXPECT_PREFIX(error("[NaN]", {1}), "input JSON does not parse: parse error at line 1, column 2:");
  EXPECT_PREFIX(error("[1, 0x10]", {2}), "input JSON does not parse: parse error at line 1, column 6:");
  EXPECT_PREFIX(error("[1] // comment", {1}), "input JSON does not parse:");
}

TEST(InputJson, RefusesWhatIsNotANumber) {
  EXPECT_EQ(error("[1, null]", {2}), "input JSON element 1 is null, not a number");
  EXPECT_EQ(error("[true, 1]", {2}), "input JSON element 0 is a boolean, not a number");
  EXPECT_EQ(error(R"([1, 2, "3"])", {3}), "input JSON element 2 is a string, not a number");
  EXPECT_EQ(error(R"([1, {"a": 1}])", {2}), "input JSON element 1 is an object, not a number");
  EXPECT_EQ(error("[1, 1e400]", {2}), "input JSON element 1 (1e400) is not a finite double");
  EXPECT_EQ(error("[-1e309]", {1}), "input JSON element 0 (-1e309) is not a finite double");
  EXPECT_EQ(error("[1e308, 4.9e-324, 1e-400]", {3}), "parsed");  // large, subnormal, underflow to 0
  EXPECT_EQ(error(R"({"input": 1e999})", {1}), "input JSON's \"input\" value is not an array");
  EXPECT_EQ(error("5", {1}), "input JSON is neither an array of numbers nor an object with an \"input\" array");
  EXPECT_EQ(error(R"("[1]")", {1}), "input JSON is neither an array of numbers nor an object with an \"input\" array");
  EXPECT_EQ(error("null", {1}), "input JSON is neither an array of numbers nor an object with an \"input\" array");
}

TEST(InputJson, RefusesRaggedArrays) {
  EXPECT_EQ(error("[[1, 2], [3]]", {3}), "input JSON is not rectangular: arrays at depth 1 have 2 and 1 elements");
  EXPECT_EQ(error("[[1, 2], 3]", {3}), "input JSON is not rectangular: depth 1 mixes numbers and arrays");
  EXPECT_EQ(error("[1, [2, 3]]", {3}), "input JSON is not rectangular: depth 1 mixes numbers and arrays");
  EXPECT_EQ(error("[[[1], [2]], [[3], 4]]", {4}), "input JSON is not rectangular: depth 2 mixes numbers and arrays");
  EXPECT_EQ(error("[[], [1]]", {1}), "input JSON is not rectangular: arrays at depth 1 have 0 and 1 elements");
  std::string deep = std::string(33, '[') + "1" + std::string(33, ']');
  EXPECT_EQ(error(deep, {1}), "input JSON nests arrays more than 32 deep");
  deep = std::string(32, '[') + "1" + std::string(32, ']');
  EXPECT_EQ(error(deep, {1}), "parsed");
  deep = std::string(100000, '[');
  EXPECT_EQ(error(deep, {1}), "input JSON nests arrays more than 32 deep");
}

TEST(InputJson, RefusesTheWrongCount) {
  EXPECT_EQ(error("[1, 2, 3]", {1, 2, 2}), "input JSON has 3 numbers; the model input [1, 2, 2] takes 4");
  EXPECT_EQ(error("[[1, 2], [3, 4], [5, 6]]", {1, 4}), "input JSON has 6 numbers; the model input [1, 4] takes 4");
  EXPECT_EQ(error("[]", {1, 4}), "input JSON has 0 numbers; the model input [1, 4] takes 4");
  EXPECT_EQ(error("[[], []]", {1}), "input JSON has 0 numbers; the model input [1] takes 1");
  EXPECT_EQ(error("[1]", {1, 0}), "the model input: shape [1, 0] has a zero dimension");
  EXPECT_EQ(error("[1]", {1 << 13, 1 << 13, 2}), "the model input: shape [8192, 8192, 2] has more than 67108864 elements");
}

TEST(InputJson, BundledDigitsInputs) {
  const std::filesystem::path dir = std::filesystem::path(ZKCC_SOURCE_DIR) / "models/digits/inputs";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no " << dir;
  size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.path().filename().string().starts_with("heldout_")) continue;
    auto t = parse_input_json(read(entry.path()), {1, 64});
    ASSERT_TRUE(t.ok()) << entry.path() << ": " << t.status().to_string();
    for (double v : t->data) EXPECT_TRUE(v >= 0 && v <= 16 && v == static_cast<int>(v)) << entry.path();
    EXPECT_EQ(error(read(entry.path()), {1, 63}), "input JSON has 64 numbers; the model input [1, 63] takes 63");
    ++n;
  }
  EXPECT_EQ(n, 10u);
  // labels.json is an object of another kind.
  EXPECT_EQ(error(read(dir / "labels.json"), {1, 64}),
            "input JSON has the key \"heldout_000.json\"; the only key allowed is \"input\"");
}

// models/bench/make_models.py writes NAME_input.json (a flat array) and NAME_calibration.json (an
// array of 8 inputs) beside each model, when they have been generated.
TEST(InputJson, BenchModelInputs) {
  const std::filesystem::path dir = std::filesystem::path(ZKCC_SOURCE_DIR) / "build/models/bench";
  const std::map<std::string, Shape> shapes = {{"dense_4m", {1, 1024}}, {"cnn_264k", {1, 3, 32, 32}}};
  size_t n = 0;
  for (const auto& [name, shape] : shapes) {
    const auto input = dir / (name + "_input.json");
    if (!std::filesystem::exists(input)) continue;
    auto t = parse_input_json(read(input), shape);
    ASSERT_TRUE(t.ok()) << input << ": " << t.status().to_string();
    for (double v : t->data) EXPECT_TRUE(v >= 0 && v < 1) << input;
    // The calibration set is 8 inputs: it reads as one tensor of 8 times the elements.
    Shape eight = shape;
    eight[0] = 8;
    auto cal = parse_input_json(read(dir / (name + "_calibration.json")), eight);
    EXPECT_TRUE(cal.ok()) << cal.status().to_string();
    ++n;
  }
  if (n == 0) GTEST_SKIP() << "no generated models in " << dir;
}

// The nesting, which prove takes as the input's shape where the model leaves dimensions symbolic.
TEST(InputJson, ShapeOfTheNesting) {
  EXPECT_EQ(*input_json_shape("[[1, 2, 3], [4, 5, 6]]"), (Shape{2, 3}));
  EXPECT_EQ(*input_json_shape("[0.5, 1, 2]"), (Shape{3}));
  EXPECT_EQ(*input_json_shape(R"({"input": [[[1], [2]]]})"), (Shape{1, 2, 1}));
  EXPECT_EQ(input_json_shape("[[1, 2], [3]]").status().message(),
            "input JSON is not rectangular: arrays at depth 1 have 2 and 1 elements");
  EXPECT_FALSE(input_json_shape("3").ok());
  EXPECT_FALSE(input_json_shape("[1, null]").ok());
}

}  // namespace
}  // namespace zkcc::model
