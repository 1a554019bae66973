// Deterministic test data for the model tests.
#ifndef ZKCC_TESTS_MODEL_TEST_UTIL_H_
#define ZKCC_TESTS_MODEL_TEST_UTIL_H_

#include <cstdint>
#include <random>
#include <vector>

#include "zkcc/model/tensor.h"

namespace zkcc::model::testing {

// n values uniform in [-scale, scale].
inline std::vector<float> uniform(size_t n, uint64_t seed, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

inline FloatTensor float_tensor(Shape shape, uint64_t seed, double scale = 1.0) {
  FloatTensor t{std::move(shape), {}};
  for (float v : uniform(element_count(t.shape), seed, static_cast<float>(scale))) t.data.push_back(v);
  return t;
}

}  // namespace zkcc::model::testing

#endif  // ZKCC_TESTS_MODEL_TEST_UTIL_H_
