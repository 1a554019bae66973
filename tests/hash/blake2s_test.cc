#include "zkcc/hash/blake2s.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "zkcc/base/bytes.h"

namespace zkcc::hash {
namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

Blake2sDigest openssl_blake2s(std::span<const uint8_t> data) {
  Blake2sDigest out{};
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_blake2s256(), nullptr), 1);
  EXPECT_EQ(len, 32u);
  return out;
}

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i % 251);
  return v;
}

// RFC 7693 Appendix B, and the empty message.
TEST(Blake2s, KnownAnswers) {
  EXPECT_EQ(to_hex(blake2s(bytes("abc"))), "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982");
  EXPECT_EQ(to_hex(blake2s({})), "69217a3079908094e11121d042354a7c1f55b6482ca1a51e1b250dfd1ed0eef9");
}

// Block boundaries (one byte short of a block, exact blocks, one over) against OpenSSL 3.
TEST(Blake2s, MatchesOpenSsl) {
  for (size_t n : {0, 1, 3, 55, 63, 64, 65, 127, 128, 129, 1000}) {
    auto data = pattern(n);
    EXPECT_EQ(to_hex(blake2s(data)), to_hex(openssl_blake2s(data))) << "length " << n;
  }
}

// The personalization enters the parameter block; vectors from Python's hashlib.blake2s(person=).
TEST(Blake2s, Personalization) {
  auto node = blake2s(blake2s_init({'z', 'k', 'c', 'c', 'n', 'o', 'd', 'e'}), pattern(64));
  EXPECT_EQ(to_hex(node), "8676e979a34574197e47350597311c485f2bd4b7ceb36ac88912461375507d44");
  auto leaf = blake2s(blake2s_init({'z', 'k', 'c', 'c', 'l', 'e', 'a', 'f'}), pattern(100));
  EXPECT_EQ(to_hex(leaf), "3d89fb01a2b536a8f953668e9facdf60f67b7f810b2e36c61b87049fff0aabb6");
}

// Hashing words is hashing their little-endian bytes.
TEST(Blake2s, WordsAreLittleEndianBytes) {
  for (size_t words : {0, 1, 15, 16, 17, 32, 33}) {
    std::vector<uint32_t> w(words);
    std::vector<uint8_t> b;
    for (size_t i = 0; i < words; ++i) {
      w[i] = static_cast<uint32_t>(0x9e3779b9u * (i + 1));
      for (int j = 0; j < 4; ++j) b.push_back(static_cast<uint8_t>(w[i] >> (8 * j)));
    }
    EXPECT_EQ(blake2s_words(blake2s_init(), w), blake2s(b)) << words << " words";
  }
}

// The eight-lane compression agrees with eight single ones (each lane its own state and block).
TEST(Blake2s, EightLanesMatchSingleCompressions) {
  uint32_t blocks[8][16];
  const uint32_t* m[8];
  Blake2sState lanes[8], single[8];
  for (int l = 0; l < 8; ++l) {
    for (int i = 0; i < 16; ++i) blocks[l][i] = static_cast<uint32_t>(0x9e3779b9u * uint32_t(16 * l + i + 1));
    m[l] = blocks[l];
    lanes[l] = single[l] = blake2s_init({static_cast<uint8_t>(l)});
  }
  for (bool last : {false, true}) {
    blake2s_compress_x8(lanes, m, 64 + (uint64_t{1} << 33), last);
    for (int l = 0; l < 8; ++l) blake2s_compress(single[l], m[l], 64 + (uint64_t{1} << 33), last);
    for (int l = 0; l < 8; ++l) EXPECT_EQ(lanes[l], single[l]) << l;
  }
}

}  // namespace
}  // namespace zkcc::hash
