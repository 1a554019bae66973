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

namespace zkcc::field {

__extension__ typedef unsigned __int128 u128;

class Felt252 {
 public:
  using Limbs = std::array<uint64_t, 4>;  // little-endian 64-bit limbs
  static constexpr Limbs kModulus = {1, 0, 0, 0x0800000000000011ull};

  constexpr Felt252() = default;
  static constexpr Felt252 zero() { return Felt252(); }
  static constexpr Felt252 one() { return from_raw(kROne); }
  static constexpr Felt252 from_u64(uint64_t v) { return to_montgomery({v, 0, 0, 0}); }
  static constexpr Felt252 from_u128(u128 v) {
    return to_montgomery({static_cast<uint64_t>(v), static_cast<uint64_t>(v >> 64), 0, 0});
  }
  static constexpr Felt252 from_i64(int64_t v) {
    Felt252 m = from_u64(v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
    return v < 0 ? -m : m;
  }
  // Reduces any 256-bit integer modulo p (for hashing arbitrary 32-byte strings into the field).
  static constexpr Felt252 reduce(const Limbs& v) { return from_raw(mont_mul(v, kR2)); }
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

  constexpr Felt252 operator+(const Felt252& o) const { return from_raw(add_mod(m_, o.m_)); }
  constexpr Felt252 operator-(const Felt252& o) const { return from_raw(sub_mod(m_, o.m_)); }
  constexpr Felt252 operator-() const { return from_raw(sub_mod(Limbs{}, m_)); }
  constexpr Felt252 operator*(const Felt252& o) const { return from_raw(mont_mul(m_, o.m_)); }
  constexpr Felt252& operator+=(const Felt252& o) { return *this = *this + o; }
  constexpr Felt252& operator-=(const Felt252& o) { return *this = *this - o; }
  constexpr Felt252& operator*=(const Felt252& o) { return *this = *this * o; }
  constexpr Felt252 square() const { return from_raw(mont_mul(m_, m_)); }
  constexpr Felt252 doubled() const { return *this + *this; }
  // Raises to a 256-bit exponent (little-endian limbs); square-and-multiply over all 256 bits.
  constexpr Felt252 pow(const Limbs& e) const {
    Felt252 acc = one();
    for (int i = 255; i >= 0; --i) {
      acc = acc.square();
      if ((e[i / 64] >> (i % 64)) & 1) acc *= *this;
    }
    return acc;
  }
  constexpr Felt252 pow(uint64_t e) const { return pow(Limbs{e, 0, 0, 0}); }
  // Fermat inverse a^(p-2); the inverse of zero is zero.
  constexpr Felt252 inverse() const { return pow(Limbs{0xffffffffffffffffull, 0xffffffffffffffffull, 0xffffffffffffffffull, 0x0800000000000010ull}); }

  // The raw Montgomery limbs, for code that serialises the internal form (benchmarks, tests).
  constexpr const Limbs& montgomery_limbs() const { return m_; }

  // Montgomery multiplication (CIOS): returns a * b / 2^256 mod p, canonical for canonical inputs
  // and for any a < 2^256 when b < p.
  static constexpr Limbs mont_mul(const Limbs& a, const Limbs& b) {
    uint64_t t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
    for (int i = 0; i < 4; ++i) {
      // t += a * b[i]
      u128 c = u128(a[0]) * b[i] + t0;
      t0 = static_cast<uint64_t>(c);
      c = u128(a[1]) * b[i] + t1 + (c >> 64);
      t1 = static_cast<uint64_t>(c);
      c = u128(a[2]) * b[i] + t2 + (c >> 64);
      t2 = static_cast<uint64_t>(c);
      c = u128(a[3]) * b[i] + t3 + (c >> 64);
      t3 = static_cast<uint64_t>(c);
      uint64_t t5 = static_cast<uint64_t>((u128(t4) + (c >> 64)) >> 64);
      t4 = static_cast<uint64_t>(t4 + static_cast<uint64_t>(c >> 64));
      // m = -t0 makes t0 + m*p[0] = 0 mod 2^64; p = 1 + p3*2^192, so only limb 3 gets m*p3.
      uint64_t m = uint64_t(0) - t0;
      uint64_t carry = t0 != 0 ? 1 : 0;  // t0 + m overflows exactly when t0 != 0
      c = u128(t1) + carry;
      uint64_t n0 = static_cast<uint64_t>(c);
      c = u128(t2) + (c >> 64);
      uint64_t n1 = static_cast<uint64_t>(c);
      c = u128(t3) + (c >> 64) + u128(m) * kModulus[3];
      uint64_t n2 = static_cast<uint64_t>(c);
      c = u128(t4) + (c >> 64);
      uint64_t n3 = static_cast<uint64_t>(c);
      uint64_t n4 = t5 + static_cast<uint64_t>(c >> 64);
      t0 = n0; t1 = n1; t2 = n2; t3 = n3; t4 = n4;
    }
    // t < 2p here; one conditional subtraction makes it canonical.
    return cond_sub_p({t0, t1, t2, t3}, t4);
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
  static constexpr Felt252 to_montgomery(const Limbs& v) { return from_raw(mont_mul(v, kR2)); }
  static constexpr Limbs from_montgomery(const Limbs& m) { return mont_mul(m, Limbs{1, 0, 0, 0}); }

  // Subtracts p when (hi:v) >= p, without branching on secret data.
  static constexpr Limbs cond_sub_p(const Limbs& v, uint64_t hi) {
    Limbs d{};
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
      u128 s = u128(v[i]) - kModulus[i] - borrow;
      d[i] = static_cast<uint64_t>(s);
      borrow = static_cast<uint64_t>(s >> 64) & 1;
    }
    // Keep v when hi:v < p, i.e. when the subtraction borrowed out of the top and hi is zero.
    uint64_t keep = uint64_t(0) - (borrow & (hi == 0 ? 1 : 0));
    Limbs r{};
    for (int i = 0; i < 4; ++i) r[i] = (v[i] & keep) | (d[i] & ~keep);
    return r;
  }
  static constexpr Limbs add_mod(const Limbs& a, const Limbs& b) {
    Limbs s{};
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      u128 t = u128(a[i]) + b[i] + carry;
      s[i] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    return cond_sub_p(s, carry);  // a + b < 2p < 2^256, so carry is always 0
  }
  static constexpr Limbs sub_mod(const Limbs& a, const Limbs& b) {
    Limbs d{};
    uint64_t borrow = 0;
    for (int i = 0; i < 4; ++i) {
      u128 t = u128(a[i]) - b[i] - borrow;
      d[i] = static_cast<uint64_t>(t);
      borrow = static_cast<uint64_t>(t >> 64) & 1;
    }
    // Add p back when the subtraction borrowed.
    uint64_t mask = uint64_t(0) - borrow;
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      u128 t = u128(d[i]) + (kModulus[i] & mask) + carry;
      d[i] = static_cast<uint64_t>(t);
      carry = static_cast<uint64_t>(t >> 64);
    }
    return d;
  }

  Limbs m_{};
};

inline std::ostream& operator<<(std::ostream& os, const Felt252& f) { return os << f.to_hex(); }

}  // namespace zkcc::field

namespace zkcc {
using field::Felt252;
}

#endif  // ZKCC_FIELD_FELT252_H_
