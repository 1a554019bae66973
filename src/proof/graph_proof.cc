#include "zkcc/proof/graph_proof.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "zkcc/base/overloaded.h"
#include "zkcc/field/m31_vec.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/bounds.h"
#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

using model::IntTensor;
using model::QuantizedGraph;

constexpr unsigned kLimbBits = 16;
constexpr unsigned kMaxRangeBits = 30;
constexpr size_t kMaxTableVars = 22;                  // 4M rows: the verifier evaluates tables itself
constexpr size_t kMaxPaddedElements = size_t{1} << 28;  // per tensor, far below p (LogUp counts)

// A value's matrix: real rows x cols, padded to prows x pcols (powers of two).
struct Dims {
  size_t rows = 1, cols = 1, prows = 1, pcols = 1;
  size_t row_vars() const { return static_cast<size_t>(std::countr_zero(prows)); }
  size_t vars() const { return row_vars() + static_cast<size_t>(std::countr_zero(pcols)); }
  size_t size() const { return prows * pcols; }
  // The padded position of real element i (row-major over the real shape).
  size_t at(size_t i) const { return (i / cols) * pcols + i % cols; }
  bool operator==(const Dims&) const = default;
};

Dims dims_of(const model::Shape& shape) {
  Dims d;
  d.cols = shape.empty() ? 1 : shape.back();
  d.rows = d.cols == 0 ? 0 : model::element_count(shape) / d.cols;
  d.prows = std::bit_ceil(d.rows);
  d.pcols = std::bit_ceil(d.cols);
  return d;
}

Dims row_dims(size_t n) { return Dims{1, n, 1, n}; }  // a multiplicity column (n a power of two)

// out[i] = constant[i] + sum over each term's entries coef * input[in].
struct SparseTerm {
  size_t input = 0;  // position in the layer's inputs
  std::vector<uint32_t> out, in;
  std::vector<M31> coef;
  void add(size_t o, size_t i, M31 c) {
    out.push_back(static_cast<uint32_t>(o));
    in.push_back(static_cast<uint32_t>(i));
    coef.push_back(c);
  }
};

struct Sparse {
  std::vector<SparseTerm> terms;
  std::vector<M31> constant;  // the output's padded size, or empty for zero
};

// A range check of a committed tensor against [0, 2^bits).
struct RangePlan {
  unsigned bits = 0;
  size_t tensor = 0;              // slot
  size_t limb[2] = {0, 0};        // slots, bits > 16 only
  size_t mult[2] = {0, 0};        // multiplicity slots (only [0] when bits <= 16)
};

// Where a lookup column's values come from.
struct ColumnRef {
  enum class Kind : uint8_t { kZero, kSlot, kValue, kIota, kRowTag, kTableIn, kTableOut } kind = Kind::kZero;
  size_t index = 0;  // the slot, the value (kValue, and kRowTag: the value whose rows are tagged), or the layer
};

// One lookup: witness rows (two columns, the second possibly zero) in table rows, with the
// multiplicities in m_slot. Every lookup of a proof runs in one LogUp (batched_lookup).
struct LookupPlan {
  size_t witness_rows = 0, table_rows = 0;  // powers of two
  ColumnRef witness[2], table[2];
  size_t m_slot = 0;
};

ColumnRef slot_col(size_t k) { return {ColumnRef::Kind::kSlot, k}; }
ColumnRef value_col(size_t v) { return {ColumnRef::Kind::kValue, v}; }

enum class Gadget : uint8_t { kMatMul, kPass, kSparse, kRequant, kLookup, kRowMax, kRowDiv };

struct LayerPlan {
  Gadget gadget = Gadget::kPass;
  std::vector<size_t> inputs;  // value indices
  size_t output = 0;
  Matrix weight;               // kMatMul, padded
  std::vector<M31> bias;       // kMatMul, padded (zero when the layer has none)
  Sparse map;                  // kPass (constant only), kSparse, kRowMax (d = y - x)
  unsigned shift = 0;          // kRequant
  int64_t half = 0, lo = 0, hi = 0;
  int64_t table_lo = 0;        // kRequant, kLookup: the table's inputs are table_lo, table_lo + 1, ...
  size_t table_rows = 0;       // real rows; the columns repeat the last one up to a power of two
  Column tin, tout;
  size_t m_slot = 0;           // kRequant, kLookup, kRowMax
  size_t q_slot = 0, r_slot = 0;  // kRequant
  RangePlan range;             // kRequant (r), kRowMax (d), kRowDiv (remainder)
  size_t d_slot = 0;           // kRowMax; kRowDiv: s - 1 - remainder
  int64_t numerator_scale = 1;  // kRowDiv
  size_t h_slot = 0, parity_slot = 0, rem_slot = 0;  // kRowDiv: s = 2h + parity
  size_t s1_slot = 0;                                 // kRowDiv: s - 1 on real rows, s on padding
  RangePlan h_range, parity_range, d_range, s1_range;  // kRowDiv
};

struct Plan {
  std::vector<Dims> dims;           // per value
  std::vector<std::optional<size_t>> slot_of;  // per value: its committed slot
  std::vector<Dims> slots;          // shapes of the committed tensors
  std::vector<LayerPlan> layers;
  std::vector<LookupPlan> lookups;
  size_t add_slot(const Dims& d) {
    slots.push_back(d);
    return slots.size() - 1;
  }
};

std::string at_layer(const QuantizedGraph& g, size_t l) {
  return "layer " + std::to_string(l) + " (" + model::layer_kind_name(g.layers[l].op) + " of node " + g.layers[l].node + ")";
}

// Within +-(p - 1) / 2, where integers and their residues correspond.
bool in_half_range(int64_t v) { return v >= -model::kM31HalfRange && v <= model::kM31HalfRange; }

