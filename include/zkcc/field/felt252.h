// Felt252: the Starknet field, p = 2^251 + 17 * 2^192 + 1, in Montgomery form (R = 2^256) on
// four little-endian 64-bit limbs. The prime's low limb is 1, so -p^-1 mod 2^64 = 2^64 - 1 and a
// Montgomery reduction step costs one multiplication by the top limb only.
#ifndef ZKCC_FIELD_FELT252_H_
#define ZKCC_FIELD_FELT252_H_

#include <array>
#include <compare>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "zkcc/base/status.h"
#include "zkcc/field/felt252_limbs.h"

namespace zkcc::field {

using limbs::u128;

class Felt252 {
 public:
  using Limbs = std::array<uint64_t, 4>;  // little-endian 64-bit limbs
  static constexpr Limbs kModulus = {1, 0, 0, 0x0800000000000011ull};

  constexpr Felt252() = default;
  static constexpr Felt252 zero() { return Felt252(); }
  static constexpr Felt252 one() { return from_raw(kROne); }
  static Felt252 from_u64(uint64_t v) { return to_montgomery({v, 0, 0, 0}); }
  static Felt252 from_u128(u128 v) {
    return to_montgomery({static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64), 0, 0});
  }
  static Felt252 from_i64(int64_t v) {
    Felt252 m = from_u64(v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
    return v < 0 ? -m : m;
  }
  // Reduces any 256-bit integer modulo p (for hashing arbitrary 32-byte strings into the field).
  static Felt252 reduce(const Limbs& v) { return from_raw(mont_mul(v, kR2)); }
  // Rejects values >= p.
  static StatusOr<Felt252> from_canonical(const Limbs& v);
  // 32 bytes big-endian; rejects values >= p.
  static StatusOr<Felt252> from_bytes_be(std::span<const uint8_t> bytes);
  // At most 32 bytes, big-endian, right-aligned; rejects values >= p.
  static StatusOr<Felt252> from_bytes_be_var(std::span<const uint8_t> bytes);
  // "0x" followed by 1..64 significant hex digits (leading zeros allowed); rejects values >= p.
  static StatusOr<Felt252> from_hex(std::string_view s);
  // Decimal digits only; rejects values >= p.
  static StatusOr<Felt252> from_dec(std::string_view s);
  // Hex when the text starts with 0x, decimal otherwise.
  static StatusOr<Felt252> parse(std::string_view s);
  // A Cairo short string: at most 31 ASCII bytes, read as a big-endian integer.
  static StatusOr<Felt252> from_short_string(std::string_view s);

  Limbs to_limbs() const { return from_montgomery(m_); }
  std::array<uint8_t, 32> to_bytes_be() const;
  // Lowercase "0x" hex without leading zeros ("0x0" for zero), as Starknet tools print felts.
  std::string to_hex() const;
  // "0x" and exactly 64 hex digits.
  std::string to_hex_padded() const;
  std::string to_dec() const;
  // The inverse of from_short_string; fails when the bytes are not printable ASCII.
  StatusOr<std::string> to_short_string() const;
  // Low 64 bits of the canonical value, and whether the value fits in them.
  uint64_t low_u64() const { return to_limbs()[0]; }
  bool fits_u64() const {
    Limbs l = to_limbs();
    return (l[1] | l[2] | l[3]) == 0;
  }

  constexpr bool is_zero() const { return (m_[0] | m_[1] | m_[2] | m_[3]) == 0; }
  // Montgomery form is unique for canonical values, so equality compares limbs directly.
  friend constexpr bool operator==(const Felt252& a, const Felt252& b) { return a.m_ == b.m_; }
  // Orders by canonical integer value.
  friend std::strong_ordering operator<=>(const Felt252& a, const Felt252& b);

  Felt252 operator+(const Felt252& o) const { return from_raw(limbs::add_mod(m_, o.m_)); }
  Felt252 operator-(const Felt252& o) const { return from_raw(limbs::sub_mod(m_, o.m_)); }
  Felt252 operator-() const { return from_raw(limbs::sub_mod(Limbs{}, m_)); }
  Felt252 operator*(const Felt252& o) const { return from_raw(mont_mul(m_, o.m_)); }
  Felt252& operator+=(const Felt252& o) { return *this = *this + o; }
  Felt252& operator-=(const Felt252& o) { return *this = *this - o; }
  Felt252& operator*=(const Felt252& o) { return *this = *this * o; }
  Felt252 square() const { return from_raw(limbs::cond_sub_p(limbs::mont_sqr_lazy(m_))); }
  Felt252 doubled() const { return *this + *this; }
  // Raises to a 256-bit exponent (little-endian limbs); square-and-multiply over all 256 bits.
  Felt252 pow(const Limbs& e) const {
    Felt252 acc = one();
    for (int i = 255; i >= 0; --i) {
      acc = acc.square();
      if ((e[i / 64] >> (i % 64)) & 1) acc *= *this;
    }
    return acc;
  }
  Felt252 pow(uint64_t e) const { return pow(Limbs{e, 0, 0, 0}); }
  // Fermat inverse a^(p-2); the inverse of zero is zero.
  Felt252 inverse() const { return pow(Limbs{0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull, 0x0800000000000010ull}); }

  // The raw Montgomery limbs, for code that serialises the internal form (benchmarks, tests).
  constexpr const Limbs& montgomery_limbs() const { return m_; }
  // Wraps Montgomery limbs that the caller has already reduced to [0, p).
  static constexpr Felt252 from_montgomery_limbs(const Limbs& m) { return from_raw(m); }

  // Montgomery multiplication: a * b / 2^256 mod p, canonical for canonical inputs and for any
  // a < 2^256 when b < p.
  static Limbs mont_mul(const Limbs& a, const Limbs& b) {
    return limbs::cond_sub_p(limbs::mont_mul_lazy(a, b));
  }

 private:
  static constexpr Limbs kROne = {0xffffffffffffffe1ull, 0xffffffffffffffffull, 0xffffffffffffffffull,
                                  0x07fffffffffffdf0ull};  // 2^256 mod p
  static constexpr Limbs kR2 = {0xfffffd737e000401ull, 0x00000001330fffffull, 0xffffffffff6f8000ull,
                                0x07ffd4ab5e008810ull};  // 2^512 mod p

  static constexpr Felt252 from_raw(const Limbs& m) {
    Felt252 f;
    f.m_ = m;
    return f;
  }
  static Felt252 to_montgomery(const Limbs& v) { return from_raw(mont_mul(v, kR2)); }
  static Limbs from_montgomery(const Limbs& m) { return mont_mul(m, Limbs{1, 0, 0, 0}); }

  Limbs m_{};
};

inline std::ostream& operator<<(std::ostream& os, const Felt252& f) { return os << f.to_hex(); }

}  // namespace zkcc::field

namespace zkcc {
using field::Felt252;
}

#endif  // ZKCC_FIELD_FELT252_H_
