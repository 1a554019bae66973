// Proof that a quantized graph (model/quantized_graph.h) maps an input to its outputs.
//
// Every value is a matrix: its last dimension is the columns, the rest the rows, both padded to
// powers of two. The circuit runs on the padded matrices; padding never reaches a real entry, and
// the prover checks that the real entries agree with model::run.
//
// Values are either chained (their one consumer leaves one claim on their multilinear extension,
// which their producer reduces to claims on its inputs, GKR-style) or committed: the graph's
// outputs, the outputs of the nonlinear layers (requantization, tables, row maxima), the inputs of
// tables and row maxima, and anything read more than once. Gadgets per layer:
//   MatMul          Thaler's product sumcheck, the bias on the real rows as a second term of it;
//                   the weight and bias claims are opened on the model commitment
//   AddConst        Y~(z) = sum_x eq(z, x) (X(x) + C(x)) by a sumcheck, C's claim on the model
//   same-shape Reshape, Identity     the claim passes to the input unchanged
//   Gather, Reshape, MulConst, RowSum, RowSub   a sparse linear map: for each input, a degree-2
//                   sumcheck of sum_x G_z(x) X(x) with G_z(x) = sum over entries eq(z, out) coef
//   Requant         x + h = 2^s q + r with r in [0, 2^s) (range check) and (q, y) in the table of
//                   q -> clamp(q) (LogUp); the identity at a random point leaves the claim on x
//   Lookup          (x, y) in the function's table (LogUp)
//   RowMax          (row, y_row) among the (row, x) pairs of the row's real columns (LogUp), and
//                   d = y - x >= 0 on the real columns (range check, the identity by a sparse map)
//   RowDiv          y = floor((e k + h) / s) on the real entries: s = 2h + parity (a bit) and
//                   s - 1 >= 0 on the real rows (range check) at a
//                   random row; e k + h - y s - rem = 0 and s - 1 - rem - d = 0 with rem, d, h
//                   range-checked, as one masked zero-sum sumcheck; y in [0, its bound] (LogUp)
//   range checks    values below 2^16 against the table [0, 2^bits); wider ones split into two
//                   16-bit limbs first
// Every lookup above (tables, clamps, row maxima, range checks) runs in one LogUp over tagged
// columns, so a proof carries a single lookup argument.
//
// Commitments. The model's private tensors (weights, biases, added constants) are stacked in one
// table committed once per model (the model commitment, pcs.h); the input and every committed
// tensor but the outputs are stacked in one table committed per proof (its root commits the
// input). The outputs are public: the proof carries them, padded, in the clear. Claims on the
// committed tables are collected while the protocol runs and each table is opened once at the
// end for all of them (one batched Basefold opening per commitment), so the verifier reads no
// weight, no private input and no intermediate tensor. Both commitments are hiding (pcs.h): an
// opening reveals nothing beyond its claims; the per-proof one is fresh for every proof, the
// model's randomness is a function of the model (so its commitment is too). Every sumcheck is
// masked (sumcheck_mask.h) with random words from the per-proof commitment, and so is every value
// stated outside a sumcheck (masked values: the committed tensors' evaluations, a sparse map's
// parts) and every activation and weight a sumcheck leaves (masked factors, sumcheck.h; the
// weights' masks from a random block of the model commitment); the identities those take part in
// are one weighted claim on that commitment, and a claim with a masked value a joined run (pcs.h).
// Transcript order (after the caller's statement and attestation): the tag 'zkcc-graph-v5', the
// model root, the per-proof root, the outputs' digests; the lookups; the layers from the last to
// the first; the input's range; beta for the masks' claim; the per-proof opening; the model
// opening.
#ifndef ZKCC_PROOF_GRAPH_PROOF_H_
#define ZKCC_PROOF_GRAPH_PROOF_H_

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "zkcc/base/bytes.h"
#include "zkcc/base/status.h"
#include "zkcc/model/quantized_graph.h"
#include "zkcc/model/run.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/matmul.h"
#include "zkcc/proof/pcs/pcs.h"
#include "zkcc/proof/table_range.h"

