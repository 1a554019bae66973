// The circuit of a quantized graph, private to the graph proof: every value as a padded matrix,
// the tensors the proof commits to ("slots"), one gadget plan per layer, and the lookups that run
// together in one LogUp. Built once per graph by graph_proof.cc; each gadget file adds its plan
// (public, derived from the graph), its witness and its part of the protocol.
#ifndef ZKCC_SRC_PROOF_GADGETS_CIRCUIT_H_
#define ZKCC_SRC_PROOF_GADGETS_CIRCUIT_H_

#include <algorithm>
#include <bit>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/matmul.h"
#include "zkcc/proof/pcs/pcs.h"

namespace zkcc::proof::gadgets {

using model::IntTensor;
using model::QuantizedGraph;

inline constexpr unsigned kLimbBits = 16;
inline constexpr unsigned kMaxRangeBits = 30;
inline constexpr size_t kMaxTableVars = 22;                    // 4M rows: the verifier evaluates tables itself
inline constexpr size_t kMaxPaddedElements = size_t{1} << 28;  // per tensor, far below p (LogUp counts)

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

Dims dims_of(const model::Shape& shape);
inline Dims row_dims(size_t n) { return Dims{1, n, 1, n}; }  // a multiplicity column (n a power of two)

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
  size_t tensor = 0;        // slot
  size_t limb[2] = {0, 0};  // slots, bits > 16 only
  size_t mult[2] = {0, 0};  // multiplicity slots (only [0] when bits <= 16)
};

// Where a lookup column's values come from.
struct ColumnRef {
  enum class Kind : uint8_t { kZero, kSlot, kValue, kIota, kRowTag, kTableIn, kTableOut } kind = Kind::kZero;
  size_t index = 0;  // the slot, the value (kValue, and kRowTag: the value whose rows are tagged), or the layer
};
inline ColumnRef slot_col(size_t k) { return {ColumnRef::Kind::kSlot, k}; }
inline ColumnRef value_col(size_t v) { return {ColumnRef::Kind::kValue, v}; }

// One lookup: witness rows (two columns, the second possibly zero) in table rows, with the
// multiplicities in m_slot. Every lookup of a proof runs in one LogUp (lookup.h).
struct LookupPlan {
  size_t witness_rows = 0, table_rows = 0;  // powers of two
  ColumnRef witness[2], table[2];
  size_t m_slot = 0;
};

// A public table of (in, out) rows over [lo, lo + rows), padded to a power of two by repeating
// its last row.
struct Table {
  int64_t lo = 0;
  size_t rows = 0;  // real rows
  Column in, out;
};
StatusOr<Table> make_table(int64_t lo, const std::vector<int64_t>& out);

// ---- the gadgets' plans (one file each) ----

struct MatMulPlan {  // product.cc
  size_t weight = 0, bias = 0;  // model tensors: k x n padded, and 1 x n padded (zero without one)
};
struct PassPlan {  // sparse_map.cc: y = x + constant (same padded shape)
  std::optional<size_t> constant;  // a model tensor; none for zero
};
struct SparsePlan {  // sparse_map.cc
  Sparse map;
};
struct RequantPlan {  // requant.cc
  unsigned shift = 0;
  int64_t half = 0, lo = 0, hi = 0;
  Table table;  // q -> clamp(q)
  size_t m_slot = 0, q_slot = 0, r_slot = 0;
  RangePlan range;  // r
};
struct TableLookupPlan {  // table_lookup.cc
  Table table;
  size_t m_slot = 0;
};
struct RowMaxPlan {  // row_max.cc
  Sparse map;  // d = y - x on the real columns
  size_t m_slot = 0, d_slot = 0;
  RangePlan range;  // d
};
struct RowDivPlan {  // row_div.cc
  int64_t numerator_scale = 1;
  Table table;  // [0, the quotient's bound]
  size_t m_slot = 0, h_slot = 0, parity_slot = 0, rem_slot = 0, d_slot = 0, s1_slot = 0;
  RangePlan parity_range, h_range, range, d_range, s1_range;  // s1 = s - 1 on every row
};
struct SumPlan {  // sum.cc: y = sum_j coef[j] x_j, every x_j of y's padded shape
  std::vector<M31> coef;
};
struct HadamardPlan {};  // hadamard.cc: y = a * b
using GadgetPlan = std::variant<MatMulPlan, PassPlan, SparsePlan, RequantPlan, TableLookupPlan, RowMaxPlan, RowDivPlan,
                                SumPlan, HadamardPlan>;

struct LayerPlan {
  std::vector<size_t> inputs;  // value indices
  size_t output = 0;
  GadgetPlan gadget;
};

