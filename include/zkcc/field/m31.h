// M31: the Mersenne-31 prime field, p = 2^31 - 1. Values are kept canonical in [0, p).
#ifndef ZKCC_FIELD_M31_H_
#define ZKCC_FIELD_M31_H_

#include <cstdint>
#include <ostream>

#include "zkcc/field/pow.h"

namespace zkcc::field {

class M31 {
 public:
  static constexpr uint32_t kModulus = 0x7fffffffu;

  constexpr M31() = default;
  // Reduces any 32-bit value.
  static constexpr M31 from_u32(uint32_t v) { return M31(reduce32(v)); }
  static constexpr M31 from_u64(uint64_t v) { return M31(reduce64(v)); }
  // Maps negative values to p - |v| mod p, as quantized signed data needs.
  static constexpr M31 from_i64(int64_t v) {
    uint64_t mag = v < 0 ? uint64_t(0) - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
    M31 r(reduce64(mag));
    return v < 0 ? -r : r;
  }
  // Trusts that v < p; use only on values already known to be canonical.
  static constexpr M31 from_canonical(uint32_t v) { return M31(v); }
  static constexpr M31 zero() { return M31(0); }
  static constexpr M31 one() { return M31(1); }

  constexpr uint32_t value() const { return v_; }
  // The centred representative in (-p/2, p/2], for reading back signed integers.
  constexpr int64_t to_signed() const {
    return v_ > kModulus / 2 ? static_cast<int64_t>(v_) - kModulus : static_cast<int64_t>(v_);
  }
  constexpr bool is_zero() const { return v_ == 0; }

  // The min() forms compile to branch-free code: random field data would defeat a predictor.
  constexpr M31 operator+(M31 o) const {
    uint32_t s = v_ + o.v_;  // < 2^32
    return M31(min(s, s - kModulus));
  }
  constexpr M31 operator-(M31 o) const {
    uint32_t d = v_ - o.v_;  // wraps when v_ < o.v_, and then d + p is the smaller
    return M31(min(d, d + kModulus));
  }
  constexpr M31 operator-() const { return M31(v_ == 0 ? 0 : kModulus - v_); }
  constexpr M31 operator*(M31 o) const { return M31(reduce_product(uint64_t(v_) * o.v_)); }
  constexpr M31& operator+=(M31 o) { return *this = *this + o; }
  constexpr M31& operator-=(M31 o) { return *this = *this - o; }
  constexpr M31& operator*=(M31 o) { return *this = *this * o; }
  constexpr M31 square() const { return *this * *this; }
  constexpr M31 doubled() const { return *this + *this; }

  constexpr M31 pow(uint64_t e) const { return pow_by_squaring(*this, e); }

  // Fermat inverse; the inverse of zero is zero (callers check is_zero where it matters).
  constexpr M31 inverse() const { return pow(kModulus - 2); }

  friend constexpr bool operator==(M31 a, M31 b) { return a.v_ == b.v_; }

  // Reduces a product of two canonical values (< p^2 < 2^62) to [0, p).
  static constexpr uint32_t reduce_product(uint64_t x) {
    auto s = static_cast<uint32_t>((x & kModulus) + (x >> 31));  // < 2p for x < p^2
    return min(s, s - kModulus);
  }

 private:
  explicit constexpr M31(uint32_t v) : v_(v) {}
  static constexpr uint32_t min(uint32_t a, uint32_t b) { return a < b ? a : b; }
  static constexpr uint32_t reduce32(uint32_t v) {
    uint32_t s = (v & kModulus) + (v >> 31);
    return s >= kModulus ? s - kModulus : s;
  }
  static constexpr uint32_t reduce64(uint64_t v) {
    // 2^31 = 1 (mod p), so fold the 31-bit digits together.
    uint64_t s = (v & kModulus) + ((v >> 31) & kModulus) + (v >> 62);
    s = (s & kModulus) + (s >> 31);
    return static_cast<uint32_t>(s >= kModulus ? s - kModulus : s);
  }

  uint32_t v_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, M31 a) { return os << a.value(); }

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_M31_H_