namespace zkcc::proof {

struct GraphProof {
  Digest root;                           // the per-proof commitment
  std::vector<Matrix> outputs;           // the graph's outputs, padded, in order
  std::vector<QM31> evals;               // values the prover states, in protocol order
  std::vector<SumcheckProof> sumchecks;  // in protocol order
  std::vector<LogupProof> logups;
  std::optional<PcsProof> opening;       // of the per-proof commitment (absent when nothing is claimed on it)
  std::optional<PcsProof> model_opening;  // of the model commitment (likewise)
};

// The commitment parameters of graph proofs, both hiding: PcsConfig::standard() for the model
// commitment (large, committed once) and PcsConfig::compact() for the per-proof commitment
// (small: a lower rate costs little to encode and saves queries in every proof). The per-proof
// commitment draws fresh randomness for every proof, so two proofs of one statement differ.
PcsConfig model_pcs_config();
PcsConfig proof_pcs_config();
// The openings of one model commitment (its range proof and one per graph proof) whose queries
// its blinding segment hides completely (docs/soundness.md, "Zero knowledge").
inline constexpr size_t kModelOpeningBudget = 64;

// Fails, naming the first layer the circuit cannot take, when the graph cannot be proved.
Status check_provable(const model::QuantizedGraph& graph);

// The public side of a model's commitment: its architecture (no weights), the root of the
// commitment to its private tensors, and the proof that every committed parameter lies in its
// width (weights in [-128, 128), biases and constants in the architecture's widths), on which the
// soundness of a proof without the weights rests (model/bounds.h). Made once per model; the range
// proof's transcript starts from 'zkcc-model-range', the root and the model commitment's felt.
struct ModelCommitment {
  std::shared_ptr<const model::QuantizedGraph> architecture;  // architecture_only
  Digest root;
  TableRangeProof range;
};
// model::model_commitment(architecture, root): what statements and registrations name.
Felt252 model_commitment_felt(const ModelCommitment& m);
// "ZKCCMC", version u16 (= 1), then the architecture's encoding (model/graph_encoding.h, kind 1)
// and the range proof's, each as a u32 length and its bytes, and the root (32 bytes). Decoding is
// strict and checks structure only; build_for_verifier checks the range proof.
Bytes encode_model_commitment(const ModelCommitment& m);
StatusOr<ModelCommitment> decode_model_commitment(std::span<const uint8_t> bytes);

// A graph's circuit, built once (padded weights, tables, the gadgets' layout) and shared by every
// proof and verification of that graph; cheap to copy. The prover's circuit holds the weights and
// commits to them when built (the model commitment); the verifier's holds the architecture only
// (model::QuantizedGraph::architecture_only) and the model commitment's root.
class GraphCircuit {
 public:
  // Commits to the weights and proves their ranges (seconds for millions of weights).
  static StatusOr<GraphCircuit> build(std::shared_ptr<const model::QuantizedGraph> graph);
  // Checks the commitment's range proof.
  static StatusOr<GraphCircuit> build_for_verifier(const ModelCommitment& commitment);
  const model::QuantizedGraph& graph() const;
  const ModelCommitment& model_commitment() const;
  const Digest& model_root() const { return model_commitment().root; }
  bool can_prove() const;

  struct Impl;  // the circuit's layout, private to graph_proof.cc
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
};

// Called after each layer's part of the proof: (stage, layers done, layers in all).
using ProveProgress = std::function<void(std::string_view stage, size_t done, size_t total)>;

// The prover's witness for one trace and its per-proof commitment, made before any challenge:
// root() commits the input (a private input's commitment in the statement).
class GraphWitness {
 public:
  const Digest& root() const;
  struct Impl;  // private to graph_proof.cc
  const Impl& impl() const { return *impl_; }

 private:
  friend StatusOr<GraphWitness> graph_commit(const GraphCircuit&, const model::Trace&);
  std::shared_ptr<const Impl> impl_;
};

// Runs the circuit on trace (from model::run on this graph) and commits to it.
StatusOr<GraphWitness> graph_commit(const GraphCircuit& circuit, const model::Trace& trace);

struct GraphProveOptions {
  bool public_input = false;  // the verifier holds the input: claims on it are checked directly
  ProveProgress progress;
};

// Proves the committed trace. The caller has bound the statement (model commitment, input
// commitment, outputs) into the transcript.
StatusOr<GraphProof> graph_prove(const GraphCircuit& circuit, const GraphWitness& witness, Transcript& transcript,
                                 const GraphProveOptions& options = {});
// graph_commit then graph_prove.
StatusOr<GraphProof> graph_prove(const GraphCircuit& circuit, const model::Trace& trace, Transcript& transcript,
                                 const GraphProveOptions& options = {});
StatusOr<GraphProof> graph_prove(const model::QuantizedGraph& graph, const model::Trace& trace, Transcript& transcript,
                                 const GraphProveOptions& options = {});

// Accepts only if the proof shows that the committed model maps the committed input (or `input`,
// when public) to outputs (one tensor per graph output). With a private input (null), the input
// is whatever proof.root commits to: the caller checks that root against the statement.
Status graph_verify(const GraphCircuit& circuit, const model::IntTensor* input,
                    std::span<const model::IntTensor> outputs, const GraphProof& proof, Transcript& transcript);
Status graph_verify(const model::QuantizedGraph& graph, const model::IntTensor* input,
                    std::span<const model::IntTensor> outputs, const GraphProof& proof, Transcript& transcript);

// Binary encoding: "ZKCCPF", version, kind 6, then the per-proof root (32 bytes), the outputs
// (rows, cols as u32 and the values as u32), evals, sumchecks and lookups as
// counted lists in the encoding of proof/encoding.h, then each opening as a presence byte and,
// when present, a u32 length and its pcs.h encoding. The decoder rejects anything malformed.
Bytes encode_binary(const GraphProof& proof);
StatusOr<GraphProof> decode_graph_binary(std::span<const uint8_t> bytes);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_GRAPH_PROOF_H_
