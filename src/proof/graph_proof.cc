// The graph proof as the composition of its gadgets (src/proof/gadgets/): the plan of every
// layer, the prover's witness, and the protocol run by both roles from the last layer to the first.
#include "zkcc/proof/graph_proof.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "gadgets/gadgets.h"
#include "zkcc/base/byte_reader.h"
#include "zkcc/base/overloaded.h"
#include "zkcc/field/m31_vec.h"
#include "zkcc/hash/sha2.h"
#include "zkcc/model/bounds.h"
#include "zkcc/model/commitment.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/proof/multilinear.h"

namespace zkcc::proof {
namespace {

using namespace gadgets;  // NOLINT: the graph proof is the gadgets' one user

// Builds one layer's gadget; slots for its witnesses are added in a fixed order.
Status plan_layer(const QuantizedGraph& g, size_t l, Plan& p, ModelData& md, LayerPlan& lp) {
  const model::Layer& layer = g.layers[l];
  lp.inputs = layer.inputs;
  lp.output = l + 1;
  const Dims& y = p.dims[l + 1];
  std::vector<const Dims*> in;
  for (size_t v : layer.inputs) in.push_back(&p.dims[v]);
  auto need_inputs = [&](size_t n) -> Status {
    if (layer.inputs.size() != n) return invalid_argument("takes " + std::to_string(n) + " inputs");
    return ok_status();
  };
  auto y_slot = [&] { return *p.slot_of[l + 1]; };
  return std::visit(
      Overloaded{
          [&](const model::MatMulLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            MatMulPlan mp;
            ZKCC_RETURN_IF_ERROR(plan_matmul(op, *in[0], y, p, md, mp));
            lp.gadget = std::move(mp);
            return ok_status();
          },
          [&](const model::RequantLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(*in[0] == y)) return invalid_argument("shape mismatch");
            RequantPlan rp;
            ZKCC_RETURN_IF_ERROR(plan_requant(op, g.values[layer.inputs[0]].bound, y, y_slot(), l, p, rp));
            lp.gadget = std::move(rp);
            return ok_status();
          },
          [&](const model::LookupLayer& op) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            if (!(*in[0] == y)) return invalid_argument("shape mismatch");
            TableLookupPlan tp;
            ZKCC_RETURN_IF_ERROR(plan_table_lookup(op, layer.inputs[0], y, y_slot(), l, p, tp));
            lp.gadget = std::move(tp);
            return ok_status();
          },
          [&](const model::RowMaxLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(1));
            RowMaxPlan mp;
            ZKCC_RETURN_IF_ERROR(plan_row_max(layer.inputs[0], g.values[layer.inputs[0]].bound, *in[0], y, y_slot(), p, mp));
            lp.gadget = std::move(mp);
            return ok_status();
          },
          [&](const model::RowDivLayer& op) -> Status {
            RowDivPlan dp;
            ZKCC_RETURN_IF_ERROR(plan_row_div(g, l, op, p, dp));
            lp.gadget = std::move(dp);
            return ok_status();
          },
          [&](const model::AddLayer&) { return plan_combine(g, l, p, lp.gadget); },
          [&](const model::ConcatLayer&) { return plan_combine(g, l, p, lp.gadget); },
          [&](const model::MulLayer&) -> Status {
            ZKCC_RETURN_IF_ERROR(need_inputs(2));
            ZKCC_RETURN_IF_ERROR(plan_hadamard(*in[0], *in[1], y));
            lp.gadget = HadamardPlan{};
            return ok_status();
          },
          [&](const auto&) -> Status { return plan_sparse(layer, in, y, p, md, lp.gadget); },
      },
      layer.op);
}

StatusOr<Plan> build_plan(const QuantizedGraph& g, ModelData& md) {
  md.present = !g.architecture_only;
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
  ZKCC_RETURN_IF_ERROR(plan_input_range(g.values[0].bound, p));
  p.layers.resize(g.layers.size());
  for (size_t l = 0; l < g.layers.size(); ++l) {
    Status s = plan_layer(g, l, p, md, p.layers[l]);
    if (!s.ok()) return s.with_context(at_layer(g, l));
  }
  return p;
}

// ---- the prover's witness ----

