// Layer chaining, GKR-style: a claim on the output's multilinear extension is reduced layer by
// layer to claims on the input, the parameters and the tensors that cross a lookup.
//
// A circuit is a chain of layers over row-major M31 tensors with power-of-two dimensions:
//   kMatMul    Y = X W           (W a parameter, k x n)      sumcheck -> claims on X and W
//   kAddBias   Y = X + 1 b^T     (b a parameter, 1 x n)      prover states X~(z); b~ takes the rest
//   kHadamard  Y = X o H         (H a parameter, X's shape)  degree-3 sumcheck -> claims on X, H
//   kScale     Y = c X           (c a nonzero constant)      X~(z) = Y~(z) / c
//   kLookup    Y = f(X)          (f a two-column table)      LogUp over the (X, Y) rows
// A lookup is not algebraic, so its X and Y (and the multiplicities) are committed tensors: the
// proof carries a digest of each, mixed into the transcript before the lookup's challenges, and
// the verifier returns the claims left on them for the caller to check (against the tensors in
// the clear today; against commitment openings in a later version). Claims on the input and the
// parameters are checked by the verifier itself, which holds them.
#ifndef ZKCC_PROOF_LAYERED_H_
#define ZKCC_PROOF_LAYERED_H_

#include <cstdint>
#include <vector>

#include "zkcc/base/status.h"
#include "zkcc/proof/logup.h"
#include "zkcc/proof/matmul.h"

namespace zkcc::proof {

enum class LayerKind : uint8_t { kMatMul = 1, kAddBias = 2, kHadamard = 3, kScale = 4, kLookup = 5 };

struct Layer {
  LayerKind kind;
  size_t param = 0;  // parameter index (kMatMul, kAddBias, kHadamard) or table index (kLookup)
  M31 scale;         // kScale
};

struct LookupTable {
  Column in;
  Column out;
};

// Everything the verifier holds: the chain, its parameters and tables.
struct Circuit {
  size_t input_rows = 0;
  size_t input_cols = 0;
  std::vector<Layer> layers;
  std::vector<Matrix> params;
  std::vector<LookupTable> tables;
};

// The activations: trace[0] is the input, trace[l + 1] the output of layer l.
using Trace = std::vector<Matrix>;

// Runs the circuit exactly in M31; fails with the layer's index when a shape does not fit or a
// lookup input is missing from its table.
StatusOr<Trace> run_circuit(const Circuit& circuit, const Matrix& input);

// A digest binding a tensor into the transcript: poseidon_hash_many of its dimensions and its
// values packed eight to a felt.
Felt252 tensor_digest(const Matrix& t);

struct LayerProof {
  LayerKind kind;
  MatmulProof matmul;          // kMatMul
  QM31 x_eval;                 // kAddBias: X~(z); kHadamard: X~(s)
  SumcheckProof sumcheck;      // kHadamard
  QM31 h_eval;                 // kHadamard: H~(s)
  Felt252 x_digest, y_digest, m_digest;  // kLookup: the committed tensors
  LogupProof logup;            // kLookup
};

struct LayeredProof {
  std::vector<LayerProof> layers;  // in circuit order
};

// The tensor a final claim is on.
struct TensorRef {
  enum class What : uint8_t {
    kInput,         // the circuit's input
    kParam,         // circuit.params[index]
    kActivation,    // trace[index], committed because it crosses a lookup
    kMultiplicity,  // the multiplicities of lookup layer `index`, committed
  } what;
  size_t index = 0;
};

// A claim the chain leaves for the caller: tensor~(point) = value. Committed tensors carry the
// digest the proof bound them with; the caller checks that too.
struct FinalClaim {
  TensorRef ref;
  Felt252 digest;  // committed tensors only
  EvalClaim claim;
};

StatusOr<LayeredProof> layered_prove(const Circuit& circuit, const Trace& trace, Transcript& transcript);

// Checks the proof for `output` given `input` (bound into the transcript by its digest) and
// returns the claims left on the input, the parameters and the committed tensors. The proof is
// accepted only once every one of them has been checked (check_final_claims, or commitment
// openings).
StatusOr<std::vector<FinalClaim>> layered_verify(const Circuit& circuit, const Matrix& input, const Matrix& output,
                                                 const LayeredProof& proof, Transcript& transcript);

// The multiplicities column of a lookup layer (the committed tensor TensorRef::kMultiplicity).
StatusOr<Matrix> lookup_multiplicities(const Circuit& circuit, const Trace& trace, size_t layer);

// Checks final claims against tensors in the clear: the input, the circuit's parameters and, for
// committed tensors, the trace (digest and evaluation).
Status check_final_claims(const Circuit& circuit, const Matrix& input, const Trace& trace,
                          const std::vector<FinalClaim>& claims);

}  // namespace zkcc::proof

#endif  // ZKCC_PROOF_LAYERED_H_
