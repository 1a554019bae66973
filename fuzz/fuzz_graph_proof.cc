// The model-proof decoder and verifier on hostile proofs: the input is decoded as a binary graph
// proof; one that decodes must re-encode to exactly the input (the encoding is canonical) and is
// then verified against a small fixed graph, input and outputs with a fresh transcript. The
// verifier must never crash, hang or allocate without bound, and a proof it accepts must not
// also pass for a different input.
//
// The graph: x [3, 4] -> MatMul 4x3 with bias -> Requant (shift 3, clamp [-127, 127]) -> ReLU
// table -> MatMul 3x2 with bias (output 0), and RowMax over the ReLU output (output 1), so padded
// rows and columns, the clamp table, a range check, a function table, the argmax lookup and a
// sparse map all appear. A valid proof is the natural seed: with ZKCC_GRAPH_PROOF_SEED=<file> in
// the environment the target writes one there at start-up.
#include <memory>
#include <optional>
#include <vector>

#include "seed_file.h"
#include "zkcc/model/run.h"
#include "zkcc/proof/graph_proof.h"

namespace {

using zkcc::model::IntTensor;

zkcc::model::QuantizedGraph make_graph() {
  using namespace zkcc::model;
  QuantizedGraph g;
  g.values = {{"x", {3, 4}, 1, 127, 0},  {"h", {3, 3}, 1, 1785, 0}, {"q", {3, 3}, 1, 127, 0},
              {"r", {3, 3}, 1, 127, 0},  {"y", {3, 2}, 1, 909, 0},  {"m", {3, 1}, 1, 127, 0}};
  MatMulLayer fc1{{{4, 3}, {3, -5, 4, -2, 4, 1, 5, 2, -4, -1, -3, 5}}, {5, -7, 3}};
  LookupLayer relu{"relu", -127, {}};
  for (int64_t v = -127; v <= 127; ++v) relu.table.push_back(v > 0 ? v : 0);
  MatMulLayer fc2{{{3, 2}, {2, -1, -3, 4, 1, 2}}, {10, -20}};
  g.layers = {{"fc1", "MatMul", {0}, fc1},
              {"requant", "Requant", {1}, RequantLayer{3, -127, 127}},
              {"relu", "Relu", {2}, relu},
              {"fc2", "MatMul", {3}, fc2},
              {"max", "ReduceMax", {3}, RowMaxLayer{}}};
  g.outputs = {4, 5};
  return g;
}

zkcc::proof::Transcript fresh() {
  return zkcc::proof::Transcript(*zkcc::Felt252::from_short_string("zkcc-fuzz-graph"));
}

struct Fixture {
  zkcc::model::QuantizedGraph graph = make_graph();
  IntTensor input{{3, 4}, {127, -127, 5, 0, -3, 64, -90, 17, 100, 100, -1, -50}};
  std::vector<IntTensor> outputs;
  zkcc::Bytes valid;  // an honest proof's encoding
  std::optional<zkcc::proof::GraphCircuit> circuit;  // built once: it commits to the weights
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    auto trace = zkcc::model::run(x.graph, x.input);
    if (!trace.ok()) __builtin_trap();
    for (size_t v : x.graph.outputs) x.outputs.push_back(trace->values[v]);
    auto circuit = zkcc::proof::GraphCircuit::build(std::make_shared<const zkcc::model::QuantizedGraph>(x.graph));
    if (!circuit.ok()) __builtin_trap();
    x.circuit = *circuit;
    zkcc::proof::Transcript t = fresh();
    auto proof = zkcc::proof::graph_prove(*x.circuit, *trace, t, {true, {}});
    if (!proof.ok()) __builtin_trap();
    zkcc::proof::Transcript tv = fresh();
    if (!zkcc::proof::graph_verify(*x.circuit, &x.input, x.outputs, *proof, tv).ok()) __builtin_trap();
    x.valid = zkcc::proof::encode_binary(*proof);
    return x;
  }();
  return f;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  write_seed_if_requested("ZKCC_GRAPH_PROOF_SEED", fixture().valid);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Fixture& f = fixture();
  std::span<const uint8_t> in(data, size);
  auto proof = zkcc::proof::decode_graph_binary(in);
  if (!proof.ok()) return 0;
  if (zkcc::proof::encode_binary(*proof) != zkcc::Bytes(in.begin(), in.end())) __builtin_trap();
  zkcc::proof::Transcript t = fresh();
  if (!zkcc::proof::graph_verify(*f.circuit, &f.input, f.outputs, *proof, t).ok()) return 0;
  // An accepted proof must not also pass for another input with the same outputs.
  IntTensor other = f.input;
  other.data[0] -= 1;
  zkcc::proof::Transcript t2 = fresh();
  if (zkcc::proof::graph_verify(*f.circuit, &other, f.outputs, *proof, t2).ok()) __builtin_trap();
  return 0;
}
