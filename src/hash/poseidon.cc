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

// The permutation runs on raw Montgomery limbs with lazy reduction. Invariant at the start of
// each round: every lane is in [0, 2p). Adding a constant (< p) gives < 3p; the lazy cube of a
// value < 3p is < 1.13p; the full rounds' MDS below stays under 9.2p < 16p < 2^256 without wrapping (the
// subtractions are offset by 4p, which exceeds twice or three times any lane they subtract);
// reduce_partial then restores [0, 2p). The output lanes are made canonical once, at the end.
namespace lazy {

using field::limbs::L4;

constexpr L4 k4P = {4, 0, 0, 4 * field::limbs::kP3};

template <bool kAdx>
inline L4 cube(const L4& x) {
#ifdef ZKCC_HAVE_ADX_CUBE
  if constexpr (kAdx) return field::limbs::mont_cube_lazy_adx(x);
#endif
  return field::limbs::mont_mul_lazy_with<kAdx>(field::limbs::mont_sqr_lazy_with<kAdx>(x), x);
}

inline void mix(L4& s0, L4& s1, L4& s2) {
  using field::limbs::add;
  using field::limbs::dbl;
  using field::limbs::sub;
  L4 t = add(add(s0, s1), s2);
  L4 n0 = add(t, dbl(s0));
  L4 n1 = sub(add(t, k4P), dbl(s1));
  L4 n2 = sub(add(t, k4P), add(dbl(s2), s2));
  s0 = field::limbs::reduce_partial(n0);
  s1 = field::limbs::reduce_partial(n1);
  s2 = field::limbs::reduce_partial(n2);
}

template <bool kAdx>
inline void full_round(L4& s0, L4& s1, L4& s2, const Felt252* c) {
  s0 = cube<kAdx>(field::limbs::add(s0, c[0].montgomery_limbs()));
  s1 = cube<kAdx>(field::limbs::add(s1, c[1].montgomery_limbs()));
  s2 = cube<kAdx>(field::limbs::add(s2, c[2].montgomery_limbs()));
  mix(s0, s1, s2);
}

// Partial rounds only cube lane 2, whose chain of cubes is the permutation's critical path; the
// MDS is regrouped to keep everything else off it. x is lane 2 with this round's constant already
// added, y its cube, and c the next round's lane-2 constant (zero after the last partial round):
//   s0' = (3 s0 + s1) + y,   s1' = (s0 - s1 + 4p) + y,   x' = (s0 + s1 + 4p + c) - 2y.
// Lane 2 skips reduce_partial: x < 9p, so y < (81/32 * 9/32 + 1) p < 2p and 2y < 4p keeps x'
// non-negative, and x' < 2p + 2p + 4p + p = 9p again. s0' < 10p and s1' < 8p are reduced.
template <bool kAdx>
inline void partial_round(L4& s0, L4& s1, L4& x, const L4& c_next) {
  using field::limbs::add;
  using field::limbs::dbl;
  using field::limbs::sub;
  L4 a0 = add(dbl(s0), add(s0, s1));
  L4 a1 = sub(add(s0, k4P), s1);
  L4 a2 = add(add(add(s0, s1), k4P), c_next);
  L4 y = cube<kAdx>(x);
  s0 = field::limbs::reduce_partial(add(a0, y));
  s1 = field::limbs::reduce_partial(add(a1, y));
  x = sub(a2, dbl(y));
}

}  // namespace lazy

}  // namespace

std::span<const Felt252, 3 * kPoseidonRounds> poseidon_round_constants() { return tables().constants; }

namespace {

template <bool kAdx>
void permute(PoseidonState& state) {
  const Tables& t = tables();
  const Felt252* c = t.constants.data();
  field::limbs::L4 s0 = state[0].montgomery_limbs(), s1 = state[1].montgomery_limbs(),
                   s2 = state[2].montgomery_limbs();
  for (int r = 0; r < kHalfFull; ++r) lazy::full_round<kAdx>(s0, s1, s2, c + 3 * r);
  s2 = field::limbs::add(s2, t.partial_lane2[0].montgomery_limbs());
  for (int r = 0; r + 1 < kPoseidonPartialRounds; ++r) {
    lazy::partial_round<kAdx>(s0, s1, s2, t.partial_lane2[r + 1].montgomery_limbs());
  }
  lazy::partial_round<kAdx>(s0, s1, s2, field::limbs::L4{});
  s2 = field::limbs::reduce_partial(s2);
  lazy::full_round<kAdx>(s0, s1, s2, t.after_partial.data());
  for (int r = kHalfFull + kPoseidonPartialRounds + 1; r < kPoseidonRounds; ++r) {
    lazy::full_round<kAdx>(s0, s1, s2, c + 3 * r);
  }
  state[0] = Felt252::from_montgomery_limbs(field::limbs::cond_sub_p(s0));
  state[1] = Felt252::from_montgomery_limbs(field::limbs::cond_sub_p(s1));
  state[2] = Felt252::from_montgomery_limbs(field::limbs::cond_sub_p(s2));
}

}  // namespace

void hades_permutation(PoseidonState& state) {
  if (field::limbs::kUseAdx) {
    permute<true>(state);
  } else {
    permute<false>(state);
  }
}

void hades_permutation_portable(PoseidonState& state) { permute<false>(state); }

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
