#include "zkcc/base/status.h"

#include <gtest/gtest.h>

namespace zkcc {
namespace {

StatusOr<int> half(int x) {
  if (x % 2 != 0) return invalid_argument(std::to_string(x) + " is odd");
  return x / 2;
}

StatusOr<int> quarter(int x) {
  ZKCC_ASSIGN_OR_RETURN(int h, half(x));
  ZKCC_ASSIGN_OR_RETURN(int q, half(h));
  return q;
}

Status check_even(int x) {
  ZKCC_RETURN_IF_ERROR(half(x).status());
  return ok_status();
}

TEST(Status, OkAndErrorsCarryCodeAndMessage) {
  EXPECT_TRUE(ok_status().ok());
  EXPECT_EQ(ok_status().to_string(), "OK");
  Status s = out_of_range("too big");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(s.to_string(), "OUT_OF_RANGE: too big");
  EXPECT_EQ(s.with_context("parsing x").message(), "parsing x: too big");
  EXPECT_EQ(s.with_context("parsing x").code(), StatusCode::kOutOfRange);
}

TEST(StatusOr, PropagatesThroughMacros) {
  auto q = quarter(12);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q, 3);
  auto bad = quarter(6);  // 6 / 2 = 3 is odd
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "3 is odd");
  EXPECT_TRUE(check_even(4).ok());
  EXPECT_EQ(check_even(5).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zkcc
