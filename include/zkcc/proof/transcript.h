// Fiat-Shamir transcript on Starknet Poseidon, chosen so a Cairo verifier can replay it.
//
// State: a felt `digest` and a draw counter.
//   mix(v):   digest = Hades(digest, v, 2)[0]; counter = 0
//   draw():   out = Hades(digest, counter, 3)[0]; counter += 1   (digest unchanged)
// Messages are absorbed with their length first (mix(n), then the items), so no two different
// message sequences absorb the same felts. M31 data is packed 8 values per felt, value i at bits
// 31i..31i+30 (8 * 31 = 248 bits, always canonical); a QM31 is its 4 coordinates (1, i, u, iu).
// A QM31 challenge takes 31-bit chunks from drawn felts, lowest bits first (chunk j is bits
// 31j..31j+30, j = 0..5: only bits below 192 are used), skipping the one non-canonical chunk value
// 2^31 - 1, until it has 4. A felt uniform below p has its low 192 bits within 2^-250 of uniform
// (p = 1 mod 2^192), so the coordinates are uniform over M31 up to that distance; the higher bits
// would be biased by about 2^-55 (see docs/soundness.md).
#ifndef ZKCC_PROOF_TRANSCRIPT_H_
#define ZKCC_PROOF_TRANSCRIPT_H_

#include <cstddef>
#include <span>
#include <vector>

#include "zkcc/field/felt252.h"
#include "zkcc/field/qm31.h"

namespace zkcc::proof {

using field::M31;
using field::QM31;

class Transcript {
 public:
  // Starts from digest 0 and absorbs the domain tag (a Cairo short string such as "zkcc-v1").
  explicit Transcript(const Felt252& domain_tag);

  void mix(const Felt252& v);
  void mix_felts(std::span<const Felt252> vs);
  void mix_m31s(std::span<const M31> vs);
  void mix_qm31s(std::span<const QM31> vs);

  Felt252 draw_felt();
  QM31 draw_qm31();
  std::vector<QM31> draw_qm31s(size_t n);

  const Felt252& digest() const { return digest_; }

 private:
  Felt252 digest_;
  uint64_t counter_ = 0;
};

// Packs M31 values 8 per felt (value i of a group at bits 31i..); the last felt may hold fewer.
std::vector<Felt252> pack_m31s(std::span<const M31> vs);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_TRANSCRIPT_H_
