// Round constants are generated here, the way Starknet specifies them: the constant for index k
// (round k / 3, lane k % 3) is SHA-256("Hades" || decimal(k)) read big-endian, reduced mod p. The
// tests pin them against the published list and its SHA-256.
#include "zkcc/hash/poseidon.h"

#include <string>

#include "zkcc/hash/sha2.h"

namespace zkcc::hash {
namespace {

constexpr int kHalfFull = kPoseidonFullRounds / 2;

struct Tables {
  std::array<Felt252, 3 * kPoseidonRounds> constants;
  // Partial rounds only cube lane 2, and the MDS is linear, so the constants of lanes 0 and 1 can
  // be carried forward through the MDS into the next round. Each partial round then adds a single
  // constant (to lane 2), and the remainder joins the first constants of the closing full rounds.
  std::array<Felt252, kPoseidonPartialRounds> partial_lane2;
  std::array<Felt252, 3> after_partial;
};

// The MDS [[3,1,1],[1,-1,1],[1,1,-2]] with t = s0 + s1 + s2: (t + 2s0, t - 2s1, t - 3s2).
inline void mix(Felt252& s0, Felt252& s1, Felt252& s2) {
  Felt252 t = s0 + s1 + s2;
  Felt252 n0 = t + s0.doubled();
  Felt252 n1 = t - s1.doubled();
  Felt252 n2 = t - (s2.doubled() + s2);
  s0 = n0;
  s1 = n1;
  s2 = n2;
}

inline Felt252 cube(const Felt252& x) { return x.square() * x; }

Tables make_tables() {
  Tables t;
  for (int k = 0; k < 3 * kPoseidonRounds; ++k) {
    std::string msg = "Hades" + std::to_string(k);
    Sha256Digest d = sha256(std::span(reinterpret_cast<const uint8_t*>(msg.data()), msg.size()));
    Felt252::Limbs v{};
    for (int i = 0; i < 32; ++i) v[(31 - i) / 8] |= uint64_t(d[i]) << (8 * ((31 - i) % 8));
    t.constants[k] = Felt252::reduce(v);
  }
  // Fold the lane-0/1 constants of each partial round forward (see Tables).
  Felt252 c0, c1;  // carried constants for lanes 0 and 1 entering the current round
  Felt252 c2;
  for (int r = 0; r < kPoseidonPartialRounds; ++r) {
    int base = 3 * (kHalfFull + r);
    Felt252 a0 = t.constants[base] + c0;
    Felt252 a1 = t.constants[base + 1] + c1;
    Felt252 a2 = t.constants[base + 2] + c2;
    t.partial_lane2[r] = a2;
    // What (a0, a1, 0) becomes after the MDS is added to the next round's constants.
    Felt252 z;
    mix(a0, a1, z);
    c0 = a0;
    c1 = a1;
    c2 = z;
  }
  int base = 3 * (kHalfFull + kPoseidonPartialRounds);
  t.after_partial = {t.constants[base] + c0, t.constants[base + 1] + c1, t.constants[base + 2] + c2};
  return t;
}

const Tables& tables() {
  static const Tables t = make_tables();
  return t;
}

inline void full_round(PoseidonState& s, const Felt252* c) {
  s[0] = cube(s[0] + c[0]);
  s[1] = cube(s[1] + c[1]);
  s[2] = cube(s[2] + c[2]);
  mix(s[0], s[1], s[2]);
}

}  // namespace

std::span<const Felt252, 3 * kPoseidonRounds> poseidon_round_constants() { return tables().constants; }

void hades_permutation(PoseidonState& s) {
  const Tables& t = tables();
  const Felt252* c = t.constants.data();
  for (int r = 0; r < kHalfFull; ++r) full_round(s, c + 3 * r);
  for (int r = 0; r < kPoseidonPartialRounds; ++r) {
    s[2] = cube(s[2] + t.partial_lane2[r]);
    mix(s[0], s[1], s[2]);
  }
  full_round(s, t.after_partial.data());
  for (int r = kHalfFull + kPoseidonPartialRounds + 1; r < kPoseidonRounds; ++r) full_round(s, c + 3 * r);
}

Felt252 poseidon_hash(const Felt252& x, const Felt252& y) {
  PoseidonState s = {x, y, Felt252::from_u64(2)};
  hades_permutation(s);
  return s[0];
}

Felt252 poseidon_hash_single(const Felt252& x) {
  PoseidonState s = {x, Felt252::zero(), Felt252::one()};
  hades_permutation(s);
  return s[0];
}

Felt252 poseidon_hash_many(std::span<const Felt252> xs) {
  PoseidonState s{};
  size_t i = 0;
  for (; i + 2 <= xs.size(); i += 2) {
    s[0] += xs[i];
    s[1] += xs[i + 1];
    hades_permutation(s);
  }
  if (i < xs.size()) {
    s[0] += xs[i];
    s[1] += Felt252::one();
  } else {
    s[0] += Felt252::one();
  }
  hades_permutation(s);
  return s[0];
}

std::vector<Felt252> bytes_to_felts(std::span<const uint8_t> bytes) {
  std::vector<Felt252> out;
  out.reserve((bytes.size() + 30) / 31);
  for (size_t off = 0; off < bytes.size(); off += 31) {
    size_t len = bytes.size() - off < 31 ? bytes.size() - off : 31;
    // A chunk of at most 31 bytes is always below p, so this cannot fail.
    out.push_back(*Felt252::from_bytes_be_var(bytes.subspan(off, len)));
  }
  return out;
}

Felt252 report_hash_felt(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return Felt252::zero();
  std::vector<Felt252> felts = bytes_to_felts(bytes);
  return poseidon_hash_many(felts);
}

}  // namespace zkcc::hash
