// A model input given as JSON (prove-model's input files and models/*/inputs/*.json): a real
// tensor in the model input's shape.
//
// Accepted: an array of numbers, the tensor flattened row-major; or nested arrays, flattened
// row-major, provided they are rectangular (every array at one depth has the same length, and
// each depth holds only numbers or only arrays); or an object whose only key is "input", holding
// either of those. Only the element count must match the shape: [[..8..] x 8] fills [1, 64].
//
// Refused, each with its own error: text that is not JSON (with the parser's line and column),
// trailing text, a repeated or unknown key, any element that is not a number (null, boolean,
// string, object), a number too large for a double (1e400), ragged arrays, nesting deeper than
// kMaxInputDepth, an element count other than the shape's (saying both and the shape), and a
// shape or an array of more than kMaxInputElements elements.
#ifndef ZKCC_MODEL_INPUT_JSON_H_
#define ZKCC_MODEL_INPUT_JSON_H_

#include <cstddef>
#include <string_view>

#include "zkcc/base/status.h"
#include "zkcc/model/tensor.h"

namespace zkcc::model {

inline constexpr size_t kMaxInputElements = size_t{1} << 26;
inline constexpr size_t kMaxInputDepth = 32;

StatusOr<FloatTensor> parse_input_json(std::string_view text, const Shape& shape);

// The shape the nesting of the arrays gives, outermost first ([[1, 2, 3], [4, 5, 6]] is [2, 3],
// a flat array of n numbers [n]), under the same rules; an empty array gives a 0 there.
StatusOr<Shape> input_json_shape(std::string_view text);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_INPUT_JSON_H_