Status run_layer(const LayerPlan& lp, const Plan& p, const ModelData& md, Witness& w) {
  std::vector<const Matrix*> in;
  for (size_t v : lp.inputs) in.push_back(&w.values[v]);
  Matrix y = zeros(p.dims[lp.output]);
  ZKCC_RETURN_IF_ERROR(std::visit(
      Overloaded{
          [&](const MatMulPlan& mp) -> Status {
            matmul_witness(mp, md, p.dims[lp.output], *in[0], y);
            return ok_status();
          },
          [&](const PassPlan& pp) -> Status {
            y.data = in[0]->data;
            if (pp.constant) field::m31_add(y.data, md.tensors[*pp.constant].data, y.data);
            return ok_status();
          },
          [&](const SparsePlan& sp) -> Status {
            apply_sparse(sp.map, in, y);
            return ok_status();
          },
          [&](const RequantPlan& rp) { return requant_witness(rp, *in[0], y, w); },
          [&](const TableLookupPlan& tp) { return table_lookup_witness(tp, *in[0], y, w); },
          [&](const RowMaxPlan& mp) { return row_max_witness(mp, p.dims[lp.inputs[0]], *in[0], y, w); },
          [&](const RowDivPlan& dp) { return row_div_witness(dp, p.dims[lp.inputs[0]], *in[0], *in[1], y, w); },
          [&](const SumPlan& sp) -> Status {
            sum_witness(sp, in, y);
            return ok_status();
          },
          [&](const HadamardPlan&) -> Status {
            hadamard_witness(*in[0], *in[1], y);
            return ok_status();
          },
      },
      lp.gadget));
  w.values[lp.output] = std::move(y);
  return ok_status();
}

StatusOr<Witness> make_witness(const QuantizedGraph& g, const Plan& p, const ModelData& md, const model::Trace& trace) {
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
  ZKCC_RETURN_IF_ERROR(input_range_witness(p.input_range, w.values[0], w));
  for (size_t l = 0; l < p.layers.size(); ++l) {
    Status s = run_layer(p.layers[l], p, md, w);
    if (!s.ok()) return s.with_context(at_layer(g, l));
    if (p.slot_of[l + 1]) w.slots[*p.slot_of[l + 1]] = w.values[l + 1];
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
  }
  return w;
}

// ---- the protocol, shared by prover and verifier ----

template <typename R>
Status prove_layer(R& r, size_t l) {
  const LayerPlan& lp = r.plan.layers[l];
  const std::string what = at_layer(r.graph, l);
  const bool linear = std::holds_alternative<MatMulPlan>(lp.gadget) || std::holds_alternative<PassPlan>(lp.gadget) ||
                      std::holds_alternative<SparsePlan>(lp.gadget) || std::holds_alternative<SumPlan>(lp.gadget) ||
                      std::holds_alternative<HadamardPlan>(lp.gadget);
  // Linear layers (and the Hadamard product, one sumcheck from its output's claim) continue a claim
  // on their output; the others prove a relation between committed tensors.
  std::vector<QM31> z;
  Masked v;
  if (linear) {
    if (r.plan.slot_of[lp.output]) {
      z = r.t.draw_qm31s(r.plan.dims[lp.output].vars());
      ZKCC_ASSIGN_OR_RETURN(v, state(r, *r.plan.slot_of[lp.output], z, what + " output"));
    } else if (r.pending[lp.output]) {
      z = std::move(r.pending[lp.output]->point);
      v = r.pending[lp.output]->value;
      r.pending[lp.output].reset();
    } else {
      return ok_status();  // nothing reads this value
    }
  }
  return std::visit(Overloaded{
                        [&](const MatMulPlan& mp) { return matmul(r, lp, mp, z, v, what); },
                        [&](const PassPlan& pp) { return pass(r, lp, pp, std::move(z), v, what); },
                        [&](const SparsePlan& sp) { return sparse(r, sp.map, lp.inputs, z, v, what); },
                        [&](const RequantPlan& rp) { return requant(r, lp, rp, what); },
                        [&](const TableLookupPlan&) { return ok_status(); },  // its lookup runs in batched_lookup
                        [&](const RowMaxPlan& mp) { return row_max(r, lp, mp, what); },
                        [&](const RowDivPlan& dp) { return row_div(r, lp, dp, what); },
                        [&](const SumPlan& sp) { return linear_sum(r, lp, sp, z, v, what); },
                        [&](const HadamardPlan&) { return hadamard(r, lp, z, v, what); },
                    },
                    lp.gadget);
}

