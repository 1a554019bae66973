// QM31 = CM31[u] / (u^2 - (2 + i)): the degree-4 secure extension used for challenges (~2^124).
#ifndef ZKCC_FIELD_QM31_H_
#define ZKCC_FIELD_QM31_H_

#include <array>
#include <ostream>

#include "zkcc/field/cm31.h"

namespace zkcc::field {

struct QM31 {
  CM31 a;  // constant part
  CM31 b;  // coefficient of u

  // The non-residue R = 2 + i with u^2 = R.
  static constexpr CM31 kR = {M31::from_canonical(2), M31::from_canonical(1)};

  static constexpr QM31 zero() { return {}; }
  static constexpr QM31 one() { return {CM31::one(), CM31::zero()}; }
  static constexpr QM31 from_m31(M31 x) { return {CM31::from_m31(x), CM31::zero()}; }
  // Coordinates in the basis (1, i, u, iu).
  static constexpr QM31 from_m31s(M31 c0, M31 c1, M31 c2, M31 c3) { return {{c0, c1}, {c2, c3}}; }
  constexpr std::array<M31, 4> to_m31s() const { return {a.a, a.b, b.a, b.b}; }

  constexpr bool is_zero() const { return a.is_zero() && b.is_zero(); }
  constexpr QM31 operator+(QM31 o) const { return {a + o.a, b + o.b}; }
  constexpr QM31 operator-(QM31 o) const { return {a - o.a, b - o.b}; }
  constexpr QM31 operator-() const { return {-a, -b}; }
  constexpr QM31 operator*(QM31 o) const {
    // (a + bu)(c + du) = (ac + R bd) + (ad + bc)u, written out over the sixteen coordinate
    // products and reduced once per output coordinate: products are below p^2 < 2^62, and each
    // sum below stays under 2^64 (negative terms enter as p^2 - x).
    constexpr uint64_t kP = M31::kModulus;
    constexpr uint64_t kP2 = kP * kP;
    uint64_t a0 = a.a.value(), a1 = a.b.value(), b0 = b.a.value(), b1 = b.b.value();
    uint64_t c0 = o.a.a.value(), c1 = o.a.b.value(), d0 = o.b.a.value(), d1 = o.b.b.value();
    // bd = x + y i, reduced; then R bd = (2x - y) + (x + 2y) i as values below 3p.
    uint64_t x = M31::from_u64(b0 * d0 + (kP2 - b1 * d1)).value();
    uint64_t y = M31::from_u64(b0 * d1 + b1 * d0).value();
    uint64_t rb0 = 2 * x + (kP - y);
    uint64_t rb1 = x + 2 * y;
    return {{M31::from_u64(a0 * c0 + (kP2 - a1 * c1) + rb0), M31::from_u64(a0 * c1 + a1 * c0 + rb1)},
            {M31::from_u64(a0 * d0 + (kP2 - a1 * d1) + b0 * c0 + (kP2 - b1 * c1)),
             M31::from_u64(a0 * d1 + a1 * d0 + b0 * c1 + b1 * c0)}};
  }
  // x (2 + i) = (2a - b) + (a + 2b) i: additions only.
  static constexpr CM31 mul_by_r(CM31 x) { return {x.a.doubled() - x.b, x.a + x.b.doubled()}; }
  constexpr QM31 operator*(M31 s) const { return {a * s, b * s}; }
  constexpr QM31 operator*(CM31 s) const { return {a * s, b * s}; }
  constexpr QM31& operator+=(QM31 o) { return *this = *this + o; }
  constexpr QM31& operator-=(QM31 o) { return *this = *this - o; }
  constexpr QM31& operator*=(QM31 o) { return *this = *this * o; }
  constexpr QM31& operator*=(M31 s) { return *this = *this * s; }
  constexpr QM31 square() const { return *this * *this; }
  constexpr QM31 pow(uint64_t e) const { return pow_by_squaring(*this, e); }

  // (a + bu)^-1 = (a - bu) / (a^2 - R b^2); the denominator is nonzero for nonzero inputs because
  // R is not a square in CM31. The inverse of zero is zero.
  constexpr QM31 inverse() const {
    CM31 denom = a.square() - mul_by_r(b.square());
    CM31 inv = denom.inverse();
    return {a * inv, -(b * inv)};
  }

  friend constexpr bool operator==(QM31 x, QM31 y) { return x.a == y.a && x.b == y.b; }
};

inline std::ostream& operator<<(std::ostream& os, QM31 x) { return os << "(" << x.a << " + " << x.b << "u)"; }

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_QM31_H_
