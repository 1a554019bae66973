// Dense tensors with explicit shapes, stored row-major (the last dimension varies fastest). A
// shape of rank 0 is a scalar with one element.
#ifndef ZKCC_MODEL_TENSOR_H_
#define ZKCC_MODEL_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "zkcc/base/status.h"

namespace zkcc::model {

using Shape = std::vector<size_t>;

template <typename T>
struct Tensor {
  Shape shape;
  std::vector<T> data;  // element_count(shape) entries
};

using IntTensor = Tensor<int64_t>;  // quantized values and parameters
using FloatTensor = Tensor<double>;  // real values (reference inference, dequantized outputs)

// The product of the dimensions of a shape already known to be valid.
size_t element_count(std::span<const size_t> shape);

// The product of the dimensions, refusing zero dimensions and products above `limit`.
StatusOr<size_t> checked_element_count(std::span<const size_t> shape, size_t limit);

// "[1, 3, 32, 32]".
std::string shape_string(std::span<const size_t> shape);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_TENSOR_H_