// An output's digest: SHA-256 over "zkcc-tensor", rows and columns (u32 LE) and the values (u32
// LE), its first 31 bytes as a felt. The outputs are public; absorbing them before any challenge
// binds the proof to them.
Felt252 output_digest(const Matrix& m) {
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

// Masked values a range check states: its limbs, when it has two.
size_t range_check_values(const RangePlan& rp) { return rp.bits > kLimbBits ? 2 : 0; }

// The variables a sum over a value's entries runs over: a single entry is padded to one (role.h).
size_t summed(const Dims& d) { return std::max<size_t>(d.vars(), 1); }

// The pool words of every sumcheck the protocol may run and every value it may state masked (a
// value nothing reads skips its layer's).
size_t mask_words(const Plan& p) {
  size_t words = lookup_mask_words(p);
  size_t values = range_check_values(p.input_range.lo) + range_check_values(p.input_range.hi) + 2;
  for (const LayerPlan& lp : p.layers) {
    // A sparse map's parts, stated masked, and per part a sumcheck with its input masked.
    auto sparse_words = [&](const Sparse& map, std::span<const size_t> inputs) {
      for (const SparseTerm& t : map.terms) words += sumcheck_mask_words(MaskShape(summed(p.dims[inputs[t.input]]), 2, 3));
      values += 2 * map.terms.size();
    };
    const auto& out_slot = p.slot_of[lp.output];
    if (out_slot && !p.slot_is_output[*out_slot]) ++values;  // a linear layer's output, stated
    std::visit(Overloaded{
                   [&](const MatMulPlan&) {  // the product's sumcheck: X, W and the bias masked
                     const auto inner = static_cast<size_t>(std::countr_zero(p.dims[lp.inputs[0]].pcols));
                     words += sumcheck_mask_words(MaskShape(std::max<size_t>(inner, 1), 2, 4));
                     ++values;
                   },
                   [&](const PassPlan& pp) {  // with a constant, a sumcheck with X and C masked
                     if (pp.constant) words += sumcheck_mask_words(MaskShape(summed(p.dims[lp.output]), 2, 3));
                     if (pp.constant) ++values;
                   },
                   [&](const SparsePlan& sp) { sparse_words(sp.map, lp.inputs); },
                   [&](const RequantPlan& rp) { values += 1 + (rp.shift > 0 ? 1 + range_check_values(rp.range) : 0); },
                   [&](const RowMaxPlan& mp) {
                     const size_t ins[] = {lp.output, lp.inputs[0]};
                     sparse_words(mp.map, ins);
                     values += 1 + range_check_values(mp.range);
                   },
                   [&](const RowDivPlan& dp) {
                     // Its six tensors masked in its sumcheck (the first round of degree 5), three
                     // values stated masked at a random row.
                     words += sumcheck_mask_words(MaskShape(summed(p.dims[lp.inputs[0]]), 3, 5));
                     values += 6 + 3;
                     for (const RangePlan* rp : {&dp.parity_range, &dp.h_range, &dp.range, &dp.d_range, &dp.s1_range}) {
                       values += range_check_values(*rp);
                     }
                   },
                   [&](const SumPlan& sp) { values += sp.coef.size() - 1; },  // every operand's value but the last
                   [&](const HadamardPlan&) {  // a and b masked in a sumcheck of degree 3
                     words += sumcheck_mask_words(MaskShape(summed(p.dims[lp.output]), 3, 5));
                     values += 2;
                   },
                   [](const auto&) {},
               },
               lp.gadget);
  }
  return words + kMaskedValueWords * values;
}

// The masks one proof draws from the model's mask block: a product's weight and bias, an added
// constant.
size_t model_mask_count(const Plan& p) {
  size_t n = 0;
  for (const LayerPlan& lp : p.layers) {
    if (std::holds_alternative<MatMulPlan>(lp.gadget)) n += 2;
    if (const auto* pp = std::get_if<PassPlan>(&lp.gadget); pp && pp->constant) ++n;
  }
  return n;
}

// The model's mask block: M~ at kModelOpeningBudget proofs' worth of random points (each a QM31,
// four M31 functionals of the block) must stay independent, so the block holds twice that many
// words: 8 per mask per proof of the budget, rounded up to a power of two.
size_t model_mask_block(size_t masks_per_proof) { return std::bit_ceil(8 * kModelOpeningBudget * masks_per_proof); }

// Places the per-proof table (the input, every slot but the outputs, the sumchecks' masks) and
// the model table.
Status lay_out(const QuantizedGraph& g, Plan& p) {
  p.slot_is_output.assign(p.slots.size(), false);
  for (size_t v : g.outputs) p.slot_is_output[*p.slot_of[v]] = true;
  std::vector<size_t> sizes = {p.dims[0].size()};
  for (size_t k = 0; k < p.slots.size(); ++k) sizes.push_back(p.slot_is_output[k] ? 1 : p.slots[k].size());
  const size_t words = mask_words(p);
  p.mask_size = words == 0 ? 0 : std::bit_ceil(words);
  if (p.mask_size > 0) sizes.push_back(p.mask_size);
  sizes.push_back(pcs_blinding_size(proof_pcs_config()));
  ZKCC_ASSIGN_OR_RETURN(PcsStackLayout proof, pcs_stack_layout(sizes));
  p.input_offset = proof.offsets[0];
  p.proof_offsets.assign(proof.offsets.begin() + 1, proof.offsets.begin() + 1 + static_cast<std::ptrdiff_t>(p.slots.size()));
  if (p.mask_size > 0) p.mask_offset = proof.offsets[1 + p.slots.size()];
  p.proof_log_size = proof.log_size;
  p.proof_blinding = PcsBlinding{proof.offsets.back(), sizes.back(), std::nullopt};
  std::vector<size_t> model_sizes;
  for (const Dims& d : p.model_slots) model_sizes.push_back(d.size());
  const size_t model_masks = model_mask_count(p);
  if (model_masks > 0) {
    const size_t block = model_mask_block(model_masks);
    p.model_mask_vars = static_cast<size_t>(std::countr_zero(block));
    model_sizes.push_back(block);
  }
  // The range proof's region depends on the segments' sizes and widths, not on where they lie.
  std::vector<RangeSegment> ranges;
  for (size_t k = 0; k < p.model_slots.size(); ++k) ranges.push_back({0, p.model_slots[k].size(), p.model_bits[k]});
  ZKCC_ASSIGN_OR_RETURN(const size_t region, range_region_size(model_pcs_config(), ranges));
  model_sizes.push_back(region);
  model_sizes.push_back(pcs_blinding_size(model_pcs_config(), kModelOpeningBudget));
  ZKCC_ASSIGN_OR_RETURN(PcsStackLayout model, pcs_stack_layout(model_sizes));
  p.model_offsets.assign(model.offsets.begin(), model.offsets.begin() + static_cast<std::ptrdiff_t>(p.model_slots.size()));
  if (model_masks > 0) p.model_mask_offset = model.offsets[p.model_slots.size()];
  p.model_range_offset = model.offsets[model.offsets.size() - 2];
  p.model_log_size = model.log_size;
  p.model_blinding = PcsBlinding{model.offsets.back(), model_sizes.back(), std::nullopt};
  return ok_status();
}

std::vector<M31> stack(size_t log_size, std::span<const size_t> offsets, std::span<const Matrix* const> tensors) {
  std::vector<M31> table(size_t{1} << log_size);
  for (size_t k = 0; k < tensors.size(); ++k) {
    if (tensors[k]) std::copy(tensors[k]->data.begin(), tensors[k]->data.end(), table.begin() + static_cast<std::ptrdiff_t>(offsets[k]));
  }
  return table;
}

template <typename R>
Status run_protocol(R& r, const Digest& model_root, const Digest& root, std::span<const Matrix> outputs,
                    const ProveProgress& progress) {
  r.t.mix(Felt252::from_short_string("zkcc-graph-v5").value());
  mix_root(r.t, model_root);
  mix_root(r.t, root);
  std::vector<Felt252> d = {Felt252::from_u64(outputs.size())};
  for (const Matrix& m : outputs) d.push_back(output_digest(m));
  r.t.mix_felts(d);
  r.pending.resize(r.plan.dims.size());
  ZKCC_RETURN_IF_ERROR(batched_lookup(r));
  const size_t n = r.plan.layers.size();
  for (size_t l = n; l-- > 0;) {
    ZKCC_RETURN_IF_ERROR(prove_layer(r, l));
    if (progress) progress("prove", n - l, n);
  }
  ZKCC_RETURN_IF_ERROR(input_range(r, r.plan.input_range));
  // Every mask's value at its sumcheck's point, as one claim on the per-proof commitment.
  const QM31 beta = r.t.draw_qm31();
  if (auto c = r.masks.pool_claim(r.plan.mask_offset, r.plan.mask_size, beta)) r.proof_claims.push_back(std::move(*c));
  return ok_status();
}

}  // namespace

