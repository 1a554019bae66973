#include "zkcc/proof/transcript.h"

#include "zkcc/hash/poseidon.h"

namespace zkcc::proof {
namespace {
// Six 31-bit chunks fit below bit 192, where a uniform felt's bits are uniform (p = 1 mod 2^192).
constexpr int kChallengeChunksPerFelt = 6;
}  // namespace

Transcript::Transcript(const Felt252& domain_tag) { mix(domain_tag); }

void Transcript::mix(const Felt252& v) {
  hash::PoseidonState s = {digest_, v, Felt252::from_u64(2)};
  hash::hades_permutation(s);
  digest_ = s[0];
  counter_ = 0;
}

void Transcript::mix_felts(std::span<const Felt252> vs) {
  mix(Felt252::from_u64(vs.size()));
  for (const Felt252& v : vs) mix(v);
}

std::vector<Felt252> pack_m31s(std::span<const M31> vs) {
  std::vector<Felt252> out;
  out.reserve((vs.size() + 7) / 8);
  for (size_t i = 0; i < vs.size(); i += 8) {
    Felt252::Limbs l{};
    for (size_t j = 0; j < 8 && i + j < vs.size(); ++j) {
      size_t bit = 31 * j;
      uint64_t v = vs[i + j].value();
      l[bit / 64] |= v << (bit % 64);
      if (bit % 64 > 33) l[bit / 64 + 1] |= v >> (64 - bit % 64);  // straddles two limbs
    }
    out.push_back(*Felt252::from_canonical(l));  // below 2^248 < p
  }
  return out;
}

void Transcript::mix_m31s(std::span<const M31> vs) {
  mix(Felt252::from_u64(vs.size()));
  for (const Felt252& f : pack_m31s(vs)) mix(f);
}

void Transcript::mix_qm31s(std::span<const QM31> vs) {
  std::vector<M31> flat;
  flat.reserve(4 * vs.size());
  for (const QM31& q : vs) {
    auto c = q.to_m31s();
    flat.insert(flat.end(), c.begin(), c.end());
  }
  mix_m31s(flat);
}

Felt252 Transcript::draw_felt() {
  hash::PoseidonState s = {digest_, Felt252::from_u64(counter_), Felt252::from_u64(3)};
  hash::hades_permutation(s);
  ++counter_;
  return s[0];
}

QM31 Transcript::draw_qm31() {
  M31 c[4];
  int have = 0;
  while (have < 4) {
    Felt252::Limbs l = draw_felt().to_limbs();
    for (int j = 0; j < kChallengeChunksPerFelt && have < 4; ++j) {
      int bit = 31 * j;
      uint64_t v = l[bit / 64] >> (bit % 64);
      if (bit % 64 > 33) v |= l[bit / 64 + 1] << (64 - bit % 64);
      auto chunk = static_cast<uint32_t>(v & M31::kModulus);
      if (chunk == M31::kModulus) continue;  // 2^31 - 1 is p itself: not canonical
      c[have++] = M31::from_canonical(chunk);
    }
  }
  return QM31::from_m31s(c[0], c[1], c[2], c[3]);
}

std::vector<QM31> Transcript::draw_qm31s(size_t n) {
  std::vector<QM31> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) out.push_back(draw_qm31());
  return out;
}

}  // namespace zkcc::proof
