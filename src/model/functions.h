// The real functions behind the elementwise operations, shared by the reference inference and the
// quantizer's tables so both compute the same thing.
#ifndef ZKCC_SRC_MODEL_FUNCTIONS_H_
#define ZKCC_SRC_MODEL_FUNCTIONS_H_

#include <algorithm>
#include <cmath>
#include <numbers>

#include "zkcc/model/graph.h"

namespace zkcc::model::internal {

// log(1 + e^x) without overflow for large x.
inline double softplus(double x) { return x > 30 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }

inline double apply(Activation fn, double x, double alpha = 0, double beta = 0) {
  switch (fn) {
    case Activation::kRelu: return std::max(x, 0.0);
    case Activation::kSigmoid: return 1.0 / (1.0 + std::exp(-x));
    case Activation::kTanh: return std::tanh(x);
    case Activation::kGelu: return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    case Activation::kGeluTanh: {
      const double c = std::sqrt(2.0 / std::numbers::pi);
      return 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
    }
    case Activation::kLeakyRelu: return x < 0 ? alpha * x : x;
    case Activation::kElu: return x < 0 ? alpha * std::expm1(x) : x;
    case Activation::kSelu: return beta * (x <= 0 ? alpha * std::expm1(x) : x);
    case Activation::kCelu: return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha));
    case Activation::kHardSigmoid: return std::clamp(alpha * x + beta, 0.0, 1.0);
    case Activation::kHardSwish: return x * std::clamp(x / 6 + 0.5, 0.0, 1.0);
    case Activation::kSoftplus: return softplus(x);
    case Activation::kSoftsign: return x / (1 + std::abs(x));
    case Activation::kMish: return x * std::tanh(softplus(x));
    case Activation::kErf: return std::erf(x);
    case Activation::kExp: return std::exp(x);
    case Activation::kLog: return std::log(x);
    case Activation::kSqrt: return std::sqrt(x);
    case Activation::kReciprocal: return 1 / x;
    case Activation::kAbs: return std::abs(x);
    case Activation::kSign: return x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0;
    case Activation::kClip: return std::min(std::max(x, alpha), beta);
    case Activation::kPow: return std::pow(x, alpha);
    case Activation::kFloor: return std::floor(x);
    case Activation::kCeil: return std::ceil(x);
    case Activation::kRound: return std::nearbyint(x);  // the default rounding mode: ties to even
  }
  return x;
}

inline double apply(const ActivationOp& op, double x) { return apply(op.fn, x, op.alpha, op.beta); }

// The least quantized input a function's table covers: the function is undefined (Log,
// Reciprocal and negative powers at and below 0; Sqrt and fractional powers below 0): a table is
// one range of inputs, and 1/x has none across 0. Inputs below it have no table entry and are refused at run.
inline int64_t table_floor(const ActivationOp& op, int64_t qmax) {
  switch (op.fn) {
    case Activation::kLog:
    case Activation::kReciprocal: return 1;
    case Activation::kSqrt: return 0;
    case Activation::kPow: return op.alpha < 0 ? 1 : op.alpha == std::trunc(op.alpha) ? -qmax : 0;
    default: return -qmax;
  }
}

// max |f(x)| over |x| <= r where f is defined, sampled (the interval calibration's worst case for
// the functions that are neither bounded by 1 nor by |x|).
inline double range_on(const ActivationOp& op, double r) {
  if (op.fn == Activation::kSigmoid || op.fn == Activation::kTanh) return 1.0;
  if (op.fn == Activation::kRelu || op.fn == Activation::kGelu || op.fn == Activation::kGeluTanh) return r;
  constexpr int kSteps = 4096;
  double m = 0;
  for (int i = -kSteps; i <= kSteps; ++i) {
    const double y = apply(op, r * i / kSteps);
    if (std::isfinite(y)) m = std::max(m, std::abs(y));
  }
  return m;
}

// The table's name in the quantized graph: "leaky_relu", "exp", ...
inline const char* function_name(Activation fn) {
  switch (fn) {
    case Activation::kRelu: return "relu";
    case Activation::kSigmoid: return "sigmoid";
    case Activation::kTanh: return "tanh";
    case Activation::kGelu: return "gelu";
    case Activation::kGeluTanh: return "gelu_tanh";
    case Activation::kLeakyRelu: return "leaky_relu";
    case Activation::kElu: return "elu";
    case Activation::kSelu: return "selu";
    case Activation::kCelu: return "celu";
    case Activation::kHardSigmoid: return "hard_sigmoid";
    case Activation::kHardSwish: return "hard_swish";
    case Activation::kSoftplus: return "softplus";
    case Activation::kSoftsign: return "softsign";
    case Activation::kMish: return "mish";
    case Activation::kErf: return "erf";
    case Activation::kExp: return "exp";
    case Activation::kLog: return "log";
    case Activation::kSqrt: return "sqrt";
    case Activation::kReciprocal: return "reciprocal";
    case Activation::kAbs: return "abs";
    case Activation::kSign: return "sign";
    case Activation::kClip: return "clip";
    case Activation::kPow: return "pow";
    case Activation::kFloor: return "floor";
    case Activation::kCeil: return "ceil";
    case Activation::kRound: return "round";
  }
  return "?";
}

// Functions whose values are integers, tabled exactly in scale 1.
inline bool integer_valued(Activation fn) {
  return fn == Activation::kSign || fn == Activation::kFloor || fn == Activation::kCeil || fn == Activation::kRound;
}

// An upper bound on |f'|, by which an input error is carried to the output.
inline double lipschitz(Activation fn) {
  switch (fn) {
    case Activation::kRelu: return 1.0;
    case Activation::kSigmoid: return 0.25;
    case Activation::kTanh: return 1.0;
    case Activation::kGelu: return 1.13;      // max gelu' = 1.1289 at x = 0.7518
    case Activation::kGeluTanh: return 1.13;  // max 1.1289 as well, within 1e-3
    default: break;  // the others' tables measure their error entry by entry
  }
  return 1.0;
}

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_FUNCTIONS_H_