// The input's range, -bound <= x <= bound on every entry (padding included): lo = x + bound and
// hi = bound - x are committed and range-checked in [0, 2^bits), 2^bits > 2 bound, and tied to x
// at a random point. A private input is committed, never seen: without this, an input beyond the
// bound could make an accumulator wrap around p.
struct InputRangePlan {
  int64_t bound = 0;
  size_t lo_slot = 0, hi_slot = 0;
  RangePlan lo, hi;
};

struct Plan {
  std::vector<Dims> dims;                      // per value
  std::vector<Dims> model_slots;               // shapes of the model's private tensors (weights, biases, constants)
  std::vector<unsigned> model_bits;            // per model slot: its entries lie in [-2^(bits - 1), 2^(bits - 1))
  std::vector<std::optional<size_t>> slot_of;  // per value: its committed slot
  std::vector<Dims> slots;                     // shapes of the committed tensors
  std::vector<LayerPlan> layers;
  std::vector<LookupPlan> lookups;
  InputRangePlan input_range;
  // Where each tensor sits in its commitment's stacked table: the per-proof commitment holds the
  // input and every slot but the outputs (which the proof carries in the clear); the model
  // commitment holds the model slots.
  std::vector<bool> slot_is_output;
  std::vector<size_t> proof_offsets;  // per slot (unused for outputs)
  size_t input_offset = 0;
  size_t proof_log_size = 0;
  std::vector<size_t> model_offsets;  // per model slot
  size_t model_log_size = 0;
  // The sumchecks' masks (sumcheck_mask.h): random words in the per-proof commitment, enough for
  // every sumcheck the protocol may run; none when it runs none.
  size_t mask_offset = 0, mask_size = 0;
  // The model's masks: a block of 2^model_mask_vars random words in the model commitment (none
  // when 0), for the masked factors on the model's tensors (role.h, ModelMask).
  size_t model_mask_offset = 0, model_mask_vars = 0;
  // The model's range proof's region (table_range.h: multiplicities, limbs, its pool).
  size_t model_range_offset = 0;
  // The hiding commitments' blinding segments (pcs.h); the model's is fixed by the model (seed).
  PcsBlinding proof_blinding, model_blinding;
  size_t add_slot(const Dims& d) {
    slots.push_back(d);
    return slots.size() - 1;
  }
  size_t add_model_slot(const Dims& d, unsigned bits) {
    model_slots.push_back(d);
    model_bits.push_back(bits);
    return model_slots.size() - 1;
  }
};

// The model's private tensors, padded, in the order of Plan::model_slots: what the prover opens
// claims on (and, in this version, what the verifier checks them against).
struct ModelData {
  bool present = true;  // false for an architecture (the verifier's circuit)
  std::vector<Matrix> tensors;
};

// The layer's table, for lookups that name it (kTableIn / kTableOut); null when it has none.
const Table* table_of(const LayerPlan& lp);

// ---- the prover's witness ----

struct Witness {
  std::vector<Matrix> values;  // padded, per value
  std::vector<Matrix> slots;
};

// ---- helpers shared by the gadgets ----

std::string at_layer(const QuantizedGraph& g, size_t l);
// Within +-(p - 1) / 2, where integers and their residues correspond.
inline bool in_half_range(int64_t v) { return v >= -model::kM31HalfRange && v <= model::kM31HalfRange; }
int64_t floor_div(int64_t a, int64_t b);  // b > 0
// x mod p for |x| < p without a division (runs over every weight).
M31 small_to_m31(int64_t x);
Matrix pad_matrix(const IntTensor& t, const Dims& d);
inline Matrix zeros(const Dims& d) { return Matrix{d.prows, d.pcols, std::vector<M31>(d.size())}; }
// Counts of each witness value in the contiguous table [lo, lo + rows); fails on a value outside.
StatusOr<Matrix> count_in_range(std::span<const M31> witness, int64_t lo, size_t rows, size_t table_size,
                                const char* what);
// y = map(inputs) (y already shaped).
void apply_sparse(const Sparse& map, std::span<const Matrix* const> inputs, Matrix& y);

std::vector<QM31> concat(std::span<const QM31> a, std::span<const QM31> b);
// sum_{c < n} eq(point, c): the extension of the mask of the first n entries.
QM31 prefix_mle(std::span<const QM31> point, size_t n);
// sum_{x < n} eq(a, x) eq(b, x): the extension at b of x -> eq(a, x) on the first n entries, 0 after.
QM31 masked_eq(std::span<const QM31> a, std::span<const QM31> b, size_t n);
QM31 dot(std::span<const QM31> a, std::span<const M31> b);

}  // namespace zkcc::proof::gadgets

#endif  // ZKCC_SRC_PROOF_GADGETS_CIRCUIT_H_
