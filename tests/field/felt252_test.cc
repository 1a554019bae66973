#include "zkcc/field/felt252.h"

#include <gtest/gtest.h>

#include <vector>

#include "zkcc/field/batch_inverse.h"

namespace zkcc::field {
namespace {

const char* kPHex = "0x800000000000011000000000000000000000000000000000000000000000001";
const char* kPMinus1Hex = "0x800000000000011000000000000000000000000000000000000000000000000";
const char* kPDec = "3618502788666131213697322783095070105623107215331596699973092056135872020481";

TEST(Felt252, ParsesHexAndDecimal) {
  EXPECT_EQ(Felt252::from_hex("0x0")->to_hex(), "0x0");
  EXPECT_EQ(Felt252::from_hex("0x00000001")->to_hex(), "0x1");
  EXPECT_EQ(Felt252::from_hex("0xABCdef")->to_hex(), "0xabcdef");
  EXPECT_EQ(Felt252::from_hex(kPMinus1Hex)->to_hex(), kPMinus1Hex);
  EXPECT_EQ(Felt252::from_dec("0")->to_dec(), "0");
  EXPECT_EQ(Felt252::from_dec("12345678901234567890123")->to_hex(), "0x29d42b64e76714244cb");
  EXPECT_EQ(Felt252::parse("255")->to_hex(), "0xff");
  EXPECT_EQ(Felt252::parse("0xff")->to_dec(), "255");
  // 66 digits with leading zeros are still 64 significant digits at most.
  EXPECT_TRUE(Felt252::from_hex("0x0000" + std::string(kPMinus1Hex + 2)).ok());
  EXPECT_EQ(Felt252::from_hex(kPMinus1Hex)->to_hex_padded(),
            "0x0800000000000011000000000000000000000000000000000000000000000000");
}

TEST(Felt252, RejectsNonCanonicalAndMalformedInput) {
  for (const char* bad : {kPHex, "0x800000000000011000000000000000000000000000000000000000000000002",
                          "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
                          "0x1ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"}) {
    auto r = Felt252::from_hex(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kOutOfRange) << bad;
    EXPECT_NE(r.status().message().find("not a canonical felt252"), std::string::npos);
  }
  auto p = Felt252::from_dec(kPDec);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), StatusCode::kOutOfRange);
  EXPECT_FALSE(Felt252::from_dec(std::string(100, '9')).ok());
  for (const char* bad : {"", "0x", "x12", "0xg", "12a", "-1", " 1", "1 ", "0x 1", "+5"}) {
    auto r = Felt252::parse(bad);
    ASSERT_FALSE(r.ok()) << "'" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << "'" << bad << "'";
  }
}

TEST(Felt252, BytesRoundTripAndRejectP) {
  auto v = Felt252::from_hex("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2");
  ASSERT_TRUE(v.ok());
  auto b = v->to_bytes_be();
  EXPECT_EQ(b[0], 0x00);
  EXPECT_EQ(b[1], 0x10);
  EXPECT_EQ(b[31], 0xf2);
  EXPECT_EQ(*Felt252::from_bytes_be(b), *v);
  std::array<uint8_t, 32> pb{};
  pb[0] = 0x08;
  pb[7] = 0x11;
  pb[31] = 0x01;
  EXPECT_EQ(Felt252::from_bytes_be(pb).status().code(), StatusCode::kOutOfRange);
  pb[31] = 0x00;  // p - 1
  EXPECT_TRUE(Felt252::from_bytes_be(pb).ok());
  EXPECT_EQ(Felt252::from_bytes_be(std::span(pb).first(31)).status().code(), StatusCode::kInvalidArgument);
  uint8_t three[] = {0x01, 0x00, 0x02};
  EXPECT_EQ(Felt252::from_bytes_be_var(three)->to_hex(), "0x10002");
}

TEST(Felt252, ShortStrings) {
  auto hello = Felt252::from_short_string("hello");
  ASSERT_TRUE(hello.ok());
  EXPECT_EQ(hello->to_hex(), "0x68656c6c6f");
  EXPECT_EQ(*hello->to_short_string(), "hello");
  EXPECT_EQ(Felt252::from_short_string("")->to_hex(), "0x0");
  std::string max(31, 'z');
  EXPECT_EQ(*Felt252::from_short_string(max)->to_short_string(), max);
  EXPECT_EQ(Felt252::from_short_string(std::string(32, 'a')).status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(Felt252::from_short_string("caf\xc3\xa9").ok());
  EXPECT_FALSE(Felt252::from_hex(kPMinus1Hex)->to_short_string().ok());  // 32 bytes wide
  EXPECT_FALSE(Felt252::from_u64(0xff).to_short_string().ok());          // non-ASCII byte
}

TEST(Felt252, OrderingIsByIntegerValue) {
  Felt252 a = Felt252::from_u64(5), b = Felt252::from_u64(7);
  Felt252 big = *Felt252::from_hex(kPMinus1Hex);
  EXPECT_LT(a, b);
  EXPECT_LT(b, big);
  EXPECT_GT(big, Felt252::zero());
  EXPECT_EQ(a <=> Felt252::from_u64(5), std::strong_ordering::equal);
  EXPECT_EQ(-Felt252::one(), big);
}

TEST(Felt252, ConstantsAndIdentities) {
  EXPECT_EQ(Felt252::one().to_hex(), "0x1");
  EXPECT_EQ(Felt252::from_i64(-1), -Felt252::one());
  EXPECT_EQ(Felt252::from_u128(static_cast<u128>(1) << 100).to_hex(), "0x10000000000000000000000000");
  EXPECT_EQ(Felt252::zero().inverse(), Felt252::zero());
  EXPECT_EQ(Felt252::from_u64(2).pow(251).to_hex(), "0x800000000000000000000000000000000000000000000000000000000000000");
  // reduce() maps any 256-bit value: 2^256 - 1 mod p.
  Felt252 r = Felt252::reduce({~0ull, ~0ull, ~0ull, ~0ull});
  EXPECT_EQ(r, Felt252::from_u64(2).pow(256) - Felt252::one());
}

TEST(Felt252, BatchInverse) {
  std::vector<Felt252> xs;
  for (uint64_t i = 0; i < 100; ++i) xs.push_back(Felt252::from_u64(i * 7919 + 1));
  xs[50] = Felt252::zero();
  auto inv = xs;
  batch_inverse(std::span<Felt252>(inv));
  for (size_t i = 0; i < xs.size(); ++i) {
    if (xs[i].is_zero()) {
      EXPECT_TRUE(inv[i].is_zero());
    } else {
      ASSERT_EQ(inv[i] * xs[i], Felt252::one());
    }
  }
}

}  // namespace
}  // namespace zkcc::field
