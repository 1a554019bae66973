#include "zkcc/model/graph_encoding.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <set>

#include "quantized_models.h"
#include "zkcc/model/input_json.h"
#include "zkcc/model/run.h"

namespace zkcc::model {
namespace {

using testing::all_kinds_graph;

void expect_same_trace(const Trace& a, const Trace& b) {
  ASSERT_EQ(a.values.size(), b.values.size());
  for (size_t i = 0; i < a.values.size(); ++i) {
    EXPECT_EQ(a.values[i].shape, b.values[i].shape) << "value " << i;
    EXPECT_EQ(a.values[i].data, b.values[i].data) << "value " << i;
  }
}

// decode(encode(g)) re-encodes to the same bytes and runs every input to the same trace.
void expect_round_trip(const QuantizedGraph& g, const std::vector<FloatTensor>& inputs) {
  const Bytes bytes = encode_graph(g);
  auto back = decode_graph(bytes);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(encode_graph(*back), bytes);
  EXPECT_EQ(back->outputs, g.outputs);
  ASSERT_FALSE(inputs.empty());
  for (const FloatTensor& x : inputs) {
    auto want = run_quantized(g, x);
    auto got = run_quantized(*back, x);
    ASSERT_TRUE(want.ok() && got.ok());
    expect_same_trace(want->trace, got->trace);
    EXPECT_EQ(want->outputs[0].data, got->outputs[0].data);
  }
}

TEST(GraphEncoding, RoundTripsTheDigitsModel) {
  auto g = testing::digits_graph();
  if (!g) GTEST_SKIP() << "no models/digits";
  ASSERT_TRUE(g->ok()) << g->status().to_string();
  std::vector<FloatTensor> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(testing::source_path("models/digits/inputs"))) {
    if (!entry.path().filename().string().starts_with("heldout_")) continue;
    auto x = parse_input_json(*testing::read_text(entry.path().string()), {1, 64});
    ASSERT_TRUE(x.ok()) << entry.path() << ": " << x.status().to_string();
    inputs.push_back(*x);
  }
  EXPECT_EQ(inputs.size(), 10u);
  expect_round_trip(**g, inputs);
}

TEST(GraphEncoding, RoundTripsACnnWithEveryLayerKind) {
  auto g = testing::small_cnn_graph();
  ASSERT_TRUE(g.ok()) << g.status().to_string();
  std::set<std::string> kinds;
  for (const Layer& l : g->layers) kinds.insert(layer_kind_name(l.op));
  EXPECT_EQ(kinds.size(), std::variant_size_v<LayerOp>) << "the CNN should use every layer kind";
  std::vector<FloatTensor> inputs;
  for (uint64_t i = 0; i < 6; ++i) inputs.push_back(testing::float_tensor({1, 2, 6, 6}, 700 + i, 1.5));
  expect_round_trip(*g, inputs);
}

TEST(GraphEncoding, Layout) {
  QuantizedGraph g;
  g.values.push_back({"x", {3}, 0.5, 127, 0.25});
  g.outputs = {0};
  const Bytes b = encode_graph(g);
  const Bytes want = {
      'Z', 'K', 'C', 'C', 'Q', 'G', 3, 0, 0,                   // magic, version, kind (a model)
      8, 0, 0, 0, 127, 0, 0, 0, 0, 0, 0, 0,                    // activation_bits, qmax
      1, 0, 0, 0,                                              // one value
      1, 0, 0, 0, 'x', 1, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0,     // name, shape [3]
      0, 0, 0, 0, 0, 0, 0xe0, 0x3f,                            // scale 0.5
      127, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xd0, 0x3f,  // bound, error 0.25
      0, 0, 0, 0,                                              // no layers
      1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,                      // outputs [0]
  };
  EXPECT_EQ(b, want);
  EXPECT_TRUE(decode_graph(b).ok());
}

// Every field reaches the bytes: changing any one changes the encoding, and the changed graph
// round-trips.
TEST(GraphEncoding, EveryFieldIsEncoded) {
  const QuantizedGraph base = all_kinds_graph();
  const Bytes base_bytes = encode_graph(base);
  ASSERT_TRUE(decode_graph(base_bytes).ok()) << decode_graph(base_bytes).status().to_string();
  auto op = [](QuantizedGraph& g, size_t layer) -> LayerOp& { return g.layers[layer].op; };
  const std::vector<std::pair<const char*, std::function<void(QuantizedGraph&)>>> changes = {
      {"activation_bits", [](QuantizedGraph& g) { g.activation_bits = 8; }},
      {"qmax", [](QuantizedGraph& g) { g.qmax = 64; }},
      {"value name", [](QuantizedGraph& g) { g.values[3].name += "'"; }},
      {"value shape", [](QuantizedGraph& g) { g.values[3].shape = {4}; }},
      {"value scale", [](QuantizedGraph& g) { g.values[3].scale = std::nextafter(g.values[3].scale, 10.0); }},
      {"value bound", [](QuantizedGraph& g) { g.values[3].bound += 1; }},
      {"value error", [](QuantizedGraph& g) { g.values[0].error = std::nextafter(g.values[0].error, 1.0); }},
      {"node", [](QuantizedGraph& g) { g.layers[2].node = "mc2"; }},
      {"op_type", [](QuantizedGraph& g) { g.layers[2].op_type = "Mul"; }},
      {"inputs", [](QuantizedGraph& g) { g.layers[8].inputs = {7, 8}; }},
      {"weight shape", [&](QuantizedGraph& g) {
         auto& mm = std::get<MatMulLayer>(op(g, 0));
         mm.weight.shape = {2, 3};
         mm.bias.push_back(9);
       }},
      {"weight", [&](QuantizedGraph& g) { std::get<MatMulLayer>(op(g, 0)).weight.data[4] += 1; }},
      {"bias", [&](QuantizedGraph& g) { std::get<MatMulLayer>(op(g, 0)).bias.clear(); }},
      {"add constant", [&](QuantizedGraph& g) { std::get<AddConstLayer>(op(g, 1)).constant.data[3] = -1; }},
      {"mul constant", [&](QuantizedGraph& g) { std::get<MulConstLayer>(op(g, 2)).constant.data[0] = 0; }},
      {"shift", [&](QuantizedGraph& g) { std::get<RequantLayer>(op(g, 3)).shift = 6; }},
      {"lo", [&](QuantizedGraph& g) { std::get<RequantLayer>(op(g, 3)).lo = -64; }},
      {"hi", [&](QuantizedGraph& g) { std::get<RequantLayer>(op(g, 3)).hi = 62; }},
      {"function", [&](QuantizedGraph& g) { std::get<LookupLayer>(op(g, 4)).function = "tanh"; }},
      {"in_min", [&](QuantizedGraph& g) { std::get<LookupLayer>(op(g, 4)).in_min = -3; }},
      {"table", [&](QuantizedGraph& g) { std::get<LookupLayer>(op(g, 4)).table.push_back(0); }},
      {"index", [&](QuantizedGraph& g) { std::get<GatherLayer>(op(g, 5)).index[1] = 4; }},
      {"fill", [&](QuantizedGraph& g) { std::get<GatherLayer>(op(g, 5)).fill = 0; }},
      {"kind", [&](QuantizedGraph& g) { op(g, 7) = RowSumLayer{}; }},
      {"numerator_scale", [&](QuantizedGraph& g) { std::get<RowDivLayer>(op(g, 13)).numerator_scale = 127; }},
      {"coefficients", [&](QuantizedGraph& g) { std::get<AddLayer>(op(g, 10)).coef[1] = -2; }},
      {"outputs", [](QuantizedGraph& g) { g.outputs = {3, 11}; }},
  };
  std::set<Bytes> seen = {base_bytes};
  for (const auto& [name, change] : changes) {
    QuantizedGraph g = base;
    change(g);
    const Bytes b = encode_graph(g);
    EXPECT_TRUE(seen.insert(b).second) << name << " did not change the encoding";
    auto back = decode_graph(b);
    ASSERT_TRUE(back.ok()) << name << ": " << back.status().to_string();
    EXPECT_EQ(encode_graph(*back), b) << name;
  }
}

TEST(GraphEncoding, TruncationAtEveryLengthFails) {
  const Bytes b = encode_graph(all_kinds_graph());
  for (size_t n = 0; n < b.size(); ++n) {
    auto g = decode_graph(std::span(b).first(n));
    ASSERT_FALSE(g.ok()) << "prefix of " << n << " bytes";
    const StatusCode want = n < 6 ? StatusCode::kInvalidArgument : StatusCode::kOutOfRange;
    EXPECT_EQ(g.status().code(), want) << n << ": " << g.status().to_string();
  }
  EXPECT_EQ(decode_graph(std::span(b).first(10)).status().message(),
            "graph encoding ends at byte 10 inside the activation_bits (4 bytes needed at 9)");
  EXPECT_EQ(decode_graph(std::span(b).first(b.size() - 1)).status().message(),
            "graph encoding: the outputs count 2 at byte " + std::to_string(b.size() - 20) +
                " needs at least 16 bytes, 15 remain");
}

// Whatever the corruption, the decoder returns an error or a graph; a graph it returns is exactly
// what the bytes encode (the encoding is canonical).
void expect_clean(const Bytes& b, const std::string& what) {
  auto g = decode_graph(b);
  if (g.ok()) {
    EXPECT_EQ(encode_graph(*g), b) << what;
  } else {
    EXPECT_FALSE(g.status().message().empty()) << what;
  }
}

TEST(GraphEncoding, CorruptionNeverCrashes) {
  const Bytes base = encode_graph(all_kinds_graph());
  size_t accepted = 0;
  for (size_t i = 0; i < base.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      Bytes b = base;
      b[i] ^= static_cast<uint8_t>(1 << bit);
      expect_clean(b, "bit " + std::to_string(bit) + " of byte " + std::to_string(i));
      accepted += decode_graph(b).ok();
    }
    for (uint8_t v : {uint8_t{0}, uint8_t{0x7f}, uint8_t{0x80}, uint8_t{0xff}}) {
      Bytes b = base;
      b[i] = v;
      expect_clean(b, "byte " + std::to_string(i) + " = " + std::to_string(v));
    }
  }
  EXPECT_GT(accepted, 0u);  // flips inside names and integers still decode
  std::mt19937_64 rng(7);
  for (int round = 0; round < 3000; ++round) {
    Bytes b = base;
    const int flips = 1 + static_cast<int>(rng() % 8);
    for (int f = 0; f < flips; ++f) b[rng() % b.size()] = static_cast<uint8_t>(rng());
    if (rng() % 4 == 0) b.resize(rng() % b.size());
    expect_clean(b, "round " + std::to_string(round));
  }
}

