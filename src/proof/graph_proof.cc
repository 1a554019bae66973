// The graph proof as the composition of its gadgets (src/proof/gadgets/): the plan of every
// layer, the prover's witness, and the protocol run by both roles from the last layer to the first.
#include "zkcc/proof/graph_proof.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

#include "gadgets/gadgets.h"
#include "zkcc/base/overloaded.h"
#include "zkcc/field/m31_vec.h"
#include "zkcc/hash/sha2.h"
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
          [&](const auto&) -> Status { return plan_sparse(layer, in, y, p, md, lp.gadget); },
      },
      layer.op);
}

StatusOr<Plan> build_plan(const QuantizedGraph& g, ModelData& md) {
  if (g.layers.empty()) return invalid_argument("graph has no layers");
  if (g.values.size() != g.layers.size() + 1) return invalid_argument("graph values do not match its layers");
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
                      std::holds_alternative<SparsePlan>(lp.gadget);
  // Linear layers continue a claim on their output; the others prove a relation between tensors.
  std::vector<QM31> z;
  QM31 v;
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
                    },
                    lp.gadget);
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
  ModelData model;
};

StatusOr<GraphCircuit> GraphCircuit::build(std::shared_ptr<const QuantizedGraph> graph) {
  if (!graph) return invalid_argument("no graph");
  ModelData model;
  ZKCC_ASSIGN_OR_RETURN(Plan plan, build_plan(*graph, model));
  GraphCircuit c;
  c.impl_ = std::make_shared<const Impl>(Impl{std::move(graph), std::move(plan), std::move(model)});
  return c;
}

const QuantizedGraph& GraphCircuit::graph() const { return *impl_->graph; }

namespace {

// A circuit over a graph the caller keeps alive for the call.
StatusOr<GraphCircuit> borrowed(const QuantizedGraph& graph) {
  return GraphCircuit::build(std::shared_ptr<const QuantizedGraph>(&graph, [](const QuantizedGraph*) {}));
}

}  // namespace

Status check_provable(const QuantizedGraph& graph) {
  ModelData model;
  return build_plan(graph, model).status();
}

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
  const ModelData& model = circuit.impl().model;
  ZKCC_ASSIGN_OR_RETURN(Witness w, make_witness(graph, plan, model, trace));
  if (progress) progress("witness", 0, plan.layers.size());
  GraphProof proof;
  Prover r{{graph, plan, transcript, w.values[0], model, {}, {}}, w, proof};
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
  Verifier r{{graph, plan, transcript, padded_input, circuit.impl().model, {}, {}}, proof};
  for (const Matrix& m : proof.committed) r.slots.push_back(&m);
  ZKCC_RETURN_IF_ERROR(run_protocol(r, {}));
  if (r.evals != proof.evals.size() || r.sumchecks != proof.sumchecks.size() || r.matmuls != proof.matmuls.size() ||
      r.logups != proof.logups.size()) {
    return invalid_argument("proof carries parts the circuit does not use");
  }
  return ok_status();
}

}  // namespace zkcc::proof
