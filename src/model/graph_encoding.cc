#include "zkcc/model/graph_encoding.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "zkcc/base/byte_reader.h"
#include "zkcc/base/overloaded.h"
#include "zkcc/model/bounds.h"

namespace zkcc::model {
namespace {

static_assert(sizeof(size_t) == 8, "dimensions and value indices are encoded as u64");

constexpr char kMagic[6] = {'Z', 'K', 'C', 'C', 'Q', 'G'};

// Explicit tags, so reordering LayerOp's alternatives never changes the encoding.
enum Tag : uint8_t {
  kMatMul = 1,
  kAddConst = 2,
  kMulConst = 3,
  kRequant = 4,
  kLookup = 5,
  kGather = 6,
  kReshape = 7,
  kRowMax = 8,
  kRowSum = 9,
  kRowSub = 10,
  kRowDiv = 11,
  kAdd = 12,
  kConcat = 13,
  kMul = 14,
};

// The fewest bytes an item of each list can take, for refusing counts the input cannot hold.
constexpr size_t kMinValueBytes = 4 + 4 + 8 + 8 + 8;  // name, shape count, scale, bound, error
constexpr size_t kMinLayerBytes = 4 + 4 + 4 + 1;      // node, op_type, inputs count, tag

class Writer {
 public:
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) { le(v, 2); }
  void u32(uint32_t v) { le(v, 4); }
  void u64(uint64_t v) { le(v, 8); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  void count(size_t n) {
    assert(n <= std::numeric_limits<uint32_t>::max() && "list too long to encode");
    u32(static_cast<uint32_t>(n));
  }
  void string(std::string_view s) {
    count(s.size());
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void i64s(const std::vector<int64_t>& v) {
    count(v.size());
    for (int64_t x : v) i64(x);
  }
  void indices(const std::vector<size_t>& v) {
    count(v.size());
    for (size_t x : v) u64(x);
  }
  void tensor(const IntTensor& t) {
    indices(t.shape);
    i64s(t.data);
  }
  void bytes(std::span<const char> b) { out_.insert(out_.end(), b.begin(), b.end()); }
  Bytes take() { return std::move(out_); }

 private:
  void le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes out_;
};

void write_layer(Writer& w, const Layer& layer, bool architecture) {
  w.string(layer.node);
  w.string(layer.op_type);
  w.indices(layer.inputs);
  std::visit(Overloaded{
                 [&](const MatMulLayer& op) {
                   w.u8(kMatMul);
                   if (architecture) {
                     w.indices(op.weight.shape);
                     w.u32(op.bias_bits);
                     return;
                   }
                   w.tensor(op.weight);
                   w.i64s(op.bias);
                 },
                 [&](const AddConstLayer& op) {
                   w.u8(kAddConst);
                   if (architecture) {
                     w.indices(op.constant.shape);
                     w.u32(op.constant_bits);
                     return;
                   }
                   w.tensor(op.constant);
                 },
                 [&](const MulConstLayer& op) {
                   w.u8(kMulConst);
                   w.tensor(op.constant);
                 },
                 [&](const RequantLayer& op) {
                   w.u8(kRequant);
                   w.u32(op.shift);
                   w.i64(op.lo);
                   w.i64(op.hi);
                 },
                 [&](const LookupLayer& op) {
                   w.u8(kLookup);
                   w.string(op.function);
                   w.i64(op.in_min);
                   w.i64s(op.table);
                 },
                 [&](const GatherLayer& op) {
                   w.u8(kGather);
                   w.i64s(op.index);
                   w.i64(op.fill);
                 },
                 [&](const ReshapeLayer&) { w.u8(kReshape); },
                 [&](const RowMaxLayer&) { w.u8(kRowMax); },
                 [&](const RowSumLayer&) { w.u8(kRowSum); },
                 [&](const RowSubLayer&) { w.u8(kRowSub); },
                 [&](const RowDivLayer& op) {
                   w.u8(kRowDiv);
                   w.i64(op.numerator_scale);
                 },
                 [&](const AddLayer& op) {
                   w.u8(kAdd);
                   w.i64s(op.coef);
                 },
                 [&](const ConcatLayer& op) {
                   w.u8(kConcat);
                   w.u64(op.axis);
                 },
                 [&](const MulLayer&) { w.u8(kMul); },
             },
             layer.op);
}

std::string format_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

// Bounds-checked reads; every error names the field it was reading.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : r_(bytes, "graph encoding") {}

  StatusOr<uint8_t> u8(std::string_view field) {
    ZKCC_RETURN_IF_ERROR(r_.need(1, field));
    return r_.u8();
  }
  StatusOr<uint16_t> u16(std::string_view field) {
    ZKCC_RETURN_IF_ERROR(r_.need(2, field));
    return r_.u16();
  }
  StatusOr<uint32_t> u32(std::string_view field) {
    ZKCC_RETURN_IF_ERROR(r_.need(4, field));
    return r_.u32();
  }
  StatusOr<uint64_t> u64(std::string_view field) {
    ZKCC_RETURN_IF_ERROR(r_.need(8, field));
    return r_.u64();
  }
  StatusOr<int64_t> i64(std::string_view field) {
    ZKCC_ASSIGN_OR_RETURN(uint64_t v, u64(field));
    return static_cast<int64_t>(v);  // two's complement (C++20)
  }
  StatusOr<double> f64(std::string_view field) {
    ZKCC_ASSIGN_OR_RETURN(uint64_t v, u64(field));
    return std::bit_cast<double>(v);
  }
  std::span<const uint8_t> take(size_t n) { return r_.take(n); }

  // A list count whose items take at least item_bytes each, refused when the rest of the input
  // could not hold them, so that nothing is allocated for items that are not there.
  StatusOr<size_t> count(size_t item_bytes, std::string_view field, std::string_view noun = "count") {
    const size_t at = r_.pos();
    const std::string what = std::string(field) + " " + std::string(noun);
    ZKCC_ASSIGN_OR_RETURN(uint32_t n, u32(what));
    if (item_bytes > 0 && n > r_.left() / item_bytes) {
      return out_of_range("graph encoding: the " + what + " " + std::to_string(n) + " at byte " +
                          std::to_string(at) + " needs at least " + std::to_string(size_t{n} * item_bytes) +
                          " bytes, " + std::to_string(r_.left()) + " remain");
    }
    return size_t{n};
  }
  StatusOr<std::string> string(std::string_view field) {
    ZKCC_ASSIGN_OR_RETURN(size_t n, count(1, field, "length"));
    auto b = r_.take(n);
    return std::string(b.begin(), b.end());
  }
  StatusOr<std::vector<int64_t>> i64s(std::string_view field) {
    ZKCC_ASSIGN_OR_RETURN(size_t n, count(8, field));
    if (n > kMaxEncodedTensorElements) {
      return out_of_range("graph encoding: the " + std::string(field) + " has " + std::to_string(n) +
                          " elements, more than " + std::to_string(kMaxEncodedTensorElements));
    }
    std::vector<int64_t> v(n);
    for (int64_t& x : v) x = static_cast<int64_t>(r_.u64());  // count() checked the bytes are there
    return v;
  }
  StatusOr<std::vector<size_t>> indices(std::string_view field) {
    ZKCC_ASSIGN_OR_RETURN(size_t n, count(8, field));
    std::vector<size_t> v(n);
    for (size_t& x : v) x = r_.u64();
    return v;
  }
  // A shape with no zero dimension and at most kMaxEncodedTensorElements elements; `owner` names
  // the tensor it belongs to, or is empty for a value's own shape.
  StatusOr<Shape> shape(std::string_view owner) {
    ZKCC_ASSIGN_OR_RETURN(Shape s, indices(owner.empty() ? std::string("shape") : std::string(owner) + " shape"));
    auto n = checked_element_count(s, kMaxEncodedTensorElements);
    if (!n.ok()) return owner.empty() ? n.status() : n.status().with_context(owner);
    return s;
  }
  StatusOr<IntTensor> tensor(std::string_view field) {
    IntTensor t;
    ZKCC_ASSIGN_OR_RETURN(t.shape, shape(field));
    ZKCC_ASSIGN_OR_RETURN(t.data, i64s(std::string(field) + " data"));
    const size_t want = element_count(t.shape);
    if (t.data.size() != want) {
      return invalid_argument(std::string(field) + " has " + std::to_string(t.data.size()) + " elements, its shape " +
                              shape_string(t.shape) + " needs " + std::to_string(want));
    }
    return t;
  }

  size_t pos() const { return r_.pos(); }
  size_t left() const { return r_.left(); }

 private:
  ByteReader r_;
};

StatusOr<QuantizedValue> read_value(Reader& r) {
  QuantizedValue v;
  ZKCC_ASSIGN_OR_RETURN(v.name, r.string("name"));
  ZKCC_ASSIGN_OR_RETURN(v.shape, r.shape(""));
  ZKCC_ASSIGN_OR_RETURN(v.scale, r.f64("scale"));
  if (!std::isfinite(v.scale) || !(v.scale > 0)) {
    return invalid_argument("scale " + format_double(v.scale) + " is not finite and positive");
  }
  ZKCC_ASSIGN_OR_RETURN(v.bound, r.i64("bound"));
  ZKCC_ASSIGN_OR_RETURN(v.error, r.f64("error"));
  if (std::isnan(v.error) || v.error < 0) return invalid_argument("error bound " + format_double(v.error) + " is NaN or negative");
  return v;
}

// A width of an architecture's private tensor: 1 to 30 bits.
StatusOr<unsigned> read_width(Reader& r, std::string_view field) {
  ZKCC_ASSIGN_OR_RETURN(uint32_t bits, r.u32(field));
  if (bits == 0 || bits > 30) return invalid_argument(std::string(field) + " " + std::to_string(bits) + " is outside [1, 30]");
  return bits;
}

StatusOr<LayerOp> read_op(Reader& r, bool architecture) {
  const size_t at = r.pos();
  ZKCC_ASSIGN_OR_RETURN(uint8_t tag, r.u8("layer tag"));
  switch (tag) {
    case kMatMul: {
      MatMulLayer op;
      if (architecture) {
        ZKCC_ASSIGN_OR_RETURN(op.weight.shape, r.shape("weight"));
        ZKCC_ASSIGN_OR_RETURN(op.bias_bits, read_width(r, "bias width"));
        return LayerOp{std::move(op)};
      }
      ZKCC_ASSIGN_OR_RETURN(op.weight, r.tensor("weight"));
      ZKCC_ASSIGN_OR_RETURN(op.bias, r.i64s("bias"));
      return LayerOp{std::move(op)};
    }
    case kAddConst: {
      AddConstLayer op;
      if (architecture) {
        ZKCC_ASSIGN_OR_RETURN(op.constant.shape, r.shape("constant"));
        ZKCC_ASSIGN_OR_RETURN(op.constant_bits, read_width(r, "constant width"));
        return LayerOp{std::move(op)};
      }
      ZKCC_ASSIGN_OR_RETURN(op.constant, r.tensor("constant"));
      return LayerOp{std::move(op)};
    }
    case kMulConst: {
      MulConstLayer op;
      ZKCC_ASSIGN_OR_RETURN(op.constant, r.tensor("constant"));
      return LayerOp{std::move(op)};
    }
    case kRequant: {
      RequantLayer op;
      ZKCC_ASSIGN_OR_RETURN(uint32_t shift, r.u32("shift"));
      op.shift = shift;
      ZKCC_ASSIGN_OR_RETURN(op.lo, r.i64("lo"));
      ZKCC_ASSIGN_OR_RETURN(op.hi, r.i64("hi"));
      return LayerOp{std::move(op)};
    }
    case kLookup: {
      LookupLayer op;
      ZKCC_ASSIGN_OR_RETURN(op.function, r.string("function"));
      ZKCC_ASSIGN_OR_RETURN(op.in_min, r.i64("in_min"));
      ZKCC_ASSIGN_OR_RETURN(op.table, r.i64s("table"));
      return LayerOp{std::move(op)};
    }
    case kGather: {
      GatherLayer op;
      ZKCC_ASSIGN_OR_RETURN(op.index, r.i64s("index"));
      ZKCC_ASSIGN_OR_RETURN(op.fill, r.i64("fill"));
      return LayerOp{std::move(op)};
    }
    case kReshape:
      return LayerOp{ReshapeLayer{}};
    case kRowMax:
      return LayerOp{RowMaxLayer{}};
    case kRowSum:
      return LayerOp{RowSumLayer{}};
    case kRowSub:
      return LayerOp{RowSubLayer{}};
    case kRowDiv: {
      RowDivLayer op;
      ZKCC_ASSIGN_OR_RETURN(op.numerator_scale, r.i64("numerator_scale"));
      return LayerOp{std::move(op)};
    }
    case kAdd: {
      AddLayer op;
      ZKCC_ASSIGN_OR_RETURN(op.coef, r.i64s("coefficients"));
      return LayerOp{std::move(op)};
    }
    case kConcat: {
      ZKCC_ASSIGN_OR_RETURN(uint64_t axis, r.u64("axis"));
      return LayerOp{ConcatLayer{axis}};
    }
    case kMul:
      return LayerOp{MulLayer{}};
    default:
      return invalid_argument("unknown layer tag " + std::to_string(tag) + " at byte " + std::to_string(at));
  }
}

// Layer `index` defines value index + 1, so its inputs are values 0..index.
StatusOr<Layer> read_layer(Reader& r, size_t index, bool architecture) {
  Layer l;
  ZKCC_ASSIGN_OR_RETURN(l.node, r.string("node"));
  ZKCC_ASSIGN_OR_RETURN(l.op_type, r.string("op_type"));
  ZKCC_ASSIGN_OR_RETURN(l.inputs, r.indices("inputs"));
  for (size_t in : l.inputs) {
    if (in > index) {
      return invalid_argument("input value " + std::to_string(in) + " is not earlier than the layer's output value " +
                              std::to_string(index + 1));
    }
  }
  ZKCC_ASSIGN_OR_RETURN(l.op, read_op(r, architecture));
  return l;
}

StatusOr<QuantizedGraph> read_graph(Reader& r) {
  ZKCC_ASSIGN_OR_RETURN(uint16_t version, r.u16("version"));
  if (version != kGraphEncodingVersion) {
    return invalid_argument("graph encoding version " + std::to_string(version) + " is not supported (expected " +
                            std::to_string(kGraphEncodingVersion) + ")");
  }
  QuantizedGraph g;
  ZKCC_ASSIGN_OR_RETURN(uint8_t kind, r.u8("kind"));
  if (kind > 1) return invalid_argument("graph encoding kind " + std::to_string(kind) + " is neither 0 (model) nor 1 (architecture)");
  g.architecture_only = kind == 1;
  const bool architecture = g.architecture_only;
  ZKCC_ASSIGN_OR_RETURN(uint32_t bits, r.u32("activation_bits"));
  g.activation_bits = bits;
  ZKCC_ASSIGN_OR_RETURN(g.qmax, r.i64("qmax"));

  ZKCC_ASSIGN_OR_RETURN(size_t values, r.count(kMinValueBytes, "values"));
  for (size_t i = 0; i < values; ++i) {
    auto v = read_value(r);
    if (!v.ok()) return v.status().with_context("value " + std::to_string(i));
    g.values.push_back(std::move(v).value());
  }
  ZKCC_ASSIGN_OR_RETURN(size_t layers, r.count(kMinLayerBytes, "layers"));
  if (values != layers + 1) {
    return invalid_argument("graph encoding has " + std::to_string(values) + " values and " + std::to_string(layers) +
                            " layers; a graph has one value more than layers");
  }
  for (size_t i = 0; i < layers; ++i) {
    auto l = read_layer(r, i, architecture);
    if (!l.ok()) return l.status().with_context("layer " + std::to_string(i));
    g.layers.push_back(std::move(l).value());
  }
  ZKCC_ASSIGN_OR_RETURN(g.outputs, r.indices("outputs"));
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    if (g.outputs[i] >= values) {
      return invalid_argument("output " + std::to_string(i) + " is value " + std::to_string(g.outputs[i]) +
                              ", past the " + std::to_string(values) + " values");
    }
  }
  if (r.left() != 0) {
    return invalid_argument("graph encoding ends at byte " + std::to_string(r.pos()) + " but the input has " +
                            std::to_string(r.pos() + r.left()) + " bytes");
  }
  Status bounds = check_bounds(g);
  if (!bounds.ok()) return bounds.with_context("the graph's bounds");
  return g;
}

}  // namespace

Bytes encode_graph(const QuantizedGraph& graph) {
  Writer w;
  w.bytes(kMagic);
  w.u16(kGraphEncodingVersion);
  w.u8(graph.architecture_only ? 1 : 0);
  w.u32(graph.activation_bits);
  w.i64(graph.qmax);
  w.count(graph.values.size());
  for (const QuantizedValue& v : graph.values) {
    w.string(v.name);
    w.indices(v.shape);
    w.f64(v.scale);
    w.i64(v.bound);
    w.f64(v.error);
  }
  w.count(graph.layers.size());
  for (const Layer& l : graph.layers) write_layer(w, l, graph.architecture_only);
  w.indices(graph.outputs);
  return w.take();
}

StatusOr<QuantizedGraph> decode_graph(std::span<const uint8_t> bytes) {
  if (bytes.size() < sizeof kMagic || !std::equal(std::begin(kMagic), std::end(kMagic), bytes.begin())) {
    return invalid_argument("not a zkcc graph encoding (bad magic)");
  }
  Reader r(bytes);
  r.take(sizeof kMagic);
  return read_graph(r);
}

}  // namespace zkcc::model
