// BLAKE2s-256 (RFC 7693), unkeyed, with an optional 8-byte personalization (the parameter block's
// "personal" field), for Merkle trees over bulk data and proof-of-work.
//
// blake2s_compress is the compression function F on one 64-byte block given as sixteen
// little-endian words; a Merkle node (two 32-byte children) is exactly one block, so hashing it
// costs one call.
#ifndef ZKCC_HASH_BLAKE2S_H_
#define ZKCC_HASH_BLAKE2S_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace zkcc::hash {

using Blake2sDigest = std::array<uint8_t, 32>;
// The chaining value h[0..7].
using Blake2sState = std::array<uint32_t, 8>;
using Blake2sPersonal = std::array<uint8_t, 8>;

// The initial chaining value for a 32-byte digest, no key, no salt, and this personalization
// (all zero for plain BLAKE2s-256).
Blake2sState blake2s_init(const Blake2sPersonal& personal = {});

// F(h, m, t, f): compresses one block m (sixteen words, read little endian from the block's
// bytes) into h. `counter` is the byte count so far including this block; `last` sets f0.
void blake2s_compress(Blake2sState& h, const uint32_t m[16], uint64_t counter, bool last);

// Eight independent compressions with the same counter and flag, in lockstep on AVX2 when the
// CPU has it (one at a time otherwise): h[i] absorbs the sixteen words at m[i].
void blake2s_compress_x8(Blake2sState h[8], const uint32_t* const m[8], uint64_t counter, bool last);

// The 32 little-endian bytes of a chaining value.
Blake2sDigest blake2s_digest(const Blake2sState& h);

// BLAKE2s-256 of any byte string, from a given initial state (blake2s_init()).
Blake2sDigest blake2s(const Blake2sState& init, std::span<const uint8_t> data);
// Plain BLAKE2s-256.
Blake2sDigest blake2s(std::span<const uint8_t> data);
// BLAKE2s-256 of a message given as little-endian 32-bit words (for rows of field elements),
// without an intermediate byte copy.
Blake2sDigest blake2s_words(const Blake2sState& init, std::span<const uint32_t> words);

}  // namespace zkcc::hash

#endif  // ZKCC_HASH_BLAKE2S_H_
