// Montgomery's batch inversion: n inverses for one field inversion and 3(n-1) multiplications.
#ifndef ZKCC_FIELD_BATCH_INVERSE_H_
#define ZKCC_FIELD_BATCH_INVERSE_H_

#include <span>
#include <vector>

namespace zkcc::field {

// Replaces every nonzero element by its inverse; zeros stay zero (they are skipped, so one zero
// does not poison the batch). Works for M31, CM31, QM31 and Felt252.
template <typename F>
void batch_inverse(std::span<F> xs) {
  std::vector<F> prefix(xs.size());
  F acc = F::one();
  for (size_t i = 0; i < xs.size(); ++i) {
    prefix[i] = acc;
    if (!xs[i].is_zero()) acc = acc * xs[i];
  }
  F inv = acc.inverse();
  for (size_t i = xs.size(); i-- > 0;) {
    if (xs[i].is_zero()) continue;
    F x = xs[i];
    xs[i] = inv * prefix[i];
    inv = inv * x;
  }
}

}  // namespace zkcc::field

#endif  // ZKCC_FIELD_BATCH_INVERSE_H_