int64_t floor_div(int64_t a, int64_t b) {  // b > 0
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

Status add_range(Plan& p, RangePlan& r, size_t tensor, unsigned bits) {
  if (bits == 0 || bits > kMaxRangeBits) return invalid_argument("range check of " + std::to_string(bits) + " bits");
  r.bits = bits;
  r.tensor = tensor;
  auto in_range = [&](size_t t, unsigned b) {
    const size_t m = p.add_slot(row_dims(size_t{1} << b));
    p.lookups.push_back({p.slots[t].size(), size_t{1} << b, {slot_col(t), {}}, {{ColumnRef::Kind::kIota, 0}, {}}, m});
    return m;
  };
  if (bits <= kLimbBits) {
    r.mult[0] = in_range(tensor, bits);
    return ok_status();
  }
  r.limb[0] = p.add_slot(p.slots[tensor]);
  r.limb[1] = p.add_slot(p.slots[tensor]);
  r.mult[0] = in_range(r.limb[0], kLimbBits);
  r.mult[1] = in_range(r.limb[1], bits - kLimbBits);
  return ok_status();
}

// The (in, out) table over [lo, lo + n) padded to a power of two by repeating its last row.
Status make_table(LayerPlan& lp, int64_t lo, const std::vector<int64_t>& out) {
  if (out.empty()) return invalid_argument("empty table");
  size_t n = std::bit_ceil(out.size());
  if (std::countr_zero(n) > static_cast<int>(kMaxTableVars)) {
    return invalid_argument("table of " + std::to_string(out.size()) + " rows is larger than 2^" +
                            std::to_string(kMaxTableVars));
  }
  lp.table_lo = lo;
  lp.table_rows = out.size();
  lp.tin.resize(n);
  lp.tout.resize(n);
  for (size_t j = 0; j < n; ++j) {
    size_t k = std::min(j, out.size() - 1);
    lp.tin[j] = M31::from_i64(lo + static_cast<int64_t>(k));
    lp.tout[j] = M31::from_i64(out[k]);
  }
  return ok_status();
}

// x mod p for |x| < p, without a division: the weights, constants and activations are all far
// inside that range (quantization bounds them by (p - 1) / 2), and this runs over every weight.
M31 small_to_m31(int64_t x) {
  const int64_t p = M31::kModulus;
  return x > -p && x < p ? M31::from_canonical(static_cast<uint32_t>(x < 0 ? x + p : x)) : M31::from_i64(x);
}

Matrix pad_matrix(const IntTensor& t, const Dims& d) {
  Matrix m{d.prows, d.pcols, std::vector<M31>(d.size())};
  for (size_t r = 0; r < d.rows; ++r) {
    const int64_t* in = t.data.data() + r * d.cols;
    M31* out = m.data.data() + r * d.pcols;
    for (size_t c = 0; c < d.cols; ++c) out[c] = small_to_m31(in[c]);
  }
  return m;
}

// Builds one layer's gadget; slots for its witnesses are added in a fixed order.
Status plan_layer(const QuantizedGraph& g, size_t l, Plan& p, LayerPlan& lp) {
  const model::Layer& layer = g.layers[l];
  lp.inputs = layer.inputs;
  lp.output = l + 1;
  const Dims& y = p.dims[l + 1];
  auto need_inputs = [&](size_t n) -> Status {
    if (layer.inputs.size() != n) return invalid_argument("takes " + std::to_string(n) + " inputs");
    return ok_status();
  };
  auto in_dims = [&](size_t k) -> const Dims& { return p.dims[layer.inputs[k]]; };
  return std::visit(
      Overloaded{
          [&](const model::MatMulLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (op.weight.shape.size() != 2) return invalid_argument("weight is not a matrix");
            const size_t k = op.weight.shape[0], n = op.weight.shape[1];
            const Dims& x = in_dims(0);
            if (x.cols != k || y.cols != n || y.rows != x.rows || op.weight.data.size() != k * n) {
              return invalid_argument("the product's input is not rows x " + std::to_string(k));
            }
            if (!op.bias.empty() && op.bias.size() != n) return invalid_argument("bias does not match the weight");
            lp.gadget = Gadget::kMatMul;
            lp.weight = pad_matrix(op.weight, dims_of(op.weight.shape));
            lp.bias.assign(y.pcols, M31::zero());
            for (size_t j = 0; j < op.bias.size(); ++j) lp.bias[j] = M31::from_i64(op.bias[j]);
            return ok_status();
          },
          [&](const model::AddConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(in_dims(0) == y) || op.constant.data.size() != y.rows * y.cols) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kPass;
            lp.map.constant = pad_matrix(op.constant, y).data;
            return ok_status();
          },
          [&](const model::MulConstLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(in_dims(0) == y) || op.constant.data.size() != y.rows * y.cols) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kSparse;
            SparseTerm t;
            for (size_t i = 0; i < op.constant.data.size(); ++i) t.add(y.at(i), y.at(i), M31::from_i64(op.constant.data[i]));
            lp.map.terms.push_back(std::move(t));
            return ok_status();
          },
          [&](const model::ReshapeLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = in_dims(0);
            if (x.rows * x.cols != y.rows * y.cols) return invalid_argument("reshape changes the element count");
            if (x == y) {
              lp.gadget = Gadget::kPass;
              return ok_status();
            }
            lp.gadget = Gadget::kSparse;
            SparseTerm t;
            for (size_t i = 0; i < y.rows * y.cols; ++i) t.add(y.at(i), x.at(i), M31::one());
            lp.map.terms.push_back(std::move(t));
            return ok_status();
          },
          [&](const model::GatherLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = in_dims(0);
            if (op.index.size() != y.rows * y.cols) return invalid_argument("index does not match the output");
            lp.gadget = Gadget::kSparse;
            SparseTerm t;
            const M31 fill = M31::from_i64(op.fill);
            if (!fill.is_zero()) lp.map.constant.assign(y.size(), fill);
            for (size_t i = 0; i < op.index.size(); ++i) {
              if (op.index[i] >= static_cast<int64_t>(x.rows * x.cols)) return invalid_argument("index past the input");
              if (op.index[i] < 0) continue;
              t.add(y.at(i), x.at(static_cast<size_t>(op.index[i])), M31::one());
              if (!fill.is_zero()) lp.map.constant[y.at(i)] = M31::zero();
            }
            lp.map.terms.push_back(std::move(t));
            return ok_status();
          },
          [&](const model::RowSumLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = in_dims(0);
            if (y.cols != 1 || y.rows != x.rows) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kSparse;
            SparseTerm t;
            for (size_t i = 0; i < x.rows * x.cols; ++i) t.add(i / x.cols, x.at(i), M31::one());
            lp.map.terms.push_back(std::move(t));
            return ok_status();
          },
          [&](const model::RowSubLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            const Dims &m = in_dims(0), &x = in_dims(1);
            if (!(x == y) || m.cols != 1 || m.rows != x.rows) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kSparse;
            SparseTerm tm{0, {}, {}, {}}, tx{1, {}, {}, {}};
            for (size_t i = 0; i < x.rows * x.cols; ++i) {
              tm.add(y.at(i), i / x.cols, M31::one());
              tx.add(y.at(i), x.at(i), -M31::one());
            }
            lp.map.terms.push_back(std::move(tm));
            lp.map.terms.push_back(std::move(tx));
            return ok_status();
          },
          [&](const model::RequantLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(in_dims(0) == y)) return invalid_argument("shape mismatch");
            if (op.shift > kMaxRangeBits || op.lo > op.hi || !in_half_range(op.lo) || !in_half_range(op.hi)) {
              return invalid_argument("bad shift or clamp");
            }
            lp.gadget = Gadget::kRequant;
            lp.shift = op.shift;
            lp.half = op.shift ? int64_t{1} << (op.shift - 1) : 0;
            lp.lo = op.lo;
            lp.hi = op.hi;
            const int64_t bound = g.values[layer.inputs[0]].bound;
            const int64_t qlo = floor_div(-bound + lp.half, int64_t{1} << op.shift);
            const int64_t qhi = floor_div(bound + lp.half, int64_t{1} << op.shift);
            if (qhi - qlo >= int64_t{1} << kMaxTableVars) {
              return invalid_argument("requantization by 2^" + std::to_string(op.shift) + " of values up to " +
                                      std::to_string(bound) + " needs a table of " + std::to_string(qhi - qlo + 1) +
                                      " rows, above 2^" + std::to_string(kMaxTableVars));
            }
            // x + h = 2^s q + r must determine q and r: the (qhi - qlo + 1) 2^s integers 2^s q + r
            // must be distinct modulo p, or a prover could take another residue of x.
            if (((qhi - qlo + 1) << op.shift) > static_cast<int64_t>(M31::kModulus)) {
              return invalid_argument("requantization by 2^" + std::to_string(op.shift) + " of values up to " +
                                      std::to_string(bound) + " is ambiguous modulo p");
            }
            std::vector<int64_t> out(static_cast<size_t>(qhi - qlo + 1));
            for (size_t j = 0; j < out.size(); ++j) out[j] = std::clamp(qlo + static_cast<int64_t>(j), op.lo, op.hi);
            ZKCC_RETURN_IF_ERROR(make_table(lp, qlo, out));
            lp.q_slot = p.add_slot(y);
            lp.m_slot = p.add_slot(row_dims(lp.tin.size()));
            p.lookups.push_back({y.size(), lp.tin.size(), {slot_col(lp.q_slot), slot_col(*p.slot_of[l + 1])},
                                 {ColumnRef{ColumnRef::Kind::kTableIn, l}, ColumnRef{ColumnRef::Kind::kTableOut, l}}, lp.m_slot});
            if (op.shift > 0) {
              lp.r_slot = p.add_slot(y);
              ZKCC_RETURN_IF_ERROR(add_range(p, lp.range, lp.r_slot, op.shift));
            }
            return ok_status();
          },
          [&](const model::LookupLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(in_dims(0) == y)) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kLookup;
            if (op.table.empty() || !in_half_range(op.in_min) ||
                op.in_min > model::kM31HalfRange - static_cast<int64_t>(op.table.size() - 1)) {
              return invalid_argument("the table's domain is empty or leaves +-(p - 1) / 2");
            }
            if (!std::all_of(op.table.begin(), op.table.end(), in_half_range)) {
              return invalid_argument("a table entry leaves +-(p - 1) / 2");
            }
            ZKCC_RETURN_IF_ERROR(make_table(lp, op.in_min, op.table));
            lp.m_slot = p.add_slot(row_dims(lp.tin.size()));
            p.lookups.push_back({y.size(), lp.tin.size(), {value_col(layer.inputs[0]), slot_col(*p.slot_of[l + 1])},
                                 {ColumnRef{ColumnRef::Kind::kTableIn, l}, ColumnRef{ColumnRef::Kind::kTableOut, l}}, lp.m_slot});
            return ok_status();
          },
          [&](const model::RowMaxLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            const Dims& x = in_dims(0);
            if (y.cols != 1 || y.rows != x.rows) return invalid_argument("shape mismatch");
            lp.gadget = Gadget::kRowMax;
            lp.m_slot = p.add_slot(row_dims(x.size()));
            // (row, max) is one of the (row, x) pairs; padding columns carry a row number no row has.
            p.lookups.push_back({y.prows, x.size(), {{ColumnRef::Kind::kIota, 0}, slot_col(*p.slot_of[l + 1])},
                                 {{ColumnRef::Kind::kRowTag, layer.inputs[0]}, value_col(layer.inputs[0])}, lp.m_slot});
            lp.d_slot = p.add_slot(x);
            const int64_t bound = g.values[layer.inputs[0]].bound;
            ZKCC_RETURN_IF_ERROR(add_range(p, lp.range, lp.d_slot, static_cast<unsigned>(std::bit_width(
                                                                       static_cast<uint64_t>(2 * bound)))));
            // d[r, c] = y[r] - x[r, c] on the real columns, over every padded row.
            SparseTerm ty{0, {}, {}, {}}, tx{1, {}, {}, {}};
            for (size_t r = 0; r < x.prows; ++r) {
              for (size_t c = 0; c < x.cols; ++c) {
                ty.add(r * x.pcols + c, r, M31::one());
                tx.add(r * x.pcols + c, r * x.pcols + c, -M31::one());
              }
            }
            lp.map.terms.push_back(std::move(ty));
            lp.map.terms.push_back(std::move(tx));
            return ok_status();
          },
          [&](const model::RowDivLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            const Dims &e = in_dims(0), &sum = in_dims(1);
            if (!(e == y) || sum.cols != 1 || sum.rows != e.rows) return invalid_argument("shape mismatch");
            if (op.numerator_scale <= 0) return invalid_argument("numerator scale is not positive");
            lp.gadget = Gadget::kRowDiv;
            lp.numerator_scale = op.numerator_scale;
            // Every divisor, remainder and half divisor is below the divisor's bound.
            const auto bits = static_cast<unsigned>(std::bit_width(static_cast<uint64_t>(g.values[layer.inputs[1]].bound)));
            // The quotient's range, exactly [0, bound]: y s must not wrap around p.
            const int64_t y_bound = g.values[l + 1].bound;
            // The M31 identity e k + h = y s + rem is the integer one only while both sides stay
            // below (p - 1) / 2 (e, y >= 0; h, rem < s).
            const int64_t e_bound = g.values[layer.inputs[0]].bound, s_bound = g.values[layer.inputs[1]].bound;
            const int64_t half = model::kM31HalfRange;  // every bound is already within it
            if (s_bound <= 0 || e_bound > (half - s_bound / 2) / op.numerator_scale || y_bound + 1 > half / s_bound) {
              return invalid_argument("division of values up to " + std::to_string(e_bound) + " x " +
                                      std::to_string(op.numerator_scale) + " by up to " + std::to_string(s_bound) +
                                      " could wrap around the field");
            }
            if (y_bound >= int64_t{1} << kMaxTableVars) {
              return invalid_argument("quotients up to " + std::to_string(y_bound) + " need a table above 2^" +
                                      std::to_string(kMaxTableVars) + " rows");
            }
            std::vector<int64_t> values(static_cast<size_t>(y_bound + 1));
            for (size_t j = 0; j < values.size(); ++j) values[j] = static_cast<int64_t>(j);
            ZKCC_RETURN_IF_ERROR(make_table(lp, 0, values));
            lp.m_slot = p.add_slot(row_dims(lp.tin.size()));
            p.lookups.push_back({y.size(), lp.tin.size(), {slot_col(*p.slot_of[l + 1]), {}}, {ColumnRef{ColumnRef::Kind::kTableIn, l}, {}}, lp.m_slot});
            lp.h_slot = p.add_slot(sum);
            lp.parity_slot = p.add_slot(sum);
            lp.rem_slot = p.add_slot(y);
            lp.d_slot = p.add_slot(y);
            lp.s1_slot = p.add_slot(sum);
            ZKCC_RETURN_IF_ERROR(add_range(p, lp.s1_range, lp.s1_slot, bits));  // s >= 1 on real rows
            ZKCC_RETURN_IF_ERROR(add_range(p, lp.parity_range, lp.parity_slot, 1));
            ZKCC_RETURN_IF_ERROR(add_range(p, lp.h_range, lp.h_slot, bits));
            ZKCC_RETURN_IF_ERROR(add_range(p, lp.range, lp.rem_slot, bits));
            return add_range(p, lp.d_range, lp.d_slot, bits);
          },
      },
      layer.op);
}

