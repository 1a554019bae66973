#include "zkcc/starknet/serde.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

namespace zkcc::starknet {
namespace {

std::vector<std::string> hexes(const std::vector<Felt252>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.to_hex());
  return out;
}

TEST(Serde, ScalarsEncodeAsOneFeltEach) {
  Serializer s;
  s.felt(Felt252::from_u64(7));
  s.boolean(true);
  s.boolean(false);
  s.u8(255);
  s.u16(65535);
  s.u32(0xffffffffu);
  s.u64(~uint64_t{0});
  s.u128(~Uint128{0});
  EXPECT_EQ(hexes(s.felts_out()),
            (std::vector<std::string>{"0x7", "0x1", "0x0", "0xff", "0xffff", "0xffffffff", "0xffffffffffffffff",
                                      "0xffffffffffffffffffffffffffffffff"}));
  Deserializer d(s.felts_out());
  EXPECT_EQ(*d.felt(), Felt252::from_u64(7));
  EXPECT_TRUE(*d.boolean());
  EXPECT_FALSE(*d.boolean());
  EXPECT_EQ(*d.u8(), 255);
  EXPECT_EQ(*d.u16(), 65535);
  EXPECT_EQ(*d.u32(), 0xffffffffu);
  EXPECT_EQ(*d.u64(), ~uint64_t{0});
  EXPECT_TRUE(*d.u128() == ~Uint128{0});
  EXPECT_TRUE(d.finish().ok());
}

TEST(Serde, U256IsLowThenHigh) {
  U256 v{5, 9};
  Serializer s;
  s.u256(v);
  EXPECT_EQ(hexes(s.felts_out()), (std::vector<std::string>{"0x5", "0x9"}));
  Deserializer d(s.felts_out());
  EXPECT_EQ(*d.u256(), v);
}

TEST(Serde, ArraysOptionsEnums) {
  Serializer s;
  std::vector<Felt252> items = {Felt252::from_u64(1), Felt252::from_u64(2), Felt252::from_u64(3)};
  s.felts(items);
  s.option_some();
  s.u32(42);
  s.option_none();
  s.variant(2);
  s.u8(1);
  EXPECT_EQ(hexes(s.felts_out()),
            (std::vector<std::string>{"0x3", "0x1", "0x2", "0x3", "0x0", "0x2a", "0x1", "0x2", "0x1"}));
  Deserializer d(s.felts_out());
  EXPECT_EQ(*d.felts(), items);
  EXPECT_TRUE(*d.option());
  EXPECT_EQ(*d.u32(), 42u);
  EXPECT_FALSE(*d.option());
  EXPECT_EQ(*d.variant(3), 2u);
  EXPECT_EQ(*d.u8(), 1);
  EXPECT_TRUE(d.finish().ok());
}

TEST(Serde, ByteArrayMatchesCairoLayout) {
  Serializer s;
  s.byte_array("hello");
  EXPECT_EQ(hexes(s.felts_out()), (std::vector<std::string>{"0x0", "0x68656c6c6f", "0x5"}));

  // A string longer than one word: one full 31-byte word, then a 6-byte pending word.
  Serializer l;
  l.byte_array("Long string, more than 31 characters.");
  EXPECT_EQ(hexes(l.felts_out()),
            (std::vector<std::string>{"0x1", "0x4c6f6e6720737472696e672c206d6f7265207468616e203331206368617261",
                                      "0x63746572732e", "0x6"}));
  Deserializer d(l.felts_out());
  EXPECT_EQ(*d.byte_array(), "Long string, more than 31 characters.");
  EXPECT_TRUE(d.finish().ok());

  for (size_t n : {0, 1, 30, 31, 32, 61, 62, 63, 100}) {
    std::string text(n, '\0');
    for (size_t i = 0; i < n; ++i) text[i] = static_cast<char>(i * 37 + 1);  // binary bytes too
    Serializer r;
    r.byte_array(text);
    EXPECT_EQ(r.felts_out().size(), n / 31 + 3);
    Deserializer back(r.felts_out());
    EXPECT_EQ(*back.byte_array(), text) << n;
  }
}

TEST(Serde, ShortStrings) {
  Serializer s;
  ASSERT_TRUE(s.short_string("zkcc-stmt-v1").ok());
  EXPECT_FALSE(s.short_string(std::string(32, 'a')).ok());
  Deserializer d(s.felts_out());
  EXPECT_EQ(*d.short_string(), "zkcc-stmt-v1");
}

TEST(Serde, RejectsTruncatedAndOutOfRangeInput) {
  std::vector<Felt252> big = {Felt252::from_u64(256)};
  EXPECT_EQ(Deserializer(big).u8().status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(Deserializer(big).u8().status().message().find("does not fit in u8"), std::string::npos);
  std::vector<Felt252> two = {Felt252::from_u64(2)};
  EXPECT_FALSE(Deserializer(two).boolean().ok());
  EXPECT_FALSE(Deserializer(two).option().ok());
  EXPECT_FALSE(Deserializer(two).variant(2).ok());
  std::vector<Felt252> wide = {Felt252::from_u64(2).pow(128)};
  EXPECT_FALSE(Deserializer(wide).u128().ok());
  EXPECT_FALSE(Deserializer(std::vector<Felt252>{Felt252::from_u64(1).doubled().pow(64)}).u64().ok());

  std::vector<Felt252> empty;
  auto e = Deserializer(empty).felt();
  EXPECT_EQ(e.status().code(), StatusCode::kOutOfRange);

  // An array claiming more items than follow is refused before anything is allocated.
  std::vector<Felt252> forged = {Felt252::from_u64(1000000), Felt252::from_u64(1)};
  auto arr = Deserializer(forged).felts();
  ASSERT_FALSE(arr.ok());
  EXPECT_NE(arr.status().message().find("exceeds"), std::string::npos);

  // ByteArray: pending length too large, pending word wider than stated, word wider than 31 bytes.
  auto f = [](uint64_t v) { return Felt252::from_u64(v); };
  EXPECT_FALSE(Deserializer(std::vector<Felt252>{f(0), f(0), f(31)}).byte_array().ok());
  EXPECT_FALSE(Deserializer(std::vector<Felt252>{f(0), f(0x1234), f(1)}).byte_array().ok());
  EXPECT_FALSE(Deserializer(std::vector<Felt252>{f(1), f(2).pow(248), f(0), f(0)}).byte_array().ok());
  EXPECT_FALSE(Deserializer(std::vector<Felt252>{f(0), f(0)}).byte_array().ok());  // truncated

  std::vector<Felt252> trailing = {f(1), f(2)};
  Deserializer t(trailing);
  ASSERT_TRUE(t.felt().ok());
  EXPECT_FALSE(t.finish().ok());
}

TEST(Serde, JsonForm) {
  std::vector<Felt252> fs = {Felt252::zero(), Felt252::from_u64(255), -Felt252::one()};
  std::string json = felts_to_json(fs);
  EXPECT_EQ(json, "[\"0x0\",\"0xff\",\"0x800000000000011000000000000000000000000000000000000000000000000\"]");
  EXPECT_EQ(*felts_from_json(json), fs);
  EXPECT_EQ(*felts_from_json("[\"12\"]"), std::vector<Felt252>{Felt252::from_u64(12)});
  EXPECT_FALSE(felts_from_json("[1]").ok());
  EXPECT_FALSE(felts_from_json("{}").ok());
  EXPECT_FALSE(felts_from_json("[\"0x800000000000011000000000000000000000000000000000000000000000001\"]").ok());
  EXPECT_FALSE(felts_from_json("[\"0x1\"").ok());
}

}  // namespace
}  // namespace zkcc::starknet
