#include "zkcc/base/json.h"

#include <span>
#include <string>

#include <gtest/gtest.h>

namespace zkcc {
namespace {

// A text and the error it must get.
struct Refusal {
  std::string text, message;
};

// Each text refused by `parse` (invalid argument) with exactly its message.
template <typename Parse>
void expect_refusals(std::span<const Refusal> refusals, Parse parse) {
  for (const Refusal& r : refusals) {
    auto got = parse(r.text);
    ASSERT_FALSE(got.ok()) << r.text;
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument) << r.text;
    EXPECT_EQ(got.status().message(), r.message) << r.text;
  }
}

TEST(ObjectMembers, GivesEachValuesTextInOrder) {
  const std::string text =
      " {\"b\" : [1, [2, 3], {\"x\": \"]}\"}] ,\"a\":\"q\\\"}\", \"c\":-1.5e3,\"d\" :{} , \"e\": null}\n";
  auto m = object_members(text, "test", 8);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ASSERT_EQ(m->size(), 5u);
  EXPECT_EQ((*m)[0].key, "b");
  EXPECT_EQ((*m)[0].value, "[1, [2, 3], {\"x\": \"]}\"}]");
  EXPECT_EQ((*m)[1].key, "a");
  EXPECT_EQ((*m)[1].value, "\"q\\\"}\"");
  EXPECT_EQ((*m)[2].value, "-1.5e3");
  EXPECT_EQ((*m)[3].value, "{}");
  EXPECT_EQ((*m)[4].key, "e");
  EXPECT_EQ((*m)[4].value, "null");
  // Each value's text is itself the JSON of the value.
  EXPECT_EQ(nlohmann::json::parse((*m)[0].value), nlohmann::json::parse(text)["b"]);
}

TEST(ObjectMembers, DecodesEscapedKeys) {
  auto m = object_members("{\"\\u0061\\\"b\": 1}", "test", 8);
  ASSERT_TRUE(m.ok()) << m.status().to_string();
  ASSERT_EQ(m->size(), 1u);
  EXPECT_EQ((*m)[0].key, "a\"b");
  EXPECT_EQ((*m)[0].value, "1");
  auto empty = object_members("{}", "test", 8);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ObjectMembers, RefusesWhatIsNotOneObject) {
  const Refusal refusals[] = {
      {"", "request JSON does not parse"},
      {"{", "request JSON does not parse"},
      {"{\"a\": [1, 2}", "request JSON does not parse"},
      {"{\"a\": 1} {}", "request JSON does not parse"},
      {"{\"a\": 1} x", "request JSON does not parse"},
      {"{\"a\": 01}", "request JSON does not parse"},
      {"[1, 2]", "request JSON is not an object"},
      {"\"a\"", "request JSON is not an object"},
      {"3", "request JSON is not an object"},
      {"{\"a\": 1, \"b\": 2, \"a\": 3}", "request JSON has the key \"a\" twice"},
      {"{\"a\": 1, \"b\": 2, \"c\": 3, \"d\": 4}", "request JSON has more than 3 members"},
  };
  expect_refusals(refusals, [](const std::string& text) { return object_members(text, "request", 3); });
  // Keys nested below the top level are the caller's: repeated there, or many, they pass.
  auto nested = object_members("{\"a\": {\"k\": 1, \"k\": 2, \"l\": 3, \"m\": 4, \"n\": 5}}", "request", 3);
  ASSERT_TRUE(nested.ok()) << nested.status().to_string();
  EXPECT_EQ((*nested)[0].value, "{\"k\": 1, \"k\": 2, \"l\": 3, \"m\": 4, \"n\": 5}");
}

TEST(ParseStrictObject, RefusesRepeatedKeysAtAnyDepth) {
  auto ok = parse_strict_object("{\"a\": {\"b\": 1, \"c\": [{\"b\": 2}, {\"b\": 3}]}, \"b\": 4}", "doc");
  ASSERT_TRUE(ok.ok()) << ok.status().to_string();
  EXPECT_EQ((*ok)["a"]["c"][1]["b"], 3);  // the same key in sibling objects is no repetition
  const Refusal refusals[] = {
      {"{\"a\": 1, \"a\": 1}", "doc JSON has the key \"a\" twice"},
      {"{\"x\": [{\"k\": 1}, {\"k\": 2, \"k\": 3}]}", "doc JSON has the key \"k\" twice"},
      {"{\"x\": {\"\\u006b\": 1, \"k\": 2}}", "doc JSON has the key \"k\" twice"},
      // Text that does not parse says so, even after a repeated key.
      {"{\"a\": 1, \"a\": 2", "doc JSON does not parse"},
      {"{} []", "doc JSON does not parse"},
      {"[{\"a\": 1}]", "doc JSON is not an object"},
  };
  expect_refusals(refusals, [](const std::string& text) { return parse_strict_object(text, "doc"); });
}

// An array of many small objects parses in one pass over each (nlohmann's parser callback, used
// for this once, rescanned the array each time an object closed: hours for a million).
TEST(ParseStrictObject, ManyObjectsInAnArray) {
  const size_t n = 200000;
  std::string text = "{\"items\": [{\"a\": 0}";
  for (size_t i = 1; i < n; ++i) text += ", {\"a\": " + std::to_string(i) + "}";
  text += "]}";
  auto r = parse_strict_object(text, "doc");
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ((*r)["items"].size(), n);
  EXPECT_EQ((*r)["items"][n - 1]["a"], n - 1);
}

}  // namespace
}  // namespace zkcc