StatusOr<Plan> build_plan(const QuantizedGraph& g) {
  if (g.layers.empty()) return invalid_argument("graph has no layers");
  if (g.values.size() != g.layers.size() + 1) return invalid_argument("graph values do not match its layers");
  ZKCC_RETURN_IF_ERROR(model::check_bounds(g));  // bounds come from the architecture, not the file
  if (g.outputs.empty()) return invalid_argument("graph has no outputs");
  Plan p;
  for (const auto& v : g.values) {
    for (size_t d : v.shape) {
      if (d == 0) return invalid_argument("value " + v.name + " has a zero dimension");
    }
    if (v.bound < 0 || v.bound > model::kM31HalfRange) {
      return invalid_argument("value " + v.name + " has bound " + std::to_string(v.bound) + ", outside [0, (p - 1) / 2]");
    }
    p.dims.push_back(dims_of(v.shape));
    if (p.dims.back().size() > kMaxPaddedElements) return invalid_argument("value " + v.name + " is too large to prove");
  }
  std::vector<size_t> reads(g.values.size());
  std::vector<bool> clear(g.values.size());
  for (size_t v : g.outputs) {
    if (v == 0 || v >= g.values.size()) return invalid_argument("graph output is its input or missing");
    clear[v] = true;
  }
  for (size_t l = 0; l < g.layers.size(); ++l) {
    const auto& op = g.layers[l].op;
    const bool reads_clear = std::holds_alternative<model::LookupLayer>(op) ||
                             std::holds_alternative<model::RowMaxLayer>(op) || std::holds_alternative<model::RowDivLayer>(op);
    const bool nonlinear = reads_clear || std::holds_alternative<model::RequantLayer>(op);
    if (nonlinear) clear[l + 1] = true;
    for (size_t v : g.layers[l].inputs) {
      if (v > l) return invalid_argument(at_layer(g, l) + " reads a later value");
      ++reads[v];
      if (reads_clear) clear[v] = true;
    }
  }
  p.slot_of.resize(g.values.size());
  for (size_t v = 1; v < g.values.size(); ++v) {
    if (clear[v] || reads[v] > 1) p.slot_of[v] = p.add_slot(p.dims[v]);
  }
  p.layers.resize(g.layers.size());
  for (size_t l = 0; l < g.layers.size(); ++l) {
    Status s = plan_layer(g, l, p, p.layers[l]);
    if (!s.ok()) return s.with_context(at_layer(g, l));
  }
  return p;
}

// ---- the prover's witness ----

struct Witness {
  std::vector<Matrix> values;  // padded, per value
  std::vector<Matrix> slots;
};

Matrix zeros(const Dims& d) { return Matrix{d.prows, d.pcols, std::vector<M31>(d.size())}; }

void apply_sparse(const Sparse& map, std::span<const Matrix* const> inputs, Matrix& y) {
  if (!map.constant.empty()) y.data = map.constant;
  for (const SparseTerm& t : map.terms) {
    const std::vector<M31>& x = inputs[t.input]->data;
    for (size_t k = 0; k < t.out.size(); ++k) y.data[t.out[k]] += t.coef[k] * x[t.in[k]];
  }
}

// Counts of each witness value in the contiguous table [lo, lo + rows); fails on a value outside.
StatusOr<Matrix> count_in_range(std::span<const M31> witness, int64_t lo, size_t rows, size_t table_size,
                                const char* what) {
  std::vector<uint32_t> counts(table_size);
  for (size_t i = 0; i < witness.size(); ++i) {
    int64_t at = witness[i].to_signed() - lo;
    if (at < 0 || at >= static_cast<int64_t>(rows)) {
      return out_of_range(std::string(what) + ": value " + std::to_string(witness[i].to_signed()) + " at entry " +
                          std::to_string(i) + " is outside its table");
    }
    ++counts[static_cast<size_t>(at)];
  }
  Matrix m{1, table_size, std::vector<M31>(table_size)};
  for (size_t j = 0; j < table_size; ++j) m.data[j] = M31::from_u64(counts[j]);
  return m;
}

