// Index maps of the operators that combine several tensors: numpy's broadcasting (Add, Sub, Mul,
// Max and Min of two activations) and concatenation along an axis. Each maps every element of the
// result (row-major) to the element of an operand it reads.
#ifndef ZKCC_MODEL_BROADCAST_H_
#define ZKCC_MODEL_BROADCAST_H_

#include <cstddef>
#include <span>
#include <utility>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

// The shape a and b broadcast to: dimensions right-aligned, each pair equal or one of them 1.
StatusOr<Shape> broadcast_shape(std::span<const size_t> a, std::span<const size_t> b);

// For each element of `to`, the flat index of the element of `from` it reads when `from`
// broadcasts onto `to` (from's rank at most to's; each of its dimensions equal to to's or 1).
StatusOr<std::vector<size_t>> broadcast_index(std::span<const size_t> from, std::span<const size_t> to);

// The shape of parts concatenated along `axis` (every part of one rank, equal off the axis).
StatusOr<Shape> concat_shape(std::span<const Shape> parts, size_t axis);

// For each element of the concatenation, (the part, the flat index in that part) it reads; the
// parts already checked by concat_shape.
std::vector<std::pair<size_t, size_t>> concat_index(std::span<const Shape> parts, size_t axis);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_BROADCAST_H_