struct GraphCircuit::Impl {
  std::shared_ptr<const QuantizedGraph> graph;
  Plan plan;
  ModelData model;                                // the prover's only
  std::optional<PcsProverData> model_table;       // likewise
  ModelCommitment commitment;
};

struct GraphWitness::Impl {
  Witness w;
  PcsProverData commitment;
};

PcsConfig model_pcs_config() { return PcsConfig::standard().with_hiding(); }
PcsConfig proof_pcs_config() { return PcsConfig::compact().with_hiding(); }

Felt252 model_commitment_felt(const ModelCommitment& m) { return model::model_commitment(*m.architecture, m.root); }

namespace {

StatusOr<std::shared_ptr<GraphCircuit::Impl>> build_impl(std::shared_ptr<const QuantizedGraph> graph) {
  if (!graph) return invalid_argument("no graph");
  auto impl = std::make_shared<GraphCircuit::Impl>();
  ZKCC_ASSIGN_OR_RETURN(impl->plan, build_plan(*graph, impl->model));
  ZKCC_RETURN_IF_ERROR(lay_out(*graph, impl->plan));
  impl->graph = std::move(graph);
  return impl;
}

std::vector<RangeSegment> model_ranges(const Plan& p) {
  std::vector<RangeSegment> out;
  for (size_t k = 0; k < p.model_slots.size(); ++k) out.push_back({p.model_offsets[k], p.model_slots[k].size(), p.model_bits[k]});
  return out;
}

std::array<uint8_t, 32> sha256_seed(std::span<const uint8_t> bytes) {
  hash::Sha256Digest d = hash::sha256(bytes);
  std::array<uint8_t, 32> seed;
  std::copy(d.begin(), d.end(), seed.begin());
  return seed;
}

// The model commitment is a function of the model (the same weights give the same commitment, so
// it can be registered before any proof): its randomness is ChaCha20 under SHA-256 of a tag and
// the stacked weights. It hides the weights from whoever cannot guess them (docs/soundness.md).
std::array<uint8_t, 32> model_blinding_seed(std::span<const M31> table) {
  static_assert(sizeof(M31) == 4 && std::endian::native == std::endian::little);
  static constexpr char kTag[] = "zkcc-model-blinding-v1";
  Bytes buf(sizeof(kTag) - 1 + 4 * table.size());
  std::memcpy(buf.data(), kTag, sizeof(kTag) - 1);
  std::memcpy(buf.data() + sizeof(kTag) - 1, table.data(), 4 * table.size());
  return sha256_seed(buf);
}
// SHA-256(tag || the model's seed): the model's other randomness, each under its own tag.
std::array<uint8_t, 32> tagged_seed(std::string_view tag, const std::array<uint8_t, 32>& model_seed) {
  Bytes buf(tag.begin(), tag.end());
  buf.insert(buf.end(), model_seed.begin(), model_seed.end());
  return sha256_seed(buf);
}

// The range proof's own transcript, bound to the model it is about.
Transcript range_transcript(const ModelCommitment& m) {
  Transcript t(Felt252::from_short_string("zkcc-model-range").value());
  t.mix(model_commitment_felt(m));
  mix_root(t, m.root);
  return t;
}

}  // namespace