Status fill_range(const RangePlan& r, Witness& w) {
  auto count = [&](size_t tensor, unsigned bits, size_t mult) -> Status {
    ZKCC_ASSIGN_OR_RETURN(w.slots[mult], count_in_range(w.slots[tensor].data, 0, size_t{1} << bits, size_t{1} << bits,
                                                         "range check"));
    return ok_status();
  };
  if (r.bits <= kLimbBits) return count(r.tensor, r.bits, r.mult[0]);
  const Matrix& t = w.slots[r.tensor];
  Matrix l0{t.rows, t.cols, std::vector<M31>(t.data.size())}, l1 = l0;
  for (size_t i = 0; i < t.data.size(); ++i) {
    uint32_t v = t.data[i].value();
    l0.data[i] = M31::from_u32(v & ((1u << kLimbBits) - 1));
    l1.data[i] = M31::from_u32(v >> kLimbBits);
  }
  w.slots[r.limb[0]] = std::move(l0);
  w.slots[r.limb[1]] = std::move(l1);
  ZKCC_RETURN_IF_ERROR(count(r.limb[0], kLimbBits, r.mult[0]));
  return count(r.limb[1], r.bits - kLimbBits, r.mult[1]);
}

Status run_layer(const LayerPlan& lp, const Plan& p, Witness& w) {
  std::vector<const Matrix*> in;
  for (size_t v : lp.inputs) in.push_back(&w.values[v]);
  const Dims& yd = p.dims[lp.output];
  Matrix y = zeros(yd);
  switch (lp.gadget) {
    case Gadget::kMatMul: {
      const Matrix& x = *in[0];
      std::vector<M31> scaled(y.cols);
      for (size_t i = 0; i < x.rows; ++i) {
        std::span<M31> out = std::span(y.data).subspan(i * y.cols, y.cols);
        std::copy(lp.bias.begin(), lp.bias.end(), out.begin());
        for (size_t k = 0; k < x.cols; ++k) {
          const M31 xv = x.data[i * x.cols + k];
          if (xv.is_zero()) continue;
          field::m31_scale(std::span<const M31>(lp.weight.data).subspan(k * y.cols, y.cols), xv, scaled);
          field::m31_add(out, scaled, out);
        }
      }
      break;
    }
    case Gadget::kPass:
      y.data = in[0]->data;
      if (!lp.map.constant.empty()) field::m31_add(y.data, lp.map.constant, y.data);
      break;
    case Gadget::kSparse:
      apply_sparse(lp.map, in, y);
      break;
    case Gadget::kRequant: {
      Matrix q = zeros(yd), r = zeros(yd);
      for (size_t i = 0; i < y.data.size(); ++i) {
        const int64_t t = in[0]->data[i].to_signed() + lp.half;
        const int64_t qi = t >> lp.shift;  // floors (C++20)
        q.data[i] = M31::from_i64(qi);
        r.data[i] = M31::from_i64(t - (qi << lp.shift));
        y.data[i] = M31::from_i64(std::clamp(qi, lp.lo, lp.hi));
      }
      ZKCC_ASSIGN_OR_RETURN(w.slots[lp.m_slot], count_in_range(q.data, lp.table_lo, lp.table_rows, lp.tin.size(),
                                                               "requantization"));
      w.slots[lp.q_slot] = std::move(q);
      if (lp.shift > 0) {
        w.slots[lp.r_slot] = std::move(r);
        ZKCC_RETURN_IF_ERROR(fill_range(lp.range, w));
      }
      break;
    }
    case Gadget::kLookup: {
      ZKCC_ASSIGN_OR_RETURN(w.slots[lp.m_slot], count_in_range(in[0]->data, lp.table_lo, lp.table_rows, lp.tin.size(),
                                                               "table lookup"));
      for (size_t i = 0; i < y.data.size(); ++i) {
        y.data[i] = lp.tout[static_cast<size_t>(in[0]->data[i].to_signed() - lp.table_lo)];
      }
      break;
    }
    case Gadget::kRowMax: {
      const Matrix& x = *in[0];
      const size_t cols = p.dims[lp.inputs[0]].cols;
      Matrix m{1, x.data.size(), std::vector<M31>(x.data.size())};
      for (size_t r = 0; r < x.rows; ++r) {
        size_t best = r * x.cols;
        for (size_t c = 1; c < cols; ++c) {
          if (x.data[r * x.cols + c].to_signed() > x.data[best].to_signed()) best = r * x.cols + c;
        }
        y.data[r] = x.data[best];
        m.data[best] = M31::one();
      }
      w.slots[lp.m_slot] = std::move(m);
      Matrix d = zeros(p.dims[lp.inputs[0]]);
      const Matrix* both[] = {&y, &x};
      apply_sparse(lp.map, both, d);
      w.slots[lp.d_slot] = std::move(d);
      ZKCC_RETURN_IF_ERROR(fill_range(lp.range, w));
      break;
    }
    case Gadget::kRowDiv: {
      // y = floor((e k + floor(s / 2)) / s) on the real entries; everything is zero on padding.
      const Matrix &e = *in[0], &sum = *in[1];
      const Dims& ed = p.dims[lp.inputs[0]];
      Matrix h = zeros(p.dims[lp.inputs[1]]), parity = h, s1 = h, rem = zeros(yd), d = zeros(yd);
      for (size_t r = 0; r < sum.data.size(); ++r) {
        const int64_t sv = sum.data[r].to_signed();
        if (sv < 0 || (r < ed.rows && sv == 0)) return out_of_range("divisor " + std::to_string(sv) + " in row " + std::to_string(r));
        h.data[r] = M31::from_i64(sv / 2);
        parity.data[r] = M31::from_i64(sv % 2);
        s1.data[r] = M31::from_i64(r < ed.rows ? sv - 1 : sv);
      }
      for (size_t r = 0; r < ed.rows; ++r) {
        const int64_t sv = sum.data[r].to_signed();
        for (size_t c = 0; c < ed.cols; ++c) {
          const size_t i = r * ed.pcols + c;
          const int64_t t = e.data[i].to_signed() * lp.numerator_scale + sv / 2;
          const int64_t q = floor_div(t, sv);
          y.data[i] = M31::from_i64(q);
          rem.data[i] = M31::from_i64(t - q * sv);
          d.data[i] = M31::from_i64(sv - 1 - (t - q * sv));
        }
      }
      ZKCC_ASSIGN_OR_RETURN(w.slots[lp.m_slot], count_in_range(y.data, 0, lp.table_rows, lp.tin.size(), "quotient"));
      w.slots[lp.h_slot] = std::move(h);
      w.slots[lp.parity_slot] = std::move(parity);
      w.slots[lp.rem_slot] = std::move(rem);
      w.slots[lp.d_slot] = std::move(d);
      w.slots[lp.s1_slot] = std::move(s1);
      for (const RangePlan* rp : {&lp.s1_range, &lp.parity_range, &lp.h_range, &lp.range, &lp.d_range}) {
        ZKCC_RETURN_IF_ERROR(fill_range(*rp, w));
      }
      break;
    }
  }
  w.values[lp.output] = std::move(y);
  return ok_status();
}

StatusOr<Witness> make_witness(const QuantizedGraph& g, const Plan& p, const model::Trace& trace) {
  if (trace.values.size() != g.values.size()) return invalid_argument("trace does not match the graph");
  for (size_t v = 0; v < g.values.size(); ++v) {
    if (trace.values[v].data.size() != p.dims[v].rows * p.dims[v].cols) {
      return invalid_argument("trace value " + std::to_string(v) + " does not match the graph");
    }
  }
  Witness w;
  w.values.resize(g.values.size());
  w.slots.resize(p.slots.size());
  w.values[0] = pad_matrix(trace.values[0], p.dims[0]);
  for (size_t l = 0; l < p.layers.size(); ++l) {
    Status s = run_layer(p.layers[l], p, w);
    if (!s.ok()) return s.with_context(at_layer(g, l));
  }
  // The padded circuit must compute exactly what the model does.
  for (size_t v = 1; v < g.values.size(); ++v) {
    const Dims& d = p.dims[v];
    for (size_t i = 0; i < trace.values[v].data.size(); ++i) {
      if (w.values[v].data[d.at(i)] != M31::from_i64(trace.values[v].data[i])) {
        return internal_error("the circuit disagrees with the model at value " + g.values[v].name + ", element " +
                              std::to_string(i));
      }
    }
    if (p.slot_of[v]) w.slots[*p.slot_of[v]] = w.values[v];
  }
  return w;
}

// ---- the protocol, shared by prover and verifier ----

