// The model commitment decoder (model_commitment.bin of a proof directory: an architecture, the weights' root
// and their range proof) and the verifier's check of it, on hostile bytes. A commitment that
// decodes is handed to GraphCircuit::build_for_verifier, which parses the architecture into a
// circuit and verifies the range proof; neither may crash, hang or allocate without bound, and a
// commitment it accepts must be the honest one (no other root, architecture or range proof
// passes). With ZKCC_MODEL_COMMITMENT_SEED=<file> in the environment the target writes the honest
// commitment there at start-up (the natural seed).
#include <memory>

#include "seed_file.h"
#include "zkcc/proof/graph_proof.h"

namespace {

using namespace zkcc::model;

QuantizedGraph make_graph() {
  QuantizedGraph g;
  g.values = {{"x", {2, 4}, 1, 127, 0}, {"h", {2, 3}, 1, 4000, 0}, {"y", {2, 3}, 1, 127, 0}};
  MatMulLayer fc{{{4, 3}, {3, -5, 4, -2, 4, 1, 5, 2, -4, -1, -3, 5}}, {5, -7, 3}};
  g.layers = {{"fc", "MatMul", {0}, fc}, {"requant", "Requant", {1}, RequantLayer{3, -127, 127}}};
  g.outputs = {2};
  return g;
}

const zkcc::Bytes& honest() {
  static const zkcc::Bytes b = [] {
    auto c = zkcc::proof::GraphCircuit::build(std::make_shared<const QuantizedGraph>(make_graph()));
    if (!c.ok()) __builtin_trap();
    return zkcc::proof::encode_model_commitment(c->model_commitment());
  }();
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seed_if_requested("ZKCC_MODEL_COMMITMENT_SEED", honest());
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto m = zkcc::proof::decode_model_commitment({data, size});
  if (!m.ok()) return 0;
  auto circuit = zkcc::proof::GraphCircuit::build_for_verifier(*m);
  if (!circuit.ok()) return 0;
  // Accepted: the range proof binds the root and the architecture, so it is the honest model.
  if (zkcc::proof::model_commitment_felt(*m) !=
      zkcc::proof::model_commitment_felt(*zkcc::proof::decode_model_commitment(honest()))) {
    __builtin_trap();
  }
  return 0;
}