StatusOr<GraphCircuit> GraphCircuit::build(std::shared_ptr<const QuantizedGraph> graph) {
  if (graph && graph->architecture_only) return invalid_argument("the graph carries no weights: it cannot be proved");
  ZKCC_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, build_impl(std::move(graph)));
  const Plan& p = impl->plan;
  std::vector<const Matrix*> tensors;
  for (const Matrix& m : impl->model.tensors) tensors.push_back(&m);
  std::vector<M31> table = stack(p.model_log_size, p.model_offsets, tensors);
  PcsBlinding blinding = p.model_blinding;
  blinding.seed = model_blinding_seed(table);
  if (p.model_mask_vars > 0) {
    std::span<M31> block = std::span(table).subspan(p.model_mask_offset, size_t{1} << p.model_mask_vars);
    ZKCC_RETURN_IF_ERROR(pcs_random_words(block, tagged_seed("zkcc-model-masks-v1", *blinding.seed)));
  }
  const std::vector<RangeSegment> ranges = model_ranges(p);
  Status filled = fill_range_region(model_pcs_config(), table, p.model_range_offset, ranges,
                                    tagged_seed("zkcc-model-range-masks-v1", *blinding.seed));
  if (!filled.ok()) return filled.with_context("the model's parameters");
  ZKCC_ASSIGN_OR_RETURN(PcsProverData c, pcs_commit(model_pcs_config(), std::move(table), blinding));
  ModelCommitment& mc = impl->commitment;
  mc.architecture = std::make_shared<const QuantizedGraph>(model::architecture_of(*impl->graph));
  mc.root = c.root();
  Transcript t = range_transcript(mc);
  auto range = prove_table_range(model_pcs_config(), c, ranges, p.model_range_offset, t);
  if (!range.ok()) return range.status().with_context("the model's parameters");
  mc.range = std::move(*range);
  impl->model_table = std::move(c);
  GraphCircuit circuit;
  circuit.impl_ = std::move(impl);
  return circuit;
}

