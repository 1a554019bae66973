// Activation ranges, from which quantization picks every per-tensor scale.
//
// From a calibration set: the largest |value| each tensor takes over the reference inference of
// every calibration input. Inputs later run outside these ranges saturate (requantization clamps)
// and lose the error bound quantize() states.
//
// Without calibration data, the stated default: the input is taken to lie in [-r, r]
// (QuantConfig's default_input_range, 1.0) and that interval is carried through the graph in the
// worst case (sum |w| |x| + |b| for products, 1 for Sigmoid, Tanh and Softmax, the largest |f| on
// [-r, r] for other functions), which never
// saturates for inputs in range but spends precision.
#ifndef ZKCC_MODEL_CALIBRATION_H_
#define ZKCC_MODEL_CALIBRATION_H_

#include <span>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/graph.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

struct Calibration {
  std::vector<double> max_abs;  // per graph value, indexed like graph.values
};

// Fails on an empty set, a shape mismatch or a non-finite value in any tensor.
StatusOr<Calibration> calibrate(const Graph& graph, std::span<const FloatTensor> inputs);

// The interval default for inputs in [-input_range, input_range].
Calibration interval_calibration(const Graph& graph, double input_range);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_CALIBRATION_H_
