// CM31 = M31[i] / (i^2 + 1): the complex extension of M31 (stwo's tower, degree 2).
#ifndef ZKCC_FIELD_CM31_H_
#define ZKCC_FIELD_CM31_H_

#include <ostream>

#include "zkcc/field/m31.h"

namespace zkcc::field {

struct CM31 {
  M31 a;  // real part
  M31 b;  // coefficient of i

  static constexpr CM31 zero() { return {}; }
  static constexpr CM31 one() { return {M31::one(), M31::zero()}; }
  static constexpr CM31 from_m31(M31 x) { return {x, M31::zero()}; }

  constexpr bool is_zero() const { return a.is_zero() && b.is_zero(); }
  constexpr CM31 operator+(CM31 o) const { return {a + o.a, b + o.b}; }
  constexpr CM31 operator-(CM31 o) const { return {a - o.a, b - o.b}; }
  constexpr CM31 operator-() const { return {-a, -b}; }
  constexpr CM31 operator*(CM31 o) const {
    // (a + bi)(c + di) = (ac - bd) + (ad + bc)i
    return {a * o.a - b * o.b, a * o.b + b * o.a};
  }
  constexpr CM31 operator*(M31 s) const { return {a * s, b * s}; }
  constexpr CM31& operator+=(CM31 o) { return *this = *this + o; }
  constexpr CM31& operator-=(CM31 o) { return *this = *this - o; }
  constexpr CM31& operator*=(CM31 o) { return *this = *this * o; }
  constexpr CM31 square() const { return *this * *this; }
  constexpr CM31 conjugate() const { return {a, -b}; }
  // |z|^2 = a^2 + b^2, an element of M31.
  constexpr M31 norm() const { return a.square() + b.square(); }
  constexpr CM31 pow(uint64_t e) const { return pow_by_squaring(*this, e); }

  // a^2 + b^2 = 0 has no nonzero solution since -1 is not a square mod p (p = 3 mod 4).
  constexpr CM31 inverse() const { return conjugate() * norm().inverse(); }

  friend constexpr bool operator==(CM31 x, CM31 y) { return x.a == y.a && x.b == y.b; }
};

inline std::ostream& operator<<(std::ostream& os, CM31 x) { return os << "(" << x.a << " + " << x.b << "i)"; }

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_CM31_H_