std::vector<QM31> concat(std::span<const QM31> a, std::span<const QM31> b) {
  std::vector<QM31> out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The extension of i -> i (variable 0 the most significant bit).
QM31 index_mle(std::span<const QM31> point) {
  QM31 v = QM31::zero();
  for (const QM31& x : point) v = v + v + x;
  return v;
}

// sum_{c < n} eq(point, c): the extension of the mask of the first n entries.
QM31 prefix_mle(std::span<const QM31> point, size_t n) {
  std::vector<QM31> eq = eq_table(point);
  QM31 s = QM31::zero();
  for (size_t c = 0; c < n && c < eq.size(); ++c) s += eq[c];
  return s;
}

// sum_{x < n} eq(a, x) eq(b, x): the extension at b of x -> eq(a, x) on the first n entries, 0 after.
QM31 masked_eq(std::span<const QM31> a, std::span<const QM31> b, size_t n) {
  std::vector<QM31> ea = eq_table(a), eb = eq_table(b);
  QM31 s = QM31::zero();
  for (size_t x = 0; x < n && x < ea.size(); ++x) s += ea[x] * eb[x];
  return s;
}

QM31 dot(std::span<const QM31> a, std::span<const M31> b) {
  QM31 s = QM31::zero();
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

struct Common {
  const QuantizedGraph& graph;
  const Plan& plan;
  Transcript& t;
  const Matrix& input;                  // padded
  std::vector<const Matrix*> slots;     // the committed tensors
  std::vector<std::optional<EvalClaim>> pending;  // per chained value
  const Matrix* clear(size_t v) const { return v == 0 ? &input : plan.slot_of[v] ? slots[*plan.slot_of[v]] : nullptr; }
};

struct Prover : Common {
  static constexpr bool kProver = true;
  const Witness& w;
  GraphProof& out;
};

struct Verifier : Common {
  static constexpr bool kProver = false;
  const GraphProof& in;
  size_t evals = 0, sumchecks = 0, matmuls = 0, logups = 0;
  template <typename T>
  StatusOr<const T*> next(const std::vector<T>& v, size_t& at, const char* what) {
    if (at >= v.size()) return invalid_argument(std::string("proof ends early: too few ") + what);
    return &v[at++];
  }
};

Status check_eval(const Matrix& m, std::span<const QM31> point, const QM31& value, const std::string& what) {
  if (m.data.size() != (size_t{1} << point.size())) return invalid_argument(what + ": the point does not fit");
  if (evaluate_mle(m.data, point) != value) return invalid_argument(what + " does not match the committed tensor");
  return ok_status();
}

// A value the prover states: sent, absorbed, and (by the verifier) returned for checking.
template <typename R>
StatusOr<QM31> send(R& r, const QM31& honest) {
  QM31 v = honest;
  if constexpr (R::kProver) {
    r.out.evals.push_back(v);
  } else {
    ZKCC_ASSIGN_OR_RETURN(const QM31* got, r.next(r.in.evals, r.evals, "stated values"));
    v = *got;
  }
  const QM31 sent[] = {v};
  r.t.mix_qm31s(sent);
  return v;
}

// The prover states a committed tensor's value at a point; the verifier checks it.
template <typename R>
StatusOr<QM31> state(R& r, size_t slot, std::span<const QM31> point, const std::string& what) {
  QM31 honest;
  if constexpr (R::kProver) honest = evaluate_mle(r.slots[slot]->data, point);
  ZKCC_ASSIGN_OR_RETURN(QM31 v, send(r, honest));
  if constexpr (!R::kProver) ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[slot], point, v, what));
  return v;
}

// A claim on a value: checked at once when the verifier holds it, else left for its producer.
template <typename R>
Status claim(R& r, size_t value, std::vector<QM31> point, const QM31& v, const std::string& what) {
  if (const Matrix* m = r.clear(value)) {
    if constexpr (!R::kProver) return check_eval(*m, point, v, what);
    return ok_status();
  }
  if (r.pending[value]) return internal_error(what + ": a second claim on a chained value");
  r.pending[value] = EvalClaim{std::move(point), v};
  return ok_status();
}

// Every lookup of the proof as one LogUp over three columns (lookup number, two values): the
// witnesses side by side, each at an offset aligned to its (power-of-two) size, and the tables
// likewise; the rows left over on the witness side are (0, 0, 0), a row the table holds once with
// that many uses. One fraction-sum GKR per side instead of two per lookup: the transcript work
// (most of a proof's time) falls with the number of lookups. The verifier splits each claim on a
// combined column into claims on the pieces and checks those against the tensors and tables.
struct Piece {
  size_t lookup;  // index into plan.lookups, or SIZE_MAX for the (0, 0, 0) row
  size_t offset, rows;
};

// Pieces sorted by size, largest first, so each offset is a multiple of its size.
std::vector<Piece> layout(const std::vector<LookupPlan>& lookups, bool witness_side, size_t extra_rows,
                          size_t& total) {
  std::vector<Piece> pieces;
  for (size_t i = 0; i < lookups.size(); ++i) {
    pieces.push_back({i, 0, witness_side ? lookups[i].witness_rows : lookups[i].table_rows});
  }
  if (extra_rows > 0) pieces.push_back({SIZE_MAX, 0, extra_rows});
  std::stable_sort(pieces.begin(), pieces.end(), [](const Piece& a, const Piece& b) { return a.rows > b.rows; });
  size_t at = 0;
  for (Piece& p : pieces) {
    p.offset = at;
    at += p.rows;
  }
  total = std::bit_ceil(std::max<size_t>(at, 2));
  return pieces;
}

// eq(point's first bits, index): the selector of a piece at `index` pieces of its size.
QM31 eq_index(std::span<const QM31> hi, size_t index) {
  QM31 e = QM31::one();
  for (size_t j = 0; j < hi.size(); ++j) {
    const bool bit = (index >> (hi.size() - 1 - j)) & 1;
    e *= bit ? hi[j] : QM31::one() - hi[j];
  }
  return e;
}

// Writes a piece's column into its place in the combined column (already zero).
template <typename R>
void write_column(const R& r, const ColumnRef& c, std::span<M31> out) {
  auto copy = [&](const std::vector<M31>& v) { std::copy(v.begin(), v.end(), out.begin()); };
  switch (c.kind) {
    case ColumnRef::Kind::kZero:
      return;
    case ColumnRef::Kind::kSlot:
      return copy(r.slots[c.index]->data);
    case ColumnRef::Kind::kValue:
      return copy(r.clear(c.index)->data);
    case ColumnRef::Kind::kIota:
      for (size_t i = 0; i < out.size(); ++i) out[i] = M31::from_u64(i);
      return;
    case ColumnRef::Kind::kRowTag: {
      const Dims& xd = r.plan.dims[c.index];
      std::fill(out.begin(), out.end(), -M31::one());
      for (size_t row = 0; row < xd.prows; ++row) {
        std::fill_n(out.begin() + static_cast<std::ptrdiff_t>(row * xd.pcols), xd.cols, M31::from_u64(row));
      }
      return;
    }
    case ColumnRef::Kind::kTableIn:
      return copy(r.plan.layers[c.index].tin);
    case ColumnRef::Kind::kTableOut:
      return copy(r.plan.layers[c.index].tout);
  }
}

// The extension of a piece's column at `point` (its own variables).
template <typename R>
QM31 column_at(const R& r, const ColumnRef& c, std::span<const QM31> point) {
  switch (c.kind) {
    case ColumnRef::Kind::kZero:
      return QM31::zero();
    case ColumnRef::Kind::kSlot:
      return evaluate_mle(r.slots[c.index]->data, point);
    case ColumnRef::Kind::kValue:
      return evaluate_mle(r.clear(c.index)->data, point);
    case ColumnRef::Kind::kIota:
      return index_mle(point);
    case ColumnRef::Kind::kRowTag: {
      const Dims& xd = r.plan.dims[c.index];
      const QM31 mask = prefix_mle(point.subspan(xd.row_vars()), xd.cols);
      return mask * index_mle(point.first(xd.row_vars())) - (QM31::one() - mask);
    }
    case ColumnRef::Kind::kTableIn:
      return evaluate_mle(r.plan.layers[c.index].tin, point);
    case ColumnRef::Kind::kTableOut:
      return evaluate_mle(r.plan.layers[c.index].tout, point);
  }
  return QM31::zero();
}

