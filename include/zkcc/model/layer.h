// The integer operations of a quantized graph. Each is exact integer arithmetic whose every value
// (and every intermediate named below) stays within |v| <= (p - 1) / 2 for p = 2^31 - 1, checked
// at quantization, so that it is also the same computation in M31 with signed values mapped to
// v mod p. Each is one of the forms the proof system takes:
//   MatMul                 a matrix product with a parameter, plus a broadcast bias row
//   AddConst, MulConst     addition or Hadamard product with a parameter tensor of x's shape
//   Requant                rounding right shift and clamp (range-checked by lookups)
//   Lookup                 a function table over a small input domain
//   Gather, Reshape        fixed data movement: a product with a constant 0/1 matrix
//   RowMax, RowSum, RowSub, RowDiv   reductions over the last axis and their row broadcasts
//   Add, Concat            linear maps over several activations (public integer coefficients)
//   Mul                    Hadamard product of two activations
// Tensors are row-major; "rows" views a tensor of shape [..., C] as (element count / C) x C.
#ifndef ZKCC_MODEL_LAYER_H_
#define ZKCC_MODEL_LAYER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <span>
#include <vector>

#include "zkcc/model/tensor.h"

namespace zkcc::model {

// y[r, n] = sum_k x[r, k] w[k, n] + b[n]: x viewed as rows x K, w [K, N] with |w| <= 127 (int8),
// b [N] or empty, in the accumulator's scale (x's scale times the weight's).
// bias_bits is part of the public architecture of a graph without its data (architecture_only):
// every bias lies in [-2^(bias_bits - 1), 2^(bias_bits - 1)). With the data present the width is
// the data's (signed_width), whatever the field says.
struct MatMulLayer {
  IntTensor weight;
  std::vector<int64_t> bias;
  unsigned bias_bits = 1;
};

// y = x + c, c of x's shape, every entry in [-2^(constant_bits - 1), 2^(constant_bits - 1)).
struct AddConstLayer {
  IntTensor constant;
  unsigned constant_bits = 1;
};

// The least width w >= 1 with every value in [-2^(w - 1), 2^(w - 1)).
unsigned signed_width(std::span<const int64_t> values);

// y = x * c elementwise, c of x's shape.
struct MulConstLayer {
  IntTensor constant;
};

// y = clamp(floor((x + h) / 2^shift), lo, hi), h = 2^(shift - 1) or 0 when shift is 0: rounding
// to nearest, ties upward. The intermediate x + h is within bounds too.
struct RequantLayer {
  unsigned shift = 0;
  int64_t lo = 0;
  int64_t hi = 0;
};

// y = table[x - in_min]; every x lies in [in_min, in_min + table.size()).
struct LookupLayer {
  std::string function;  // "relu", "sigmoid", "exp", "leaky_relu", "log", ... (a label; the table is the meaning)
  int64_t in_min = 0;
  std::vector<int64_t> table;
};

// y[i] = x[index[i]], or fill where index[i] < 0 (padding). y's shape is the output value's.
struct GatherLayer {
  std::vector<int64_t> index;
  int64_t fill = 0;
};

// y = x under the output value's shape (same element order).
struct ReshapeLayer {};

// y[r, 0] = max_c x[r, c]; y has x's shape with the last dimension 1.
struct RowMaxLayer {};

// y[r, 0] = sum_c x[r, c]; y has x's shape with the last dimension 1.
struct RowSumLayer {};

// Two inputs, m [..., 1] and x [..., C]: y[r, c] = m[r, 0] - x[r, c].
struct RowSubLayer {};

// Two inputs, e [..., C] and s [..., 1] with s > 0: y[r, c] = floor((e[r, c] * k + floor(s[r, 0] / 2))
// / s[r, 0]), k = numerator_scale: e k / s rounded. The intermediates e k + floor(s / 2) and y s
// are within bounds too.
struct RowDivLayer {
  int64_t numerator_scale = 1;
};

// y = sum_j coef[j] x_j over the layer's inputs (one coefficient each, none zero, |coef| < 2^30),
// each x_j broadcast onto y's shape as numpy does (dimensions right-aligned, each equal or 1).
// The coefficients bring operands of different scales to y's.
struct AddLayer {
  std::vector<int64_t> coef;
};

// y = the inputs concatenated along `axis` (every input of y's rank, equal to it off the axis).
struct ConcatLayer {
  size_t axis = 0;
};

// Two inputs a and b of y's shape: y = a * b elementwise.
struct MulLayer {};

using LayerOp = std::variant<MatMulLayer, AddConstLayer, MulConstLayer, RequantLayer, LookupLayer, GatherLayer,
                             ReshapeLayer, RowMaxLayer, RowSumLayer, RowSubLayer, RowDivLayer, AddLayer, ConcatLayer,
                             MulLayer>;

struct Layer {
  std::string node;     // the ONNX node it implements (its name, or "#index" when unnamed)
  std::string op_type;  // that node's op_type
  std::vector<size_t> inputs;  // value indices, all earlier than this layer's output
  LayerOp op;
};

// "MatMul", "Requant", ...
const char* layer_kind_name(const LayerOp& op);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_LAYER_H_
