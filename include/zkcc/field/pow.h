// Square-and-multiply exponentiation shared by the small fields.
#ifndef ZKCC_FIELD_POW_H_
#define ZKCC_FIELD_POW_H_

#include <cstdint>

namespace zkcc::field {

// base^e for any type with one(), square() and operator*.
template <typename F>
constexpr F pow_by_squaring(F base, uint64_t e) {
  F acc = F::one();
  while (e != 0) {
    if (e & 1) acc = acc * base;
    base = base.square();
    e >>= 1;
  }
  return acc;
}

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_POW_H_
