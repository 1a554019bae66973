// Quantization: a Graph and its activation ranges to a QuantizedGraph of exact integer layers.
//
// The scheme, with b = activation_bits and qmax = 2^(b-1) - 1:
// - Weights: symmetric int8 with one scale per tensor, s_w = max|w| / 127, w_q = round(w / s_w).
//   Gemm's alpha is folded into the weights and beta into the bias first.
// - Activations: fixed point, real = q * s with one scale per tensor. The input's scale is
//   range / qmax. A product's accumulator has scale s_x * s_w and carries the bias, quantized in
//   that scale (round(b / (s_x s_w))); Add of a constant quantizes the constant in its operand's
//   scale. Before a tensor enters a product, a pooling or a table, it is requantized to [-qmax, qmax]
//   by a rounding right shift by k and a clamp, k the least shift that fits its calibrated range, so
//   its scale becomes s 2^k (scale ratios are powers of two, which costs at most one bit of range).
// - Tables (domain [-qmax, qmax], outputs rounded to nearest):
//     Relu        max(q, 0)                          scale s (exact)
//     Sigmoid     round(qmax * sigmoid(q s))         scale 1/qmax, abs. precision 1/(2 qmax)
//     Tanh        round(qmax * tanh(q s))            scale 1/qmax, abs. precision 1/(2 qmax)
//     Gelu        round(gelu(q s) / s)               scale s,      abs. precision s/2
//     any other   round(f(q s) / s_y) over the inputs where f is defined (Log and Reciprocal from
//                 q = 1, Sqrt from 0), s_y the calibrated output range / qmax (at least the
//                 table's largest |f| / 2^20); the error measured entry by entry as the largest
//                 change of f within the input's error, plus s_y/2. Sign, Floor, Ceil and Round
//                 take s_y = 1 and are exact up to the input's error.
// - Constants: x + c quantizes c in x's scale; x * c for one positive c is x in scale s c (no
//   layer), for one negative c a product with -1, and otherwise a product with c rounded to int8
//   (c_q = round(127 c / max|c|), scale s max|c| / 127). BatchNormalization folds into the
//   product before it where it can.
// - Data movement (Transpose, Slice, Pad, Split, Tile, Gather, Expand) is a gather, exact; a sum
//   over the last axis is exact and the mean is the sum in scale s / C.
// - Pools: MaxPool is a gather of the windows and a row maximum (exact). AveragePool sums each
//   window and multiplies by round(2^F / count) before a rounding shift by F (F as large as the
//   bounds allow, at most 24; a shift alone when every count is the same power of two).
// - Softmax over C classes: m = row max, d = m - q in [0, 2 qmax], e = round(2^E exp(-d s)) by table,
//   S = sum e, y = round(e qmax / S) with scale 1/qmax; E = min(16, the most that keeps qmax C 2^E
//   within bounds), refused below 8. Abs. precision (C + 1) / 2^(E+1) + 1/(2 qmax) beyond the
//   input's error / 2. LogSoftmax: S requantized to T fraction bits (its table of (C - 1) 2^T + 1
//   entries within 2^15), L = round(log(S 2^-T) / s) by table, y = -d - L in scale s.
// - Two activations (each first requantized into [-qmax, qmax]) meet in one scale: the finest
//   operand's when every scale is a power-of-two multiple of it (coefficients 2^k, exact), else
//   max s / 2^f with coefficients round(s_j 2^f / max s), f from b + 1 up while the finest one's
//   coefficient is below 256 and the sum's bound within 2^24; the coefficients' rounding enters
//   the error. a + b and a - b are one sum with such coefficients (numpy broadcasting inside the
//   layer); a * b is a product in scale s_a s_b (the smaller operand spread by a gather first);
//   max(a, b) = a + relu(b - a) and min(a, b) = a - relu(a - b); Concat scales each part by its
//   coefficient before joining them.
// Every value's bound (|q| for every possible input) is computed from these, and a model whose
// accumulators or intermediates could leave [-(p-1)/2, (p-1)/2] (p = 2^31 - 1) is refused, naming the
// node, with the bound and its terms (sum |w_q| * max|x_q| + |b_q| for products).
//
// Every value also carries an error bound against the reference inference, valid while every
// tensor stays within its calibrated range: rounding of the input (s/2), of weights and biases
// (max|x| sum|w - w_q s_w| + |b - b_q s_acc|), of each shift (s/2) and table (as above), carried
// through each operation by its Lipschitz constant (sum |w| for products, 1/4 for Sigmoid, 1 for
// Tanh, 1.13 for GELU, 1/2 for Softmax). It is a worst case: tight for one operation (the ONNX
// conformance tests use it as their tolerance), loose after several products, whose sum |w|
// factors multiply while real rounding errors mostly cancel.
#ifndef ZKCC_MODEL_QUANTIZE_H_
#define ZKCC_MODEL_QUANTIZE_H_

#include <cstddef>

#include "zkcc/base/status.h"
#include "zkcc/model/calibration.h"
#include "zkcc/model/graph.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model {

struct QuantConfig {
  unsigned activation_bits = 8;      // 2 to 16; wider activations leave less room in the accumulator
  double default_input_range = 1.0;  // for interval_calibration when there is no calibration set
  size_t max_tensor_elements = size_t{1} << 28;  // any one value, intermediates (im2col) included
  size_t max_total_elements = size_t{1} << 30;   // the whole trace
};

StatusOr<QuantizedGraph> quantize(const Graph& graph, const Calibration& calibration, const QuantConfig& config = {});

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_QUANTIZE_H_