template <typename R>
Status batched_lookup(R& r) {
  const std::vector<LookupPlan>& lookups = r.plan.lookups;
  if (lookups.empty()) return ok_status();
  size_t used = 0;
  for (const LookupPlan& lu : lookups) used += lu.witness_rows;
  size_t w_total = 0, t_total = 0;
  std::vector<Piece> w_pieces = layout(lookups, true, 0, w_total);
  const size_t spare = w_total - used;  // (0, 0, 0) witness rows
  std::vector<Piece> t_pieces = layout(lookups, false, spare > 0 ? 1 : 0, t_total);
  auto tag = [](const Piece& p) { return p.lookup == SIZE_MAX ? M31::zero() : M31::from_u64(p.lookup + 1); };

  LogupClaims c;
  if constexpr (R::kProver) {
    std::vector<Column> witness(3, Column(w_total)), table(3, Column(t_total));
    Column m(t_total);
    for (const Piece& p : w_pieces) {
      std::fill_n(witness[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, tag(p));
      for (size_t k = 0; k < 2; ++k) {
        write_column(r, lookups[p.lookup].witness[k], std::span(witness[k + 1]).subspan(p.offset, p.rows));
      }
    }
    for (const Piece& p : t_pieces) {
      std::fill_n(table[0].begin() + static_cast<std::ptrdiff_t>(p.offset), p.rows, tag(p));
      if (p.lookup == SIZE_MAX) {
        m[p.offset] = M31::from_u64(spare);
        continue;
      }
      for (size_t k = 0; k < 2; ++k) {
        write_column(r, lookups[p.lookup].table[k], std::span(table[k + 1]).subspan(p.offset, p.rows));
      }
      const Column& mp = r.slots[lookups[p.lookup].m_slot]->data;
      std::copy(mp.begin(), mp.end(), m.begin() + static_cast<std::ptrdiff_t>(p.offset));
    }
    ZKCC_ASSIGN_OR_RETURN(LogupProverResult lu, logup_prove(witness, table, m, r.t));
    r.out.logups.push_back(std::move(lu.proof));
    return ok_status();
  } else {
    ZKCC_ASSIGN_OR_RETURN(const LogupProof* proof, r.next(r.in.logups, r.logups, "lookups"));
    auto lu = logup_verify(std::countr_zero(w_total), std::countr_zero(t_total), 3, *proof, r.t);
    if (!lu.ok()) return lu.status().with_context("lookups");
    c = std::move(*lu);
    // Each combined claim is the sum over pieces of selector x the piece's column there.
    auto split = [&](std::span<const QM31> point, const std::vector<Piece>& pieces, bool witness_side,
                     std::span<const QM31> claimed, const char* side) -> Status {
      QM31 want[3] = {QM31::zero(), QM31::zero(), QM31::zero()};
      for (const Piece& p : pieces) {
        const size_t lo_vars = static_cast<size_t>(std::countr_zero(p.rows));
        auto hi = point.first(point.size() - lo_vars);
        auto lo = point.subspan(point.size() - lo_vars);
        const QM31 sel = eq_index(hi, p.offset / p.rows);
        want[0] += sel * tag(p);
        if (p.lookup == SIZE_MAX) continue;
        const LookupPlan& lp = lookups[p.lookup];
        for (size_t k = 0; k < 2; ++k) want[k + 1] += sel * column_at(r, witness_side ? lp.witness[k] : lp.table[k], lo);
      }
      for (size_t k = 0; k < 3; ++k) {
        if (want[k] != claimed[k]) return invalid_argument(std::string("lookups: the ") + side + " columns' claim is false");
      }
      return ok_status();
    };
    ZKCC_RETURN_IF_ERROR(split(c.witness_point, w_pieces, true, c.witness_evals, "witness"));
    ZKCC_RETURN_IF_ERROR(split(c.table_point, t_pieces, false, c.table_evals, "table"));
    QM31 m_want = QM31::zero();
    auto tp = std::span<const QM31>(c.table_point);
    for (const Piece& p : t_pieces) {
      const size_t lo_vars = static_cast<size_t>(std::countr_zero(p.rows));
      const QM31 sel = eq_index(tp.first(tp.size() - lo_vars), p.offset / p.rows);
      m_want += p.lookup == SIZE_MAX ? sel * M31::from_u64(spare)
                                     : sel * evaluate_mle(r.slots[lookups[p.lookup].m_slot]->data, tp.subspan(tp.size() - lo_vars));
    }
    if (m_want != c.multiplicity_eval) return invalid_argument("lookups: the multiplicities' claim is false");
    return ok_status();
  }
}

template <typename R>
Status range_check(R& r, const RangePlan& rp, const std::string& what) {
  // The lookups themselves run in batched_lookup; wide values also need their limbs to add up.
  if (rp.bits <= kLimbBits) return ok_status();
  std::vector<QM31> z = r.t.draw_qm31s(r.plan.slots[rp.tensor].vars());
  ZKCC_ASSIGN_OR_RETURN(QM31 l0, state(r, rp.limb[0], z, what + " low limb"));
  ZKCC_ASSIGN_OR_RETURN(QM31 l1, state(r, rp.limb[1], z, what + " high limb"));
  if constexpr (!R::kProver) {
    ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[rp.tensor], z, l0 + l1 * M31::from_u32(1u << kLimbBits), what + " limbs"));
  }
  return ok_status();
}

// Reduces a claim on out = map(inputs) to claims on the inputs.
template <typename R>
Status sparse(R& r, const Sparse& map, std::span<const size_t> inputs, std::span<const QM31> z, const QM31& v,
              const std::string& what) {
  std::vector<QM31> eqz = eq_table(z);
  std::vector<std::vector<QM31>> g(map.terms.size());
  std::vector<QM31> sigma(map.terms.size());
  for (size_t j = 0; j < map.terms.size(); ++j) {
    const SparseTerm& term = map.terms[j];
    QM31 honest;
    if constexpr (R::kProver) {
      const Matrix& x = r.w.values[inputs[term.input]];
      g[j].assign(x.data.size(), QM31::zero());
      for (size_t k = 0; k < term.out.size(); ++k) g[j][term.in[k]] += eqz[term.out[k]] * term.coef[k];
      honest = dot(g[j], x.data);
    }
    ZKCC_ASSIGN_OR_RETURN(sigma[j], send(r, honest));
  }
  if constexpr (!R::kProver) {
    QM31 total = map.constant.empty() ? QM31::zero() : dot(eqz, map.constant);
    for (const QM31& s : sigma) total += s;
    if (total != v) return invalid_argument(what + ": the parts do not add up to the claim");
  }
  for (size_t j = 0; j < map.terms.size(); ++j) {
    const SparseTerm& term = map.terms[j];
    const size_t value = inputs[term.input];
    const size_t vars = r.plan.dims[value].vars();
    std::vector<QM31> point;
    QM31 x_eval;
    if constexpr (R::kProver) {
      std::vector<std::vector<QM31>> polys = {std::move(g[j]), lift(r.w.values[value].data)};
      const SumcheckTerm product[] = {{QM31::one(), {0, 1}}};
      ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), product, r.t));
      r.out.sumchecks.push_back(std::move(sc.proof));
      point = std::move(sc.point);
      ZKCC_ASSIGN_OR_RETURN(x_eval, send(r, sc.final_evals[1]));
    } else {
      ZKCC_ASSIGN_OR_RETURN(const SumcheckProof* proof, r.next(r.in.sumchecks, r.sumchecks, "sumchecks"));
      auto sc = sumcheck_verify(sigma[j], vars, 2, *proof, r.t);
      if (!sc.ok()) return sc.status().with_context(what);
      point = std::move(sc->point);
      ZKCC_ASSIGN_OR_RETURN(x_eval, send(r, QM31::zero()));
      std::vector<QM31> eqs = eq_table(point);
      QM31 g_at = QM31::zero();
      for (size_t k = 0; k < term.out.size(); ++k) g_at += eqz[term.out[k]] * eqs[term.in[k]] * term.coef[k];
      if (g_at * x_eval != sc->final_claim) return invalid_argument(what + ": the sumcheck does not close");
    }
    ZKCC_RETURN_IF_ERROR(claim(r, value, std::move(point), x_eval, what + " input " + std::to_string(term.input)));
  }
  return ok_status();
}

