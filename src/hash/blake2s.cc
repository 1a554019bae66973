#include "zkcc/hash/blake2s.h"

#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#define ZKCC_B2S_HAVE_X86 1
#endif

namespace zkcc::hash {
namespace {

constexpr Blake2sState kIv = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                              0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};

// RFC 7693 section 2.7: the message word schedule of each of the ten rounds.
constexpr uint8_t kSigma[10][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4}, {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13}, {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11}, {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5}, {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
};

inline uint32_t rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

#define ZKCC_B2S_G(a, b, c, d, x, y) \
  a = a + b + (x);                   \
  d = rotr(d ^ a, 16);               \
  c = c + d;                         \
  b = rotr(b ^ c, 12);               \
  a = a + b + (y);                   \
  d = rotr(d ^ a, 8);                \
  c = c + d;                         \
  b = rotr(b ^ c, 7);

// One round with the schedule fixed at compile time, so every message index is a constant.
template <int R>
inline void round(uint32_t v[16], const uint32_t m[16]) {
  constexpr const uint8_t* s = kSigma[R];
  ZKCC_B2S_G(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
  ZKCC_B2S_G(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
  ZKCC_B2S_G(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
  ZKCC_B2S_G(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
  ZKCC_B2S_G(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
  ZKCC_B2S_G(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
  ZKCC_B2S_G(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
  ZKCC_B2S_G(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}
#undef ZKCC_B2S_G

inline uint32_t load32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

#if ZKCC_B2S_HAVE_X86
// The same rounds with each of the sixteen state words holding eight messages' values.
#define ZKCC_B2S_ADD(a, b) _mm256_add_epi32(a, b)
#define ZKCC_B2S_ROT16(x) _mm256_shuffle_epi8(x, rot16)
#define ZKCC_B2S_ROT8(x) _mm256_shuffle_epi8(x, rot8)
#define ZKCC_B2S_ROTR(x, n) _mm256_or_si256(_mm256_srli_epi32(x, n), _mm256_slli_epi32(x, 32 - (n)))
#define ZKCC_B2S_G8(a, b, c, d, x, y)                                \
  a = ZKCC_B2S_ADD(ZKCC_B2S_ADD(a, b), x);                          \
  d = ZKCC_B2S_ROT16(_mm256_xor_si256(d, a));                       \
  c = ZKCC_B2S_ADD(c, d);                                           \
  b = ZKCC_B2S_ROTR(_mm256_xor_si256(b, c), 12);                    \
  a = ZKCC_B2S_ADD(ZKCC_B2S_ADD(a, b), y);                          \
  d = ZKCC_B2S_ROT8(_mm256_xor_si256(d, a));                        \
  c = ZKCC_B2S_ADD(c, d);                                           \
  b = ZKCC_B2S_ROTR(_mm256_xor_si256(b, c), 7);

template <int R>
__attribute__((target("avx2"))) inline void round8(__m256i v[16], const __m256i m[16], __m256i rot16, __m256i rot8) {
  constexpr const uint8_t* s = kSigma[R];
  ZKCC_B2S_G8(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
  ZKCC_B2S_G8(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
  ZKCC_B2S_G8(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
  ZKCC_B2S_G8(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
  ZKCC_B2S_G8(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
  ZKCC_B2S_G8(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
  ZKCC_B2S_G8(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
  ZKCC_B2S_G8(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}
#undef ZKCC_B2S_G8
#undef ZKCC_B2S_ROTR
#undef ZKCC_B2S_ROT8
#undef ZKCC_B2S_ROT16
#undef ZKCC_B2S_ADD

__attribute__((target("avx2"))) void compress_x8_avx2(Blake2sState h[8], const uint32_t* const m[8], uint64_t counter,
                                                      bool last) {
  const __m256i rot16 = _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13, 2, 3, 0, 1, 6, 7, 4, 5, 10,
                                         11, 8, 9, 14, 15, 12, 13);
  const __m256i rot8 = _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12, 1, 2, 3, 0, 5, 6, 7, 4, 9,
                                        10, 11, 8, 13, 14, 15, 12);
  // Transposed through memory: lane l of word i is message (or state) l's word i.
  alignas(32) uint32_t t[16][8];
  __m256i mv[16], v[16];
  for (int i = 0; i < 16; ++i) {
    for (int l = 0; l < 8; ++l) t[i][l] = m[l][i];
    mv[i] = _mm256_load_si256(reinterpret_cast<const __m256i*>(t[i]));
  }
  for (int i = 0; i < 8; ++i) {
    for (int l = 0; l < 8; ++l) t[i][l] = h[l][i];
    v[i] = _mm256_load_si256(reinterpret_cast<const __m256i*>(t[i]));
    v[i + 8] = _mm256_set1_epi32(static_cast<int>(kIv[i]));
  }
  v[12] = _mm256_xor_si256(v[12], _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(counter))));
  v[13] = _mm256_xor_si256(v[13], _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(counter >> 32))));
  if (last) v[14] = _mm256_xor_si256(v[14], _mm256_set1_epi32(-1));
  round8<0>(v, mv, rot16, rot8);
  round8<1>(v, mv, rot16, rot8);
  round8<2>(v, mv, rot16, rot8);
  round8<3>(v, mv, rot16, rot8);
  round8<4>(v, mv, rot16, rot8);
  round8<5>(v, mv, rot16, rot8);
  round8<6>(v, mv, rot16, rot8);
  round8<7>(v, mv, rot16, rot8);
  round8<8>(v, mv, rot16, rot8);
  round8<9>(v, mv, rot16, rot8);
  for (int i = 0; i < 8; ++i) {
    alignas(32) uint32_t out[8];
    _mm256_store_si256(reinterpret_cast<__m256i*>(out), _mm256_xor_si256(v[i], v[i + 8]));
    for (int l = 0; l < 8; ++l) h[l][i] ^= out[l];
  }
}

bool have_avx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace

void blake2s_compress_x8(Blake2sState h[8], const uint32_t* const m[8], uint64_t counter, bool last) {
#if ZKCC_B2S_HAVE_X86
  if (have_avx2()) return compress_x8_avx2(h, m, counter, last);
#endif
  for (int i = 0; i < 8; ++i) blake2s_compress(h[i], m[i], counter, last);
}

Blake2sState blake2s_init(const Blake2sPersonal& personal) {
  Blake2sState h = kIv;
  // Parameter block word 0: digest length 32, key length 0, fanout 1, depth 1.
  h[0] ^= 0x01010000u ^ 32u;
  // Words 6 and 7 hold the personalization.
  h[6] ^= load32(personal.data());
  h[7] ^= load32(personal.data() + 4);
  return h;
}

void blake2s_compress(Blake2sState& h, const uint32_t m[16], uint64_t counter, bool last) {
  uint32_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = h[i];
    v[i + 8] = kIv[i];
  }
  v[12] ^= static_cast<uint32_t>(counter);
  v[13] ^= static_cast<uint32_t>(counter >> 32);
  if (last) v[14] = ~v[14];
  round<0>(v, m);
  round<1>(v, m);
  round<2>(v, m);
  round<3>(v, m);
  round<4>(v, m);
  round<5>(v, m);
  round<6>(v, m);
  round<7>(v, m);
  round<8>(v, m);
  round<9>(v, m);
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
}

Blake2sDigest blake2s_digest(const Blake2sState& h) {
  Blake2sDigest out;
  for (int i = 0; i < 8; ++i) {
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(h[i] >> (8 * j));
  }
  return out;
}

Blake2sDigest blake2s(const Blake2sState& init, std::span<const uint8_t> data) {
  Blake2sState h = init;
  uint32_t m[16];
  size_t pos = 0;
  // Every block but the last is compressed as non-final; the last (possibly partial, possibly
  // empty for an empty message) is zero padded and final.
  while (data.size() - pos > 64) {
    for (int i = 0; i < 16; ++i) m[i] = load32(data.data() + pos + 4 * i);
    pos += 64;
    blake2s_compress(h, m, pos, false);
  }
  uint8_t block[64] = {};
  if (data.size() > pos) std::memcpy(block, data.data() + pos, data.size() - pos);
  for (int i = 0; i < 16; ++i) m[i] = load32(block + 4 * i);
  blake2s_compress(h, m, data.size(), true);
  return blake2s_digest(h);
}

Blake2sDigest blake2s(std::span<const uint8_t> data) { return blake2s(blake2s_init(), data); }

Blake2sDigest blake2s_words(const Blake2sState& init, std::span<const uint32_t> words) {
  Blake2sState h = init;
  size_t pos = 0;
  while (words.size() - pos > 16) {
    pos += 16;
    blake2s_compress(h, words.data() + pos - 16, 4 * uint64_t(pos), false);
  }
  uint32_t m[16] = {};
  for (size_t i = pos; i < words.size(); ++i) m[i - pos] = words[i];
  blake2s_compress(h, m, 4 * uint64_t(words.size()), true);
  return blake2s_digest(h);
}

}  // namespace zkcc::hash
