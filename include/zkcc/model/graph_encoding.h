// A compact, versioned binary encoding of a QuantizedGraph, carrying every field, so that a
// quantized model can be stored, shipped to a verifier and committed to (commitment.h) without
// re-running quantization. The encoding is canonical: decode_graph accepts only what encode_graph
// writes, so equal graphs have equal bytes and decode(b) re-encodes to b.
//
// Layout. Integers are little endian; i64 is two's complement; f64 is the IEEE-754 bit pattern as
// a u64 (so -0.0 and every NaN payload survive); a string is a u32 byte length then the bytes; a
// list is a u32 count then its items; a shape is a list of u64 dimensions; a tensor is a shape then
// a list of i64 (exactly the shape's element count); a value index is a u64.
//   magic "ZKCCQG" (6 bytes), version u16 (= 2), kind u8 (0 a model, 1 an architecture:
//   QuantizedGraph::architecture_only)
//   activation_bits u32, qmax i64
//   values: list of { name string, shape, scale f64, bound i64, error f64 }
//   layers: list of { node string, op_type string, inputs list of u64, tag u8, body }
//   outputs: list of u64
// Layer bodies by tag:
//   1 MatMul    weight tensor, bias list of i64      2 AddConst  constant tensor
//               (an architecture: the weight's shape and bias_bits u32; the constant's shape and
//               constant_bits u32, widths in [1, 30])
//   3 MulConst  constant tensor                       4 Requant   shift u32, lo i64, hi i64
//   5 Lookup    function string, in_min i64, table list of i64
//   6 Gather    index list of i64, fill i64           7 Reshape, 8 RowMax, 9 RowSum, 10 RowSub: empty
//   11 RowDiv   numerator_scale i64
//
// The decoder takes untrusted bytes. It refuses, naming the field and byte offset: a bad magic or
// version, truncation, a count larger than the remaining bytes could hold (before allocating), an
// unknown layer tag, a shape with a zero dimension or more than kMaxEncodedTensorElements elements,
// tensor data whose length is not its shape's element count, a list of i64 longer than that limit,
// a scale that is not finite and positive, an error that is NaN or negative, values.size() !=
// layers.size() + 1, a layer input not defined before the layer's output (layer i defines value
// i + 1, so its inputs must be <= i), an output index out of range, and trailing bytes. It then
// refuses a graph whose declared bounds are below those its architecture implies, or whose
// weights or accumulators leave their ranges (bounds.h: check_bounds). Whether each layer's sizes
// fit its inputs is run()'s concern (run.h), which checks them too.
#ifndef ZKCC_MODEL_GRAPH_ENCODING_H_
#define ZKCC_MODEL_GRAPH_ENCODING_H_

#include <cstddef>
#include <cstdint>
#include <span>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"

namespace zkcc::model {

inline constexpr uint16_t kGraphEncodingVersion = 3;  // 3: the Add, Concat and Mul layers
// The most elements of any one shape or i64 list (the importer's and quantizer's default limit).
inline constexpr size_t kMaxEncodedTensorElements = size_t{1} << 28;

// Lists longer than 2^32 - 1 items cannot be encoded (a graph within the limits above never has
// them).
Bytes encode_graph(const QuantizedGraph& graph);

StatusOr<QuantizedGraph> decode_graph(std::span<const uint8_t> bytes);

}  // namespace zkcc::model

#endif  // ZKCC_MODEL_GRAPH_ENCODING_H_