// Row division, y = floor((e k + h) / s) with s = 2h + parity: on the real entries (mask m),
//   e k + h - y s - rem = 0   and   s - 1 - rem - d = 0,   with rem, d, h in range, parity a bit,
// checked as one masked zero-sum sumcheck with a random gamma; s = 2h + parity at a random row.
// A zero divisor would let 2h + parity = p pass: s - 1 (s on padding rows) is range-checked too,
// and tied to s at the same random row, so s >= 1 on every real row.
template <typename R>
Status row_division(R& r, const LayerPlan& lp, const std::string& what) {
  const Dims& ed = r.plan.dims[lp.inputs[0]];
  const Dims& sd = r.plan.dims[lp.inputs[1]];
  const Matrix* e = r.clear(lp.inputs[0]);
  const Matrix* sum = r.clear(lp.inputs[1]);
  const size_t y = *r.plan.slot_of[lp.output];
  for (const auto& [rp, name] : {std::pair{&lp.s1_range, " divisor minus one"}, {&lp.parity_range, " parity"},
                                 {&lp.h_range, " half divisor"},
                                 {&lp.range, " remainder"}, {&lp.d_range, " remainder bound"}}) {
    ZKCC_RETURN_IF_ERROR(range_check(r, *rp, what + name));
  }
  std::vector<QM31> zr = r.t.draw_qm31s(sd.vars());
  ZKCC_ASSIGN_OR_RETURN(QM31 h_at, state(r, lp.h_slot, zr, what + " half divisor"));
  ZKCC_ASSIGN_OR_RETURN(QM31 parity_at, state(r, lp.parity_slot, zr, what + " parity"));
  ZKCC_ASSIGN_OR_RETURN(QM31 s1_at, state(r, lp.s1_slot, zr, what + " divisor minus one"));
  if constexpr (!R::kProver) {
    ZKCC_RETURN_IF_ERROR(check_eval(*sum, zr, h_at + h_at + parity_at, what + ": s = 2h + parity"));
    ZKCC_RETURN_IF_ERROR(check_eval(*sum, zr, s1_at + prefix_mle(zr, sd.rows), what + ": s = (s - 1) + 1 on real rows"));
  }

  std::vector<QM31> z = r.t.draw_qm31s(ed.vars());
  const QM31 gamma = r.t.draw_qm31();
  const QM31 k = QM31::from_m31(M31::from_i64(lp.numerator_scale));
  // Polynomials: 0 eq(z, .) * mask, 1 e, 2 h broadcast, 3 y, 4 s broadcast, 5 rem, 6 d.
  const SumcheckTerm terms[] = {{k, {0, 1}},           {QM31::one(), {0, 2}},        {-QM31::one(), {0, 3, 4}},
                                {-(QM31::one() + gamma), {0, 5}}, {gamma, {0, 4}}, {-gamma, {0}},
                                {-gamma, {0, 6}}};
  std::vector<QM31> point, evals(7);
  QM31 final_claim;
  if constexpr (R::kProver) {
    std::vector<QM31> eqm = eq_table(z);
    auto broadcast = [&](const Matrix& rows) {
      std::vector<QM31> t(ed.size());
      for (size_t i = 0; i < t.size(); ++i) t[i] = QM31::from_m31(rows.data[i / ed.pcols]);
      return t;
    };
    for (size_t i = 0; i < eqm.size(); ++i) {
      if (i / ed.pcols >= ed.rows || i % ed.pcols >= ed.cols) eqm[i] = QM31::zero();
    }
    std::vector<std::vector<QM31>> polys = {std::move(eqm), lift(e->data), broadcast(*r.slots[lp.h_slot]),
                                            lift(r.slots[y]->data), broadcast(*sum), lift(r.slots[lp.rem_slot]->data),
                                            lift(r.slots[lp.d_slot]->data)};
    ZKCC_ASSIGN_OR_RETURN(SumcheckProverResult sc, sumcheck_prove(std::move(polys), terms, r.t));
    r.out.sumchecks.push_back(std::move(sc.proof));
    point = std::move(sc.point);
    evals = std::move(sc.final_evals);
  } else {
    ZKCC_ASSIGN_OR_RETURN(const SumcheckProof* proof, r.next(r.in.sumchecks, r.sumchecks, "sumchecks"));
    auto sc = sumcheck_verify(QM31::zero(), ed.vars(), 3, *proof, r.t);
    if (!sc.ok()) return sc.status().with_context(what);
    point = std::move(sc->point);
    final_claim = sc->final_claim;
    auto pt = std::span<const QM31>(point);
    auto zs = std::span<const QM31>(z);
    evals[0] = masked_eq(zs.first(ed.row_vars()), pt.first(ed.row_vars()), ed.rows) *
               masked_eq(zs.subspan(ed.row_vars()), pt.subspan(ed.row_vars()), ed.cols);
  }
  for (size_t j = 1; j < evals.size(); ++j) {
    ZKCC_ASSIGN_OR_RETURN(evals[j], send(r, evals[j]));
  }
  if constexpr (!R::kProver) {
    auto pt = std::span<const QM31>(point);
    auto rows = pt.first(ed.row_vars());
    ZKCC_RETURN_IF_ERROR(check_eval(*e, pt, evals[1], what + " numerators"));
    ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[lp.h_slot], rows, evals[2], what + " half divisor"));
    ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[y], pt, evals[3], what + " output"));
    ZKCC_RETURN_IF_ERROR(check_eval(*sum, rows, evals[4], what + " divisor"));
    ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[lp.rem_slot], pt, evals[5], what + " remainder"));
    ZKCC_RETURN_IF_ERROR(check_eval(*r.slots[lp.d_slot], pt, evals[6], what + " remainder bound"));
    if (sumcheck_final_claim(evals, terms) != final_claim) {
      return invalid_argument(what + ": the division does not hold (sumcheck does not close)");
    }
  }
  return ok_status();
}

template <typename R>
Status prove_layer(R& r, size_t l) {
  const LayerPlan& lp = r.plan.layers[l];
  const std::string what = at_layer(r.graph, l);
  const Dims& yd = r.plan.dims[lp.output];
  const auto slot_of = [&](size_t v) { return *r.plan.slot_of[v]; };

  // Linear layers continue a claim on their output; the others prove a relation between tensors.
  std::vector<QM31> z;
  QM31 v;
  if (lp.gadget == Gadget::kMatMul || lp.gadget == Gadget::kPass || lp.gadget == Gadget::kSparse) {
    if (r.plan.slot_of[lp.output]) {
      z = r.t.draw_qm31s(yd.vars());
      ZKCC_ASSIGN_OR_RETURN(v, state(r, slot_of(lp.output), z, what + " output"));
    } else if (r.pending[lp.output]) {
      z = std::move(r.pending[lp.output]->point);
      v = r.pending[lp.output]->value;
      r.pending[lp.output].reset();
    } else {
      return ok_status();  // nothing reads this value
    }
  }

  switch (lp.gadget) {
    case Gadget::kMatMul: {
      const Dims& xd = r.plan.dims[lp.inputs[0]];
      auto rows = std::span<const QM31>(z).first(yd.row_vars());
      auto cols = std::span<const QM31>(z).subspan(yd.row_vars());
      // Y~(r, c) = sum_k X~(r, k) W~(k, c) + b~(c): the bias broadcast over every padded row.
      const QM31 product = v - evaluate_mle(lp.bias, cols);
      std::vector<QM31> inner;
      QM31 a_eval;
      if constexpr (R::kProver) {
        ZKCC_ASSIGN_OR_RETURN(MatmulProverResult m, matmul_prove(r.w.values[lp.inputs[0]], lp.weight, rows, cols, product, r.t));
        inner = std::move(m.inner_point);
        a_eval = m.proof.a_eval;
        r.out.matmuls.push_back(std::move(m.proof));
      } else {
        ZKCC_ASSIGN_OR_RETURN(const MatmulProof* proof, r.next(r.in.matmuls, r.matmuls, "matrix products"));
        auto red = matmul_verify(xd.pcols, rows, cols, product, *proof, r.t);
        if (!red.ok()) return red.status().with_context(what);
        ZKCC_RETURN_IF_ERROR(check_eval(lp.weight, red->b.point, red->b.value, what + " weight"));
        inner = {red->a.point.begin() + static_cast<std::ptrdiff_t>(rows.size()), red->a.point.end()};
        a_eval = red->a.value;
      }
      return claim(r, lp.inputs[0], concat(rows, inner), a_eval, what + " input");
    }
    case Gadget::kPass: {
      QM31 c = lp.map.constant.empty() ? QM31::zero() : evaluate_mle(lp.map.constant, z);
      return claim(r, lp.inputs[0], std::move(z), v - c, what + " input");
    }
    case Gadget::kSparse:
      return sparse(r, lp.map, lp.inputs, z, v, what);
    case Gadget::kRequant: {
      if (lp.shift > 0) ZKCC_RETURN_IF_ERROR(range_check(r, lp.range, what + " remainder"));
      // x + h = 2^s q + r at a random point leaves the claim on x.
      z = r.t.draw_qm31s(yd.vars());
      ZKCC_ASSIGN_OR_RETURN(QM31 q, state(r, lp.q_slot, z, what + " quotient"));
      QM31 rem = QM31::zero();
      if (lp.shift > 0) {
        ZKCC_ASSIGN_OR_RETURN(rem, state(r, lp.r_slot, z, what + " remainder"));
      }
      const QM31 x = q * M31::from_u64(uint64_t{1} << lp.shift) + rem - QM31::from_m31(M31::from_i64(lp.half));
      return claim(r, lp.inputs[0], std::move(z), x, what + " input");
    }
    case Gadget::kLookup:
      return ok_status();  // its lookup runs in batched_lookup
    case Gadget::kRowMax: {
      const Dims& xd = r.plan.dims[lp.inputs[0]];
      ZKCC_RETURN_IF_ERROR(range_check(r, lp.range, what + " differences"));
      z = r.t.draw_qm31s(xd.vars());
      ZKCC_ASSIGN_OR_RETURN(v, state(r, lp.d_slot, z, what + " differences"));
      const size_t ins[] = {lp.output, lp.inputs[0]};
      return sparse(r, lp.map, ins, z, v, what + " differences");
    }
    case Gadget::kRowDiv:
      return row_division(r, lp, what);
  }
  return internal_error(what + ": unknown gadget");
}

