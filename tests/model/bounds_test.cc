#include "zkcc/model/bounds.h"

#include <gtest/gtest.h>

#include <limits>

#include "quantized_models.h"
#include "zkcc/model/graph_encoding.h"

namespace zkcc::model {
namespace {

using testing::all_kinds_graph;

std::string bounds_error(const QuantizedGraph& g) {
  Status s = check_bounds(g);
  return s.ok() ? "accepted" : s.message();
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Each layer kind's rule (bounds.h), on one layer of each kind.
TEST(Bounds, EachLayerKindDerivesItsBound) {
  const QuantizedGraph g = all_kinds_graph();
  auto b = derive_bounds(g);
  ASSERT_TRUE(b.ok()) << b.status().to_string();
  const std::vector<int64_t> want = {
      63,                      // the input's declared bound
      133 * 63 + 8,            // MatMul: column 1 has sum |w| = 2 + 4 + 127 and bias -8
      133 * 63 + 8 + (1 << 20),  // AddConst: + max |c|
      (133 * 63 + 8 + (1 << 20)) * 6,  // MulConst: x max |c|
      63,                      // Requant: the clamp range
      63,                      // Lookup: the largest table entry
      63,                      // Gather: max(b(x), |fill| = 9)
      63,                      // Reshape
      63,                      // RowMax
      126,                     // RowSub: b(m) + b(x)
      6 * 126,                 // RowSum over rows of 6
      2 * 126 + 3 * 63,         // Add: sum |c_j| b(x_j)
      2 * 126 + 3 * 63,         // Concat: the largest part's
      (2 * 126 + 3 * 63) * 63,  // Mul: b(a) b(b)
      126 * 63 + 6 * 126 / 2,  // RowDiv: e k + floor(s / 2), below the declared quotient bound
  };
  EXPECT_EQ(*b, want);
  EXPECT_EQ(bounds_error(g), "accepted");
}

// Declaring more than the architecture implies is fine; declaring less is refused, naming the
// value, for every kind whose output the arithmetic bounds.
TEST(Bounds, UnderDeclaredBoundsAreRefused) {
  QuantizedGraph g = all_kinds_graph();
  const std::vector<int64_t> derived = *derive_bounds(g);
  for (size_t v = 0; v < g.values.size(); ++v) g.values[v].bound = derived[v];
  EXPECT_EQ(bounds_error(g), "accepted");
  for (size_t v = 1; v + 1 < g.values.size(); ++v) {
    QuantizedGraph under = g;
    under.values[v].bound -= 1;
    const std::string e = bounds_error(under);
    EXPECT_TRUE(contains(e, "value " + std::to_string(v) + " ('v" + std::to_string(v) + "') declares bound " +
                                std::to_string(derived[v] - 1) + ", but its values reach " + std::to_string(derived[v])))
        << layer_kind_name(g.layers[v - 1].op) << ": " << e;
    EXPECT_FALSE(decode_graph(encode_graph(under)).ok()) << v;
  }
  // The quotient of a division is pinned to [0, declared] by the proof's lookup: a smaller declared
  // bound only makes more inputs unprovable, and the derived bound follows it.
  QuantizedGraph div = g;
  div.values.back().bound = 10;
  EXPECT_EQ(derive_bounds(div)->back(), 10);
  EXPECT_EQ(bounds_error(div), "accepted");
}

TEST(Bounds, ParametersOutsideTheirRangesAreRefused) {
  QuantizedGraph g = all_kinds_graph();
  std::get<MatMulLayer>(g.layers[0].op).weight.data[2] = 128;
  EXPECT_TRUE(contains(bounds_error(g), "layer 0 (MatMul of node mm): weight [1, 0] = 128 is outside [-127, 127]"))
      << bounds_error(g);

  // Weights within range, but an accumulator that may wrap for some weights of the committed
  // widths (what a verifier without the weights must assume).
  g = all_kinds_graph();
  g.values[0].bound = 1 << 24;
  EXPECT_TRUE(contains(bounds_error(g), "the accumulator (3 inputs x 128 x bound 16777216")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<MatMulLayer>(g.layers[0].op).bias[1] = int64_t{1} << 31;
  EXPECT_TRUE(contains(bounds_error(g), "bias width 33 is outside [1, 30]")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<AddConstLayer>(g.layers[1].op).constant.data[0] = int64_t{1} << 40;
  EXPECT_TRUE(contains(bounds_error(g), "layer 1 (AddConst of node ac): constant width 42 is outside [1, 30]"))
      << bounds_error(g);

  // The architecture alone: the same worst case, from the declared widths.
  g = architecture_of(all_kinds_graph());
  EXPECT_EQ(bounds_error(g), "accepted");
  std::get<MatMulLayer>(g.layers[0].op).bias_bits = 30;
  g.values[0].bound = 1 << 22;
  EXPECT_TRUE(contains(bounds_error(g), "the accumulator (3 inputs x 128 x bound 4194304 + 2^29)")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<MulConstLayer>(g.layers[2].op).constant.data[0] = std::numeric_limits<int64_t>::min();
  EXPECT_TRUE(contains(bounds_error(g), "may reach beyond 2^63")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<LookupLayer>(g.layers[4].op).table[0] = int64_t{1} << 30;
  EXPECT_TRUE(contains(bounds_error(g), "layer 4 (Lookup of node lk): value 5")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<GatherLayer>(g.layers[5].op).fill = -(int64_t{1} << 30);
  EXPECT_TRUE(contains(bounds_error(g), "layer 5 (Gather of node ga): value 6")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<RowDivLayer>(g.layers[13].op).numerator_scale = int64_t{1} << 30;
  EXPECT_TRUE(contains(bounds_error(g), "the division's numerator")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<RequantLayer>(g.layers[3].op).hi = int64_t{1} << 31;
  EXPECT_TRUE(contains(bounds_error(g), "the clamp range")) << bounds_error(g);

  g = all_kinds_graph();
  g.layers[8].inputs = {8};
  EXPECT_TRUE(contains(bounds_error(g), "takes 2 inputs, has 1")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<AddLayer>(g.layers[10].op).coef[1] = 0;
  EXPECT_TRUE(contains(bounds_error(g), "layer 10 (Add of node sum): coefficient 0 is 0 or beyond 2^30")) << bounds_error(g);
  std::get<AddLayer>(g.layers[10].op).coef = {1};
  EXPECT_TRUE(contains(bounds_error(g), "needs one coefficient per input")) << bounds_error(g);

  g = all_kinds_graph();  // an operand that does not broadcast onto the output
  g.layers[10].inputs = {9, 5};
  EXPECT_TRUE(contains(bounds_error(g), "[2, 2] has a higher rank than [6]")) << bounds_error(g);

  g = all_kinds_graph();
  std::get<ConcatLayer>(g.layers[11].op).axis = 1;
  EXPECT_TRUE(contains(bounds_error(g), "axis 1 is outside rank 1")) << bounds_error(g);

  g = all_kinds_graph();
  g.layers[12].inputs = {12, 7};
  EXPECT_TRUE(contains(bounds_error(g), "an input's shape is not the output's")) << bounds_error(g);
  g = all_kinds_graph();  // a product that may wrap
  std::get<AddLayer>(g.layers[10].op).coef = {1 << 20, 1};
  EXPECT_TRUE(contains(bounds_error(g), "layer 12 (Mul of node mul): value 13")) << bounds_error(g);
}

TEST(Bounds, QuantizedModelsDeclareTheirDerivedBounds) {
  auto digits = testing::digits_graph();
  ASSERT_TRUE(digits.has_value());
  ASSERT_TRUE(digits->ok()) << digits->status().to_string();
  auto cnn = testing::small_cnn_graph();
  ASSERT_TRUE(cnn.ok()) << cnn.status().to_string();
  for (const QuantizedGraph* g : {&digits->value(), &*cnn}) {
    auto b = derive_bounds(*g);
    ASSERT_TRUE(b.ok()) << b.status().to_string();
    EXPECT_EQ(bounds_error(*g), "accepted");
    // The quantizer's bounds are exactly the derived ones for products (no slack to exploit).
    for (size_t l = 0; l < g->layers.size(); ++l) {
      if (std::holds_alternative<MatMulLayer>(g->layers[l].op)) {
        EXPECT_EQ((*b)[l + 1], g->values[l + 1].bound) << l;
      }
    }
  }
}

}  // namespace
}  // namespace zkcc::model
