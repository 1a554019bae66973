#include "zkcc/base/bytes.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace zkcc {
namespace {

TEST(Hex, RoundTripsAndRejectsMalformed) {
  Bytes b = {0x00, 0x01, 0xab, 0xff};
  EXPECT_EQ(to_hex(b), "0001abff");
  auto back = from_hex("0x0001ABff");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, b);
  EXPECT_TRUE(from_hex("").ok());
  EXPECT_FALSE(from_hex("abc").ok());   // odd length
  EXPECT_FALSE(from_hex("zz").ok());    // not hex
  EXPECT_FALSE(from_hex("0x1g").ok());
}

TEST(Base64, RoundTripsInBothAlphabets) {
  // RFC 4648 section 10 vectors.
  const char* plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char* coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (size_t i = 0; i < 7; ++i) {
    Bytes b(plain[i], plain[i] + std::strlen(plain[i]));
    EXPECT_EQ(to_base64(b), coded[i]);
    EXPECT_EQ(*from_base64(coded[i]), b);
    std::string unpadded = coded[i];
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(*from_base64url(unpadded), b);
  }
  Bytes high = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(to_base64(high), "+/+/");
  EXPECT_EQ(*from_base64url("-_-_"), high);
  EXPECT_FALSE(from_base64url("+/+/").ok());
  EXPECT_FALSE(from_base64url("Zm9vY").ok());  // 5 characters cannot encode whole bytes
  EXPECT_FALSE(from_base64("Zm9").ok());
  EXPECT_FALSE(from_base64("Zm=v").ok());
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  Bytes a = {1, 2, 3}, b = {1, 2, 3}, c = {1, 2, 4}, d = {1, 2};
  EXPECT_TRUE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(a, c));
  EXPECT_FALSE(constant_time_equal(a, d));
  EXPECT_TRUE(constant_time_equal({}, {}));
}

TEST(ReadFile, ReadsWholeFileAndReportsErrors) {
  auto dir = std::filesystem::temp_directory_path() / "zkcc_bytes_test";
  std::filesystem::create_directories(dir);
  auto path = (dir / "data.bin").string();
  {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < 200000; ++i) out.put(static_cast<char>(i & 0xff));
  }
  auto got = read_file(path);
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 200000u);
  EXPECT_EQ((*got)[199999], static_cast<uint8_t>(199999 & 0xff));

  auto limited = read_file(path, 1000);
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.status().code(), StatusCode::kOutOfRange);

  auto missing = read_file((dir / "missing").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("missing"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zkcc
