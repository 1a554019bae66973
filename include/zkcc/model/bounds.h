// Bounds derived from a quantized graph's architecture, so that a verifier never takes them on
// trust from a model file.
//
// The proof system checks arithmetic modulo p = 2^31 - 1, which is integer arithmetic only while
// every value stays within (p - 1) / 2 in magnitude. QuantizedValue::bound is what the proof's
// gadgets rely on (requantization tables, range-check widths, output checks), so a model file that
// under-declares a bound, or whose parameters make an accumulator wrap around p, would let a proof
// accept integers the model does not produce. derive_bounds recomputes every value's bound by
// interval propagation with the quantizer's own rules (quantize.cc), from the input's declared
// bound and the parameters:
//   MatMul     max over output columns n of  sum_k |w[k, n]| * b(x) + |bias[n]|, |w| <= 127
//   AddConst   b(x) + max |c|               MulConst  b(x) * max |c|
//   Requant    max |clamp(q, lo, hi)| over q in [floor((-b(x) + h) / 2^s), floor((b(x) + h) / 2^s)],
//              with b(x) + h within (p - 1) / 2 (the rounding's intermediate)
//   Lookup     max |table entry| (the lookup pins the output to the table)
//   Gather     b(x), or max(b(x), |fill|) when an index reads padding
//   Reshape, RowMax   b(x)          RowSum   columns(x) * b(x)        RowSub   b(m) + b(x)
//   RowDiv     min(declared, b(e) k + b(s) / 2): the proof pins the quotient to [0, declared] by a
//              lookup and the divisor to s >= 1, so the quotient is at most e k + floor(s / 2)
// The input's bound is its declared one (the verifier checks the input against it). Every derived
// bound, and every intermediate above, must stay within (p - 1) / 2.
#ifndef ZKCC_MODEL_BOUNDS_H_
#define ZKCC_MODEL_BOUNDS_H_

#include <cstdint>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model {

// The quantizer's int8 weight range: |w| <= kMaxWeight.
inline constexpr int64_t kMaxWeight = 127;
// What the model commitment's range proof establishes for a committed weight: w in [-128, 128).
inline constexpr int64_t kWeightRange = 128;

// One bound per value. Fails, naming the layer, on a weight outside [-127, 127], a malformed layer
// (inputs, shapes) or a bound or intermediate that may leave (p - 1) / 2. With worst_case (always
// for an architecture without data), the parameters are any of their committed widths: |w| <= 128,
// |bias| <= 2^(bias_bits - 1), |constant| <= 2^(constant_bits - 1): what a verifier who sees only
// the architecture and the model commitment (whose range proof pins those widths) can rely on.
StatusOr<std::vector<int64_t>> derive_bounds(const QuantizedGraph& graph, bool worst_case = false);

// Soundness: the worst-case bounds stay within (p - 1) / 2 (a row maximum's input within
// (p - 1) / 4), so modular arithmetic is integer arithmetic for any committed parameters. The
// gadgets pin every nonlinear layer's values to the declared bounds (tables and range checks), so
// a declared bound below the truth only stops an honest prover. With the data present, also every
// declared bound at least the data's derived one (and at most (p - 1) / 2).
Status check_bounds(const QuantizedGraph& graph);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_BOUNDS_H_
