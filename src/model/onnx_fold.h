// Constant folding at import: the value of an ONNX operator whose operands are all constants
// (initializers, Constant nodes, static shapes), computed once so that the shape arithmetic
// exporters write (Shape -> Gather -> Unsqueeze -> Concat -> Reshape) never reaches the proof.
// Each function checks its operands and returns a precise error; none reads out of bounds.
#ifndef ZKCC_SRC_MODEL_ONNX_FOLD_H_
#define ZKCC_SRC_MODEL_ONNX_FOLD_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "onnx_internal.h"

namespace zkcc::model::internal {

// Folded results larger than this are refused: shape arithmetic makes small tensors.
inline constexpr size_t kMaxFoldedElements = size_t{1} << 22;

// `axis` in [-rank, rank) made non-negative.
StatusOr<size_t> normalize_axis(int64_t axis, size_t rank);

// numpy's multidirectional broadcasting of two shapes.
StatusOr<Shape> broadcast_shapes(const Shape& a, const Shape& b);

// Reshape's target (0 copies the input's dimension unless allow_zero, one -1 is inferred) for an
// input of shape `from`.
StatusOr<Shape> reshape_target(const Shape& from, std::span<const int64_t> target, bool allow_zero,
                               size_t max_elements);

// A 1-D INT64 constant; a rank-0 one for a scalar.
Constant int_vector(std::vector<int64_t> values);
Constant int_scalar(int64_t value);

enum class BinaryFold : uint8_t { kAdd, kSub, kMul, kDiv, kEqual, kLess, kGreater };
// Elementwise with broadcasting; integer arithmetic when both are integers (Div truncates),
// comparisons give 0/1 integers.
StatusOr<Constant> fold_binary(BinaryFold op, const Constant& a, const Constant& b);
StatusOr<Constant> fold_where(const Constant& cond, const Constant& x, const Constant& y);
StatusOr<Constant> fold_expand(const Constant& x, std::span<const int64_t> shape);
StatusOr<Constant> fold_gather(const Constant& data, const Constant& indices, int64_t axis);
// ONNX Slice: starts, ends, axes and steps of one length (axes and steps already defaulted).
StatusOr<Constant> fold_slice(const Constant& data, std::span<const int64_t> starts, std::span<const int64_t> ends,
                              std::span<const int64_t> axes, std::span<const int64_t> steps);
StatusOr<Constant> fold_concat(std::span<const Constant* const> parts, int64_t axis);
StatusOr<Constant> fold_unsqueeze(const Constant& x, std::span<const int64_t> axes);
// No axes: every dimension of 1 goes.
StatusOr<Constant> fold_squeeze(const Constant& x, std::optional<std::span<const int64_t>> axes);
// To an ONNX element type: the float types round through float (FLOAT, FLOAT16 and BFLOAT16 are
// all kept at float precision) or double; integer types truncate toward zero and must hold the
// value; BOOL is 0 or 1.
StatusOr<Constant> fold_cast(const Constant& x, int32_t to);
StatusOr<Constant> fold_range(const Constant& start, const Constant& limit, const Constant& delta);
StatusOr<Constant> fold_constant_of_shape(std::span<const int64_t> shape, const Constant& value);

// Whether an ONNX element type is a floating-point one (a Cast between two of them passes an
// activation through).
bool is_float_type(int32_t type);

}  // namespace zkcc::model::internal

#endif  // ZKCC_SRC_MODEL_ONNX_FOLD_H_