StatusOr<GraphCircuit> GraphCircuit::build_for_verifier(const ModelCommitment& commitment) {
  if (!commitment.architecture || !commitment.architecture->architecture_only) {
    return invalid_argument("a model commitment holds an architecture without weights");
  }
  ZKCC_ASSIGN_OR_RETURN(std::shared_ptr<Impl> impl, build_impl(commitment.architecture));
  impl->model.tensors.clear();
  impl->commitment = commitment;
  Transcript t = range_transcript(commitment);
  Status s = verify_table_range(model_pcs_config(), impl->plan.model_log_size, commitment.root,
                                model_ranges(impl->plan), impl->plan.model_range_offset, commitment.range, t);
  if (!s.ok()) return s.with_context("the model commitment's range proof");
  GraphCircuit circuit;
  circuit.impl_ = std::move(impl);
  return circuit;
}

namespace {

constexpr char kModelMagic[6] = {'Z', 'K', 'C', 'C', 'M', 'C'};

void put_u32(Bytes& b, size_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace

Bytes encode_model_commitment(const ModelCommitment& m) {
  Bytes out(std::begin(kModelMagic), std::end(kModelMagic));
  out.push_back(1);
  out.push_back(0);
  for (const Bytes& part : {model::encode_graph(*m.architecture), encode_table_range_proof(m.range)}) {
    put_u32(out, part.size());
    out.insert(out.end(), part.begin(), part.end());
  }
  out.insert(out.end(), m.root.begin(), m.root.end());
  return out;
}

StatusOr<ModelCommitment> decode_model_commitment(std::span<const uint8_t> bytes) {
  ByteReader r(bytes, "model commitment");
  ZKCC_RETURN_IF_ERROR(r.need(8, "header"));
  auto head = r.take(8);
  if (!std::equal(std::begin(kModelMagic), std::end(kModelMagic), head.begin())) {
    return invalid_argument("not a zkcc model commitment (bad magic)");
  }
  if (head[6] != 1 || head[7] != 0) return invalid_argument("unsupported model commitment version");
  auto part = [&](const char* what) -> StatusOr<std::span<const uint8_t>> {
    ZKCC_RETURN_IF_ERROR(r.need(4, what));
    const uint32_t n = r.u32();
    ZKCC_RETURN_IF_ERROR(r.need(n, what));
    return r.take(n);
  };
  ModelCommitment m;
  ZKCC_ASSIGN_OR_RETURN(auto arch, part("architecture"));
  auto graph = model::decode_graph(arch);
  if (!graph.ok()) return graph.status().with_context("model commitment");
  if (!graph->architecture_only) return invalid_argument("the model commitment carries weights, not an architecture");
  m.architecture = std::make_shared<const QuantizedGraph>(std::move(*graph));
  ZKCC_ASSIGN_OR_RETURN(auto range, part("range proof"));
  auto proof = decode_table_range_proof(range);
  if (!proof.ok()) return proof.status().with_context("model commitment");
  m.range = std::move(*proof);
  ZKCC_RETURN_IF_ERROR(r.need(32, "root"));
  auto root = r.take(32);
  std::copy(root.begin(), root.end(), m.root.begin());
  if (r.left() != 0) return invalid_argument(std::to_string(r.left()) + " trailing bytes after the model commitment");
  return m;
}

const QuantizedGraph& GraphCircuit::graph() const { return *impl_->graph; }
const ModelCommitment& GraphCircuit::model_commitment() const { return impl_->commitment; }
bool GraphCircuit::can_prove() const { return impl_->model_table.has_value(); }
const Digest& GraphWitness::root() const { return impl_->commitment.root(); }

namespace {

// A circuit over a graph the caller keeps alive for the call.
StatusOr<GraphCircuit> borrowed(const QuantizedGraph& graph) {
  return GraphCircuit::build(std::shared_ptr<const QuantizedGraph>(&graph, [](const QuantizedGraph*) {}));
}

// Opens (prover) or checks (verifier) one commitment for every claim made on it.
Status open_all(const PcsConfig& config, const PcsProverData& data, const std::vector<PcsClaim>& claims,
                std::optional<PcsProof>& out, Transcript& t) {
  if (claims.empty()) return ok_status();
  ZKCC_ASSIGN_OR_RETURN(PcsProof proof, pcs_open(config, data, claims, t));
  out = std::move(proof);
  return ok_status();
}

Status verify_all(const PcsConfig& config, size_t log_size, const Digest& root, const std::vector<PcsClaim>& claims,
                  const std::optional<PcsProof>& proof, Transcript& t, const char* what) {
  if (claims.empty() != !proof.has_value()) {
    return invalid_argument(std::string("the proof ") + (proof ? "carries an unused " : "lacks the ") + what);
  }
  if (claims.empty()) return ok_status();
  Status s = pcs_verify(config, log_size, root, claims, *proof, t);
  return s.ok() ? s : s.with_context(what);
}

}  // namespace

Status check_provable(const QuantizedGraph& graph) {
  ModelData model;
  ZKCC_ASSIGN_OR_RETURN(Plan plan, build_plan(graph, model));
  return lay_out(graph, plan);
}

StatusOr<GraphWitness> graph_commit(const GraphCircuit& circuit, const model::Trace& trace) {
  if (!circuit.can_prove()) return failed_precondition("this circuit holds no weights: it can verify, not prove");
  const Plan& plan = circuit.impl().plan;
  ZKCC_ASSIGN_OR_RETURN(Witness w, make_witness(circuit.graph(), plan, circuit.impl().model, trace));
  std::vector<const Matrix*> tensors = {&w.values[0]};
  for (size_t k = 0; k < w.slots.size(); ++k) tensors.push_back(plan.slot_is_output[k] ? nullptr : &w.slots[k]);
  std::vector<size_t> offsets = {plan.input_offset};
  offsets.insert(offsets.end(), plan.proof_offsets.begin(), plan.proof_offsets.end());
  std::vector<M31> table = stack(plan.proof_log_size, offsets, tensors);
  ZKCC_RETURN_IF_ERROR(pcs_random_words(std::span<M31>(table).subspan(plan.mask_offset, plan.mask_size)));
  ZKCC_ASSIGN_OR_RETURN(PcsProverData c, pcs_commit(proof_pcs_config(), std::move(table), plan.proof_blinding));
  GraphWitness gw;
  gw.impl_ = std::make_shared<const GraphWitness::Impl>(GraphWitness::Impl{std::move(w), std::move(c)});
  return gw;
}

StatusOr<GraphProof> graph_prove(const GraphCircuit& circuit, const GraphWitness& witness, Transcript& transcript,
                                 const GraphProveOptions& options) {
  if (!circuit.can_prove()) return failed_precondition("this circuit holds no weights: it can verify, not prove");
  const QuantizedGraph& graph = circuit.graph();
  const Plan& plan = circuit.impl().plan;
  const Witness& w = witness.impl().w;
  if (w.slots.size() != plan.slots.size()) return invalid_argument("the witness is not this circuit's");
  if (options.progress) options.progress("witness", 0, plan.layers.size());
  GraphProof proof;
  proof.root = witness.root();
  for (size_t v : graph.outputs) proof.outputs.push_back(w.values[v]);
  Prover r{{graph, plan, transcript, w.values[0], circuit.impl().model, options.public_input, {}, {}, {}, {}, {}, {}}, w, proof};
  for (const Matrix& m : w.slots) r.slots.push_back(&m);
  r.masks = SumcheckMasks::for_prover(witness.impl().commitment.table().subspan(plan.mask_offset, plan.mask_size),
                                      proof.evals);
  if (plan.model_mask_vars > 0) {
    r.model_masks = circuit.impl().model_table->table().subspan(plan.model_mask_offset, size_t{1} << plan.model_mask_vars);
  }
  ZKCC_RETURN_IF_ERROR(run_protocol(r, circuit.model_root(), proof.root, proof.outputs, options.progress));
  ZKCC_RETURN_IF_ERROR(open_all(proof_pcs_config(), witness.impl().commitment, r.proof_claims, proof.opening, transcript));
  ZKCC_RETURN_IF_ERROR(
      open_all(model_pcs_config(), *circuit.impl().model_table, r.model_claims, proof.model_opening, transcript));
  if (options.progress) options.progress("open", plan.layers.size(), plan.layers.size());
  return proof;
}

StatusOr<GraphProof> graph_prove(const GraphCircuit& circuit, const model::Trace& trace, Transcript& transcript,
                                 const GraphProveOptions& options) {
  ZKCC_ASSIGN_OR_RETURN(GraphWitness witness, graph_commit(circuit, trace));
  return graph_prove(circuit, witness, transcript, options);
}

StatusOr<GraphProof> graph_prove(const QuantizedGraph& graph, const model::Trace& trace, Transcript& transcript,
                                 const GraphProveOptions& options) {
  ZKCC_ASSIGN_OR_RETURN(GraphCircuit circuit, borrowed(graph));
  return graph_prove(circuit, trace, transcript, options);
}

Status graph_verify(const QuantizedGraph& graph, const IntTensor* input, std::span<const IntTensor> outputs,
                    const GraphProof& proof, Transcript& transcript) {
  ZKCC_ASSIGN_OR_RETURN(GraphCircuit circuit, borrowed(graph));
  return graph_verify(circuit, input, outputs, proof, transcript);
}

Status graph_verify(const GraphCircuit& circuit, const IntTensor* input, std::span<const IntTensor> outputs,
                    const GraphProof& proof, Transcript& transcript) {
  const QuantizedGraph& graph = circuit.graph();
  const Plan& plan = circuit.impl().plan;
  const model::QuantizedValue& in = graph.values[0];
  if (input) {
    if (input->shape != in.shape || input->data.size() != model::element_count(in.shape)) {
      return invalid_argument("input has shape " + model::shape_string(input->shape) + ", the model takes " +
                              model::shape_string(in.shape));
    }
    for (size_t i = 0; i < input->data.size(); ++i) {
      if (input->data[i] < -in.bound || input->data[i] > in.bound) {
        return out_of_range("input element " + std::to_string(i) + " is out of range");
      }
    }
  }
  if (outputs.size() != graph.outputs.size() || proof.outputs.size() != graph.outputs.size()) {
    return invalid_argument("wrong number of outputs");
  }
  std::vector<const Matrix*> slots(plan.slots.size(), nullptr);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const size_t v = graph.outputs[o];
    const Dims& d = plan.dims[v];
    const Matrix& m = proof.outputs[o];
    if (m.rows != d.prows || m.cols != d.pcols || m.data.size() != m.rows * m.cols) {
      return invalid_argument("output " + std::to_string(o) + " in the proof has the wrong shape");
    }
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
                                " is not the one the proof shows");
      }
    }
    slots[*plan.slot_of[v]] = &m;
  }
  const Matrix padded_input = input ? pad_matrix(*input, plan.dims[0]) : Matrix{};
  Verifier r{{graph, plan, transcript, padded_input, circuit.impl().model, input != nullptr, std::move(slots), {}, {}, {}, {}, {}},
             proof};
  r.masks = SumcheckMasks::for_verifier(plan.mask_size, proof.evals, r.evals);
  ZKCC_RETURN_IF_ERROR(run_protocol(r, circuit.model_root(), proof.root, proof.outputs, {}));
  if (r.evals != proof.evals.size() || r.sumchecks != proof.sumchecks.size() || r.logups != proof.logups.size()) {
    return invalid_argument("proof carries parts the circuit does not use");
  }
  ZKCC_RETURN_IF_ERROR(verify_all(proof_pcs_config(), plan.proof_log_size, proof.root, r.proof_claims, proof.opening,
                                  transcript, "opening of the per-proof commitment"));
  return verify_all(model_pcs_config(), plan.model_log_size, circuit.model_root(), r.model_claims, proof.model_opening,
                    transcript, "opening of the model commitment");
}

}  // namespace zkcc::proof
