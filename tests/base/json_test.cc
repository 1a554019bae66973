#include "zkcc/base/json.h"

#include <string>

#include <gtest/gtest.h>

namespace zkcc {
namespace {

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
  struct Case {
    std::string text, message;
  };
  const Case cases[] = {
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
  for (const Case& c : cases) {
    auto m = object_members(c.text, "request", 3);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.status().code(), StatusCode::kInvalidArgument) << c.text;
    EXPECT_EQ(m.status().message(), c.message) << c.text;
  }
  // Keys nested below the top level are the caller's: repeated there, or many, they pass.
  auto nested = object_members("{\"a\": {\"k\": 1, \"k\": 2, \"l\": 3, \"m\": 4, \"n\": 5}}", "request", 3);
  ASSERT_TRUE(nested.ok()) << nested.status().to_string();
  EXPECT_EQ((*nested)[0].value, "{\"k\": 1, \"k\": 2, \"l\": 3, \"m\": 4, \"n\": 5}");
}

}  // namespace
}  // namespace zkcc
