// The real functions behind the elementwise operations, shared by the reference inference and the
// quantizer's tables so both compute the same thing.
#ifndef ZKCC_SRC_MODEL_FUNCTIONS_H_
#define ZKCC_SRC_MODEL_FUNCTIONS_H_

#include <algorithm>
#include <cmath>
#include <numbers>

#include "zkcc/model/graph.h"

namespace zkcc::model::internal {

inline double apply(Activation fn, double x) {
  switch (fn) {
    case Activation::kRelu: return std::max(x, 0.0);
    case Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kGelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case Activation::kGeluTanh: {
      const double c = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
    }
  }
  return x;
}

// An upper bound on |f'|, by which an input error is carried to the output.
inline double lipschitz(Activation fn) {
  switch (fn) {
    case Activation::kRelu: return 1.0;
    case Activation::kSigmoid: return 0.25;
    case Activation::kTanh: return 1.0;
    case Activation::kGelu: return 1.13;      // max gelu' = 1.1289 at x = 0.7518
    case Activation::kGeluTanh: return 1.13;  // max 1.1289 as well, within 1e-3
  }
  return 1.0;
}

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_FUNCTIONS_H_
