// Proving and verifying a quantized model in the tests: import, calibration and quantization, a
// proof over the honest trace, and the verifier's circuit built from the model commitment alone.
#ifndef ZKCC_TESTS_PROOF_GRAPH_PROVE_UTIL_H_
#define ZKCC_TESTS_PROOF_GRAPH_PROVE_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "zkcc/model/calibration.h"
#include "zkcc/model/graph_encoding.h"
#include "zkcc/model/onnx_import.h"
#include "zkcc/model/quantize.h"
#include "zkcc/model/run.h"
#include "zkcc/proof/graph_proof.h"

namespace zkcc::proof::testing {

inline Transcript fresh() { return Transcript(*Felt252::from_short_string("zkcc-graph-test")); }

struct Proved {
  model::QuantizedGraph graph;
  model::Trace trace;
  std::vector<model::IntTensor> outputs;
  GraphProof proof;
  bool public_input = false;
  std::optional<GraphCircuit> verifier;  // the architecture and the model commitment's root
};

// The verifier's circuit for a graph: its architecture and the root of its weights' commitment.
inline GraphCircuit verifier_for(const model::QuantizedGraph& graph) {
  auto prover = GraphCircuit::build(std::make_shared<const model::QuantizedGraph>(graph));
  EXPECT_TRUE(prover.ok()) << prover.status().to_string();
  // What a verifier receives: the commitment's bytes.
  auto commitment = decode_model_commitment(encode_model_commitment(prover->model_commitment()));
  EXPECT_TRUE(commitment.ok()) << commitment.status().to_string();
  auto v = GraphCircuit::build_for_verifier(*commitment);
  EXPECT_TRUE(v.ok()) << v.status().to_string();
  return *v;
}

inline model::QuantizedGraph quantized(std::span<const uint8_t> onnx, std::span<const model::FloatTensor> calibration) {
  auto g = model::import_onnx(onnx);
  EXPECT_TRUE(g.ok()) << g.status().to_string();
  auto cal = calibration.empty() ? model::interval_calibration(*g, 1.0) : *model::calibrate(*g, calibration);
  auto q = model::quantize(*g, cal);
  EXPECT_TRUE(q.ok()) << q.status().to_string();
  return *q;
}

inline Proved prove(model::QuantizedGraph graph, const model::FloatTensor& input, bool public_input = false) {
  Proved p{std::move(graph), {}, {}, {}, public_input, {}};
  auto run = model::run_quantized(p.graph, input);
  EXPECT_TRUE(run.ok()) << run.status().to_string();
  p.trace = run->trace;
  for (size_t v : p.graph.outputs) p.outputs.push_back(p.trace.values[v]);
  Transcript t = fresh();
  auto proof = graph_prove(p.graph, p.trace, t, {public_input, {}});
  EXPECT_TRUE(proof.ok()) << proof.status().to_string();
  if (proof.ok()) p.proof = std::move(*proof);
  p.verifier = verifier_for(p.graph);
  return p;
}

inline Status verify(const Proved& p, const GraphProof& proof, Transcript t = fresh()) {
  return graph_verify(*p.verifier, p.public_input ? &p.trace.values[0] : nullptr, p.outputs, proof, t);
}

}  // namespace zkcc::proof::testing

#endif  // ZKCC_TESTS_PROOF_GRAPH_PROVE_UTIL_H_
