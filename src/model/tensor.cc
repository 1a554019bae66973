#include "zkcc/model/tensor.h"

namespace zkcc::model {

size_t element_count(std::span<const size_t> shape) {
  size_t n = 1;
  for (size_t d : shape) n *= d;
  return n;
}

StatusOr<size_t> checked_element_count(std::span<const size_t> shape, size_t limit) {
  size_t n = 1;
  for (size_t d : shape) {
    if (d == 0) return invalid_argument("shape " + shape_string(shape) + " has a zero dimension");
    if (n > limit / d) {
      return out_of_range("shape " + shape_string(shape) + " has more than " + std::to_string(limit) + " elements");
    }
    n *= d;
  }
  return n;
}

std::string shape_string(std::span<const size_t> shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

}  // namespace zkcc::model
