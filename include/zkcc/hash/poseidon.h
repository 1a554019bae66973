// Starknet Poseidon: the Hades permutation over Felt252 (width 3, rate 2, x^3 S-box, 4 full + 83
// partial + 4 full rounds, MDS [[3,1,1],[1,-1,1],[1,1,-2]]) and the hashes Starknet builds on it.
#ifndef ZKCC_HASH_POSEIDON_H_
#define ZKCC_HASH_POSEIDON_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "zkcc/field/felt252.h"

namespace zkcc::hash {

using field::Felt252;
using PoseidonState = std::array<Felt252, 3>;

inline constexpr int kPoseidonFullRounds = 8;      // 4 before, 4 after the partial rounds
inline constexpr int kPoseidonPartialRounds = 83;
inline constexpr int kPoseidonRounds = kPoseidonFullRounds + kPoseidonPartialRounds;

// The 273 round constants, round-major: constant for round r, lane j at index 3r + j.
std::span<const Felt252, 3 * kPoseidonRounds> poseidon_round_constants();

// The Hades permutation, in place. Uses mulx/adcx/adox when the CPU has them.
void hades_permutation(PoseidonState& state);
// The same permutation on the portable C++ path only, so tests can check both paths agree.
void hades_permutation_portable(PoseidonState& state);

// permutation([x, y, 2])[0]
Felt252 poseidon_hash(const Felt252& x, const Felt252& y);
// permutation([x, 0, 1])[0]
Felt252 poseidon_hash_single(const Felt252& x);
// Sponge over pairs with Starknet's padding: a trailing 1 (even length) or [last, 1] (odd length).
Felt252 poseidon_hash_many(std::span<const Felt252> xs);

// Splits bytes into 31-byte chunks from the start, each a big-endian integer of its own length
// (the last, shorter chunk is right-aligned). 31 bytes < 2^248 < p, so every chunk is canonical.
std::vector<Felt252> bytes_to_felts(std::span<const uint8_t> bytes);
// Empty -> 0; otherwise poseidon_hash_many(bytes_to_felts(bytes)). The reference prover's format.
Felt252 report_hash_felt(std::span<const uint8_t> bytes);

}  // namespace zkcc::hash

#endif  // ZKCC_HASH_POSEIDON_H_