void put_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + static_cast<size_t>(i)] = static_cast<uint8_t>(v >> (8 * i));
}

std::string decode_error(const Bytes& b) {
  auto g = decode_graph(b);
  return g.ok() ? "decoded" : g.status().message();
}
std::string decode_error(const QuantizedGraph& g) { return decode_error(encode_graph(g)); }

QuantizedGraph one_value(Shape shape) {
  QuantizedGraph g;
  g.values.push_back({"x", std::move(shape), 1.0, 127, 0.5});
  g.outputs = {0};
  return g;
}

QuantizedGraph with_layer(LayerOp op, std::vector<size_t> inputs = {0}) {
  QuantizedGraph g = one_value({2});
  g.layers.push_back({"n", "Op", std::move(inputs), std::move(op)});
  g.values.push_back({"y", {2}, 1.0, 127, 0.5});
  g.outputs = {1};
  return g;
}

TEST(GraphEncoding, RefusesMalformedInput) {
  const Bytes good = encode_graph(one_value({2}));
  ASSERT_EQ(decode_error(good), "decoded");

  EXPECT_EQ(decode_error(Bytes{}), "not a zkcc graph encoding (bad magic)");
  Bytes b = good;
  b[5] = 'F';
  EXPECT_EQ(decode_error(b), "not a zkcc graph encoding (bad magic)");
  b = good;
  b[6] = 1;
  EXPECT_EQ(decode_error(b), "graph encoding version 1 is not supported (expected 3)");
  b = good;
  b[8] = 2;
  EXPECT_EQ(decode_error(b), "graph encoding kind 2 is neither 0 (model) nor 1 (architecture)");
  b = good;
  b.push_back(0);
  EXPECT_EQ(decode_error(b), "graph encoding ends at byte 82 but the input has 83 bytes");

  // Counts beyond what the rest of the input could hold, refused before allocating.
  b = good;
  put_u32(b, 21, 0xffffffff);
  EXPECT_EQ(decode_error(b),
            "graph encoding: the values count 4294967295 at byte 21 needs at least 137438953440 bytes, 57 remain");
  b = good;
  put_u32(b, 25, 0x10000000);
  EXPECT_EQ(decode_error(b), "value 0: graph encoding: the name length 268435456 at byte 25 needs at least 268435456 "
                             "bytes, 53 remain");
  b = good;
  put_u32(b, 30, 7);
  EXPECT_EQ(decode_error(b), "value 0: graph encoding: the shape count 7 at byte 30 needs at least 56 bytes, 48 remain");

  // Shapes and tensors.
  EXPECT_EQ(decode_error(one_value({2, 0})), "value 0: shape [2, 0] has a zero dimension");
  EXPECT_EQ(decode_error(one_value({size_t{1} << 32, size_t{1} << 32})),
            "value 0: shape [4294967296, 4294967296] has more than 268435456 elements");
  EXPECT_EQ(decode_error(one_value({size_t{1} << 14, size_t{1} << 14, 2})),
            "value 0: shape [16384, 16384, 2] has more than 268435456 elements");
  EXPECT_EQ(decode_error(one_value({size_t{1} << 14, size_t{1} << 14})), "decoded");  // exactly the limit
  EXPECT_EQ(decode_error(with_layer(MatMulLayer{IntTensor{{2, 2}, {1, 2, 3}}, {}})),
            "layer 0: weight has 3 elements, its shape [2, 2] needs 4");
  EXPECT_EQ(decode_error(with_layer(AddConstLayer{IntTensor{{2}, {1, 2, 3}}})),
            "layer 0: constant has 3 elements, its shape [2] needs 2");
  EXPECT_EQ(decode_error(with_layer(MulConstLayer{IntTensor{{0, 2}, {}}})),
            "layer 0: constant: shape [0, 2] has a zero dimension");

  // Scales and error bounds.
  auto with_scale = [](double s) {
    QuantizedGraph g = one_value({2});
    g.values[0].scale = s;
    return decode_error(g);
  };
  EXPECT_EQ(with_scale(std::numeric_limits<double>::infinity()), "value 0: scale inf is not finite and positive");
  EXPECT_EQ(with_scale(std::numeric_limits<double>::quiet_NaN()), "value 0: scale nan is not finite and positive");
  EXPECT_EQ(with_scale(0), "value 0: scale 0 is not finite and positive");
  EXPECT_EQ(with_scale(-0.5), "value 0: scale -0.5 is not finite and positive");
  EXPECT_EQ(with_scale(std::numeric_limits<double>::denorm_min()), "decoded");
  QuantizedGraph g = one_value({2});
  g.values[0].error = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(decode_error(g), "value 0: error bound nan is NaN or negative");
  g.values[0].error = -1;
  EXPECT_EQ(decode_error(g), "value 0: error bound -1 is NaN or negative");

  // Graph structure.
  g = one_value({2});
  g.values.push_back(g.values[0]);
  EXPECT_EQ(decode_error(g), "graph encoding has 2 values and 0 layers; a graph has one value more than layers");
  EXPECT_EQ(decode_error(QuantizedGraph{}), "graph encoding has 0 values and 0 layers; a graph has one value more than layers");
  EXPECT_EQ(decode_error(with_layer(ReshapeLayer{}, {1})), "layer 0: input value 1 is not earlier than the layer's output value 1");
  g = with_layer(RowSubLayer{}, {0, 0});
  EXPECT_EQ(decode_error(g), "the graph's bounds: value 1 ('y') declares bound 127, but its values reach 254 (bounds "
                             "derived from the architecture must be declared, within 1073741823)");
  g.values[1].bound = 254;
  EXPECT_EQ(decode_error(g), "decoded");
  g = one_value({2});
  g.outputs = {0, 1};
  EXPECT_EQ(decode_error(g), "output 1 is value 1, past the 1 values");

  // Layer tags: the Reshape layer's tag is the byte before the outputs list.
  b = encode_graph(with_layer(ReshapeLayer{}));
  const size_t tag_at = b.size() - 12 - 1;
  ASSERT_EQ(b[tag_at], 7);
  for (uint8_t tag : {uint8_t{0}, uint8_t{15}, uint8_t{255}}) {
    b[tag_at] = tag;
    EXPECT_EQ(decode_error(b), "layer 0: unknown layer tag " + std::to_string(tag) + " at byte " + std::to_string(tag_at));
  }
  b = encode_graph(with_layer(MatMulLayer{IntTensor{{2, 1}, {1, 2}}, {3}}));
  put_u32(b, b.size() - 12 - 8 - 4, 3);  // the bias count: 3 entries, 8 + 12 bytes left
  EXPECT_EQ(decode_error(b), "layer 0: graph encoding: the bias count 3 at byte " + std::to_string(b.size() - 24) +
                                 " needs at least 24 bytes, 20 remain");
}

}  // namespace
}  // namespace zkcc::model