// A committed tensor's digest: SHA-256 over "zkcc-tensor", rows and columns (u32 LE) and the values
// (u32 LE), its first 31 bytes as a felt. SHA-256 rather than Poseidon because the committed tensors
// run to megabytes and SHA-256 hashes them about a hundred times faster; collision resistance is
// all the binding needs.
Felt252 committed_digest(const Matrix& m) {
  static_assert(sizeof(M31) == 4 && std::endian::native == std::endian::little);
  static constexpr char kTag[] = "zkcc-tensor";
  Bytes buf(sizeof(kTag) - 1 + 8 + 4 * m.data.size());
  std::memcpy(buf.data(), kTag, sizeof(kTag) - 1);
  size_t at = sizeof(kTag) - 1;
  for (uint64_t v : {uint64_t{m.rows}, uint64_t{m.cols}}) {
    for (int i = 0; i < 4; ++i) buf[at++] = static_cast<uint8_t>(v >> (8 * i));
  }
  std::memcpy(buf.data() + at, m.data.data(), 4 * m.data.size());
  hash::Sha256Digest d = hash::sha256(buf);
  return *Felt252::from_bytes_be_var(std::span(d).first(31));
}

// Absorbs the circuit's shape and every committed tensor before any challenge.
void bind_commitments(const Plan& p, const Matrix& input, std::span<const Matrix* const> slots, Transcript& t) {
  std::vector<Felt252> d = {Felt252::from_short_string("zkcc-graph-v1").value(), Felt252::from_u64(p.dims.size()),
                            Felt252::from_u64(p.slots.size()), committed_digest(input)};
  for (const Matrix* m : slots) d.push_back(committed_digest(*m));
  t.mix_felts(d);
}

template <typename R>
Status run_protocol(R& r, const ProveProgress& progress) {
  bind_commitments(r.plan, r.input, r.slots, r.t);
  r.pending.resize(r.plan.dims.size());
  ZKCC_RETURN_IF_ERROR(batched_lookup(r));
  const size_t n = r.plan.layers.size();
  for (size_t l = n; l-- > 0;) {
    ZKCC_RETURN_IF_ERROR(prove_layer(r, l));
    if (progress) progress("prove", n - l, n);
  }
  return ok_status();
}

}  // namespace

struct GraphCircuit::Impl {
  std::shared_ptr<const QuantizedGraph> graph;
  Plan plan;
};

StatusOr<GraphCircuit> GraphCircuit::build(std::shared_ptr<const QuantizedGraph> graph) {
  if (!graph) return invalid_argument("no graph");
  ZKCC_ASSIGN_OR_RETURN(Plan plan, build_plan(*graph));
  GraphCircuit c;
  c.impl_ = std::make_shared<const Impl>(Impl{std::move(graph), std::move(plan)});
  return c;
}

const QuantizedGraph& GraphCircuit::graph() const { return *impl_->graph; }

namespace {

// A circuit over a graph the caller keeps alive for the call.
StatusOr<GraphCircuit> borrowed(const QuantizedGraph& graph) {
  return GraphCircuit::build(std::shared_ptr<const QuantizedGraph>(&graph, [](const QuantizedGraph*) {}));
}

}  // namespace

Status check_provable(const QuantizedGraph& graph) { return build_plan(graph).status(); }

StatusOr<GraphProof> graph_prove(const QuantizedGraph& graph, const model::Trace& trace, Transcript& transcript,
                                 const ProveProgress& progress) {
  ZKCC_ASSIGN_OR_RETURN(GraphCircuit circuit, borrowed(graph));
  return graph_prove(circuit, trace, transcript, progress);
}

Status graph_verify(const QuantizedGraph& graph, const IntTensor& input, std::span<const IntTensor> outputs,
                    const GraphProof& proof, Transcript& transcript) {
  ZKCC_ASSIGN_OR_RETURN(GraphCircuit circuit, borrowed(graph));
  return graph_verify(circuit, input, outputs, proof, transcript);
}

StatusOr<GraphProof> graph_prove(const GraphCircuit& circuit, const model::Trace& trace, Transcript& transcript,
                                 const ProveProgress& progress) {
  const QuantizedGraph& graph = circuit.graph();
  const Plan& plan = circuit.impl().plan;
  ZKCC_ASSIGN_OR_RETURN(Witness w, make_witness(graph, plan, trace));
  if (progress) progress("witness", 0, plan.layers.size());
  GraphProof proof;
  Prover r{{graph, plan, transcript, w.values[0], {}, {}}, w, proof};
  for (const Matrix& m : w.slots) r.slots.push_back(&m);
  ZKCC_RETURN_IF_ERROR(run_protocol(r, progress));
  proof.committed = w.slots;
  return proof;
}

Status graph_verify(const GraphCircuit& circuit, const IntTensor& input, std::span<const IntTensor> outputs,
                    const GraphProof& proof, Transcript& transcript) {
  const QuantizedGraph& graph = circuit.graph();
  const Plan& plan = circuit.impl().plan;
  const model::QuantizedValue& in = graph.values[0];
  if (input.shape != in.shape || input.data.size() != model::element_count(in.shape)) {
    return invalid_argument("input has shape " + model::shape_string(input.shape) + ", the model takes " +
                            model::shape_string(in.shape));
  }
  for (size_t i = 0; i < input.data.size(); ++i) {
    if (input.data[i] < -in.bound || input.data[i] > in.bound) {
      return out_of_range("input element " + std::to_string(i) + " is out of range");
    }
  }
  if (proof.committed.size() != plan.slots.size()) {
    return invalid_argument("proof commits " + std::to_string(proof.committed.size()) + " tensors, the circuit has " +
                            std::to_string(plan.slots.size()));
  }
  for (size_t k = 0; k < plan.slots.size(); ++k) {
    const Matrix& m = proof.committed[k];
    if (m.rows != plan.slots[k].prows || m.cols != plan.slots[k].pcols || m.data.size() != m.rows * m.cols) {
      return invalid_argument("committed tensor " + std::to_string(k) + " has the wrong shape");
    }
  }
  if (outputs.size() != graph.outputs.size()) return invalid_argument("wrong number of outputs");
  for (size_t o = 0; o < outputs.size(); ++o) {
    const size_t v = graph.outputs[o];
    const Dims& d = plan.dims[v];
    const Matrix& m = proof.committed[*plan.slot_of[v]];
    if (outputs[o].shape != graph.values[v].shape || outputs[o].data.size() != d.rows * d.cols) {
      return invalid_argument("output " + std::to_string(o) + " has the wrong shape");
    }
    // Within the value's bound, an integer is determined by its residue: outside it, a value
    // congruent to the true one modulo p would pass the comparison below.
    const int64_t bound = graph.values[v].bound;
    for (size_t i = 0; i < outputs[o].data.size(); ++i) {
      if (outputs[o].data[i] < -bound || outputs[o].data[i] > bound) {
        return out_of_range("output " + std::to_string(o) + " element " + std::to_string(i) + " is out of range");
      }
      if (m.data[d.at(i)] != M31::from_i64(outputs[o].data[i])) {
        return invalid_argument("output " + std::to_string(o) + " element " + std::to_string(i) +
                                " is not the one the proof commits to");
      }
    }
  }
  const Matrix padded_input = pad_matrix(input, plan.dims[0]);
  Verifier r{{graph, plan, transcript, padded_input, {}, {}}, proof};
  for (const Matrix& m : proof.committed) r.slots.push_back(&m);
  ZKCC_RETURN_IF_ERROR(run_protocol(r, {}));
  if (r.evals != proof.evals.size() || r.sumchecks != proof.sumchecks.size() || r.matmuls != proof.matmuls.size() ||
      r.logups != proof.logups.size()) {
    return invalid_argument("proof carries parts the circuit does not use");
  }
  return ok_status();
}

}  // namespace zkcc::proof
